"""How long the runs screen takes to show a usable table of 1,000 runs.

Trains one tiny real run on the embedded sample, copies its folder 1,000 times into a
temporary runs directory (each copy with its own id, name, date, learning rate and
accuracy), then, in a headless app at 80x24, pushes ``RunsScreen`` and measures the
time until the table holds every run (the list is read in a thread worker meanwhile).
"Usable": the first rows drawn and the keys working; the rest of the rows are added
after each refresh (``RunsScreen.filling`` is True meanwhile), timed too. Also times
a sort and a filter on the loaded list, and ``RunStore.list`` alone.

Usage: python benchmarks/runs_screen.py [--runs 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from textual.app import App
from textual.widgets import DataTable

from tui_nn.datasets import load_embedded_sample
from tui_nn.runs import Runner, RunStore
from tui_nn.training import TrainConfig
from tui_nn.tui.screens.runs.table import RunsScreen


def make_runs(root: Path, count: int) -> RunStore:
    store = RunStore(root)
    data = load_embedded_sample()
    config = TrainConfig(hidden=(16,), epochs=2, seed=0)
    runner = Runner.new(config, data, store=store, name="template")
    runner.run()
    template = runner.path
    for i in range(count):
        run_id = f"2025{(i // 28) % 12 + 1:02d}{i % 28 + 1:02d}-{i % 24:02d}0000-custom-{i:04x}"
        path = root / run_id
        shutil.copytree(template, path)
        meta = json.loads((path / "config.json").read_text())
        meta.update(run_id=run_id, name=f"run {i:04d} {'adam' if i % 3 else 'sgd'}",
                    created=f"2025-{(i // 28) % 12 + 1:02d}-{i % 28 + 1:02d}T{i % 24:02d}:00:00+00:00")
        meta["config"]["lr"] = [1e-3, 3e-3, 1e-2, 0.1][i % 4]
        (path / "config.json").write_text(json.dumps(meta))
        status = json.loads((path / "status.json").read_text())
        status["best_val_acc"] = 0.5 + (i * 37 % 500) / 1000
        (path / "status.json").write_text(json.dumps(status))
    shutil.rmtree(template)
    return store


class Host(App[None]):
    pass


async def first_frame(screen, t0: float, ready) -> float:
    """Seconds from t0 until the first frame drawn after ``ready()`` became true (polled
    with plain sleeps: ``pilot.pause`` would also wait for the rows added later)."""
    while not ready():
        await asyncio.sleep(0.005)
        if time.perf_counter() - t0 > 30:
            raise TimeoutError("never ready")
    stamp: list[float] = []
    screen.call_after_refresh(lambda: stamp.append(time.perf_counter()))
    while not stamp:
        await asyncio.sleep(0.005)
    return stamp[0] - t0


async def all_rows(screen, t0: float) -> float:
    while screen.filling:
        await asyncio.sleep(0.005)
    return time.perf_counter() - t0


async def open_once(store: RunStore, count: int) -> dict[str, float]:
    app = Host()
    times = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for attempt in ("first", "again"):
            screen = RunsScreen(store)
            t0 = time.perf_counter()
            app.push_screen(screen)

            def usable() -> bool:
                if not (screen.is_mounted and screen.loaded):
                    return False
                table = screen.query_one("#runs-table", DataTable)
                return table.row_count > 0 and not table.loading
            times[f"open: first rows drawn ({attempt} push)"] = await first_frame(screen, t0, usable)
            times[f"open: every row added ({attempt} push)"] = await all_rows(screen, t0)
            table = screen.query_one("#runs-table", DataTable)
            assert table.row_count == count
            times[f"store.list in the worker ({attempt} push)"] = screen.load_seconds
            if attempt == "first":
                await pilot.pause()
                t1 = time.perf_counter()
                screen.sort_by("best_val_acc")
                times["sort: first rows drawn"] = await first_frame(screen, t1, lambda: True)
                times["sort: every row added"] = await all_rows(screen, t1)
                t1 = time.perf_counter()
                screen.set_filter("adam 0.01")
                times["filter 'adam 0.01': first rows drawn"] = await first_frame(screen, t1, lambda: True)
                times["filter 'adam 0.01': every row added"] = await all_rows(screen, t1)
                assert 0 < table.row_count < count, table.row_count
            app.pop_screen()
            await pilot.pause()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        store = make_runs(Path(tmp) / "runs", args.runs)
        print(f"made {args.runs} runs in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        assert len(store.list()) == args.runs
        print(f"RunStore.list alone: {1000 * (time.perf_counter() - t0):.0f} ms")
        results: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            for key, value in asyncio.run(open_once(store, args.runs)).items():
                results.setdefault(key, []).append(value)
    print(f"runs screen, {args.runs} runs, headless 80x24, median of {args.repeat} (min-max):")
    for key, values in results.items():
        print(f"  {key:<36} {1000 * statistics.median(values):6.0f} ms "
              f"({1000 * min(values):.0f}-{1000 * max(values):.0f})")


if __name__ == "__main__":
    main()
