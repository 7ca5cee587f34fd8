"""Where scratchnet-tui keeps things on disk, per platform, each overridable by an
environment variable (tests point them at temporary directories).

| what                      | variable               | Linux default                        |
| ------------------------- | ---------------------- | ------------------------------------ |
| settings (last config...) | SCRATCHNET_CONFIG_DIR  | $XDG_CONFIG_HOME/scratchnet-tui      |
| downloaded datasets       | SCRATCHNET_DATA_DIR    | $XDG_CACHE_HOME/scratchnet-tui       |
| training runs             | SCRATCHNET_RUNS_DIR    | $XDG_DATA_HOME/scratchnet-tui/runs   |
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "scratchnet-tui"


def _platform_dir(kind: str) -> Path:
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or os.environ.get("APPDATA") or home / "AppData" / "Local")
        return base / APP / {"config": "Config", "cache": "Cache", "data": "Data"}[kind]
    if sys.platform == "darwin":
        sub = {"config": "Application Support", "cache": "Caches", "data": "Application Support"}[kind]
        return home / "Library" / sub / APP
    xdg, fallback = {"config": ("XDG_CONFIG_HOME", ".config"), "cache": ("XDG_CACHE_HOME", ".cache"),
                     "data": ("XDG_DATA_HOME", ".local/share")}[kind]
    return Path(os.environ.get(xdg) or home / fallback) / APP


def user_config_dir() -> Path:
    """The dashboard's remembered settings (last configuration, speeds, theme): the one
    function that decides it, for every platform."""
    override = os.environ.get("SCRATCHNET_CONFIG_DIR")
    return Path(override).expanduser() if override else _platform_dir("config")


def user_cache_dir() -> Path:
    return Path(os.environ.get("SCRATCHNET_DATA_DIR") or _platform_dir("cache"))


def runs_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("SCRATCHNET_RUNS_DIR") or _platform_dir("data") / "runs")
