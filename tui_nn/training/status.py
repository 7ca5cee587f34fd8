"""The one vocabulary of a run's state, shared by the trainer, the run store, the CLI and
the dashboard.

A run is live (starting, running, pausing, paused, stopping) while a process trains it,
then it has ended in one of five ways (finished, stopped early, stopped, diverged, failed). Two more
states are only ever seen when reading a run folder: ``interrupted`` (its writer died
before the run ended) and ``damaged`` (a file is missing or unreadable).
"""

from __future__ import annotations

from enum import Enum


class RunStatus(str, Enum):
    """A ``str`` too, so it compares with, and is written to JSON as, its plain value."""

    STARTING = "starting"
    RUNNING = "running"
    PAUSING = "pausing"        # asked to pause; takes effect at the next batch
    PAUSED = "paused"
    STOPPING = "stopping"      # asked to stop; takes effect at the next batch
    FINISHED = "finished"
    EARLY_STOPPED = "stopped-early"   # early stopping ended it before its epoch count
    STOPPED = "stopped"        # stopped on request, weights and history kept
    DIVERGED = "diverged"      # the loss became NaN/inf; the last good epoch is kept
    FAILED = "failed"          # an unexpected error ended it
    INTERRUPTED = "interrupted"  # read from disk: the writer died while it was running
    DAMAGED = "damaged"        # read from disk: a file is missing or unreadable

    def __str__(self) -> str:
        return self.value

    @property
    def ended(self) -> bool:
        """Finished, stopped (early or on request), diverged or failed: the trainer is done with it."""
        return self in _ENDED

    @property
    def live(self) -> bool:
        """A process is training it right now (possibly paused)."""
        return self in _LIVE

    @property
    def has_model(self) -> bool:
        """Ended with weights worth inspecting or continuing (not failed)."""
        return self in (RunStatus.FINISHED, RunStatus.EARLY_STOPPED, RunStatus.STOPPED, RunStatus.DIVERGED)

    def describe(self, epochs: int) -> str:
        """The state in a table's words; a run stopped early says at which epoch."""
        if self is RunStatus.EARLY_STOPPED:
            return f"stopped early at epoch {epochs}"
        return self.value

    @classmethod
    def parse(cls, value: object) -> "RunStatus | None":
        """The status named by ``value`` (as read from a file), or None if it names none."""
        try:
            return cls(value)
        except ValueError:
            return None


_ENDED = frozenset({RunStatus.FINISHED, RunStatus.EARLY_STOPPED, RunStatus.STOPPED, RunStatus.DIVERGED, RunStatus.FAILED})
_LIVE = frozenset({RunStatus.STARTING, RunStatus.RUNNING, RunStatus.PAUSING, RunStatus.PAUSED,
                   RunStatus.STOPPING})
