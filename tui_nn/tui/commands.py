"""The command palette's screen commands (ctrl+p), generated from the current screen's
key bindings: every binding with a description becomes a command, unless the screen's
``check_action`` says the action does not apply now (False: greyed out in the footer;
None: hidden). So the palette, the footer and the keys follow the same rules, written
once, in ``check_action``. Actions aimed at the app (``app.quit``, ``app.help``) are left
to the app's own commands."""

from __future__ import annotations

from typing import Iterator

from textual.actions import parse
from textual.app import SystemCommand
from textual.screen import Screen

from .keys import screen_bindings


def screen_commands(screen: Screen) -> Iterator[SystemCommand]:
    """A command for each action the screen's bindings offer right now, in binding order."""
    seen: set[str] = set()
    for binding in screen_bindings(type(screen)):
        if not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        namespace, name, parameters = parse(binding.action)
        if namespace:
            continue
        if not screen.check_action(name, parameters):
            continue
        yield SystemCommand(binding.description, binding.tooltip or binding.description,
                            _runner(screen, binding.action))


def _runner(screen: Screen, action: str):
    async def run() -> None:
        await screen.app.run_action(action, screen)
    return run
