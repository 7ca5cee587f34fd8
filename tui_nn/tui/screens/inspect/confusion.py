"""The confusion matrix: counts of (true, predicted) pairs, recall per row, precision per
column, the largest confusions marked. Enter on a cell opens the mistakes list filtered
to that pair (pushed over this screen: escape comes back here)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.markup import escape
from textual.widgets import Static

from ....inspection.data import InspectionData
from ....inspection.mistakes import summary_line, top_confusions
from ...widgets.confusion_grid import ConfusionGrid
from .base import InspectScreen
from .mistakes import MistakesScreen


class ConfusionScreen(InspectScreen):
    """``ConfusionScreen(data, cursor=None, renderer=None)``; ``cursor`` is the (true,
    predicted) cell selected first (default: the last one, else the largest confusion)."""

    SCREEN_KEY = "confusion"
    TAB_LABEL = "Confusion"
    AUTO_FOCUS = "#confusion-grid"
    BINDINGS = [
        Binding("enter", "browse", "Browse cell", id="confusion-browse", show=False,
                tooltip="Open the mistakes list filtered to the selected (true, predicted) pair"),
    ]
    WIDGET_KEYS = (
        ("arrows, h/j/k/l", "move between cells"),
        ("enter, click", "browse the images of the selected cell"),
    )

    def __init__(self, data: InspectionData, *, cursor: tuple[int, int] | None = None,
                 renderer: str | None = None) -> None:
        super().__init__(data, renderer=renderer)
        self.cm = data.outcomes.confusion()
        self.start = cursor or self.memory().get("cursor")

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        outcomes = self.data.outcomes
        yield Static(f"[b]{summary_line(outcomes.n_wrong, len(outcomes))}[/]\n"
                     "[dim]arrows move between cells; enter lists the images of the cell[/]",
                     id="confusion-summary", classes="inspect-summary")
        with Vertical(id="confusion-body", classes="inspect-body"):
            with Vertical(id="confusion-box", classes="inspect-panel"):
                yield ConfusionGrid(self.cm, self.data.class_names, cursor=self.start, id="confusion-grid")
            yield Static("", id="confusion-info")
        yield from self.compose_bottom()

    def on_mount(self) -> None:
        super().on_mount()
        box = self.query_one("#confusion-box")
        box.border_title = "Confusion matrix"
        box.border_subtitle = "enter: browse"
        grid = self.query_one(ConfusionGrid)
        self._describe(*grid.cursor)

    @on(ConfusionGrid.CursorMoved)
    def _cursor_moved(self, message: ConfusionGrid.CursorMoved) -> None:
        self._describe(message.true, message.predicted)

    def _describe(self, true: int, predicted: int) -> None:
        self.memory()["cursor"] = (true, predicted)
        names = self.data.class_names
        count = int(self.cm[true, predicted])
        kind = "right" if true == predicted else "wrong"
        lines = [f"[b]true {escape(names[true])}, predicted {escape(names[predicted])}[/]: "
                 f"{count:,} image{'s' if count != 1 else ''} ({kind}); enter lists them"]
        worst = top_confusions(self.cm, 5)
        if worst:
            lines.append("most confused: " + ", ".join(
                f"{escape(names[t])}->{escape(names[p])} ({n})" for t, p, n in worst))
        self.query_one("#confusion-info", Static).update("\n".join(lines))

    @on(ConfusionGrid.CellChosen)
    def _cell_chosen(self, message: ConfusionGrid.CellChosen) -> None:
        self.open_cell(message.true, message.predicted)

    def action_browse(self) -> None:
        self.open_cell(*self.query_one(ConfusionGrid).cursor)

    def open_cell(self, true: int, predicted: int) -> None:
        """Push the mistakes list filtered to this pair over the matrix."""
        self.memory()["cursor"] = (true, predicted)
        self.data.view.setdefault("mistakes", {})["image"] = None
        self.app.push_screen(MistakesScreen(self.data, true=true, predicted=predicted,
                                            renderer=self.data.view.get("renderer")))
