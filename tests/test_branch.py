"""Branching a new run from an epoch of a recorded one: the per-epoch checkpoints kept within
a disk budget, the branch's folder, retracing the parent exactly, refusals, kills, the CLI.
All on the real engine, the embedded MNIST sample, real run folders and real processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tui_nn.datasets import load_embedded_sample
from tui_nn.runs import Runner, RunRecord, RunSetupError, RunStore, RunStoreError, epoch_checkpoints
from tui_nn.training import TrainConfig, Trainer
from tui_nn.training.status import RunStatus

TIMING = ["seconds", "samples_per_s"]
TINY = dict(hidden=(16,), epochs=6, batch_size=256, optimizer="adam", lr=3e-3, augment="shift", dropout=0.1)


@pytest.fixture(scope="module")
def sample():
    return load_embedded_sample()


@pytest.fixture
def parent(tmp_path, sample):
    """A finished 6-epoch run, every epoch kept."""
    store = RunStore(tmp_path)
    runner = Runner.new(TrainConfig(**TINY), sample, store=store)
    result = runner.run()
    assert result.status == RunStatus.FINISHED
    return store, RunRecord(runner.path), result


def test_every_epoch_is_kept_and_a_branch_without_changes_retraces_the_parent_exactly(parent, sample):
    store, record, result = parent
    assert record.branch_epochs() == [1, 2, 3, 4, 5, 6]
    branch = Runner.branching(store, record.run_id, 3, dataset=sample)
    assert branch.config.epochs == 3                       # the epochs the parent still had to go
    assert len(branch.previous_history) == 3
    branched = branch.run()
    np.testing.assert_array_equal(branched.network.params, result.network.params)
    mine, theirs = RunRecord(branch.path).history(), record.history()
    assert mine.drop(columns=TIMING).equals(theirs.drop(columns=TIMING))
    np.testing.assert_array_equal(RunRecord(branch.path).steps(), record.steps())
    info = store.info(branch.path)
    assert (info.branch_of, info.branch_epoch, info.epochs, info.planned_epochs) == (record.run_id, 3, 6, 6)
    assert RunRecord(branch.path).meta()["branch"] == {"run": record.run_id, "name": record.run_id, "epoch": 3}


def test_a_branch_with_a_new_learning_rate_shares_the_parents_epochs_up_to_the_branch_point(parent, sample):
    store, record, _ = parent
    before = {p.name: p.stat().st_mtime_ns for p in record.path.iterdir() if p.is_file()}
    branch = Runner.branching(store, record.run_id, 2, {"lr": "3e-2", "epochs": "2", "early_stop": "5"},
                              dataset=sample)
    assert (branch.config.lr, branch.config.epochs, branch.config.early_stop) == (3e-2, 2, 5)
    branch.run()
    mine, theirs = RunRecord(branch.path).history(), record.history()
    assert list(mine.epoch) == [1, 2, 3, 4]
    assert mine.iloc[:2].drop(columns=TIMING).equals(theirs.iloc[:2].drop(columns=TIMING))
    assert not np.isclose(mine.train_loss[2], theirs.train_loss[2])
    assert RunRecord(branch.path).config().lr == 3e-2
    assert RunRecord(branch.path).health()["weight_norm"].shape[0] == 4
    # the parent was only read
    assert {p.name: p.stat().st_mtime_ns for p in record.path.iterdir() if p.is_file()} == before


def test_a_branch_with_changes_is_made_again_exactly_from_its_record(parent, sample):
    store, record, _ = parent
    branch = Runner.branching(store, record.run_id, 2, {"lr": "1e-2", "epochs": "3"}, dataset=sample)

    def change_in_epoch_4(event):
        if type(event).__name__ == "EpochEnded" and event.epoch == 3:
            branch.change(dropout="0.3")
    branch.add_listener(change_in_epoch_4)
    first = branch.run()
    again = Runner.retracing(RunRecord(branch.path))
    assert again["epoch"] == 2 and again["changes"]["epochs"] == "3" and again["replay"][0]["setting"] == "dropout"
    second = Runner.branching(store, again["path"], again["epoch"], again["changes"], replay=again["replay"],
                              dataset=sample).run()
    np.testing.assert_array_equal(second.network.params, first.network.params)
    assert Runner.retracing(record) is None                       # not a branch
    shutil.rmtree(record.path)
    with pytest.raises(RunStoreError, match="which is no longer in"):
        Runner.retracing(RunRecord(branch.path))


def test_branching_refuses_what_it_cannot_do_and_says_what_it_can(parent, sample):
    store, record, _ = parent
    with pytest.raises(RunSetupError, match=r"no checkpoint of epoch 9; it can branch from epoch 1-6"):
        Runner.branching(store, record.run_id, 9, dataset=sample)
    with pytest.raises(RunSetupError, match=r"Hidden layers cannot change in a branch.*--lr"):
        Runner.branching(store, record.run_id, 2, {"hidden": "32"}, dataset=sample)
    with pytest.raises(RunSetupError, match="learning rate must be a number"):
        Runner.branching(store, record.run_id, 2, {"lr": "fast"}, dataset=sample)
    assert [info.run_id for info in store.list()] == [record.run_id]     # nothing half-made


def test_live_changes_made_before_the_branch_point_hold_in_the_branch(tmp_path, sample):
    store = RunStore(tmp_path)
    runner = Runner.new(TrainConfig(**TINY), sample, store=store)

    def change_in_epoch_2(event):
        if getattr(event, "epoch", None) == 1 and type(event).__name__ == "EpochEnded":
            runner.change(lr="1e-2")
    runner.add_listener(change_in_epoch_2)
    runner.run()
    assert RunRecord(runner.path).changes()[0]["epoch"] == 2
    assert Runner.branching(store, runner.path.name, 3, dataset=sample).config.lr == 1e-2
    assert Runner.branching(store, runner.path.name, 1, dataset=sample).config.lr == 3e-3


def test_the_checkpoints_stay_within_their_budget_spread_over_the_whole_run(tmp_path, sample):
    store = RunStore(tmp_path)
    probe = Runner.new(TrainConfig(**{**TINY, "epochs": 1}), sample, store=store)
    probe.run()
    one = sum(f.stat().st_size for f in next(iter(epoch_checkpoints.listed(probe.path).values())).iterdir())
    budget_mb = 3.5 * one / 1e6                       # room for 3 checkpoints
    runner = Runner.new(TrainConfig(**{**TINY, "epochs": 16}), sample, store=store, epoch_budget_mb=budget_mb)
    runner.run()
    kept = epoch_checkpoints.listed(runner.path)
    assert list(kept) == [8, 16]                       # 1..3, then 2,4,6 -> 4, 8 -> 8, 16
    assert sum(f.stat().st_size for folder in kept.values() for f in folder.iterdir()) <= budget_mb * 1e6
    assert RunRecord(runner.path).status()["epoch_every"] == 8
    for epoch in kept:
        assert RunRecord(runner.path).branch_point(epoch).epoch == epoch
    # no budget: none kept, and the last saved epoch is still one to branch from
    none = Runner.new(TrainConfig(**TINY), sample, store=store, epoch_budget_mb=0)
    none.run()
    assert epoch_checkpoints.listed(none.path) == {} and RunRecord(none.path).branch_epochs() == [6]


def test_a_branch_that_never_trained_resumes_from_its_branch_point_not_from_scratch(parent, sample):
    store, record, result = parent
    Runner.branching(store, record.run_id, 4, dataset=sample).close()     # made, then let go
    branch = next(info for info in store.list() if info.branch_of)
    assert branch.status == RunStatus.INTERRUPTED and branch.epochs == 4
    resumed = Runner.resuming(store, branch.run_id, dataset=sample)
    assert len(resumed.previous_history) == 4 and resumed.config.epochs == 2
    np.testing.assert_array_equal(resumed.run().network.params, result.network.params)


def test_resuming_a_run_that_stopped_early_trains_on_instead_of_stopping_at_once(tmp_path, sample):
    store = RunStore(tmp_path)
    runner = Runner.new(TrainConfig(**TINY, min_delta=10.0, early_stop=2), sample, store=store)
    assert runner.run().status == RunStatus.EARLY_STOPPED               # best at 1, stopped at 3
    resumed = Runner.resuming(store, runner.path.name, epochs=4, dataset=sample)
    result = resumed.run()
    assert len(result.history) == 5                                    # 2 more, then patience is out again
    assert result.status == RunStatus.EARLY_STOPPED


KILL_SCRIPT = textwrap.dedent("""
    import sys
    from tui_nn.runs import Runner, RunStore
    from tui_nn.training import TrainConfig
    runner = Runner.new(TrainConfig(**%r), store=RunStore(sys.argv[1]), save_every=0.0)
    print(runner.path, flush=True)
    runner.run()
""" % {**TINY, "epochs": 30})


def test_a_kill_while_an_epoch_checkpoint_is_written_leaves_only_whole_ones(tmp_path, sample):
    env = {**os.environ, "SCRATCHNET_TEST_PAUSE_BETWEEN_WRITES": "0.05"}
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    path = RunRecord(proc.stdout.readline().strip()).path
    for line in proc.stderr:
        if line.split()[:4] == ["write", "epoch-model", "epoch", "3"]:   # model written, resume not yet
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    proc.stderr.close()
    assert list(epoch_checkpoints.listed(path)) == [1, 2]
    assert [p.name for p in (path / "epochs").iterdir() if p.name.endswith(".tmp")]   # the unfinished one
    store = RunStore(tmp_path)
    Runner.resuming(store, path.name, epochs=1, dataset=sample).close()      # the owner cleans up
    assert sorted(p.name for p in (path / "epochs").iterdir()) == ["epoch-000001", "epoch-000002"]
    for epoch in (1, 2):
        uninterrupted = Trainer(TrainConfig(**{**TINY, "epochs": epoch}), sample).run()
        np.testing.assert_array_equal(RunRecord(path).branch_point(epoch).network.params,
                                      uninterrupted.network.params)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "tui_nn", *args], capture_output=True, text=True, timeout=120)


def in_process(capsys, *args) -> tuple[int, str, str]:
    """The command run by its own entry point in this process: (status, stdout, stderr).
    One subprocess (the branch itself) shows the installed command works; the listing and
    the refusals need no interpreter of their own (about a second each on a loaded machine)."""
    from tui_nn.entry import main
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exit:      # argparse refuses a malformed value this way
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_branch_then_show_and_list_say_where_it_branched(parent, capsys):
    store, record, _ = parent
    runs = str(store.root)
    proc = cli("train", "--branch", f"{record.run_id}@2", "--lr", "0.01", "--epochs", "1", "--json",
               "--runs-dir", runs)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["epoch"] for line in proc.stdout.splitlines()[:-1]] == [3]
    branch = next(info for info in store.list() if info.branch_of)
    assert (branch.branch_epoch, branch.epochs, branch.lr) == (2, 3, 0.01)
    _, listing, _ = in_process(capsys, "runs", "--runs-dir", runs)
    assert f"[branch of {record.run_id}@2]" in listing
    code, shown, err = in_process(capsys, "runs", "show", branch.run_id, "--runs-dir", runs)
    assert code == 0, err
    assert f"branched from {record.run_id} at the end of epoch 2" in shown
    assert "can branch from epoch 2-3" in shown
    for bad, message in ((f"{record.run_id}", "is not RUN@EPOCH"),
                         (f"{record.run_id}@0", "is not RUN@EPOCH"),
                         (f"{record.run_id}@8", "it can branch from epoch 1-6")):
        code, _, err = in_process(capsys, "train", "--branch", bad, "--runs-dir", runs)
        assert code == 2 and message in err and "Traceback" not in err, err
    code, _, err = in_process(capsys, "train", "--branch", f"{record.run_id}@2", "--hidden", "8", "--runs-dir", runs)
    assert code == 2 and "cannot change in a branch" in err
