"""Textual messages that carry the trainer's events from the training thread to the UI.

The run (in its child process, ``runs/process.py``) reports the plain events of
``tui_nn.training.events``; the thread relaying them calls one callback with each. ``message_for`` wraps each in a Message so that
``post_message`` (thread-safe) delivers it to the training screen, where ``@on``
handlers update the widgets on the UI thread.
"""

from __future__ import annotations

from textual.message import Message

from ..training import events as ev


class TrainerMessage(Message):
    """Base of every message wrapping a trainer event; ``event`` is the event itself."""

    def __init__(self, event: ev.Event) -> None:
        super().__init__()
        self.event = event


class RunBegan(TrainerMessage):
    """``previous``: the history rows of the epochs a continued run had already trained."""

    event: ev.RunStarted

    def __init__(self, event: ev.RunStarted, previous: list[dict] | None = None) -> None:
        super().__init__(event)
        self.previous = previous


class BatchProgressed(TrainerMessage):
    """Progress inside an epoch. Only the newest matters, so a queued one is dropped
    when a newer one is already waiting: a busy UI never falls behind the trainer."""

    event: ev.BatchProgress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, BatchProgressed)


class EpochCompleted(TrainerMessage):
    event: ev.EpochEnded


class RunPaused(TrainerMessage):
    event: ev.Paused


class RunResumed(TrainerMessage):
    event: ev.Resumed


class SettingWasChanged(TrainerMessage):
    """A live change took effect (Tune, or a replayed one)."""

    event: ev.SettingChanged


class RunEnded(TrainerMessage):
    """Finished, stopped, diverged or failed (``event`` says which)."""

    event: ev.RunEnded


class WorkerCrashed(Message):
    """The training worker raised past the trainer's own error handling (a bug)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


_WRAPPERS: list[tuple[type[ev.Event], type[TrainerMessage]]] = [
    (ev.RunStarted, RunBegan),
    (ev.BatchProgress, BatchProgressed),
    (ev.EpochEnded, EpochCompleted),
    (ev.Paused, RunPaused),
    (ev.Resumed, RunResumed),
    (ev.SettingChanged, SettingWasChanged),
    (ev.RunEnded, RunEnded),
]


def message_for(event: ev.Event) -> TrainerMessage:
    for event_type, message_type in _WRAPPERS:
        if isinstance(event, event_type):
            return message_type(event)
    return TrainerMessage(event)   # an event type added later still reaches the screen


class SweepMessage(Message):
    """One event of a sweep (``tui_nn.sweeps``: a trial started, ended an epoch, ended;
    the sweep ended), posted from the thread that runs the sweep to the sweep screen."""

    def __init__(self, event) -> None:
        super().__init__()
        self.event = event
