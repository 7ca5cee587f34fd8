"""The sweep screens: ``SweepSetupScreen`` (what to search, how) and ``SweepScreen`` (the
sweep live: trials table, curves, best so far, parameter against metric)."""

from .form import SweepSetupScreen
from .monitor import SweepScreen

__all__ = ["SweepScreen", "SweepSetupScreen"]
