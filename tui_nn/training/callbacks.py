"""Keras-like callbacks, decided once per epoch from the validation numbers: early stopping,
reduce-lr-on-plateau and restore-best-weights.

All three watch one quantity (``config.monitor``: val_loss, lower is better, or val_acc,
higher is better); a value counts as an improvement only when it beats the best so far by
more than ``config.min_delta``. Early stopping ends the run once ``early_stop`` epochs in a
row brought no improvement; reduce-on-plateau multiplies the learning rate by
``plateau_factor`` once ``plateau_patience`` epochs in a row brought none, then waits
``plateau_patience`` epochs again. The state is plain data (``state()``), saved with the
resume state, so a continued run decides exactly as one longer run would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .config import TrainConfig


@dataclass(frozen=True)
class EpochDecision:
    stop: bool = False            # early stopping: end the run now
    lr_reduced: bool = False      # reduce-on-plateau lowered the learning rate for the next epoch


class Callbacks:
    def __init__(self, config: TrainConfig, state: dict | None = None):
        self.config = config
        state = state or {}
        self.best = float(state.get("best", math.nan))       # the monitor's best value so far
        self.best_epoch = int(state.get("best_epoch", 0))
        self.since_best = int(state.get("since_best", 0))    # epochs in a row without improvement
        self.plateau_wait = int(state.get("plateau_wait", 0))
        self.lr_factor = float(state.get("lr_factor", 1.0))  # product of the plateau reductions
        self.best_params: np.ndarray | None = None            # kept only for restore_best
        if config.early_stop and self.since_best >= config.early_stop:
            # continued (resumed or branched) from the epoch where early stopping ended it:
            # the user asked for more epochs, so patience starts again
            self.since_best = 0

    @property
    def active(self) -> bool:
        c = self.config
        return bool(c.early_stop or c.plateau_factor or c.restore_best)

    def state(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "since_best": self.since_best,
                "plateau_wait": self.plateau_wait, "lr_factor": self.lr_factor}

    def improved(self, value: float) -> bool:
        """``value`` beats the best so far by more than min_delta (the first value always does)."""
        if math.isnan(value):
            return False
        if math.isnan(self.best):
            return True
        delta = self.config.min_delta
        if self.config.monitor == "val_acc":
            return value > self.best + delta
        return value < self.best - delta

    def epoch_ended(self, epoch: int, val_loss: float, val_acc: float, params: np.ndarray) -> EpochDecision:
        """Update the counters with ``epoch``'s validation numbers; say whether to stop and
        whether the lr was lowered. ``params`` (the network's weights) are copied when they
        are the best so far and restore_best is on."""
        if not self.active:
            return EpochDecision()
        cfg = self.config
        value = val_acc if cfg.monitor == "val_acc" else val_loss
        if self.improved(value):
            self.best, self.best_epoch = value, epoch
            self.since_best = self.plateau_wait = 0
            if cfg.restore_best:
                self.best_params = params.copy()
        else:
            self.since_best += 1
            self.plateau_wait += 1
        reduced = False
        if cfg.plateau_factor and self.plateau_wait >= cfg.plateau_patience:
            self.lr_factor *= cfg.plateau_factor
            self.plateau_wait = 0
            reduced = True
        stop = bool(cfg.early_stop) and self.since_best >= cfg.early_stop
        return EpochDecision(stop=stop, lr_reduced=reduced)

    def reason(self) -> str:
        """Why early stopping ended the run, in words."""
        cfg = self.config
        return (f"{cfg.monitor} did not improve by more than {cfg.min_delta:g} for {self.since_best} epochs "
                f"(best {self.best:.4g} at epoch {self.best_epoch})")
