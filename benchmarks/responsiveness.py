"""Does the dashboard stay responsive while it trains, and what does it cost the training?

    python benchmarks/responsiveness.py [--data DIR] [--epochs 6] [--headless-epochs 3]

Goals (issue #3): a key press shows on screen within 50 ms at the 95th percentile while the
default preset trains on full Fashion-MNIST, chart updates never block input, and training
inside the dashboard runs at >= 90% of the headless ``Trainer``'s samples per second.

Method
------
The real ``ScratchnetApp`` runs headless (``App.run_test``, 80x24) and trains the default
preset (784-512-256-10, Adam, mini-batch 64, dropout, shifts) on full Fashion-MNIST through
``app.start_training(config, dataset)``, exactly as the Start button does: the same child
process and the thread worker relaying its events, the same progress messages (every 0.1 s), the same redraw timer, the same run
recording.

*Key latency.* Once the epoch table has two rows (after epoch 2), the benchmark focuses it
and presses up or down (alternately, so the cursor really moves) every 40-120 ms until the
run ends. A press is posted to the app's message queue as the terminal driver posts one
(``events.Key``); its latency is the time from posting it to the end of the first screen
update (``App._display``) that shows the cursor on the new row. The headless driver writes
nothing, so the wrapper around ``_display`` also renders the update to the terminal
sequence a real terminal would get (``render_segments``): only the final write to the tty
is left out. A press during which a new epoch row arrived (the screen then moves the cursor
to the newest row itself) is left out, as is the pacing between presses.

*Chart updates.* ``MetricChart.redraw`` (plotting) and ``MetricChart.render`` (plotext
building the text) are timed on every call; presses whose wait overlapped one of them are
reported separately. An asyncio ticker (sleep 5 ms, measure the oversleep) gives the event
loop's lag over the whole run: its maximum is the longest stretch the UI thread could not
react at all, chart redraws included.

*Throughput.* samples/s is the trainer's own per-epoch figure (training only, pauses
excluded), median over epochs 2.. (the first warms up). The headless ``Trainer`` runs the same
config with the same single BLAS thread in this process, half before and half after the
dashboard runs (the machine's speed drifts). Two dashboard figures: a run nobody touches
(its own 0.1 s progress messages and 4 redraws a second only), and the run above, measured
while the keys are pressed and the probes (a 5 ms ticker) also wants the GIL.

Fashion-MNIST is looked up in --data, else $SCRATCHNET_FASHION_MNIST, else
../shared/datasets/fashion-mnist beside the repository; the script says so and exits 0
when it is absent. Settings and runs go to a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV_VAR = "SCRATCHNET_FASHION_MNIST"
P95_GOAL_MS = 50.0
THROUGHPUT_GOAL = 0.90


def find_data(arg: str | None) -> Path | None:
    for candidate in (arg, os.environ.get(ENV_VAR), str(REPO.parent / "shared" / "datasets" / "fashion-mnist")):
        if candidate and Path(candidate).expanduser().is_dir() and any(Path(candidate).expanduser().glob("train-images*")):
            return Path(candidate).expanduser()
    return None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def headless_speeds(config, dataset, epochs: int) -> list[float]:
    from tui_nn.runs import Runner

    result = Runner.new(config.with_changes(epochs=epochs), dataset, record=False, blas_threads=1).run()
    return [float(s) for s in result.history["samples_per_s"]]


async def dashboard_idle(config, dataset, epochs: int) -> list[float]:
    """samples/s per epoch of a run inside the dashboard with nobody pressing anything
    and nothing measuring but the trainer itself."""
    from tui_nn.tui.app import ScratchnetApp

    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        error = app.start_training(config.with_changes(epochs=epochs), dataset)
        if error:
            raise SystemExit(f"could not start: {error}")
        await asyncio.sleep(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        return [float(s) for s in app.last_result.history["samples_per_s"]]


async def dashboard_run(config, dataset, epochs: int) -> dict:
    from rich.console import Console
    from textual import events
    from textual._compositor import CompositorUpdate
    from textual.widgets import DataTable

    from tui_nn.tui.app import ScratchnetApp
    from tui_nn.tui.widgets.charts import MetricChart

    # ---- chart timing: every redraw (plotting) and render (building the text)
    chart_spans: list[tuple[float, float, str]] = []
    original_redraw, original_render = MetricChart.redraw, MetricChart.render

    def timed_redraw(self):
        t = time.perf_counter()
        try:
            return original_redraw(self)
        finally:
            chart_spans.append((t, time.perf_counter(), "redraw"))

    def timed_render(self):
        t = time.perf_counter()
        try:
            return original_render(self)
        finally:
            chart_spans.append((t, time.perf_counter(), "render"))

    MetricChart.redraw, MetricChart.render = timed_redraw, timed_render

    app = ScratchnetApp()
    console = Console(width=80, height=24, force_terminal=True, color_system="truecolor", file=open(os.devnull, "w"))
    pending: dict | None = None
    latencies: list[tuple[float, float, float]] = []   # (start, end, ms)
    original_display = app._display

    def display(screen, renderable) -> None:
        original_display(screen, renderable)
        if renderable is not None:   # what the terminal driver would have to write
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(console)
            else:
                console._render_buffer(console.render(renderable))
        nonlocal pending
        if pending is not None and pending["done"] is None and pending["shown"]():
            pending["done"] = time.perf_counter()
            pending["event"].set()

    app._display = display
    lags: list[float] = []
    skipped = timeouts = 0
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            error = app.start_training(config.with_changes(epochs=epochs), dataset)
            if error:
                raise SystemExit(f"could not start: {error}")
            screen = app.training_screen
            running = True

            async def ticker():
                while running:
                    t = time.perf_counter()
                    await asyncio.sleep(0.005)
                    lags.append(time.perf_counter() - t - 0.005)
            tick = asyncio.create_task(ticker())

            while not (app.screen is screen and screen.query("#history")):
                await asyncio.sleep(0.01)
            table = screen.query_one("#history", DataTable)
            while table.row_count < 2 and app.training_active:
                await asyncio.sleep(0.05)
            table.focus()
            await asyncio.sleep(0.05)
            rng = random.Random(0)
            while app.training_active:
                row, rows = table.cursor_row, table.row_count
                key, target = ("up", row - 1) if row > 0 else ("down", row + 1)
                pending = {"shown": lambda target=target: table.cursor_row == target, "done": None,
                           "event": asyncio.Event()}
                start = time.perf_counter()
                app.post_message(events.Key(key, None))
                try:
                    await asyncio.wait_for(pending["event"].wait(), 2.0)
                except asyncio.TimeoutError:
                    pass
                done = pending["done"]
                pending = None
                if table.row_count != rows:
                    skipped += 1          # a new epoch row moved the cursor meanwhile
                elif done is None:
                    timeouts += 1
                else:
                    latencies.append((start, done, (done - start) * 1000))
                await asyncio.sleep(rng.uniform(0.04, 0.12))
            running = False
            await tick
            await app.workers.wait_for_complete()
            await pilot.pause()
            result = app.last_result
    finally:
        MetricChart.redraw, MetricChart.render = original_redraw, original_render

    def overlaps(start, end):
        return any(s < end and e > start for s, e, _ in chart_spans)

    return {
        "latencies": [ms for _, _, ms in latencies],
        "during_chart": [ms for s, e, ms in latencies if overlaps(s, e)],
        "chart_ms": [(e - s) * 1000 for s, e, _ in chart_spans],
        "chart_redraw_ms": [(e - s) * 1000 for s, e, kind in chart_spans if kind == "redraw"],
        "chart_render_ms": [(e - s) * 1000 for s, e, kind in chart_spans if kind == "render"],
        "lags_ms": [lag * 1000 for lag in lags],
        "skipped": skipped,
        "timeouts": timeouts,
        "speeds": [float(s) for s in result.history["samples_per_s"]],
        "status": result.status,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="Fashion-MNIST IDX directory")
    parser.add_argument("--epochs", type=int, default=6, help="epochs trained inside the dashboard")
    parser.add_argument("--headless-epochs", type=int, default=3,
                        help="epochs of the headless Trainer before and after the dashboard run")
    args = parser.parse_args()
    data_dir = find_data(args.data)
    if data_dir is None:
        print(f"Fashion-MNIST not found (--data, ${ENV_VAR} or ../shared/datasets/fashion-mnist): skipped.")
        return 0

    tmp = tempfile.TemporaryDirectory()
    os.environ["SCRATCHNET_CONFIG_DIR"] = str(Path(tmp.name) / "config")
    os.environ["SCRATCHNET_RUNS_DIR"] = str(Path(tmp.name) / "runs")
    from tui_nn.datasets import load_idx_dir
    from tui_nn.training.presets import PRESETS

    dataset = load_idx_dir(data_dir)
    config = PRESETS["default"].config.with_changes(dataset=str(data_dir))
    print(f"default preset on {dataset.name}: {len(dataset.x_train):,} train images; "
          f"{args.epochs} epochs in the dashboard, {args.headless_epochs}+{args.headless_epochs} headless",
          flush=True)

    before = headless_speeds(config, dataset, args.headless_epochs)
    idle = asyncio.run(dashboard_idle(config, dataset, args.headless_epochs + 1))[1:]
    dash = asyncio.run(dashboard_run(config, dataset, args.epochs))
    after = headless_speeds(config, dataset, args.headless_epochs)
    headless = before[1:] + after[1:]
    inside = dash["speeds"][1:]

    lat = dash["latencies"]
    rows = [
        ("key press -> screen (ms)", len(lat), pct(lat, 50), pct(lat, 95), max(lat, default=float("nan"))),
        ("  of which during a chart update", len(dash["during_chart"]), pct(dash["during_chart"], 50),
         pct(dash["during_chart"], 95), max(dash["during_chart"], default=float("nan"))),
        ("chart redraw, plotting (ms)", len(dash["chart_redraw_ms"]), pct(dash["chart_redraw_ms"], 50),
         pct(dash["chart_redraw_ms"], 95), max(dash["chart_redraw_ms"], default=float("nan"))),
        ("chart render, plotext build (ms)", len(dash["chart_render_ms"]), pct(dash["chart_render_ms"], 50),
         pct(dash["chart_render_ms"], 95), max(dash["chart_render_ms"], default=float("nan"))),
        ("event-loop lag (ms)", len(dash["lags_ms"]), pct(dash["lags_ms"], 50), pct(dash["lags_ms"], 95),
         max(dash["lags_ms"], default=float("nan"))),
    ]
    print()
    print(f"{'measure':34} {'n':>6} {'p50':>8} {'p95':>8} {'max':>8}")
    for name, n, p50, p95, worst in rows:
        print(f"{name:34} {n:>6} {p50:>8.1f} {p95:>8.1f} {worst:>8.1f}")
    print(f"(presses left out: {dash['skipped']} crossed an epoch end, {dash['timeouts']} not shown within 2 s)")
    print()
    base = statistics.median(headless)
    ratio = statistics.median(inside) / base
    idle_ratio = statistics.median(idle) / base
    print(f"{'training speed (samples/s)':34} {'median':>10} {'vs headless':>12}   per epoch (first left out)")
    for name, speeds in (("headless Trainer", headless), ("dashboard, nobody typing", idle),
                         ("dashboard, keys every 40-120 ms", inside)):
        print(f"{name:34} {statistics.median(speeds):>10,.0f} {statistics.median(speeds) / base:>12.1%}   "
              + ", ".join(f"{s:,.0f}" for s in speeds))
    print("(the keyed run also carries this benchmark's own probe: a 5 ms ticker)")
    print()
    p95 = pct(lat, 95)
    print(f"goal p95 < {P95_GOAL_MS:.0f} ms: {'met' if p95 < P95_GOAL_MS else 'NOT met'} ({p95:.1f} ms); "
          f"goal >= {THROUGHPUT_GOAL:.0%} of headless speed: "
          f"{'met' if min(ratio, idle_ratio) >= THROUGHPUT_GOAL else 'NOT met'} "
          f"({idle_ratio:.1%} untouched, {ratio:.1%} with keys); run ended {dash['status']}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
