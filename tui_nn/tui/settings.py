"""What the dashboard remembers between sessions, as small JSON files in one directory.

- ``last_config.json``: the configuration of the last run started (the form opens with it);
- ``speeds.json``: training speed measured on this machine, samples per second per
  architecture and batch mode, so the setup screen can estimate seconds per epoch;
- ``ui.json``: the chosen theme.

The directory is ``locations.user_config_dir()``: ``$SCRATCHNET_CONFIG_DIR`` if set (tests
point it at a temporary directory), else the platform's configuration directory
(``$XDG_CONFIG_HOME/scratchnet-tui`` or ``~/.config/scratchnet-tui`` on Linux; see
``locations.py`` for macOS and Windows).
Every file is written atomically; a missing or damaged file reads as "nothing remembered"
rather than an error, because losing a preference must never stop the app from starting.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..fileio import write_text_atomic
from ..locations import user_config_dir
from ..training.config import ConfigError, TrainConfig


def speed_key(architecture: str, config: TrainConfig) -> str:
    """What training speed depends on most: layer sizes, batch mode, optimizer and dtype.
    Dropout and augmentation cost little beside the matrix products, so they share a key."""
    return f"{architecture} | {config.describe_batch()} | {config.optimizer} | {config.dtype}"


class Settings:
    """Reads and writes the remembered files in ``directory`` (default: ``locations.user_config_dir()``)."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory is not None else user_config_dir()

    # ------------------------------------------------------------ helpers
    def _read(self, name: str) -> dict:
        try:
            data = json.loads((self.directory / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, name: str, data: dict) -> None:
        try:
            write_text_atomic(self.directory / name, json.dumps(data, indent=2, sort_keys=True) + "\n")
        except OSError:
            # A read-only home directory must not break training; the setting is just not kept.
            pass

    # ------------------------------------------------------ last configuration
    def load_last_config(self) -> TrainConfig | None:
        data = self._read("last_config.json")
        if not data:
            return None
        try:
            return TrainConfig.from_dict(data)
        except (ConfigError, TypeError, ValueError):
            return None   # written by another version, or edited by hand: start from defaults

    def save_last_config(self, config: TrainConfig) -> None:
        self._write("last_config.json", config.to_dict())

    # ------------------------------------------------------------ speeds
    def speeds(self) -> dict[str, float]:
        return {k: float(v) for k, v in self._read("speeds.json").items()
                if isinstance(v, (int, float)) and v > 0}

    def measured_speed(self, key: str) -> float | None:
        return self.speeds().get(key)

    def record_speed(self, key: str, samples_per_s: float) -> None:
        if not samples_per_s > 0:
            return
        speeds = self.speeds()
        speeds[key] = round(float(samples_per_s), 1)
        self._write("speeds.json", speeds)

    # ---------------------------------------------------------------- UI
    def load_theme(self) -> str | None:
        theme = self._read("ui.json").get("theme")
        return theme if isinstance(theme, str) else None

    def save_theme(self, theme: str) -> None:
        data = self._read("ui.json")
        data["theme"] = theme
        self._write("ui.json", data)
