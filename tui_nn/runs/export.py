"""Runs out of the runs directory, in files other tools read:

- ``save_run``: one run's model.npz, history.csv and config.json in a folder of the
  user's choosing (``train --out``);
- ``export_csv``: many runs' histories, settings and layer health in one long CSV (``runs export``);
  a run whose config or history can't be read is skipped and said, and the export is
  refused only when every run asked for is such.

Each file is written atomically (temporary name, flush, rename), so an interrupted
save leaves the previous version, never half a file.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from .. import __version__
from ..datasets.dataset import Dataset
from ..fileio import write_text_atomic
from ..nn.model_file import save_model
from ..training.trainer import RunResult
from .store import HEALTH_PER_LAYER, RunRecord, RunStoreError

if TYPE_CHECKING:   # pandas costs 0.2-0.6 s to import: loaded by an export, not by the help's first opening
    import pandas as pd


def save_run(result: RunResult, out_dir: str | Path, dataset: Dataset) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    end = result.end
    summary = {
        "status": result.status,
        "epochs_completed": end.epochs_completed,
        "best_val_acc": finite_or_none(result.best_val_acc),
        "test_loss": finite_or_none(end.test_loss),
        "test_acc": finite_or_none(end.test_acc),
        "seconds": end.elapsed,
    }
    meta = {
        "version": __version__,
        "config": result.config.to_dict(),
        "dataset": {"name": dataset.name, "source": dataset.source,
                    "n_train": len(dataset.x_train), "n_test": len(dataset.x_test)},
        "class_names": list(dataset.class_names),
        **summary,
    }
    if result.network is not None:
        extra = {"best": result.best_params} if result.best_params is not None else None
        save_model(result.network, out / "model.npz", metadata=meta, extra_params=extra)
    buf = io.StringIO()
    result.history.to_csv(buf, index=False)
    write_text_atomic(out / "history.csv", buf.getvalue())
    write_text_atomic(out / "config.json", json.dumps(meta, indent=2, default=_json_default) + "\n")
    return out


def finite_or_none(value):
    """JSON has no NaN: a metric that does not exist (no validation set) is null."""
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return float(value)


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {value!r}")


def add_health_columns(hist: pd.DataFrame, health: dict) -> None:
    """Layer health as columns of the per-epoch table: layer1_weight_norm, layer1_grad_norm,
    layer1_update_ratio (every layer, 1 = the first), layer1_flat_units (hidden layers).
    The histograms stay in the run's health.npz (20 columns per layer would drown the rest)."""
    if not health:
        return
    epochs = min(len(hist), len(health["weight_norm"]))
    for stat in (*HEALTH_PER_LAYER, "flat_units"):
        values = health[stat]
        for layer in range(values.shape[1]):
            column = np.full(len(hist), np.nan)
            column[:epochs] = values[:epochs, layer]
            hist[f"layer{layer + 1}_{stat}"] = column


class ExportedRows(int):
    """The number of rows written, with ``skipped``: (run id, reason) of each damaged run
    left out."""

    skipped: list[tuple[str, str]]

    def __new__(cls, rows: int, skipped: list[tuple[str, str]]):
        value = super().__new__(cls, rows)
        value.skipped = skipped
        return value


def _say_on_stderr(message: str) -> None:
    print(f"scratchnet-tui: warning: {message}", file=sys.stderr)


def export_csv(paths: list[Path], out: str | os.PathLike,
               on_skip: Callable[[str], None] | None = _say_on_stderr) -> ExportedRows:
    """One long table: a row per (run, epoch) with the metrics, the run's status and test
    loss and accuracy (empty until it has ended), the run and epoch a branch left, and every
    hyperparameter as columns. Returns the number of rows written (``.skipped`` lists the damaged runs
    left out, each also told to ``on_skip``, by default on stderr). Raises
    ``RunStoreError`` with the reasons, writing nothing, when every run given is damaged."""
    frames, skipped = [], []
    for path in paths:
        record = RunRecord(path)
        try:
            # what can be read is exported (a truncated history: its whole lines); the
            # CLI leaves runs listed as damaged out of "all runs" beforehand
            cfg, meta = record.config(), record.meta()
            hist = record.history()
            health = record.health()
            ended = record.checked_status()
        except RunStoreError as exc:
            reason = str(exc).removeprefix(f"{path.name}: ")
            skipped.append((path.name, reason))
            if on_skip is not None:
                on_skip(f"skipped {path.name}: {reason}")
            continue
        if hist.empty:
            continue
        hist.insert(0, "run", path.name)
        hist.insert(1, "name", meta.get("name", path.name))
        # the run's state (as the runs table reads it: a dead writer's run is interrupted)
        # and its test figures, evaluated once at the end: the same on each of its rows
        hist.insert(2, "status", str(record.info().status))
        hist["test_loss"] = finite_or_none(ended.get("test_loss"))
        hist["test_acc"] = finite_or_none(ended.get("test_acc"))
        # a branch: the run and epoch it left (its rows up to there are that run's)
        branch = meta.get("branch") if isinstance(meta.get("branch"), dict) else {}
        hist["branch_of"] = branch.get("run", "")
        hist["branch_epoch"] = branch.get("epoch")
        for key, value in cfg.to_dict().items():
            hist[key] = "-".join(map(str, value)) if isinstance(value, list) else value
        add_health_columns(hist, health)
        frames.append(hist)
    if skipped and len(skipped) == len(paths):
        raise RunStoreError("; ".join(f"{run} is damaged: {reason}" for run, reason in skipped))
    import pandas as pd
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    buf = io.StringIO()
    table.to_csv(buf, index=False)
    write_text_atomic(out, buf.getvalue())
    return ExportedRows(len(table), skipped)
