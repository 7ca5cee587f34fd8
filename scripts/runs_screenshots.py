"""SVG screenshots of the runs list and the comparison, from real runs.

Trains four tiny runs on the embedded sample (a few seconds), fixes their names, dates
and times so the pictures do not change from one machine to the next, damages one
(truncated history.csv), and saves

    screenshots/runs-80x24.svg      screenshots/runs-120x40.svg
    screenshots/compare-80x24.svg   screenshots/compare-120x40.svg

Usage: python scripts/runs_screenshots.py [--out screenshots] [--theme textual-dark]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

# the photographed app must not read or write the user's own settings
os.environ.setdefault("SCRATCHNET_CONFIG_DIR", tempfile.mkdtemp(prefix="scratchnet-shots-"))


# the demo runs are defined once, beside the tests that check them
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fixtures.demo_runs import make_demo_runs  # noqa: E402
from tui_nn.runs import RunStore
from shots import Host, screenshot_args  # scripts/shots.py
from tui_nn.tui.screens.runs.compare import CompareScreen
from tui_nn.tui.screens.runs.table import RunsScreen



async def shoot(make_screen, size, out: Path, theme: str, before=None) -> None:
    app = Host(make_screen())
    async with app.run_test(size=size) as pilot:
        app.theme = theme
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if before is not None:
            await before(pilot)
        await pilot.pause(0.2)
        app.save_screenshot(str(out))
    print("wrote", out)


def main() -> None:
    out, theme = screenshot_args(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_demo_runs(Path(tmp) / "runs")
        store = RunStore(Path(tmp) / "runs")
        for size in ((80, 24), (120, 40)):
            tag = f"{size[0]}x{size[1]}"

            async def mark_two(pilot):
                await pilot.press("down", "space")   # cursor on the second newest, marked
            asyncio.run(shoot(lambda: RunsScreen(store), size, out / f"runs-{tag}.svg", theme,
                              before=mark_two))
            asyncio.run(shoot(lambda: CompareScreen(store, paths[:3]), size, out / f"compare-{tag}.svg",
                              theme))


if __name__ == "__main__":
    main()
