"""The search space of a sweep: which training fields vary, and over what.

One ``--space NAME=SPEC`` per field of the field registry (``training/fields.py``):

    log:LOW:HIGH       a number drawn on a log scale (LOW > 0); a whole number on an int field
    uniform:LOW:HIGH   a number drawn on a linear scale (float fields only)
    int:LOW:HIGH       a whole number, LOW..HIGH inclusive (int fields only)
    choice:A|B|C       one of the values, each typed as the train flag takes it
                       (``hidden=choice:128|256,128``, ``batch_size=choice:32|64|full``)

Bounds and choices go through the field's own parser, so a value refused by ``train`` is
refused here with the same reason. Every refusal is a ``SpaceError`` with one line.
Optuna is only touched through the ``trial`` handed to ``SearchSpace.suggest`` (imported
by the caller), so parsing a space costs nothing at start-up.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from ..training.config import ConfigError, TrainConfig
from ..training.fields import FIELDS, Field

KINDS = ("log", "uniform", "int", "choice")
# Not a hyperparameter of one network: comparing trials across datasets means nothing.
NOT_SEARCHABLE = {"dataset": "a sweep searches one dataset; run one sweep per dataset"}


class SpaceError(ValueError):
    """A bad ``NAME=SPEC``; the message is one line, fit to show a user."""


def _field_named(name: str) -> Field:
    key = name.strip().lower().lstrip("-").replace("-", "_")
    if key in FIELDS:
        return FIELDS[key]
    close = difflib.get_close_matches(key, list(FIELDS), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise SpaceError(f"--space: no training field {name.strip()!r}{hint}; fields: {', '.join(FIELDS)}")


@dataclass(frozen=True)
class Param:
    """One searched field. ``low``/``high`` for a range (typed as the field is), ``choices``
    as typed values with ``texts`` (what Optuna stores: it only keeps plain scalars)."""

    name: str
    kind: str
    low: Any = None
    high: Any = None
    choices: tuple = ()
    texts: tuple[str, ...] = ()
    over_n: bool = False      # l2 ranges given as 5e-5/n: lambda divided by the training-set size
    spec: str = ""            # as typed, after NAME=

    @property
    def field(self) -> Field:
        return FIELDS[self.name]

    @property
    def log(self) -> bool:
        return self.kind == "log"

    def suggest(self, trial) -> Any:
        """The typed value of this field for an Optuna trial."""
        if self.kind == "choice":
            text = trial.suggest_categorical(self.name, list(self.texts))
            return self.choices[self.texts.index(text)]
        if isinstance(self.low, int):
            value = trial.suggest_int(self.name, self.low, self.high, log=self.log)
        else:
            value = trial.suggest_float(self.name, self.low, self.high, log=self.log)
        return (value, self.over_n) if self.name == "l2" else value

    def value_of(self, stored) -> Any:
        """The typed value from what Optuna stored for this field (a text or a number)."""
        if self.kind == "choice":
            return self.choices[self.texts.index(stored)]
        return (stored, self.over_n) if self.name == "l2" else stored

    def shown(self, value):
        """As output shows it: a range's number as a number, a choice as its text
        (``hidden`` -> ``'256,128'``), an l2 divided by n as ``'5e-05/n'``."""
        if self.kind == "choice" or (self.name == "l2" and self.over_n):
            return self.field.format(value)
        return value[0] if self.name == "l2" else value


def _default_type(field: Field):
    """int or float for a numeric field (its TrainConfig default's type), else None."""
    if field.name == "l2":
        return float
    default = getattr(TrainConfig(), field.name, None)
    return type(default) if type(default) in (int, float) else None


def _bound(field: Field, text: str, which: str, spec: str):
    """A range bound through the field's parser: (number, over_n) (only l2 has /n)."""
    try:
        value = field.parse(text)
    except ConfigError as exc:
        raise SpaceError(f"--space {field.name}={spec}: {which} bound: {exc}") from None
    if field.name == "l2":
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpaceError(f"--space {field.name}={spec}: the {which} bound must be a number, got {text!r}")
    return value, False


def parse_param(item: str) -> Param:
    """``'lr=log:1e-4:1e-1'`` -> a Param, or SpaceError with the reason."""
    name, sep, spec = item.partition("=")
    if not sep or not name.strip():
        raise SpaceError(f"--space {item!r}: expected NAME=SPEC, like lr=log:1e-4:1e-1")
    field = _field_named(name)
    if field.name in NOT_SEARCHABLE:
        raise SpaceError(f"--space {field.name}: {NOT_SEARCHABLE[field.name]}")
    spec = spec.strip()
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise SpaceError(f"--space {field.name}={spec}: the kind must be one of {', '.join(KINDS)} "
                         f"(like log:1e-4:1e-1 or choice:32|64), got {kind!r}")
    if kind == "choice":
        return _choice(field, spec, rest)
    number = _default_type(field)
    if number is None:
        raise SpaceError(f"--space {field.name}={spec}: {field.name} takes no range; use choice:A|B|C")
    parts = rest.split(":")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise SpaceError(f"--space {field.name}={spec}: {kind} needs LOW:HIGH, like {kind}:1:10")
    (low, low_n), (high, high_n) = (_bound(field, p.strip(), w, spec) for p, w in zip(parts, ("low", "high")))
    if low_n != high_n:
        raise SpaceError(f"--space {field.name}={spec}: give both bounds with /n or neither")
    integer = number is int
    if kind == "int" and not integer:
        raise SpaceError(f"--space {field.name}={spec}: {field.name} is not a whole number; "
                         f"use uniform:LOW:HIGH or log:LOW:HIGH")
    if kind == "uniform" and integer:
        raise SpaceError(f"--space {field.name}={spec}: {field.name} is a whole number; use int:LOW:HIGH")
    if not integer:
        low, high = float(low), float(high)
    if low >= high:
        raise SpaceError(f"--space {field.name}={spec}: LOW must be below HIGH, got {low:g} >= {high:g}")
    if kind == "log" and low <= 0:
        raise SpaceError(f"--space {field.name}={spec}: a log scale needs LOW > 0, got {low:g}")
    return Param(field.name, kind, low, high, over_n=low_n, spec=spec)


def _choice(field: Field, spec: str, rest: str) -> Param:
    texts = [t.strip() for t in rest.split("|")]
    if not rest.strip() or not all(texts):
        raise SpaceError(f"--space {field.name}={spec}: choice needs values separated by |, like choice:A|B")
    values, shown = [], []
    for text in texts:
        try:
            value = field.parse(text)
        except ConfigError as exc:
            raise SpaceError(f"--space {field.name}={spec}: {exc}") from None
        label = field.format(value)
        if label in shown:
            raise SpaceError(f"--space {field.name}={spec}: {label} is given twice")
        values.append(value)
        shown.append(label)
    return Param(field.name, "choice", choices=tuple(values), texts=tuple(shown), spec=spec)


@dataclass(frozen=True)
class SearchSpace:
    params: tuple[Param, ...]

    @classmethod
    def parse(cls, items: list[str] | tuple[str, ...]) -> "SearchSpace":
        """Every ``NAME=SPEC``; a field given twice, or none at all, is refused."""
        if not items:
            raise SpaceError("a sweep needs at least one --space NAME=SPEC, like --space lr=log:1e-4:1e-1")
        params = [parse_param(item) for item in items]
        seen = set()
        for param in params:
            if param.name in seen:
                raise SpaceError(f"--space {param.name} is given twice")
            seen.add(param.name)
        return cls(tuple(params))

    @property
    def specs(self) -> list[str]:
        """The space as typed, ``NAME=SPEC`` each (what sweep.json keeps)."""
        return [f"{p.name}={p.spec}" for p in self.params]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def suggest(self, trial) -> dict[str, Any]:
        """Field name -> typed value, for an Optuna trial (drawn by its sampler)."""
        return {p.name: p.suggest(trial) for p in self.params}

    def values_of(self, stored: dict) -> dict[str, Any]:
        """Field name -> typed value, from a trial's stored params."""
        return {p.name: p.value_of(stored[p.name]) for p in self.params if p.name in stored}

    def shown(self, values: dict[str, Any]) -> dict[str, Any]:
        """Field name -> the value as output shows it (see ``Param.shown``): plain JSON."""
        return {p.name: p.shown(values[p.name]) for p in self.params if p.name in values}

    def config_for(self, base: TrainConfig, values: dict[str, Any]) -> TrainConfig:
        """``base`` with the trial's values; raises ConfigError if the mix is invalid."""
        changes: dict[str, Any] = {"preset": "custom"}
        for p in self.params:
            changes.update(p.field.changes(values[p.name]))
        return base.with_changes(**changes)

    def grid(self) -> dict[str, list]:
        """The finite grid for Optuna's GridSampler: only choices make one."""
        ranges = [p for p in self.params if p.kind != "choice"]
        if ranges:
            p = ranges[0]
            raise SpaceError(f"--sampler grid needs choice:A|B|... for every field; {p.name}={p.spec} is a "
                             f"range (list the values to try, or use --sampler tpe or random)")
        return {p.name: list(p.texts) for p in self.params}

    def grid_size(self) -> int:
        size = 1
        for values in self.grid().values():
            size *= len(values)
        return size
