"""What the screenshot scripts share: the real app opened straight onto the screen to
photograph, and a wait for the footer to settle (it recomposes whenever the bindings change,
and a picture taken mid-recompose shows an empty footer)."""

from __future__ import annotations

import argparse
from pathlib import Path

from textual.widgets import Footer

from tui_nn.tui.app import ScratchnetApp


class Host(ScratchnetApp):
    """The real app, opened onto ``screen`` (or its own setup screen for None)."""

    def __init__(self, screen=None) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        super().on_mount()
        if self.first is not None:
            self.push_screen(self.first)


async def settle_footer(pilot, screen) -> None:
    settled = 0
    while settled < 3:
        await pilot.pause(0.2)
        settled = settled + 1 if screen.query_one(Footer).children else 0


def screenshot_args(doc: str) -> tuple[Path, str]:
    """``--out DIR`` (created) and ``--theme NAME``, the options every screenshot script takes."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--theme", default="textual-dark")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return out, args.theme
