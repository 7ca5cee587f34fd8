"""The Tune dialog (``l`` on the training screen): change the learning rate, momentum or
Adam's betas, L2 and dropout of the running or paused run. The values go to the run core
(``Runner.change``), which checks each with the field registry's parser and applies it
before the next batch; a refused value is said beside the fields and the dialog stays open.
It dismisses with the config values that changed ({} when nothing did), or None (escape)."""

from __future__ import annotations

from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ...training.config import ConfigError, TrainConfig
from ...training.fields import FIELDS
from ..styles import css_path
from .dashboard_screen import DashboardScreen


def tune_fields(config: TrainConfig) -> list[str]:
    """The live fields worth offering for this run's optimizer."""
    optimizer = {"adam": ["beta1", "beta2"], "momentum": ["momentum"], "nesterov": ["momentum"]}
    return ["lr", *optimizer.get(config.optimizer, []), "l2", "dropout"]


class TuneScreen(DashboardScreen, ModalScreen[dict | None]):
    CSS_PATH = css_path("tune.tcss")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="tune-cancel")]

    def __init__(self, config: TrainConfig, change: Callable[..., dict]) -> None:
        """``config``: the run's settings now; ``change``: Runner.change."""
        super().__init__()
        self.config = config
        self.change = change
        self.names = tune_fields(config)

    def compose(self) -> ComposeResult:
        with Vertical(id="tune-dialog"):
            for name in self.names:
                with Horizontal(classes="tune-row"):
                    yield Label(FIELDS[name].label, classes="tune-label")
                    yield Input(FIELDS[name].text_of(self.config), id=f"tune-{name}", compact=True)
            yield Static("Takes effect from the next batch; recorded in the run.", id="tune-reason",
                         markup=False)
            with Horizontal(id="tune-buttons"):
                yield Button("Apply (enter)", id="tune-apply", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="tune-cancel-button", compact=True)

    def on_mount(self) -> None:
        self.query_one("#tune-dialog").border_title = "Tune the run"
        self.query_one(f"#tune-{self.names[0]}", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#tune-apply")
    def apply(self) -> None:
        typed = {name: self.query_one(f"#tune-{name}", Input).value for name in self.names}
        # only what was edited: an untouched field must not undo a change made meanwhile
        edited = {name: text for name, text in typed.items() if text != FIELDS[name].text_of(self.config)}
        try:
            changed = self.change(**edited) if edited else {}
        except ConfigError as exc:
            reason = self.query_one("#tune-reason", Static)
            reason.update(str(exc))
            reason.add_class("-invalid")
            return
        self.dismiss(changed)

    @on(Button.Pressed, "#tune-cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)
