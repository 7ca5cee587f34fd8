"""The help screen (? or F1): every key of the app and of every screen it can show, read
from their BINDINGS (``keys.py``) so the list cannot drift from what the keys really do.

The screens come from the registry ``screens.help_screens()``; the app's own keys from
the running app (``self.app.BINDINGS``), so this module does not import the app. The
screen the user was on comes first (with the shared keys of the screens it is built on),
then the keys that work everywhere, then every other screen. Those first two are drawn at
once; the other screens' modules are imported in a thread and their keys added when they
are in (``complete``).
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen, Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from ..keys import key_lines, key_names, own_bindings
from . import help_screens_of
from ..styles import css_path
from ..widgets.too_small import TooSmall
from .dashboard_screen import DashboardScreen

KEY_WIDTH = 12   # the keys column; longer keys push their text on


class HelpScreen(DashboardScreen, ModalScreen[None]):
    """``HelpScreen(current)``: ``current`` is the screen help was opened from (its keys
    are listed first); without it, the screens are listed in the registry's order."""

    CSS_PATH = css_path("help.tcss")
    BINDINGS = [
        Binding("escape,f1,question_mark,q", "app.pop_screen", "Close help", id="close-help"),
    ]

    def __init__(self, current: Screen | None = None) -> None:
        super().__init__()
        self.current = type(current) if current is not None else None
        # the registry's entries for the current screen and the ones it is built on, listed first
        self.own = help_screens_of(self.current) if self.current is not None else []
        self.complete = False     # every screen's keys are shown (the others come from a thread)

    def compose(self) -> ComposeResult:
        yield TooSmall()
        with Vertical(id="help-dialog", classes="panel"):
            yield Static("[b]Keys[/]  (escape closes this help)", id="help-title")
            # one Static per section: a frame renders only the sections in view, not the
            # whole list of keys (one Static of it took most of the help's opening)
            with VerticalScroll(id="help-body"), Vertical(id="help-text"):
                for part in self._help_parts(self.first_sections()):
                    yield Static(part, classes="help-section")

    def on_mount(self) -> None:
        # The current screen's keys and the app's are drawn at once; every other screen's
        # follow once their modules are imported in a thread (the first F1 imported them
        # all before drawing anything: up to a second).
        self._import_screens()

    @work(thread=True, exclusive=True, group="help-screens", exit_on_error=False,
          description="import the screens the help lists")
    def _import_screens(self) -> list[tuple[str, type]]:
        from . import help_screens
        return help_screens()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.SUCCESS:
            parts = self._help_parts(self.other_sections(event.worker.result), last=True)
            self.query_one("#help-text").mount_all(Static(part, classes="help-section") for part in parts)
            self.complete = True
        elif event.state == WorkerState.ERROR:   # a screen module that can't load: say so
            self.query_one("#help-text").mount(Static(f"(the other screens' keys: {event.worker.error})",
                                                      classes="help-section", markup=False))
            self.complete = True

    def first_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The current screen's keys (and those of the screens it is built on), then the
        app's: none of it needs another screen's module."""
        app = self.app
        everywhere = [b for b in type(app).BINDINGS if isinstance(b, Binding)]
        lines = key_lines(app, everywhere)
        if app.ENABLE_COMMAND_PALETTE:
            lines.append((key_names(app, app.COMMAND_PALETTE_BINDING),
                          "The command palette: this screen's actions and the app's, by name"))
        return self._entries(self.own) + [("Everywhere", lines)]

    def other_sections(self, registry: list[tuple[str, type]]) -> list[tuple[str, list[tuple[str, str]]]]:
        """Every registered screen but the current one's, in the registry's order."""
        first = {cls for _title, cls in self.own}
        return self._entries([(t, c) for t, c in registry if c not in first])

    def _entries(self, screens: list[tuple[str, type]]) -> list[tuple[str, list[tuple[str, str]]]]:
        sections = []
        for title, cls in screens:
            entries = key_lines(self.app, own_bindings(cls))
            entries += list(cls.__dict__.get("WIDGET_KEYS", ()))
            if entries:
                sections.append((title, entries))
        return sections

    def text(self) -> str:
        """Everything the help shows, as plain text."""
        return "\n\n".join(str(section.render()).strip("\n") for section in self.query(".help-section"))

    def _help_parts(self, sections, *, last: bool = False) -> list[str]:
        """``sections`` as markup, one string each; ``last`` adds the part on forms and lists."""
        parts: list[str] = []
        for title, entries in sections:
            lines = [f"[b $text-accent]{escape(title)}[/]"]
            for keys, text in entries:
                lines.append(f"  [b]{escape(keys):<{KEY_WIDTH}}[/] {escape(text)}")
            lines.append("")
            parts.append("\n".join(lines))
        if not last:
            return parts
        lines = [
            "[b $text-accent]Forms and lists[/]",
            f"  [b]{'tab':<{KEY_WIDTH}}[/] next field ([b]shift+tab[/] previous)",
            f"  [b]{'enter':<{KEY_WIDTH}}[/] in a text field: confirm it, go to the next; on a choice: open it",
            f"  [b]{'up, down':<{KEY_WIDTH}}[/] move in an open choice list or a table",
            "",
            "The mouse works too: click fields, buttons and the keys in the footer.",
        ]
        parts.append("\n".join(lines))
        return parts
