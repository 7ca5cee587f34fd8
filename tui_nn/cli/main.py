"""The headless command line; each subcommand lives in a module of its own beside this one.
(``scratchnet-tui`` alone opens the dashboard: see ``tui_nn/entry.py``.)

    scratchnet-tui train [options]        train with a progress bar (or --json lines)
    scratchnet-tui lr-find [options]      learning-rate range test: loss versus lr, a suggested lr
    scratchnet-tui evaluate MODEL|RUN     accuracy and loss of saved weights on a dataset
    scratchnet-tui presets                list the presets
    scratchnet-tui runs [export FILE]     list recorded runs, or export them to one CSV
    scratchnet-tui bench [...]            measure training speed (and PyTorch's, if installed)
    scratchnet-tui datasets [download NAME]   list the datasets / download a full-size one
    scratchnet-tui sweep [options] --space NAME=SPEC ... --trials N   search hyperparameters
    scratchnet-tui sweeps                 list the sweeps
    scratchnet-tui serve [--host H] [--port P]   the dashboard in a browser (textual-serve)

Every bad flag value ends in one line on stderr and exit status 2. ``--data-dir`` may stand
before or after the command, ``--runs-dir`` after the command or its subcommand (and before
it, for the dashboard and ``serve``). A stdout
whose reader has gone (``... | head``) ends in exit status 141, never 0.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from .common import (
    EXIT_INTERRUPTED, EXIT_STDOUT_CLOSED, RUNS_DIR_HELP, Parser, add_data_dir, data_dir_of, fail, non_empty,
    silence_stdout,
)


def add_top_options(parser: argparse.ArgumentParser) -> None:
    """The options that may stand before any command (and alone, for the dashboard)."""
    add_data_dir(parser, top=True)
    # the dashboard's (and serve's); its own dest, as a subcommand's --runs-dir default would
    # overwrite this one's value
    parser.add_argument("--runs-dir", dest="top_runs_dir", metavar="DIR", type=non_empty, help=RUNS_DIR_HELP)


# The module of each command (sweep's adds sweeps too), in the order help lists them
COMMAND_MODULES = {"train": "train", "lr-find": "lr_find", "evaluate": "evaluate", "presets": "presets",
                   "runs": "runs", "bench": "bench", "datasets": "datasets", "sweep": "sweep",
                   "sweeps": "sweep", "serve": "serve"}


def build_parser(command: str | None = None) -> Parser:
    """The parser of every command, or of ``command``'s alone. The commands' modules load
    here, not with this module (the dashboard needs none of them), and only the one needed:
    each imports what its command runs on, a tenth of a second for them all."""
    import importlib

    from .. import __version__

    parser = Parser(prog="scratchnet-tui", description="Train and inspect a from-scratch NumPy MLP. "
                    "Without a command, opens the dashboard.")
    parser.add_argument("--version", action="version", version=f"scratchnet-tui {__version__}")
    add_top_options(parser)
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    names = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else COMMAND_MODULES.values()
    for name in dict.fromkeys(names):
        importlib.import_module(f".{name}", __package__).add_parser(sub)
    return parser


def split_command(argv: list[str]) -> tuple[str | None, list[str]]:
    """(the command ``argv`` names, the words after it), read without any parser, if only
    top-level options with their values stand before it; else (None, []): ``--help``,
    ``--version`` or an unknown word, which the full parser answers."""
    words = iter(argv)
    for word in words:
        if word in ("--data-dir", "--runs-dir"):
            next(words, None)
        elif word.split("=", 1)[0] not in ("--data-dir", "--runs-dir"):
            return (word, list(words)) if word in COMMAND_MODULES else (None, [])
    return None, []


def main(argv: list[str] | None = None, *,
         dashboard: Callable[[str | None, str | None], int] | None = None,
         serve_dashboard: Callable[..., int] | None = None) -> int:
    """Run the command in ``argv``; without one, ``dashboard(data_dir, runs_dir)``, which
    returns the exit status. The command line knows nothing of the dashboard: ``tui_nn.entry``
    hands it in, and the function that serves it to a browser (``serve``'s)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = dashboard_args(argv) if dashboard is not None else None
    if args is None:
        args = build_parser(split_command(argv)[0]).parse_args(argv)
    data_dir = data_dir_of(args)
    if data_dir is not None and not data_dir.strip():
        return fail("--data-dir: must not be empty")
    if args.top_runs_dir is not None and getattr(args, "runs_dir", None) is None:
        args.runs_dir = args.top_runs_dir
    try:
        if args.command is None:
            if dashboard is None:
                build_parser().print_usage(sys.stderr)
                return fail("a command is needed (train, evaluate, runs, ...)")
            return dashboard(data_dir, args.top_runs_dir)
        args.serve_dashboard = serve_dashboard
        code = args.handler(args)
        sys.stdout.flush()          # here, where a closed pipe is caught, not at exit
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:         # e.g. ``runs --json | head -n1``: not everything was written
        silence_stdout()
        return EXIT_STDOUT_CLOSED


class _Refusing(argparse.ArgumentParser):
    def error(self, message):   # not the dashboard's arguments: the full parser says why
        raise argparse.ArgumentError(None, message)


def dashboard_args(argv: list[str]) -> argparse.Namespace | None:
    """The top-level options if ``argv`` holds nothing else (it opens the dashboard), else
    None. Only then is the whole parser skipped: building it imports every command's module,
    a tenth of a second before the dashboard's first frame. Anything else (a command,
    ``--help``, ``--version``, an abbreviation, a bad value) goes to the full parser."""
    parser = _Refusing(add_help=False, allow_abbrev=False, exit_on_error=False)
    add_top_options(parser)
    try:
        args, rest = parser.parse_known_args(argv)
    except argparse.ArgumentError:
        return None
    if rest:
        return None
    args.command = None
    return args


if __name__ == "__main__":
    sys.exit(main())
