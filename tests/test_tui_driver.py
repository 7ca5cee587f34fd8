"""The dashboard's terminal driver (``tui/driver.py``) in a real pseudo-terminal: keys typed
as a terminal sends them reach the app, escape sequences (F1) and a lone Escape included, and
the app quits on ctrl+q with status 0."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

F1, ESCAPE, CTRL_Q = "\x1bOP", "\x1b", "\x11"


class Terminal:
    """``scratchnet-tui`` on the slave side of a pty of 80x24; what it draws is read from the master."""

    def __init__(self) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
        env.pop("ESCDELAY", None)
        self.process = subprocess.Popen([sys.executable, "-m", "tui_nn"], stdin=slave, stdout=slave,
                                        stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.output = b""

    def send(self, text: str) -> int:
        """Type ``text``; returns where the output stood, to look for what came after."""
        mark = len(self.output)
        os.write(self.master, text.encode())
        return mark

    def wait_for(self, text: str, after: int = 0, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.output[after:]:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                raise AssertionError(f"{text!r} not drawn; exit status {self.process.poll()}; "
                                     f"last output {self.output[-400:]!r}")
            ready, _, _ = select.select([self.master], [], [], min(remaining, 0.2))
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:        # the child closed the terminal
                    pass

    def close(self, timeout: float = 30.0) -> int:
        """The exit status, reading on meanwhile: a terminal that stops reading blocks the
        app's last writes (the pty's buffer fills), as it would block any program."""
        deadline = time.monotonic() + timeout
        try:
            while self.process.poll() is None and time.monotonic() < deadline:
                if select.select([self.master], [], [], 0.1)[0]:
                    try:
                        self.output += os.read(self.master, 65536)
                    except OSError:
                        break
            return self.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        finally:
            os.close(self.master)


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_keys_escape_sequences_and_a_lone_escape_reach_the_app_through_a_real_terminal():
    term = Terminal()
    try:
        term.wait_for("Start training")                   # the setup screen's footer
        term.wait_for("escape closes this help", after=term.send(F1))
        # a lone Escape (nothing after it) closes the help: the setup footer is drawn again
        term.wait_for("Start training", after=term.send(ESCAPE))
        term.send(CTRL_Q)
        assert term.close() == 0
    finally:
        if term.process.poll() is None:
            term.process.kill()
