"""``scratchnet-tui presets``: each preset with what it reproduces and the train flags that
give it (generated from the field registry, so the flags given back to ``train`` rebuild
the preset)."""

from __future__ import annotations

import shlex

from ..training.fields import TRAIN_FIELDS, YES_NO
from .common import EXIT_OK


def add_parser(sub) -> None:
    sub.add_parser("presets", help="list the presets and their settings").set_defaults(
        handler=lambda args: cmd_presets())


# Listed for every preset, even at their defaults: what the network is and how it trains.
PRESET_LISTING = ("hidden", "activation", "output", "init", "optimizer", "lr", "batch_size", "epochs")


def preset_flags(config) -> list[str]:
    """The train flags of ``config``: those above, and every other setting that differs
    from the built-in defaults or from the default preset (so the flags, given to
    ``train``, reproduce ``config``); the switches (--no-bias) last."""
    from ..training.config import TrainConfig
    from ..training.presets import PRESETS

    bases = (TrainConfig(), PRESETS["default"].config)
    shown = [field for field in TRAIN_FIELDS if field.name in PRESET_LISTING
             or any(field.value_of(config) != field.value_of(base) for base in bases)]
    return [word for field in sorted(shown, key=lambda field: field.kind == YES_NO)
            for word in field.flag_words(field.value_of(config))]


def cmd_presets() -> int:
    from ..training.presets import PRESETS

    for preset in PRESETS.values():
        print(f"{preset.name}")
        print(f"    {preset.summary}")
        print(f"    seed's claim: {preset.claim}")
        print(f"    {shlex.join(preset_flags(preset.config))}")
    return EXIT_OK
