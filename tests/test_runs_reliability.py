"""Recorded runs can't be lost or corrupted: one writer per run (a lock that survives
kill -9), a saved epoch is one consistent unit whatever moment the writer dies at, every
run is listed with its true state, and one damaged run never hides the others.

Real subprocesses, real files, real signals: nothing here is mocked (os.fsync is only
observed, never replaced)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tui_nn.datasets import load_embedded_sample
from tui_nn.nn import load_model
from tui_nn.runs import RunRecord, Runner, RunSetupError, RunStore, RunStoreError
from tui_nn.runs.export import export_csv
from tui_nn.training import TrainConfig, Trainer

CLI = [sys.executable, "-m", "tui_nn"]
SMALL = dict(hidden=(16,), epochs=3, batch_size=64, optimizer="adam", lr=3e-3, lr_schedule="constant")
CLI_SMALL = ["--hidden", "16", "--batch-size", "64", "--optimizer", "adam", "--lr", "0.003",
             "--lr-schedule", "constant"]


@pytest.fixture(scope="module")
def sample():
    return load_embedded_sample()


def cli(*args, timeout=120):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def recorded(store, sample, **changes):
    runner = Runner.new(TrainConfig(**{**SMALL, **changes}), sample, store=store)
    runner.run()
    return runner.path


def wait_for(predicate, timeout=60.0):
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.01)


def leftovers(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.name.endswith(".tmp"))


# ------------------------------------------------------------ 1. one writer per run
def test_a_run_being_trained_refuses_every_other_writer_and_names_its_owner(tmp_path, sample):
    runs = tmp_path / "runs"
    trainer = subprocess.Popen([*CLI, "train", *CLI_SMALL, "--epochs", "900", "--runs-dir", str(runs), "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert json.loads(trainer.stdout.readline())["epoch"] == 1
        [run_id] = [p.name for p in runs.iterdir()]
        path = runs / run_id
        owner = f"pid {trainer.pid} on {socket.gethostname()}"

        proc = cli("train", "--runs-dir", str(runs), "--resume", run_id, "--epochs", "5")
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert "is being trained by" in proc.stderr and owner in proc.stderr and "since" in proc.stderr

        store = RunStore(runs)
        with pytest.raises(RunSetupError, match=f"is being trained by {owner} since"):
            Runner.resuming(store, run_id, dataset=sample)
        with pytest.raises(RunStoreError, match=f"is being trained by {owner}"):
            store.delete(path)
        with pytest.raises(RunStoreError, match=f"is being trained by {owner}"):
            store.rename(path, "mine now")
        assert store.info(path).status == "running" and path.exists()
    finally:
        trainer.send_signal(signal.SIGKILL)
        trainer.wait(10)
    # the kernel released the dead writer's lock: the run is interrupted and may be continued
    assert RunStore(runs).info(path).status == "interrupted"
    proc = cli("train", "--runs-dir", str(runs), "--resume", run_id, "--epochs", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    history = RunRecord(path).history()
    assert list(history.epoch) == list(range(1, len(history) + 1))


def test_two_resumes_started_together_one_trains_and_the_other_is_refused(tmp_path, sample):
    store = RunStore(tmp_path)
    path = recorded(store, sample)
    procs = [subprocess.Popen([*CLI, "train", "--runs-dir", str(tmp_path), "--resume", path.name,
                               "--epochs", "100"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = sorted((p.wait(120), p.stderr.read()) for p in procs)
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [code for code, _ in results] == [0, 2], results
    assert "is being trained by pid" in results[1][1]
    history = RunRecord(path).history()
    assert list(history.epoch) == list(range(1, 104))
    assert store.info(path).epochs == 103


def test_a_running_status_whose_pid_is_dead_or_reused_reads_interrupted(tmp_path):
    script = textwrap.dedent("""
        import sys
        from tui_nn.runs import Runner, RunStore
        from tui_nn.training import TrainConfig
        runner = Runner.new(TrainConfig(hidden=(16,), epochs=10000), store=RunStore(sys.argv[1]), save_every=0.0)
        print(runner.path, flush=True)
        runner.run()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    path = Path(proc.stdout.readline().strip())
    wait_for(lambda: RunRecord(path).status().get("epochs", 0) >= 1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    store = RunStore(tmp_path)
    assert store.info(path).status == "interrupted"             # dead pid
    status = RunRecord(path).status()
    status["pid"] = os.getpid()                                  # the pid now belongs to a live process
    (path / "status.json").write_text(json.dumps(status))
    assert store.info(path).status == "interrupted"
    store.delete(path)
    assert not path.exists()


# ------------------------------------------------- 2. resume cuts a partial history line
def test_resuming_after_a_partial_history_line_never_glues_rows(tmp_path, sample):
    store = RunStore(tmp_path)
    good, torn, tail = (recorded(store, sample, seed=s) for s in range(3))
    # torn: the last epoch's line lost its end (the status vouches for more bytes)
    history = torn / "history.csv"
    history.write_bytes(history.read_bytes()[:-20])
    # tail: a line being appended when the writer died, after what the status vouches for
    with open(tail / "history.csv", "ab") as f:
        f.write(b"4,0.51,0.8")
    infos = {i.path: i for i in store.list()}
    assert infos[torn].status == "damaged" and "history.csv" in infos[torn].problem
    with pytest.raises(RunSetupError, match="history.csv"):
        Runner.resuming(store, torn, epochs=2, dataset=sample)
    proc = cli("train", "--runs-dir", str(tmp_path), "--resume", torn.name, "--epochs", "2")
    assert proc.returncode == 2 and "history.csv" in proc.stderr and "Traceback" not in proc.stderr

    assert Runner.resuming(store, tail, epochs=2, dataset=sample).run().status == "finished"
    text = (tail / "history.csv").read_text()
    assert {line.count(",") for line in text.splitlines()} == {7} and text.endswith("\n")
    assert list(RunRecord(tail).history().epoch) == [1, 2, 3, 4, 5]
    out = tmp_path.parent / f"{tmp_path.name}-all.csv"
    proc = cli("runs", "export", str(out), "--runs-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert set(pd.read_csv(out).groupby("run").size().items()) == {(good.name, 3), (tail.name, 5)}


# --------------------------------------------- 3 and 6. kill -9 at every moment of a save
SAVE_STEPS = ("model", "resume", "generation", "status", "cleanup")
FINAL_STEPS = ("final-model", "final-resume", "final-status", "final-cleanup")
KILL_CONFIG = dict(hidden=(16,), epochs=40, batch_size=256, optimizer="adam", lr=3e-3, lr_schedule="constant",
                   dropout=0.1, augment="shift")
KILL_SCRIPT = textwrap.dedent("""
    import sys
    from tui_nn.runs import Runner, RunStore
    from tui_nn.training import TrainConfig
    store = RunStore(sys.argv[1])
    if sys.argv[2] == "new":
        runner = Runner.new(TrainConfig(**%r), store=store, save_every=0.0)   # weights every epoch
    else:   # argv[3], if given: the epochs to add (default: those still to go, else as many again)
        more = int(sys.argv[3]) if len(sys.argv) > 3 else None
        runner = Runner.resuming(store, sys.argv[2], epochs=more, save_every=0.0)
    print(runner.path, flush=True)
    runner.run()
""" % KILL_CONFIG)


def start_trainer(root, run="new", pause=None, epochs=None):
    env = dict(os.environ)
    if pause is not None:
        env["SCRATCHNET_TEST_PAUSE_BETWEEN_WRITES"] = str(pause)   # the recorder says each write, then sleeps
    more = [] if epochs is None else [str(epochs)]
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(root), run, *more], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE if pause is not None else subprocess.DEVNULL, text=True, env=env)
    return proc, Path(proc.stdout.readline().strip())


def kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    if proc.stderr:
        proc.stderr.close()


def assert_reopens_consistent(store, path, sample):
    info = store.info(path)
    assert info.status == "interrupted", info.problem
    record = RunRecord(path)
    status = record.status()
    saved = status.get("model_epoch")
    if saved is not None:
        generation = record.saved_generation()
        _, meta = load_model(generation / "model.npz")
        with np.load(generation / "resume.npz") as f:
            resume_epoch = int(f["epoch"])
        assert meta["epoch"] == resume_epoch == saved
        assert len(record.history()) >= saved
        point = record.resume_point()
        assert len(point.history) == saved and np.all(np.isfinite(point.network.params))
    # opening the run for writing removes what no committed save names, then lets go
    Runner.resuming(store, path, epochs=1, dataset=sample).close()
    assert leftovers(path) == []
    names = {p.name for p in path.iterdir()}
    named = status.get("checkpoint")
    assert {n for n in names if n.startswith("checkpoint-")} == ({named} if named else set())
    if named:
        assert not names & {"model.npz", "resume.npz"}
    return saved or 0


def test_a_run_killed_between_any_two_writes_reopens_consistent_and_resumes_exactly(tmp_path, sample):
    """14 kill -9s of one run: 8 aimed at each moment between the writes of a save (the
    recorder pauses there when told to, and says where it is), 4 at spread delays, 2 in
    the final save;
    after each the run reopens consistent and the next process continues it. The run ends
    with the weights of one uninterrupted run of as many epochs."""
    store = RunStore(tmp_path)
    run, path, kills = "new", None, 0
    for step in (*SAVE_STEPS, *SAVE_STEPS[:3]):
        proc, path = start_trainer(tmp_path, run, pause=0.02)
        for line in proc.stderr:
            if line.split()[:3] == ["write", step, "epoch"] and int(line.split()[3]) >= 2:
                break
        kill(proc)
        kills += 1
        assert_reopens_consistent(store, path, sample)
        run = path.name
    for delay in np.linspace(0.05, 0.6, 4):
        proc, path = start_trainer(tmp_path, run)
        time.sleep(delay)
        kill(proc)
        kills += 1
        assert_reopens_consistent(store, path, sample)
    assert kills == 12
    # the last save, at the end of the run: let it train to the end, kill it in the final writes
    done = RunRecord(path).status().get("model_epoch") or 0
    assert done < KILL_CONFIG["epochs"]
    # The first kill comes after the last epoch's own save, so the run has trained all its
    # epochs: the next process is told to add one (unasked it would train 40 more, and the
    # CLI after it as many again, tripling the test's time for nothing it checks).
    for step, more in zip(FINAL_STEPS[:2], (None, 1)):
        proc, _ = start_trainer(tmp_path, run, pause=0.02, epochs=more)
        for line in proc.stderr:
            if line.split()[:2] == ["write", step]:
                break
        kill(proc)
        assert_reopens_consistent(store, path, sample)
    assert RunRecord(path).status()["model_epoch"] == KILL_CONFIG["epochs"] + 1
    proc = cli("train", "--runs-dir", str(tmp_path), "--resume", run, "--epochs", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    info = store.info(path)
    assert info.status == "finished" and info.epochs == info.planned_epochs
    history = RunRecord(path).history()
    assert list(history.epoch) == list(range(1, info.epochs + 1))
    uninterrupted = Trainer(TrainConfig(**{**KILL_CONFIG, "epochs": info.epochs}), sample).run()
    np.testing.assert_array_equal(RunRecord(path).network("last")[0].params, uninterrupted.network.params)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "epochs", "health.npz", "history.csv", "model.npz",
                                                     "predictions.npz", "resume.npz", "status.json", "steps.npy"]


def test_a_run_killed_mid_save_continues_to_the_weights_of_one_uninterrupted_run(tmp_path, sample):
    proc, path = start_trainer(tmp_path, pause=0.02)
    for line in proc.stderr:
        if line.split()[:4] == ["write", "resume", "epoch", "3"]:   # model written, resume state not yet
            break
    kill(proc)
    store = RunStore(tmp_path)
    assert RunRecord(path).status()["model_epoch"] == 2
    runner = Runner.resuming(store, path, epochs=4, dataset=sample)
    assert len(runner.previous_history) == 2
    result = runner.run()
    uninterrupted = Trainer(TrainConfig(**{**KILL_CONFIG, "epochs": 6}), sample).run()
    np.testing.assert_array_equal(result.network.params, uninterrupted.network.params)
    np.testing.assert_array_equal(RunRecord(path).network("last")[0].params, uninterrupted.network.params)


def test_old_run_folders_still_read_and_resume(tmp_path, sample):
    """Before generations, a run saved model.npz and resume.npz side by side and the status
    named their epoch (model_epoch); such folders read, resume and continue exactly."""
    store = RunStore(tmp_path)
    path = recorded(store, sample)
    status = RunRecord(path).status()
    assert "checkpoint" not in status and status["model_epoch"] == 3      # the final save: old layout
    result = Runner.resuming(store, path, epochs=2, dataset=sample).run()
    long_run = Trainer(TrainConfig(**{**SMALL, "epochs": 5}), sample).run()
    np.testing.assert_array_equal(result.network.params, long_run.network.params)


def test_a_run_killed_before_its_first_save_resumes_from_the_start(tmp_path, sample):
    proc, path = start_trainer(tmp_path, pause=0.02)
    for line in proc.stderr:
        if line.split()[:4] == ["write", "resume", "epoch", "1"]:
            break
    kill(proc)
    store = RunStore(tmp_path)
    assert RunRecord(path).status().get("model_epoch") is None
    result = Runner.resuming(store, path, epochs=3, dataset=sample).run()
    uninterrupted = Trainer(TrainConfig(**{**KILL_CONFIG, "epochs": 3}), sample).run()
    np.testing.assert_array_equal(result.network.params, uninterrupted.network.params)
    assert list(RunRecord(path).history().epoch) == [1, 2, 3]


# ------------------------------------------------------------------ 4. true states
def test_a_finished_run_without_its_model_is_damaged(tmp_path, sample):
    store = RunStore(tmp_path)
    path = recorded(store, sample)
    (path / "model.npz").unlink()
    status = RunRecord(path).status()
    del status["model_epoch"]
    (path / "status.json").write_text(json.dumps(status))
    info = store.info(path)
    assert info.status == "damaged" and info.problem == "finished but model.npz is missing"


def test_a_run_whose_saves_fail_mid_run_says_it_was_not_saved_after_which_epoch(tmp_path, sample):
    """A real write failure mid-run: after epoch 2 the process may write no file larger
    than 4 kB (RLIMIT_FSIZE: every larger write fails with EFBIG), so the weights of
    epoch 3 can't be saved; training goes on, and the run says what happened."""
    script = textwrap.dedent("""
        import resource, signal, sys
        from tui_nn.runs import Runner, RunStore
        from tui_nn.training import TrainConfig
        from tui_nn.training.events import EpochEnded
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # a write past the limit fails instead
        runner = Runner.new(TrainConfig(hidden=(16,), epochs=5), store=RunStore(sys.argv[1]), save_every=0.0)
        def limit(event):
            if isinstance(event, EpochEnded) and event.epoch == 2:
                resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        runner.add_listener(limit)
        print(runner.path, flush=True)
        print(runner.run().status, flush=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    path_line, status_line = proc.stdout.split()
    assert proc.returncode == 0 and status_line == "finished", proc.stderr
    info = RunStore(tmp_path).info(Path(path_line))
    assert info.status == "interrupted" and info.epochs == 2
    assert info.problem == "not saved after epoch 2: File too large"
    assert leftovers(Path(path_line)) == []
    proc = cli("runs", "--runs-dir", str(tmp_path))
    assert "interrupted" in proc.stdout and "(not saved after epoch 2: File too large)" in proc.stdout
    resumed = Runner.resuming(RunStore(tmp_path), path_line, dataset=sample)
    assert len(resumed.previous_history) == 2 and resumed.config.epochs == 3


# ---------------------------------------------- 5. one damaged run never hides the others
DAMAGES = {
    "status-epochs": ("status.json", lambda d: {**d, "epochs": "abc"}, "status.json"),
    "status-seconds": ("status.json", lambda d: {**d, "seconds": None}, "status.json"),
    "status-list": ("status.json", lambda d: [d], "status.json is not a JSON object"),
    "config-hidden": ("config.json", lambda d: {**d, "config": {**d["config"], "hidden": 5}}, "config.json"),
    "config-lr": ("config.json", lambda d: {**d, "config": {**d["config"], "lr": "fast"}}, "config.json"),
    "config-list": ("config.json", lambda d: [d], "config.json is not a JSON object"),
}


def test_damaged_files_of_every_kind_never_hide_the_other_runs(tmp_path, sample):
    runs = tmp_path / "runs"
    store = RunStore(runs)
    good = [recorded(store, sample, epochs=2, seed=s) for s in range(2)]
    damaged = {}
    for name, (file, damage, reason) in DAMAGES.items():
        path = recorded(store, sample, epochs=2, seed=9)
        os.replace(path, runs / name)
        path = runs / name
        data = json.loads((path / file).read_text())
        (path / file).write_text(json.dumps(damage(data)))
        damaged[name] = reason
    fifo_run = recorded(store, sample, epochs=2, seed=8)
    (fifo_run / "status.json").unlink()
    os.mkfifo(fifo_run / "status.json")                     # reading it would block for ever
    damaged[fifo_run.name] = "status.json is not a regular file"
    os.symlink("loop-b", runs / "loop-a")
    os.symlink("loop-a", runs / "loop-b")
    (runs / "notes.txt").write_text("not a run")
    os.mkfifo(runs / "a-fifo")

    infos = {i.run_id: i for i in store.list()}
    assert set(infos) == {p.name for p in good} | set(damaged)
    for name, reason in damaged.items():
        assert infos[name].status == "damaged" and reason in infos[name].problem, (name, infos[name].problem)
    for path in good:
        assert infos[path.name].status == "finished"

    proc = cli("runs", "--runs-dir", str(runs), timeout=60)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert all(name[:36] in proc.stdout for name in infos)
    proc = cli("runs", "--json", "--runs-dir", str(runs), timeout=60)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == len(infos) and sum(r["status"] == "damaged" for r in rows) == len(damaged)

    out = tmp_path / "all.csv"
    proc = cli("runs", "export", str(out), "--runs-dir", str(runs), timeout=60)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert set(pd.read_csv(out).run) == {p.name for p in good}
    proc = cli("runs", "export", str(out), "config-lr", "--runs-dir", str(runs), timeout=60)
    assert proc.returncode == 2 and "config-lr" in proc.stderr and "config.json" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr

    # export of all runs skips the damaged ones and says which
    messages = []
    rows = export_csv([p for p in runs.iterdir() if p.is_dir() and not p.is_symlink()], out,
                      on_skip=messages.append)
    assert rows == 4 and rows.skipped and {run for run, _ in rows.skipped} == set(damaged)
    assert len(messages) == len(damaged) and all("skipped" in m for m in messages)


@pytest.mark.parametrize("pattern", ["**", "[", "*", "?"])
def test_a_run_argument_is_a_literal_prefix_never_a_pattern(tmp_path, sample, pattern):
    recorded(RunStore(tmp_path), sample, epochs=1)
    proc = cli("train", "--runs-dir", str(tmp_path), "--resume", pattern)
    assert proc.returncode == 2 and f"no run {pattern!r}" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli("runs", "export", str(tmp_path / "f.csv"), pattern, "--runs-dir", str(tmp_path))
    assert proc.returncode == 2 and f"no run {pattern!r}" in proc.stderr and "Traceback" not in proc.stderr


# ------------------------------------------------------------ 7. the atomic writer
def test_the_atomic_writer_fsyncs_the_file_and_its_folder(tmp_path, monkeypatch):
    from tui_nn import fileio

    synced = []
    real_fsync = os.fsync

    def observed_fsync(fd):
        synced.append(os.fstat(fd).st_ino)
        return real_fsync(fd)
    monkeypatch.setattr(os, "fsync", observed_fsync)
    target = tmp_path / "status.json"
    fileio.write_text_atomic(target, '{"a": 1}\n')
    assert target.stat().st_ino in synced          # the data, before the rename
    assert tmp_path.stat().st_ino in synced        # the rename itself
    synced.clear()
    fileio.write_text_atomic(target, '{"a": 2}\n', fsync=False)
    assert synced == []


READER = textwrap.dedent("""
    import json, os, sys
    path, stop = sys.argv[1], sys.argv[2]
    reads = torn = 0
    while not os.path.exists(stop):
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            continue
        reads += 1
        try:
            json.loads(text)
        except ValueError:
            torn += 1
    print(reads, torn)
""")


def test_status_is_replaced_atomically_under_a_reader_in_another_process(tmp_path):
    from tui_nn.runs.store import write_json

    target, stop = tmp_path / "status.json", tmp_path / "stop"
    write_json(target, {"epochs": 0})
    reader = subprocess.Popen([sys.executable, "-c", READER, str(target), str(stop)], stdout=subprocess.PIPE,
                              text=True)
    time.sleep(0.3)
    for i in range(3000):
        write_json(target, {"epochs": i, "history": "x" * (i % 4000), "pid": os.getpid()}, fsync=False)
    stop.touch()
    reads, torn = map(int, reader.communicate(timeout=30)[0].split())
    assert reads > 100 and torn == 0
