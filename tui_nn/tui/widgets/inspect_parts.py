"""Small parts shared by the inspection screens: the row of screen tabs, the class
probability bars and the list of test images.

Marks are letters and styles, never colour alone: the true class is marked ``T``, the
predicted one ``P``; colour (theme variables, so dark and light both read) only adds.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from textual.binding import Binding
from textual.markup import escape
from textual.widget import Widget
from textual.widgets import DataTable

from ...datasets.dataset import short_class_name
from ...format import percent

BAR = "\u2588"   # █


class InspectNav(Widget):
    """'1 Mistakes  2 Confusion  3 Draw  4 Weights', the current one highlighted; each
    is a link to its screen (the keys 1-4 do the same). ``tabs``: (screen key, label) in
    the order of the number keys, from the screens' registry."""

    DEFAULT_CSS = """
    InspectNav {
        height: 1;
        width: 1fr;
    }
    """

    def __init__(self, current: str, extra: str = "", *, tabs: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(classes="inspect-nav")
        self.current = current
        self.extra = extra
        self.tabs = tuple(tabs)

    def render(self) -> str:
        parts = []
        for number, (key, label) in enumerate(self.tabs, start=1):
            if key == self.current:
                parts.append(f"[reverse b] {number} {label} [/]")
            else:
                parts.append(f"[@click=screen.jump('{key}')] [b]{number}[/] {label} [/]")
        return " ".join(parts) + (f"  [dim]{escape(self.extra)}[/]" if self.extra else "")


def class_label(names: tuple[str, ...], c: int, width: int) -> str:
    """Class ``c``'s name in at most ``width`` characters (its short label if it has one)."""
    return short_class_name(names[c], width)


class ProbabilityBars(Widget):
    """One bar per class: ``T`` marks the true class, ``P`` the predicted one."""

    DEFAULT_CSS = """
    ProbabilityBars {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.proba: np.ndarray | None = None
        self.class_names: tuple[str, ...] = ()
        self.true: int | None = None
        self.predicted: int | None = None

    def show(self, proba: np.ndarray | None, class_names: tuple[str, ...], *,
             true: int | None = None, predicted: int | None = None) -> None:
        height = self.get_content_height(None, None, 0)
        self.proba = None if proba is None else np.asarray(proba, np.float64)
        self.class_names = class_names
        self.true = true
        self.predicted = predicted if predicted is not None or proba is None else int(np.argmax(proba))
        # a layout pass (a whole-screen repaint in the terminal) only when the height changes:
        # moving from image to image in the mistakes list keeps it
        self.refresh(layout=self.get_content_height(None, None, 0) != height)

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(len(self.class_names), 1) + (1 if self.true is not None else 0)

    def render(self) -> str:
        if self.proba is None:
            return ""
        width = max(self.size.width, 12)
        names = self.class_names
        longest = max(len(n) for n in names)
        shortest_fit = max(len(short_class_name(n, 7)) for n in names)   # short labels (datasets)
        # "TP name bar 100.0%": marks 2, spaces 3, percentage 6; the bar gets at least 3,
        # or none when the names would otherwise be cut (the percentages say it all).
        if width - longest - 11 >= 5:
            name_w = longest
        elif width - shortest_fit - 11 >= 3:
            name_w = max(shortest_fit, min(longest, width - 14))
        else:
            name_w = max(1, min(shortest_fit, width - 11))
        bar_w = max(0, width - name_w - 11)
        lines = []
        for c, p in enumerate(self.proba):
            mark = ("T" if c == self.true else " ") + ("P" if c == self.predicted else " ")
            filled = int(round(p * bar_w))
            bar = BAR * filled + " " * (bar_w - filled)
            label = escape(class_label(names, c, name_w).ljust(name_w))
            line = f"{mark} {label} {bar} {percent(p):>6}"
            if c == self.predicted and self.true is not None and c != self.true:
                line = f"[b $text-error]{line}[/]"
            elif c == self.true or (self.true is None and c == self.predicted):
                line = f"[b $text-success]{line}[/]"
            lines.append(line)
        if self.true is not None:
            legend = "T true class  P predicted" if width >= 25 else "T true  P pred."
            lines.append(f"[dim]{legend[:width]}[/]")
        return "\n".join(lines)


class ImageTable(DataTable):
    """The list of test images: a DataTable whose keys suit a list (j/k, home/end)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", id="images-down", show=False),
        Binding("k", "cursor_up", "Up", id="images-up", show=False),
        Binding("home", "scroll_top", "First", id="images-first", show=False),
        Binding("end", "scroll_bottom", "Last", id="images-last", show=False),
    ]
