"""The dashboard in a browser: textual-serve runs ``command`` (the dashboard) once per
browser tab, as a child process speaking to the page over a websocket; the tab's xterm.js
draws it. A closed tab ends its dashboard (and a run it was training, as quitting would).

Imported only by ``tui_nn.entry`` for ``scratchnet-tui serve``; the command line checks the
host and the options first (``tui_nn/cli/serve.py``).
"""

from __future__ import annotations


def serve_dashboard(command: str, *, host: str, port: int) -> int:
    """Serve until SIGINT or SIGTERM, then return 0; an address that can't be listened on
    raises OSError (the caller says it in one line)."""
    from textual_serve.server import Server

    Server(command, host=host, port=port, title="scratchnet-tui").serve()
    return 0
