"""Branching from the runs screen (b), and the marks the charts draw for a branch point and for
a setting changed while training: the real app through Pilot, real runs on the embedded sample."""

from __future__ import annotations

import numpy as np
from textual.css.query import NoMatches

from fixtures.pilot import wait_for
from test_tui_run_actions import train
from tui_nn.runs import RunRecord
from tui_nn.tui.app import ScratchnetApp
from tui_nn.tui.screens.runs.branch import BranchRunScreen, default_epoch
from tui_nn.tui.screens.runs.compare import CompareScreen, RunChartsScreen
from tui_nn.tui.screens.runs.table import RunAction, RunsScreen
from tui_nn.tui.screens.setup import cached_dataset
from tui_nn.tui.widgets.charts import MetricChart
from tui_nn.tui.widgets.run_charts import OverlayChart
from tui_nn.training import TrainConfig

CONFIG = TrainConfig(hidden=(16,), epochs=4, batch_size=128, optimizer="adam", lr=3e-3, lr_schedule="constant",
                     augment="none", dropout=0.0)
TIMING = ["seconds", "samples_per_s"]


def chart_marks(app, chart: str):
    """The marks of the charts screen's ``chart`` once it is up, else None."""
    if not isinstance(app.screen, RunChartsScreen):
        return None
    try:
        return app.screen.query_one(chart, MetricChart).marks
    except NoMatches:
        return None


async def open_runs(app, pilot):
    await pilot.press("b")
    await pilot.press("f2")
    await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen.loaded and not app.screen.filling)


async def test_b_on_a_run_branches_it_from_the_chosen_epoch_with_a_new_learning_rate():
    app = ScratchnetApp()
    async with app.run_test(size=(100, 32)) as pilot:
        parent = await train(app, pilot, CONFIG)
        await open_runs(app, pilot)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchRunScreen)
                       and getattr(app.screen.focused, "id", None) == "branch-epoch")
        dialog = app.screen
        assert dialog.epochs == [1, 2, 3, 4]
        # a kept epoch that is not one: refused with the kept ones, nothing started
        await pilot.press("end", "ctrl+u", "9", "enter")       # the epoch field has the focus
        await wait_for(pilot, lambda: "is not kept" in str(dialog.query_one("#branch-reason").render()))
        assert isinstance(app.screen, BranchRunScreen)
        await pilot.press("backspace", "2")
        await wait_for(pilot, lambda: dialog.query_one("#branch-more").value == "2")   # 4 - 2 to go
        dialog.query_one("#branch-lr").value = "0.02"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.run_path not in (None, parent) and app.training_screen is not None
                       and app.training_screen.view.state == "finished")
        await app.workers.wait_for_complete()
        branch = RunRecord(app.run_path)
        assert branch.meta()["branch"]["epoch"] == 2 and branch.meta()["branch"]["run"] == parent.name
        assert branch.config().lr == 0.02
        mine, theirs = branch.history(), RunRecord(parent).history()
        assert list(mine.epoch) == [1, 2, 3, 4]
        assert mine.iloc[:2].drop(columns=TIMING).equals(theirs.iloc[:2].drop(columns=TIMING))
        assert all(chart.marks == [2.0] for chart in app.training_screen.query(MetricChart))
        # a rerun of a branch branches again from the same epoch: the same result
        app.post_message(RunAction("rerun", branch.path))
        await wait_for(pilot, lambda: app.run_path not in (None, parent, branch.path)
                       and app.training_screen.view.state == "finished")
        await app.workers.wait_for_complete()
        assert RunRecord(app.run_path).meta()["branch"]["epoch"] == 2
        np.testing.assert_array_equal(RunRecord(app.run_path).network()[0].params, branch.network()[0].params)

        # the runs screen shows where it branched; its charts and compare mark the point
        await open_runs(app, pilot)
        runs = app.screen
        row = next(i for i in runs.shown if i.path == branch.path)
        assert row.branch_epoch == 2 and f"{parent.name}@2" in runs._texts[str(branch.path)]
        runs.marked = {str(branch.path), str(parent)}
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        marks = [s.marks for s in app.screen.query_one("#compare-loss", OverlayChart).series]
        assert sorted(marks) == [[], [2.0]]
        await pilot.press("escape")
        app.push_screen(RunChartsScreen(app.run_store, branch.path))
        await wait_for(pilot, lambda: chart_marks(app, "#run-charts-loss") == [2.0])
        assert "branched from" in str(app.screen.query_one("#run-charts-summary").render())


async def test_a_learning_rate_changed_while_training_is_marked_on_the_charts():
    app = ScratchnetApp()
    async with app.run_test(size=(100, 32)) as pilot:
        assert app.start_training(CONFIG.with_changes(epochs=400), cached_dataset("mnist-sample")) is None
        screen = app.training_screen
        await wait_for(pilot, lambda: screen.view.state == "running" and screen.view.epoch >= 1)
        app.runner.change(lr="1e-2")
        await wait_for(pilot, lambda: len(screen.query_one("#loss-chart", MetricChart).marks) == 1)
        [mark] = screen.query_one("#loss-chart", MetricChart).marks
        app.stop_training()
        await app.workers.wait_for_complete()
        [change] = RunRecord(app.run_path).changes()
        assert change["epoch"] - 1 <= mark <= change["epoch"]
        app.push_screen(RunChartsScreen(app.run_store, app.run_path))
        await wait_for(pilot, lambda: len(chart_marks(app, "#run-charts-acc") or []) == 1)
        assert "lr 0.003\u21920.01" in str(app.screen.query_one("#run-charts-summary").render())


def test_the_dialog_offers_the_last_kept_epoch_at_or_before_the_best_one():
    assert default_epoch([2, 4, 6, 8], 5) == 4
    assert default_epoch([2, 4, 6, 8], 1) == 8         # none kept before the best: the last
    assert default_epoch([2, 4, 6, 8], None) == 8
