"""The headless commands (see main.py); ``main`` is the ``scratchnet-tui`` entry point.

The names below load their module when first used (``tui_nn/lazy.py``): the dashboard's
start imports ``cli.main`` alone, not every command's module."""

from ..lazy import lazy_exports

__all__ = ["build_parser", "config_from_args", "given_field_flags", "main"]

__getattr__, __dir__ = lazy_exports(__name__, {
    "main": ("build_parser", "main"),
    "train": ("config_from_args", "given_field_flags"),
})
