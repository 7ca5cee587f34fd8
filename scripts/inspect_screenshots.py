"""Write screenshots/inspect-*.svg: the four inspection screens inside the real app, at 80x24
and 120x40 (and the mistakes list without colour), on a 784-128-10 network trained for 10
epochs on the embedded sample.

    python scripts/inspect_screenshots.py [--out screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

os.environ.setdefault("SCRATCHNET_CONFIG_DIR", tempfile.mkdtemp(prefix="scratchnet-shots-"))

from tui_nn.datasets import load_embedded_sample  # noqa: E402
from tui_nn.inspection import inspection_data_from  # noqa: E402
from tui_nn.runs import Runner  # noqa: E402
from tui_nn.training import TrainConfig  # noqa: E402
from tui_nn.tui.app import ScratchnetApp  # noqa: E402
from tui_nn.tui.screens.inspect import make_inspect_screen  # noqa: E402

SCREENS = (("mistakes", "misclassified"), ("confusion", "confusion"), ("draw", "draw"), ("weights", "weights"))


class Host(ScratchnetApp):
    """The real app, opened straight onto an inspection screen."""

    def __init__(self, key: str, data) -> None:
        super().__init__()
        self.key, self.data = key, data



async def shoot(key: str, data, size, out: Path, before=None) -> None:
    data.view.clear()
    app = Host(key, data)
    async with app.run_test(size=size) as pilot:
        # once the setup screen below has built its form (it mounts its rows once drawn)
        while not app.screen.form_ready:
            await pilot.pause(0.05)
        app.push_screen(make_inspect_screen(app.key, app.data))
        await pilot.pause(0.2)
        if before is not None:
            await before(pilot)
            await pilot.pause(0.2)
        app.save_screenshot(str(out))
    print("wrote", out)


async def draw_a_seven(pilot) -> None:
    """A few strokes on the canvas with the keyboard, as a user would."""
    await pilot.press(*["right"] * 8, *["down"] * 6)
    for _ in range(10):
        await pilot.press("space", "right")
    for _ in range(12):
        await pilot.press("space", "down", "left")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_embedded_sample()
    result = Runner.new(TrainConfig(hidden=(128,), epochs=10, seed=0), data, record=False).run()
    inspection = inspection_data_from(result.network, data)
    for size in ((80, 24), (120, 40)):
        tag = f"{size[0]}x{size[1]}"
        for key, name in SCREENS:
            before = draw_a_seven if key == "draw" else None
            asyncio.run(shoot(key, inspection, size, out / f"inspect-{name}-{tag}.svg", before))
    os.environ["NO_COLOR"] = "1"
    asyncio.run(shoot("mistakes", inspection, (80, 24), out / "inspect-misclassified-80x24-nocolor.svg"))


if __name__ == "__main__":
    main()
