"""Runs as durable records: recorded while training, listed, damaged runs reported,
killed writers leave readable runs, concurrent writers don't collide."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pandas as pd
import pytest

from tui_nn.datasets import load_embedded_sample
from tui_nn.nn import load_model
from tui_nn.runs import RunRecord, Runner, RunSetupError, RunStore, RunStoreError
from tui_nn.runs.export import export_csv
from tui_nn.training import TrainConfig, Trainer
from tui_nn.training.events import EpochEnded

SMALL = dict(hidden=(16,), epochs=3, batch_size=64, optimizer="adam", lr=3e-3)


@pytest.fixture(scope="module")
def sample():
    return load_embedded_sample()


def record(store, config, data, **runner_kwargs):
    runner = Runner.new(config, data, store=store, **runner_kwargs)
    return runner.path, runner.run(), runner.recorder


def test_a_recorded_run_holds_everything(tmp_path, sample):
    store = RunStore(tmp_path)
    path, result, recorder = record(store, TrainConfig(**SMALL), sample)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "epochs", "health.npz", "history.csv", "model.npz",
                                                     "predictions.npz", "resume.npz", "status.json", "steps.npy"]
    [info] = store.list()
    assert info.status == "finished" and info.epochs == 3 and info.architecture == "784-16-10"
    assert info.test_acc == pytest.approx(result.end.test_acc)
    run = store.open(info.run_id)
    history = run.history()
    pd.testing.assert_series_equal(history.val_acc, result.history.val_acc, check_exact=False)
    net, meta = load_model(path / "model.npz")
    np.testing.assert_array_equal(net.params, result.network.params)
    np.testing.assert_array_equal(run.network("last")[0].params, result.network.params)
    np.testing.assert_array_equal(run.network("best")[0].params, result.best_params)
    preds = run.predictions()
    assert preds["proba"].shape == (1000, 10)
    assert np.mean(preds["proba"].argmax(1) == preds["labels"]) == pytest.approx(result.end.test_acc)
    assert run.config() == TrainConfig(**SMALL) and run.meta()["dataset"]["name"] == "mnist-sample"


def test_resumed_run_continues_exactly(tmp_path, sample):
    store = RunStore(tmp_path)
    config = TrainConfig(**{**SMALL, "lr_schedule": "constant", "dropout": 0.1, "augment": "shift"})
    long_run = Trainer(config.with_changes(epochs=5), sample).run()
    path, _, _ = record(store, config, sample)
    result = Runner.resuming(store, path.name, epochs=2, dataset=sample).run()
    np.testing.assert_array_equal(result.network.params, long_run.network.params)
    assert list(RunRecord(path).history().epoch) == [1, 2, 3, 4, 5]
    assert store.info(path).epochs == 5


def test_resuming_without_epochs_trains_the_epochs_still_to_go(tmp_path, sample):
    store = RunStore(tmp_path)
    runner = Runner.new(TrainConfig(**{**SMALL, "epochs": 5}), sample, store=store, save_every=0.0)
    runner.add_listener(lambda event: runner.stop() if isinstance(event, EpochEnded) and event.epoch == 2
                        else None)
    assert runner.run().status == "stopped"
    assert store.info(runner.path).epochs == 2
    resumed = Runner.resuming(store, runner.path, dataset=sample)
    assert resumed.config.epochs == 3 and len(resumed.previous_history) == 2
    assert resumed.run().status == "finished"
    info = store.info(runner.path)
    assert (info.epochs, info.planned_epochs) == (5, 5)
    # once every planned epoch is trained, continuing trains the run's own count again
    assert Runner.resuming(store, runner.path, dataset=sample).config.epochs == 5


def test_a_run_that_cannot_start_says_why(tmp_path, sample):
    store = RunStore(tmp_path)
    with pytest.raises(RunSetupError, match="larger than the training set"):
        Runner.new(TrainConfig(**{**SMALL, "batch_size": 5000}), sample, store=store)
    with pytest.raises(RunSetupError, match="no run 'nope'"):
        Runner.resuming(store, "nope")
    assert store.list() == []      # nothing was created for a run that never started


def test_a_runs_directory_that_refuses_the_run_trains_it_unsaved(tmp_path, sample):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the runs directory should be")
    runner = Runner.new(TrainConfig(**SMALL), sample, store=RunStore(blocker))
    assert runner.path is None and "not being saved" in runner.problem
    assert runner.run().status == "finished"


def test_listeners_hear_every_event_after_the_recorder_wrote_it(tmp_path, sample):
    store = RunStore(tmp_path)
    runner = Runner.new(TrainConfig(**SMALL), sample, store=store)
    lines_when_told = []
    runner.add_listener(lambda event: lines_when_told.append(
        (runner.path / "history.csv").read_text().count("\n") - 1) if isinstance(event, EpochEnded) else None)
    runner.run()
    assert lines_when_told == [1, 2, 3]


def test_damaged_runs_are_listed_with_the_reason_and_others_still_work(tmp_path, sample):
    store = RunStore(tmp_path)
    paths = [record(store, TrainConfig(**{**SMALL, "epochs": 2, "seed": s}), sample)[0] for s in range(4)]
    history = paths[0] / "history.csv"
    history.write_bytes(history.read_bytes()[:-20])                # truncated CSV
    (paths[1] / "config.json").write_text("{not json")             # unreadable config
    (paths[2] / "model.npz").unlink()                              # missing model
    infos = {i.path: i for i in store.list()}
    assert len(infos) == 4
    assert infos[paths[0]].status == "damaged" and "history.csv" in infos[paths[0]].problem
    assert infos[paths[1]].status == "damaged" and "config.json is unreadable" in infos[paths[1]].problem
    assert infos[paths[2]].status == "damaged" and "model.npz is missing" in infos[paths[2]].problem
    assert infos[paths[3]].status == "finished"
    assert len(RunRecord(paths[3]).history()) == 2


def test_disk_full_keeps_training_and_says_the_run_is_not_saved(tmp_path, sample):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    problems = []
    runner = Runner.new(TrainConfig(**SMALL), sample, store=RunStore(tmp_path), on_problem=problems.append)
    path = runner.path
    (path / "history.csv").symlink_to("/dev/full")   # every write: ENOSPC, a real full device
    result = runner.run()
    assert not runner.recording and runner.problem == problems[0]
    assert result.status == "finished" and len(result.history) == 3
    assert len(problems) == 1 and "not being saved" in problems[0] and "No space left" in problems[0]
    assert not [p for p in path.iterdir() if p.name.endswith(".tmp")]


def test_runs_created_concurrently_never_collide(tmp_path):
    store_a, store_b = RunStore(tmp_path), RunStore(tmp_path)
    config = TrainConfig(**SMALL)
    made = []

    def create(store):
        for _ in range(40):
            made.append(store.create(config, {"name": "x"}))
    threads = [threading.Thread(target=create, args=(s,)) for s in (store_a, store_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(made)) == 80 and len(store_a.list()) == 80


def test_rename_delete_and_export(tmp_path, sample):
    store = RunStore(tmp_path)
    a = record(store, TrainConfig(**{**SMALL, "epochs": 2}), sample)[0]
    b = record(store, TrainConfig(**{**SMALL, "epochs": 3, "lr": 1e-2}), sample)[0]
    store.rename(a, "first try")
    assert store.info(a).name == "first try"
    with pytest.raises(RunStoreError, match="cannot be empty"):
        store.rename(a, "  ")
    out = tmp_path.parent / f"{tmp_path.name}-export.csv"
    assert export_csv([a, b], out) == 5
    table = pd.read_csv(out)
    assert set(table.groupby("run").size()) == {2, 3}
    assert set(table.lr.unique()) >= {3e-3, 1e-2} and (table.name == "first try").sum() == 2
    store.delete(b)
    assert [i.path for i in store.list()] == [a]
    with pytest.raises(RunStoreError, match="no run"):
        store.resolve("nonexistent")


def test_a_running_run_cannot_be_deleted(tmp_path):
    store = RunStore(tmp_path)
    path = store.create(TrainConfig(**SMALL), {"name": "x"})   # status running, this live process
    with pytest.raises(RunStoreError, match="still training"):
        store.delete(path)


KILL_SCRIPT = textwrap.dedent("""
    import sys
    from tui_nn.datasets import load_embedded_sample
    from tui_nn.runs import Runner, RunStore
    from tui_nn.training import TrainConfig
    data = load_embedded_sample()
    config = TrainConfig(hidden=(64,), epochs=10000, batch_size=256, optimizer="adam", lr=1e-3)
    runner = Runner.new(config, data, store=RunStore(sys.argv[1]), save_every=0.0)   # weights every epoch
    print(runner.path, flush=True)
    runner.run()
""")


@pytest.mark.parametrize("delay", [0.05, 0.23, 0.41, 0.77])
def test_a_run_killed_mid_save_reopens_consistent(tmp_path, delay):
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    path = RunStore(tmp_path).resolve(os.path.basename(proc.stdout.readline().strip()))
    # wait for a first saved model, then kill at an arbitrary moment
    deadline = time.time() + 30
    while RunRecord(path).status().get("model_epoch") is None and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    store = RunStore(tmp_path)
    info = store.info(path)
    assert info.status == "interrupted", info.problem
    history = RunRecord(path).history()
    assert len(history) >= 1 and list(history.epoch) == list(range(1, len(history) + 1))
    saved = RunRecord(path).resume_point()        # weights, optimizer state and history load
    assert np.all(np.isfinite(saved.network.params))
    assert len(saved.history) <= len(history)
    status = json.loads((path / "status.json").read_text())
    assert status["status"] == "running"         # as written; the store reports "interrupted"


def test_a_listener_that_fails_is_detached_and_the_run_goes_on(tmp_path, sample):
    problems, calls = [], []

    def broken(event):
        if isinstance(event, EpochEnded):
            calls.append(event.epoch)
            raise RuntimeError("the screen went away")
    runner = Runner.new(TrainConfig(**SMALL), sample, store=RunStore(tmp_path), on_problem=problems.append)
    runner.add_listener(broken)
    result = runner.run()
    assert result.status == "finished" and len(result.history) == 3
    assert calls == [1]                                  # told once, then left out
    assert len(problems) == 1 and "the screen went away" in problems[0]
    assert RunStore(tmp_path).info(runner.path).status == "finished"
