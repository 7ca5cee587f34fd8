"""Looking at recorded runs: one run's curves (``RunChartsScreen``) and several runs side
by side (``CompareScreen``): their validation loss and accuracy overlaid, a legend, and
their configurations in one table with the settings that differ marked ``*`` and
highlighted. Both read the run folders through ``RunStore`` when mounted (a few small
files per run) and can be pushed over any screen; escape goes back.
"""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from ....format import percent
from ....runs.store import RunInfo, RunRecord, RunStore, RunStoreError
from ....training.config import TrainConfig
from ....training.fields import format_setting
from ...styles import css_path
from ...widgets.charts import MetricChart, change_position
from ...widgets.footer import Footer
from ...widgets.run_charts import OverlayChart, RunLegend, Series, rgb_hex, run_colour, run_label
from ...widgets.too_small import TooSmall
from ..dashboard_screen import DashboardScreen
from ..in_view import is_in_view
from ..kept import kept_or_new

if TYPE_CHECKING:   # pandas costs 0.2-0.5 s to import; the help lists this screen long before it opens
    import pandas as pd

DIFF_MARK = "*"
SETTINGS = [f.name for f in fields(TrainConfig)]


def _empty_history() -> pd.DataFrame:
    import pandas as pd
    return pd.DataFrame()


@dataclass
class LoadedRun:
    """What the comparison needs of one run; ``problems`` says what could not be read."""

    path: Path
    info: RunInfo
    config: TrainConfig | None = None
    history: pd.DataFrame = field(default_factory=_empty_history)
    problems: list[str] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)   # settings changed while it trained
    batches: int | None = None                          # per epoch, to place a change in its epoch

    @property
    def marks(self) -> list[float]:
        """Epoch positions of its branch point and of each change made while it trained."""
        branch = [float(self.info.branch_epoch)] if self.info.branch_of else []
        return branch + [change_position(c, self.batches) for c in self.changes]

    def marks_text(self) -> str:
        """In words: where it branched, what was changed when."""
        parts = [f"branched from {self.info.branch_of} at epoch {self.info.branch_epoch}"] if self.info.branch_of else []
        for c in self.changes[:3]:
            parts.append(f"{c['setting']} {c.get('old')}→{c['new']} in epoch {c['epoch']}")
        if len(self.changes) > 3:
            parts.append(f"{len(self.changes) - 3} more changes")
        return " · ".join(parts)

    @property
    def name(self) -> str:
        return self.info.name or self.info.run_id


FOLLOW_EVERY = 2.0   # seconds between re-reads of a live run's folder
KEPT_CHARTS = 4      # one run's charts screens kept, the most recently opened
_kept_charts: WeakKeyDictionary[App, OrderedDict[str, None]] = WeakKeyDictionary()


def folder_state(path: Path) -> tuple:
    """What changes when anything in a run's folder is written (every write replaces a file)."""
    try:
        return tuple(sorted((entry.name, entry.stat().st_mtime_ns, entry.stat().st_size)
                            for entry in os.scandir(path) if entry.is_file()))
    except OSError:
        return ()


def show_run_charts(app: App, store: RunStore, path: Path) -> None:
    """Push the charts of the run at ``path``. The screen is kept (installed) for the last
    ``KEPT_CHARTS`` runs opened: building it again (its charts, the run read from disk) was
    most of each opening; shown again, it reads the run again only if its folder changed."""
    name = f"run-charts-{Path(path).resolve()}"
    screen = kept_or_new(app, name, lambda: RunChartsScreen(store, path))
    recent = _kept_charts.setdefault(app, OrderedDict())
    recent.pop(name, None)
    recent[name] = None
    while len(recent) > KEPT_CHARTS:
        oldest = next(iter(recent))
        if app.get_screen(oldest) in app.screen_stack:
            break
        del recent[oldest]
        app.uninstall_screen(oldest)
    app.push_screen(screen)


def load_run(store: RunStore, path: Path) -> LoadedRun:
    record = RunRecord(path)
    run = LoadedRun(record.path, record.info())
    try:
        run.config = record.config()
    except RunStoreError as exc:
        run.problems.append(str(exc))
    try:
        run.history = record.history()
    except RunStoreError as exc:
        run.problems.append(str(exc))
    try:
        run.changes = record.changes()
        if run.changes:
            steps = record.steps()
            run.batches = steps.shape[1] if steps.size else None
    except RunStoreError as exc:
        run.problems.append(str(exc))
    return run


def _column(history: pd.DataFrame, name: str) -> list[float]:
    import pandas as pd

    if name not in history:
        return []
    return [float(v) if pd.notna(v) else math.nan for v in history[name]]


def curve(run: LoadedRun, metric: str) -> tuple[Series, bool]:
    """The run's validation ``metric`` (loss or acc) per epoch; the training one when the
    run kept no validation set. Returns (series, is_validation)."""
    history = run.history
    epochs = [int(e) for e in history["epoch"]] if "epoch" in history else []
    val = _column(history, f"val_{metric}")
    if any(math.isfinite(v) for v in val):
        return Series(run.name, epochs, val, run.marks), True
    return Series(run.name, epochs, _column(history, f"train_{metric}"), run.marks), False


def setting_text(config: TrainConfig | None, name: str) -> str:
    """The setting ``name`` of ``config`` as it is typed in the form or on the command
    line (the field registry's formatter), or '?' for an unreadable configuration."""
    return "?" if config is None else format_setting(config, name)


def config_rows(runs: list[LoadedRun]) -> list[tuple[str, list[str], bool]]:
    """(setting, one value per run, differs?) for every TrainConfig field; a run whose
    configuration is unreadable shows '?' and does not count in 'differs'. The settings
    keep their TrainConfig names (those of config.json and the runs export)."""
    rows = []
    for name in SETTINGS:
        values = [setting_text(r.config, name) for r in runs]
        known = {v for v, r in zip(values, runs) if r.config is not None}
        rows.append((name, values, len(known) > 1))
    return rows


def differing_first(rows: list[tuple[str, list[str], bool]]) -> list[tuple[str, list[str], bool]]:
    """The settings that differ first (where a small window shows them), each group in
    the configuration's order."""
    return [r for r in rows if r[2]] + [r for r in rows if not r[2]]


class CompareScreen(DashboardScreen, Screen):
    """``CompareScreen(store, paths)``: two or more runs overlaid and side by side."""

    CSS_PATH = css_path("runs.tcss")
    AUTO_FOCUS = "#compare-config"
    BINDINGS = [
        Binding("escape", "back", "Back", id="compare-back", tooltip="Back to the runs list"),
        Binding("d", "toggle_differences", "Only differences", id="compare-diff",
                tooltip="Show only the settings that differ, or every setting"),
        Binding("z", "toggle_zoom", "Charts/table", id="compare-zoom",
                tooltip="Give the whole screen to the charts, to the table, or share it"),
    ]
    LAYOUTS = ("both", "charts", "table")

    def __init__(self, store: RunStore, paths: list[Path]) -> None:
        super().__init__()
        if len(paths) < 1:
            raise ValueError("CompareScreen needs at least one run")
        self.store = store
        self.paths = [Path(p) for p in paths]
        self.runs: list[LoadedRun] = []
        self.only_differences = False
        self.layout_mode = "both"

    def compose(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
        with Horizontal(id="compare-charts"):
            yield OverlayChart("Validation loss", "loss", id="compare-loss")
            yield OverlayChart("Validation accuracy", "%", percent=True, id="compare-acc")
        yield RunLegend(id="compare-legend")
        yield DataTable(id="compare-config", cursor_type="row", zebra_stripes=True, fixed_columns=1)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"compare {len(self.paths)} runs"
        self.runs = [load_run(self.store, p) for p in self.paths]
        loss = [curve(r, "loss") for r in self.runs]
        acc = [curve(r, "acc") for r in self.runs]
        self.query_one("#compare-loss", OverlayChart).set_series([s for s, _ in loss])
        self.query_one("#compare-acc", OverlayChart).set_series([s for s, _ in acc])
        if not all(val for _, val in loss):
            self.query_one("#compare-loss", OverlayChart).chart_title = "Validation loss (train where none)"
            self.query_one("#compare-acc", OverlayChart).chart_title = "Validation accuracy (train where none)"
        entries = []
        for run, (_, has_val) in zip(self.runs, loss):
            info = run.info
            detail = (f"best val {percent(info.best_val_acc)} \u00b7 test {percent(info.test_acc)} \u00b7 "
                      f"{info.epochs} ep \u00b7 {info.status}")
            if not has_val and len(run.history):
                detail += " \u00b7 no validation set: training curve"
            if run.marks:
                detail += " \u00b7 " + run.marks_text()
            if run.problems:
                detail += " \u00b7 " + "; ".join(run.problems)
            entries.append((run.name, detail))
        self.query_one("#compare-legend", RunLegend).set_entries(entries)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.fill_table())
        self.fill_table()

    def on_resize(self, event: Resize) -> None:
        if self.runs:
            self.fill_table()

    def fill_table(self) -> None:
        table = self.query_one("#compare-config", DataTable)
        variables = self.app.get_css_variables()
        accent = variables.get("text-accent", "")
        dark = self.app.current_theme.dark
        rows = config_rows(self.runs)
        differing = sum(1 for *_x, d in rows if d)
        label_width = max(len(name) for name in SETTINGS) + 2
        room = max(self.app.size.width - label_width - 6, 10 * len(self.runs))
        width = max(10, min(24, room // max(len(self.runs), 1) - 2))
        cursor = table.cursor_row
        table.clear(columns=True)
        table.add_column(Text("setting"), key="setting", width=label_width)
        for index, run in enumerate(self.runs):
            header = run_label(index, run.name, width)
            header.stylize(f"bold {rgb_hex(run_colour(index, dark))}")
            table.add_column(header, key=f"run{index}", width=width)
        for name, values, differs in differing_first(rows):
            if self.only_differences and not differs:
                continue
            style = f"bold {accent}" if differs else ""
            label = Text(f"{DIFF_MARK if differs else ' '} {name}", style=style, no_wrap=True)
            cells = [Text(v, style=style, no_wrap=True, overflow="ellipsis") for v in values]
            table.add_row(label, *cells, key=name)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1), animate=False)
        where = "only the differing settings" if self.only_differences else "every setting"
        table.border_title = "Configuration"
        table.border_subtitle = (f"{DIFF_MARK} {differing} of {len(rows)} differ \u00b7 "
                                 f"d: {'all' if self.only_differences else 'only differences'}")
        table.tooltip = f"Showing {where}; {DIFF_MARK} marks a setting that differs between the runs."

    def differing_settings(self) -> list[str]:
        return [name for name, _values, differs in config_rows(self.runs) if differs]

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_toggle_differences(self) -> None:
        self.only_differences = not self.only_differences
        self.fill_table()

    def action_toggle_zoom(self) -> None:
        self.layout_mode = self.LAYOUTS[(self.LAYOUTS.index(self.layout_mode) + 1) % len(self.LAYOUTS)]
        for mode in self.LAYOUTS:
            self.set_class(self.layout_mode == mode, f"-{mode}")


class RunChartsScreen(DashboardScreen, Screen):
    """``RunChartsScreen(store, path)``: one run's loss and accuracy per epoch, training
    and validation, from its history.csv."""

    CSS_PATH = css_path("runs.tcss")
    BINDINGS = [Binding("escape", "back", "Back", id="run-charts-back", tooltip="Back to the runs list"),
                Binding("h", "learning", "Learning", id="run-charts-learning",
                        tooltip="The loss of every batch and each layer's health")]

    def action_learning(self) -> None:
        from ..learning import LearningScreen
        self.app.push_screen(LearningScreen(self.path))

    def __init__(self, store: RunStore, path: Path) -> None:
        super().__init__()
        self.store = store
        self.path = Path(path)
        self.run: LoadedRun | None = None
        self._shown_state: tuple | None = None   # folder_state of what is shown

    def compose(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
        yield Static("", id="run-charts-summary")
        with Horizontal(id="run-charts"):
            yield MetricChart("Loss", "loss", id="run-charts-loss")
            yield MetricChart("Accuracy", "%", percent=True, id="run-charts-acc")
        yield Footer()

    def on_mount(self) -> None:
        self._show()
        # a run still training (here or by `scratchnet-tui train` in another shell) is
        # followed: its folder is re-read until it ends (no second writer: reading only)
        self.set_interval(FOLLOW_EVERY, self._follow)

    def on_screen_resume(self) -> None:
        # a kept screen shown again: read the run again if anything in its folder changed
        if self.run is not None and folder_state(self.path) != self._shown_state:
            self._show()

    def _follow(self) -> None:
        if self.run is not None and self.run.info.status.live and is_in_view(self):
            self._show()

    def _show(self) -> None:
        self._shown_state = folder_state(self.path)
        run = self.run = load_run(self.store, self.path)
        self.sub_title = f"run {run.name}" + (" (live: following)" if run.info.status.live else "")
        history = run.history
        epochs = [int(e) for e in history["epoch"]] if "epoch" in history else []
        self.query_one("#run-charts-loss", MetricChart).set_data(
            epochs, _column(history, "train_loss"), _column(history, "val_loss"))
        self.query_one("#run-charts-acc", MetricChart).set_data(
            epochs, _column(history, "train_acc"), _column(history, "val_acc"))
        for chart in self.query(MetricChart):
            chart.set_marks(run.marks)
        info = run.info
        head = Text.assemble((run.name, "bold"), f"  {info.run_id}  ", (info.status, "bold"))
        if run.problems or info.problem:
            second = Text("; ".join(dict.fromkeys([*run.problems, info.problem] if info.problem else run.problems)),
                          style="bold")
        elif not epochs:
            second = Text("No epoch was recorded.")
        else:
            second = Text(f"{info.architecture} \u00b7 {info.optimizer} lr {info.lr:g} \u00b7 batch {info.batch} "
                          f"\u00b7 {info.epochs} epochs \u00b7 best val {percent(info.best_val_acc)} \u00b7 "
                          f"test {percent(info.test_acc)}" if isinstance(info.lr, (int, float)) else
                          f"{info.architecture} \u00b7 {info.epochs} epochs")
            if run.marks:
                second = Text(f"{run.marks_text()} (grey lines) \u00b7 ").append_text(second)
        for line in (head, second):
            line.no_wrap = True
            line.overflow = "ellipsis"
        self.query_one("#run-charts-summary", Static).update(Text("\n").join([head, second]))

    def action_back(self) -> None:
        self.app.pop_screen()
