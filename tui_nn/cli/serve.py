"""``scratchnet-tui serve [--host H] [--port P] [--public]``: the dashboard in a browser.

This module only checks what was asked and says what it means; the serving itself is the
dashboard's (``tui_nn/tui/serve.py``, handed in by ``tui_nn.entry``), as the command line
imports nothing that draws. textual-serve has no authentication: whoever reaches the port
drives the dashboard (and can start training on this machine), so it listens on 127.0.0.1
unless ``--public`` says otherwise, and then warns.
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import shlex
import sys

from .common import EXIT_FAILED, data_dir_of, fail, non_empty

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
INSTALL_HINT = "pip install 'scratchnet-tui[serve]'"


def port_number(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a port is a whole number, not {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535, got {str(text).strip()}")
    return value


def add_parser(sub) -> None:
    serve = sub.add_parser("serve", help="serve the dashboard to a browser (textual-serve; no authentication)")
    serve.add_argument("--host", type=non_empty, default=DEFAULT_HOST,
                       help=f"the address to listen on (default {DEFAULT_HOST}: this machine only; "
                       "reach it from elsewhere with ssh -L)")
    serve.add_argument("--port", type=port_number, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    serve.add_argument("--public", action="store_true",
                       help="allow a --host other machines can reach (there is no authentication)")
    serve.set_defaults(handler=cmd_serve)


def is_local(host: str) -> bool:
    """Whether only this machine can reach ``host``: a loopback address or ``localhost``."""
    if host.strip().lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:          # a host name: it may resolve to anything
        return False


def dashboard_command(data_dir: str | None, runs_dir: str | None) -> str:
    """The shell command each browser tab runs: this same program's dashboard, on the same
    directories, with the interpreter that runs this one."""
    from ..locations import runs_dir as resolve_runs_dir, user_cache_dir

    argv = [sys.executable, "-m", "tui_nn.entry",
            "--data-dir", str(data_dir or user_cache_dir()), "--runs-dir", str(resolve_runs_dir(runs_dir))]
    return shlex.join(argv)


def cmd_serve(args) -> int:
    host = args.host.strip()
    if not is_local(host) and not args.public:
        return fail(f"--host {host}: other machines could reach the dashboard, and it has no "
                    f"authentication; add --public to serve it there anyway, or keep {DEFAULT_HOST} "
                    f"and reach it with ssh -L {args.port}:127.0.0.1:{args.port}")
    if importlib.util.find_spec("textual_serve") is None:
        return fail(f"serve needs the textual-serve package: {INSTALL_HINT}", EXIT_FAILED)
    if args.serve_dashboard is None:
        return fail("serve: this command line was started without the dashboard", EXIT_FAILED)
    if not is_local(host):
        print(f"scratchnet-tui: warning: serving on {host}:{args.port} without authentication: anyone "
              f"who reaches this port drives the dashboard and can train on this machine", file=sys.stderr)
    command = dashboard_command(data_dir_of(args), getattr(args, "runs_dir", None))
    try:
        return args.serve_dashboard(command, host=host, port=args.port)
    except OSError as exc:      # the port is taken, the address is not this machine's
        return fail(f"cannot listen on {host}:{args.port}: {exc.strerror or exc}", EXIT_FAILED)
