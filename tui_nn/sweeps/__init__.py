"""Hyperparameter sweeps: Optuna chooses, the run core trains, every trial is a recorded run.

- space.py    the search space (``--space NAME=SPEC`` over the field registry's fields)
- study.py    ``Sweep`` (the owner: Optuna ask/tell, the sweep's folder, resume) and
              ``list_sweeps`` / ``SweepRecord`` (read-only); its docstring is the API
- workers.py  where trials train: local worker processes (BLAS pinned, from a fork server) or a Dask cluster

Nothing here imports Optuna or Dask at the top: they load when a sweep runs.
"""

from .space import Param, SearchSpace, SpaceError
from .study import (
    Sweep, SweepEnded, SweepError, SweepEvent, SweepRecord, SweepResult, SweepSpec, TrialEnded, TrialEpoch,
    TrialStarted, default_name, list_sweeps,
)
from .workers import ClusterError, resolve_workers

__all__ = ["ClusterError", "Param", "SearchSpace", "SpaceError", "Sweep", "SweepEnded", "SweepError", "SweepEvent",
           "SweepRecord", "SweepResult", "SweepSpec", "TrialEnded", "TrialEpoch", "TrialStarted", "default_name",
           "list_sweeps", "resolve_workers"]
