"""``scratchnet-tui sweep``: search hyperparameters, each trial a recorded run; and
``scratchnet-tui sweeps``: list the sweeps. The train flags give the base config (built
from the field registry, as ``train``'s are); ``--space NAME=SPEC`` says what varies.
Everything about the sweep itself is ``tui_nn.sweeps``'; this module parses flags,
prints each ended trial, handles SIGINT and turns the sweep's end into an exit status."""

from __future__ import annotations

import argparse
import json
import signal
import sys

from ..training.config import ConfigError
from .common import (
    EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, add_data_dir, add_runs_dir, data_dir_of, fail, non_empty,
    positive_int,
)
from .train import add_train_flags, config_from_args, given_field_flags

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("none", "median", "asha")
METRICS = ("val_acc", "val_loss")


def _workers(text):
    value = str(text).strip().lower()
    if value == "auto":
        return value
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or auto, not {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1 or auto, got {text}")
    return number


def _cluster(text):
    value = text.strip()
    if value != "local" and not value.startswith(("tcp://", "tls://", "ws://", "wss://")):
        raise argparse.ArgumentTypeError(f"expected local or tcp://HOST:PORT, not {text!r}")
    return value


def add_parser(sub) -> None:
    from ..training.presets import PRESETS

    sweep = sub.add_parser("sweep", help="search hyperparameters: each trial is a recorded run")
    sweep.add_argument("--preset", choices=list(PRESETS), default="default", metavar="NAME",
                       help=f"base config from this preset: {', '.join(PRESETS)} (default: default)")
    add_train_flags(sweep)
    sweep.add_argument("--space", action="append", default=[], metavar="NAME=SPEC",
                       help="a field to search: log:LOW:HIGH | uniform:LOW:HIGH | int:LOW:HIGH | choice:A|B|C "
                       "(e.g. lr=log:1e-4:1e-1, hidden=choice:128|256,128); repeat for more fields")
    sweep.add_argument("--trials", type=positive_int, help="how many trials to complete (or prune)")
    sweep.add_argument("--workers", type=_workers, default="auto",
                       help="trials at once: N, or auto (one per CPU; default)")
    sweep.add_argument("--sampler", choices=SAMPLERS, default="tpe", help="tpe (default), random or grid")
    sweep.add_argument("--prune", choices=PRUNERS, default="none",
                       help="stop bad trials early: none (default), median, asha (successive halving)")
    sweep.add_argument("--metric", choices=METRICS, default="val_acc",
                       help="what the sweep optimises: val_acc (maximised, default) or val_loss (minimised)")
    sweep.add_argument("--name", type=non_empty, help="the sweep's name (default: sweep-DATE-TIME)")
    sweep.add_argument("--resume", type=non_empty, metavar="NAME",
                       help="continue the sweep NAME with its own settings: finished trials are kept, "
                       "those that were running are tried again")
    sweep.add_argument("--cluster", type=_cluster, metavar="local|tcp://HOST:PORT",
                       help="run the trials on a Dask cluster (pip install 'scratchnet-tui[cluster]')")
    sweep.add_argument("--json", action="store_true",
                       help="one JSON object per ended trial on stdout, then one with the best")
    add_data_dir(sweep)
    add_runs_dir(sweep, top=True)
    sweep.set_defaults(handler=cmd_sweep)

    sweeps = sub.add_parser("sweeps", help="list the sweeps (name, trials done/total, best, state)")
    sweeps.add_argument("--json", action="store_true", help="one JSON object per sweep")
    add_runs_dir(sweeps, top=True)
    sweeps.set_defaults(handler=cmd_sweeps)


def _params_text(params: dict | None) -> str:
    if not params:
        return ""
    return " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def _value_text(value) -> str:
    return "-" if value is None else f"{value:.4f}"


class TrialPrinter:
    """A sweep listener: one line (or JSON object) per ended trial on stdout."""

    def __init__(self, metric: str, json_lines: bool):
        self.metric = metric
        self.json_lines = json_lines

    def __call__(self, event) -> None:
        from ..sweeps import TrialEnded
        if not isinstance(event, TrialEnded):
            return
        if self.json_lines:
            print(json.dumps({"trial": event.trial, "run_id": event.run_id, "state": event.state,
                              "params": event.params, "value": event.value}), flush=True)
            return
        why = f"  ({event.message}{'; tried again' if event.retried else ''})" if event.message else ""
        print(f"trial {event.trial:>3}  {event.state:<8}  {self.metric} {_value_text(event.value):>6}  "
              f"epochs {event.epochs:>3}  {_params_text(event.params)}  run {event.run_id or '-'}{why}", flush=True)


def _spec_from_args(args):
    from ..sweeps import SearchSpace, SweepSpec, default_name

    space = SearchSpace.parse(args.space)
    return SweepSpec(name=args.name or default_name(), base=config_from_args(args), space=space,
                     trials=args.trials, sampler=args.sampler, pruner=args.prune, metric=args.metric,
                     data_dir=data_dir_of(args))


def _note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_sweep(args) -> int:
    from ..locations import runs_dir
    from ..sweeps import ClusterError, SpaceError, Sweep, SweepError, resolve_workers

    root = runs_dir(args.runs_dir)
    given = given_field_flags(args)
    try:
        if args.resume is not None:
            extra = given + [flag for flag, value in (("--space", args.space), ("--trials", args.trials),
                                                      ("--name", args.name)) if value]
            extra += [flag for flag, dest, default in (("--sampler", "sampler", "tpe"), ("--prune", "prune", "none"),
                                                       ("--metric", "metric", "val_acc"))
                      if getattr(args, dest) != default]
            if extra:
                return fail(f"--resume continues a sweep with its own settings; not {', '.join(extra)}")
            sweep = Sweep.resuming(root, args.resume)
        else:
            if args.trials is None:
                return fail("--trials N is needed (how many trials to complete)")
            spec = _spec_from_args(args)
            if args.cluster is None:
                _check_dataset(spec)
            sweep = Sweep.new(spec, root)
    except (SpaceError, SweepError, ConfigError) as exc:
        return fail(str(exc))
    workers = resolve_workers(args.workers)
    if sweep.spec.sampler == "grid" and sweep.spec.space.grid_size() < sweep.spec.trials:
        _note(f"note: the grid has {sweep.spec.space.grid_size()} points; --trials {sweep.spec.trials} "
              f"is more than that, so points will be drawn again")
    where = (f"{workers} worker process{'es' if workers > 1 else ''}" if args.cluster is None else
             f"a local Dask cluster of {workers} workers" if args.cluster == "local" else
             f"the Dask cluster at {args.cluster}")
    _note(f"{'resuming' if sweep.resumed else 'starting'} sweep {sweep.name}: {sweep.spec.trials} trials on "
          f"{where}; runs in {root}")
    sweep.add_listener(TrialPrinter(sweep.spec.metric, args.json))

    def on_sigint(signum, frame):
        if sweep.stopping:
            raise KeyboardInterrupt
        _note("stopping the running trials after their current batch (Ctrl+C again to abort)")
        sweep.stop()
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        result = sweep.run(workers=workers, cluster=args.cluster)
    except (ClusterError, SweepError) as exc:
        return fail(str(exc))
    except OSError as exc:            # the runs directory refused the sweep's files
        return fail(f"the sweep failed: {exc.strerror or exc} ({getattr(exc, 'filename', '') or root})",
                    EXIT_FAILED)
    finally:
        signal.signal(signal.SIGINT, previous)

    summary = {"best_trial": result.best_trial, "best_value": result.best_value,
               "best_params": result.best_params, "trials": len(result.trials)}
    if args.json:
        print(json.dumps(summary), flush=True)
    else:
        counts = ", ".join(f"{n} {state}" for state, n in sorted(result.counts.items()))
        best = ("no trial completed" if result.best_trial is None else
                f"best: trial {result.best_trial}, {sweep.spec.metric} {_value_text(result.best_value)}  "
                f"{_params_text(result.best_params)}")
        print(f"{best}\n{len(result.trials)} trials ({counts or 'none'}); sweep {sweep.name} "
              f"{result.state}" + (f" (--resume {sweep.name} continues it)" if result.state == "stopped" else ""))
    if result.state == "stopped":
        return EXIT_INTERRUPTED
    if not any(result.counts.get(state) for state in ("complete", "pruned")):
        return EXIT_FAILED
    return EXIT_OK


def _check_dataset(spec) -> None:
    """The base config's dataset loads (refused here, in one line, rather than once per
    trial in the workers)."""
    from ..datasets import DatasetError, load_dataset
    from ..datasets.embedded import SAMPLE_NAME
    from ..sweeps import SweepError
    if spec.base.dataset == SAMPLE_NAME:
        return                      # shipped inside the package
    try:
        load_dataset(spec.base.dataset, spec.data_dir)
    except DatasetError as exc:
        raise SweepError(str(exc)) from None


def cmd_sweeps(args) -> int:
    from ..locations import runs_dir
    from ..sweeps import list_sweeps

    root = runs_dir(args.runs_dir)
    records = list_sweeps(root)
    if args.json:
        for record in records:
            print(json.dumps(record.as_row()))
        return EXIT_OK
    if not records:
        print(f"no sweeps in {root}")
        return EXIT_OK
    print(f"{'sweep':<28} {'state':<11} {'trials':>7} {'metric':<8} {'best':>7}  best params")
    for r in records:
        print(f"{r.name[:28]:<28} {r.state:<11} {f'{r.done}/{r.total}':>7} {r.metric:<8} "
              f"{_value_text(r.best_value):>7}  {_params_text(r.best_params)}"
              + (f"  ({r.problem})" if r.problem else ""))
    return EXIT_OK
