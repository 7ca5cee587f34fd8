"""The run's status panel: state in words, epoch k/N, elapsed, ETA, speed, accuracies.

``RunView`` is what the training screen knows about the run, filled from the trainer's
events; ``StatusPanel`` draws it. Keeping the two apart lets the screen update the numbers
at event rate and redraw at screen rate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from textual.widgets import Static

from ...format import UNKNOWN, clock, formatted, percent
from ...training.status import RunStatus

# The run's state, in words a user reads at a glance, and the theme colour it is drawn in.
# (A live run is never interrupted or damaged: those are only read from a run folder.)
STATE_WORDS = {
    RunStatus.STARTING: ("starting", "$text-primary"),
    RunStatus.RUNNING: ("running", "$text-success"),
    RunStatus.PAUSING: ("pausing after this batch", "$text-warning"),
    RunStatus.PAUSED: ("paused (p resumes)", "$text-warning"),
    RunStatus.STOPPING: ("stopping after this batch", "$text-warning"),
    RunStatus.FINISHED: ("finished", "$text-success"),
    RunStatus.EARLY_STOPPED: ("stopped early (no more improvement)", "$text-success"),
    RunStatus.STOPPED: ("stopped (weights kept)", "$text-warning"),
    RunStatus.DIVERGED: ("diverged: stopped itself", "$text-error"),
    RunStatus.FAILED: ("failed: see the message", "$text-error"),
}


@dataclass
class RunView:
    """Everything the training screen shows about one run, updated from its events."""

    epochs: int
    state: RunStatus = RunStatus.STARTING
    epoch: int = 0                      # epochs completed
    batch: int = 0                      # batches done in the current epoch
    n_batches: int = 0
    running_loss: float | None = None
    running_acc: float | None = None
    samples_per_s: float | None = None
    val_acc: float | None = None
    best_val_acc: float | None = None
    test_acc: float | None = None
    test_loss: float | None = None
    epoch_seconds: list[float] = field(default_factory=list)
    trained_seconds: float = 0.0        # the trainer's own clock, pauses excluded
    ended_elapsed: float | None = None
    started_at: float | None = None     # UI clock, for the elapsed time between events
    paused_at: float | None = None
    paused_total: float = 0.0

    def elapsed(self, now: float | None = None) -> float | None:
        if self.ended_elapsed is not None:
            return self.ended_elapsed
        if self.started_at is None:
            return None
        now = time.monotonic() if now is None else now
        paused = self.paused_total + ((now - self.paused_at) if self.paused_at is not None else 0.0)
        return max(0.0, now - self.started_at - paused)

    def eta(self) -> float | None:
        """Seconds left: remaining epochs at the recent epoch time, less the part of this
        epoch already done; before the first epoch ends, from the running speed."""
        if self.state.ended:
            return 0.0
        recent = self.epoch_seconds[-5:]
        if recent:
            per_epoch = sum(recent) / len(recent)
        elif self.samples_per_s and self.n_batches and self.batch:
            done = self.elapsed() or 0.0
            per_epoch = done * self.n_batches / self.batch
        else:
            return None
        in_epoch = (self.batch / self.n_batches) if self.n_batches else 0.0
        return max(0.0, (self.epochs - self.epoch - in_epoch) * per_epoch)


class StatusPanel(Static):
    """Draws a ``RunView``. ``redact_timings`` shows '--' for every clock and speed, so a
    snapshot of a run is the same on every machine and every run."""

    def __init__(self, *, redact_timings: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.redact_timings = redact_timings
        self._shown = ""

    def set_text(self, text: str) -> None:
        """Show ``text`` if it differs from what is shown. The panel has a fixed height
        (training.tcss), so no layout pass is needed: one costs a whole-screen arrange."""
        if text != self._shown:
            self._shown = text
            self.update(text, layout=False)

    def show(self, view: RunView) -> None:
        words, colour = STATE_WORDS.get(view.state, (view.state, "$text"))
        if self.redact_timings:
            elapsed = eta = speed = UNKNOWN
        else:
            elapsed, eta = clock(view.elapsed()), clock(view.eta())
            speed = formatted(view.samples_per_s, ",.0f", missing=UNKNOWN)
        lines = [
            f"[b]State[/]    [{colour}]{words}[/]",
            f"[b]Epoch[/]    {view.epoch} / {view.epochs}",
            f"[b]Elapsed[/]  {elapsed}   [b]ETA[/] {eta}",
            f"[b]Speed[/]    {speed} samples/s",
            f"[b]Val acc[/]  {percent(view.val_acc, missing=UNKNOWN)}   "
            f"[b]best[/] {percent(view.best_val_acc, missing=UNKNOWN)}",
            f"[b]Test acc[/] {percent(view.test_acc, missing=UNKNOWN)}"
            + ("" if view.test_acc is not None else "  (at the end)"),
        ]
        self.set_text("\n".join(lines))
