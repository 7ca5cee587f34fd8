"""The headless commands (see main.py); ``main`` is the ``scratchnet-tui`` entry point."""

from .main import build_parser, main
from .train import config_from_args, given_field_flags

__all__ = ["build_parser", "config_from_args", "given_field_flags", "main"]
