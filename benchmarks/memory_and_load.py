"""Peak memory of one training epoch on full Fashion-MNIST, the time to load it from gz, and
the time and memory of loading a 200,000-row Kaggle-style CSV.

    python benchmarks/memory_and_load.py [--data DIR] [--repeat 3] [--csv-rows 200000] [--csv-only]

CSV (issue #14): a file of --csv-rows real digits (the embedded sample's 5,000 rows repeated,
so the text has real digits' length: 157 MB of pixels are 366 MB of text) is written into a
temporary directory, plain and gzip (level 1), and loaded in fresh processes; goal: the peak RSS
above the imports' at most 2x the pixel bytes.

Goals (issue #5): peak RSS of ``scratchnet-tui train --dataset DIR --preset default --epochs 1``
under 300 MB; loading the four IDX gz files (60k + 10k images) under 1 s.

Every figure is measured in a fresh child process: the peak RSS is that child's ``ru_maxrss`` from
``os.wait4`` (Linux/macOS), so nothing this script itself allocates is counted. Besides the train
command it measures two baselines, to show where the memory goes: the interpreter with the
package's imports, and the imports plus loading the dataset.

Fashion-MNIST is looked up in --data, else $SCRATCHNET_FASHION_MNIST, else
../shared/datasets/fashion-mnist beside the repository; the script says so and exits 0 when it is
absent. Runs are recorded into a temporary directory, not the user's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV_VAR = "SCRATCHNET_FASHION_MNIST"
RSS_GOAL_MB = 300
LOAD_GOAL_S = 1.0

IMPORTS = "import numpy, pandas, tui_nn.datasets, tui_nn.training, tui_nn.nn"
LOAD = IMPORTS + "; from tui_nn.datasets import load_dataset; d = load_dataset(sys.argv[1])"
TIME_LOAD = (
    "import sys, time\n"
    "from tui_nn.datasets import load_dataset\n"
    "t = time.perf_counter(); d = load_dataset(sys.argv[1]); print(time.perf_counter() - t)\n"
)


CSV_PEAK_GOAL = 2.0   # x the pixel bytes


def write_big_csv(directory: Path, rows: int) -> tuple[Path, Path]:
    """A plain and a gzip Kaggle CSV of ``rows`` rows from the embedded sample's real digits."""
    import gzip

    sys.path.insert(0, str(REPO))
    from tui_nn.datasets.embedded import sample_resource

    with gzip.open(sample_resource(), "rb") as fh:
        header = fh.readline()
        body = fh.read()
    lines = body.count(b"\n")
    plain, packed = directory / "big.csv", directory / "big.csv.gz"
    with open(plain, "wb") as out, gzip.open(packed, "wb", compresslevel=1) as gz:
        for f in (out, gz):
            f.write(header)
        written = 0
        while written < rows:
            part = body if rows - written >= lines else b"".join(body.splitlines(True)[:rows - written])
            out.write(part)
            gz.write(part)
            written += part.count(b"\n")
    return plain, packed


def measure_csv(rows: int, repeat: int, env: dict[str, str]) -> None:
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        files = write_big_csv(Path(tmp), rows)
        pixel_mb = rows * 784 / 1e6
        print(f"\nKaggle-style CSV, {rows:,} rows ({pixel_mb:.0f} MB of pixels), written in "
              f"{time.perf_counter() - t0:.1f} s")
        base, _, _ = peak_rss_mb([py, "-c", IMPORTS], env)
        for path in files:
            times = []
            for _ in range(max(1, repeat)):
                out = subprocess.run([py, "-c", TIME_LOAD, str(path)], capture_output=True, text=True, env=env,
                                     cwd=REPO, check=True).stdout
                times.append(float(out.strip()))
            peak, status, tail = peak_rss_mb([py, "-c", "import sys; " + LOAD, str(path)], env)
            if status != 0:
                print(f"loading {path.name} failed (exit {status}):\n{tail}")
                continue
            above = peak - base
            verdict = "ok" if above <= CSV_PEAK_GOAL * pixel_mb else "OVER GOAL"
            print(f"{path.name:<11} {path.stat().st_size / 1e6:6.0f} MB on disk: load median "
                  f"{statistics.median(times):.2f} s (best {min(times):.2f} s of {len(times)}); peak RSS "
                  f"{peak:.0f} MB, {above:.0f} MB above the imports' {base:.0f} MB = "
                  f"{above / pixel_mb:.2f}x the pixels (goal <= {CSV_PEAK_GOAL:g}x: {verdict})")


def find_dataset(explicit: str | None) -> Path | None:
    for candidate in (explicit, os.environ.get(ENV_VAR), REPO.parent / "shared" / "datasets" / "fashion-mnist"):
        if candidate and any(Path(candidate).glob("train-images*")):
            return Path(candidate)
    return None


def peak_rss_mb(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run ``argv``; return (its peak RSS in MB, exit status, the tail of its stderr)."""
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-400:]
    # ru_maxrss is in KiB on Linux, in bytes on macOS
    kib = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return kib * 1024 / 1e6, proc.returncode, tail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help=f"the Fashion-MNIST IDX directory (default: ${ENV_VAR} or ../shared)")
    parser.add_argument("--repeat", type=int, default=3, help="load timings to take (default 3)")
    parser.add_argument("--csv-rows", type=int, default=200_000, help="rows of the CSV load test (0: skip)")
    parser.add_argument("--csv-only", action="store_true", help="only the CSV load test")
    args = parser.parse_args()
    if not hasattr(os, "wait4"):
        print("memory_and_load: needs os.wait4 (Linux or macOS); skipped")
        return 0
    if args.csv_rows:
        with tempfile.TemporaryDirectory() as tmp:
            measure_csv(args.csv_rows, args.repeat, {**os.environ, "SCRATCHNET_DATA_DIR": str(Path(tmp))})
    if args.csv_only:
        return 0
    data = find_dataset(args.data)
    if data is None:
        print(f"memory_and_load: Fashion-MNIST not found (give --data DIR or set ${ENV_VAR}); skipped")
        return 0

    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SCRATCHNET_RUNS_DIR": str(Path(tmp) / "runs"),
               "SCRATCHNET_DATA_DIR": str(Path(tmp) / "cache")}
        print(f"Fashion-MNIST: {data}")
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")

        loads = []
        for _ in range(max(1, args.repeat)):
            out = subprocess.run([py, "-c", TIME_LOAD, str(data)], capture_output=True, text=True, env=env,
                                 cwd=REPO, check=True).stdout
            loads.append(float(out.strip()))
        best, median = min(loads), statistics.median(loads)
        verdict = "ok" if median < LOAD_GOAL_S else "OVER GOAL"
        print(f"load full Fashion-MNIST from gz: median {median:.3f} s, best {best:.3f} s "
              f"of {len(loads)} fresh processes   (goal < {LOAD_GOAL_S:g} s: {verdict})")

        base, _, _ = peak_rss_mb([py, "-c", IMPORTS], env)
        loaded, _, _ = peak_rss_mb([py, "-c", "import sys; " + LOAD, str(data)], env)
        t0 = time.perf_counter()
        train, status, tail = peak_rss_mb([py, "-m", "tui_nn", "train", "--dataset", str(data), "--preset", "default",
                                           "--epochs", "1"], env)
        seconds = time.perf_counter() - t0
        if status != 0:
            print(f"train failed (exit {status}):\n{tail}")
            return 1
        verdict = "ok" if train < RSS_GOAL_MB else "OVER GOAL"
        print(f"peak RSS, python + package imports:            {base:6.1f} MB")
        print(f"peak RSS, + loading Fashion-MNIST:             {loaded:6.1f} MB")
        print(f"peak RSS, train --preset default --epochs 1:   {train:6.1f} MB   "
              f"(goal < {RSS_GOAL_MB} MB: {verdict}; the run took {seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
