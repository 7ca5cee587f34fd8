"""The small dialogs of the runs screen: the row's action menu, rename, delete
confirmation and CSV export. Each is a modal over the runs screen; escape cancels."""

from __future__ import annotations

import os
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.validation import Function
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from ....runs.export import export_csv
from ....runs.store import RunStore, RunStoreError
from ...styles import css_path
from ..confirm import ConfirmScreen
from ..dashboard_screen import DashboardScreen

DEFAULT_EXPORT = "runs-export.csv"


class RunActionsMenu(DashboardScreen, ModalScreen[str | None]):
    """Every action on one run (and on the marked runs), with its key; Enter picks one.
    Dismisses with the action's name, or None."""

    CSS_PATH = css_path("runs.tcss")
    BINDINGS = [Binding("escape", "cancel", "Close", id="runs-menu-close")]

    def __init__(self, title: str, actions: list[tuple[str, str, str, bool]]) -> None:
        """``actions``: (name, label, key, enabled) in the order shown."""
        super().__init__()
        self.menu_title = title
        self.actions = actions

    def compose(self) -> ComposeResult:
        with Vertical(id="runs-menu-dialog", classes="runs-dialog"):
            options = []
            for name, label, key, enabled in self.actions:
                prompt = Text.assemble((f"{key:>6}", "bold"), "  ", label)
                options.append(Option(prompt, id=name, disabled=not enabled))
            yield OptionList(*options, id="runs-menu-options")
            yield Static("[dim]a key or enter picks, escape closes[/]", classes="runs-dialog-hint")

    def on_mount(self) -> None:
        dialog = self.query_one("#runs-menu-dialog")
        dialog.border_title = self.menu_title

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_id)

    def on_key(self, event) -> None:
        """The key listed beside an action picks it here too, as on the runs table; the
        key of an action that doesn't apply (greyed out) does nothing."""
        for name, _label, key, enabled in self.actions:
            if event.key == key:
                event.stop()
                event.prevent_default()
                if enabled:
                    self.dismiss(name)
                return

    def action_cancel(self) -> None:
        self.dismiss(None)


def _not_blank(value: str) -> bool:
    return bool(value.strip())


class RenameRunScreen(DashboardScreen, ModalScreen[str | None]):
    """Asks for a run's new name (not empty). Dismisses with the name, or None.
    Subclasses ask for other one-line values by changing the class attributes."""

    CSS_PATH = css_path("runs.tcss")
    DIALOG_TITLE, LABEL, OK_LABEL = "Rename run", "New name:", "Rename"
    CHECK, CHECK_FAILURE = staticmethod(_not_blank), "The name cannot be empty."
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="runs-rename-cancel")]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="runs-rename-dialog", classes="runs-dialog"):
            yield Static(self.LABEL, classes="runs-dialog-text")
            yield Input(self.current, id="runs-rename-input", select_on_focus=True,
                        validators=[Function(self.CHECK, self.CHECK_FAILURE)],
                        validate_on=["changed", "submitted"])
            yield Static("", id="runs-rename-error", classes="runs-dialog-error")
            with Horizontal(classes="runs-dialog-buttons"):
                yield Button(self.OK_LABEL, id="runs-rename-ok", variant="primary")
                yield Button("Cancel", id="runs-rename-no")

    def on_mount(self) -> None:
        self.query_one("#runs-rename-dialog").border_title = self.DIALOG_TITLE
        self.query_one("#runs-rename-input").focus()

    @on(Input.Changed, "#runs-rename-input")
    def _changed(self, event: Input.Changed) -> None:
        self._show_error(event.validation_result)

    def _show_error(self, result) -> None:
        text = "" if result is None or result.is_valid else " ".join(result.failure_descriptions)
        self.query_one("#runs-rename-error", Static).update(text)

    @on(Input.Submitted, "#runs-rename-input")
    @on(Button.Pressed, "#runs-rename-ok")
    def _submit(self) -> None:
        field = self.query_one("#runs-rename-input", Input)
        result = field.validate(field.value)
        if result is not None and not result.is_valid:
            self._show_error(result)
            field.focus()
            return
        self.dismiss(field.value.strip())

    @on(Button.Pressed, "#runs-rename-no")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _epochs_ok(value: str) -> bool:
    value = value.strip()
    return value.isdigit() and 1 <= int(value) <= 100_000


class ResumeEpochsScreen(RenameRunScreen):
    """Asks how many more epochs to train a resumed run. Dismisses with the text, or None."""

    DIALOG_TITLE, LABEL, OK_LABEL = "Resume run", "Train for how many more epochs?", "Resume"
    CHECK, CHECK_FAILURE = staticmethod(_epochs_ok), "A whole number of epochs, 1 to 100000."


class ConfirmDeleteScreen(ConfirmScreen):
    """'Delete this run?' y / enter on Delete confirms; n, escape or Cancel does not.
    Cancel has the focus, so a stray Enter deletes nothing."""

    BINDINGS = [
        Binding("escape,n", "answer(False)", "Cancel", id="runs-delete-cancel"),
        Binding("y", "answer(True)", "Delete", id="runs-delete-yes"),
    ]

    def __init__(self, name: str, run_id: str) -> None:
        super().__init__("Delete run", Text.assemble(
            "Delete ", (name, "bold"), f" ({run_id})?\n",
            "Its folder and every file in it are removed. This cannot be undone."),
            "Delete", "Cancel", yes_variant="error")
        self.run_name = name
        self.run_id = run_id


def export_message(rows: int, runs: int, out: Path) -> str:
    return f"Wrote {rows:,} row{'s' if rows != 1 else ''} ({runs:,} run{'s' if runs != 1 else ''}) to {out}"


def export_error(exc: BaseException, out: Path) -> str:
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        where = exc.filename or out
        return f"Could not write {where}: {reason}."
    return f"Could not export: {exc}"


class ExportRunsScreen(DashboardScreen, ModalScreen[str | None]):
    """Asks for a CSV path (default runs-export.csv in the current directory), writes the
    runs there with ``runs.export.export_csv`` in a thread, and says what happened: the rows
    written or the error. Dismisses with the report (None if cancelled before writing)."""

    CSS_PATH = css_path("runs.tcss")
    BINDINGS = [Binding("escape", "close", "Close", id="runs-export-close")]

    def __init__(self, store: RunStore, paths: list[Path], what: str, *, default: str = DEFAULT_EXPORT) -> None:
        super().__init__()
        self.store = store
        self.paths = list(paths)
        self.what = what
        self.default = default
        self.report: str | None = None       # what the last attempt did, in words
        self.rows: int | None = None         # rows written by the last successful attempt
        self.error: str | None = None
        self.worker: Worker | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="runs-export-dialog", classes="runs-dialog"):
            yield Static(f"Export {self.what} to one CSV file (a row per run and epoch).\n"
                         f"[dim]Relative to {os.getcwd()}; an existing file is replaced.[/]",
                         classes="runs-dialog-text", markup=True)
            yield Input(self.default, id="runs-export-input", select_on_focus=False,
                        validators=[Function(_not_blank, "Give a file name.")])
            yield Static("", id="runs-export-report", classes="runs-dialog-report")
            with Horizontal(classes="runs-dialog-buttons"):
                yield Button("Export", id="runs-export-ok", variant="primary")
                yield Button("Close", id="runs-export-no")

    def on_mount(self) -> None:
        self.query_one("#runs-export-dialog").border_title = "Export runs"
        self.query_one("#runs-export-input").focus()

    def target(self) -> Path:
        text = self.query_one("#runs-export-input", Input).value.strip()
        path = Path(os.path.expanduser(text))
        return path if path.is_absolute() else Path.cwd() / path

    @on(Input.Submitted, "#runs-export-input")
    @on(Button.Pressed, "#runs-export-ok")
    def action_export(self) -> None:
        if self.worker is not None and self.worker.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        field = self.query_one("#runs-export-input", Input)
        if not field.value.strip():
            self._say("Give a file name.", error=True)
            return
        out = self.target()
        if out.is_dir():
            self._say(f"{out} is a folder; give a file name.", error=True)
            return
        self._say(f"Exporting {len(self.paths):,} run{'s' if len(self.paths) != 1 else ''}\u2026")
        self.worker = self._export(out)

    @work(thread=True, exclusive=True, group="runs-export", exit_on_error=False)
    def _export(self, out: Path) -> tuple[int, Path]:
        return export_csv(self.paths, out), out

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker:
            return
        if event.state == WorkerState.SUCCESS:
            rows, out = event.worker.result
            self.rows, self.error = rows, None
            self._say(export_message(rows, len(self.paths), out))
            self.query_one("#runs-export-no", Button).focus()
        elif event.state == WorkerState.ERROR:
            exc = event.worker.error
            self.rows = None
            self.error = export_error(exc, self.target()) if isinstance(exc, (OSError, RunStoreError)) \
                else f"Could not export: {exc.__class__.__name__}: {exc}"
            self._say(self.error, error=True)

    def _say(self, text: str, error: bool = False) -> None:
        self.report = text
        report = self.query_one("#runs-export-report", Static)
        report.set_class(error, "-error")
        report.update(Text(text))

    @on(Button.Pressed, "#runs-export-no")
    def action_close(self) -> None:
        self.dismiss(self.report if self.rows is not None or self.error else None)
