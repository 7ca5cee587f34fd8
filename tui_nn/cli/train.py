"""``scratchnet-tui train``: a new run from a preset and flags, ``--resume RUN`` to continue
a recorded one, or ``--branch RUN@EPOCH`` for a new run from one of its epochs; a progress bar on stderr (``--json`` lines on stdout), Ctrl+C stops after the
current batch. Everything about the run itself is the run core's (``runs/runner.py``); this
module parses flags, handles SIGINT and turns the run's end into an exit status."""

from __future__ import annotations

import argparse
import errno
import signal
import tempfile
from pathlib import Path

from ..training.config import ConfigError
from ..training.fields import TRAIN_FIELDS, YES_NO
from .common import (
    EXIT_DIVERGED, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_STDOUT_CLOSED, add_data_dir, add_runs_dir,
    data_dir_of, fail, non_empty, thread_count,
)
from .progress import ProgressReporter


def _flag_type(field):
    """The field's parser (or a bare parser) as an argparse type: a refusal becomes
    argparse's one-line error."""
    parse = getattr(field, "parse", field)

    def convert(text):
        try:
            return parse(text)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = getattr(field, "name", None) or getattr(parse, "__name__", "value")
    return convert


class _NotGiven:
    """The default of every field flag. ``None`` can't mean "not given", as it is a value
    (``--batch-size full``). Falsy, so ``args.epochs or ...`` still reads "if given"."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "<not given>"


NOT_GIVEN = _NotGiven()


def add_train_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per field of the registry; each stores the parsed value under the field's name."""
    for field in TRAIN_FIELDS:
        if field.kind == YES_NO:
            parser.add_argument(field.flag, dest=field.name, action="store_const", const=field.flag_value,
                                default=NOT_GIVEN, help=field.cli_help)
        else:
            # the flag's own name as its metavar (--plateau PLATEAU, not PLATEAU_FACTOR)
            parser.add_argument(field.flag, dest=field.name, type=_flag_type(field), default=NOT_GIVEN,
                                metavar=field.flag.lstrip("-").replace("-", "_").upper(), help=field.cli_help)


def given_field_flags(args) -> list[str]:
    """The field flags on the command line, in the registry's order."""
    return [field.flag for field in TRAIN_FIELDS if getattr(args, field.name, NOT_GIVEN) is not NOT_GIVEN]


def add_parser(sub) -> None:
    from ..training.presets import PRESETS, parse_preset

    train = sub.add_parser("train", help="train without the dashboard")
    preset_type = _flag_type(parse_preset)
    train.add_argument("--preset", type=preset_type, default=None, metavar="NAME",
                       help=f"start from this preset: {', '.join(PRESETS)} (default: default); other flags override it")
    add_train_flags(train)
    train.add_argument("--out", type=non_empty, metavar="DIR",
                       help="directory to write model.npz, history.csv and config.json (checked before training)")
    train.add_argument("--json", action="store_true",
                       help="one JSON object per epoch on stdout, then one with test_loss, test_acc")
    train.add_argument("--threads", type=thread_count, default=1,
                       help="BLAS threads, at most the CPUs this process may use (default 1: as fast as 2 at "
                       "these sizes, and leaves a core free)")
    add_data_dir(train)
    train.add_argument("--resume", metavar="RUN", type=non_empty,
                       help="continue a recorded run (id, unique id prefix or folder) for --epochs more "
                       "epochs (default: the epochs it still had to go)")
    train.add_argument("--branch", metavar="RUN@EPOCH", type=branch_point,
                       help="a new run continuing RUN from the end of EPOCH (see `runs show RUN` for the epochs "
                       "kept), with the settings given here changed (the learning rate and its schedule, "
                       "momentum, betas, L2, dropout, augmentation, shuffle, callbacks); --epochs more epochs "
                       "(default: the epochs RUN had to go after EPOCH)")
    train.add_argument("--epoch-budget", metavar="MB", type=epoch_budget, default=None,
                       help="disk a recorded run's per-epoch checkpoints (to branch from) may take: every "
                       "epoch while they fit, then every 2nd, 4th, ... (default 200; 0 keeps none)")
    add_runs_dir(train, top=True)
    train.add_argument("--no-record", action="store_true", help="do not record this run in the runs directory")
    train.set_defaults(handler=cmd_train)


def branch_point(text: str) -> tuple[str, int]:
    run, at, epoch = text.rpartition("@")
    if not at or not run.strip() or not epoch.strip().isdigit() or int(epoch) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not RUN@EPOCH (a run id or name, then @ and an "
                                         f"epoch number from 1, like 20261201-0930@12)")
    return run.strip(), int(epoch)


def epoch_budget(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a size in MB (a number, 0 or more)")
    return value


def config_from_args(args) -> "TrainConfig":  # noqa: F821
    from ..training.presets import get_preset

    config = get_preset(args.preset or "default").config
    changes = {}
    for field in TRAIN_FIELDS:
        value = getattr(args, field.name)
        if value is not NOT_GIVEN:
            changes.update(field.changes(value))
    if changes:
        changes["preset"] = "custom"
    return config.with_changes(**changes)


def out_problem(out: str) -> str | None:
    """Why ``--out`` could not be written, found before training (None: it can be): an
    existing directory must take a new file, else its nearest existing ancestor must be a
    directory that takes a new one. Nothing is left behind."""
    path = Path(out)
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a directory" if probe != path else "it is a file, not a directory"
    try:
        if probe == path:
            with tempfile.TemporaryFile(dir=probe):
                pass
        else:
            Path(tempfile.mkdtemp(prefix=".scratchnet-probe.", dir=probe)).rmdir()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == errno.ENOENT:       # /proc and the like: no new entries at all
            reason = f"{probe} does not take new files"
        return reason
    return None


def cmd_train(args) -> int:
    from ..locations import runs_dir
    from ..runs import Runner, RunSetupError, RunStore
    from ..runs.export import save_run
    from ..training.status import RunStatus

    from ..datasets import load_dataset

    if args.out is not None:
        problem = out_problem(args.out)
        if problem:
            return fail(f"--out: cannot write to {args.out}: {problem}")
    store = RunStore(runs_dir(args.runs_dir))
    data_dir = data_dir_of(args)
    reporter = ProgressReporter(json_lines=args.json)
    warn = lambda message: reporter.note(f"warning: {message}")  # noqa: E731
    load = lambda name: load_dataset(name, data_dir, reporter.load_progress(name))  # noqa: E731
    budget = {} if args.epoch_budget is None else {"epoch_budget_mb": args.epoch_budget}
    if args.preset is not None and (args.branch is not None or args.resume is not None):
        return fail(f"{'--branch' if args.branch is not None else '--resume'} continues a run with its own "
                    f"settings; --preset can't go with it")
    if args.branch is not None and (args.resume is not None or args.no_record):
        return fail(f"--branch makes a new recorded run; it can't go with "
                    f"{'--resume' if args.resume is not None else '--no-record'}")
    if args.epoch_budget is not None and args.no_record:
        return fail("--epoch-budget is for a recorded run; it can't go with --no-record")
    try:
        if args.branch is not None:
            from ..training.fields import FIELDS

            run, epoch = args.branch
            changes = {FIELDS[name].name: FIELDS[name].format(getattr(args, name))
                       for name in (f.name for f in TRAIN_FIELDS) if getattr(args, name) is not NOT_GIVEN}
            runner = Runner.branching(store, run, epoch, changes, listeners=[reporter], on_problem=warn,
                                      load_dataset=load, blas_threads=args.threads, **budget)
        elif args.resume is not None:
            given = [flag for flag in given_field_flags(args) if flag != "--epochs"]
            if given:
                return fail(f"--resume continues a run with its own settings; only --epochs may be "
                             f"given, not {', '.join(given)}")
            more = None if args.epochs is NOT_GIVEN else args.epochs
            runner = Runner.resuming(store, args.resume, epochs=more, listeners=[reporter], on_problem=warn,
                                     load_dataset=load, blas_threads=args.threads, **budget)
        else:
            runner = Runner.new(config_from_args(args), store=store, record=not args.no_record,
                                listeners=[reporter], on_problem=warn, load_dataset=load,
                                blas_threads=args.threads, **budget)
    except (ConfigError, RunSetupError) as exc:
        return fail(str(exc))
    if runner.problem:
        warn(runner.problem)
    elif runner.path is not None:
        reporter.note(f"recording run {runner.path.name} in {store.root}")

    # Ctrl+C asks the run to stop after the current batch (the weights so far are
    # kept and saved); a second Ctrl+C aborts at once.
    def on_sigint(signum, frame):
        if runner.stopping:
            raise KeyboardInterrupt
        reporter.note("stopping after this batch (Ctrl+C again to abort)")
        runner.stop()
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        result = runner.run()
    finally:
        signal.signal(signal.SIGINT, previous)

    if args.out is not None:
        try:
            path = save_run(result, args.out, runner.dataset)
            reporter.note(f"saved model.npz, history.csv, config.json in {path}")
        except OSError as exc:
            return fail(f"could not save to {args.out}: {exc.strerror or exc}", EXIT_FAILED)
    code = {RunStatus.FINISHED: EXIT_OK, RunStatus.EARLY_STOPPED: EXIT_OK, RunStatus.STOPPED: EXIT_INTERRUPTED,
            RunStatus.DIVERGED: EXIT_DIVERGED, RunStatus.FAILED: EXIT_FAILED}[result.status]
    if code == EXIT_OK and reporter.stdout_lost is not None:
        # the run finished and was saved, but not all of its --json lines were delivered
        return EXIT_STDOUT_CLOSED if reporter.stdout_lost.errno == errno.EPIPE else EXIT_FAILED
    return code
