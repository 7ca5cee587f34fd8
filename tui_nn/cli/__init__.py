"""The headless commands (see main.py); ``main`` is the ``scratchnet-tui`` entry point.

``main.py`` is light (the commands' modules load when the full parser is built), so it is
imported here, which also keeps ``tui_nn.cli.main`` the function rather than the submodule;
the train command's names load when first used (``tui_nn/lazy.py``)."""

from ..lazy import lazy_exports
from .main import build_parser, main

__all__ = ["build_parser", "config_from_args", "given_field_flags", "main"]

__getattr__, __dir__ = lazy_exports(__name__, {"train": ("config_from_args", "given_field_flags")})
