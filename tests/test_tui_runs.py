"""The runs screen, the comparison and the one-run charts, on real recorded runs.

A module fixture trains three tiny runs on the embedded sample (real Trainer and
RunRecorder) and damages a fourth (truncated history.csv); names, dates, ids and times
are then fixed so the snapshots do not depend on the clock. Each test works on its own
copy of that runs directory. Update snapshots with
``pytest tests/test_tui_runs.py --snapshot-update``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import DataTable, Input

from fixtures.demo_runs import DEMO_IDS, make_demo_runs
from tui_nn.runs import RunRecord, RunStore
from tui_nn.training import TrainConfig
from tui_nn.tui.screens.runs.compare import CompareScreen, RunChartsScreen
from tui_nn.tui.screens.runs.dialogs import (ConfirmDeleteScreen, ExportRunsScreen, RenameRunScreen,
                                             RunActionsMenu)
from tui_nn.tui.screens.runs.table import RunAction, RunsScreen
from tui_nn.tui.widgets.charts import MetricChart
from tui_nn.tui.widgets.run_charts import OverlayChart

SMALL, LARGE = (80, 24), (120, 40)
IDS = DEMO_IDS


@pytest.fixture(scope="module")
def runs_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("runs-template") / "runs"
    make_demo_runs(root)
    return root


@pytest.fixture
def store(runs_template, tmp_path) -> RunStore:
    root = tmp_path / "runs"
    shutil.copytree(runs_template, root)
    return RunStore(root)


class Host(App[None]):
    """Pushes one screen; keeps every RunAction posted to it."""

    def __init__(self, screen) -> None:
        super().__init__()
        self.first = screen
        self.actions: list[RunAction] = []

    def on_mount(self) -> None:
        self.push_screen(self.first)

    def on_run_action(self, message: RunAction) -> None:
        self.actions.append(message)


async def settle(pilot) -> None:
    """Workers done, every row in the table, everything drawn."""
    app = pilot.app
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        if not getattr(screen, "filling", False) and getattr(screen, "loaded", True):
            break
    await pilot.pause()


def names(screen: RunsScreen) -> list[str]:
    return [r.name for r in screen.shown]


def table_names(screen: RunsScreen) -> list[str]:
    table = screen.query_one("#runs-table", DataTable)
    at = [c.key.value for c in table.ordered_columns].index("name")
    return [str(table.get_row_at(i)[at]) for i in range(table.row_count)]


async def move_to(pilot, screen: RunsScreen, name: str) -> None:
    row = names(screen).index(name)
    screen.query_one("#runs-table", DataTable).move_cursor(row=row)
    await pilot.pause()


# ------------------------------------------------------------------ the list
async def test_lists_every_run_newest_first_and_the_damaged_with_its_reason(store):
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        table = screen.query_one("#runs-table", DataTable)
        assert table.row_count == 4 and not table.loading
        assert table_names(screen) == ["cut short", "wide adam 1e-3", "sgd 0.1", "adam 3e-3"]
        damaged = table.get_row(str(store.root / IDS[-1]))
        keys = [c.key.value for c in table.ordered_columns]
        assert str(damaged[keys.index("status")]) == "damaged"
        assert "history.csv" in str(damaged[keys.index("problem")])
        assert "truncated" in str(screen.query_one("#runs-detail").render())   # the cursor is on it
        assert "4 runs" in str(screen.query_one("#runs-count").render())
        assert app.focused is table


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
async def test_the_metrics_and_the_name_fit(store, size):
    app = Host(RunsScreen(store))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#runs-table", DataTable)
        room = table.scrollable_content_region.width
        ends, x = {}, 0
        for column in table.ordered_columns:
            x += column.get_render_width(table)
            ends[column.key.value] = x
        for key in ("best_val_acc", "test_acc", "status", "epochs", "name"):
            assert ends[key] <= room, (key, ends, room)


async def test_an_empty_or_missing_runs_directory_says_so(tmp_path):
    app = Host(RunsScreen(RunStore(tmp_path / "nothing")))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#runs-table", DataTable).row_count == 0
        assert "No runs yet" in str(app.screen.query_one("#runs-detail").render())


async def test_sort_by_key_header_click_and_reverse(store):
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen: RunsScreen = app.screen
        table = screen.query_one("#runs-table", DataTable)
        # s: from the date to the next column (dataset: all equal, store order kept)
        await pilot.press("s")
        await settle(pilot)
        assert screen.sort_column == "dataset"
        # said in the count line (the column may be scrolled out of view at 80 columns)
        assert str(screen.query_one("#runs-count").render()).endswith("by dataset \u25b2")   # A first
        # a click on the lr header: largest first; again: smallest first
        lr_index = [c.key.value for c in table.ordered_columns].index("lr")
        column = table.ordered_columns[lr_index]
        table.post_message(DataTable.HeaderSelected(table, column.key, lr_index, column.label))
        await settle(pilot)
        assert (screen.sort_column, screen.sort_descending) == ("lr", True)
        assert table_names(screen) == ["sgd 0.1", "cut short", "adam 3e-3", "wide adam 1e-3"]
        assert "\u25bc" in str(table.ordered_columns[lr_index].label)
        table.post_message(DataTable.HeaderSelected(table, column.key, lr_index, column.label))
        await settle(pilot)
        assert table_names(screen) == ["wide adam 1e-3", "adam 3e-3", "cut short", "sgd 0.1"]
        # S reverses; sorting by name is A first
        await pilot.press("S")
        await settle(pilot)
        assert table_names(screen)[0] == "sgd 0.1"
        screen.sort_by("name")
        await settle(pilot)
        assert table_names(screen) == ["adam 3e-3", "cut short", "sgd 0.1", "wide adam 1e-3"]


async def test_filter_by_text_on_any_column(store):
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen: RunsScreen = app.screen
        await pilot.press("slash", *"sgd")
        await pilot.pause(0.2)
        await settle(pilot)
        assert table_names(screen) == ["sgd 0.1"]
        assert "1 of 4 runs" in str(screen.query_one("#runs-count").render())
        await pilot.press("escape")                 # back to the table, the filter kept
        assert isinstance(app.focused, DataTable) and app.screen is screen
        screen.set_filter("damaged")                # the status column
        await settle(pilot)
        assert table_names(screen) == ["cut short"]
        screen.set_filter("784-32-10 adam")         # every word, any column
        await settle(pilot)
        assert table_names(screen) == ["wide adam 1e-3"]
        screen.set_filter("no such run")
        await settle(pilot)
        assert table_names(screen) == [] and "No run matches" in str(screen.query_one("#runs-detail").render())
        screen.set_filter("")
        await settle(pilot)
        assert len(table_names(screen)) == 4


# ------------------------------------------------------------------ compare
async def test_mark_two_and_compare_overlays_their_curves_and_marks_differences(store):
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen: RunsScreen = app.screen
        await pilot.press("c")                      # nothing marked: a warning, no screen
        assert app.screen is screen
        await move_to(pilot, screen, "wide adam 1e-3")
        await pilot.press("space", "space")         # marks it and the next (sgd 0.1)
        assert {Path(p).name for p in screen.marked} == {IDS[2], IDS[1]}
        assert "2 marked" in str(screen.query_one("#runs-count").render())
        await pilot.press("c")
        await settle(pilot)
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert [p.name for p in compare.paths] == [IDS[2], IDS[1]]
        loss = compare.query_one("#compare-loss", OverlayChart)
        acc = compare.query_one("#compare-acc", OverlayChart)
        assert len(loss.series) == 2 and len(acc.series) == 2
        assert [len(s.epochs) for s in acc.series] == [2, 3]
        assert {"hidden", "optimizer", "lr", "batch_size", "epochs", "seed"} == set(compare.differing_settings())
        table = compare.query_one("#compare-config", DataTable)
        labels = {str(table.get_row_at(i)[0]).strip(): i for i in range(table.row_count)}
        assert "* lr" in labels and "activation" in labels
        assert str(table.get_row("lr")[0]).startswith("*")
        assert not str(table.get_row("activation")[0]).startswith("*")
        await pilot.press("d")                      # only the differences
        assert compare.query_one("#compare-config", DataTable).row_count == 6
        await pilot.press("escape")
        assert app.screen is screen


async def test_one_runs_charts(store):
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await move_to(pilot, app.screen, "adam 3e-3")
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, RunChartsScreen)
        charts = app.screen
        acc = charts.query_one("#run-charts-acc", MetricChart)
        assert acc.epochs == [1, 2, 3] and len(acc.val) == 3
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)
        # Kept: shown again without reading the run again while its folder is unchanged...
        read = charts.run
        await pilot.press("v")
        await settle(pilot)
        assert app.screen is charts and charts.run is read
        await pilot.press("escape")
        await settle(pilot)
        # ...and read again once something in it was written (here, a new name).
        store.rename(charts.path, "renamed meanwhile")
        await pilot.press("v")
        await settle(pilot)
        assert app.screen is charts and charts.run is not read
        assert "renamed meanwhile" in str(charts.query_one("#run-charts-summary").render())
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


# ------------------------------------------------------------------ export
async def test_export_marked_then_all_and_a_write_error(store, tmp_path):
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen: RunsScreen = app.screen
        await move_to(pilot, screen, "sgd 0.1")
        await pilot.press("space", "space")         # sgd 0.1 and adam 3e-3
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportRunsScreen)
        assert dialog.query_one(Input).value == "runs-export.csv"
        out = tmp_path / "marked.csv"
        dialog.query_one(Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        expected = sum(len(RunRecord(store.root / i).history()) for i in IDS[:2])
        assert out.exists() and dialog.rows == expected == 6
        assert len(out.read_text().splitlines()) == expected + 1
        assert f"Wrote {expected} rows (2 runs)" in dialog.report
        await pilot.press("escape")
        assert app.screen is screen
        # nothing marked: every run
        screen.action_clear_marks()
        await pilot.press("e")
        dialog = app.screen
        out_all = tmp_path / "all.csv"
        dialog.query_one(Input).value = str(out_all)
        await pilot.press("enter")
        await settle(pilot)
        assert dialog.rows == sum(len(RunRecord(store.root / i).history()) for i in IDS)
        # a path that cannot be written: the OSError in plain words, nothing crashes
        blocker = tmp_path / "a-file"
        blocker.write_text("x")
        dialog.query_one(Input).value = str(blocker / "x.csv")
        dialog.query_one(Input).focus()             # after a success the focus is on Close
        await pilot.press("enter")
        await settle(pilot)
        assert dialog.rows is None and dialog.error.startswith("Could not write")
        assert "Not a directory" in dialog.error or "exists" in dialog.error


# ------------------------------------------------------------------ rename, delete
async def test_rename_validates_and_writes_the_new_name(store):
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen: RunsScreen = app.screen
        await move_to(pilot, screen, "sgd 0.1")
        await pilot.press("n")
        dialog = app.screen
        assert isinstance(dialog, RenameRunScreen)
        field = dialog.query_one(Input)
        field.value = "   "
        await pilot.press("enter")
        assert app.screen is dialog and "cannot be empty" in str(dialog.query_one("#runs-rename-error").render())
        field.value = "plain sgd"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert json.loads((store.root / IDS[1] / "config.json").read_text())["name"] == "plain sgd"
        assert "plain sgd" in table_names(screen)
        assert screen.current_run().name == "plain sgd"


async def test_delete_asks_then_removes_the_folder(store):
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen: RunsScreen = app.screen
        await move_to(pilot, screen, "sgd 0.1")
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDeleteScreen)
        await pilot.press("n")                      # no: nothing happens
        assert (store.root / IDS[1]).is_dir() and app.screen is screen
        await pilot.press("d")
        await pilot.press("y")
        await settle(pilot)
        assert not (store.root / IDS[1]).exists()
        assert table_names(screen) == ["cut short", "wide adam 1e-3", "adam 3e-3"]
        assert screen.current_run().name == "adam 3e-3"   # the next run is highlighted


async def test_delete_refuses_a_running_run_with_the_stores_message(store):
    running = store.create(TrainConfig(hidden=(16,), epochs=2), {"name": "mnist-sample"}, name="training now")
    assert store.info(running).status == "running"   # this process is its writer
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen: RunsScreen = app.screen
        await move_to(pilot, screen, "training now")
        await pilot.press("d", "y")
        await settle(pilot)
        assert running.is_dir()
        messages = [n.message for n in app._notifications]
        assert any("still training" in m for m in messages), messages


# ------------------------------------------------------------------ actions for the app
async def test_run_actions_are_posted_to_the_app_with_the_path(store):
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen: RunsScreen = app.screen
        await move_to(pilot, screen, "sgd 0.1")
        await pilot.press("r", "i", "a", "u")
        await pilot.pause()
        assert [(a.action, a.path) for a in app.actions] == [
            (name, store.root / IDS[1]) for name in ("resume", "inspect", "rerun", "use")]
        assert app.actions[0].store is store
        # the same from the row's menu (enter)
        await pilot.press("enter")
        assert isinstance(app.screen, RunActionsMenu)
        menu = app.screen
        from textual.widgets import OptionList
        options = menu.query_one(OptionList)
        options.highlighted = [o.id for o in options.options].index("resume")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert (app.actions[-1].action, app.actions[-1].path) == ("resume", store.root / IDS[1])


# ------------------------------------------------------------------ snapshots
def _runs_host(store, marks: int = 0):
    async def before(pilot):
        await settle(pilot)
        for _ in range(marks):
            await pilot.press("down", "space")
        await settle(pilot)
    return Host(RunsScreen(store)), before


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_snapshot_runs_screen(snap_compare, store, size):
    app, before = _runs_host(store, marks=1)
    assert snap_compare(app, terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_snapshot_compare_screen(snap_compare, store, size):
    app = Host(CompareScreen(store, [store.root / i for i in IDS[:3]]))

    async def before(pilot):
        await settle(pilot)
    assert snap_compare(app, terminal_size=size, run_before=before)


@pytest.mark.parametrize("theme", ["ansi-dark", "ansi-light", "textual-light"])
async def test_every_theme_draws_the_runs_table(store, theme):
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.theme = theme       # ansi themes name colours (ansi_green) that rich does not know
        await settle(pilot)
        screen: RunsScreen = app.screen
        assert app.return_code is None and isinstance(screen, RunsScreen)
        assert table_names(screen) == ["cut short", "wide adam 1e-3", "sgd 0.1", "adam 3e-3"]
        status_cells = [screen.query_one("#runs-table", DataTable).get_row_at(i) for i in range(4)]
        assert all(status_cells)


# ------------------------------------------------------------------ keys that do what they say
async def test_every_key_the_menu_lists_works_inside_the_menu(store):
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen: RunsScreen = app.screen
        await move_to(pilot, screen, "sgd 0.1")
        for key, action in (("r", "resume"), ("i", "inspect"), ("a", "rerun"), ("u", "use")):
            await pilot.press("enter")
            assert isinstance(app.screen, RunActionsMenu)
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, key
            assert (app.actions[-1].action, app.actions[-1].path) == (action, store.root / IDS[1])
        await pilot.press("enter", "space")               # mark, from the menu
        await pilot.pause()
        assert app.screen is screen and screen.marked == {str(store.root / IDS[1])}
        await pilot.press("enter", "v")                   # charts
        await pilot.pause()
        assert isinstance(app.screen, RunChartsScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter", "n")                   # rename
        await pilot.pause()
        assert isinstance(app.screen, RenameRunScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter", "d")                   # delete asks
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDeleteScreen)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("enter", "e")                   # export
        await pilot.pause()
        assert isinstance(app.screen, ExportRunsScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter", "c")                   # compare needs two marked runs: nothing
        await pilot.pause()
        assert isinstance(app.screen, RunActionsMenu)      # a disabled action's key does nothing


async def test_home_and_end_jump_to_the_first_and_last_run(store):
    app = Host(RunsScreen(store))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen: RunsScreen = app.screen
        table = screen.query_one("#runs-table", DataTable)
        table.focus()
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1 and table.scroll_x == 0
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_x == 0
