"""The Tune dialog on the training screen, through Textual's pilot: the real app, the real
trainer on the embedded sample. Changing the lr of a running run reaches the trainer's
optimizer from the next batch and is recorded in the run's history and changes.json."""

from __future__ import annotations

import json
import time

import pytest

from textual.widgets import Input, Static

from test_tui_dashboard import enter
from tui_nn.runs import RunRecord
from tui_nn.training.events import SettingChanged
from tui_nn.tui.app import ScratchnetApp
from tui_nn.tui.screens.setup import SetupScreen
from tui_nn.tui.screens.training import TrainingScreen
from tui_nn.tui.screens.tune import TuneScreen


async def wait_until(pilot, condition, timeout: float = 20.0, what: str = "") -> None:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        await pilot.pause(0.01)


async def keys(pilot, *names: str) -> None:
    """Key presses handled one by one, without waiting for an idle process (training keeps
    a core busy, so pilot.press would wait up to a second per key)."""
    for name in names:
        pilot.app.simulate_key(name)
        await pilot.pause(0)


async def set_input(pilot, selector: str, text: str) -> None:
    control = pilot.app.screen.query_one(selector, Input)
    control.focus()
    await keys(pilot, "home", "ctrl+k", *text)
    await wait_until(pilot, lambda: control.value == text, what=f"{selector} to read {text}")


async def test_tune_changes_the_lr_of_a_running_run_from_the_next_batch():
    app = ScratchnetApp(progress_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await tune_a_running_run(app, pilot)
        finally:
            if app.runner is not None:      # a failed check must not leave 5,000 epochs to train
                app.runner.stop()
                await app.workers.wait_for_complete()
                await pilot.pause()


async def tune_a_running_run(app, pilot) -> None:
    setup = app.screen
    assert isinstance(setup, SetupScreen)
    await wait_until(pilot, lambda: setup.dataset is not None, what="the dataset")
    # the form at once (typing it is test_tui_dashboard's subject; the dialog's is this one's)
    await enter(pilot, hidden="32", epochs="5000", batch_size="64", lr="0.001")
    await keys(pilot, "ctrl+r")
    await wait_until(pilot, lambda: isinstance(app.screen, TrainingScreen), what="the training screen")
    screen = app.screen
    # the changes the trainer makes, as it reports them from its process
    made: list[SettingChanged] = []
    app.runner.add_listener(lambda event: made.append(event) if isinstance(event, SettingChanged) else None)
    await wait_until(pilot, lambda: screen.view.epoch >= 1, what="a first epoch")

    await keys(pilot, "l")
    # the dialog is the screen before its fields are composed: wait for them too
    await wait_until(pilot, lambda: isinstance(app.screen, TuneScreen) and bool(app.screen.query("#tune-lr")),
                     what="the Tune dialog")
    dialog = app.screen
    assert dialog.query_one("#tune-lr", Input).value == "0.001"
    await set_input(pilot, "#tune-lr", "-1")                      # refused, said, nothing changed
    await keys(pilot, "enter")
    reason = dialog.query_one("#tune-reason", Static)
    await wait_until(pilot, lambda: "learning rate must be > 0" in str(reason.content), what="the reason")
    assert isinstance(app.screen, TuneScreen)
    await pilot.pause(0.2)
    assert made == []                                               # nothing reached the trainer

    await set_input(pilot, "#tune-lr", "0.0123")
    await keys(pilot, "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, TrainingScreen), what="the dialog to close")
    await wait_until(pilot, lambda: made, what="the trainer to take the change")
    [event] = made
    change = event.record()
    assert (change["setting"], change["old"], change["new"]) == ("lr", 0.001, 0.0123)
    assert app.runner.config.lr == 0.0123                           # what the Tune dialog offers next
    await wait_until(pilot, lambda: len(screen.rows) > change["epoch"], what="the epoch after the change")

    await keys(pilot, "s")
    await app.workers.wait_for_complete()
    await wait_until(pilot, lambda: screen.view.state == "stopped", what="the stop")
    record = RunRecord(app.runner.path)
    assert record.changes() == [change]
    assert json.loads((app.runner.path / "changes.json").read_text())["changes"] == [change]
    lrs = list(record.history().lr)
    assert lrs[:change["epoch"] - 1] == pytest.approx([0.001] * (change["epoch"] - 1), rel=1e-3)
    assert lrs[change["epoch"] - 1:] == pytest.approx([0.0123] * (len(lrs) - change["epoch"] + 1), rel=1e-3)
    assert not screen.check_action("tune", ())              # nothing left to tune once ended
