"""What every command shares: exit codes, the one-line error, the parser that refuses a bad
value in one line, and the options accepted before or after any subcommand."""

from __future__ import annotations

import argparse
import math
import os
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# stdout was closed before everything was written (``... | head``): the status a program
# killed by SIGPIPE has, though the command itself went on to its end.
EXIT_STDOUT_CLOSED = 141


class Parser(argparse.ArgumentParser):
    """argparse, but a bad value is one line (no usage dump) and exit status 2."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"scratchnet-tui: error: {message}", file=sys.stderr)
    return code


DATA_DIR_HELP = ("where downloaded datasets are cached (default: $SCRATCHNET_DATA_DIR, else the user "
                 "cache directory, e.g. ~/.cache/scratchnet-tui)")
RUNS_DIR_HELP = "the runs directory (default: $SCRATCHNET_RUNS_DIR, else the user data directory)"


def add_data_dir(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """``--data-dir`` on the top parser and again on each subcommand, so it may stand before
    or after the command; a subcommand's copy only sets it when given (SUPPRESS)."""
    parser.add_argument("--data-dir", metavar="DIR", default=None if top else argparse.SUPPRESS,
                        help=DATA_DIR_HELP)


def add_runs_dir(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """``--runs-dir`` on a command and on each of its subcommands (``runs export F --runs-dir D``)."""
    parser.add_argument("--runs-dir", metavar="DIR", default=None if top else argparse.SUPPRESS,
                        type=non_empty, help=RUNS_DIR_HELP)


def non_empty(text):
    """A path or name that must be given for real: ``--out ''`` is refused, not ignored."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def thread_count(text):
    """``--threads``: 1 to the CPUs this process may use (more only oversubscribes them)."""
    value = positive_int(text)
    limit = usable_cpus()
    if value > limit:
        raise argparse.ArgumentTypeError(f"must be <= {limit} (the CPUs this process may use), "
                                         f"got {str(text).strip()}")
    return value


def silence_stdout() -> None:
    """Point stdout at the null device once its reader has gone, so nothing written later
    (nor the flush at exit) fails again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):   # no real stdout (a test's capture)
        pass


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {str(text).strip()}")
    return value


def data_dir_of(args) -> str | None:
    """The --data-dir given (expanded), or None for the default."""
    value = getattr(args, "data_dir", None)
    return None if value is None else str(value)
