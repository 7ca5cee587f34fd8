"""What a training run in the dashboard's own process costs its event loop (the GIL).

    python benchmarks/training_gil.py [--seconds 8] [--data DIR] [--switch 0.005,0.001] [--work-ms 2]

The default preset (784-512-256-10, Adam, batch 64, elastic) trains on full Fashion-MNIST
(or the embedded sample) while an asyncio loop in the main thread does what the dashboard's
loop does: it wakes every 10 ms and runs ``--work-ms`` of pure-Python work (a stand-in for
handling a key and rendering a frame; 2 ms is a light frame, 50 ms a screen being pushed). Reported per case: the loop's lateness (how much
later than asked each wake-up ran, p50/p95/max), how long the 2 ms of work took in wall time
(p50/p95), and the trainer's batches per second. Cases, interleaved round by round:

- ``idle``: nothing trains (the floor);
- ``thread``: the trainer in a thread of this process (what the dashboard did), for each
  ``sys.setswitchinterval`` in ``--switch``;
- ``process``: the trainer in a spawned child process with BLAS pinned to one thread
  (``tui_nn.runs.process``, what the dashboard does now), its events read from a pipe by a
  thread here, as the dashboard reads them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # as the run core pins it (threadpoolctl)

from tui_nn.training.presets import PRESETS

WAKE_S = 0.010
WORK_S = 0.002


def find_data(arg: str | None) -> str:
    for candidate in (arg, os.environ.get("SCRATCHNET_FASHION_MNIST"),
                      str(REPO.parent / "shared" / "datasets" / "fashion-mnist")):
        if candidate and (Path(candidate) / "train-images-idx3-ubyte.gz").is_file():
            return candidate
    return "mnist-sample"


def busy(seconds: float) -> None:
    """Pure-Python work, as a frame's layout and render are (it holds the GIL throughout)."""
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        x += 1


async def loop_probe(seconds: float, work_s: float) -> tuple[list[float], list[float]]:
    late, work = [], []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        asked = time.perf_counter()
        await asyncio.sleep(WAKE_S)
        woke = time.perf_counter()
        late.append((woke - asked - WAKE_S) * 1000)
        busy(work_s)
        work.append((time.perf_counter() - woke) * 1000)
    return late, work


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def run_case(kind: str, config, dataset, seconds: float, switch: float | None, work_s: float = WORK_S) -> dict:
    from tui_nn.runs import Runner
    from tui_nn.training.events import BatchProgress, EpochEnded

    batches = {"n": 0, "t0": None, "t1": None}

    per_epoch = _batches_per_epoch(config, dataset)

    def count(event) -> None:
        # batches trained so far: BatchProgress counts within its (1-based) epoch
        if isinstance(event, (BatchProgress, EpochEnded)):
            done = ((event.epoch - 1) * per_epoch + event.batch if isinstance(event, BatchProgress)
                    else event.epoch * per_epoch)
            now = time.perf_counter()
            if batches["t0"] is None:
                batches["t0"], batches["base"] = now, done
            batches["t1"], batches["last"] = now, done

    runner = None
    old_switch = sys.getswitchinterval()
    if kind == "thread":
        runner = Runner.new(config, dataset, record=False, listeners=[count], progress_interval=0.1)
        sys.setswitchinterval(switch)
        thread = threading.Thread(target=runner.run, daemon=True)
    elif kind == "process":
        from tui_nn.runs.process import RunProcess
        runner = RunProcess.new(config, dataset, record=False, progress_interval=0.1)
        runner.add_listener(count)
        thread = threading.Thread(target=runner.run, daemon=True)
    if runner is not None:
        thread.start()
        # past the child's start-up and the first batches: measure training, not set-up
        deadline = time.perf_counter() + 60
        while batches["t0"] is None and time.perf_counter() < deadline:
            time.sleep(0.05)
    try:
        late, work = asyncio.run(loop_probe(seconds, work_s))
    finally:
        if runner is not None:
            runner.stop()
            thread.join(30)
        sys.setswitchinterval(old_switch)
    row = {"case": kind if kind != "thread" else f"thread, switch {switch * 1000:g} ms",
           "late_p50": pct(late, 50), "late_p95": pct(late, 95), "late_max": max(late),
           "work_p50": pct(work, 50), "work_p95": pct(work, 95), "batches_per_s": None}
    if runner is not None and batches["t1"] and batches["t1"] > batches["t0"]:
        row["batches_per_s"] = (batches["last"] - batches["base"]) / (batches["t1"] - batches["t0"])
    return row


def _batches_per_epoch(config, dataset) -> int:
    import math
    n_train = len(dataset.x_train) - round(len(dataset.x_train) * config.val_fraction)
    return math.ceil(n_train / config.batch_size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds each case is probed")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data", help="Fashion-MNIST IDX directory")
    parser.add_argument("--switch", default="0.005,0.001", help="switch intervals (s) for the thread case")
    parser.add_argument("--work-ms", default="2", help="milliseconds of work per wake-up (comma-separated: each a case)")
    args = parser.parse_args(argv)
    from tui_nn.datasets import load_dataset

    source = find_data(args.data)
    dataset = load_dataset(source)
    config = PRESETS["default"].config.with_changes(dataset=source, epochs=1000)
    switches = [float(s) for s in args.switch.split(",")]
    print(f"load before: {subprocess.run(['uptime'], capture_output=True, text=True, check=False).stdout.strip()}")
    works = [float(w) / 1000 for w in args.work_ms.split(",")]
    print(f"training on {source}; the loop wakes every {WAKE_S * 1000:.0f} ms")
    rows: dict[str, list[dict]] = {}
    for _ in range(args.rounds):
        for work_s in works:
            cases = [("idle", None), *(("thread", s) for s in switches), ("process", None)]
            for kind, switch in cases:
                row = run_case(kind, config, dataset, args.seconds, switch, work_s)
                row["case"] = f"work {work_s * 1000:g} ms, {row['case']}"
                rows.setdefault(row["case"], []).append(row)
    print(f"load after:  {subprocess.run(['uptime'], capture_output=True, text=True, check=False).stdout.strip()}")
    print(f"\n{'case':36} {'late p50':>9} {'p95':>7} {'max':>7} {'work p50':>9} {'p95':>7} {'batches/s':>10}")
    for case, runs in rows.items():
        def med(key, runs=runs):
            values = [r[key] for r in runs if r[key] is not None]
            return statistics.median(values) if values else None
        bps = med("batches_per_s")
        print(f"{case:36} {med('late_p50'):9.1f} {med('late_p95'):7.1f} {med('late_max'):7.1f} "
              f"{med('work_p50'):9.1f} {med('work_p95'):7.1f} {'--' if bps is None else f'{bps:10.0f}':>10}")
    print("(milliseconds; medians over rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
