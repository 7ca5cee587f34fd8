"""The learning-rate range test (Leslie Smith's "LR range test", as fastai's lr_find does it).

Train the run's network, as its config builds it, for ``steps`` mini-batches while the
learning rate grows exponentially from ``start`` to ``end``; record each batch's mean loss
and its debiased EMA (curves.ema_smooth). The test ends early once the smoothed loss
exceeds ``diverge_factor`` times its minimum (or becomes NaN): the rate is far too high.

The suggestion is where the smoothed loss falls fastest per decade of lr (the steepest
descent), looked for between the start and the smoothed minimum; the "minimum / 10" rate
is reported beside it. Nothing is recorded: this is a probe, not a run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..datasets.dataset import Dataset
from ..nn.optimizers import make_optimizer
from .config import ConfigError, TrainConfig
from .curves import ema_smooth
from .trainer import Trainer

RULE = "steepest descent of the smoothed loss"


@dataclass(frozen=True)
class LrFindResult:
    lrs: np.ndarray          # the lr of each step
    losses: np.ndarray       # each step's mean batch loss
    smoothed: np.ndarray     # their debiased EMA
    suggested: float         # steepest descent of the smoothed loss (nan: none found)
    min_over_10: float       # the lr at the smoothed minimum, divided by 10
    diverged: bool           # ended early: the smoothed loss exceeded diverge_factor x its minimum


def lr_schedule(start: float, end: float, steps: int) -> np.ndarray:
    """``steps`` rates from ``start`` to ``end``, evenly spaced in log."""
    return np.geomspace(start, end, steps)


def suggest(lrs: np.ndarray, smoothed: np.ndarray, skip: float = 0.1) -> tuple[float, float]:
    """(steepest-descent lr, min/10 lr) from a range test's smoothed losses. The first
    ``skip`` share of the points (where the EMA is still settling) is left out."""
    n = len(smoothed)
    if n < 3:
        return math.nan, math.nan
    lowest = int(np.nanargmin(smoothed))
    min_over_10 = float(lrs[lowest]) / 10
    first = max(int(n * skip), 1)
    if lowest - first < 2:
        return math.nan, min_over_10
    slope = np.gradient(smoothed[first:lowest + 1], np.log10(lrs[first:lowest + 1]))
    return float(lrs[first + int(np.argmin(slope))]), min_over_10


def lr_range_test(config: TrainConfig, dataset: Dataset, *, start: float = 1e-6, end: float = 1.0,
                  steps: int = 100, beta: float = 0.9, diverge_factor: float = 4.0) -> LrFindResult:
    """Run the range test for ``config`` (its network, optimizer, batch size, L2, dropout,
    seed) on ``dataset``'s training split. Raises ConfigError for a bad range."""
    if not (0 < start < end) or not math.isfinite(end):
        raise ConfigError(f"the lr range must go up from a start above 0, got {start:g} to {end:g}")
    if steps < 5:
        raise ConfigError(f"the range test needs at least 5 steps, got {steps}")
    trainer = Trainer(config, dataset)           # the run's own network, split and checks
    net = trainer.network
    n_train = len(trainer.train_idx)
    batch = n_train if config.batch_size is None else config.batch_size
    rng = np.random.default_rng(np.random.SeedSequence(config.seed).spawn(1)[0])
    dropout_rng = np.random.default_rng(config.seed + 1)
    optimizer = make_optimizer(config.optimizer, net.params, start, config.momentum, config.beta1, config.beta2)
    l2 = config.l2_for(n_train)
    labels = dataset.y_train.astype(np.intp)
    scale = net.dtype.type(1 / 255)
    lrs = lr_schedule(start, end, steps)
    losses: list[float] = []
    order = trainer.train_idx.copy()
    position, s, best = len(order), 0.0, math.inf
    diverged = False
    for t, lr in enumerate(lrs, start=1):
        if position + batch > len(order):           # a new pass over the data, reshuffled
            rng.shuffle(order)
            position = 0
        idx = order[position:position + batch]
        position += batch
        x = np.multiply(dataset.x_train[idx], scale, dtype=net.dtype)
        optimizer.lr = net.dtype.type(lr)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss_sum, _ = net.train_batch(x, labels[idx], l2, dropout_rng)
            loss = loss_sum / len(idx)
            if not math.isfinite(loss):
                diverged = True
                break
            optimizer.step(net.grads)
        losses.append(loss)
        s = beta * s + (1 - beta) * loss
        smooth = s / (1 - beta ** t)
        best = min(best, smooth)
        if smooth > diverge_factor * best:
            diverged = True
            break
    lrs = lrs[:len(losses)]
    smoothed_arr = ema_smooth(losses, beta)     # the running values above, as the charts compute them
    suggested, min_over_10 = suggest(lrs, smoothed_arr)
    return LrFindResult(lrs, np.array(losses), smoothed_arr, suggested, min_over_10, diverged)
