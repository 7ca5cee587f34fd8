"""The sweep screens: the set-up form refuses what the CLI refuses, a real sweep (worker
processes, Optuna) runs from the dashboard and shows its trials live, a trial opens as a
run and fills the setup form, quitting asks first. And the trials model without an app."""

from __future__ import annotations

import math

from fixtures.pilot import wait_for
from tui_nn.runs import RunRecord, RunStore
from tui_nn.sweeps import SweepEnded, TrialEnded, TrialEpoch, TrialStarted, list_sweeps
from tui_nn.training import TrainConfig
from tui_nn.tui.app import ScratchnetApp
from tui_nn.tui.screens.confirm import ConfirmScreen
from tui_nn.tui.screens.runs.compare import RunChartsScreen
from tui_nn.tui.screens.setup import SetupScreen
from tui_nn.tui.screens.sweep import SweepScreen, SweepSetupScreen
from tui_nn.tui.screens.sweep.form import SpaceRow
from tui_nn.tui.screens.sweep.trials_model import TrialsModel, format_param

SMALL = TrainConfig(hidden=(16,), epochs=2, batch_size=128, optimizer="adam", lr=3e-3, lr_schedule="constant",
                    augment="none", dropout=0.0)



async def open_sweep_setup(app, pilot, config=SMALL):
    await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen))
    app.screen.fill(config)
    await pilot.pause(0.3)
    await pilot.press("f3")
    await wait_for(pilot, lambda: isinstance(app.screen, SweepSetupScreen))
    return app.screen


# ------------------------------------------------------------------ the form
async def test_the_form_refuses_a_bad_range_beside_its_field_and_starts_nothing():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_sweep_setup(app, pilot)
        assert "hidden 16" in str(form.query_one("#sweep-base").content)   # the setup form's settings
        form.query_one("#spec-lr").value = "log:0:1"                         # a log range from 0
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        row = form.query_one("#space-row-lr", SpaceRow)
        assert row.has_class("-invalid")
        reason = str(row.query_one(".space-reason").content)
        assert "log" in reason and "0" in reason
        assert str(form.query_one("#sweep-error").content).startswith("Can't start: Learning rate:")
        assert app.sweep is None and not list_sweeps(app.run_store.root)

        form.query_one("#spec-lr").value = "log:1e-4:1e-1"                   # fixed: the reason goes
        await pilot.pause(0.2)
        assert not row.has_class("-invalid")

        for name in ("lr", "hidden"):
            form.query_one(f"#search-{name}").value = False
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        assert "check at least one field" in str(form.query_one("#sweep-error").content)

        form.query_one("#search-lr").value = True
        form.query_one("#sweep-trials").value = "0"
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        assert "--trials must be >= 1" in str(form.query_one("#sweep-error").content)
        form.query_one("#sweep-trials").value = "3"
        form.query_one("#sweep-workers").value = "many"
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        assert "Workers" in str(form.query_one("#sweep-error").content)
        assert app.sweep is None


async def test_f3_with_an_invalid_setup_form_says_what_to_fix():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.form_ready)
        app.screen.query_one("#epochs").value = "zero"
        await pilot.pause(0.2)
        await pilot.press("f3")
        await pilot.pause(0.3)
        assert isinstance(app.screen, SetupScreen)
        assert any("Epochs" in str(n.message) and "Fix the setup form" in str(n.message)
                   for n in app._notifications)


# ------------------------------------------------------------ a real sweep
async def test_a_sweep_runs_from_the_dashboard_its_trials_are_runs_and_open_as_runs():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_sweep_setup(app, pilot)
        form.query_one("#spec-lr").value = "log:1e-3:3e-2"
        form.query_one("#search-hidden").value = False
        form.query_one("#search-epochs").value = True
        form.query_one("#spec-epochs").value = "int:1:2"
        form.query_one("#sweep-trials").value = "3"
        form.query_one("#sweep-workers").value = "2"
        form.query_one("#sweep-name").value = "dash-sweep"
        form.query_one("#sweep-pruner").value = "none"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
        screen = app.screen
        await wait_for(pilot, lambda: not app.sweep_active, seconds=120)
        await pilot.pause(0.5)                       # the last events and a redraw

        model = screen.model
        assert model.ended is not None and model.ended.state == "finished"
        assert sorted(model.counts().items()) == [("complete", 3)]
        assert model.best is not None
        title = str(screen.query_one("#sweep-title").content)
        assert "3/3 ended" in title and f"(#{model.best.trial})" in title and "finished" in title
        table = screen.query_one("#trials")
        assert table.row_count == 3
        best_cells = table.get_row(str(model.best.trial))
        assert best_cells[0] == f"*{model.best.trial}"                     # the best is marked
        for row in model.rows.values():                                     # every trial is a run
            record = RunRecord(app.run_store.root / row.run_id)
            assert (record.info().sweep, record.info().trial) == ("dash-sweep", row.trial)
            assert record.config().epochs == int(row.params["epochs"])
            assert math.isclose(record.config().lr, float(row.params["lr"]), rel_tol=1e-9)
        (sweep,) = list_sweeps(app.run_store.root)
        assert (sweep.name, sweep.state, sweep.done, sweep.best_trial) == ("dash-sweep", "finished", 3,
                                                                             model.best.trial)
        assert len(RunStore(app.run_store.root).list()) == 3                # no run folder doubled

        for view in ("best", "params", "curves"):                           # every chart draws
            await pilot.press("v")
            assert screen.view == view

        table.focus()
        table.move_cursor(row=table.get_row_index(str(model.best.trial)))
        await pilot.press("o")                                              # its charts
        await wait_for(pilot, lambda: isinstance(app.screen, RunChartsScreen))
        assert app.screen.path.name == model.best.run_id
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("u")                                              # its settings
        await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen))
        await pilot.pause(0.3)
        config, errors = app.screen.read_form()
        assert not errors and config.epochs == int(model.best.params["epochs"])
        assert math.isclose(config.lr, float(model.best.params["lr"]), rel_tol=1e-3)


async def test_quitting_while_a_sweep_runs_asks_first_and_stop_ends_it():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_sweep_setup(app, pilot, SMALL.with_changes(hidden=(256,), epochs=500))
        form.query_one("#search-hidden").value = False
        form.query_one("#sweep-pruner").value = "none"
        form.query_one("#sweep-trials").value = "4"
        form.query_one("#sweep-workers").value = "1"
        form.query_one("#sweep-name").value = "long-sweep"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
        screen = app.screen
        await wait_for(pilot, lambda: any(r.epoch >= 1 for r in screen.model.rows.values()))
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "long-sweep" in str(app.screen.query_one("#confirm-text").content)
        await pilot.press("escape")                                          # keep going
        await wait_for(pilot, lambda: app.screen is screen)
        assert app.sweep_active
        await pilot.press("p")                                               # no new trials
        assert app.sweep.paused
        await pilot.press("s")
        await wait_for(pilot, lambda: not app.sweep_active, seconds=60)
        await pilot.pause(0.3)
        assert screen.model.ended is not None and screen.model.ended.state == "stopped"
        (sweep,) = list_sweeps(app.run_store.root)
        assert sweep.state == "stopped" and sweep.done < 4


# ---------------------------------------------------------- the trials model
def test_the_trials_model_keeps_the_best_sorts_and_charts_what_the_sweep_reports():
    model = TrialsModel("val_acc", ["lr", "hidden"], log_params={"lr"}, choice_params={"hidden"})
    model.feed(TrialStarted("s", 0, {"lr": "0.001", "hidden": "128"}, "r0", "host:1"))
    model.feed(TrialStarted("s", 1, {"lr": "0.1", "hidden": "256,128"}, "r1", "host:2"))
    model.feed(TrialEpoch("s", 0, 1, 2, 0.80, 0.80, 0.5, 0.6))
    model.feed(TrialEpoch("s", 1, 1, 2, 0.90, 0.90, 0.3, 0.4))
    assert model.best is None                                # nothing has completed yet
    assert [r.trial for r in model.running_curves()] == [0, 1]
    model.feed(TrialEpoch("s", 0, 2, 2, 0.85, 0.85, 0.4, 0.5))
    model.feed(TrialEnded("s", 0, "complete", {"lr": "0.001", "hidden": "128"}, 0.85, "r0", 2))
    model.feed(TrialEnded("s", 1, "pruned", {"lr": "0.1", "hidden": "256,128"}, 0.90, "r1", 1))
    model.feed(TrialStarted("s", 2, {"lr": "0.01", "hidden": "128"}, "r2", "host:1"))
    model.feed(TrialEnded("s", 2, "complete", {"lr": "0.01", "hidden": "128"}, 0.95, "r2", 2))
    model.feed(TrialEnded("s", 3, "failed", {"lr": "0.5", "hidden": "128"}, None, None, 0, "diverged"))
    model.feed(SweepEnded("s", "finished", 2, 0.95, {}, {}))

    assert model.best.trial == 2                             # a pruned trial is never the best
    assert model.rows[0].curve == [0.80, 0.85] and model.rows[0].value == 0.85
    assert model.best_so_far() == ([1, 2, 3, 4], [0.85, 0.85, 0.95, 0.95])
    xs, ys, log = model.param_points("lr")
    assert log and [round(x, 6) for x in xs] == [-3.0, -1.0, -2.0] and ys == [0.85, 0.90, 0.95]
    xs, _, log = model.param_points("hidden")               # choices by first appearance
    assert not log and xs == [1.0, 2.0, 1.0]
    model.sort = "value"
    assert [r.trial for r in model.sorted_rows()] == [2, 1, 0, 3]
    assert model.next_sort() == "state" and model.sorted_rows()[0].state == "complete"
    assert model.counts() == {"complete": 2, "pruned": 1, "failed": 1}

    loss = TrialsModel("val_loss", ["lr"])
    loss.feed(TrialEnded("s", 0, "complete", {"lr": "0.1"}, 0.30, "a", 1))
    loss.feed(TrialEnded("s", 1, "complete", {"lr": "0.2"}, 0.20, "b", 1))
    assert loss.best.trial == 1 and loss.shown_metric(0.2) == "0.2000"   # lower is better


def test_parameter_cells_are_short():
    assert format_param("0.012520653814999465") == "0.0125"
    assert format_param("256,128") == "256,128"
    assert format_param("64") == "64"
    assert format_param("full") == "full"
    assert format_param(True) == "yes"
