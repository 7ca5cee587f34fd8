"""SVG screenshots of the dashboard in a real run: the real app, the real trainer, the
embedded sample (a 784-256-128-10 network, 20 epochs: a few seconds).

    screenshots/setup-80x24.svg        screenshots/setup-120x40.svg
    screenshots/training-80x24.svg     (mid-run)
    screenshots/training-120x40.svg    (finished)
    screenshots/training-light-120x40.svg   (finished, light theme)
    screenshots/help-80x24.svg         screenshots/too-small.svg (50x15)

Timings are real (not redacted), so these differ a little from run to run; the snapshot
tests (tests/test_tui_snapshots.py) are the deterministic pictures. The app runs headless
with its settings and runs directories in a temporary folder, so nothing of the user's is
read or written. Every SVG gets ``xml:space="preserve"``: without it some renderers
(librsvg's rsvg-convert) drop the leading non-breaking spaces of each text run and the
columns slide left.

Usage: python scripts/screenshots.py [--out screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

RUN = {"hidden": "256,128", "epochs": "20", "batch_size": "64"}
MID_RUN_EPOCH = 8


async def until(pilot, condition, timeout: float = 60.0) -> None:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.02)


def save(app, path: Path) -> None:
    """Write the screen as SVG, with whitespace preserved for every renderer."""
    svg = app.export_screenshot()
    if "xml:space" not in svg[:300]:
        svg = svg.replace("<svg ", '<svg xml:space="preserve" ', 1)
    path.write_text(svg, encoding="utf-8")
    print("wrote", path)


async def loaded_setup(pilot):
    from tui_nn.tui.screens.setup import SetupScreen

    screen = pilot.app.screen
    assert isinstance(screen, SetupScreen)
    await until(pilot, lambda: screen.dataset is not None)
    await pilot.pause()
    return screen


async def start(pilot):
    """Type the run's settings into the form and start it; returns the training screen."""
    from textual.widgets import Input

    from tui_nn.tui.screens.training import TrainingScreen

    app = pilot.app
    screen = await loaded_setup(pilot)
    for name, value in RUN.items():
        field = screen.query_one(f"#{name}", Input)
        field.focus()
        await pilot.press("home", "ctrl+k", *value)
    app.simulate_key("ctrl+r")   # pilot.press would wait for an idle CPU, and training is not idle
    await until(pilot, lambda: isinstance(app.screen, TrainingScreen))
    return app.screen


async def shoot_setup(out: Path) -> None:
    from tui_nn.tui.app import ScratchnetApp

    for size in ((80, 24), (120, 40)):
        app = ScratchnetApp()
        async with app.run_test(size=size) as pilot:
            await loaded_setup(pilot)
            save(app, out / f"setup-{size[0]}x{size[1]}.svg")
            if size == (80, 24):
                await pilot.press("f1")
                await pilot.pause()
                save(app, out / "help-80x24.svg")


async def shoot_training(out: Path) -> None:
    from tui_nn.tui.app import LIGHT_THEME, ScratchnetApp

    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot)
        await until(pilot, lambda: screen.view.epoch >= MID_RUN_EPOCH and screen.view.batch > 0)
        await asyncio.sleep(0.3)               # a redraw or two (the screen redraws 4 times a second)
        save(app, out / "training-80x24.svg")
        await app.workers.wait_for_complete()
        await until(pilot, lambda: screen.view.state == "finished")
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        save(app, out / "training-120x40.svg")
        app.theme = LIGHT_THEME
        await pilot.pause()
        save(app, out / "training-light-120x40.svg")
        app.theme = "textual-dark"
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        save(app, out / "too-small.svg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", help="folder for the SVG files")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Before the app is imported: the settings and runs directories are read from these.
        os.environ["SCRATCHNET_CONFIG_DIR"] = str(Path(tmp) / "config")
        os.environ["SCRATCHNET_RUNS_DIR"] = str(Path(tmp) / "runs")
        asyncio.run(shoot_setup(out))
        asyncio.run(shoot_training(out))


if __name__ == "__main__":
    main()
