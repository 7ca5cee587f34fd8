"""The help screen (? or F1): every key binding of the app and its screens, read from
their BINDINGS so the list cannot drift from what the keys really do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..styles import css_path
from ..widgets.too_small import TooSmall


def _key_name(app, key: str) -> str:
    return ", ".join(app.get_key_display(Binding(k.strip(), "")) for k in key.split(","))


class HelpScreen(ModalScreen[None]):
    CSS_PATH = css_path("help.tcss")
    BINDINGS = [
        Binding("escape,f1,question_mark,q", "app.pop_screen", "Close help", id="close-help"),
    ]

    def compose(self) -> ComposeResult:
        yield TooSmall()
        with Vertical(id="help-dialog", classes="panel"):
            yield Static("[b]Keys[/]  (escape closes this help)", id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(self._help_text(), id="help-text")

    def _help_text(self) -> str:
        from ..app import ScratchnetApp
        from .inspect import InspectScreen
        from .inspect.confusion import ConfusionScreen
        from .inspect.draw import DrawScreen
        from .inspect.mistakes import MistakesScreen
        from .inspect.weights import WeightsScreen
        from .setup import SetupScreen
        from .training import TrainingScreen

        sections = [
            ("Everywhere", ScratchnetApp.BINDINGS),
            ("Setup screen", SetupScreen.BINDINGS),
            ("Training screen", TrainingScreen.BINDINGS),
            ("Inspection screens (i on an ended run)", InspectScreen.BINDINGS),
            ("Misclassified images", MistakesScreen.BINDINGS),
            ("Confusion matrix", ConfusionScreen.BINDINGS),
            ("Draw a digit", DrawScreen.BINDINGS),
            ("First-layer weights", WeightsScreen.BINDINGS),
        ]
        lines: list[str] = []
        for title, bindings in sections:
            lines.append(f"[b $text-accent]{title}[/]")
            seen = set()
            for binding in bindings:
                if not isinstance(binding, Binding) or not binding.description:
                    continue
                text = binding.tooltip or binding.description
                if (binding.key, text) in seen:
                    continue
                seen.add((binding.key, text))
                lines.append(f"  [b]{_key_name(self.app, binding.key):<12}[/] {text}")
            lines.append("")
        lines += [
            "[b $text-accent]Forms and lists[/]",
            f"  [b]{'tab':<12}[/] next field ([b]shift+tab[/] previous)",
            f"  [b]{'enter':<12}[/] in a text field: start training; on a choice: open it",
            f"  [b]{'up, down':<12}[/] move in an open choice list or the epoch table",
            "",
            "The mouse works too: click fields, buttons and the keys in the footer.",
        ]
        return "\n".join(lines)
