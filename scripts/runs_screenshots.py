"""SVG screenshots of the runs list and the comparison, from real runs.

Trains four tiny runs on the embedded sample (a few seconds), fixes their names, dates
and times so the pictures do not change from one machine to the next, damages one
(truncated history.csv), and saves

    screenshots/runs-80x24.svg      screenshots/runs-120x40.svg
    screenshots/compare-80x24.svg   screenshots/compare-120x40.svg

Usage: python scripts/runs_screenshots.py [--out screenshots] [--theme textual-dark]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
from pathlib import Path

# the photographed app must not read or write the user's own settings
os.environ.setdefault("SCRATCHNET_CONFIG_DIR", tempfile.mkdtemp(prefix="scratchnet-shots-"))


from tui_nn.datasets import load_embedded_sample
from tui_nn.runs import RunRecorder, RunStore
from tui_nn.runs.recorder import dataset_identity
from tui_nn.training import TrainConfig, Trainer
from tui_nn.tui.app import ScratchnetApp
from tui_nn.tui.screens.runs.compare import CompareScreen
from tui_nn.tui.screens.runs.table import RunsScreen

# (fixed id, name, date, seconds, config changes); the last one is damaged afterwards.
DEMO_RUNS = [
    ("20250301-091500-custom-a001", "adam 3e-3", "2025-03-01T09:15:00+00:00", 4.2,
     dict(hidden=(16,), epochs=3, optimizer="adam", lr=3e-3, seed=0)),
    ("20250302-101000-custom-a002", "sgd 0.1", "2025-03-02T10:10:00+00:00", 3.9,
     dict(hidden=(16,), epochs=3, optimizer="sgd", lr=0.1, seed=1)),
    ("20250303-111500-custom-a003", "wide adam 1e-3", "2025-03-03T11:15:00+00:00", 5.1,
     dict(hidden=(32,), epochs=2, optimizer="adam", lr=1e-3, batch_size=128, seed=2)),
    ("20250304-121500-custom-a004", "cut short", "2025-03-04T12:15:00+00:00", 2.0,
     dict(hidden=(16,), epochs=2, optimizer="momentum", lr=0.05, seed=3)),
]


def make_demo_runs(root: Path) -> list[Path]:
    """Four recorded runs in ``root`` (the last damaged); returns their folders, oldest first."""
    store = RunStore(root)
    data = load_embedded_sample()
    paths = []
    for run_id, name, created, seconds, changes in DEMO_RUNS:
        config = TrainConfig(**{"batch_size": 64, **changes})
        made = store.create(config, dataset_identity(data), name=name)
        trainer = Trainer(config, data, blas_threads=1)
        trainer.on_event = RunRecorder(made, trainer, data)
        trainer.run()
        path = made.with_name(run_id)
        made.rename(path)
        meta = json.loads((path / "config.json").read_text())
        meta.update(run_id=run_id, created=created)
        (path / "config.json").write_text(json.dumps(meta, indent=2))
        status = json.loads((path / "status.json").read_text())
        status["seconds"] = seconds
        (path / "status.json").write_text(json.dumps(status, indent=2))
        paths.append(path)
    history = paths[-1] / "history.csv"
    history.write_bytes(history.read_bytes()[:-25])     # truncated: the run is damaged
    return paths


class Host(ScratchnetApp):
    """The real app, opened straight onto the screen to photograph."""

    def __init__(self, screen) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        super().on_mount()
        self.push_screen(self.first)


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--theme", default="textual-dark")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_demo_runs(Path(tmp) / "runs")
        store = RunStore(Path(tmp) / "runs")
        for size in ((80, 24), (120, 40)):
            tag = f"{size[0]}x{size[1]}"

            async def mark_two(pilot):
                await pilot.press("down", "space")   # cursor on the second newest, marked
            asyncio.run(shoot(lambda: RunsScreen(store), size, out / f"runs-{tag}.svg", args.theme,
                              before=mark_two))
            asyncio.run(shoot(lambda: CompareScreen(store, paths[:3]), size, out / f"compare-{tag}.svg",
                              args.theme))


if __name__ == "__main__":
    main()
