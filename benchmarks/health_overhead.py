"""What layer health costs: the default preset's epoch on full Fashion-MNIST with and without it.

    python benchmarks/health_overhead.py [--data DIR] [--rounds 3]

Goal (issue #13): layer health (nn/health.py, sampled by the trainer on HEALTH_BATCHES batches
per epoch plus one probe pass at the epoch's end) costs <= 3% of the default preset's epoch time.

Two figures, because whole epochs on a shared machine drift by 20-35% between runs:
- the health work itself, timed directly on the default network at its real shapes (what the
  trainer adds per epoch: gradient norms, weight snapshots and update ratios on the sampled
  batches, weight norms and the probe pass with histograms), as a share of the median epoch;
- whole epochs with and without health, interleaved (A B A B ...), median of each.
Fashion-MNIST is looked up in --data, else $SCRATCHNET_FASHION_MNIST, else
../shared/datasets/fashion-mnist beside the repository; without it the embedded 5k MNIST sample
is used (and said). Nothing is recorded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

from tui_nn.datasets import load_dataset, load_embedded_sample
from tui_nn.nn import health
from tui_nn.runs import Runner
from tui_nn.training.presets import get_preset
from tui_nn.training.trainer import HEALTH_BATCHES, HEALTH_PROBE

REPO = Path(__file__).resolve().parents[1]
GOAL = 0.03


def find_dataset(explicit: str | None):
    for candidate in (explicit, os.environ.get("SCRATCHNET_FASHION_MNIST"),
                      REPO.parent / "shared" / "datasets" / "fashion-mnist"):
        if candidate and any(Path(candidate).glob("train-images*")):
            return load_dataset(str(candidate))
    print("Fashion-MNIST not found: using the embedded 5k MNIST sample")
    return load_embedded_sample()


def epoch_seconds(config, data, measure_health: bool) -> tuple[float, object]:
    result = Runner.new(config, data, record=False, measure_health=measure_health).run()
    return float(result.history.seconds.iloc[0]), result.network


def health_work_seconds(network, probe: np.ndarray, repeat: int = 20) -> float:
    """The median time of one epoch's health work, on ``network`` with fresh gradients."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(HEALTH_BATCHES):
            health.grad_norms(network)
            before = health.weight_snapshot(network)
            health.update_ratios(network, before)
        health.weight_norms(network)
        health.activation_health(network, probe)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="Fashion-MNIST IDX directory")
    parser.add_argument("--rounds", type=int, default=3, help="epochs of each kind, interleaved (default 3)")
    args = parser.parse_args()
    data = find_dataset(args.data)
    config = get_preset("default").config.with_changes(epochs=1, dataset=data.name)
    with_health, without = [], []
    network = None
    for _ in range(args.rounds):
        seconds, network = epoch_seconds(config, data, True)
        with_health.append(seconds)
        without.append(epoch_seconds(config, data, False)[0])
    probe = (data.x_train[:HEALTH_PROBE] / 255).astype(np.float32)
    network.train_batch(probe[:64], data.y_train[:64].astype(np.intp), 0.0, np.random.default_rng(0))
    work = health_work_seconds(network, probe)
    epoch = statistics.median(without)
    print(f"{data.name}: default preset ({config.describe_batch()}, {network.arch.describe()}), "
          f"{len(data.x_train):,} training images")
    print(f"epoch without health: median {epoch:.3f} s  {[f'{s:.3f}' for s in without]}")
    print(f"epoch with health:    median {statistics.median(with_health):.3f} s  {[f'{s:.3f}' for s in with_health]}")
    print(f"whole-epoch difference: {statistics.median(with_health) / epoch - 1:+.1%} (noisy: machine load)")
    print(f"health work per epoch: {work * 1000:.1f} ms = {work / epoch:.2%} of the epoch (goal <= {GOAL:.0%})")
    return 0 if work / epoch <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
