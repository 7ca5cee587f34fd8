"""Accuracy of candidate configurations for the ``default`` preset, as README reports it.

    python benchmarks/accuracy.py                      # the candidates on the embedded sample
    python benchmarks/accuracy.py --only default --seeds 0,1,2,3,4
    python benchmarks/accuracy.py --dataset fashion-mnist --epochs 10

Each candidate is trained through the run core (``Runner.new``, not recorded) on the
embedded sample's 4,000 training digits: 3,600 to train, the fixed 400 of the validation
split to choose by. Choices are made on the validation column only; the test column (the
1,000 held-out digits, or Fashion-MNIST's 10,000 test images) is reported, never tuned on.
Seconds are wall-clock training time on this machine (shared: expect 20-35% drift).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui_nn.cli.bench import find_fashion_mnist  # noqa: E402
from tui_nn.datasets import load_embedded_sample, load_idx_dir  # noqa: E402
from tui_nn.runs import Runner  # noqa: E402
from tui_nn.training.presets import PRESETS  # noqa: E402

BASE = PRESETS["default"].config

# name -> changes to the default preset; the table in README lists what each tried
CANDIDATES = {
    "default": {},
    "shift-100": dict(augment="shift", epochs=100),
    "affine-100": dict(augment="affine", epochs=100),
    "elastic-100": dict(augment="elastic", epochs=100),
    "affine-150": dict(augment="affine", epochs=150),
    "elastic-150": dict(augment="elastic", epochs=150),
    "affine-100-no-dropout": dict(augment="affine", epochs=100, dropout=0.0),
    "affine-100-1024-512": dict(augment="affine", epochs=100, hidden=(1024, 512)),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="candidates to run (repeatable; default all)")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    parser.add_argument("--dataset", default="mnist-sample", choices=("mnist-sample", "fashion-mnist"))
    parser.add_argument("--epochs", type=int, help="override every candidate's epochs")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.dataset == "fashion-mnist":
        directory = find_fashion_mnist()
        if directory is None:
            print("Fashion-MNIST not found (set $SCRATCHNET_FASHION_MNIST); skipped", file=sys.stderr)
            return 0
        data = load_idx_dir(directory)
    else:
        data = load_embedded_sample()
    names = args.only or list(CANDIDATES)
    print(f"{data.name}: {len(data.x_train):,} train (10% validation), {len(data.x_test):,} test; seeds {seeds}")
    print("| candidate | augment | hidden | dropout | epochs | val acc (mean) | test acc (mean; per seed) | s (mean) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in names:
        changes = dict(CANDIDATES[name])
        if args.epochs:
            changes["epochs"] = args.epochs
        config = BASE.with_changes(**changes)
        vals, tests, secs = [], [], []
        for seed in seeds:
            t0 = time.perf_counter()
            result = Runner.new(config.with_changes(seed=seed), data, record=False).run()
            secs.append(time.perf_counter() - t0)
            vals.append(result.best_val_acc)
            tests.append(result.end.test_acc)
        per_seed = ", ".join(f"{t:.2%}" for t in tests)
        print(f"| {name} | {config.augment} | {'-'.join(map(str, config.hidden))} | {config.dropout:g} | "
              f"{config.epochs} | {statistics.mean(vals):.2%} | {statistics.mean(tests):.2%}; {per_seed} | "
              f"{statistics.mean(secs):.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
