"""A sweep, live: the trials table (state, parameters, epoch, current and best metric; the
best marked), and one chart at a time: the trials' curves overlaid, the best so far over
trials, or one parameter against the metric.

The sweep runs in the app's thread worker and its trials in other processes; this screen
only receives the sweep's events (``SweepMessage``) and shows them. Handlers record; a
timer redraws at most four times a second.
"""

from __future__ import annotations

import math

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static
from textual_plotext import PlotextPlot

from ....sweeps import SweepSpec
from ...messages import SweepMessage
from ...styles import css_path
from ...widgets.charts import epoch_ticks
from ...widgets.footer import Footer
from ...widgets.run_charts import run_colour, run_marker
from .trials_model import RUNNING, TrialsModel, format_param
from ..dashboard_screen import DashboardScreen

REDRAW_INTERVAL = 0.25
VIEWS = ("curves", "best", "params")
VIEW_TITLES = {"curves": "trials' {metric} per epoch", "best": "best {metric} so far, by trials ended",
               "params": "{param} against {metric}"}
METRIC_LABEL = {"val_acc": "val acc", "val_loss": "val loss"}
STATE_MARK = {"complete": "done", "pruned": "pruned", "failed": "failed", RUNNING: "running"}


class SweepScreen(DashboardScreen, Screen):
    """Shows one sweep; the app owns it and its worker."""

    CSS_PATH = css_path("sweep.tcss")
    BINDINGS = [
        Binding("p", "pause", "Pause", id="sweep-pause", tooltip="Start no new trials; running ones go on"),
        Binding("p", "resume", "Resume", id="sweep-resume", tooltip="Start new trials again"),
        Binding("s", "stop", "Stop", id="sweep-stop",
                tooltip="Stop every running trial within a batch; --resume NAME continues the sweep"),
        Binding("v", "next_view", "Chart", id="sweep-view",
                tooltip="Switch the chart: curves, best so far, parameter against metric"),
        Binding("right_square_bracket", "next_param", "Param", id="sweep-param",
                tooltip="The next searched parameter on the parameter chart"),
        Binding("S", "sort", "Sort", id="sweep-sort", tooltip="Sort the trials by number, metric or state"),
        Binding("o", "open", "Charts", id="sweep-open", tooltip="The selected trial's run: its loss and accuracy charts"),
        Binding("i", "inspect", "Inspect", id="sweep-inspect",
                tooltip="Inspect the selected trial's run (mistakes, confusion, weights)"),
        Binding("u", "use", "Use", id="sweep-use",
                tooltip="Fill the setup form with the selected trial's settings"),
        Binding("b", "back", "Back", id="sweep-back", tooltip="Back; the sweep goes on in the background"),
        Binding("escape", "back", "Back", id="sweep-back-escape", show=False),
    ]

    def __init__(self, spec: SweepSpec, *, history: list[dict] | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.model = TrialsModel(spec.metric, spec.space.names, {p.name for p in spec.space.params if p.log},
                                 {p.name for p in spec.space.params if p.kind == "choice"})
        self.model.load(history or [])
        self.view = "curves"
        self.param = spec.space.names[0] if spec.space.names else ""
        self.state = "running"          # running | paused | stopping | finished | stopped | failed
        self.problem = ""
        self._dirty = True
        self._table_keys: list[str] = []    # the trials shown, in the table's order
        self._had_selection = False

    # ------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="sweep-title", markup=False)
        with Vertical(id="sweep-body"):
            table = DataTable(id="trials", cursor_type="row", zebra_stripes=True)
            yield table
            yield PlotextPlot(id="sweep-chart")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#trials", DataTable)
        table.add_column(" #", key="trial")
        table.add_column("state", key="state")
        table.add_column("ep", key="epoch")
        table.add_column(METRIC_LABEL[self.spec.metric], key="value")
        for name in self.spec.space.names:
            table.add_column(name.replace("_", " "), key=f"param-{name}")
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._mark_dirty())
        self.set_interval(REDRAW_INTERVAL, self._redraw_if_needed)
        self._redraw()

    def _mark_dirty(self) -> None:
        self._dirty = True

    # ------------------------------------------------------------ events
    @on(DataTable.RowSelected, "#trials")
    def _row_chosen(self) -> None:
        self.action_open()   # Enter on a trial: its charts

    @on(DataTable.RowHighlighted, "#trials")
    def _row_highlighted(self) -> None:
        has = self.selected_trial() is not None
        if has != self._had_selection:     # the footer's trial keys come and go with a row
            self._had_selection = has
            self.refresh_bindings()

    @on(SweepMessage)
    def _sweep_event(self, message: SweepMessage) -> None:
        self.model.feed(message.event)
        if self.model.ended is not None:
            self.state = self.model.ended.state
            self.refresh_bindings()
        self._dirty = True

    def sweep_failed(self, error: str) -> None:
        """The sweep's worker ended with an error (its folder keeps what was done)."""
        self.state, self.problem = "failed", error
        self.refresh_bindings()
        self._dirty = True

    def _redraw_if_needed(self) -> None:
        if self._dirty:
            self._redraw()

    def _redraw(self) -> None:
        self._dirty = False
        self._update_title()
        self._update_table()
        self._draw_chart()

    # ------------------------------------------------------------ title
    def _update_title(self) -> None:
        counts = self.model.counts()
        ended = sum(n for state, n in counts.items() if state != RUNNING)
        best = self.model.best
        best_text = "best --" if best is None else f"best {self.model.shown_metric(best.value)} (#{best.trial})"
        running = counts.get(RUNNING, 0)
        state = self.state
        if state == "running" and self.app_sweep_paused():
            state = "paused: no new trials"
        parts = [self.spec.name, f"{ended}/{self.spec.trials} ended", f"{running} running", best_text, state]
        if self.problem:
            parts.append(self.problem)
        self.query_one("#sweep-title", Static).update(" · ".join(parts))

    def app_sweep_paused(self) -> bool:
        sweep = getattr(self.app, "sweep", None)
        return sweep is not None and sweep.paused

    # ------------------------------------------------------------ table
    def _update_table(self) -> None:
        """Rows in the model's order; cells updated in place while the order holds (a
        rebuild moves the cursor and redraws the footer), rebuilt when it changes."""
        table = self.query_one("#trials", DataTable)
        best = self.model.best
        rows = []
        for row in self.model.sorted_rows():
            mark = "*" if best is not None and row.trial == best.trial else " "
            epoch = f"{row.epoch}/{row.epochs}" if row.state == RUNNING and row.epochs else str(row.epoch)
            value = row.value if row.state != RUNNING else (row.current if row.current is not None else row.value)
            cells = [f"{mark}{row.trial}", STATE_MARK.get(row.state, row.state), epoch, self.model.shown_metric(value)]
            cells += [format_param(row.params.get(name, "")) for name in self.spec.space.names]
            rows.append((str(row.trial), cells))
        keys = [key for key, _ in rows]
        if keys == self._table_keys:
            columns = [column.key for column in table.columns.values()]
            for key, cells in rows:
                for column, cell in zip(columns, cells):
                    if table.get_cell(key, column) != cell:
                        table.update_cell(key, column, cell, update_width=True)
            return
        selected = self.selected_trial()
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        self._table_keys = keys
        if selected is not None and str(selected) in keys:
            table.move_cursor(row=keys.index(str(selected)), animate=False)

    def selected_trial(self) -> int | None:
        table = self.query_one("#trials", DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key
        except Exception:   # no row under the cursor
            return None
        return int(key.value) if key is not None and key.value is not None else None

    # ------------------------------------------------------------ chart
    def _draw_chart(self) -> None:
        chart = self.query_one("#sweep-chart", PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        metric = METRIC_LABEL[self.spec.metric]
        percent = self.spec.metric == "val_acc"
        scale = 100.0 if percent else 1.0
        dark = self.app.current_theme.dark
        plt.title(VIEW_TITLES[self.view].format(metric=metric, param=self.param.replace("_", " ")))
        plt.ylabel(metric + (" %" if percent else ""))
        if self.view == "curves":
            plt.xlabel("epoch")
            last = 1
            for index, row in enumerate(self.model.running_curves()):
                points = [(e + 1, v * scale) for e, v in enumerate(row.curve) if math.isfinite(v)]
                if not points:
                    continue
                last = max(last, points[-1][0])
                plt.plot([x for x, _ in points], [y for _, y in points], marker=run_marker(index),
                         color=run_colour(index, dark), label=f"#{row.trial}")
            plt.xlim(1, max(2, last))
            plt.xticks(epoch_ticks(max(2, last)))
        elif self.view == "best":
            plt.xlabel("trials ended")
            xs, ys = self.model.best_so_far()
            if xs:
                plt.plot(xs, [y * scale for y in ys], marker="o", color=run_colour(0, dark))
                plt.xlim(1, max(2, xs[-1]))
                plt.xticks(epoch_ticks(max(2, xs[-1])))
        else:
            xs, ys, log = self.model.param_points(self.param)
            plt.xlabel(f"log10 {self.param}" if log else self.param)
            if xs:
                plt.scatter(xs, [y * scale for y in ys], marker="o", color=run_colour(1, dark))
                seen = self.model.choices_seen(self.param)
                if seen and not log:
                    plt.xticks(list(range(1, len(seen) + 1)), seen)
        chart.refresh()

    # ------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        live = self.state == "running"
        paused = self.app_sweep_paused()
        if action == "pause":
            return live and not paused
        if action == "resume":
            return live and paused
        if action == "stop":
            return live
        if action == "next_param":
            return self.view == "params" and len(self.spec.space.names) > 1
        if action in ("open", "inspect", "use"):
            return self.selected_trial() is not None or None
        return True

    def action_pause(self) -> None:
        self.app.pause_sweep()
        self.refresh_bindings()
        self._dirty = True

    def action_resume(self) -> None:
        self.app.resume_sweep()
        self.refresh_bindings()
        self._dirty = True

    def action_stop(self) -> None:
        if self.app.stop_sweep():
            self.state = "stopping"
            self.refresh_bindings()
            self._dirty = True

    def action_next_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self.refresh_bindings()
        self._draw_chart()

    def action_next_param(self) -> None:
        names = self.spec.space.names
        self.param = names[(names.index(self.param) + 1) % len(names)]
        self._draw_chart()

    def action_sort(self) -> None:
        sort = self.model.next_sort()
        self.notify(f"Trials sorted by {sort}", timeout=2)
        self._update_table()

    def _selected_run(self):
        number = self.selected_trial()
        row = self.model.rows.get(number) if number is not None else None
        if row is None or not row.run_id:
            self.notify("That trial has no run yet.", severity="warning")
            return None
        return row

    def action_open(self) -> None:
        row = self._selected_run()
        if row is not None:
            self.app.open_sweep_trial(row.run_id, "charts")

    def action_inspect(self) -> None:
        row = self._selected_run()
        if row is not None:
            self.app.open_sweep_trial(row.run_id, "inspect")

    def action_use(self) -> None:
        row = self._selected_run()
        if row is not None:
            self.app.open_sweep_trial(row.run_id, "use")

    def action_back(self) -> None:
        self.dismiss()
