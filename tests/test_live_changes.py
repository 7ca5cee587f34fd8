"""Live changes of a training run (Runner.change): taken at the next batch, from another
thread, recorded in the run's changes.json, and replayed by a re-run or a resume so the
run is reproducible from its record. Real trainer, real embedded sample, real run folders."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from tui_nn.datasets import load_embedded_sample
from tui_nn.runs import Runner, RunRecord, RunStore
from tui_nn.training import ConfigError, TrainConfig
from tui_nn.training import events as ev

TINY = dict(hidden=(16,), epochs=3, batch_size=64, optimizer="momentum", lr=0.05, val_fraction=0.1)


@pytest.fixture(scope="module")
def sample():
    return load_embedded_sample()


def test_an_lr_change_is_used_from_the_next_batch_and_recorded(sample, tmp_path):
    seen_lr = []
    holder = {}

    def listener(event):
        runner = holder["runner"]
        if isinstance(event, ev.EpochEnded) and event.epoch == 1:
            assert runner.change(lr="0.01") == {"lr": 0.01}
        if isinstance(event, ev.BatchProgress) and event.epoch == 2 and event.batch == 1:
            seen_lr.append(float(runner.trainer.optimizer.lr))    # the step of batch 0 of epoch 2 used it
    runner = holder["runner"] = Runner.new(TrainConfig(**TINY), sample, store=RunStore(tmp_path),
                                           listeners=[listener], progress_interval=0)
    result = runner.run()
    assert seen_lr == [pytest.approx(0.01)]
    assert list(result.history.lr) == pytest.approx([0.05, 0.01, 0.01])
    expected = [{"epoch": 2, "batch": 0, "setting": "lr", "old": 0.05, "new": 0.01}]
    assert RunRecord(runner.path).changes() == expected
    assert json.loads((runner.path / "changes.json").read_text())["changes"] == expected


def test_changes_from_another_thread_mid_epoch_replay_to_the_same_weights(sample, tmp_path):
    config = TrainConfig(**TINY)
    training = threading.Event()

    def listener(event):
        if isinstance(event, ev.BatchProgress) and event.epoch == 1:
            training.set()
    runner = Runner.new(config, sample, store=RunStore(tmp_path), listeners=[listener], progress_interval=0)
    worker = threading.Thread(target=runner.run)
    worker.start()
    assert training.wait(30)
    runner.change(lr=0.02, momentum="0.5", l2="0.0001", dropout=0.2)    # while it trains
    worker.join(60)
    record = RunRecord(runner.path)
    changes = record.changes()
    # l2_over_n stays False, so it is no change
    assert {c["setting"]: c["new"] for c in changes} == {"lr": 0.02, "momentum": 0.5, "l2": 0.0001, "dropout": 0.2}
    assert len({(c["epoch"], c["batch"]) for c in changes}) == 1       # all at one step
    assert changes[0]["epoch"] == 1 and changes[0]["batch"] >= 1
    trained = runner.result.network.params

    again = Runner.new(config, sample, record=False, replay=changes).run()
    np.testing.assert_array_equal(again.network.params, trained)
    plain = Runner.new(config, sample, record=False).run()
    assert not np.array_equal(plain.network.params, trained)


def test_a_resumed_run_replays_the_changes_still_ahead(sample, tmp_path):
    config = TrainConfig(**{**TINY, "epochs": 4})
    changes = [{"epoch": 3, "batch": 7, "setting": "lr", "old": 0.05, "new": 0.01},
               {"epoch": 1, "batch": 30, "setting": "dropout", "old": 0.0, "new": 0.1}]
    whole = Runner.new(config, sample, record=False, replay=changes).run()
    store = RunStore(tmp_path)
    first = Runner.new(config.with_changes(epochs=2), sample, store=store, replay=changes)
    first.run()
    # the record holds the change it has not reached yet, so the run can be finished exactly
    assert [c["epoch"] for c in RunRecord(first.path).changes()] == [1, 3]
    rest = Runner.resuming(store, first.path.name, epochs=2, dataset=sample).run()
    np.testing.assert_array_equal(rest.network.params, whole.network.params)
    assert list(rest.history.lr) == pytest.approx([0.05, 0.05, 0.01, 0.01])   # an epoch shows its last lr


def test_refused_changes_say_why_and_change_nothing(sample):
    runner = Runner.new(TrainConfig(**TINY), sample, record=False)
    with pytest.raises(ConfigError, match="learning rate must be > 0"):
        runner.change(lr="-1")
    with pytest.raises(ConfigError, match="hidden cannot change while a run trains"):
        runner.change(hidden="10")
    with pytest.raises(ConfigError, match="dropout must be <= 0.95"):
        runner.change(lr=0.1, dropout=0.99)
    assert runner.trainer.planned_changes == [] and runner.trainer._pending == []
