"""Per-step curves for charts: debiased EMA smoothing and downsampling to what a chart shows.

The engine records the mean loss of every batch (``EpochEnded.step_losses``, stored as
``RunRecord.steps()``); a chart of thousands of steps shows them smoothed and thinned.
"""

from __future__ import annotations

import numpy as np


def ema_smooth(values, beta: float = 0.9) -> np.ndarray:
    """The exponential moving average s_t = beta s_(t-1) + (1 - beta) x_t from s_0 = 0,
    divided by (1 - beta^t) so its start is not pulled towards 0 (Adam's bias correction).
    beta 0 returns the values unchanged (smoothing off)."""
    x = np.asarray(values, np.float64).ravel()
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"beta must be in [0, 1), got {beta}")
    out = np.empty_like(x)
    s = 0.0
    for t, value in enumerate(x, start=1):   # a Python loop: a few thousand steps, once per redraw
        s = beta * s + (1 - beta) * value
        out[t - 1] = s / (1 - beta ** t)
    return out


def downsample(values, points: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions, means) of at most ``points`` equal buckets of ``values``; a position is
    the bucket's middle step (0-based, fractional), so the x-axis keeps its scale."""
    x = np.asarray(values, np.float64).ravel()
    if points < 1:
        raise ValueError("points must be >= 1")
    if len(x) <= points:
        return np.arange(len(x), dtype=np.float64), x
    bounds = np.linspace(0, len(x), points + 1).astype(int)
    means = np.add.reduceat(x, bounds[:-1]) / np.diff(bounds)
    return (bounds[:-1] + bounds[1:] - 1) / 2, means


def steps_in_epochs(steps: np.ndarray) -> np.ndarray:
    """The x position, in epochs, of each step of ``steps`` (epochs, batches): step b of
    epoch e (1-based) ends at e - 1 + (b + 1) / batches."""
    epochs, batches = steps.shape
    return (np.arange(epochs * batches, dtype=np.float64) + 1) / max(batches, 1)
