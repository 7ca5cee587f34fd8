"""The floor for benchmarks/terminal_latency.py: the smallest Textual app worth comparing the
dashboard with (a header, one line of text, a footer). ``t`` toggles the line, so a key's
effect is visible, and so does Escape (which Textual's driver delivers 100-115 ms late: a lone
Escape byte might start an escape sequence, see tui_nn/tui/driver.py); ``q`` quits. Run it as a script: ``python benchmarks/minimal_textual_app.py``.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static


class MinimalApp(App[None]):
    TITLE = "minimal"
    BINDINGS = [Binding("t", "toggle", "Toggle"), Binding("escape", "toggle", "Toggle too", show=False),
                Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("hello", id="line")
        yield Footer()

    def action_toggle(self) -> None:
        line = self.query_one("#line", Static)
        line.update("world" if str(line.content) == "hello" else "hello")


if __name__ == "__main__":
    MinimalApp().run()
