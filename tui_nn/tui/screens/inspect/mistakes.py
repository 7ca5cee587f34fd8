"""The misclassification browser: the list of test images the model got wrong (or right),
the selected image drawn in the terminal, and the probability of every class.

The list, its order and its filters come from ``tui_nn.inspection.mistakes``; this screen
only keeps the choices and shows the result. When a filter or the order changes, the
selected image stays selected if it is still in the list, else the cursor keeps its row.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import DataTable, Static

from ....format import percent
from ....inspection.data import InspectionData
from ....inspection.mistakes import ORDERS, SHOW_MODES, filter_indices, order_indices, summary_line
from ....inspection.renderers import RENDERER_NAMES
from ...widgets.digit_grid import DigitGrid
from ...widgets.inspect_parts import ImageTable, ProbabilityBars, class_label
from ...widgets.static_text import show_text
from .base import InspectScreen

NAME_WIDTH = {False: 7, True: 11}   # class names in the list, narrow / wide layout
SHOW_WORDS = {"wrong": "wrong", "correct": "right", "all": "right and wrong"}


def _cycle(options: list, current, step: int):
    return options[(options.index(current) + step) % len(options)]


class MistakesScreen(InspectScreen):
    """``MistakesScreen(data, show="wrong", true=None, predicted=None, renderer=None)``.

    ``show``: wrong, correct or all; ``true`` / ``predicted``: class filters (both set:
    one (true, predicted) pair); ``renderer``: ascii, ascii-half or blocks (default: the
    best that fits the terminal). Unset arguments come from the last visit."""

    SCREEN_KEY = "mistakes"
    TAB_LABEL = "Mistakes"
    AUTO_FOCUS = "#mistakes-table"
    BINDINGS = [
        Binding("r", "cycle_renderer", "Render", id="mistakes-render",
                tooltip="Cycle the image renderer: ASCII, half-height ASCII, half blocks"),
        Binding("s", "cycle_order", "Sort", id="mistakes-sort",
                tooltip="Cycle the order: most confident, least confident, index, true class"),
        Binding("a", "cycle_show", "Wrong/right", id="mistakes-show", show=False,
                tooltip="Show the misclassified, the correctly classified, or all images"),
        Binding("f", "filter_pair", "Pair", id="mistakes-pair", show=False,
                tooltip="Keep only the selected image's (true, predicted) pair; again to undo"),
        Binding("t", "filter_true(1)", "True class", id="mistakes-true-next", show=False,
                tooltip="Filter by the next true class"),
        Binding("T", "filter_true(-1)", "True class", id="mistakes-true-prev", show=False,
                tooltip="Filter by the previous true class"),
        Binding("p", "filter_predicted(1)", "Predicted", id="mistakes-predicted-next", show=False,
                tooltip="Filter by the next predicted class"),
        Binding("P", "filter_predicted(-1)", "Predicted", id="mistakes-predicted-prev", show=False,
                tooltip="Filter by the previous predicted class"),
        Binding("x", "clear_filters", "Clear filters", id="mistakes-clear-filters", show=False,
                tooltip="Remove every class filter"),
    ]
    WIDGET_KEYS = (
        ("up, down, j, k", "move in the list"),
        ("pgup, pgdn", "a page up / down"),
        ("home, end", "first / last image"),
    )

    def __init__(self, data: InspectionData, *, show: str | None = None, true: int | None = None,
                 predicted: int | None = None, renderer: str | None = None) -> None:
        super().__init__(data, renderer=renderer)
        memory = self.memory()
        if true is not None or predicted is not None:
            memory.update(true=true, predicted=predicted)
            if show is None:
                show = "correct" if true is not None and true == predicted else "wrong"
        self.show = show or memory.get("show", "wrong")
        if self.show not in SHOW_MODES:
            raise ValueError(f"show must be one of {', '.join(SHOW_MODES)}, got {self.show!r}")
        self.order = memory.get("order", "confident")
        self.true: int | None = memory.get("true")
        self.predicted: int | None = memory.get("predicted")
        self.rows = np.zeros(0, np.intp)          # image indices, in list order
        self.selected: int | None = memory.get("image")
        self._name_width = NAME_WIDTH[False]
        self._built = False

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        yield Static("", id="mistakes-summary", classes="inspect-summary")
        with Horizontal(id="mistakes-body", classes="inspect-body"):
            yield ImageTable(id="mistakes-table", classes="inspect-panel", cursor_type="row",
                             zebra_stripes=True)
            with Vertical(id="mistakes-image-box", classes="inspect-panel image-box"):
                yield DigitGrid("image", self.renderer, placeholder="nothing to show", id="mistakes-image")
            with Vertical(id="mistakes-detail", classes="inspect-panel"):
                yield Static("", id="mistakes-caption")
                yield ProbabilityBars(id="mistakes-bars")
        yield from self.compose_bottom()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#mistakes-table").border_title = "Images"
        self.query_one("#mistakes-detail").border_title = "Prediction"
        self.rebuild()

    def _apply_size(self, width: int, height: int) -> None:
        super()._apply_size(width, height)
        name_width = NAME_WIDTH[width >= 110]
        if name_width != self._name_width:
            self._name_width = name_width
            if self._built:
                self.rebuild()

    def renderer_changed(self) -> None:
        grid = self.query_one("#mistakes-image", DigitGrid)
        grid.mode = self.renderer
        self._update_image_title()

    def _update_image_title(self) -> None:
        box = self.query_one("#mistakes-image-box")
        subtitle = f"r: {RENDERER_NAMES[self.renderer]}"
        if box.border_title != "Image" or box.border_subtitle != subtitle:
            box.border_title, box.border_subtitle = "Image", subtitle

    # ------------------------------------------------------------------- list
    def current_rows(self) -> np.ndarray:
        outcomes = self.data.outcomes
        rows = filter_indices(outcomes, self.show, self.true, self.predicted)
        return order_indices(outcomes, rows, self.order)

    def rebuild(self) -> None:
        """Fill the list for the current filters and order; keep the selected image if it
        is still listed, else the cursor's row."""
        table = self.query_one("#mistakes-table", ImageTable)
        old_row = table.cursor_row if self._built else 0
        keep = self.selected
        self.rows = self.current_rows()
        outcomes, names = self.data.outcomes, self.data.class_names
        width = self._name_width
        table.clear(columns=True)
        # Narrow: no index column (the Prediction panel names the image), so that class
        # names of 7 characters and the whole confidence fit in the list's 26 columns.
        wide = width == NAME_WIDTH[True] or max(len(n) for n in names) <= 5
        if wide:
            table.add_column("#", key="image")
        table.add_column("true", key="true")
        table.add_column("pred", key="pred")
        table.add_column("conf", key="conf")
        mark_wrong = self.show == "all"
        labels, predicted, confidence = outcomes.labels, outcomes.predicted, outcomes.confidence
        rows = []
        for i in self.rows.tolist():
            pred = class_label(names, int(predicted[i]), width)
            if mark_wrong and predicted[i] != labels[i]:
                pred = Text(pred + "!", style="bold")
            row = (class_label(names, int(labels[i]), width), pred, f"{confidence[i]:.2f}")
            rows.append((str(i), *row) if wide else row)
        table.add_rows(rows)
        self._built = True
        if len(self.rows):
            where = np.flatnonzero(self.rows == keep) if keep is not None else []
            row = int(where[0]) if len(where) else min(old_row, len(self.rows) - 1)
            table.move_cursor(row=row, animate=False, scroll=True)
            self._select(int(self.rows[row]))
        else:
            self._select(None)
        self._update_summary()

    def _update_summary(self) -> None:
        outcomes = self.data.outcomes
        names = self.data.class_names
        head = f"[b]{summary_line(outcomes.n_wrong, len(outcomes))}[/]"
        listing = f"listing {len(self.rows):,} {SHOW_WORDS[self.show]}, {ORDERS[self.order]}"
        filters = []
        if self.true is not None:
            filters.append(f"true {escape(names[self.true])}")
        if self.predicted is not None:
            filters.append(f"predicted {escape(names[self.predicted])}")
        if filters:
            second = "[b $text-warning]filter: " + ", ".join(filters) + "[/]  [dim](x clears)[/]"
        else:
            second = "[dim]t/T true class, p/P predicted, f this pair, a wrong/right/all[/]"
        # the summary is two lines high whatever it says: no layout pass
        show_text(self.query_one("#mistakes-summary", Static), f"{head}  {listing}\n{second}", layout=False)
        self.query_one("#mistakes-table").border_subtitle = f"{len(self.rows):,}"

    def _select(self, index: int | None) -> None:
        self.selected = index
        self.memory().update(show=self.show, order=self.order, true=self.true,
                             predicted=self.predicted, image=index)
        grid = self.query_one("#mistakes-image", DigitGrid)
        caption = self.query_one("#mistakes-caption", Static)
        bars = self.query_one("#mistakes-bars", ProbabilityBars)
        self._update_image_title()
        if index is None:
            grid.show(None)
            show_text(caption, "[dim]No image matches these filters.[/]", layout=False)
            bars.show(None, self.data.class_names)
            return
        outcomes, names = self.data.outcomes, self.data.class_names
        true, pred = int(outcomes.labels[index]), int(outcomes.predicted[index])
        grid.placeholder = "no images saved" if self.data.images is None else "nothing to show"
        grid.show(self.data.image(index))
        verdict = "[b $text-success]right[/]" if true == pred else "[b $text-error]wrong[/]"
        show_text(caption, f"image [b]{index}[/]  {verdict}\n"
                           f"[b]true[/] {escape(names[true])}\n"
                           f"[b]pred[/] {escape(names[pred])} {percent(outcomes.confidence[index])}",
                  layout=False)
        bars.show(outcomes.proba[index], names, true=true, predicted=pred)

    @on(DataTable.RowHighlighted, "#mistakes-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = event.cursor_row
        if 0 <= row < len(self.rows):
            self._select(int(self.rows[row]))

    def sync_with_memory(self) -> None:
        # A list opened on a confusion cell (another MistakesScreen) left its filters here.
        memory = self.memory()
        wanted = {"show": memory.get("show", self.show), "order": memory.get("order", self.order),
                  "true": memory.get("true"), "predicted": memory.get("predicted")}
        if any(getattr(self, key) != value for key, value in wanted.items()):
            self.selected = memory.get("image")
            self._set(**wanted)

    # ---------------------------------------------------------------- actions
    def _set(self, **changes) -> None:
        for key, value in changes.items():
            setattr(self, key, value)
        self.rebuild()

    def action_cycle_order(self) -> None:
        self._set(order=_cycle(list(ORDERS), self.order, 1))

    def action_cycle_show(self) -> None:
        self._set(show=_cycle(list(SHOW_MODES), self.show, 1))

    def action_filter_true(self, step: int) -> None:
        options = [None, *range(self.data.n_classes)]
        self._set(true=_cycle(options, self.true, step))

    def action_filter_predicted(self, step: int) -> None:
        options = [None, *range(self.data.n_classes)]
        self._set(predicted=_cycle(options, self.predicted, step))

    def action_filter_pair(self) -> None:
        if self.selected is None:
            return
        outcomes = self.data.outcomes
        pair = (int(outcomes.labels[self.selected]), int(outcomes.predicted[self.selected]))
        if (self.true, self.predicted) == pair:
            self._set(true=None, predicted=None)
        else:
            self._set(true=pair[0], predicted=pair[1])

    def action_clear_filters(self) -> None:
        self._set(true=None, predicted=None)
