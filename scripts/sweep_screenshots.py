"""SVG screenshots of the sweep screens, from a real sweep.

Runs a real 12-trial sweep (TPE, median pruning, two worker processes) of a small network on
the embedded sample into a temporary runs folder (about a minute), keeps its events, then
photographs the sweep screen replaying them up to mid-sweep (trials running, some pruned, a
best marked), and the set-up form as F3 opens it:

    screenshots/sweep-setup-80x24.svg  screenshots/sweep-80x24.svg  screenshots/sweep-120x40.svg

Usage: python scripts/sweep_screenshots.py [--out screenshots] [--theme textual-dark]
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

# the photographed app must not read or write the user's own settings or runs
os.environ.setdefault("SCRATCHNET_CONFIG_DIR", tempfile.mkdtemp(prefix="scratchnet-shots-"))
os.environ.setdefault("SCRATCHNET_RUNS_DIR", tempfile.mkdtemp(prefix="scratchnet-shots-runs-"))

from tui_nn.sweeps import SearchSpace, Sweep, SweepSpec, TrialEnded  # noqa: E402
from tui_nn.training import TrainConfig  # noqa: E402
from shots import Host, screenshot_args, settle_footer  # noqa: E402  (scripts/shots.py)
from tui_nn.tui.messages import SweepMessage  # noqa: E402
from tui_nn.tui.screens.setup import SetupScreen  # noqa: E402
from tui_nn.tui.screens.sweep import SweepScreen, SweepSetupScreen  # noqa: E402

BASE = TrainConfig(hidden=(64,), epochs=6, batch_size=64, optimizer="adam", lr_schedule="constant",
                   augment="none", dropout=0.0)
SPACE = ["lr=log:1e-4:1e-1", "hidden=choice:32|64|128,64", "batch_size=choice:32|64|128"]


def record_sweep(runs_dir: Path) -> tuple[SweepSpec, list]:
    spec = SweepSpec(name="lr-hidden-batch", base=BASE, space=SearchSpace.parse(SPACE), trials=12,
                     sampler="tpe", pruner="median", metric="val_acc")
    events: list = []
    sweep = Sweep.new(spec, runs_dir)
    sweep.add_listener(events.append)
    sweep.run(workers=2)
    return spec, events


def mid_sweep(events: list) -> list:
    """The events up to the 8th ended trial: trials still running, others done or pruned."""
    ended = 0
    for index, event in enumerate(events):
        if isinstance(event, TrialEnded):
            ended += 1
            if ended == 8:
                return events[:index + 1]
    return events




async def shoot_live(spec, events, size, out: Path, theme: str) -> None:
    screen = SweepScreen(spec)
    app = Host(screen)
    async with app.run_test(size=size) as pilot:
        app.theme = theme
        await pilot.pause(0.3)
        for event in events:
            screen.post_message(SweepMessage(event))
        await pilot.pause(0.8)
        await settle_footer(pilot, screen)
        app.save_screenshot(str(out))
    print("wrote", out)


async def shoot_setup(size, out: Path, theme: str) -> None:
    app = Host()
    async with app.run_test(size=size) as pilot:
        app.theme = theme
        while not isinstance(app.screen, SetupScreen):
            await pilot.pause(0.1)
        app.screen.fill(BASE)
        await pilot.pause(0.3)
        await pilot.press("f3")
        while not isinstance(app.screen, SweepSetupScreen):
            await pilot.pause(0.1)
        app.screen.query_one("#sweep-name").value = "lr-hidden-batch"
        await pilot.pause(0.3)
        app.save_screenshot(str(out))
    print("wrote", out)


def main() -> None:
    out, theme = screenshot_args(__doc__)
    spec, events = record_sweep(Path(os.environ["SCRATCHNET_RUNS_DIR"]))
    shown = mid_sweep(events)
    asyncio.run(shoot_setup((80, 24), out / "sweep-setup-80x24.svg", theme))
    asyncio.run(shoot_live(spec, shown, (80, 24), out / "sweep-80x24.svg", theme))
    asyncio.run(shoot_live(spec, shown, (120, 40), out / "sweep-120x40.svg", theme))


if __name__ == "__main__":   # the sweep's worker processes are spawned: they import this module
    main()
