"""The app acting on a recorded run from the runs screen: re-run (identical result),
resume (more epochs, same folder), use as a starting point, inspect."""

from __future__ import annotations

import shutil

import numpy as np

from fixtures.pilot import wait_for
from tui_nn.inspection import InspectionData
from tui_nn.nn import load_model
from tui_nn.runs import RunRecord, RunStore
from tui_nn.tui.app import ScratchnetApp
from tui_nn.tui.screens.inspect.mistakes import MistakesScreen
from tui_nn.tui.screens.runs.table import RunAction, RunsScreen
from tui_nn.tui.screens.setup import SetupScreen, cached_dataset
from tui_nn.training import TrainConfig

CONFIG = TrainConfig(hidden=(16,), epochs=2, batch_size=64, optimizer="adam", lr=3e-3, lr_schedule="constant",
                     augment="none", dropout=0.0)



async def train(app, pilot, config=CONFIG):
    assert app.start_training(config, cached_dataset("mnist-sample")) is None
    await wait_for(pilot, lambda: app.training_screen.view.state == "finished")
    await app.workers.wait_for_complete()
    await pilot.pause(0.2)
    return app.run_path


async def test_rerun_resume_use_and_inspect_a_recorded_run():
    app = ScratchnetApp()
    async with app.run_test(size=(100, 32)) as pilot:
        first = await train(app, pilot)
        first_params = load_model(first / "model.npz")[0].params
        await pilot.press("b")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen))
        await pilot.pause(0.3)   # let the screen finish mounting, as a person would

        app.post_message(RunAction("rerun", first))          # same config and seed
        await wait_for(pilot, lambda: app.run_path != first and app.training_screen is not None
                       and app.training_screen.view.state == "finished")
        await app.workers.wait_for_complete()
        second = app.run_path
        np.testing.assert_array_equal(load_model(second / "model.npz")[0].params, first_params)

        await pilot.press("b")
        app.post_message(RunAction("resume", first))
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ResumeEpochsScreen")
        await pilot.press("end", "backspace", "3", "enter")
        await wait_for(pilot, lambda: app.training_screen.view.state == "finished"
                       and app.training_screen.view.epoch == 5)
        await app.workers.wait_for_complete()
        assert app.run_path == first
        assert app.run_store.info(first).epochs == 5
        assert list(RunRecord(first).history().epoch) == [1, 2, 3, 4, 5]

        await pilot.press("b")
        other = CONFIG.with_changes(hidden=(24,), seed=5)
        third = await train(app, pilot, other)
        await pilot.press("b")
        app.post_message(RunAction("use", third))
        await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen)
                       and app.screen.read_form()[0] is not None
                       and app.screen.read_form()[0].hidden == (24,))
        assert app.screen.read_form()[0].seed == 5

        app.post_message(RunAction("inspect", third))
        await wait_for(pilot, lambda: isinstance(app.screen, MistakesScreen))
        data: InspectionData = app.screen.data
        assert data.proba.shape == (1000, 10)
        await pilot.pause(0.3)   # let the pushed screen finish mounting before the app closes


async def test_a_rerun_and_a_resume_are_recorded_in_the_store_the_run_was_listed_from(tmp_path):
    app = ScratchnetApp()
    async with app.run_test(size=(100, 32)) as pilot:
        first = await train(app, pilot)
        other = RunStore(tmp_path / "other-runs")
        listed = shutil.copytree(first, other.root / first.name)
        await pilot.press("b")

        app.post_message(RunAction("rerun", listed, other))
        await wait_for(pilot, lambda: app.run_path not in (None, first) and app.training_screen is not None
                       and app.training_screen.view.state == "finished")
        await app.workers.wait_for_complete()
        assert app.run_path.parent == other.root
        assert [r.path for r in app.run_store.list()] == [first]

        await pilot.press("b")
        app.post_message(RunAction("resume", listed, other))
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ResumeEpochsScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.run_path == listed and app.training_screen.view.state == "finished")
        await app.workers.wait_for_complete()
        assert other.info(listed).epochs > app.run_store.info(first).epochs


async def test_actions_on_a_damaged_run_say_why_and_a_training_run_goes_on():
    app = ScratchnetApp()
    async with app.run_test(size=(100, 32)) as pilot:
        damaged = await train(app, pilot)
        (damaged / "config.json").write_text("{not json")
        (damaged / "predictions.npz").write_bytes(b"PK\x03\x04 not a zip")
        await pilot.press("b")
        long = CONFIG.with_changes(epochs=500)
        assert app.start_training(long, cached_dataset("mnist-sample")) is None
        await wait_for(pilot, lambda: app.training_screen.view.state == "running")
        for action in ("resume", "rerun", "use", "inspect"):
            app.post_message(RunAction(action, damaged))
            await wait_for(pilot, lambda: any(f"Can't {action} this run" in str(n.message)
                                              for n in app._notifications))
        assert app.training_active and app.training_screen.view.state == "running"
        app.stop_training()
        await app.workers.wait_for_complete()
