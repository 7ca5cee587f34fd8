"""The learning-rate range test, on the real embedded sample: the exponential lr ramp, the
smoothed curve, the suggestion, the early end when the loss takes off, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tui_nn.datasets import load_embedded_sample
from tui_nn.training import ConfigError, TrainConfig
from tui_nn.training.curves import ema_smooth
from tui_nn.training.lr_find import lr_range_test, suggest

TINY = TrainConfig(hidden=(32,), batch_size=64, optimizer="sgd", lr=0.1, val_fraction=0.1)


@pytest.fixture(scope="module")
def sample():
    return load_embedded_sample()


def test_the_lr_grows_exponentially_and_the_suggestion_lies_where_the_loss_falls(sample):
    result = lr_range_test(TINY, sample, start=1e-4, end=1.0, steps=50)
    assert len(result.lrs) == len(result.losses) == 50 and not result.diverged
    np.testing.assert_allclose(result.lrs[1:] / result.lrs[:-1], 10 ** (4 / 49))
    np.testing.assert_allclose(result.smoothed, ema_smooth(result.losses, 0.9))
    assert 1e-4 < result.suggested <= 1.0
    lowest = int(np.argmin(result.smoothed))
    assert result.suggested <= result.lrs[lowest]          # on the way down, not past the minimum
    assert result.min_over_10 == pytest.approx(result.lrs[lowest] / 10)
    assert result.smoothed[lowest] < result.smoothed[0] - 0.2     # plain SGD learns over this range


def test_the_test_ends_once_the_loss_takes_off(sample):
    result = lr_range_test(TINY, sample, start=1e-3, end=1e4, steps=80)
    assert result.diverged and len(result.losses) < 80


def test_suggest_by_hand():
    lrs = np.geomspace(1e-4, 1, 21)
    # flat, then falling fastest at index 12, then rising
    loss = np.array([2.0] * 10 + [1.9, 1.6, 1.0, 0.8, 0.7, 0.65, 0.7, 1.0, 2.0, 3.0, 4.0])
    steepest, min_over_10 = suggest(lrs, loss)
    assert steepest in (lrs[11], lrs[12]) and min_over_10 == pytest.approx(lrs[15] / 10)


def test_a_bad_range_is_refused(sample):
    with pytest.raises(ConfigError, match="must go up"):
        lr_range_test(TINY, sample, start=1.0, end=0.1)


def test_cli_prints_a_table_or_json_and_records_nothing(tmp_path):
    env = {**os.environ, "SCRATCHNET_RUNS_DIR": str(tmp_path / "runs")}
    base = [sys.executable, "-m", "tui_nn", "lr-find", "--hidden", "32", "--optimizer", "sgd", "--steps", "30"]
    proc = subprocess.run([*base, "--json"], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert len(out["lr"]) == len(out["loss"]) == 30 and out["rule"] == "steepest descent of the smoothed loss"
    assert out["suggested_lr"] is None or out["lr"][0] <= out["suggested_lr"] <= out["lr"][-1]
    table = subprocess.run(base, capture_output=True, text=True, timeout=120, env=env)
    assert table.returncode == 0 and table.stdout.splitlines()[0].split() == ["lr", "loss", "smoothed"]
    assert "suggested lr:" in table.stdout or "no suggestion" in table.stdout
    assert not Path(tmp_path / "runs").exists() or not any(Path(tmp_path / "runs").iterdir())
    bad = subprocess.run([*base, "--start", "1", "--end", "0.5"], capture_output=True, text=True, timeout=120,
                         env=env)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "must go up" in bad.stderr
