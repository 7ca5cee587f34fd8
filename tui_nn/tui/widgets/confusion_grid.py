"""The confusion matrix as a grid of counts with a cell cursor.

Rows are true classes, columns predicted classes. The diagonal (right answers) is green,
the largest off-diagonal cells are bold red with a ``*`` after the count, so they stand
out in monochrome too; zero off-diagonal cells are a dim ``.``. Each row ends with the
class's recall, the last row holds each column's precision (both in percent).
"""

from __future__ import annotations

import numpy as np
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ...format import percent
from ...inspection.mistakes import recall_precision, top_confusions

HIGHLIGHTED = 5   # how many of the largest off-diagonal cells stand out


def _grid_percent(value: float) -> str:
    """Recall and precision in the grid: no '%' (the cells are narrow), '-' where it is
    0/0 (a class with no images, or never predicted)."""
    return percent(value, missing="-", suffix="")


class ConfusionGrid(Widget, can_focus=True):
    """Arrows (or h/j/k/l) move the cursor; enter, or a click on the selected cell,
    posts ``CellChosen`` for the (true, predicted) pair under it."""

    DEFAULT_CSS = """
    ConfusionGrid {
        width: auto;
        height: auto;
    }
    """

    BINDINGS = [
        Binding("up,k", "move(-1, 0)", "Up", id="confusion-up", show=False),
        Binding("down,j", "move(1, 0)", "Down", id="confusion-down", show=False),
        Binding("left,h", "move(0, -1)", "Left", id="confusion-left", show=False),
        Binding("right,l", "move(0, 1)", "Right", id="confusion-right", show=False),
        Binding("enter", "choose", "Browse cell", id="browse-cell",
                tooltip="Open the mistakes list filtered to this (true, predicted) pair"),
    ]

    cursor: reactive[tuple[int, int]] = reactive((0, 1))

    class CellChosen(Message):
        def __init__(self, true: int, predicted: int) -> None:
            super().__init__()
            self.true = true
            self.predicted = predicted

    class CursorMoved(Message):
        def __init__(self, true: int, predicted: int) -> None:
            super().__init__()
            self.true = true
            self.predicted = predicted

    def __init__(self, cm: np.ndarray, class_names: tuple[str, ...], *, cursor: tuple[int, int] | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.cm = np.asarray(cm)
        self.k = self.cm.shape[0]
        self.class_names = class_names
        self.recall, self.precision = recall_precision(self.cm)
        self.top = {(t, p) for t, p, _ in top_confusions(self.cm, HIGHLIGHTED)}
        count_w = len(str(int(self.cm.max()))) if self.cm.size else 1
        self.cell_w = max(count_w + 2, 6)          # count, the '*' mark, a space; fits "100.0"
        # Room for "prec." under the row labels, if the terminal has it.
        self.full_label_w = max(5, max(len(self._full_label(c)) for c in range(self.k)))
        self.label_w = self.full_label_w
        start = cursor
        if start is None:
            worst = top_confusions(self.cm, 1)
            start = (worst[0][0], worst[0][1]) if worst else (0, 0)
        self.set_reactive(ConfusionGrid.cursor, start)

    def _full_label(self, c: int) -> str:
        name = self.class_names[c]
        return name if name == str(c) else f"{c} {name}"

    # ------------------------------------------------------------------ size
    def _width_for(self, label_w: int) -> int:
        return label_w + 1 + self.k * self.cell_w + 8

    def get_content_width(self, container, viewport) -> int:
        # Shorten the row labels rather than cut off the recall column (the panel around
        # the grid takes 4 columns of the terminal).
        room = self.app.size.width - 4 - self._width_for(0)
        self.label_w = max(1, min(self.full_label_w, room))
        return self._width_for(self.label_w)

    def get_content_height(self, container, viewport, width: int) -> int:
        return self.k + 3

    def cell_at(self, x: int, y: int) -> tuple[int, int] | None:
        """The (true, predicted) cell under content offset (x, y), if any."""
        row = y - 1
        col = (x - self.label_w - 1) // self.cell_w if x >= self.label_w + 1 else -1
        if 0 <= row < self.k and 0 <= col < self.k:
            return row, col
        return None

    # ---------------------------------------------------------------- render
    def render(self) -> str:
        lw, cw = self.label_w, self.cell_w
        lines = [" " * (lw + 1) + "".join(f"[b]{str(c).rjust(cw - 1)}[/] " for c in range(self.k))
                 + "[b]recall[/]"]
        for t in range(self.k):
            label = self._full_label(t)[:lw].ljust(lw)
            cells = []
            for p in range(self.k):
                count = int(self.cm[t, p])
                if t == p:
                    text, style = f"{count} ", "$text-success"
                elif (t, p) in self.top:
                    text, style = f"{count}*", "b $text-error"
                elif count == 0:
                    text, style = ". ", "dim"
                else:
                    text, style = f"{count} ", ""
                text = text.rjust(cw)
                if (t, p) == self.cursor:
                    style = (style + " reverse").strip()
                cells.append(f"[{style}]{text}[/]" if style else text)
            lines.append(f"[b]{label}[/] " + "".join(cells) + f" {_grid_percent(self.recall[t]):>6}")
        lines.append(f"[b]{'prec.'[:lw].ljust(lw)}[/] "
                     + "".join(f"{_grid_percent(v).rjust(cw - 1)} " for v in self.precision))
        lines.append("[dim]rows: true class, columns: predicted;"
                     f" * the {HIGHLIGHTED} largest confusions[/]")
        return "\n".join(lines)

    # --------------------------------------------------------------- actions
    def watch_cursor(self, cursor: tuple[int, int]) -> None:
        self.post_message(self.CursorMoved(*cursor))

    def action_move(self, d_row: int, d_col: int) -> None:
        t, p = self.cursor
        self.cursor = (min(max(t + d_row, 0), self.k - 1), min(max(p + d_col, 0), self.k - 1))

    def action_choose(self) -> None:
        self.post_message(self.CellChosen(*self.cursor))

    def on_click(self, event) -> None:
        offset = event.get_content_offset(self)
        cell = None if offset is None else self.cell_at(offset.x, offset.y)
        if cell is None:
            return
        if cell == self.cursor:
            self.action_choose()
        else:
            self.cursor = cell
