"""Full garbage collections while no key is being typed, not in a key's way.

A full collection walks every object the app made since its start (the start-up's are
frozen, ``ScratchnetApp.on_ready``): 130-150 thousand once the runs list and a training
run are open (Textual keeps every rendered line with seven small caches), 50-190 ms on
this machine, during which no key is answered. Python starts one when its middle
generation has been collected ten times since the last: whichever key comes next waits.
Here Python's own full collections are off, and the app runs one by the same rule at its
next quiet moment: when no key came for ``QUIET_FOR`` seconds (or, typed at for minutes on
end, once ``OVERDUE_AFTER`` passed), and not more often than every ``AT_MOST_EVERY`` seconds
(Python also waits until a quarter of what survived the last one is new, which it does not
tell). The young generations are collected as before.
"""

from __future__ import annotations

import gc
import time
from typing import Callable

CHECK_EVERY = 1.0        # seconds between looks
QUIET_FOR = 2.0          # seconds without a key before a full collection may run
OVERDUE_AFTER = 300.0    # seconds after which a due collection runs, quiet or not
AT_MOST_EVERY = 30.0     # seconds between two full collections at least
MIDDLE_COLLECTIONS = 10  # Python's rule: a full collection after ten of the middle generation
NEVER = 1_000_000_000    # a third threshold Python's collector never reaches


def middle_collections() -> int:
    return gc.get_stats()[1]["collections"]


class IdleCollector:
    """``IdleCollector(last_key_at)``: ``last_key_at()`` is when the last key came, on the
    ``clock``'s scale. ``start()`` turns Python's full collections off, ``check()`` (every
    ``CHECK_EVERY`` seconds) runs one if it is due and the moment is quiet, ``stop()``
    gives the collections back to Python."""

    def __init__(self, last_key_at: Callable[[], float], clock: Callable[[], float] = time.monotonic) -> None:
        self.last_key_at = last_key_at
        self.clock = clock
        self.collections = 0           # full collections run here
        self._thresholds: tuple[int, int, int] | None = None
        self._middle_at_full = middle_collections()
        self._last_full = clock()
        self._due_since: float | None = None

    def start(self) -> None:
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            young, middle, _full = self._thresholds
            gc.set_threshold(young, middle, NEVER)
            self._middle_at_full = middle_collections()

    def stop(self) -> None:
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None

    def due(self) -> bool:
        return (middle_collections() - self._middle_at_full >= MIDDLE_COLLECTIONS
                and self.clock() - self._last_full >= AT_MOST_EVERY)

    def check(self) -> bool:
        """Run a full collection if one is due and no key came lately. Returns whether it ran."""
        if self._thresholds is None or not gc.isenabled() or not self.due():
            return False
        now = self.clock()
        if self._due_since is None:
            self._due_since = now
        quiet = now - self.last_key_at() >= QUIET_FOR
        if not quiet and now - self._due_since < OVERDUE_AFTER:
            return False
        gc.collect()
        self.collections += 1
        self._middle_at_full = middle_collections()
        self._last_full = self.clock()
        self._due_since = None
        return True
