"""The question asked before a key would lose work: going back from, or quitting, a run
that is still training. ``y`` (or the first button) says yes; ``n``, escape or the second
button says no. The safe answer has the focus, so a stray Enter loses nothing."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..styles import css_path
from .dashboard_screen import DashboardScreen


class ConfirmScreen(DashboardScreen, ModalScreen[bool]):
    """Dismisses with True for yes, False for no."""

    CSS_PATH = css_path("confirm.tcss")
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("escape,n", "answer(False)", "No", id="confirm-no"),
    ]

    def __init__(self, title: str, question: str | Text, yes: str, no: str, *,
                 yes_variant: str = "warning") -> None:
        super().__init__()
        self.title_text, self.question, self.yes, self.no = title, question, yes, no
        self.yes_variant = yes_variant

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(self.question, id="confirm-text", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes} (y)", id="confirm-yes-button", variant=self.yes_variant,
                             compact=True)
                yield Button(f"{self.no} (n)", id="confirm-no-button", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-dialog").border_title = self.title_text
        self.query_one("#confirm-no-button").focus()

    @on(Button.Pressed, "#confirm-yes-button")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no-button")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
