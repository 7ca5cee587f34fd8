"""Peak memory of one training epoch on full Fashion-MNIST, and the time to load it from gz.

    python benchmarks/memory_and_load.py [--data DIR] [--repeat 3]

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
    args = parser.parse_args()
    if not hasattr(os, "wait4"):
        print("memory_and_load: needs os.wait4 (Linux or macOS); skipped")
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
