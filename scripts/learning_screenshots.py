"""SVG screenshots of the learning screen (per-batch loss, layer health), from a real run.

Trains 784-128-64-10 ReLU with SGD at a high learning rate on the embedded sample (a few
seconds) -- high enough that some ReLUs die, which the layers view shows -- and saves

    screenshots/learning-steps-80x24.svg   screenshots/learning-layers-80x24.svg
    screenshots/learning-steps-120x40.svg  screenshots/learning-layers-120x40.svg

Usage: python scripts/learning_screenshots.py [--out screenshots] [--theme textual-dark]
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

os.environ.setdefault("SCRATCHNET_CONFIG_DIR", tempfile.mkdtemp(prefix="scratchnet-shots-"))

from tui_nn.runs import Runner, RunStore  # noqa: E402
from tui_nn.training import TrainConfig  # noqa: E402
from shots import Host, screenshot_args, settle_footer  # noqa: E402  (scripts/shots.py)
from tui_nn.tui.screens.learning import LearningScreen  # noqa: E402

CONFIG = TrainConfig(hidden=(128, 64), epochs=8, batch_size=64, optimizer="sgd", lr=0.5, lr_schedule="constant",
                     augment="none", dropout=0.0)




async def shoot(path: Path, size, view: str, out: Path, theme: str) -> None:
    screen = LearningScreen(path)
    app = Host(screen)
    async with app.run_test(size=size) as pilot:
        app.theme = theme
        await pilot.pause(0.5)
        if view == "layers":
            await pilot.press("v")
        await pilot.pause(0.5)
        await settle_footer(pilot, screen)
        app.save_screenshot(str(out))
    print("wrote", out)


def main() -> None:
    out, theme = screenshot_args(__doc__)
    runner = Runner.new(CONFIG, store=RunStore(tempfile.mkdtemp(prefix="scratchnet-shots-runs-")))
    runner.run()
    for size in ((80, 24), (120, 40)):
        for view in ("steps", "layers"):
            asyncio.run(shoot(runner.path, size, view, out / f"learning-{view}-{size[0]}x{size[1]}.svg", theme))


if __name__ == "__main__":
    main()
