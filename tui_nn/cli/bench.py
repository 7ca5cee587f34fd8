"""Benchmarks behind ``scratchnet-tui bench``; nothing here is a test, everything prints figures.

    bench speed    median seconds per epoch of the engine on full Fashion-MNIST,
                   784-128-64-10 ReLU, SGD+momentum and Adam, batch 128 and 64, interleaved
                   epoch by epoch with PyTorch CPU running the same MLP (when torch is
                   installed), and the time the matrix products alone take at those shapes
                   (also interleaved: one matmul-only epoch after each engine epoch).
    bench presets  every preset trained on the embedded sample: train and test accuracy,
                   seconds, beside the seed project's own claim.
    bench runs     time to list a runs directory of 1,000 runs, and the share of epoch time
                   spent recording a run of the default preset.

Timings on shared machines drift by 20-35% between runs, hence the interleaving: both
contenders see the same machine state.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

# NumPy is imported where a benchmark runs: building the parser (the dashboard's start too) needs none.

FASHION_ENV = "SCRATCHNET_FASHION_MNIST"
SPEED_CASES = (("momentum", 128), ("adam", 128), ("momentum", 64), ("adam", 64))
LR = {"momentum": 0.05, "adam": 1e-3}


def add_bench_arguments(parser) -> None:
    parser.add_argument("what", nargs="?", choices=("speed", "presets", "runs"), default="speed")
    parser.add_argument("--data", help=f"Fashion-MNIST IDX directory (default: ${FASHION_ENV} or "
                        "../shared/datasets/fashion-mnist)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs per contender per case (speed)")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--torch-threads", default="1,2",
                        help="PyTorch thread counts to try; the best is reported (default 1,2)")
    parser.add_argument("--threads", default="1,2",
                        help="BLAS thread counts to try for the engine; the best is reported (default 1,2)")
    parser.add_argument("--preset", action="append", help="presets: only these (repeatable)")


def add_parser(sub) -> None:
    bench = sub.add_parser("bench", help="measure seconds per epoch on full Fashion-MNIST, "
                           "beside PyTorch CPU when it is installed")
    add_bench_arguments(bench)
    bench.set_defaults(handler=run_bench)


def find_fashion_mnist(explicit: str | None = None) -> Path | None:
    candidates = [explicit, os.environ.get(FASHION_ENV), "../shared/datasets/fashion-mnist",
                  Path(__file__).resolve().parents[3] / "shared" / "datasets" / "fashion-mnist"]
    for c in candidates:
        if c and (Path(c) / "train-labels-idx1-ubyte.gz").exists():
            return Path(c)
    return None


def run_bench(args) -> int:
    if args.what == "presets":
        return bench_presets(args.preset)
    if args.what == "runs":
        return bench_runs()
    return bench_speed(args)


# ------------------------------------------------------------------ speed
def bench_speed(args) -> int:
    import numpy as np

    from ..datasets import load_idx_dir
    from ..runs import Runner
    from ..training import TrainConfig
    from ..training.events import EpochEnded

    directory = find_fashion_mnist(args.data)
    if directory is None:
        print(f"bench speed: Fashion-MNIST not found (give --data DIR or set ${FASHION_ENV}); skipped",
              file=sys.stderr)
        return 0
    t0 = time.perf_counter()
    data = load_idx_dir(directory)
    print(f"loaded {directory} ({len(data.x_train):,} train) in {time.perf_counter() - t0:.2f}s")
    torch_runner = None if args.no_torch else TorchRunner.create(data, args.torch_threads)
    if torch_runner is None and not args.no_torch:
        print("PyTorch is not installed: engine only (pip install torch==2.13.0 to compare)")

    engine_threads = [int(t) for t in str(args.threads).split(",") if t.strip()]
    rows = []
    for optimizer, batch in SPEED_CASES:
        config = TrainConfig(hidden=(128, 64), activation="relu", optimizer=optimizer, lr=LR[optimizer],
                             batch_size=batch, epochs=1, val_fraction=0.0, augment="none", seed=0)
        secs: dict[int, list[float]] = {t: [] for t in engine_threads}
        floors: dict[int, list[float]] = {t: [] for t in engine_threads}
        results: dict[int, object] = {}
        torch_secs: dict[int, list[float]] = {}
        torch_model = torch_runner.new_model(optimizer, batch) if torch_runner else None
        for epoch in range(args.epochs):
            # one epoch of each contender in turn, so all see the same machine state;
            # each engine run continues its own training (exactly, via resume_state)
            for threads in engine_threads:
                record = secs[threads].append
                results[threads] = Runner.new(
                    config, data, record=False, continue_from=results.get(threads), blas_threads=threads,
                    listeners=[lambda e, r=record: r(e.seconds) if isinstance(e, EpochEnded) else None]).run()
                # the floor too, epoch by epoch: a floor measured apart from the engine's
                # epochs would meet another machine state and skew the ratio under load
                floors[threads].append(matmul_floor(batch, len(data.x_train), threads, repeats=1))
            if torch_model:
                for threads, seconds in torch_model.epoch().items():
                    torch_secs.setdefault(threads, []).append(seconds)
        best_engine = min(engine_threads, key=lambda t: statistics.median(secs[t]))
        _, acc = results[best_engine].network.evaluate(data.x_test, data.y_test)
        floor = statistics.median(floors[best_engine])
        row = {"case": f"{'SGD+momentum' if optimizer == 'momentum' else 'Adam'}, batch {batch}",
               "engine": statistics.median(secs[best_engine]), "engine_threads": best_engine,
               "engine_acc": acc, "floor": floor,
               "engine_by_threads": {t: statistics.median(v) for t, v in secs.items()}}
        if torch_secs:
            best = min(torch_secs, key=lambda t: statistics.median(torch_secs[t]))
            row.update(torch=statistics.median(torch_secs[best]), torch_threads=best,
                       torch_acc=torch_model.test_accuracy())
        rows.append(row)
        _print_speed_row(row)
    print()
    print("| case | engine s/epoch | PyTorch CPU s/epoch | engine / PyTorch | matmul floor s "
          "(same threads) | engine / floor | test acc engine / PyTorch |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        t = f"{r['torch']:.3f} ({r['torch_threads']} thr)" if "torch" in r else "n/a"
        ratio = f"{r['engine'] / r['torch']:.2f}x" if "torch" in r else "n/a"
        acc = f"{r['engine_acc']:.2%} / {r['torch_acc']:.2%}" if "torch" in r else f"{r['engine_acc']:.2%}"
        print(f"| {r['case']} | {r['engine']:.3f} ({r['engine_threads']} thr) | {t} | {ratio} | {r['floor']:.3f} | "
              f"{r['engine'] / r['floor']:.2f}x | {acc} |")
    print(f"\n{args.epochs} epochs each, median, best of {args.threads} BLAS threads for the engine and "
          f"{args.torch_threads} for PyTorch; the floor is the median of one matmul-only epoch after each "
          f"engine epoch; numpy {np.__version__}")
    return 0


def _print_speed_row(r):
    extra = (f"  torch {r['torch']:.3f}s ({r['torch_threads']} thr) ratio {r['engine'] / r['torch']:.2f}x"
             if "torch" in r else "")
    by_threads = ", ".join(f"{t} thr {s:.3f}s" for t, s in r["engine_by_threads"].items())
    print(f"{r['case']:<24} engine {by_threads}  floor {r['floor']:.3f}s{extra}", flush=True)


def matmul_floor(batch: int, n: int, threads: int, sizes=(784, 128, 64, 10), repeats: int = 3) -> float:
    """Seconds for the matrix products alone of one epoch: per batch, the forward
    x @ W, the weight gradient x^T @ g and the input gradient g @ W^T of every layer
    (none for the first layer's input), float32, preallocated outputs."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    acts = [rng.random((batch, s), dtype=np.float32) for s in sizes]
    weights = [rng.random((a, b), dtype=np.float32) for a, b in zip(sizes, sizes[1:])]
    outs = [np.empty((batch, b), np.float32) for b in sizes[1:]]
    grads_w = [np.empty_like(w) for w in weights]
    grads_x = [np.empty((batch, a), np.float32) for a in sizes[:-1]]
    steps = n // batch
    best = float("inf")
    with threadpool_limits(limits=threads, user_api="blas"):
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(steps):
                for i, w in enumerate(weights):
                    np.matmul(acts[i], w, out=outs[i])
                for i in range(len(weights) - 1, -1, -1):
                    np.matmul(acts[i].T, acts[i + 1], out=grads_w[i])
                    if i:
                        np.matmul(acts[i + 1], weights[i].T, out=grads_x[i])
            best = min(best, (time.perf_counter() - t0) * n / (steps * batch))
    return best


class TorchRunner:
    """The same MLP in PyTorch: 784-128-64-10 ReLU, softmax + cross-entropy, float32,
    a fresh permutation each epoch, the usual idiomatic training loop."""

    def __init__(self, torch, data, thread_counts):
        import numpy as np

        self.torch = torch
        self.x = torch.from_numpy(np.asarray(data.x_train, dtype=np.float32) / 255)
        self.y = torch.from_numpy(np.asarray(data.y_train, dtype=np.int64))
        self.x_test = torch.from_numpy(np.asarray(data.x_test, dtype=np.float32) / 255)
        self.y_test = torch.from_numpy(np.asarray(data.y_test, dtype=np.int64))
        self.thread_counts = thread_counts

    @classmethod
    def create(cls, data, threads_text: str):
        try:
            import torch
        except ImportError:
            return None
        return cls(torch, data, [int(t) for t in threads_text.split(",") if t.strip()])

    def new_model(self, optimizer: str, batch: int) -> "TorchRunner":
        torch = self.torch
        torch.manual_seed(0)
        nn = torch.nn
        self.model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                                   nn.Linear(64, 10))
        self.opt = (torch.optim.SGD(self.model.parameters(), lr=LR["momentum"], momentum=0.9)
                    if optimizer == "momentum" else torch.optim.Adam(self.model.parameters(), lr=LR["adam"]))
        self.loss_fn = nn.CrossEntropyLoss()
        self.batch = batch
        return self

    def epoch(self) -> dict[int, float]:
        """One epoch per thread count (each continuing training); seconds per count."""
        torch = self.torch
        out = {}
        for threads in self.thread_counts:
            torch.set_num_threads(threads)
            t0 = time.perf_counter()
            perm = torch.randperm(len(self.x))
            for start in range(0, len(self.x), self.batch):
                idx = perm[start:start + self.batch]
                self.opt.zero_grad(set_to_none=True)
                loss = self.loss_fn(self.model(self.x[idx]), self.y[idx])
                loss.backward()
                self.opt.step()
            out[threads] = time.perf_counter() - t0
        return out

    def test_accuracy(self) -> float:
        with self.torch.no_grad():
            return float((self.model(self.x_test).argmax(1) == self.y_test).float().mean())


# ---------------------------------------------------------------- presets
def bench_presets(names: list[str] | None) -> int:
    from ..datasets import load_embedded_sample
    from ..runs import Runner
    from ..training.presets import PRESETS

    data = load_embedded_sample()
    print("| preset | seed's claim | train acc | val acc (best) | test acc (1,000 held out) | seconds |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in names or list(PRESETS):
        preset = PRESETS[name]
        t0 = time.perf_counter()
        result = Runner.new(preset.config, data, record=False).run()
        last = result.history.iloc[-1] if len(result.history) else None
        train_acc = f"{last.train_acc:.2%}" if last is not None else "n/a"
        test = f"{result.end.test_acc:.2%}" if result.end.test_acc is not None else "n/a"
        status = "" if result.status == "finished" else f" ({result.status})"
        print(f"| {name} | {preset.claim} | {train_acc} | {result.best_val_acc:.2%} | {test}{status} | "
              f"{time.perf_counter() - t0:.1f} |", flush=True)
    return 0


# ------------------------------------------------------------------- runs
def bench_runs(n_runs: int = 1000) -> int:
    import shutil
    import tempfile

    from ..datasets import load_embedded_sample
    from ..runs import Runner, RunStore, epoch_checkpoints
    from ..runs.epoch_checkpoints import DEFAULT_BUDGET_MB
    from ..training.presets import PRESETS

    data = load_embedded_sample()
    root = Path(tempfile.mkdtemp(prefix="scratchnet-bench-runs-"))
    try:
        store = RunStore(root)
        config = PRESETS["default"].config.with_changes(epochs=20)
        # interleaved: without per-epoch checkpoints, with them (the default budget), again
        spent = {0: [], DEFAULT_BUDGET_MB: []}
        for budget in (0, DEFAULT_BUDGET_MB, 0, DEFAULT_BUDGET_MB):
            runner = Runner.new(config, data, store=store, epoch_budget_mb=budget)
            result, recorder, path = runner.run(), runner.recorder, runner.path
            epoch_seconds = float(result.history.seconds.sum())
            spent[budget].append((recorder.seconds_spent, epoch_seconds))
            if not budget:
                plain = path
            else:
                kept = len(epoch_checkpoints.listed(path))
                size = sum(f.stat().st_size for f in (path / epoch_checkpoints.DIR).rglob("*") if f.is_file())
                shutil.rmtree(path)
        writes, train = min(spent[0])
        print(f"recording the default preset (20 epochs, {train / 20:.3f}s per epoch): "
              f"{writes * 1000:.1f} ms of writes in all, {writes / train:.2%} of the training time "
              f"(per epoch: history line + status; weights every 30 s and at the end)")
        with_writes, with_train = min(spent[DEFAULT_BUDGET_MB])
        print(f"with a checkpoint per epoch to branch from ({DEFAULT_BUDGET_MB:g} MB budget: {kept} kept, "
              f"{size / 1e6:.0f} MB): {with_writes * 1000:.1f} ms of writes in all, "
              f"{(with_writes - writes) / kept * 1000:.1f} ms per checkpoint, "
              f"{with_writes / with_train:.2%} of the training time (best of 2 each, interleaved)")
        # clone the run into a directory of n_runs, as a long-used runs directory would be
        for k in range(n_runs - 2):          # beside the two recorded without checkpoints
            shutil.copytree(plain, root / f"{plain.name}-{k:04d}")   # (a run without epoch checkpoints)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            infos = RunStore(root).list()
            times.append(time.perf_counter() - t0)
        assert len(infos) == n_runs
        print(f"listing {n_runs:,} runs: median {statistics.median(times) * 1000:.0f} ms "
              f"(best {min(times) * 1000:.0f} ms, 5 tries, warm file cache)")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0
