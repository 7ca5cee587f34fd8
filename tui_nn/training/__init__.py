"""Training: configuration, presets, the trainer loop and its events (no UI code)."""

from .config import ConfigError, TrainConfig
from .trainer import RunResult, Trainer

__all__ = ["ConfigError", "TrainConfig", "RunResult", "Trainer"]
