"""Snapshots of the dashboard's setup, training and help screens at 80x24 (the usual SSH
window) and 120x40. Update with ``pytest tests/test_tui_snapshots.py --snapshot-update``.

Deterministic by construction: the embedded sample, seed 0, one BLAS thread (the app's
trainer default), the run finished before the screenshot, ``redact_timings=True`` so no
clock or speed is drawn, and a fresh settings directory (conftest) so the setup summary
has no measured speed to show.
"""

from __future__ import annotations

import re
import time

import pytest
from textual.widgets import DataTable, Input, Static

from tui_nn.tui.app import ScratchnetApp
from tui_nn.tui.screens.help import HelpScreen
from tui_nn.tui.screens.setup import SetupScreen
from tui_nn.tui.screens.training import TrainingScreen
from tui_nn.tui.widgets.status import StatusPanel

SIZES = [(80, 24), (120, 40)]
SIZE_IDS = ["80x24", "120x40"]
RUN = {"hidden": "32", "epochs": "3", "batch_size": "64"}


async def until(pilot, condition, timeout: float = 15.0) -> None:
    start = time.perf_counter()
    while not condition():
        assert time.perf_counter() - start < timeout, "timed out"
        await pilot.pause(0.01)


async def loaded_setup(pilot) -> SetupScreen:
    screen = pilot.app.screen
    assert isinstance(screen, SetupScreen)
    await until(pilot, lambda: screen.dataset is not None)
    await pilot.pause()
    assert "not measured on this machine yet" in str(screen.query_one("#summary", Static).render())
    return screen


async def finished_run(pilot) -> None:
    """Fill the form, start, and wait until the run has finished and been drawn."""
    app = pilot.app
    screen = await loaded_setup(pilot)
    for name, value in RUN.items():
        screen.query_one(f"#{name}", Input).value = value
    await pilot.pause()
    app.simulate_key("ctrl+r")
    await until(pilot, lambda: isinstance(app.screen, TrainingScreen))
    training = app.screen
    await app.workers.wait_for_complete()
    await until(pilot, lambda: training.view.state == "finished")
    await pilot.pause()
    # Nothing that depends on the clock is on screen.
    status = str(training.query_one(StatusPanel).render())
    assert re.search(r"Elapsed\s+--\s+ETA --", status) and re.search(r"Speed\s+-- samples/s", status)
    table = training.query_one("#history", DataTable)
    assert [table.get_row_at(i)[-1] for i in range(table.row_count)] == ["--"] * 3
    assert not re.search(r"\d+:\d\d|\d samples/s|\d\.\d\d s\b", status)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_setup_screen(snap_compare, size):
    assert snap_compare(ScratchnetApp(redact_timings=True), terminal_size=size, run_before=loaded_setup)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_training_screen_after_a_finished_run(snap_compare, size):
    assert snap_compare(ScratchnetApp(redact_timings=True), terminal_size=size, run_before=finished_run)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_help_screen(snap_compare, size):
    async def open_help(pilot) -> None:
        await loaded_setup(pilot)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen) and pilot.app.screen.complete)
        await pilot.pause()

    assert snap_compare(ScratchnetApp(redact_timings=True), terminal_size=size, run_before=open_help)
