"""The ``scratchnet-tui`` command: the dashboard when no subcommand is given, else the
headless command line. It sits above both, so neither imports the other."""

from __future__ import annotations


def _open_dashboard(data_dir: str | None, runs_dir: str | None) -> int:
    from .tui.app import run_app
    return run_app(data_dir=data_dir, runs_dir=runs_dir)


def _serve_dashboard(command: str, *, host: str, port: int) -> int:
    from .tui.serve import serve_dashboard
    return serve_dashboard(command, host=host, port=port)


def main(argv: list[str] | None = None) -> int:
    from .cli.main import main as run_command
    return run_command(argv, dashboard=_open_dashboard, serve_dashboard=_serve_dashboard)


if __name__ == "__main__":      # ``python -m tui_nn.entry``, as the console script
    import sys
    sys.exit(main())
