"""Per-epoch line charts (loss, accuracy) drawn with plotext inside Textual.

Each chart plots two series, training and validation, against the epoch number. The
colours are picked per theme (plotext knows nothing of Textual themes): saturated
on a dark background, darker on a light one, so lines and legend stay readable in both.
"""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot

# (train, validation) markers: with colour both are solid half blocks; without it (NO_COLOR)
# the two curves are told apart by their shape alone.
SERIES_MARKERS = {True: ("hd", "hd"), False: ("hd", "x")}
# (train, validation) colours as RGB, per theme brightness. Blue and orange stay apart
# for the common colour-vision deficiencies as well.
SERIES_COLOURS = {
    True: ((86, 182, 255), (255, 166, 64)),    # dark theme
    False: ((0, 84, 190), (196, 78, 0)),       # light theme
}
# The vertical lines marking a setting changed by hand and a branch point, per theme brightness:
# grey, apart from both curves' colours.
MARK_COLOURS = {True: (150, 150, 150), False: (110, 110, 110)}
MAX_POINTS = 300   # longer series are thinned: a redraw stays a few milliseconds
LEGEND_ROWS = 2    # plotext draws the legend over the top-left corner of the canvas
FRAME_ROWS = 5     # title, frame top and bottom, x ticks, x label: the rest is canvas


def start_epoch_axes(plt, title: str, ylabel: str, last_epoch: int) -> None:
    """Clear a chart and lay out its epoch axis (1 .. last) and labels, before plotting."""
    plt.clear_data()
    plt.title(title)
    plt.xlabel("epoch")
    plt.ylabel(ylabel)
    plt.xlim(1, max(last_epoch, 2))
    plt.xticks(epoch_ticks(max(last_epoch, 2)))


def change_position(change: dict, batches: int | None = None) -> float:
    """Where a live change sits on an epoch axis whose point ``e`` is the end of epoch ``e``:
    made before batch ``b`` of epoch ``e``, it is ``b / batches`` into that epoch (half-way
    when the batches per epoch are not known)."""
    epoch, batch = change["epoch"], change["batch"]
    if not batch:
        return float(epoch - 1)
    return epoch - 1 + (batch / batches if batches else 0.5)


def draw_marks(plt, marks: list[float], dark: bool) -> None:
    """Vertical lines at ``marks`` (epoch positions) within the axis' 1..last range."""
    for x in marks:
        plt.vline(max(1.0, float(x)), MARK_COLOURS[dark])


def thin(xs: list, ys: list, limit: int = MAX_POINTS) -> tuple[list, list]:
    """At most ``limit`` evenly spaced points, always keeping the last (the newest epoch)."""
    if len(xs) <= limit:
        return xs, ys
    step = math.ceil(len(xs) / limit)
    keep = list(range(0, len(xs), step))
    if keep[-1] != len(xs) - 1:
        keep.append(len(xs) - 1)
    return [xs[i] for i in keep], [ys[i] for i in keep]


def epoch_ticks(last: int, count: int = 5) -> list[int]:
    """Up to ``count`` whole-number ticks from 1 to ``last``, the last epoch always among them
    (a tick too close before it makes way, so the labels do not run together)."""
    if last <= count:
        return list(range(1, last + 1))
    step = math.ceil((last - 1) / (count - 1))
    ticks = list(range(1, last + 1, step))
    if ticks[-1] != last:
        if last - ticks[-1] < step / 2:
            ticks.pop()
        ticks.append(last)
    return ticks


class MetricChart(PlotextPlot):
    """One metric, train and validation, per epoch. Call ``set_data`` then it redraws itself."""

    def __init__(self, title: str, ylabel: str, *, percent: bool = False, id: str | None = None) -> None:
        super().__init__(id=id, classes="metric-chart")
        self.chart_title = title
        self.ylabel = ylabel
        self.percent = percent
        self.epochs: list[int] = []
        self.train: list[float] = []
        self.val: list[float] = []
        self.marks: list[float] = []   # epoch positions of changes made by hand, a branch point
        self._generation = 0       # bumped by each redraw: what the cached drawing was built from
        self._drawn = None         # ((generation, size, theme), Text)

    def on_mount(self) -> None:
        # PlotextPlot's own on_mount registers the background colours; we re-plot with
        # the other theme's line colours whenever the theme changes.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.redraw())
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()   # the legend's headroom depends on the height

    def set_data(self, epochs: list[int], train: list[float], val: list[float]) -> None:
        scale = 100.0 if self.percent else 1.0
        self.epochs = list(epochs)
        self.train = [v * scale for v in train]
        self.val = [v * scale for v in val]
        self.redraw()

    def set_marks(self, marks: list[float]) -> None:
        """Vertical lines at these epoch positions (see ``change_position``)."""
        marks = sorted(set(float(x) for x in marks))
        if marks != self.marks:
            self.marks = marks
            self.redraw()

    def redraw(self) -> None:
        plt = self.plt
        train_colour, val_colour = SERIES_COLOURS[self.app.current_theme.dark]
        train_marker, val_marker = SERIES_MARKERS[not self.app.no_color]
        start_epoch_axes(plt, self.chart_title, self.ylabel, self.epochs[-1] if self.epochs else 1)
        if self.epochs:
            draw_marks(plt, [x for x in self.marks if x <= self.epochs[-1]], self.app.current_theme.dark)
            xs, ys = thin(self.epochs, self.train)
            plt.plot(xs, ys, marker=train_marker, color=train_colour, label="train")
            finite = [(x, y) for x, y in zip(self.epochs, self.val) if math.isfinite(y)]
            if finite:
                vx, vy = thin([x for x, _ in finite], [y for _, y in finite])
                plt.plot(vx, vy, marker=val_marker, color=val_colour, label="validation")
            low, high = self._y_range()
            # Leave the legend rows above the data, so it never hides the first epochs;
            # the y ticks stay within the data's range.
            canvas = max(self.size.height - FRAME_ROWS, LEGEND_ROWS + 2)
            top = high + (high - low) * LEGEND_ROWS / (canvas - LEGEND_ROWS)
            plt.ylim(low, top)
            count = max(2, min(5, (canvas - LEGEND_ROWS) // 2 + 1))
            ticks = [low + (high - low) * i / (count - 1) for i in range(count)]
            plt.yticks(ticks, [self._tick_label(t, high - low) for t in ticks])
        self._generation += 1
        self.refresh()

    def render(self):
        """The chart, built again only when its data, size or theme changed. Textual renders a
        widget again whenever the screen under it is repainted (a dialog closing, a screen
        popped): plotext's build and the parsing of its output cost milliseconds per chart."""
        key = (self._generation, self.size, self.app.theme)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, super().render())
        return self._drawn[1]

    def _tick_label(self, value: float, span: float) -> str:
        digits = 1 if self.percent else max(2, min(4, 1 - math.floor(math.log10(span / 4)) if span > 0 else 2))
        return f"{value:.{digits}f}"

    def _y_range(self) -> tuple[float, float]:
        values = [v for v in self.train + self.val if math.isfinite(v)]
        if not values:
            return 0.0, 1.0
        low, high = min(values), max(values)
        if self.percent:
            high = min(100.0, high + 1.0)
            low = max(0.0, low - 1.0)
        if self.percent:
            return low, high
        pad = (high - low) * 0.05 or max(abs(high) * 0.05, 0.01)
        # A loss is never negative: the axis stops at zero rather than padding below it.
        return max(0.0, low - pad) if low >= 0 else low - pad, high + pad
