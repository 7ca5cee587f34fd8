"""The headless commands. ``scratchnet-tui`` alone opens the dashboard.

    scratchnet-tui train [options]      train with a progress bar (or --json lines)
    scratchnet-tui evaluate MODEL.npz --dataset NAME|PATH [--split train|test] [--json]
    scratchnet-tui presets              list the presets
    scratchnet-tui runs [export FILE]   list recorded runs, or export them to one CSV
    scratchnet-tui bench [...]          measure training speed (and PyTorch's, if installed)
    scratchnet-tui datasets [download NAME]   list the datasets / download a full-size one

Every bad flag value ends in one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import signal
import sys
import time

from .training.config import ConfigError
from .training.fields import TRAIN_FIELDS, YES_NO

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad value is one line (no usage dump) and exit status 2."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _flag_type(field):
    """The field's parser as an argparse type: a refusal becomes argparse's one-line error."""
    def convert(text):
        try:
            return field.parse(text)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = field.name
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
            parser.add_argument(field.flag, dest=field.name, action="store_const", const=False,
                                default=NOT_GIVEN, help=field.cli_help)
        else:
            parser.add_argument(field.flag, dest=field.name, type=_flag_type(field), default=NOT_GIVEN,
                                help=field.cli_help)


def given_field_flags(args) -> list[str]:
    """The field flags on the command line, in the registry's order."""
    return [field.flag for field in TRAIN_FIELDS if getattr(args, field.name, NOT_GIVEN) is not NOT_GIVEN]


def build_parser() -> argparse.ArgumentParser:
    from .training.presets import PRESETS

    parser = _Parser(prog="scratchnet-tui", description="Train and inspect a from-scratch NumPy MLP. "
                     "Without a command, opens the dashboard.")
    from . import __version__
    parser.add_argument("--version", action="version", version=f"scratchnet-tui {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", default=None, help=_DATA_DIR_HELP)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    train = sub.add_parser("train", help="train without the dashboard")
    train.add_argument("--preset", choices=list(PRESETS), default="default", metavar="NAME",
                       help=f"start from this preset: {', '.join(PRESETS)} (default: default); other flags override it")
    add_train_flags(train)
    train.add_argument("--out", help="directory to write model.npz, history.csv and config.json")
    train.add_argument("--json", action="store_true",
                       help="one JSON object per epoch on stdout, then one with test_loss, test_acc")
    train.add_argument("--threads", type=_positive_int, default=1,
                       help="BLAS threads (default 1: as fast as 2 at these sizes, and leaves a core free)")
    train.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=_DATA_DIR_HELP)
    train.add_argument("--resume", metavar="RUN",
                       help="continue a recorded run (id, unique id prefix or folder) for --epochs more epochs")
    train.add_argument("--runs-dir", help="where runs are recorded (default: $SCRATCHNET_RUNS_DIR, "
                       "else the user data directory)")
    train.add_argument("--no-record", action="store_true", help="do not record this run in the runs directory")

    evaluate = sub.add_parser("evaluate", help="accuracy and loss of a saved model on a dataset")
    evaluate.add_argument("model", help="a model.npz written by train --out")
    evaluate.add_argument("--dataset", required=True, help="mnist-sample or a path (IDX dir, CSV, npz)")
    evaluate.add_argument("--split", choices=("train", "test"), default="test")
    evaluate.add_argument("--which", choices=("last", "best"), default="last",
                          help="the last weights or those of the best validation epoch")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=_DATA_DIR_HELP)

    sub.add_parser("presets", help="list the presets and their settings")

    runs = sub.add_parser("runs", help="list the recorded runs (or: runs export FILE.csv [RUN ...])")
    runs.add_argument("--runs-dir", help="the runs directory (default: $SCRATCHNET_RUNS_DIR, else the user "
                      "data directory)")
    runs.add_argument("--json", action="store_true", help="one JSON object per run")
    runs_sub = runs.add_subparsers(dest="runs_command", parser_class=_Parser)
    export = runs_sub.add_parser("export", help="all (or the given) runs' histories and settings in one CSV")
    export.add_argument("file", help="the CSV file to write")
    export.add_argument("run", nargs="*", help="run ids or unique prefixes (default: all)")

    bench = sub.add_parser("bench", help="measure seconds per epoch on full Fashion-MNIST, "
                           "beside PyTorch CPU when it is installed")
    from .bench import add_bench_arguments
    add_bench_arguments(bench)

    datasets = sub.add_parser("datasets", help="list the datasets (embedded, cached, downloadable); "
                              "'datasets download NAME' fetches mnist, fashion-mnist or kmnist")
    datasets.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=_DATA_DIR_HELP)
    datasets_sub = datasets.add_subparsers(dest="datasets_command", parser_class=_Parser)
    listing = datasets_sub.add_parser("list", help="every dataset with its state and size (the default)")
    listing.add_argument("--json", action="store_true", help="one JSON object on stdout")
    listing.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=_DATA_DIR_HELP)
    download = datasets_sub.add_parser("download", help="download a full-size dataset into the cache, "
                                       "verified against its published checksums (resumes if interrupted)")
    download.add_argument("name", metavar="NAME", help="mnist | fashion-mnist | kmnist")
    download.add_argument("--timeout", type=_positive_float, default=20.0,
                          help="seconds to wait for a mirror to connect or send data (default 20)")
    download.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=_DATA_DIR_HELP)
    return parser


_DATA_DIR_HELP = ("where downloaded datasets are cached (default: $SCRATCHNET_DATA_DIR, else the user "
                  "cache directory, e.g. ~/.cache/scratchnet-tui)")


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


DATA_DIR_ENV = "SCRATCHNET_DATA_DIR"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.data_dir is not None and not args.data_dir.strip():
        return _fail("--data-dir: must not be empty")
    # --data-dir beats $SCRATCHNET_DATA_DIR for this run (and only this run: restored below), so
    # every command and the dashboard find the cache the same way.
    saved_data_dir = os.environ.get(DATA_DIR_ENV)
    if args.data_dir is not None:
        os.environ[DATA_DIR_ENV] = os.path.expanduser(args.data_dir)
    try:
        return _dispatch(args)
    finally:
        if saved_data_dir is None:
            os.environ.pop(DATA_DIR_ENV, None)
        else:
            os.environ[DATA_DIR_ENV] = saved_data_dir


def _dispatch(args) -> int:
    try:
        if args.command is None:
            from .tui.app import run_app
            run_app()
            return EXIT_OK
        if args.command == "train":
            return cmd_train(args)
        if args.command == "evaluate":
            return cmd_evaluate(args)
        if args.command == "presets":
            return cmd_presets()
        if args.command == "runs":
            return cmd_runs(args)
        if args.command == "bench":
            from .bench import run_bench
            return run_bench(args)
        if args.command == "datasets":
            from .datasets.commands import run_datasets
            return run_datasets(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into head
        return EXIT_OK
    return EXIT_USAGE


def config_from_args(args) -> "TrainConfig":  # noqa: F821
    from .training.presets import get_preset

    config = get_preset(args.preset).config
    changes = {}
    for field in TRAIN_FIELDS:
        value = getattr(args, field.name)
        if value is not NOT_GIVEN:
            changes.update(field.changes(value))
    if changes:
        changes["preset"] = "custom"
    return config.with_changes(**changes)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"scratchnet-tui: error: {message}", file=sys.stderr)
    return code


def cmd_train(args) -> int:
    from .locations import runs_dir
    from .runs import Runner, RunSetupError, RunStore
    from .training.run_files import save_run
    from .training.status import RunStatus

    store = RunStore(runs_dir(args.runs_dir))
    reporter = ProgressReporter(json_lines=args.json)
    warn = lambda message: reporter.note(f"warning: {message}")  # noqa: E731
    try:
        if args.resume:
            given = [flag for flag in given_field_flags(args) if flag != "--epochs"]
            if given:
                return _fail(f"--resume continues a run with its own settings; only --epochs may be "
                             f"given, not {', '.join(given)}")
            more = None if args.epochs is NOT_GIVEN else args.epochs
            runner = Runner.resuming(store, args.resume, epochs=more, listeners=[reporter],
                                     on_problem=warn, blas_threads=args.threads)
        else:
            runner = Runner.new(config_from_args(args), store=store, record=not args.no_record,
                                listeners=[reporter], on_problem=warn, blas_threads=args.threads)
    except (ConfigError, RunSetupError) as exc:
        return _fail(str(exc))
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

    if args.out:
        try:
            path = save_run(result, args.out, runner.dataset)
            reporter.note(f"saved model.npz, history.csv, config.json in {path}")
        except OSError as exc:
            return _fail(f"could not save to {args.out}: {exc.strerror or exc}", EXIT_FAILED)
    return {RunStatus.FINISHED: EXIT_OK, RunStatus.STOPPED: EXIT_INTERRUPTED,
            RunStatus.DIVERGED: EXIT_DIVERGED, RunStatus.FAILED: EXIT_FAILED}[result.status]


def cmd_runs(args) -> int:
    from .locations import runs_dir
    from .runs import RunStore, RunStoreError

    store = RunStore(runs_dir(args.runs_dir))
    if args.runs_command == "export":
        try:
            paths = [store.resolve(r) for r in args.run] or [i.path for i in store.list() if i.status != "damaged"]
            rows = store.export_csv(paths, args.file)
        except RunStoreError as exc:
            return _fail(str(exc))
        except OSError as exc:
            return _fail(f"could not write {args.file}: {exc.strerror or exc}", EXIT_FAILED)
        print(f"wrote {rows:,} rows from {len(paths)} runs to {args.file}")
        return EXIT_OK
    infos = store.list()
    if args.json:
        for info in infos:
            print(json.dumps(info.as_row()))
        return EXIT_OK
    if not infos:
        print(f"no runs in {store.root}")
        return EXIT_OK
    print(f"{'run':<36} {'status':<11} {'dataset':<14} {'architecture':<16} {'opt':<8} {'lr':>7} "
          f"{'batch':>5} {'epochs':>9} {'best val':>8} {'test':>7} {'secs':>7}")
    for i in infos:
        pct = lambda v: "" if v is None else f"{v:.2%}"  # noqa: E731
        print(f"{i.run_id[:36]:<36} {i.status:<11} {i.dataset[:14]:<14} {i.architecture[:16]:<16} "
              f"{i.optimizer:<8} {'' if i.lr is None else format(i.lr, 'g'):>7} {i.batch:>5} "
              f"{f'{i.epochs}/{i.planned_epochs}':>9} {pct(i.best_val_acc):>8} {pct(i.test_acc):>7} "
              f"{i.seconds:>7.1f}" + (f"  ({i.problem})" if i.problem else ""))
    return EXIT_OK


class ProgressReporter:
    """Turns trainer events into a progress bar and epoch lines on stderr, and, with
    --json, one JSON object per epoch (and a final one) on stdout."""

    def __init__(self, json_lines: bool = False, stream=None):
        self.json_lines = json_lines
        self.err = stream or sys.stderr
        self.tty = self.err.isatty()
        self.epochs = 0
        self._bar_shown = False

    def note(self, text: str) -> None:
        self._clear_bar()
        print(text, file=self.err, flush=True)

    def _clear_bar(self):
        if self._bar_shown:
            self.err.write("\r\033[K")
            self._bar_shown = False

    def __call__(self, event) -> None:
        from .training import events as ev

        if isinstance(event, ev.RunStarted):
            self.epochs = event.start_epoch + event.config["epochs"]
            cfg = event.config
            self.note(f"{event.architecture} {cfg['activation']}, {cfg['optimizer']} lr {cfg['lr']:g}, "
                      f"{event.n_params:,} parameters; {event.n_train:,} train / {event.n_val:,} validation / "
                      f"{event.n_test:,} test; {event.batches_per_epoch:,} batches per epoch")
        elif isinstance(event, ev.BatchProgress) and self.tty:
            width = 30
            done = int(width * event.batch / event.n_batches)
            self.err.write(f"\repoch {event.epoch}/{self.epochs} [{'#' * done}{'.' * (width - done)}] "
                           f"{event.batch}/{event.n_batches}  loss {event.running_loss:.4f}  "
                           f"{event.samples_per_s:,.0f} samples/s\033[K")
            self.err.flush()
            self._bar_shown = True
        elif isinstance(event, ev.EpochEnded):
            self.note(f"epoch {event.epoch}/{event.epochs}  train loss {event.train_loss:.4f} "
                      f"acc {event.train_acc:.2%}  val loss {_fmt(event.val_loss, '.4f')} "
                      f"acc {_fmt(event.val_acc, '.2%')}  {event.seconds:.2f}s  "
                      f"{event.samples_per_s:,.0f} samples/s")
            if self.json_lines:
                row = {k: _json_number(v) for k, v in event.row().items()}
                print(json.dumps(row), flush=True)
        elif isinstance(event, ev.Paused | ev.Resumed):
            pass
        elif isinstance(event, ev.RunEnded):
            self._end(event)

    def _end(self, event) -> None:
        from .training import events as ev

        test = (f"test loss {event.test_loss:.4f} acc {event.test_acc:.2%}"
                if event.test_acc is not None else "no test set")
        if isinstance(event, ev.Finished):
            self.note(f"finished {event.epochs_completed} epochs in {event.elapsed:.1f}s; {test}")
        elif isinstance(event, ev.Stopped):
            self.note(f"stopped after {event.epochs_completed} complete epochs; {test}")
        elif isinstance(event, ev.Diverged):
            self.note(f"diverged: the loss became {event.loss} at epoch {event.epoch}, batch {event.batch}; "
                      f"kept the weights of epoch {event.epochs_completed}. Hint: {event.hint}. {test}")
        elif isinstance(event, ev.Failed):
            self.note(f"failed: {event.message}")
        if self.json_lines:
            print(json.dumps({"status": ev.STATUS_OF[type(event)],
                              "epochs_completed": event.epochs_completed,
                              "test_loss": _json_number(event.test_loss),
                              "test_acc": _json_number(event.test_acc),
                              "seconds": round(event.elapsed, 4)}), flush=True)


def _fmt(value, spec):
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def _json_number(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


def cmd_evaluate(args) -> int:
    from .datasets import DatasetError, load_dataset
    from .nn import ModelFileError, load_model

    try:
        network, meta = load_model(args.model, which="params" if args.which == "last" else "best")
        dataset = load_dataset(args.dataset)
        x, y = (dataset.x_test, dataset.y_test) if args.split == "test" else (dataset.x_train, dataset.y_train)
        if len(x) == 0:
            return _fail(f"dataset {dataset.name} has no {args.split} split")
        network.check_fits(dataset.n_features, dataset.n_classes, f"dataset {dataset.name}")
    except (ModelFileError, DatasetError) as exc:
        return _fail(str(exc))
    t0 = time.perf_counter()
    loss, acc = network.evaluate(x, y)
    if args.json:
        print(json.dumps({"accuracy": acc, "loss": loss, "n": int(len(x))}))
    else:
        print(f"{dataset.name} {args.split}: accuracy {acc:.2%}  loss {loss:.4f}  n {len(x):,}  "
              f"({time.perf_counter() - t0:.2f}s)")
    return EXIT_OK


# Listed for every preset, even at their defaults: what the network is and how it trains.
PRESET_LISTING = ("hidden", "activation", "output", "init", "optimizer", "lr", "batch_size", "epochs")


def preset_flags(config) -> list[str]:
    """The train flags of ``config``: those above, and every other setting that differs
    from the built-in defaults or from the default preset (so the flags, given to
    ``train``, reproduce ``config``); the switches (--no-bias) last."""
    from .training.config import TrainConfig
    from .training.presets import PRESETS

    bases = (TrainConfig(), PRESETS["default"].config)
    shown = [field for field in TRAIN_FIELDS if field.name in PRESET_LISTING
             or any(field.value_of(config) != field.value_of(base) for base in bases)]
    return [word for field in sorted(shown, key=lambda field: field.kind == YES_NO)
            for word in field.flag_words(field.value_of(config))]


def cmd_presets() -> int:
    from .training.presets import PRESETS

    for preset in PRESETS.values():
        print(f"{preset.name}")
        print(f"    {preset.summary}")
        print(f"    seed's claim: {preset.claim}")
        print(f"    {shlex.join(preset_flags(preset.config))}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
