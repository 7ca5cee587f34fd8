"""Type-ahead that lands where the typist meant: each key press is routed only once the one
before it has had its effect.

Textual routes a key to the widget focused *when the app reads the key*, but what a key
does (a Tab's focus move, the choice an Enter makes in a list, the preset that choice fills
in) happens later, as messages passed from widget to widget. Keys typed faster than that
(about 10 a second, on a busy app) went to the widget focused before: the characters
typed after choosing a preset and tabbing on landed in the list, and the late preset fill
overwrote what had been typed. So while a key is on its way, later keys wait here.

A key's way is followed by a ``KeyHandled`` marker sent behind it to the same widget: it
bubbles up to the app as the key does, and at each widget it waits behind whatever that
widget still has to process (what the key set off there). Once it reaches the app, if it
was held back on the way or the focus has moved meanwhile, another round follows from the
widget focused now; once a round goes through with nothing to wait for and the focus where
it began, the next key goes. A marker lost on the way (its widget
removed) is replaced by a short timer, so no key ever waits long. Text typed into a field
(characters, backspace, the cursor keys) moves nothing and is not waited for: only keys
that may move the focus or make a choice are.
"""

from __future__ import annotations

import time
from collections import deque

from textual import events
from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widgets import Input

# keys that only edit the text of the field they are typed into (plus printable characters):
# the keys after them need not wait, so typing a value stays as fast as the app paints
TEXT_EDITING_KEYS = frozenset({"backspace", "delete", "left", "right", "home", "end", "ctrl+k", "ctrl+u",
                               "ctrl+w", "ctrl+a", "ctrl+e", "ctrl+left", "ctrl+right"})
CHECK_EVERY = 0.02         # seconds between checks that the marker can still come back
GIVE_UP_AFTER = 1.0        # seconds a key waits at most for the one before it (a lost marker)
MAX_ROUNDS = 4             # rounds of following one key's effects
MAX_WAITS_PER_WIDGET = 50  # a widget that never empties its queue is not waited for


def _waits_allowed(holder: MessagePump) -> int:
    """A widget on the key's way is waited for until its queue is empty; the screen and
    the app are not: they are always busy with something (layout, painting, timers), and
    waiting for a paint per key made typing four times slower. So what a key sets off must
    be done by the widgets it reaches (the preset choice fills the form in the Select)."""
    return 0 if isinstance(holder, (Screen, App)) else MAX_WAITS_PER_WIDGET


class KeyHandled(Message):
    """The marker that follows a key up the DOM (see the module's docstring)."""

    def __init__(self, key_number: int, round_number: int, focused) -> None:
        super().__init__()
        self.key_number = key_number
        self.round_number = round_number
        self.focused = focused         # the focus when this round started
        self.waited = False            # did a widget below the screen hold it back
        self._holder: MessagePump | None = None
        self._waits = 0

    def _bubble_to(self, widget: MessagePump) -> None:
        # Called by the widget that has just processed the marker: if that widget still
        # has messages queued (effects of the key), go behind them first.
        holder = self._holder
        if holder is not None and holder.message_queue_size and self._waits < _waits_allowed(holder):
            self._waits += 1
            self.waited = True
            # a screen stops what the app sent once it has passed it on: undo that, so the
            # marker is passed on when it comes round again
            self._stop_propagation = False
            holder.post_message(self)
            return
        self._holder, self._waits = widget, 0
        super()._bubble_to(widget)


class KeysInOrder:
    """Mixin for the App: keys are routed one after another's effects (see above)."""

    def _init_key_order(self) -> None:
        self._held_keys: deque[events.Key] = deque()
        self._key_number = 0
        self._key_in_flight = False
        self._give_up_timer = None
        self.last_key_at = time.monotonic()   # when the last key came (idle_collection.py)

    async def on_event(self, event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self.last_key_at = time.monotonic()
            if self._key_in_flight:
                self._held_keys.append(event)
                return
            await self._route_key(event)
            return
        await super().on_event(event)

    async def _route_key(self, event: events.Key) -> None:
        self._key_number += 1
        if not self._screen_stack:                 # closing: nothing to type into
            return
        target = self.focused or self.screen
        await super().on_event(event)            # priority bindings, or forwarded to the target
        if not event.is_forwarded or not target.is_attached:
            return                               # handled at once: nothing to follow
        if isinstance(target, Input) and event.key in TEXT_EDITING_KEYS | {"space"} or (
                isinstance(target, Input) and event.is_printable):
            return                               # text typed into a field moves nothing
        self._key_in_flight = True
        self._follow(target, 1)
        self._give_up_timer = self.set_interval(CHECK_EVERY, self._give_up_check(self._key_number, self.screen))

    def _follow(self, target, round_number: int) -> None:
        marker = KeyHandled(self._key_number, round_number, self.focused)
        marker._holder = target
        target.post_message(marker)

    def _give_up_check(self, key_number: int, screen):
        """Let the next key go if the marker can't come back: the key opened or closed a
        screen (the old one's widgets drop what bubbles through them), or time is up."""
        deadline = time.monotonic() + GIVE_UP_AFTER

        async def check() -> None:
            if not (self._key_in_flight and self._key_number == key_number):
                return
            if not self._screen_stack or self.screen is not screen or time.monotonic() > deadline:
                await self._route_next()
        return check

    async def on_key_handled(self, marker: KeyHandled) -> None:
        if not self._key_in_flight or marker.key_number != self._key_number:
            return                              # a late marker of a key already let go
        # the marker has passed the app itself only now: wait behind the app's own queue too
        if marker._holder is not self:
            marker._holder, marker._waits = self, 0
        if self.message_queue_size and marker._waits < _waits_allowed(self):
            marker._waits += 1
            self.post_message(marker)
            return
        # Another round if the key's effects were still under way below the screen (a choice
        # made in a list sets off more messages) or moved the focus: follow them from there.
        settled = not marker.waited and self.focused is marker.focused
        if not settled and marker.round_number < MAX_ROUNDS:
            self._follow(self.focused or self.screen, marker.round_number + 1)
            return
        await self._route_next()

    async def _route_next(self) -> None:
        self._key_in_flight = False
        if self._give_up_timer is not None:
            self._give_up_timer.stop()
            self._give_up_timer = None
        while self._held_keys and not self._key_in_flight:
            await self._route_key(self._held_keys.popleft())
