"""Charts for comparing runs: one metric of several runs overlaid on one plotext chart,
and the legend that names them.

Each run has its own colour *and* its own marker character, so the curves stay apart
without colour too (NO_COLOR, 16-colour terminals, a printed screenshot). Colours are
picked per theme brightness, like ``charts.SERIES_COLOURS``: saturated on a dark
background, darker on a light one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rich.text import Text
from textual.widgets import Static
from textual_plotext import PlotextPlot

from .charts import start_epoch_axes, thin

# Per theme brightness (dark?): one RGB colour per run, in order. Blue and orange first
# (apart for the common colour-vision deficiencies), then green, magenta, purple, ...
RUN_COLOURS: dict[bool, tuple[tuple[int, int, int], ...]] = {
    True: ((86, 182, 255), (255, 166, 64), (110, 220, 110), (255, 105, 180),
           (190, 150, 255), (235, 225, 90), (80, 225, 225), (215, 215, 215)),
    False: ((0, 84, 190), (196, 78, 0), (0, 125, 40), (185, 0, 100),
            (105, 45, 175), (125, 100, 0), (0, 115, 125), (70, 70, 70)),
}
# One marker per run: plain characters every terminal font has, distinct in shape.
RUN_MARKERS = ("o", "+", "x", "#", "@", "%", "&", "=")
MAX_RUNS = len(RUN_MARKERS)


def run_colour(index: int, dark: bool) -> tuple[int, int, int]:
    palette = RUN_COLOURS[dark]
    return palette[index % len(palette)]


def run_marker(index: int) -> str:
    return RUN_MARKERS[index % len(RUN_MARKERS)]


def rgb_hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


@dataclass
class Series:
    """One run's curve: its label and (epoch, value) points; NaN values are skipped."""

    label: str
    epochs: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    marks: list[float] = field(default_factory=list)   # epoch positions of a branch point, changes

    def finite(self) -> tuple[list[int], list[float]]:
        pairs = [(int(x), float(y)) for x, y in zip(self.epochs, self.values)
                 if y is not None and math.isfinite(float(y))]
        return [x for x, _ in pairs], [y for _, y in pairs]


class OverlayChart(PlotextPlot):
    """One metric of several runs per epoch, run ``i`` drawn with ``run_marker(i)`` in
    ``run_colour(i)``. Call ``set_series``; it redraws itself (and on theme changes)."""

    def __init__(self, title: str, ylabel: str, *, percent: bool = False, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=f"overlay-chart {classes or ''}".strip())
        self.chart_title = title
        self.ylabel = ylabel
        self.percent = percent
        self.series: list[Series] = []

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.redraw())
        self.redraw()

    def set_series(self, series: list[Series]) -> None:
        scale = 100.0 if self.percent else 1.0
        self.series = [Series(s.label, list(s.epochs),
                              [v * scale if v is not None else math.nan for v in s.values], list(s.marks))
                       for s in series]
        if self.is_mounted:
            self.redraw()

    def redraw(self) -> None:
        plt = self.plt
        dark = self.app.current_theme.dark
        points = [s.finite() for s in self.series]
        last = max((xs[-1] for xs, _ in points if xs), default=1)
        start_epoch_axes(plt, self.chart_title, self.ylabel, last)
        values = []
        for index, series in enumerate(self.series):   # under the curves: each run's in its colour
            for x in series.marks:
                if x <= last:
                    plt.vline(max(1.0, float(x)), run_colour(index, dark))
        for index, (xs, ys) in enumerate(points):
            if not xs:
                continue
            xs, ys = thin(xs, ys)
            plt.plot(xs, ys, marker=run_marker(index), color=run_colour(index, dark))
            values.extend(ys)
        if values:
            plt.ylim(*self._y_range(values))
        self.refresh()

    def _y_range(self, values: list[float]) -> tuple[float, float]:
        low, high = min(values), max(values)
        if self.percent:
            return max(0.0, low - 1.0), min(100.0, high + 1.0)
        pad = (high - low) * 0.05 or max(abs(high) * 0.05, 0.01)
        return low - pad, high + pad


class RunLegend(Static):
    """One line per run: its marker in its colour, its number and name, then a detail
    (e.g. its accuracies). Call ``set_entries([(name, detail), ...])``."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.entries: list[tuple[str, str]] = []

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._render_entries())
        self._render_entries()

    def set_entries(self, entries: list[tuple[str, str]]) -> None:
        self.entries = list(entries)
        if self.is_mounted:
            self._render_entries()

    def _render_entries(self) -> None:
        dark = self.app.current_theme.dark
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, (name, detail) in enumerate(self.entries):
            if index:
                text.append("\n")
            colour = rgb_hex(run_colour(index, dark))
            text.append(f" {run_marker(index)}{run_marker(index)} ", style=f"bold {colour}")
            text.append(f"{index + 1} ", style="bold")
            text.append(name, style=f"bold {colour}")
            if detail:
                text.append(f"  {detail}")
        self.update(text)


def run_label(index: int, name: str, width: int) -> Text:
    """A column header for run ``index``: its marker and number, then its name cut to
    ``width`` cells (the colour is added by the caller, per theme)."""
    head = f"{run_marker(index)} {index + 1} "
    room = max(width - len(head), 1)
    shown = name if len(name) <= room else name[: max(room - 1, 0)] + "\u2026"
    return Text(head + shown, no_wrap=True)
