"""The Branch dialog (``b`` on the runs screen): a new run from the end of one of a recorded
run's kept epochs, with some settings changed. It offers the epochs the run keeps, the number
of epochs to train on, and the live settings of the run's optimizer; every value is checked
with the field registry's parsers (``training.live.parse_branch_changes``) before it
dismisses with ``{"epoch": int, "changes": {field: text}}`` (only the edited fields), or
None (escape). Building and starting the run is the app's (``Runner.branching``)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ....runs.store import default_more_epochs, describe_epochs
from ....training.config import ConfigError, TrainConfig
from ....training.fields import FIELDS
from ....training.live import config_at, parse_branch_changes
from ...styles import css_path
from ..tune import tune_fields
from ..dashboard_screen import DashboardScreen


def default_epoch(epochs: list[int], best_epoch: int | None) -> int:
    """The kept epoch to offer first: the last one at or before the best validation epoch
    (where a branch with other settings most often starts), else the last kept."""
    if best_epoch:
        before = [e for e in epochs if e <= best_epoch]
        if before:
            return before[-1]
    return epochs[-1]


class BranchRunScreen(DashboardScreen, ModalScreen[dict | None]):
    CSS_PATH = css_path("tune.tcss")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="branch-cancel")]

    def __init__(self, name: str, config: TrainConfig, epochs: list[int], *, planned: int,
                 best_epoch: int | None = None, changes: list[dict] = ()) -> None:
        """``config``: the run's settings as it started; ``changes``: its live changes
        (``RunRecord.changes``); ``epochs``: those it keeps a checkpoint of; ``planned``:
        the epochs it was to train in all."""
        super().__init__()
        self.run_name = name
        self.start_config = config
        self.changes = list(changes)
        self.epochs = epochs
        self.planned = planned
        self.first = default_epoch(epochs, best_epoch)
        self.config = self.config_at(self.first)
        self.names = tune_fields(config)

    def config_at(self, epoch: int) -> TrainConfig:
        """The run's settings at the end of ``epoch``: with the live changes made up to then."""
        return config_at(self.start_config, self.changes, epoch)

    _shown_epoch = 0

    def more_default(self, epoch: int) -> str:
        return str(default_more_epochs(self.planned, epoch, self.start_config.epochs))

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="branch-dialog"):
            yield Static(f"A new run from the end of an epoch of {self.run_name}; the run itself is "
                         f"not changed. Kept: epoch {describe_epochs(self.epochs)}.",
                         id="branch-about", markup=False)
            with Horizontal(classes="tune-row"):
                yield Label("From epoch", classes="tune-label")
                yield Input(str(self.first), id="branch-epoch", compact=True, type="integer")
            with Horizontal(classes="tune-row"):
                yield Label("More epochs", classes="tune-label")
                yield Input(self.more_default(self.first), id="branch-more", compact=True, type="integer")
            for name in self.names:
                with Horizontal(classes="tune-row"):
                    yield Label(FIELDS[name].label, classes="tune-label")
                    yield Input(FIELDS[name].text_of(self.config), id=f"branch-{name}", compact=True)
            yield Static("Other settings stay the run's (its network, optimizer state and data).",
                         id="branch-reason", markup=False)
            with Horizontal(id="branch-buttons"):
                yield Button("Branch (enter)", id="branch-ok", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="branch-cancel-button", compact=True)

    def on_mount(self) -> None:
        self._shown_epoch = self.first
        self.query_one("#branch-dialog").border_title = "Branch a new run"
        self.query_one("#branch-epoch", Input).focus()

    @on(Input.Changed, "#branch-epoch")
    def _epoch_changed(self, event: Input.Changed) -> None:
        """The remaining epochs follow the chosen epoch until the user types their own."""
        if not event.value.strip().isdigit():
            return
        epoch = int(event.value)
        more = self.query_one("#branch-more", Input)
        if more.value == self.more_default(self._shown_epoch):
            more.value = self.more_default(epoch)
        fresh = self.config_at(epoch)
        for name in self.names:     # the settings as they were then, where not edited
            field = self.query_one(f"#branch-{name}", Input)
            if field.value == FIELDS[name].text_of(self.config):
                field.value = FIELDS[name].text_of(fresh)
        self.config, self._shown_epoch = fresh, epoch

    def _refuse(self, text: str, field: str) -> None:
        reason = self.query_one("#branch-reason", Static)
        reason.update(text)
        reason.add_class("-invalid")
        self.query_one(f"#branch-{field}", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#branch-ok")
    def confirm(self) -> None:
        text = self.query_one("#branch-epoch", Input).value.strip()
        if not text.isdigit() or int(text) not in self.epochs:
            self._refuse(f"Epoch {text or '(none)'} is not kept; choose one of {describe_epochs(self.epochs)}.",
                         "epoch")
            return
        epoch = int(text)
        changes = {"epochs": self.query_one("#branch-more", Input).value.strip()}
        for name in self.names:
            typed = self.query_one(f"#branch-{name}", Input).value
            if typed != FIELDS[name].text_of(self.config):   # only what was edited
                changes[name] = typed
        for name, value in changes.items():
            try:
                parse_branch_changes(self.config, {name: value})
            except ConfigError as exc:
                self._refuse(str(exc), "more" if name == "epochs" else name)
                return
        self.dismiss({"epoch": epoch, "changes": changes})

    @on(Button.Pressed, "#branch-cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)
