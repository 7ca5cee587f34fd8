"""The help screen (? or F1): every key of the app and of every screen it can show, read
from their BINDINGS (``keys.py``) so the list cannot drift from what the keys really do.

The screens come from the registry ``screens.help_screens()``; the app's own keys from
the running app (``self.app.BINDINGS``), so this module does not import the app. The
screen the user was on comes first (with the shared keys of the screens it is built on),
then the keys that work everywhere, then every other screen.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..keys import key_lines, key_names, own_bindings
from ..styles import css_path
from ..widgets.too_small import TooSmall

KEY_WIDTH = 12   # the keys column; longer keys push their text on


class HelpScreen(ModalScreen[None]):
    """``HelpScreen(current)``: ``current`` is the screen help was opened from (its keys
    are listed first); without it, the screens are listed in the registry's order."""

    CSS_PATH = css_path("help.tcss")
    BINDINGS = [
        Binding("escape,f1,question_mark,q", "app.pop_screen", "Close help", id="close-help"),
    ]

    def __init__(self, current: Screen | None = None) -> None:
        super().__init__()
        self.current = type(current) if current is not None else None

    def compose(self) -> ComposeResult:
        yield TooSmall()
        with Vertical(id="help-dialog", classes="panel"):
            yield Static("[b]Keys[/]  (escape closes this help)", id="help-title")
            # one Static per section: a frame renders only the sections in view, not the
            # whole list of keys (one Static of it took most of the help's opening)
            with VerticalScroll(id="help-body"), Vertical(id="help-text"):
                for part in self._help_parts():
                    yield Static(part, classes="help-section")

    def sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(title, [(keys, what they do)]) in the order shown."""
        from . import help_screens

        app = self.app
        registry = help_screens()
        current = [(title, cls) for title, cls in registry
                   if self.current is not None and issubclass(self.current, cls)]
        # the screen itself first, then what it inherits (the inspection screens' shared keys)
        current.sort(key=lambda entry: self.current.__mro__.index(entry[1]))
        first = [cls for _title, cls in current]
        everywhere = [b for b in type(app).BINDINGS if isinstance(b, Binding)]
        lines = key_lines(app, everywhere)
        if app.ENABLE_COMMAND_PALETTE:
            lines.append((key_names(app, app.COMMAND_PALETTE_BINDING),
                          "The command palette: this screen's actions and the app's, by name"))
        ordered = current + [("Everywhere", None)] + [(t, c) for t, c in registry if c not in first]
        sections = []
        for title, cls in ordered:
            if cls is None:
                sections.append((title, lines))
                continue
            entries = key_lines(app, own_bindings(cls))
            entries += list(cls.__dict__.get("WIDGET_KEYS", ()))
            if entries:
                sections.append((title, entries))
        return sections

    def text(self) -> str:
        """Everything the help shows, as plain text."""
        return "\n\n".join(str(section.render()).strip("\n") for section in self.query(".help-section"))

    def _help_parts(self) -> list[str]:
        """The help as markup, one string per section."""
        parts: list[str] = []
        for title, entries in self.sections():
            lines = [f"[b $text-accent]{escape(title)}[/]"]
            for keys, text in entries:
                lines.append(f"  [b]{escape(keys):<{KEY_WIDTH}}[/] {escape(text)}")
            lines.append("")
            parts.append("\n".join(lines))
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
