"""A training run's configuration, and the parsers that validate each field.

``TrainConfig.problems()`` checks every field through ``FIELD_PARSERS``, and the field
registry (``fields.py``) that the CLI flags and the dashboard's form are built from
parses what a user types with the same parsers, so a value is accepted or refused,
with the same one-line reason, wherever it is typed.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields, replace

# The names only, not the engine: parsing a config needs no NumPy.
from ..nn.names import ACTIVATION_NAMES, INIT_NAMES, LOSS_NAMES, OPTIMIZER_NAMES
from .augment_names import AUGMENTS

LR_SCHEDULES = ("constant", "cosine")
MONITORS = ("val_loss", "val_acc")   # what early stopping and reduce-on-plateau watch
DTYPES = ("float32", "float64")
MAX_EPOCHS = 100_000
MAX_LAYER = 16_384


class ConfigError(ValueError):
    """An invalid hyperparameter; the message is one line, fit to show a user."""


@dataclass(frozen=True)
class TrainConfig:
    dataset: str = "mnist-sample"
    hidden: tuple[int, ...] = (256, 128)
    activation: str = "relu"
    output: str = "softmax_ce"
    use_bias: bool = True
    init: str = "he"
    init_std: float = 0.01          # for init "normal"
    optimizer: str = "adam"
    lr: float = 1e-3
    lr_schedule: str = "constant"   # cosine: anneal to 0 over the run
    momentum: float = 0.9           # momentum and nesterov
    beta1: float = 0.9              # adam
    beta2: float = 0.999            # adam
    batch_size: int | None = 64     # None: full batch; 1: per-sample SGD
    shuffle: bool = True            # reshuffle the training set every epoch
    epochs: int = 20
    l2: float = 0.0                 # loss += l2/2 * sum(W^2) (divided by n if l2_over_n)
    l2_over_n: bool = False         # Nielsen's lambda/n form
    dropout: float = 0.0
    augment: str = "none"           # none | shift | affine | elastic (augment.py)
    val_fraction: float = 0.1
    seed: int = 0
    dtype: str = "float32"
    # callbacks (training/callbacks.py); 0 turns each off
    early_stop: int = 0             # stop after this many epochs without improvement
    monitor: str = "val_loss"       # what "improvement" is measured on
    min_delta: float = 0.0          # an improvement smaller than this does not count
    plateau_factor: float = 0.0     # reduce-lr-on-plateau: lr *= factor ...
    plateau_patience: int = 0       # ... after this many epochs without improvement
    restore_best: bool = False      # end with the weights of the best epoch (by monitor)
    preset: str = "custom"          # which preset this came from, for display only

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        problems = self.problems()
        if problems:
            raise ConfigError(problems[0])

    def problems(self) -> list[str]:
        """Every invalid value, each as a one-line reason."""
        out = []
        for f in fields(self):
            parser = FIELD_PARSERS.get(f.name)
            if parser is not None:
                try:
                    parser(getattr(self, f.name))
                except ConfigError as exc:
                    out.append(str(exc))
        uses_monitor = self.early_stop or self.plateau_factor or self.restore_best
        if uses_monitor and self.val_fraction == 0:
            out.append(f"early stopping, reduce-on-plateau and restore-best watch the validation set's "
                       f"{self.monitor}: give a validation fraction above 0")
        if bool(self.plateau_factor) != bool(self.plateau_patience):
            out.append("plateau needs both a factor and a patience, like 0.5:3")
        return out

    def with_changes(self, **changes) -> "TrainConfig":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**d)

    def architecture_sizes(self, n_inputs: int, n_classes: int) -> tuple[int, ...]:
        return (n_inputs, *self.hidden, n_classes)

    def l2_for(self, n_train: int) -> float:
        return self.l2 / n_train if self.l2_over_n else self.l2

    def describe_batch(self) -> str:
        if self.batch_size is None:
            return "full batch"
        if self.batch_size == 1:
            return "per-sample"
        return f"mini-batch {self.batch_size}"


# ---------------------------------------------------------------- parsers
# Each parser takes what a user typed (a string) or an already typed value and
# returns the typed value, or raises ConfigError with the reason.

def _number(text, kind, name):
    if isinstance(text, bool):
        raise ConfigError(f"{name} must be a number")
    try:
        value = kind(str(text).strip()) if isinstance(text, str) else kind(text)
    except (TypeError, ValueError, OverflowError):   # int('1e3'), int(float('inf')), 5000 digits
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name} must be {what}, not {_typed(text)!r}") from None
    if kind is float and not math.isfinite(value):
        raise ConfigError(f"{name} must be finite")
    if kind is int and isinstance(text, float) and text != int(text):
        raise ConfigError(f"{name} must be a whole number")
    return value


class OneOf:
    """The parser of a choice: one of ``options`` (any case, '-' for '_'). ``options`` is
    also what the CLI help lists and the form offers."""

    def __init__(self, options, name: str) -> None:
        self.options = tuple(options)
        self.name = name

    def __call__(self, text) -> str:
        value = str(text).strip().lower().replace("-", "_")
        if value not in self.options:
            raise ConfigError(f"{self.name} must be one of {', '.join(self.options)}; got {_typed(text)!r}")
        return value


def _exact(number) -> str:
    """A limit or value as text that reads back as exactly that number (4294967295, not
    4.29497e+09; 100.0001, not 100)."""
    if isinstance(number, int):
        return str(number)
    text = f"{number:g}"
    return text if float(text) == number else repr(float(number))


def _typed(text, limit: int = 40) -> str:
    """What the user typed, for a message; a very long text is cut short, and says so."""
    shown = str(text).strip()
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(shown):,} characters)"


def _ranged(kind, name, low=None, high=None, low_open=False, high_open=False):
    def parse(text):
        value = _number(text, kind, name)
        got = _typed(text) if isinstance(text, str) else _exact(value)
        if low is not None and (value <= low if low_open else value < low):
            raise ConfigError(f"{name} must be {'>' if low_open else '>='} {_exact(low)}, got {got}")
        if high is not None and (value >= high if high_open else value > high):
            raise ConfigError(f"{name} must be {'<' if high_open else '<='} {_exact(high)}, got {got}")
        return value
    return parse


def parse_hidden(text) -> tuple[int, ...]:
    """'128,64' -> (128, 64); '' or 'none' -> () (a network with no hidden layer)."""
    if isinstance(text, (tuple, list)):
        items = [str(t) for t in text]
    else:
        raw = str(text).strip().lower()
        items = [] if raw in ("", "none", "-") else [t.strip() for t in raw.replace(" ", ",").split(",") if t.strip()]
    sizes = []
    for item in items:
        # isdecimal, not isdigit: '²' is a digit int() refuses; '٣' is a decimal it reads as 3
        if not item.isdecimal():
            raise ConfigError(f"hidden layers must be sizes separated by commas, like 128,64; "
                              f"{_typed(item)!r} is not a size")
        size = int(item) if len(item) <= 9 else MAX_LAYER + 1    # 5,000 digits are no size either
        if not 1 <= size <= MAX_LAYER:
            raise ConfigError(f"each hidden layer needs 1 to {MAX_LAYER} units, got {_typed(item)}")
        sizes.append(size)
    if len(sizes) > 8:
        raise ConfigError("at most 8 hidden layers")
    return tuple(sizes)


def parse_batch_size(text) -> int | None:
    """'full' -> None (the whole training set per step); '1' is per-sample SGD."""
    if text is None or str(text).strip().lower() in ("full", "all", "full batch"):
        return None
    try:
        value = _number(text, int, "batch size")
    except ConfigError:     # the word is an answer too: say so ('ful' is a near miss of it)
        raise ConfigError(f"batch size must be a whole number or 'full', not {_typed(text)!r}") from None
    if value < 1:
        raise ConfigError(f"batch size must be >= 1 or 'full', got {value}")
    return value


def parse_l2(text) -> tuple[float, bool]:
    """'0.001' -> (0.001, False); '5.0/n' -> (5.0, True): lambda divided by the training-set size."""
    raw = str(text).strip().lower().replace(" ", "")
    over_n = raw.endswith("/n")
    value = _ranged(float, "L2", 0.0)(raw[:-2] if over_n else raw)
    return value, over_n


def parse_plateau(text) -> tuple[float, int]:
    """'0.5:3' -> (0.5, 3): multiply the lr by 0.5 after 3 epochs without improvement;
    'off' (or '', 'none', '0') -> (0.0, 0)."""
    if isinstance(text, tuple):
        factor, patience = text
        if not factor and not patience:
            return 0.0, 0
        return _plateau_factor(factor), _plateau_patience(patience)
    raw = str(text).strip().lower().replace(" ", "")
    if raw in ("", "off", "none", "0", "no"):
        return 0.0, 0
    factor, sep, patience = raw.partition(":")
    if not sep:
        raise ConfigError(f"plateau must be FACTOR:PATIENCE, like 0.5:3, or off; got {_typed(text)!r}")
    return _plateau_factor(factor), _plateau_patience(patience)


def parse_bool(text) -> bool:
    if isinstance(text, bool):
        return text
    raw = str(text).strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"expected yes or no, got {_typed(text)!r}")


_plateau_factor = _ranged(float, "plateau factor", 0.0, 1.0, low_open=True, high_open=True)
_plateau_patience = _ranged(int, "plateau patience", 1, MAX_EPOCHS)

# Every field but dataset (checked when it is loaded) and preset (a label for display).
FIELD_PARSERS = {
    "hidden": parse_hidden,
    "activation": OneOf(ACTIVATION_NAMES, "activation"),
    "output": OneOf(LOSS_NAMES, "output"),
    "use_bias": parse_bool,
    "init": OneOf(INIT_NAMES, "init"),
    "init_std": _ranged(float, "init std", 0.0, low_open=True),
    "optimizer": OneOf(OPTIMIZER_NAMES, "optimizer"),
    "lr": _ranged(float, "learning rate", 0.0, 100.0, low_open=True),
    "lr_schedule": OneOf(LR_SCHEDULES, "lr schedule"),
    "momentum": _ranged(float, "momentum", 0.0, 1.0, high_open=True),
    "beta1": _ranged(float, "beta1", 0.0, 1.0, high_open=True),
    "beta2": _ranged(float, "beta2", 0.0, 1.0, high_open=True),
    "batch_size": parse_batch_size,
    "shuffle": parse_bool,
    "epochs": _ranged(int, "epochs", 1, MAX_EPOCHS),
    "l2": _ranged(float, "L2", 0.0),
    "l2_over_n": parse_bool,
    "dropout": _ranged(float, "dropout", 0.0, 0.95),
    "augment": OneOf(AUGMENTS, "augment"),
    "val_fraction": _ranged(float, "validation fraction", 0.0, 0.5),
    "seed": _ranged(int, "seed", 0, 2**32 - 1),
    "dtype": OneOf(DTYPES, "dtype"),
    "early_stop": _ranged(int, "early-stop patience", 0, MAX_EPOCHS),
    "monitor": OneOf(MONITORS, "monitor"),
    "min_delta": _ranged(float, "min delta", 0.0),
    "plateau_factor": lambda v: 0.0 if v == 0 else _plateau_factor(v),
    "plateau_patience": _ranged(int, "plateau patience", 0, MAX_EPOCHS),
    "restore_best": parse_bool,
}


def split_sizes(n: int, fraction: float) -> tuple[int, int]:
    """(training, validation) sizes when ``fraction`` of ``n`` samples is held out for
    validation (``trainer.validation_split`` picks which), in plain Python for the setup form."""
    n_val = int(round(n * fraction))
    return n - n_val, n_val


def check_batch_size(config: TrainConfig, n_train: int) -> None:
    """A batch can't be larger than the training set it is drawn from."""
    if config.batch_size is not None and config.batch_size > n_train:
        raise ConfigError(
            f"batch size {config.batch_size} is larger than the training set "
            f"({n_train:,} samples after the validation split); use at most {n_train} or 'full'")
