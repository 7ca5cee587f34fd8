"""Early stopping, reduce-lr-on-plateau and restore-best, on the real trainer and the real
embedded MNIST sample (tiny networks, few epochs), and through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tui_nn.datasets import load_embedded_sample
from tui_nn.runs import Runner, RunRecord, RunStore
from tui_nn.training import ConfigError, TrainConfig, Trainer
from tui_nn.training import events as ev
from tui_nn.training.status import RunStatus

TINY = dict(hidden=(16,), epochs=6, batch_size=128, optimizer="adam", lr=3e-3, val_fraction=0.1)
# min_delta far above any epoch-to-epoch change: epoch 1 sets the best, no later epoch beats it
NEVER_BETTER = dict(min_delta=10.0)


@pytest.fixture(scope="module")
def sample():
    return load_embedded_sample()


def test_early_stopping_ends_the_run_before_its_epoch_count(sample, tmp_path):
    config = TrainConfig(**TINY, **NEVER_BETTER, early_stop=2)
    seen = []
    runner = Runner.new(config, sample, store=RunStore(tmp_path), listeners=[seen.append])
    result = runner.run()
    assert result.status == RunStatus.EARLY_STOPPED
    assert list(result.history.epoch) == [1, 2, 3]          # best at 1, then 2 epochs without improvement
    end = seen[-1]
    assert isinstance(end, ev.EarlyStopped) and end.epochs_completed == 3 and end.best_epoch == 1
    assert "val_loss did not improve" in end.reason
    info = RunRecord(runner.path).info()
    assert info.status == RunStatus.EARLY_STOPPED and info.epochs == 3
    assert info.status.describe(info.epochs) == "stopped early at epoch 3"
    assert RunRecord(runner.path).status()["message"].startswith("stopped early at epoch 3: val_loss")


def test_a_run_that_keeps_improving_is_not_stopped(sample):
    result = Trainer(TrainConfig(**{**TINY, "epochs": 3}, early_stop=1, monitor="val_acc"), sample).run()
    # an improvement of val_acc every epoch on this sample (or the last epoch ends it anyway)
    assert result.status == RunStatus.FINISHED and len(result.history) == 3


def test_plateau_lowers_the_learning_rate_and_the_history_shows_it(sample):
    config = TrainConfig(**{**TINY, "epochs": 4}, **NEVER_BETTER, plateau_factor=0.5, plateau_patience=1)
    result = Trainer(config, sample).run()
    assert result.status == RunStatus.FINISHED
    np.testing.assert_allclose(result.history.lr, [3e-3, 3e-3, 1.5e-3, 0.75e-3])


def test_continuing_a_run_with_plateau_equals_one_longer_run(sample):
    config = TrainConfig(**{**TINY, "epochs": 4}, **NEVER_BETTER, plateau_factor=0.5, plateau_patience=1)
    whole = Trainer(config, sample).run()
    first = Trainer(config.with_changes(epochs=2), sample).run()
    rest = Trainer(config.with_changes(epochs=2), sample, network=first.network, history=first.history,
                   resume_state=first.resume_state).run()
    np.testing.assert_allclose(rest.history.lr, whole.history.lr)
    np.testing.assert_array_equal(rest.network.params, whole.network.params)


def test_restore_best_ends_with_the_best_epochs_weights(sample):
    config = TrainConfig(**TINY, **NEVER_BETTER, early_stop=2, restore_best=True)
    seen = []
    result = Trainer(config, sample, seen.append).run()
    assert result.status == RunStatus.EARLY_STOPPED and seen[-1].restored
    after_one_epoch = Trainer(TrainConfig(**{**TINY, "epochs": 1}), sample).run()   # the best epoch is 1
    np.testing.assert_array_equal(result.network.params, after_one_epoch.network.params)
    assert seen[-1].test_acc == pytest.approx(after_one_epoch.end.test_acc)


def test_restore_best_by_val_acc_equals_the_best_val_acc_weights(sample):
    result = Trainer(TrainConfig(**{**TINY, "epochs": 3, "lr": 0.05}, monitor="val_acc", restore_best=True),
                     sample).run()
    np.testing.assert_array_equal(result.network.params, result.best_params)


def test_callbacks_need_a_validation_set_and_a_whole_plateau():
    with pytest.raises(ConfigError, match="validation fraction above 0"):
        TrainConfig(val_fraction=0.0, early_stop=3)
    with pytest.raises(ConfigError, match="both a factor and a patience"):
        TrainConfig(plateau_factor=0.5)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "tui_nn", *args], capture_output=True, text=True,
                          timeout=120)


def test_cli_early_stop_says_so_and_the_runs_listing_too(tmp_path):
    runs = str(tmp_path / "runs")
    proc = cli("train", "--hidden", "16", "--epochs", "6", "--early-stop", "1", "--min-delta", "10",
               "--plateau", "0.5:1", "--restore-best", "--json", "--runs-dir", runs)
    assert proc.returncode == 0, proc.stderr
    assert "stopped early at epoch 2" in proc.stderr and "restored the weights of epoch 1" in proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["status"] == "stopped-early"
    listing = cli("runs", "--runs-dir", runs)
    assert "stopped early at epoch 2" in listing.stdout
    bad = cli("train", "--plateau", "2:1", "--runs-dir", runs)
    assert bad.returncode == 2 and "plateau factor must be < 1" in bad.stderr
