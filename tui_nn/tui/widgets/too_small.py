"""The message that replaces a screen's layout when the terminal is below the minimum size."""

from __future__ import annotations

from textual.widgets import Static

MIN_WIDTH = 60
MIN_HEIGHT = 18


class TooSmall(Static):
    """Hidden unless the app has the ``-too-small`` class (set on resize by the app);
    the stylesheet then hides every sibling, so no control is drawn half cut off."""

    def __init__(self) -> None:
        super().__init__(f"Enlarge the terminal to at least {MIN_WIDTH}x{MIN_HEIGHT}\n"
                         f"(ctrl+q quits)", classes="too-small")

    def set_size(self, width: int, height: int) -> None:
        self.update(f"Enlarge the terminal to at least {MIN_WIDTH}x{MIN_HEIGHT}.\n"
                    f"It is {width}x{height} now.\n\nctrl+q quits")
