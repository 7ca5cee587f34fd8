"""What a training run reports, in order:

    RunStarted -> (BatchProgress* -> EpochEnded)* -> Finished | EarlyStopped | Stopped | Diverged | Failed

plus Paused/Resumed whenever the run is paused. Events are plain immutable
dataclasses holding copies, so any thread may keep them; the trainer calls one
callback with each, from the thread that trains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .status import RunStatus

if TYPE_CHECKING:   # annotations only: the events load without NumPy (the CLI's parser imports them)
    import numpy as np


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class RunStarted(Event):
    config: dict
    n_train: int
    n_val: int
    n_test: int
    n_params: int
    batches_per_epoch: int
    architecture: str
    start_epoch: int = 0   # > 0 when continuing a saved run


@dataclass(frozen=True)
class BatchProgress(Event):
    """Sent at most every ``progress_interval`` seconds while an epoch runs."""
    epoch: int
    batch: int
    n_batches: int
    running_loss: float
    running_acc: float
    samples_per_s: float


@dataclass(frozen=True)
class SettingChanged(Event):
    """A setting changed while training (live, or replayed from a record): it takes effect
    before batch ``batch`` (0-based) of epoch ``epoch``."""
    epoch: int
    batch: int
    setting: str          # the TrainConfig field
    old: object
    new: object

    def record(self) -> dict:
        return {"epoch": self.epoch, "batch": self.batch, "setting": self.setting, "old": self.old,
                "new": self.new}


@dataclass(frozen=True)
class EpochEnded(Event):
    epoch: int
    epochs: int
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    seconds: float
    samples_per_s: float
    lr: float
    best_val_acc: float
    elapsed: float          # seconds of training so far, pauses excluded
    # the mean loss of every batch of the epoch, in order (float32; a copy)
    step_losses: np.ndarray | None = field(default=None, repr=False, compare=False)
    # layer health (nn/health.py): per layer weight_norm, grad_norm, update_ratio; per hidden
    # layer flat_units and histogram (lists of floats); None when not measured
    health: dict | None = field(default=None, repr=False, compare=False)

    def row(self) -> dict:
        """The history row: the same keys as the CLI's --json epoch lines."""
        return {k: getattr(self, k) for k in HISTORY_COLUMNS}


HISTORY_COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds",
                   "samples_per_s", "lr")


@dataclass(frozen=True)
class Paused(Event):
    epoch: int
    batch: int


@dataclass(frozen=True)
class Resumed(Event):
    epoch: int
    batch: int


@dataclass(frozen=True)
class RunEnded(Event):
    """Common fields of the four ways a run ends."""
    epochs_completed: int
    test_loss: float | None = None
    test_acc: float | None = None
    elapsed: float = 0.0


@dataclass(frozen=True)
class Finished(RunEnded):
    pass


@dataclass(frozen=True)
class EarlyStopped(RunEnded):
    """Early stopping ended the run at epoch ``epochs_completed``, before its epoch count."""
    reason: str = ""         # which quantity stopped improving, since when
    best_epoch: int = 0
    restored: bool = False   # the network holds best_epoch's weights (restore_best)

    @property
    def summary(self) -> str:
        return f"stopped early at epoch {self.epochs_completed}: {self.reason}"


@dataclass(frozen=True)
class Stopped(RunEnded):
    """Stopped on request; the weights trained so far and the history are kept."""


@dataclass(frozen=True)
class Diverged(RunEnded):
    """The loss became NaN or infinite; the weights are those of the last good epoch."""
    epoch: int = 0
    batch: int = 0
    loss: float = float("nan")
    hint: str = ""


@dataclass(frozen=True)
class Failed(RunEnded):
    message: str = ""
    details: str = field(default="", repr=False)   # the traceback, for a log


# How each way of ending is called everywhere else (files, CLI, dashboard).
STATUS_OF = {Finished: RunStatus.FINISHED, EarlyStopped: RunStatus.EARLY_STOPPED, Stopped: RunStatus.STOPPED,
             Diverged: RunStatus.DIVERGED, Failed: RunStatus.FAILED}
