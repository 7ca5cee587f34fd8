"""The cost of each augmentation per epoch, beside the training time of that epoch.

    python benchmarks/augmentation.py [--rounds 5] [--batch 64]

An epoch of the ``default`` preset on the embedded sample is 3,600 training digits in
batches of 64. For each ``--augment`` choice this times the augmenter alone over such an
epoch (the same calls the trainer makes), and, interleaved with it, one epoch of the default
preset's network trained without augmentation (through the run core, 1 BLAS thread, as
the trainer runs by default), so the share is measured under one machine state. Best of
--rounds; this machine is shared, so expect 20-35% drift between runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui_nn.datasets import load_embedded_sample  # noqa: E402
from tui_nn.runs import Runner  # noqa: E402
from tui_nn.training.augment import AUGMENTS, make_augmenter  # noqa: E402
from tui_nn.training.events import EpochEnded  # noqa: E402
from tui_nn.training.presets import PRESETS  # noqa: E402
from tui_nn.training.trainer import validation_split  # noqa: E402


def augment_epoch_seconds(name: str, images: np.ndarray, batch: int, rng: np.random.Generator) -> float:
    augmenter = make_augmenter(name, batch)
    raw = np.empty((batch, images.shape[1]), np.uint8)
    out = np.empty_like(raw)
    order = rng.permutation(len(images))
    t0 = time.perf_counter()
    # under the trainer's BLAS limit (1 thread by default): the elastic field's small products
    # split over 2 threads run several times slower on a busy machine
    with threadpool_limits(limits=1, user_api="blas"):
        if augmenter is None:
            return 0.0
        for start in range(0, len(images), batch):
            idx = order[start:start + batch]
            chunk = np.take(images, idx, axis=0, out=raw[:len(idx)])
            augmenter.apply(chunk, rng, out)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    data = load_embedded_sample()
    train_idx, _ = validation_split(len(data.x_train), 0.1)
    images = np.ascontiguousarray(data.x_train[train_idx])
    config = PRESETS["default"].config.with_changes(epochs=1, augment="none", batch_size=args.batch)
    rng = np.random.default_rng(0)
    best = {name: float("inf") for name in AUGMENTS}
    train_best = float("inf")
    for _ in range(args.rounds):
        seconds = []
        Runner.new(config, data, record=False,
                   listeners=[lambda e: seconds.append(e.seconds) if isinstance(e, EpochEnded) else None]).run()
        train_best = min(train_best, seconds[0])
        for name in AUGMENTS:
            best[name] = min(best[name], augment_epoch_seconds(name, images, args.batch, rng))
    print(f"{len(images):,} images per epoch, batches of {args.batch}; best of {args.rounds} rounds; "
          f"numpy {np.__version__}")
    print(f"one epoch of the default preset's network without augmentation: {train_best * 1000:.0f} ms\n")
    print("| --augment | ms per epoch | share of the epoch's training time |")
    print("| --- | --- | --- |")
    for name in AUGMENTS:
        print(f"| {name} | {best[name] * 1000:.0f} | {best[name] / train_best:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
