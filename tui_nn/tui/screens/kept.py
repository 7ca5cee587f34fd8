"""Screens kept between openings: installed in the app on first use, so closing one leaves
it composed and the next opening only shows it (composing again was most of an opening)."""

from __future__ import annotations

from typing import Callable

from textual.app import App
from textual.screen import Screen


def kept(app: App, name: str, make: Callable[[], Screen]) -> Screen:
    """The screen installed as ``name``, made by ``make()`` on its first use."""
    if not app.is_screen_installed(name):
        app.install_screen(make(), name)
    return app.get_screen(name)


def kept_or_new(app: App, name: str, make: Callable[[], Screen]) -> Screen:
    """As ``kept``, but a new screen from ``make()`` while the kept one is already on the
    screen stack, lower down: a screen can't be on it twice."""
    screen = kept(app, name, make)
    return make() if screen in app.screen_stack else screen
