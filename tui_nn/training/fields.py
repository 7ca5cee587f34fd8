"""Every training setting a user can give, described once.

A ``Field`` says how a setting is typed and shown wherever it appears: its ``train``
flag and help, its label, hint and section in the dashboard's form, the parser that
turns text into a typed value (refusing bad text with a one-line reason), the formatter
that turns the typed value back into the text a user would type (so text -> parse ->
format -> parse gives the same value), the choices of a choice field (from the engine's
own registries), and which ``TrainConfig`` fields it sets.

The CLI's ``train`` flags, the setup form's rows, the ``presets`` listing and the
comparison table are all built from ``TRAIN_FIELDS``; a ``TrainConfig`` field that is
in none of them must be named in ``NOT_USER_FACING``.

Most fields are one ``TrainConfig`` field typed as text. The others:

- choice fields (``kind == CHOICE``): one of ``choices``;
- yes/no fields (``kind == YES_NO``): a yes/no choice in the form; on the command line a
  flag that sets ``flag_value``: turns a setting that defaults to on off (``--no-bias``),
  or one that defaults to off on (``--restore-best``);
- ``l2``: one text, ``5.0`` or ``5.0/n``, for two config fields (``l2``, ``l2_over_n``);
  ``plateau``: one text, ``0.5:3`` or ``off``, for ``plateau_factor`` and ``plateau_patience``;
- special fields (``kind == SPECIAL``), whose form has rows of its own: ``dataset`` (a
  name or a path) and ``batch_size`` (``full``, ``1`` or a mini-batch size).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..datasets.catalogue import DOWNLOADABLE
from ..datasets.embedded import SAMPLE_NAME
from .config import FIELD_PARSERS, ConfigError, TrainConfig, parse_l2, parse_plateau
from .augment_names import AUGMENT_HELP

TEXT, CHOICE, YES_NO, SPECIAL = "text", "choice", "yes/no", "special"
YES, NO = "yes", "no"

# TrainConfig fields no user sets: which preset a config came from is only a label.
NOT_USER_FACING = ("preset",)


# ------------------------------------------------------------- formatters
def format_number(value: float) -> str:
    """The shortest text that parses back to ``value``: 0.001, 3, 1e-05, 0.123456789."""
    text = f"{value:g}"
    return text if float(text) == value else repr(float(value))


def format_hidden(sizes: tuple[int, ...]) -> str:
    return ",".join(str(size) for size in sizes) or "none"


def format_batch_size(size: int | None) -> str:
    return "full" if size is None else str(size)


def format_l2(value: tuple[float, bool]) -> str:
    l2, over_n = value
    return f"{format_number(l2)}/n" if over_n else format_number(l2)


def format_plateau(value: tuple[float, int]) -> str:
    factor, patience = value
    return f"{format_number(factor)}:{patience}" if factor else "off"


def format_yes_no(value: bool) -> str:
    return YES if value else NO


def parse_dataset(text) -> str:
    """A dataset name or path; whether it holds a dataset is known once it is loaded."""
    value = str(text).strip()
    if not value:
        raise ConfigError("dataset must be a name or a path")
    return value


@dataclass(frozen=True)
class Field:
    """One setting as a user sees it; see the module docstring."""

    name: str                         # the TrainConfig field (the first, for l2); the form's widget id
    flag: str                         # the train flag; for a yes/no field, the one that turns it off
    label: str                        # the form's label
    hint: str                         # beside the form's field while its value is valid
    help: str                         # the flag's help (a choice field's help starts with its choices)
    section: str                      # the form's section
    kind: str                         # TEXT, CHOICE, YES_NO or SPECIAL
    parse: Callable[[Any], Any]       # text -> typed value, or ConfigError with the reason
    format: Callable[[Any], str]      # typed value -> the text a user types
    choices: tuple[str, ...] = ()     # the texts a choice or yes/no field offers
    config_fields: tuple[str, ...] = ()                              # default: (name,)
    to_config: Callable[[Any], dict[str, Any]] | None = None         # default: {name: value}
    from_config: Callable[[TrainConfig], Any] | None = None          # default: config.name
    flag_value: bool = False          # what a yes/no field's flag sets

    def __post_init__(self) -> None:
        if not self.config_fields:
            object.__setattr__(self, "config_fields", (self.name,))

    def changes(self, value) -> dict[str, Any]:
        """The TrainConfig changes a parsed ``value`` makes."""
        return self.to_config(value) if self.to_config else {self.name: value}

    def value_of(self, config: TrainConfig):
        """The typed value ``config`` has for this field (what ``parse`` would return)."""
        return self.from_config(config) if self.from_config else getattr(config, self.name)

    def text_of(self, config: TrainConfig) -> str:
        return self.format(self.value_of(config))

    def flag_words(self, value) -> list[str]:
        """The command-line words that give ``value``: ['--lr', '0.1'], ['--no-bias'], or
        [] for a yes/no field's default (the flag only sets ``flag_value``)."""
        if self.kind == YES_NO:
            return [self.flag] if value == self.flag_value else []
        return [self.flag, self.format(value)]

    @property
    def cli_help(self) -> str:
        if self.kind == CHOICE:
            return " | ".join(self.choices) + (f" ({self.help})" if self.help else "")
        return self.help


# The common shapes; each validates with the TrainConfig field's own parser.
def _text(name, flag, label, hint, help_text, section, fmt=format_number) -> Field:
    return Field(name, flag, label, hint, help_text, section, TEXT, FIELD_PARSERS[name], fmt)


def _choice(name, flag, label, hint, help_text, section) -> Field:
    parse = FIELD_PARSERS[name]   # a OneOf over the engine's (or the trainer's) registry
    return Field(name, flag, label, hint, help_text, section, CHOICE, parse, str, choices=parse.options)


def _yes_no(name, flag, label, hint, help_text, section, flag_value=False) -> Field:
    return Field(name, flag, label, hint, help_text, section, YES_NO, FIELD_PARSERS[name], format_yes_no,
                 choices=(YES, NO), flag_value=flag_value)


# In the form's order (sections in order of first appearance); the CLI help follows it too.
TRAIN_FIELDS: tuple[Field, ...] = (
    Field("dataset", "--dataset", "Dataset", "",
          f"{SAMPLE_NAME} (embedded, the default), {', '.join(DOWNLOADABLE)} (once downloaded) or a path: "
          "an IDX directory, a Kaggle-style .csv/.csv.gz or an .npz", "Data", SPECIAL, parse_dataset, str),
    _text("val_fraction", "--val-fraction", "Validation", "share of the training images held out, 0 to 0.5",
          "fraction of the training set held out for validation, 0 to 0.5", "Data"),
    _text("hidden", "--hidden", "Hidden layers", "sizes separated by commas, like 128,64",
          "hidden layer sizes, comma separated, e.g. 128,64 ('none' for no hidden layer)", "Network",
          fmt=format_hidden),
    _choice("activation", "--activation", "Activation", "of the hidden layers", "", "Network"),
    _choice("output", "--output", "Output, loss", "output layer and its loss", "output layer and cost", "Network"),
    _yes_no("use_bias", "--no-bias", "Biases", "a bias per unit", "layers without bias", "Network"),
    _choice("init", "--init", "Weight init", "how the weights start", "", "Network"),
    _text("init_std", "--init-std", "Init std", "standard deviation of the normal init",
          "standard deviation for --init normal (default 0.01)", "Network"),
    _text("dropout", "--dropout", "Dropout", "share of hidden units dropped, 0 to 0.95",
          "dropout rate on hidden layers, 0 to 0.95", "Network"),
    _choice("optimizer", "--optimizer", "Optimizer", "how a gradient becomes a step", "", "Optimizer"),
    _text("lr", "--lr", "Learning rate", "step size, like 0.001 for Adam or 0.1 for SGD", "learning rate",
          "Optimizer"),
    _choice("lr_schedule", "--lr-schedule", "LR schedule", "cosine anneals the rate to 0", "", "Optimizer"),
    _text("momentum", "--momentum", "Momentum", "0 to <1, like 0.9",
          "momentum coefficient for momentum/nesterov (default 0.9)", "Optimizer"),
    _text("beta1", "--beta1", "Adam beta1", "0 to <1, like 0.9",
          "Adam's decay of the mean gradient, 0 to <1 (default 0.9)", "Optimizer"),
    _text("beta2", "--beta2", "Adam beta2", "0 to <1, like 0.999",
          "Adam's decay of the mean squared gradient, 0 to <1 (default 0.999)", "Optimizer"),
    Field("batch_size", "--batch-size", "Batch size", "samples per mini-batch, like 64",
          "mini-batch size, 1 for per-sample SGD, or 'full'", "Batches and epochs", SPECIAL,
          FIELD_PARSERS["batch_size"], format_batch_size),
    _text("epochs", "--epochs", "Epochs", "passes over the training set", "number of epochs", "Batches and epochs",
          fmt=str),
    _yes_no("shuffle", "--no-shuffle", "Shuffle", "reshuffle the training set every epoch",
            "keep the data order every epoch", "Batches and epochs"),
    Field("l2", "--l2", "L2", "weight decay, like 0.0001, or 5.0/n for lambda/n",
          "L2 weight decay lambda; '5.0/n' divides it by the training-set size", "Regularisation", TEXT,
          parse_l2, format_l2, config_fields=("l2", "l2_over_n"),
          to_config=lambda value: {"l2": value[0], "l2_over_n": value[1]},
          from_config=lambda config: (config.l2, config.l2_over_n)),
    _choice("augment", "--augment", "Augmentation", "shift, affine or elastic distortions",
            "; ".join(f"{name}: {text}" for name, text in AUGMENT_HELP.items() if name != "none"),
            "Regularisation"),
    _text("early_stop", "--early-stop", "Early stop", "epochs without improvement before stopping; 0: off",
          "stop after PATIENCE epochs in which --monitor did not improve by --min-delta (0: off)", "Callbacks",
          fmt=str),
    _choice("monitor", "--monitor", "Monitor", "what early stop, plateau and restore-best watch",
            "what --early-stop, --plateau and --restore-best watch (default val_loss)", "Callbacks"),
    _text("min_delta", "--min-delta", "Min delta", "smallest change that counts as an improvement",
          "the smallest change of --monitor that counts as an improvement (default 0)", "Callbacks"),
    Field("plateau_factor", "--plateau", "LR on plateau", "FACTOR:PATIENCE like 0.5:3, or off",
          "reduce-lr-on-plateau: multiply the lr by FACTOR after PATIENCE epochs without improvement, "
          "like 0.5:3 (default off)", "Callbacks", TEXT, parse_plateau, format_plateau,
          config_fields=("plateau_factor", "plateau_patience"),
          to_config=lambda value: {"plateau_factor": value[0], "plateau_patience": value[1]},
          from_config=lambda config: (config.plateau_factor, config.plateau_patience)),
    _yes_no("restore_best", "--restore-best", "Restore best", "end with the best epoch's weights (by monitor)",
            "end with the weights of the best epoch by --monitor", "Callbacks", flag_value=True),
    _text("seed", "--seed", "Seed", "same seed, same run",
          "random seed: same seed, same config, same data => same result", "Run", fmt=str),
    _choice("dtype", "--dtype", "Precision", "float32 is about twice as fast", "", "Run"),
)

FIELDS: dict[str, Field] = {field.name: field for field in TRAIN_FIELDS}

# TrainConfig field -> the Field that sets it (l2_over_n -> the l2 field).
FIELD_OF_SETTING: dict[str, Field] = {name: field for field in TRAIN_FIELDS for name in field.config_fields}


def format_setting(config: TrainConfig, name: str) -> str:
    """One TrainConfig field's value as a user types it: through its Field's formatter
    (``l2`` shows as 5/n when divided by n), else a plain yes/no, number or text."""
    field = FIELD_OF_SETTING.get(name)
    if field is not None and field.name == name:
        return field.text_of(config)
    value = getattr(config, name)
    if isinstance(value, bool):
        return format_yes_no(value)
    if isinstance(value, float):
        return format_number(value)
    return str(value)
