"""Hyperparameter sweeps: Optuna chooses, the run core trains, every trial is a recorded run.

- space.py    the search space (``--space NAME=SPEC`` over the field registry's fields)
- study.py    ``Sweep`` (the owner: Optuna ask/tell, the sweep's folder, resume) and
              ``list_sweeps`` / ``SweepRecord`` (read-only); its docstring is the API
- workers.py  where trials train: local worker processes (BLAS pinned, from a fork server) or a Dask cluster

Nothing here imports Optuna or Dask at the top: they load when a sweep runs. The names below
load their module on first use (PEP 562): a sweep worker imports ``workers`` without the
owner's ``study`` and ``space`` (its fork server's imports are on every cold sweep's path).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_MODULE_OF = {
    **dict.fromkeys(("Param", "SearchSpace", "SpaceError"), "space"),
    **dict.fromkeys(("Sweep", "SweepEnded", "SweepError", "SweepEvent", "SweepRecord", "SweepResult", "SweepSpec",
                     "TrialEnded", "TrialEpoch", "TrialStarted", "default_name", "list_sweeps"), "study"),
    **dict.fromkeys(("ClusterError", "resolve_workers"), "workers"),
}
__all__ = ["ClusterError", "Param", "SearchSpace", "SpaceError", "Sweep", "SweepEnded", "SweepError", "SweepEvent",
           "SweepRecord", "SweepResult", "SweepSpec", "TrialEnded", "TrialEpoch", "TrialStarted", "default_name",
           "list_sweeps", "resolve_workers"]

if TYPE_CHECKING:
    from .space import Param, SearchSpace, SpaceError
    from .study import (
        Sweep, SweepEnded, SweepError, SweepEvent, SweepRecord, SweepResult, SweepSpec, TrialEnded, TrialEpoch,
        TrialStarted, default_name, list_sweeps,
    )
    from .workers import ClusterError, resolve_workers


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))
