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
from tui_nn.runs import RunRecorder, RunStore, RunStoreError
from tui_nn.runs.recorder import dataset_identity, load_for_resume
from tui_nn.training import TrainConfig, Trainer

SMALL = dict(hidden=(16,), epochs=3, batch_size=64, optimizer="adam", lr=3e-3)


@pytest.fixture(scope="module")
def sample():
    return load_embedded_sample()


def record(store, config, data, **recorder_kwargs):
    path = store.create(config, dataset_identity(data))
    trainer = Trainer(config, data)
    recorder = RunRecorder(path, trainer, data, **recorder_kwargs)
    trainer.on_event = recorder
    return path, trainer.run(), recorder


def test_a_recorded_run_holds_everything(tmp_path, sample):
    store = RunStore(tmp_path)
    path, result, recorder = record(store, TrainConfig(**SMALL), sample)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "history.csv", "model.npz",
                                                     "predictions.npz", "resume.npz", "status.json"]
    [info] = store.list()
    assert info.status == "finished" and info.epochs == 3 and info.architecture == "784-16-10"
    assert info.test_acc == pytest.approx(result.end.test_acc)
    history = store.history(path)
    pd.testing.assert_series_equal(history.val_acc, result.history.val_acc, check_exact=False)
    net, meta = load_model(path / "model.npz")
    np.testing.assert_array_equal(net.params, result.network.params)
    preds = store.predictions(path)
    assert preds["proba"].shape == (1000, 10)
    assert np.mean(preds["proba"].argmax(1) == preds["labels"]) == pytest.approx(result.end.test_acc)
    config, meta = store.config(path)
    assert config == TrainConfig(**SMALL) and meta["dataset"]["name"] == "mnist-sample"


def test_resumed_run_continues_exactly(tmp_path, sample):
    store = RunStore(tmp_path)
    config = TrainConfig(**{**SMALL, "lr_schedule": "constant", "dropout": 0.1, "augment": "shift"})
    long_run = Trainer(config.with_changes(epochs=5), sample).run()
    path, _, _ = record(store, config, sample)
    saved = load_for_resume(store, path)
    trainer = Trainer(config.with_changes(epochs=2), sample, network=saved["network"],
                      history=saved["history"], resume_state=saved["resume_state"])
    trainer.on_event = RunRecorder(path, trainer, sample, best_params=saved["best_params"])
    result = trainer.run()
    np.testing.assert_array_equal(result.network.params, long_run.network.params)
    assert list(store.history(path).epoch) == [1, 2, 3, 4, 5]
    assert store.info(path).epochs == 5


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
    assert len(store.history(paths[3])) == 2


def test_disk_full_keeps_training_and_says_the_run_is_not_saved(tmp_path, sample):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    store = RunStore(tmp_path)
    path = store.create(TrainConfig(**SMALL), dataset_identity(sample))
    trainer = Trainer(TrainConfig(**SMALL), sample)
    problems = []
    recorder = RunRecorder(path, trainer, sample, on_problem=problems.append)
    trainer.on_event = recorder
    (path / "history.csv").symlink_to("/dev/full")   # every write: ENOSPC, a real full device
    result = trainer.run()
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
    assert store.export_csv([a, b], out) == 5
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
    from tui_nn.runs import RunRecorder, RunStore
    from tui_nn.runs.recorder import dataset_identity
    from tui_nn.training import TrainConfig, Trainer
    data = load_embedded_sample()
    config = TrainConfig(hidden=(64,), epochs=10000, batch_size=256, optimizer="adam", lr=1e-3)
    store = RunStore(sys.argv[1])
    path = store.create(config, dataset_identity(data))
    trainer = Trainer(config, data)
    trainer.on_event = RunRecorder(path, trainer, data, model_interval=0.0)   # save weights every epoch
    print(path, flush=True)
    trainer.run()
""")


@pytest.mark.parametrize("delay", [0.05, 0.23, 0.41, 0.77])
def test_a_run_killed_mid_save_reopens_consistent(tmp_path, delay):
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    path = RunStore(tmp_path).resolve(os.path.basename(proc.stdout.readline().strip()))
    # wait for a first saved model, then kill at an arbitrary moment
    deadline = time.time() + 30
    while not (path / "model.npz").exists() and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    store = RunStore(tmp_path)
    info = store.info(path)
    assert info.status == "interrupted", info.problem
    history = store.history(path)
    assert len(history) >= 1 and list(history.epoch) == list(range(1, len(history) + 1))
    saved = load_for_resume(store, path)        # weights, optimizer state and history load
    assert np.all(np.isfinite(saved["network"].params))
    assert len(saved["history"]) <= len(history)
    status = json.loads((path / "status.json").read_text())
    assert status["status"] == "running"         # as written; the store reports "interrupted"
