"""The runs screen: every recorded run in a table, sorted, filtered, marked for comparison
and export, renamed, deleted, and handed to the app to inspect, rerun, reuse or resume.

``RunsScreen(store)`` can be pushed over any screen; escape pops it. The list is read in
a thread worker (``RunStore.list`` reads two small JSON files per run: ~120 ms for 1,000),
so the screen draws at once and fills the table when the list arrives (with a loading
indicator if that takes longer than LOADING_DELAY_S). Sorting and filtering work on the loaded list, in memory.

What the screen cannot do itself it posts to the app as ``RunAction(action, path)``:

    "inspect"  open the inspection screens on the run's model and predictions
    "rerun"    train the same configuration again (same seed, so the same result)
    "use"      start a new configuration from this run's (the setup form, filled in)
    "resume"   continue the run for more epochs
    "branch"   a new run from one of its kept epochs, with some settings changed

("charts" is handled here: it pushes ``RunChartsScreen``.) The list is read again when
the screen comes back to the top, so a run started from here shows on return.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.color import Color, ColorParseError
from textual.binding import Binding
from textual.containers import Horizontal
from textual.coordinate import Coordinate
from textual.events import ScreenResume
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Header, Input, Static
from textual.widgets.data_table import CellDoesNotExist
from textual.worker import Worker, WorkerState

from ....runs.store import RunInfo, RunStore, RunStoreError
from ...styles import css_path
from ...widgets.footer import Footer
from ...widgets.run_charts import MAX_RUNS
from ...widgets.static_text import show_text
from ...widgets.too_small import TooSmall
from ..dashboard_screen import DashboardScreen
from .dialogs import ConfirmDeleteScreen, ExportRunsScreen, RenameRunScreen, RunActionsMenu
from .table_model import (COLUMN_KEYS, COLUMNS, HEADERS, STATUS_STYLE, Listing, cannot, cell_texts,
                          count_text, cut,
                          default_descending, display_name, filter_runs, haystack, marked_in_order,
                          next_column, sort_runs, summary_text)

APP_ACTIONS = ("inspect", "rerun", "use", "resume", "branch")
MARK = "\u25cf"          # ● in the mark column of a marked run
FIRST_ROWS = 60          # rows added at once when the table is (re)filled ...
MORE_ROWS = 200          # ... then this many after each pause
CHUNK_PAUSE_S = 0.02
LOADING_DELAY_S = 0.3     # a list that takes longer gets a loading indicator (showing and
                          # hiding it costs two layout passes: not for the usual ~10 ms list)
ARROWS = {False: " \u25b2", True: " \u25bc"}   # ▲ ascending, ▼ descending


class RunAction(Message):
    """Asks the app to do ``action`` with the run at ``path``; posted to the app.

    ``action`` is one of "inspect", "rerun", "use", "resume", "branch" (see the module docstring);
    ``store`` is the store the run was listed from."""

    def __init__(self, action: str, path: Path, store: RunStore | None = None) -> None:
        super().__init__()
        self.action = action
        self.path = Path(path)
        self.store = store

    def __repr__(self) -> str:
        return f"RunAction({self.action!r}, {str(self.path)!r})"


class RunsTable(DataTable):
    """The runs table: Home and End go to the first and last run (DataTable's own scroll
    the view sideways, which a table of rows has no use for)."""

    BINDINGS = [
        Binding("home", "first_run", "First run", show=False, id="runs-first"),
        Binding("end", "last_run", "Last run", show=False, id="runs-last"),
    ]

    def action_first_run(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)
            self.scroll_x = 0

    def action_last_run(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)
            self.scroll_x = 0


class Cell:
    """A table cell that DataTable does not measure (it has no ``__rich_measure__``).

    Every column of the runs table has a fixed width, computed once from all the runs,
    so DataTable's measuring of each new cell (most of the time to fill 1,000 rows) is
    work for nothing; this wrapper skips it and draws its Text as usual."""

    __slots__ = ("text",)

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console, options):
        yield self.text

    def __str__(self) -> str:
        return self.text.plain


class FilterInput(Input):
    """The filter box: escape and enter (and down) go back to the table, keeping the text."""

    BINDINGS = [
        Binding("escape,down", "leave", "Table", show=False, id="runs-filter-leave"),
    ]

    def action_leave(self) -> None:
        self.screen.focus_table()


class RunsScreen(DashboardScreen, Screen):
    """Every run of ``store`` in a sortable, filterable table; see the module docstring.
    What it shows and how it sorts and filters is ``table_model.py``."""

    CSS_PATH = css_path("runs.tcss")
    AUTO_FOCUS = "#runs-table"
    BINDINGS = [
        Binding("escape", "back", "Back", id="runs-back", tooltip="Close the runs list"),
        Binding("enter", "menu", "Actions", id="runs-menu", show=False,
                tooltip="Every action on the highlighted run (also a click on it)"),
        Binding("space", "toggle_mark", "Mark", id="runs-mark",
                tooltip="Mark or unmark the highlighted run, for compare and export"),
        Binding("c", "compare", "Compare", id="runs-compare", tooltip="Compare the marked runs"),
        Binding("v", "charts", "Charts", id="runs-charts", tooltip="Loss and accuracy per epoch of the run"),
        Binding("slash", "focus_filter", "Filter", id="runs-filter",
                tooltip="Type to filter the runs (every word must appear)"),
        Binding("s", "cycle_sort", "Sort", id="runs-sort", tooltip="Sort by the next column"),
        Binding("S", "reverse_sort", "Reverse", id="runs-reverse", show=False,
                tooltip="Reverse the sort order"),
        Binding("e", "export", "Export", id="runs-export",
                tooltip="Export the marked runs (or all listed) to a CSV file"),
        Binding("i", "app_action('inspect')", "Inspect", id="runs-inspect", show=False,
                tooltip="Open the inspection screens on the run's model"),
        Binding("r", "app_action('resume')", "Resume", id="runs-resume", show=False,
                tooltip="Continue the run for more epochs"),
        Binding("b", "app_action('branch')", "Branch", id="runs-branch", show=False,
                tooltip="A new run from one of its kept epochs, with some settings changed"),
        Binding("a", "app_action('rerun')", "Rerun", id="runs-rerun", show=False,
                tooltip="Train the same configuration again (same seed, same result)"),
        Binding("u", "app_action('use')", "Use config", id="runs-use", show=False,
                tooltip="Start a new configuration from this run's"),
        Binding("n", "rename", "Rename", id="runs-rename", show=False, tooltip="Rename the run"),
        Binding("d,delete", "delete", "Delete", id="runs-delete", show=False,
                tooltip="Delete the run (asks first)"),
        Binding("m", "clear_marks", "Clear marks", id="runs-clear-marks", show=False,
                tooltip="Unmark every run"),
        Binding("f5,ctrl+r", "reload", "Reload", id="runs-reload", show=False,
                tooltip="Read the runs directory again"),
    ]

    def __init__(self, store: RunStore) -> None:
        super().__init__()
        self.store = store
        self.runs: list[RunInfo] = []            # everything listed, in the store's order
        self.shown: list[RunInfo] = []           # after filter and sort, in table order
        self.marked: set[str] = set()            # str(path) of the marked runs
        self.sort_column = "created"
        self.sort_descending = True
        self.query_text = ""
        self.loaded = False
        self.load_error = ""
        self.load_seconds: float | None = None   # how long the last list took (thread)
        self._hay: dict[str, str] = {}
        self._texts: dict[str, list[str]] = {}
        self._by_key: dict[str, RunInfo] = {}
        self._widths: dict[str, int] = {}
        self._list_worker: Worker | None = None
        self._own_modal = False                  # a dialog of ours is closing: no reload
        self._filter_timer = None
        self.filling = False                     # rows are still being added to the table
        self._fill_generation = 0
        self._fill_done = 0
        self._fill_keep: str | None = None
        self._cell_cache: dict[str, list[Cell]] = {}
        self._styles: dict[str, Style] | None = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
        with Horizontal(id="runs-top"):
            yield Static("Filter", id="runs-filter-label")
            yield FilterInput(placeholder="/ to type: name, dataset, optimizer, status\u2026",
                              id="runs-filter-input")
            yield Static("", id="runs-count")
        table = RunsTable(id="runs-table", cursor_type="row", zebra_stripes=True, fixed_columns=2)
        yield table
        yield Static("", id="runs-detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "runs"
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._theme_changed())

    def _theme_changed(self) -> None:
        self._styles = None
        self._cell_cache.clear()
        self._refresh_rows()

    def on_screen_resume(self, event: ScreenResume) -> None:
        if self._own_modal:
            self._own_modal = False
            return
        self.reload()

    # ------------------------------------------------------------------ loading
    def reload(self) -> Worker:
        """Read the runs directory again (in a thread); the table keeps its contents,
        cursor and marks until the new list arrives."""
        if not self.loaded:
            show_text(self.query_one("#runs-count", Static), "reading\u2026")
            self.set_timer(LOADING_DELAY_S, self._show_loading)
        self._list_worker = self._list_runs()
        return self._list_worker

    def _show_loading(self) -> None:
        if not self.loaded:
            self.query_one("#runs-table", DataTable).loading = True

    @work(thread=True, exclusive=True, group="runs-list", exit_on_error=False, description="list runs")
    def _list_runs(self) -> tuple[list[RunInfo], Listing, float]:
        t0 = time.perf_counter()
        runs = self.store.list()
        listing = Listing.of(runs)    # the cell texts too, off the UI thread
        return runs, listing, time.perf_counter() - t0

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._list_worker:
            return
        table = self.query_one("#runs-table", DataTable)
        if event.state == WorkerState.SUCCESS:
            runs, listing, seconds = event.worker.result
            self.load_seconds = seconds
            self.load_error = ""
            self.set_runs(runs, listing)
        elif event.state == WorkerState.ERROR:
            exc = event.worker.error
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.load_error = f"Could not read {self.store.root}: {reason}"
            self.loaded = True
            table.loading = False
            self._update_count()
            self._update_detail()

    def set_runs(self, runs: list[RunInfo], listing: Listing | None = None) -> None:
        """Show ``runs`` (the store's order); keeps the marks and the highlighted run."""
        table = self.query_one("#runs-table", DataTable)
        self.runs = list(runs)
        self._by_key = {str(r.path): r for r in self.runs}
        listing = listing or Listing.of(self.runs)
        self._texts, self._hay = listing.texts, listing.hay
        self.marked &= set(self._by_key)
        self._widths = listing.widths
        self._cell_cache.clear()
        first = not self.loaded or not table.columns
        if first:
            table.clear(columns=True)
            table.add_column(" ", key="mark", width=1)
            for key, header, _text, _value, _right in COLUMNS:
                table.add_column(header, key=key, width=self._widths[key])
        self.loaded = True
        self._refresh_rows()
        table.loading = False
        if first and self.focused is None:
            table.focus()    # it could not take the focus while loading

    # ---------------------------------------------------------------- the rows
    def _refresh_rows(self, keep: str | None = None) -> None:
        """Refill the table for the current filter and sort; the highlighted run stays
        highlighted if it is still listed."""
        if not self.loaded:
            return
        table = self.query_one("#runs-table", DataTable)
        if not table.columns:
            return
        if keep is None:
            keep = self.current_key()
        query = self.query_text
        listed = filter_runs(self.runs, self._hay, query)
        self.shown = sort_runs(listed, self.sort_column, self.sort_descending)
        for key, header, *_ in COLUMNS:
            label = header + (ARROWS[self.sort_descending] if key == self.sort_column else "")
            table.columns[key].label = Text(label, style="bold" if key == self.sort_column else "")
        scroll_x = table.scroll_x
        table.clear()
        table.scroll_x = scroll_x
        self._fill_generation += 1
        self._fill_done = 0
        self._fill_keep = keep
        self.filling = bool(self.shown)
        self._add_rows(self._fill_generation, FIRST_ROWS)
        self._update_count()
        self._update_detail()

    def _add_rows(self, generation: int, count: int) -> None:
        """Add the next ``count`` rows of ``self.shown``; the rest follow after the next
        refresh, so the first screenful shows (and the keys work) at once, however long
        the list. A newer refill (``generation``) cancels an unfinished one."""
        if generation != self._fill_generation or not self.is_mounted:
            return
        table = self.query_one("#runs-table", DataTable)
        start = self._fill_done
        end = min(start + count, len(self.shown))
        for info in self.shown[start:end]:
            table.add_row(*self._row_cells(info), key=str(info.path))
        self._fill_done = end
        keep = self._fill_keep
        if keep:
            row = next((i for i in range(start, end) if str(self.shown[i].path) == keep), None)
            if row is not None:
                table.move_cursor(row=row, animate=False, scroll=True)
                self._fill_keep = None
        if end < len(self.shown):
            # a pause, not call_after_refresh (which can run before anything is drawn):
            # the rows so far are measured and drawn, and keys are handled, in between
            self.set_timer(CHUNK_PAUSE_S, partial(self._add_rows, generation, MORE_ROWS))
        else:
            self.filling = False
            if start == 0 or self._fill_keep:
                self._update_detail()

    def _row_cells(self, info: RunInfo) -> list[Cell]:
        key = str(info.path)
        marked = key in self.marked
        cells = self._cell_cache.get(key)
        if cells is None:
            styles = self._status_styles()
            cells = []
            for ckey, value, (_k, _h, _t, _v, right) in zip(COLUMN_KEYS, self._texts[key], COLUMNS):
                if ckey == "name":
                    continue     # bold while marked: made below, not cached
                if right:    # DataTable does not right-align cells itself
                    value = value.rjust(self._widths[ckey])
                cell = Text(value, no_wrap=True, overflow="ellipsis")
                if ckey == "status":
                    cell.stylize(styles.get(info.status, ""))
                elif ckey == "problem" and info.problem:
                    cell.stylize(styles["damaged"])
                cells.append(Cell(cell))
            self._cell_cache[key] = cells
        at = COLUMN_KEYS.index("name")
        name = Text(self._texts[key][at], no_wrap=True, overflow="ellipsis", style="bold" if marked else "")
        return [Cell(Text(MARK if marked else " ", style="bold")), *cells[:at], Cell(name), *cells[at:]]

    def _status_styles(self) -> dict[str, Style]:
        if self._styles is not None:
            return self._styles
        variables = self.app.get_css_variables()
        styles = {}
        for status, variable in STATUS_STYLE.items():
            # Theme variables are Textual colours ("ansi_green" in the ansi themes), which
            # rich can't parse by name: go through Textual's Color to a rich colour.
            try:
                colour = Color.parse(variables.get(variable, "")).rich_color
            except ColorParseError:
                colour = None
            # errors are bold too, so they stand out without colour
            styles[status] = Style(color=colour, bold=variable == "text-error")
        self._styles = styles
        return styles

    def _update_mark_cell(self, key: str) -> None:
        table = self.query_one("#runs-table", DataTable)
        info = self._by_key.get(key)
        if info is None:
            return
        cells = self._row_cells(info)
        mark, name = cells[0], cells[1 + COLUMN_KEYS.index("name")]
        try:
            table.update_cell(key, "mark", mark)
            table.update_cell(key, "name", name)
        except CellDoesNotExist:     # filtered out, or not added yet: drawn when it is
            pass

    def _update_count(self) -> None:
        count = self.query_one("#runs-count", Static)
        if not self.loaded:
            show_text(count, "reading\u2026")
            return
        # the sort is said here, not in a toast: the sorted column may be scrolled out of
        # view at 80 columns, and a toast costs two layout passes (shown, then gone)
        sort = f"by {HEADERS[self.sort_column]}{ARROWS[self.sort_descending]}"
        show_text(count, f"{count_text(len(self.runs), len(self.shown), len(self.marked))} \u00b7 {sort}")

    def _update_detail(self) -> None:
        detail = self.query_one("#runs-detail", Static)
        # a fixed height and width (runs.tcss): no layout pass for a new detail
        show = partial(show_text, detail, layout=False)
        if self.load_error:
            show(Text(self.load_error, style="bold"))
            return
        if not self.loaded:
            show(f"Reading {self.store.root}\u2026")
            return
        if not self.runs:
            show(Text(f"No runs yet in {self.store.root}.\nEvery run trained from the dashboard "
                               "or the CLI is kept there."))
            return
        if not self.shown:
            show(Text(f"No run matches \u201c{self.query_text.strip()}\u201d. "
                               "Press / to change the filter."))
            return
        info = self.current_run()
        if info is None:
            show("")
            return
        styles = self._status_styles()
        line1 = Text(no_wrap=True, overflow="ellipsis")
        line1.append(info.name or info.run_id, style="bold")
        line1.append(f"  {info.run_id}  ")
        line1.append(info.status, style=styles.get(info.status, ""))
        if info.problem:
            line2 = Text(info.problem, style=styles["damaged"], no_wrap=True, overflow="ellipsis")
        else:
            line2 = Text(summary_text(info), no_wrap=True, overflow="ellipsis")
        show(Text("\n").join([line1, line2]))

    # ------------------------------------------------------------- the cursor
    def current_key(self) -> str | None:
        table = self.query_one("#runs-table", DataTable)
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        except Exception:   # the cursor is outside the rows
            return None

    def current_run(self) -> RunInfo | None:
        key = self.current_key()
        return self._by_key.get(key) if key else None

    def marked_paths(self) -> list[Path]:
        """The marked runs, in table order."""
        return marked_in_order(self.shown, self.marked, self._by_key)

    @on(DataTable.RowHighlighted, "#runs-table")
    def _highlighted(self) -> None:
        self._update_detail()

    @on(DataTable.RowSelected, "#runs-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_menu()

    @on(DataTable.HeaderSelected, "#runs-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        key = event.column_key.value
        if key not in COLUMN_KEYS:
            return
        self.sort_by(key, not self.sort_descending if key == self.sort_column else default_descending(key))

    def sort_by(self, column: str, descending: bool | None = None) -> None:
        if column not in COLUMN_KEYS:
            raise ValueError(f"no column {column!r}; one of {', '.join(COLUMN_KEYS)}")
        self.sort_column = column
        self.sort_descending = default_descending(column) if descending is None else descending
        self._refresh_rows()

    def set_filter(self, text: str) -> None:
        """Keep only the runs whose text holds every word of ``text`` (any column)."""
        self.query_text = text
        field = self.query_one("#runs-filter-input", Input)
        if field.value != text:
            with field.prevent(Input.Changed):
                field.value = text
        self._refresh_rows()

    @on(Input.Changed, "#runs-filter-input")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        # a short pause while typing: with a thousand runs each refill takes a few
        # dozen milliseconds, so filter once the typing stops
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if len(self.runs) > 200:
            self._filter_timer = self.set_timer(0.12, self._refresh_rows)
        else:
            self._refresh_rows()

    @on(Input.Submitted, "#runs-filter-input")
    def _filter_submitted(self) -> None:
        self.focus_table()

    def focus_table(self) -> None:
        self.query_one("#runs-table", DataTable).focus()

    # ---------------------------------------------------------------- actions
    def _needs_run(self) -> RunInfo | None:
        info = self.current_run()
        if info is None:
            self.notify("No run is highlighted.", severity="warning", timeout=3)
        return info

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.reload()

    def action_focus_filter(self) -> None:
        self.query_one("#runs-filter-input", Input).focus()

    def action_cycle_sort(self) -> None:
        column = next_column(self.sort_column)
        self.sort_by(column)

    def action_reverse_sort(self) -> None:
        self.sort_by(self.sort_column, not self.sort_descending)

    def action_toggle_mark(self) -> None:
        info = self.current_run()
        if info is None:
            return
        key = str(info.path)
        self.marked.symmetric_difference_update({key})
        self._update_mark_cell(key)
        self._update_count()
        table = self.query_one("#runs-table", DataTable)
        if table.cursor_row < table.row_count - 1:   # like a file manager: on to the next run
            table.move_cursor(row=table.cursor_row + 1, animate=False)

    def action_clear_marks(self) -> None:
        for key in list(self.marked):
            self.marked.discard(key)
            self._update_mark_cell(key)
        self._update_count()

    def action_charts(self) -> None:
        from .compare import show_run_charts

        info = self._needs_run()
        if info is not None:
            show_run_charts(self.app, self.store, info.path)

    def action_compare(self) -> None:
        from .compare import CompareScreen

        paths = self.marked_paths()
        if len(paths) < 2:
            self.notify("Mark two or more runs with space, then press c to compare them.",
                        severity="warning", timeout=4)
            return
        if len(paths) > MAX_RUNS:
            self.notify(f"Comparing the first {MAX_RUNS} marked runs (at most {MAX_RUNS} fit one chart).",
                        severity="warning", timeout=4)
            paths = paths[:MAX_RUNS]
        self.app.push_screen(CompareScreen(self.store, paths))

    def action_app_action(self, action: str) -> None:
        info = self._needs_run()
        if info is None:
            return
        problem = cannot(action, info)
        if problem:
            self.notify(problem, severity="warning", timeout=5)
            return
        self.app.post_message(RunAction(action, info.path, self.store))

    def action_menu(self) -> None:
        info = self.current_run()
        if info is None:
            return
        marked = len(self.marked)
        actions = [
            ("charts", "Charts: loss and accuracy per epoch", "v", True),
            ("inspect", "Inspect the model and its mistakes", "i", not cannot("inspect", info)),
            ("resume", "Resume: train more epochs", "r", not cannot("resume", info)),
            ("branch", "Branch: a new run from one of its epochs", "b", not cannot("branch", info)),
            ("rerun", "Rerun: same configuration and seed", "a", not cannot("rerun", info)),
            ("use", "Use as a new configuration", "u", not cannot("use", info)),
            ("mark", "Unmark" if str(info.path) in self.marked else "Mark for compare/export", "space", True),
            ("compare", f"Compare the {marked} marked runs", "c", marked >= 2),
            ("export", f"Export {'the marked runs' if marked else 'the listed runs'} to CSV", "e", True),
            ("rename", "Rename", "n", True),
            ("delete", "Delete", "d", not info.status.live),   # the store refuses a live run
        ]
        self._push_own(RunActionsMenu(cut(display_name(info), 40), actions), self._menu_picked)

    def _menu_picked(self, action: str | None) -> None:
        if action is None:
            return
        handlers = {"charts": self.action_charts, "mark": self.action_toggle_mark,
                    "compare": self.action_compare, "export": self.action_export,
                    "rename": self.action_rename, "delete": self.action_delete}
        if action in APP_ACTIONS:
            self.action_app_action(action)
        else:
            handlers[action]()

    def _push_own(self, screen: ModalScreen, callback) -> None:
        """Push one of our dialogs; closing it does not re-read the runs directory."""
        self._own_modal = True
        self.app.push_screen(screen, callback)

    def action_rename(self) -> None:
        info = self._needs_run()
        if info is None:
            return
        path = info.path

        def renamed(name: str | None) -> None:
            if name is None or name == info.name:
                return
            try:
                self.store.rename(path, name)
            except RunStoreError as exc:
                self.notify(str(exc), title="Not renamed", severity="error", timeout=6)
                return
            self._replace_info(path)
            self.notify(f"Renamed to {name}", timeout=2)
        self._push_own(RenameRunScreen(info.name or info.run_id), renamed)

    def _replace_info(self, path: Path) -> None:
        fresh = self.store.info(path)
        self.runs = [fresh if r.path == path else r for r in self.runs]
        self._by_key[str(path)] = fresh
        self._hay[str(path)] = haystack(fresh)
        self._texts[str(path)] = cell_texts(fresh)
        self._cell_cache.pop(str(path), None)
        self._refresh_rows(keep=str(path))

    def action_delete(self) -> None:
        info = self._needs_run()
        if info is None:
            return
        path = info.path

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.store.delete(path)
            except (RunStoreError, OSError) as exc:
                message = str(exc) if isinstance(exc, RunStoreError) else f"{exc.strerror or exc}"
                self.notify(message, title="Not deleted", severity="error", timeout=8)
                return
            self._remove(path)
            self.notify(f"Deleted {info.name or info.run_id}", timeout=2)
        self._push_own(ConfirmDeleteScreen(info.name or info.run_id, info.run_id), confirmed)

    def _remove(self, path: Path) -> None:
        key = str(path)
        index = next((i for i, r in enumerate(self.shown) if str(r.path) == key), 0)
        self.runs = [r for r in self.runs if str(r.path) != key]
        self._by_key.pop(key, None)
        self._hay.pop(key, None)
        self.marked.discard(key)
        after = self.shown[index + 1] if index + 1 < len(self.shown) else (
            self.shown[index - 1] if index > 0 else None)
        self._refresh_rows(keep=str(after.path) if after is not None else "")

    def action_export(self) -> None:
        if not self.loaded or not self.runs:
            self.notify("There are no runs to export.", severity="warning", timeout=3)
            return
        if self.marked:
            paths = self.marked_paths()
            what = f"the {len(paths)} marked run{'s' if len(paths) != 1 else ''}"
        else:
            # Runs whose configuration cannot be read cannot be exported: leave them out.
            paths = [r.path for r in self.shown if r.optimizer]
            skipped = len(self.shown) - len(paths)
            listed = "listed" if len(self.shown) != len(self.runs) else "all"
            what = f"{listed} {len(paths)} run{'s' if len(paths) != 1 else ''}"
            if skipped:
                what += f" ({skipped} unreadable left out)"
        self._push_own(ExportRunsScreen(self.store, paths, what), self._exported)

    def _exported(self, report: str | None) -> None:
        if report:
            self.notify(report, timeout=5)
