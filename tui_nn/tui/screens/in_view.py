"""Which screens are on the terminal: the current one, and those a translucent dialog
above lets show through (down to the first opaque screen)."""

from __future__ import annotations

from textual.app import App
from textual.screen import Screen


def screens_seen_through(app: App) -> list[Screen]:
    """The screens under the current one that show through it (a dimmed dialog over a
    screen), nearest first."""
    seen: list[Screen] = []
    stack = app.screen_stack
    if not stack:
        return seen
    above = stack[-1]
    for screen in reversed(stack[:-1]):
        if above.styles.background.a >= 1:
            break
        seen.append(screen)
        above = screen
    return seen


def is_in_view(screen: Screen) -> bool:
    """Whether ``screen`` is on the terminal. Under an opaque screen (help, the runs list)
    a widget that changes still costs: Textual repaints the whole terminal for it (6.8 KB
    at 80x24, every redraw)."""
    app = screen.app
    return screen is app.screen or screen in screens_seen_through(app)
