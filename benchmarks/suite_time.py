"""How long README's test command takes here: `pytest -q` once, in a fresh process, with the
load average before and after (the machine is shared: the load says what the time means)
and the slowest tests.

    python benchmarks/suite_time.py [--durations 20] [pytest args...]

Run it from the repository root, with the project installed (or PYTHONPATH set to it)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", type=int, default=20, help="how many of the slowest tests to list")
    args, rest = parser.parse_known_args()
    print(f"load average before: {load()}", flush=True)
    start = time.perf_counter()
    code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            f"--durations={args.durations}", *rest])
    print(f"wall {time.perf_counter() - start:.0f} s, exit status {code}; load average after: {load()}")
    return code


if __name__ == "__main__":
    sys.exit(main())
