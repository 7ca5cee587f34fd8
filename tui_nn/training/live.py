"""Settings that may change while a run trains, and the record of each change.

A change is asked for from any thread (``Trainer.change``), validated at once through the
field registry's parsers (a refusal is a ``ConfigError`` with the one-line reason), and
applied by the training thread before its next batch. Each applied change is recorded as
``{"epoch", "batch", "setting", "old", "new"}``: it took effect before batch ``batch``
(0-based) of epoch ``epoch``. Given those records, a new run (or a continued one) replays
each at the same step, so a run is reproducible from its record.
"""

from __future__ import annotations

from .config import ConfigError, TrainConfig
from .fields import FIELDS

# The registry fields a user may change while training, and the TrainConfig fields they set.
LIVE_FIELDS = ("lr", "lr_schedule", "momentum", "beta1", "beta2", "l2", "dropout")
LIVE_SETTINGS = ("lr", "lr_schedule", "momentum", "beta1", "beta2", "l2", "l2_over_n", "dropout")
# What a run branched from another's epoch may set differently: the live settings, how long it
# trains, its data order and augmentation, and its callbacks. Not the network (the weights have
# its shape), the optimizer (its state is the branch point's), the batch size (a checkpoint's
# step count and per-batch curves are per its batches), the data, split, seed or precision.
BRANCH_FIELDS = (*LIVE_FIELDS, "epochs", "shuffle", "augment", "early_stop", "monitor", "min_delta",
                 "plateau_factor", "restore_best")


def parse_changes(config: TrainConfig, changes: dict) -> dict:
    """The TrainConfig values ``changes`` ({registry field: text or value}) set, checked:
    only live fields, each through its own parser, and the whole result a valid config."""
    values = {}
    for name, raw in changes.items():
        if name not in LIVE_FIELDS:
            raise ConfigError(f"{name} cannot change while a run trains; only {', '.join(LIVE_FIELDS)} can")
        field = FIELDS[name]
        values.update(field.changes(field.parse(raw)))
    config.with_changes(**values)          # every value valid together (raises ConfigError)
    return {k: v for k, v in values.items() if getattr(config, k) != v}


def parse_branch_changes(config: TrainConfig, changes: dict) -> TrainConfig:
    """``config`` with ``changes`` ({registry field: text or value}) made, each through its
    own parser; a field a branch can't change is refused with the reason."""
    values = {}
    for name, raw in changes.items():
        if name not in BRANCH_FIELDS:
            what = FIELDS[name].label if name in FIELDS else name
            raise ConfigError(f"{what} cannot change in a branch (it continues the same network, optimizer "
                              f"state, batches and data); these can: {', '.join(FIELDS[n].flag for n in BRANCH_FIELDS)}")
        field = FIELDS[name]
        values.update(field.changes(field.parse(raw)))
    return config.with_changes(**values)


def config_at(config: TrainConfig, records: list[dict], epoch: int) -> TrainConfig:
    """``config`` with the recorded changes made up to the end of ``epoch``: a run's settings then."""
    for record in records:
        if record["epoch"] <= epoch:
            config = config.with_changes(**{record["setting"]: record["new"]})
    return config


def change_record(epoch: int, batch: int, setting: str, old, new) -> dict:
    return {"epoch": int(epoch), "batch": int(batch), "setting": setting, "old": old, "new": new}


def check_records(records) -> list[dict]:
    """Recorded changes as read from a file, refused (``ConfigError``) unless each names a
    live setting at a step; sorted by step."""
    if not isinstance(records, list):
        raise ConfigError("the changes are not a list")
    out = []
    for record in records:
        if not (isinstance(record, dict) and record.get("setting") in LIVE_SETTINGS
                and all(isinstance(record.get(k), int) and record[k] >= 0 for k in ("epoch", "batch"))
                and "new" in record):
            raise ConfigError(f"a recorded change is not one the trainer makes: {str(record)[:80]}")
        out.append(dict(record))
    return sorted(out, key=lambda r: (r["epoch"], r["batch"]))
