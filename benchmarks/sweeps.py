"""Sweeps: throughput with more worker processes, the owner's bookkeeping overhead, and
what a search finds (and what pruning saves), on the embedded MNIST sample.

- throughput: the same 8 trials (random sampler, fixed seed: the same parameters and seeds
  each time) with ``--workers 1`` and ``--workers 2``, interleaved, ``--repeat`` times; wall
  time from ``Sweep.run`` to its return, worker start-up included. Goal: ratio <= 0.6.
  Twice: cold, each sweep in a fresh process (as ``scratchnet-tui sweep`` runs one), and
  warm, in this process after an untimed one-trial sweep (as the dashboard's later sweeps
  run: the owner has imported Optuna, and the workers' fork server is up). And ``cli``: the
  whole ``python -m tui_nn sweep`` command, from its start to its exit. ``--baseline TREE``
  runs the cold and cli sweeps with another checkout's code too, interleaved (before/after).
- overhead: the owner's time in Optuna and the sweep's files (``Sweep.bookkeeping_seconds``:
  ask, tell, report, should_prune, summary.json) against the trials' training time, for the
  default preset's network (784-512-256-10, Adam, mini-batch 64, shifts; ``--overhead-epochs``
  of its 100 epochs). Goal: < 5%.
- phases: the throughput sweep once with each worker count (cold and warm), traced (``TRACE_ENV``: the owner
  and each worker log timestamped phases), and where the wall time went: the owner's
  set-up (spawning, Optuna, the study), each worker's start (interpreter and imports, the
  dataset), its trials (set-up, training, finishing), its idle time between trials (the
  owner's tell/ask and the pipe), and the close at the end.
- startup: a worker's fixed start-up cost in pieces, each in a fresh process: the fork
  server's imports, then the embedded sample's load (``--baseline``: before/after, interleaved).
- quality: a 30-trial TPE sweep over lr, hidden sizes, batch size and dropout, without and
  with median pruning: the best trial's held-out test accuracy beside the default preset's
  (same epochs), and the epochs each sweep trained in all.

Usage: python benchmarks/sweeps.py [--only throughput,overhead,quality,phases,startup] [--repeat 2] [--json]
       [--throughput-modes cold,warm] [--baseline /path/to/another/checkout]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bytecode import compile_package
from tui_nn.runs import Runner, RunStore
from tui_nn.sweeps import SearchSpace, Sweep, SweepSpec
from tui_nn.training import TrainConfig
from tui_nn.training.presets import get_preset


def timed_sweep(name: str, base: TrainConfig, space: list[str], trials: int, workers: int, **options):
    """(wall seconds, result, runs of the sweep) of one sweep in a fresh runs directory."""
    root = Path(tempfile.mkdtemp(prefix=f"bench-sweep-{name}-"))
    sweep = Sweep.new(SweepSpec(name, base, SearchSpace.parse(space), trials, **options), root)
    t0 = time.perf_counter()
    result = sweep.run(workers=workers)
    wall = time.perf_counter() - t0
    runs = [info for info in RunStore(root).list() if info.sweep == name]
    return wall, result, runs


THROUGHPUT_BASE = TrainConfig(hidden=(256, 128), epochs=5, seed=0)
THROUGHPUT_SPACE = ["lr=log:1e-3:1e-2"]


def throughput_sweep(workers: int) -> float:
    """Wall seconds of the throughput sweep with ``workers``."""
    wall, result, _ = timed_sweep(f"w{workers}", THROUGHPUT_BASE, THROUGHPUT_SPACE, 8, workers, sampler="random")
    assert result.counts.get("complete") == 8, result.counts
    return wall


def cold_sweep(workers: int, with_pid: bool = False, pythonpath: str | None = None):
    """``throughput_sweep`` in a fresh Python process (nothing imported, no fork server);
    with ``with_pid``, (seconds, that process's pid) (the owner in its trace). ``pythonpath``:
    the tree whose tui_nn it runs (``--baseline``)."""
    out = _in_child(f"print(sweeps.throughput_sweep({workers}), os.getpid())", pythonpath)
    wall, pid = out.split()
    return (float(wall), int(pid)) if with_pid else float(wall)


CLI_FLAGS = ["--hidden", "256,128", "--lr-schedule", "constant", "--epochs", "5", "--dropout", "0",
             "--augment", "none", "--seed", "0", "--space", *THROUGHPUT_SPACE, "--trials", "8", "--sampler", "random"]


def cli_sweep(workers: int, pythonpath: str | None = None) -> float:
    """Wall seconds of ``python -m tui_nn sweep`` running the throughput sweep, from the
    command's start to its exit: what a user waits for (its own imports, Optuna, the
    workers' start, the trials, the exit)."""
    env, cwd = _tree(pythonpath)
    root = Path(tempfile.mkdtemp(prefix=f"bench-sweep-cli{workers}-"))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tui_nn", "sweep", "--runs-dir", str(root), "--name", "cli",
                    "--workers", str(workers), *CLI_FLAGS], capture_output=True, text=True, check=True,
                   timeout=1200, env=env, cwd=cwd)
    wall = time.perf_counter() - t0
    base = json.loads((root / "sweeps" / "cli" / "sweep.json").read_text())["base"]
    want = THROUGHPUT_BASE.to_dict()
    assert {k: v for k, v in base.items() if k != "preset"} == {k: v for k, v in want.items() if k != "preset"}, base
    return wall


def _tree(pythonpath: str | None) -> tuple[dict | None, str]:
    """(environment, working directory) of a child that imports the tui_nn of ``pythonpath``
    (None: the one this process imports). The working directory is that tree too: ``-c`` and
    ``-m`` put it first on sys.path, ahead of PYTHONPATH."""
    import tui_nn
    root = pythonpath or os.path.dirname(os.path.dirname(os.path.abspath(tui_nn.__file__)))
    return {**os.environ, "PYTHONPATH": root}, root


def _in_child(code: str, pythonpath: str | None = None) -> str:
    """The last line ``code`` prints in a fresh ``python -c`` process with this module as
    ``sweeps``. Not this file as the child's main script: each sweep worker would run it
    again (multiprocessing re-imports the parent's main module in every fork-server or
    spawned child), paying imports the CLI's workers don't (its main is a two-line script)."""
    env, cwd = _tree(pythonpath)
    here = os.path.dirname(os.path.abspath(__file__))
    script = f"import os, sys; sys.path.insert(0, {here!r}); import sweeps; {code}"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         timeout=1200, env=env, cwd=cwd)
    return out.stdout.strip().splitlines()[-1]


def warm_walls(repeat: int) -> dict:
    """The warm sweeps (see ``throughput``), in this process: {workers: [seconds]}."""
    timed_sweep("warm-up", THROUGHPUT_BASE, THROUGHPUT_SPACE, 1, 1, sampler="random")
    walls = {1: [], 2: []}
    for _ in range(repeat):
        for workers in (1, 2):
            walls[workers].append(throughput_sweep(workers))
    return walls


def throughput(repeat: int, modes: tuple = ("cold", "warm"), baseline: str | None = None) -> dict:
    """With ``baseline`` (another checkout's root), each cold sweep is run with that tree's
    tui_nn too, alternately first and second: before and after, interleaved in one run."""
    out = {"trials": 8, "config": "784-256-128-10 Adam B64, 5 epochs"}
    for mode in modes:
        trees = {mode: None}
        if mode in ("cold", "cli") and baseline:
            trees[f"{mode}_baseline"] = os.path.abspath(baseline)
        walls = {key: {1: [], 2: []} for key in trees}
        if mode == "warm":   # in a child too, whose main module the workers don't re-import
            walls["warm"] = {int(k): v for k, v in json.loads(
                _in_child(f"import json; print(json.dumps(sweeps.warm_walls({repeat})))")).items()}
        run = cli_sweep if mode == "cli" else cold_sweep
        for i in range(repeat if mode != "warm" else 0):
            for workers in (1, 2):
                order = list(trees) if (i + workers) % 2 else list(trees)[::-1]
                for key in order:
                    walls[key][workers].append(run(workers, pythonpath=trees[key]))
        for key, w in walls.items():
            one, two = statistics.median(w[1]), statistics.median(w[2])
            out[key] = {"workers_1_s": w[1], "workers_2_s": w[2], "ratio": two / one, "tree": trees[key] or "this"}
    return out


def read_trace(path: Path) -> list[tuple[float, int, str, str]]:
    events = []
    for line in path.read_text().splitlines():
        at, pid, phase, *detail = line.split(" ", 3)
        events.append((float(at), int(pid), phase, detail[0] if detail else ""))
    return sorted(events)


def phase_breakdown(events: list, owner: int) -> dict:
    """Seconds from the start of ``Sweep.run``: the owner's milestones, and per worker its
    start-up, trials and idle time (see the module docstring)."""
    t0 = next(at for at, pid, phase, _ in events if pid == owner and phase == "run")
    first = {}
    for at, pid, phase, _ in events:
        if pid == owner:
            first.setdefault(phase, at - t0)
    out = {"owner": {key: round(first[key], 3) for key in ("backend-ready", "warm-cache", "study-ready", "submit", "close",
                                                        "closed", "run-end") if key in first},
           "workers": []}
    gots = [(at - t0, detail) for at, pid, phase, detail in events if pid == owner and phase == "got"]
    submits = [(at - t0, detail) for at, pid, phase, detail in events if pid == owner and phase == "submit"]
    asks = [at - t0 for at, pid, phase, _ in events if pid == owner and phase == "ask"]
    # owner's turnaround: an "ended" received -> the next trial submitted (tell, summary, ask)
    turnaround = []
    for at, detail in gots:
        if detail.startswith("ended"):
            later = [s for s, _ in submits if s >= at]
            if later:
                turnaround.append(later[0] - at)
    out["owner"]["ask_to_submit_s"] = round(sum(s - a for a, (s, _) in zip(asks, submits)), 3)
    out["owner"]["ended_to_next_submit_s"] = [round(x, 3) for x in turnaround]
    for pid in sorted({pid for _, pid, _, _ in events if pid != owner}):
        mine = [(at - t0, phase, detail) for at, p, phase, detail in events if p == pid]
        at = {}
        for when, phase, _ in mine:
            at.setdefault(phase, when)
        trials, idle, last_end = [], [], None
        for when, phase, detail in mine:
            if phase == "task":
                trials.append({"trial": int(detail), "task": when})
                if last_end is not None:
                    idle.append(when - last_end)
            elif phase in ("trial-setup", "trial-trained", "trial-ended") and trials:
                trials[-1][phase] = when
                if phase == "trial-ended":
                    last_end = when
        w = {"pid": pid, "exec": at.get("worker-exec"), "main": at.get("worker-main"),
             "preloaded": at.get("worker-preloaded"), "first_task": trials[0]["task"] if trials else None,
             "quit": at.get("worker-quit"),
             "modules_at_main": next((d for _, p, d in mine if p == "worker-main"), ""),
             "modules_at_quit": next((d for _, p, d in mine if p == "worker-quit"), ""),
             "trials": len(trials),
             "setup_s": sum(t["trial-setup"] - t["task"] for t in trials if "trial-setup" in t),
             "training_s": sum(t["trial-trained"] - t["trial-setup"] for t in trials if "trial-trained" in t),
             "finishing_s": sum(t["trial-ended"] - t["trial-trained"] for t in trials if "trial-ended" in t),
             "first_trial_s": [round(t.get(k, float("nan")) - t["task"], 3)
                               for t in trials[:1] for k in ("trial-setup", "trial-trained", "trial-ended")],
             "idle_between_s": round(sum(idle), 3), "last_end": last_end}
        out["workers"].append({k: (round(v, 3) if isinstance(v, float) else v) for k, v in w.items()})
    return out


_STARTUP = """
import importlib, time
t0 = time.perf_counter()
import tui_nn.sweeps.workers as w
for name in w.WORKER_PRELOAD:
    importlib.import_module(name)
t1 = time.perf_counter()
w._dataset("mnist-sample", None)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def startup(repeat: int, baseline: str | None = None) -> dict:
    """A worker's fixed start-up cost in pieces, each in a fresh process with BLAS pinned:
    the fork server's imports (``WORKER_PRELOAD``: paid once per owner, before its first
    worker forks) and then a worker's load of the embedded sample. With ``baseline``, that
    tree's too, alternately first and second. Medians in seconds."""
    trees = {"this": None, **({"baseline": os.path.abspath(baseline)} if baseline else {})}
    got = {key: ([], []) for key in trees}
    for i in range(repeat):
        for key in (list(trees) if i % 2 == 0 else list(trees)[::-1]):
            env, cwd = _tree(trees[key])
            env.update({name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")})
            out = subprocess.run([sys.executable, "-c", _STARTUP], capture_output=True, text=True, check=True,
                                 env=env, cwd=cwd, timeout=300)
            imports, dataset = map(float, out.stdout.split())
            got[key][0].append(imports)
            got[key][1].append(dataset)
    return {key: {"preload_imports_s": round(statistics.median(a), 3), "dataset_s": round(statistics.median(b), 3),
                  "runs": repeat} for key, (a, b) in got.items()}


def traced(workers: int, sweep) -> dict:
    """``sweep(workers)`` -> (wall, owner pid) run with a fresh trace file; its breakdown."""
    from tui_nn.sweeps.workers import TRACE_ENV
    trace = Path(tempfile.mkdtemp(prefix="bench-sweep-trace-")) / "trace.log"
    os.environ[TRACE_ENV] = str(trace)
    try:
        wall, owner = sweep(workers)
    finally:
        del os.environ[TRACE_ENV]
    return {"wall_s": round(wall, 3), **phase_breakdown(read_trace(trace), owner)}


def warm_phases() -> dict:
    """The warm traced sweeps, in this process (after an untimed one)."""
    timed_sweep("warm-up", THROUGHPUT_BASE, THROUGHPUT_SPACE, 1, 1, sampler="random")
    return {f"warm_workers_{w}": traced(w, lambda n: (throughput_sweep(n), os.getpid())) for w in (1, 2)}


def phases(modes: tuple = ("cold", "warm"), baseline: str | None = None) -> dict:
    """Cold: each traced sweep in a fresh process (``cold_sweep``; with ``baseline``, that
    tree's too, interleaved); warm: in one fresh process, after an untimed one-trial sweep
    (as ``throughput``)."""
    out = {}
    trees = {"cold": None, **({"cold_baseline": os.path.abspath(baseline)} if baseline else {})}
    if "cold" in modes:
        for workers in (1, 2):
            for key, tree in trees.items():
                out[f"{key}_workers_{workers}"] = traced(
                    workers, lambda n, tree=tree: cold_sweep(n, with_pid=True, pythonpath=tree))
    if "warm" in modes:
        out.update(json.loads(_in_child("import json; print(json.dumps(sweeps.warm_phases()))")))
    return out


def print_phases(figures: dict) -> None:
    for key, p in figures.items():
        o = p["owner"]
        print(f"phases, {key}: wall {p['wall_s']:.2f} s; owner: workers spawned at {o.get('backend-ready')}, "
              f"sample cache checked {o.get('warm-cache')}, "
              f"study ready {o.get('study-ready')}, first submit {o.get('submit')}, close {o.get('close')}"
              f"->{o.get('closed')}, run ends {o.get('run-end')}; ask->submit {o['ask_to_submit_s']} s in all; "
              f"ended->next submit {o['ended_to_next_submit_s']}")
        for w in p["workers"]:
            print(f"  worker {w['pid']}: exec {w['exec']}, main {w['main']} [{w['modules_at_main']}], preloaded "
                  f"{w['preloaded']}, first task {w['first_task']} (setup/trained/ended {w['first_trial_s']}), "
                  f"{w['trials']} trials: setup {w['setup_s']:.2f} + training {w['training_s']:.2f} + finishing "
                  f"{w['finishing_s']:.2f} s, idle between {w['idle_between_s']} s, last ended {w['last_end']}, "
                  f"quit {w['quit']} [{w['modules_at_quit']}]")


def overhead(epochs: int) -> dict:
    base = get_preset("default").config.with_changes(epochs=epochs)
    wall, result, runs = timed_sweep("overhead", base, ["lr=log:3e-4:3e-3"], 2, 2, sampler="random")
    training = sum(info.seconds for info in runs)
    return {"config": f"default preset, {epochs} epochs", "trials": len(runs),
            "bookkeeping_s": result.bookkeeping_seconds, "training_s": training,
            "bookkeeping_per_trial_s": result.bookkeeping_seconds / len(runs),
            "fraction": result.bookkeeping_seconds / training}


def quality(trials: int, epochs: int) -> dict:
    base = TrainConfig(hidden=(128,), epochs=epochs, seed=0)
    space = ["lr=log:1e-4:1e-2", "hidden=choice:64|128|256,128|512,256", "batch_size=choice:32|64|128",
             "dropout=uniform:0:0.5"]
    out = {"trials": trials, "epochs_per_trial": epochs}
    for pruner in ("none", "median"):
        wall, result, runs = timed_sweep(f"q-{pruner}", base, space, trials, 2, sampler="tpe", pruner=pruner)
        best = next(info for info in runs if info.trial == result.best_trial)
        out[pruner] = {"wall_s": wall, "best_val_acc": result.best_value, "best_test_acc": best.test_acc,
                       "best_params": result.best_params, "total_epochs": sum(info.epochs for info in runs),
                       "counts": result.counts}
    default = get_preset("default").config.with_changes(epochs=epochs)
    run = Runner.new(default, record=False).run()
    out["default_preset"] = {"epochs": epochs, "best_val_acc": run.best_val_acc, "test_acc": run.end.test_acc}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="throughput,overhead,quality")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--overhead-epochs", type=int, default=10)
    parser.add_argument("--quality-trials", type=int, default=30)
    parser.add_argument("--quality-epochs", type=int, default=8)
    parser.add_argument("--throughput-modes", default="cold,warm",
                        help="any of cold, warm, cli (see above); phases: cold and warm")
    parser.add_argument("--baseline", metavar="TREE",
                        help="cold and cli throughput, cold phases: also run another checkout's tui_nn (its root), "
                        "interleaved")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    compile_package()
    if args.baseline:
        compile_package(args.baseline)
    figures = {"load_average_before": os.getloadavg(), "cpus": os.cpu_count()}
    if not args.json:
        print(f"load average before: {figures['load_average_before']} on {figures['cpus']} CPUs", flush=True)
    if "throughput" in parts:
        modes = tuple(m for m in ("cold", "warm", "cli") if m in args.throughput_modes.split(","))
        figures["throughput"] = t = throughput(args.repeat, modes, args.baseline)
        if not args.json:
            for mode in [k for k in t if k.startswith(("cold", "warm", "cli"))]:
                print(f"throughput, {mode}: 8 trials, workers=1 {[round(x, 2) for x in t[mode]['workers_1_s']]} s, "
                      f"workers=2 {[round(x, 2) for x in t[mode]['workers_2_s']]} s: ratio {t[mode]['ratio']:.2f} "
                      f"(goal <= 0.6)", flush=True)
    if "startup" in parts:
        figures["startup"] = st = startup(max(args.repeat, 5), args.baseline)
        if not args.json:
            for key, v in st.items():
                print(f"startup, {key}: fork server's imports {v['preload_imports_s']} s, then a worker's "
                      f"embedded sample {v['dataset_s']} s (medians of {v['runs']})", flush=True)
    if "phases" in parts:
        figures["phases"] = ph = phases(tuple(m for m in ("cold", "warm") if m in args.throughput_modes.split(",")),
                                        args.baseline)
        if not args.json:
            print_phases(ph)
    if "overhead" in parts:
        figures["overhead"] = o = overhead(args.overhead_epochs)
        if not args.json:
            print(f"overhead: {o['config']}: bookkeeping {o['bookkeeping_s']:.2f} s for {o['training_s']:.1f} s of "
                  f"training = {100 * o['fraction']:.2f}% (goal < 5%)", flush=True)
    if "quality" in parts:
        figures["quality"] = q = quality(args.quality_trials, args.quality_epochs)
        if not args.json:
            for pruner in ("none", "median"):
                r = q[pruner]
                print(f"quality, pruning {pruner}: best val {r['best_val_acc']:.4f}, test {r['best_test_acc']:.4f} "
                      f"({r['best_params']}), {r['total_epochs']} epochs in all, {r['wall_s']:.0f} s, {r['counts']}")
            d = q["default_preset"]
            print(f"quality: default preset, {d['epochs']} epochs: val {d['best_val_acc']:.4f}, test {d['test_acc']:.4f}")
    figures["load_average_after"] = os.getloadavg()
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"load average after: {figures['load_average_after']}")


if __name__ == "__main__":
    main()
