"""The terminal driver: Textual's Linux driver, with an input loop that notices a lone Escape
in time.

A terminal sends Escape as the byte ESC, and most other keys (arrows, F1) as sequences that
start with it, so Escape is only known once ESCDELAY passes with nothing after it. Textual's
parser keeps that deadline, but its input thread looks at the parser's clock only when a
``select`` with a fixed 0.1 s timeout returns: every Escape took effect 100-115 ms after it was
pressed, whatever ESCDELAY said (measured in tmux, ``benchmarks/terminal_latency.py``'s floor).
Here the thread wakes every ESCDELAY while it waits, and Escape takes effect after ESCDELAY
(25 ms as the ``scratchnet-tui`` command sets it, ``entry.py``).
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual import constants
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

MIN_WAKE_S = 0.005   # the thread never spins, however small ESCDELAY is


class PromptEscapeDriver(LinuxDriver):
    def run_input_thread(self) -> None:
        """Read the terminal, feed the parser, and give it a tick every ESCDELAY."""
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        wake = max(constants.ESCAPE_DELAY, MIN_WAKE_S)
        with selectors.SelectSelector() as selector:
            selector.register(self.fileno, selectors.EVENT_READ)
            while not self.exit_event.is_set():
                for _key, mask in selector.select(wake):
                    if mask & selectors.EVENT_READ:
                        data = decode(os.read(self.fileno, 4096))
                        if not data:        # stdin closed (piped)
                            return
                        for event in parser.feed(data):
                            self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)
