"""Training: configuration, presets, the trainer loop and its events (no UI code).

The names below load their module when first used (``tui_nn/lazy.py``): importing
``tui_nn.training.config`` loads neither the trainer nor NumPy."""

from ..lazy import lazy_exports

__all__ = ["ConfigError", "TrainConfig", "RunResult", "Trainer"]

__getattr__, __dir__ = lazy_exports(__name__, {
    "config": ("ConfigError", "TrainConfig"),
    "trainer": ("RunResult", "Trainer"),
})
