"""Named configurations: one per seed project this product grew from, reproducing its
configuration (not its bugs), and the recommended ``default``.

``claim`` is what the seed project reported on its own data split; README sets it
beside what this project measures with the same preset on the embedded sample.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .config import ConfigError, TrainConfig


@dataclass(frozen=True)
class Preset:
    name: str
    summary: str
    claim: str
    config: TrainConfig

    @property
    def label(self) -> str:
        """What the preset is, in one line for a list: name, network, optimizer and what
        its seed project reported (``nielsen — 784-30-10 sigmoid, SGD; ~95%``)."""
        cfg = self.config
        network = "-".join(str(n) for n in (784, *cfg.hidden, 10))
        optimizer = {"sgd": "SGD", "adam": "Adam", "nesterov": "Nesterov"}.get(cfg.optimizer, cfg.optimizer)
        claim = "recommended" if self.name == "default" else (
            "" if self.claim == "none" else self.claim)
        return f"{self.name} — {network} {cfg.activation}, {optimizer}" + (f"; {claim}" if claim else "")


def _seed_784_10_10(**changes) -> TrainConfig:
    """784-10-10 ReLU, softmax + cross-entropy, uniform [-0.5, 0.5] weights and biases,
    plain full-batch gradient descent: the setting four seeds share."""
    base = dict(hidden=(10,), activation="relu", output="softmax_ce", init="uniform",
                optimizer="sgd", batch_size=None)
    base.update(changes)
    return TrainConfig(**base)


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("default",
           "784-512-256-10 ReLU, Adam, mini-batch 64, dropout 0.2, elastic distortions, cosine lr",
           "recommended: the best model in about a minute",
           TrainConfig(hidden=(512, 256), activation="relu", init="he", optimizer="adam", lr=1e-3,
                       lr_schedule="cosine", batch_size=64, epochs=100, dropout=0.2,
                       augment="elastic", val_fraction=0.1, preset="default")),
    Preset("mlicamele", "784-10-10 ReLU, uniform init, full batch, lr 0.5, 1000 epochs",
           "92.6% train / 91.4% test",
           _seed_784_10_10(lr=0.5, epochs=1000, preset="mlicamele")),
    Preset("iiakshat", "784-10-10 ReLU, uniform init, full batch, lr 0.1, 1000 epochs",
           "~88% train / 87.6% dev",
           _seed_784_10_10(lr=0.1, epochs=1000, preset="iiakshat")),
    Preset("shlomostept", "784-10-10 ReLU, uniform init, full batch, lr 0.1, 750 epochs",
           "87.7% train / 85.8% test",
           _seed_784_10_10(lr=0.1, epochs=750, preset="shlomostept")),
    Preset("mbatchelor81-full", "784-10-10 ReLU, N(0, 0.01^2) init, full batch, lr 0.01, 2000 epochs",
           "80.64% test",
           _seed_784_10_10(init="normal", init_std=0.01, lr=0.01, epochs=2000,
                           preset="mbatchelor81-full")),
    Preset("mbatchelor81-minibatch", "as mbatchelor81-full, mini-batch 32, 100 epochs",
           "93.25% test",
           _seed_784_10_10(init="normal", init_std=0.01, lr=0.01, batch_size=32, epochs=100,
                           preset="mbatchelor81-minibatch")),
    Preset("mbatchelor81-sgd", "as mbatchelor81-full, per-sample SGD, 100 epochs",
           "93.22% test",
           _seed_784_10_10(init="normal", init_std=0.01, lr=0.01, batch_size=1, epochs=100,
                           preset="mbatchelor81-sgd")),
    Preset("shabnam", "784-128-64-10 sigmoid, softmax, no biases, N(0, 1/fan_out), per-sample SGD, "
           "lr 0.001, 10 epochs, no reshuffling", "none",
           TrainConfig(hidden=(128, 64), activation="sigmoid", output="softmax_ce", use_bias=False,
                       init="fan_out", optimizer="sgd", lr=0.001, batch_size=1, epochs=10,
                       shuffle=False, preset="shabnam")),
    Preset("nielsen", "784-30-10 sigmoid everywhere, quadratic cost, N(0,1) init, mini-batch 10, "
           "lr 3.0, 30 epochs", "~95%",
           TrainConfig(hidden=(30,), activation="sigmoid", output="sigmoid_mse", init="standard",
                       optimizer="sgd", lr=3.0, batch_size=10, epochs=30, preset="nielsen")),
    Preset("nielsen2", "784-100-10 sigmoid, cross-entropy, L2 5.0/n, N(0, 1/fan_in) init, "
           "mini-batch 10, lr 0.5, 30 epochs", "~98%",
           TrainConfig(hidden=(100,), activation="sigmoid", output="sigmoid_ce", init="fan_in",
                       optimizer="sgd", lr=0.5, batch_size=10, epochs=30, l2=5.0, l2_over_n=True,
                       preset="nielsen2")),
)}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(unknown_preset(name)) from None


def unknown_preset(name: str) -> str:
    """Why ``name`` is no preset, with the nearest names when it looks like a typo of one."""
    near = difflib.get_close_matches(str(name).strip().lower(), PRESETS, n=2, cutoff=0.6)
    if near:
        return f"no preset {name!r}; did you mean {' or '.join(repr(n) for n in near)}?"
    return f"no preset {name!r}; the presets are {', '.join(PRESETS)}"


def parse_preset(text) -> str:
    """A preset's name as typed (any case, spaces around), or ConfigError with the reason."""
    name = str(text).strip().lower()
    if name not in PRESETS:
        raise ConfigError(unknown_preset(str(text).strip()))
    return name
