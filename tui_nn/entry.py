"""The ``scratchnet-tui`` command: the dashboard when no subcommand is given, else the
headless command line. It sits above both, so neither imports the other."""

from __future__ import annotations


def _open_dashboard(data_dir: str | None, runs_dir: str | None) -> int:
    import gc
    # No garbage collection until the first frame (the app resumes it then): the start-up
    # makes about a million objects that live as long as the app (modules, styles,
    # widgets), and collections that walked them again and again took a tenth of the time
    # to that frame.
    gc.disable()
    from .tui.app import run_app
    return run_app(data_dir=data_dir, runs_dir=runs_dir)


def _serve_dashboard(command: str, *, host: str, port: int) -> int:
    from .tui.serve import serve_dashboard
    return serve_dashboard(command, host=host, port=port)


def _early_sweep_workers(argv: list[str]) -> None:
    """For ``sweep`` with local workers (no ``--cluster``), start their fork server first: its
    imports (0.4-1 s) then overlap this process's own instead of following them. A guess from
    the words alone: a wrong one costs a server nobody uses, which ends with this process."""
    from .cli.main import split_command     # light: argparse, no command's module
    command, rest = split_command(argv)
    if command != "sweep" or any(w in ("-h", "--help") or w.split("=", 1)[0] == "--cluster" for w in rest):
        return
    from .sweeps.workers import start_fork_server
    start_fork_server()


# How long a lone Escape byte waits for the rest of an escape sequence (an arrow key, F1)
# before it counts as the Escape key. Textual's default, like ncurses', is 100 ms, and the
# wait comes before every Escape (the "back" key of every screen) takes effect. Terminal
# emulators write a key's whole sequence at once, so locally and over SSH 25 ms is ample
# (tmux 3.5 waits 10 ms); ESCDELAY (milliseconds, the ncurses variable Textual reads) overrides.
ESCAPE_DELAY_MS = 25


def main(argv: list[str] | None = None) -> int:
    """The command. ``argv`` None: this process's own arguments, and the process ends after."""
    import os
    import sys
    os.environ.setdefault("ESCDELAY", str(ESCAPE_DELAY_MS))   # before Textual is imported
    _early_sweep_workers(sys.argv[1:] if argv is None else argv)
    from .cli.main import main as run_command
    try:
        return run_command(argv, dashboard=_open_dashboard, serve_dashboard=_serve_dashboard)
    finally:
        if argv is None:
            _end_quickly()


def _end_quickly() -> None:
    """Spare the exit the interpreter's last garbage collections: they walk every object of
    every module loaded (Optuna, NumPy, Textual), 0.1 s after the work is done. Frozen
    objects are skipped, and nothing of ours waits on a collection: files are closed and
    runs saved before a command returns. Not in a process that goes on (a test's)."""
    import gc
    gc.freeze()


if __name__ == "__main__":      # ``python -m tui_nn.entry``, as the console script
    import sys
    sys.exit(main())
