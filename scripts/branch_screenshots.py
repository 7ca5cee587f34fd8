"""SVG screenshots of a branch, from real runs: a parent trained 16 epochs with SGD+momentum
whose learning rate is changed by hand in epoch 5, and a branch from its epoch 8 with a ten
times lower learning rate. Saves

    screenshots/branch-compare-80x24.svg   screenshots/branch-compare-120x40.svg
        the two runs compared: the branch leaves the parent at epoch 8 (a line in its colour)
    screenshots/branch-dialog-80x24.svg
        the Branch dialog (b on the runs screen) on the parent
    screenshots/branch-charts-120x40.svg
        the parent's charts: a grey line where its learning rate was changed

Usage: python scripts/branch_screenshots.py [--out screenshots] [--theme textual-dark]
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

os.environ.setdefault("SCRATCHNET_CONFIG_DIR", tempfile.mkdtemp(prefix="scratchnet-shots-"))

from shots import Host, screenshot_args, settle_footer  # noqa: E402  (scripts/shots.py)
from tui_nn.runs import Runner, RunStore  # noqa: E402
from tui_nn.training import TrainConfig  # noqa: E402
from tui_nn.training.events import EpochEnded  # noqa: E402
from tui_nn.tui.screens.runs.branch import BranchRunScreen  # noqa: E402
from tui_nn.tui.screens.runs.compare import CompareScreen, RunChartsScreen  # noqa: E402
from tui_nn.tui.screens.runs.table import RunsScreen  # noqa: E402

PARENT = TrainConfig(hidden=(64,), epochs=16, batch_size=64, optimizer="momentum", lr=0.02, lr_schedule="constant",
                     augment="none", dropout=0.0)


def make_runs(root: Path) -> tuple[Path, Path]:
    store = RunStore(root)
    parent = Runner.new(PARENT, store=store, name="sgd lr 0.02")

    def change_after_epoch_4(event) -> None:
        if isinstance(event, EpochEnded) and event.epoch == 4:
            parent.change(lr="0.05")
    parent.add_listener(change_after_epoch_4)
    parent.run()
    branch = Runner.branching(store, parent.path, 8, {"lr": "0.005"}, name="branch lr 0.005 @8")
    branch.run()
    return parent.path, branch.path


async def shoot_dialog(store: RunStore, parent: Path, size, out: Path, theme: str) -> None:
    """The runs screen, the parent highlighted, b pressed."""
    runs = RunsScreen(store)
    app = Host(runs)
    async with app.run_test(size=size) as pilot:
        app.theme = theme
        while not (runs.is_mounted and runs.loaded and not runs.filling):
            await pilot.pause(0.1)
        row = next(i for i, info in enumerate(runs.shown) if info.path == parent)
        runs.query_one("#runs-table").move_cursor(row=row)
        await pilot.press("b")
        while not isinstance(app.screen, BranchRunScreen):
            await pilot.pause(0.1)
        await pilot.pause(0.8)
        app.save_screenshot(str(out))
    print("wrote", out)


async def shoot(screen, size, out: Path, theme: str, wait: float = 0.8) -> None:
    app = Host(screen)
    async with app.run_test(size=size) as pilot:
        app.theme = theme
        await pilot.pause(wait)
        await settle_footer(pilot, screen)
        app.save_screenshot(str(out))
    print("wrote", out)


def main() -> None:
    out, theme = screenshot_args(__doc__)
    root = Path(tempfile.mkdtemp(prefix="scratchnet-shots-runs-"))
    parent, branch = make_runs(root)
    store = RunStore(root)
    for size in ((80, 24), (120, 40)):
        asyncio.run(shoot(CompareScreen(store, [parent, branch]), size,
                          out / f"branch-compare-{size[0]}x{size[1]}.svg", theme))
    asyncio.run(shoot_dialog(store, parent, (80, 24), out / "branch-dialog-80x24.svg", theme))
    asyncio.run(shoot(RunChartsScreen(store, parent), (120, 40), out / "branch-charts-120x40.svg", theme))


if __name__ == "__main__":
    main()
