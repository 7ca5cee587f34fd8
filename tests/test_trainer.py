"""The trainer on the real embedded MNIST sample: learning, determinism, control from
another thread, divergence, resuming, and the events it emits."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from tui_nn.datasets import Dataset, load_embedded_sample
from tui_nn.training import ConfigError, TrainConfig, Trainer
from tui_nn.training import events as ev
from tui_nn.training.augment import ShiftAugmenter, shift_image
from tui_nn.training.trainer import validation_split

SMALL = dict(hidden=(32,), epochs=3, batch_size=64, optimizer="adam", lr=3e-3, val_fraction=0.1)


@pytest.fixture(scope="module")
def sample():
    return load_embedded_sample()


def run(config: TrainConfig, data, **kwargs):
    seen = []
    result = Trainer(config, data, seen.append, **kwargs).run()
    return result, seen


def test_a_small_network_learns_the_sample(sample):
    result, events = run(TrainConfig(**SMALL), sample)
    assert result.status == "finished"
    hist = result.history
    assert list(hist.epoch) == [1, 2, 3]
    assert hist.train_loss.iloc[-1] < hist.train_loss.iloc[0]
    assert hist.val_acc.iloc[-1] > 0.85
    assert 0.85 < result.end.test_acc <= 1.0
    kinds = [type(e) for e in events]
    assert kinds[0] is ev.RunStarted and kinds[-1] is ev.Finished
    assert kinds.count(ev.EpochEnded) == 3
    started = events[0]
    assert (started.n_train, started.n_val, started.n_test) == (3600, 400, 1000)
    assert started.batches_per_epoch == 57


def test_same_seed_same_result_other_seed_other_result(sample):
    config = TrainConfig(**{**SMALL, "dropout": 0.2, "augment": "shift", "epochs": 2})
    a, _ = run(config, sample)
    b, _ = run(config, sample)
    c, _ = run(config.with_changes(seed=1), sample)
    np.testing.assert_array_equal(a.network.params, b.network.params)
    assert a.history.equals(b.history.drop(columns=["seconds", "samples_per_s"]).assign(
        seconds=a.history.seconds, samples_per_s=a.history.samples_per_s)[a.history.columns])
    assert not np.array_equal(a.network.params, c.network.params)


def test_continuing_a_run_equals_one_longer_run(sample):
    config = TrainConfig(**{**SMALL, "dropout": 0.2, "augment": "shift", "optimizer": "momentum", "lr": 0.05})
    whole, _ = run(config.with_changes(epochs=4), sample)
    first, _ = run(config.with_changes(epochs=2), sample)
    second, events = run(config.with_changes(epochs=2), sample, network=first.network,
                         history=first.history, resume_state=first.resume_state)
    np.testing.assert_array_equal(whole.network.params, second.network.params)
    assert list(second.history.epoch) == [1, 2, 3, 4]
    assert events[0].start_epoch == 2


def test_test_split_never_influences_training(sample):
    """Replace the test set by noise: the weights and validation history must not change."""
    noisy = Dataset(sample.name, sample.x_train, sample.y_train,
                    np.random.default_rng(0).integers(0, 256, sample.x_test.shape, dtype=np.uint8),
                    (sample.y_test + 1) % 10, sample.class_names)
    config = TrainConfig(**{**SMALL, "epochs": 2})
    a, _ = run(config, sample)
    b, _ = run(config, noisy)
    np.testing.assert_array_equal(a.network.params, b.network.params)
    np.testing.assert_array_equal(a.history.val_acc, b.history.val_acc)
    assert a.end.test_acc != b.end.test_acc


def test_validation_split_is_disjoint_fixed_and_sized():
    train, val = validation_split(4000, 0.1)
    assert len(val) == 400 and len(train) == 3600
    assert not set(train) & set(val)
    t2, v2 = validation_split(4000, 0.1)
    np.testing.assert_array_equal(val, v2)
    assert len(validation_split(4000, 0.0)[1]) == 0


def test_no_validation_reports_nan_not_a_crash(sample):
    result, _ = run(TrainConfig(**{**SMALL, "val_fraction": 0.0, "epochs": 1}), sample)
    assert result.status == "finished"
    assert np.isnan(result.history.val_acc.iloc[0])


def test_diverging_run_stops_and_keeps_last_finite_weights(sample):
    config = TrainConfig(hidden=(32,), optimizer="momentum", lr=10.0, batch_size=32, epochs=5,
                         activation="leaky_relu", init="he")
    result, events = run(config, sample)
    assert result.status == "diverged"
    end = events[-1]
    assert isinstance(end, ev.Diverged)
    assert end.epoch >= 1 and end.batch >= 1 and not np.isfinite(end.loss)
    assert "lower the learning rate" in end.hint
    assert np.all(np.isfinite(result.network.params))
    assert len(result.history) == end.epochs_completed == end.epoch - 1


def test_pause_resume_and_stop_from_another_thread(sample):
    config = TrainConfig(hidden=(64,), batch_size=16, epochs=50, optimizer="sgd", lr=0.01)
    events = []
    paused = threading.Event()

    def on_event(e):
        events.append(e)
        if isinstance(e, ev.Paused):
            paused.set()
    trainer = Trainer(config, sample, on_event, progress_interval=0.0)
    worker = threading.Thread(target=trainer.run)
    worker.start()
    while not any(isinstance(e, ev.BatchProgress) for e in events):
        time.sleep(0.001)
    trainer.pause()
    assert paused.wait(2.0), "pause did not take effect"
    n_progress = sum(isinstance(e, ev.BatchProgress) for e in events)
    time.sleep(0.2)
    assert sum(isinstance(e, ev.BatchProgress) for e in events) == n_progress   # nothing trains while paused
    trainer.resume()
    time.sleep(0.05)
    t0 = time.perf_counter()
    trainer.stop()
    worker.join(5.0)
    assert not worker.is_alive()
    assert time.perf_counter() - t0 < 1.0
    kinds = [type(e) for e in events]
    assert ev.Resumed in kinds and kinds[-1] is ev.Stopped
    assert events[-1].test_acc is not None          # the weights so far are kept and tested


def test_stop_while_paused_ends_the_run(sample):
    trainer = Trainer(TrainConfig(**{**SMALL, "epochs": 20}), sample)
    trainer.pause()
    worker = threading.Thread(target=trainer.run)
    worker.start()
    time.sleep(0.1)
    trainer.stop()
    worker.join(5.0)
    assert not worker.is_alive()


def test_an_error_inside_training_ends_as_failed(sample, monkeypatch):
    trainer = Trainer(TrainConfig(**SMALL), sample)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(trainer.network, "train_batch", broken)
    seen = []
    trainer.on_event = seen.append
    result = trainer.run()
    assert result.status == "failed"
    assert isinstance(seen[-1], ev.Failed) and "disk on fire" in seen[-1].message


def test_batch_larger_than_training_set_is_refused(sample):
    with pytest.raises(ConfigError, match="batch size 5000 is larger than the training set"):
        Trainer(TrainConfig(**{**SMALL, "batch_size": 5000}), sample)


@pytest.mark.parametrize("batch_size,expected_batches", [(None, 1), (1, 3600), (10, 360)])
def test_batch_modes(sample, batch_size, expected_batches):
    subset = Dataset("tiny", sample.x_train, sample.y_train, sample.x_test[:10], sample.y_test[:10])
    config = TrainConfig(hidden=(8,), batch_size=batch_size, epochs=1, optimizer="sgd", lr=0.01)
    trainer = Trainer(config, subset)
    events = []
    trainer.on_event = events.append
    if batch_size == 1:   # per-sample SGD: stop after a few thousand steps to keep this quick
        trainer.progress_interval = 0.0
        original = trainer.on_event

        def stop_late(e):
            original(e)
            if isinstance(e, ev.BatchProgress) and e.batch >= 2000:
                trainer.stop()
        trainer.on_event = stop_late
    trainer.run()
    assert events[0].batches_per_epoch == expected_batches


def test_every_preset_builds_a_trainer(sample):
    from tui_nn.training.presets import PRESETS
    for preset in PRESETS.values():
        trainer = Trainer(preset.config, sample)
        assert trainer.network.arch.sizes[0] == 784 and trainer.network.arch.sizes[-1] == 10
    assert PRESETS["nielsen2"].config.l2_for(3600) == pytest.approx(5.0 / 3600)
    assert PRESETS["shabnam"].config.use_bias is False and PRESETS["shabnam"].config.shuffle is False


def test_shift_augmentation_matches_the_reference_shift():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (50, 784), dtype=np.uint8)
    out = np.empty_like(images)
    ShiftAugmenter(50).apply(images, np.random.default_rng(7), out)
    replay = np.random.default_rng(7)
    dy, dx = replay.integers(-2, 3, 50), replay.integers(-2, 3, 50)
    for k in range(50):
        expected = shift_image(images[k].reshape(28, 28), dy[k], dx[k])
        np.testing.assert_array_equal(out[k].reshape(28, 28), expected)
    assert np.any(dy != 0)



# ------------------------------------------------- settings that must reach the arithmetic
def test_the_cosine_schedule_gives_the_formulas_rates_in_the_recorded_history(sample, tmp_path):
    """lr_e = lr * (1 + cos(pi * (e - 1) / E)) / 2 for epoch e of E: for E = 4 and lr = 0.01,
    0.01, 0.01 (1 + sqrt(2)/2) / 2 = 0.0085355, 0.005 (the middle: cos(pi/2) = 0) and
    0.01 (1 - sqrt(2)/2) / 2 = 0.0014645 at the last. A constant schedule stays at 0.01."""
    from tui_nn.runs import Runner, RunStore
    from tui_nn.runs.store import RunRecord

    expected = [0.01, 0.01 * (1 + np.sqrt(2) / 2) / 2, 0.005, 0.01 * (1 - np.sqrt(2) / 2) / 2]
    assert expected[1] == pytest.approx(0.0085355339) and expected[3] == pytest.approx(0.0014644661)
    store = RunStore(tmp_path / "runs")
    config = TrainConfig(**{**SMALL, "hidden": (8,), "epochs": 4, "optimizer": "sgd", "lr": 0.01,
                            "lr_schedule": "cosine"})
    runner = Runner.new(config, sample, store=store)
    result = runner.run()
    assert result.status == "finished"
    recorded = RunRecord(runner.path).history()
    for history in (result.history, recorded):
        assert list(history.epoch) == [1, 2, 3, 4]
        np.testing.assert_allclose(history.lr.to_numpy(), expected, rtol=1e-12)
    constant, _ = run(config.with_changes(lr_schedule="constant", epochs=2), sample)
    assert list(constant.history.lr) == [0.01, 0.01]


def one_epoch_weights(sample, **settings) -> np.ndarray:
    config = TrainConfig(**{**SMALL, "hidden": (16,), "epochs": 1, **settings})
    result, _ = run(config, sample)
    assert result.status == "finished"
    return result.network.params.copy()


@pytest.mark.parametrize("optimizer,setting,value,other", [
    ("momentum", "momentum", 0.9, 0.5), ("nesterov", "momentum", 0.9, 0.5),
    ("adam", "beta1", 0.9, 0.5), ("adam", "beta2", 0.999, 0.9),
])
def test_the_trainer_honours_momentum_and_the_betas(sample, optimizer, setting, value, other):
    """Two runs that differ only in momentum (or a beta) end one epoch with other weights;
    equal settings give equal weights (so the difference is the setting's)."""
    lr = 0.001 if optimizer == "adam" else 0.05
    base = one_epoch_weights(sample, optimizer=optimizer, lr=lr, **{setting: value})
    again = one_epoch_weights(sample, optimizer=optimizer, lr=lr, **{setting: value})
    changed = one_epoch_weights(sample, optimizer=optimizer, lr=lr, **{setting: other})
    np.testing.assert_array_equal(base, again)
    assert not np.allclose(base, changed, rtol=0, atol=1e-7), f"{setting}={other} changed nothing"
