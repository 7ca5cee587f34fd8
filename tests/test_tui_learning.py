"""Tuning and watching in the dashboard: how a run learns (the loss of every batch, smoothed or
raw, linear or log10, in epochs or steps; the layers' health), read from a real recorded run;
a run another process trains, followed live; the LR range test from setup; a large CSV's
load progress in the form."""

from __future__ import annotations

import time

import numpy as np

from fixtures.pilot import wait_for
from tui_nn.runs import RunRecord
from tui_nn.training import TrainConfig
from tui_nn.training.curves import ema_smooth
from tui_nn.tui.app import ScratchnetApp
from tui_nn.tui.screens.learning import LearningScreen
from tui_nn.tui.screens.setup import SetupScreen, cached_dataset

CONFIG = TrainConfig(hidden=(32, 16), epochs=3, batch_size=128, optimizer="adam", lr=3e-3, lr_schedule="constant",
                     augment="none", dropout=0.0)



def plotted_ys(screen) -> list[float]:
    plt = screen.query_one("#steps-chart").plt
    return [y for ys in plt._active.monitor.y for y in ys]   # what plotext was given to draw


async def test_the_learning_screen_shows_every_batch_and_each_layers_health():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen))
        assert app.start_training(CONFIG, cached_dataset("mnist-sample")) is None
        await wait_for(pilot, lambda: app.training_screen.view.state == "finished")
        await app.workers.wait_for_complete()
        record = RunRecord(app.run_path)
        steps = record.steps()
        assert steps.shape[0] == 3 and steps.shape[1] > 10

        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, LearningScreen))
        screen = app.screen
        assert "3 epochs" in str(screen.query_one("#learning-title").content)
        # once laid out, every batch fits the 80-column chart's points
        await wait_for(pilot, lambda: len(plotted_ys(screen)) == steps.size, seconds=10)
        smoothed = plotted_ys(screen)
        np.testing.assert_allclose(smoothed, ema_smooth(steps.ravel(), 0.9), rtol=1e-6)
        await pilot.press("m")                                 # raw
        np.testing.assert_allclose(plotted_ys(screen), steps.ravel(), rtol=1e-6)
        await pilot.press("g")                                 # log10 of the raw losses
        np.testing.assert_allclose(plotted_ys(screen), np.log10(steps.ravel()), rtol=1e-5)
        await pilot.press("x")
        assert screen.x_in_epochs is False

        await pilot.press("v")                                 # the layers
        await pilot.pause(0.2)
        table = screen.query_one("#layer-table")
        health = record.health()
        assert table.row_count == 3                            # two hidden layers and the output
        assert table.get_row_at(0)[0] == "hidden 1" and table.get_row_at(2)[0] == "output"
        assert table.get_row_at(0)[1] == f"{health['weight_norm'][-1][0]:.3g}"
        heatmap = str(screen.query_one("#layer-heatmap").content)
        assert heatmap.startswith("hidden 1 activations by epoch")
        assert all(f"{epoch:>5} |" in heatmap for epoch in (1, 2, 3))   # a row per epoch
        await pilot.press("right_square_bracket")
        assert str(screen.query_one("#layer-heatmap").content).startswith("hidden 2 ")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, LearningScreen))


async def test_a_run_trained_by_another_process_is_listed_as_running_and_its_charts_follow_it(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from tui_nn.runs import RunStore
    from tui_nn.training.status import RunStatus
    from tui_nn.tui.screens.runs.compare import RunChartsScreen

    runs = tmp_path / "runs"
    trainer = subprocess.Popen(
        [sys.executable, "-m", "tui_nn.entry", "train", "--hidden", "64", "--epochs", "500", "--batch-size", "64",
         "--augment", "none", "--runs-dir", str(runs)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        store = RunStore(runs)
        deadline = time.monotonic() + 60
        while not (store.list() and store.list()[0].epochs >= 1):
            assert time.monotonic() < deadline and trainer.poll() is None, "the other process never trained"
            time.sleep(0.2)
        (info,) = store.list()
        assert info.status == RunStatus.RUNNING                  # owned by the other process
        app = ScratchnetApp(runs_dir=str(runs))
        async with app.run_test(size=(80, 24)) as pilot:
            app.push_screen(RunChartsScreen(app.run_store, info.path))
            await wait_for(pilot, lambda: isinstance(app.screen, RunChartsScreen) and app.screen.run is not None)
            screen = app.screen
            first = len(screen.query_one("#run-charts-loss").epochs)
            assert "live" in screen.sub_title
            await wait_for(pilot, lambda: len(screen.query_one("#run-charts-loss").epochs) > first, seconds=30)
    finally:
        trainer.send_signal(signal.SIGINT)
        trainer.wait(30)


async def test_find_lr_in_setup_runs_the_range_test_and_offers_its_suggestion_for_the_form():
    from tui_nn.datasets import load_dataset
    from tui_nn.training.lr_find import lr_range_test
    from tui_nn.tui.screens.confirm import ConfirmScreen

    config = CONFIG.with_changes(lr=0.5)
    expected = f"{lr_range_test(config, load_dataset('mnist-sample')).suggested:.3g}"   # deterministic by seed
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.dataset is not None)
        setup = app.screen
        setup.fill(config)
        await pilot.pause(0.3)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert f"lr {expected}" in str(app.screen.query_one("#confirm-text").content)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is setup)
        assert setup.query_one("#lr").value == expected
        config_now, errors = setup.read_form()
        assert not errors and f"{config_now.lr:.3g}" == expected


async def test_loading_a_large_csv_shows_how_far_it_has_read(tmp_path):
    from tui_nn.datasets.csv_reader import CHUNK_ROWS

    rows = 2 * CHUNK_ROWS + 100                                # three chunks: progress between them
    rng = np.random.default_rng(0)
    pixels = np.where(rng.random((rows, 784)) < 0.1, rng.integers(1, 256, (rows, 784)), 0)
    table = np.column_stack([rng.integers(0, 10, rows), pixels])
    path = tmp_path / "big.csv"
    with open(path, "w") as out:
        out.write("label," + ",".join(f"pixel{i}" for i in range(784)) + "\n")
        np.savetxt(out, table, fmt="%d", delimiter=",")
    app = ScratchnetApp()
    hints: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.dataset is not None)
        setup = app.screen
        setup.fill(CONFIG.with_changes(dataset=str(path)))
        row = setup.query_one("#row-dataset")
        deadline = time.monotonic() + 120
        while not (setup.dataset is not None and setup.dataset_key == str(path)):
            assert time.monotonic() < deadline, hints
            if row.hint not in hints:
                hints.append(row.hint)
            await pilot.pause(0.01)
    assert any(h.startswith("loading... ") and h.endswith("%") and h != "loading... 100%" for h in hints), hints
