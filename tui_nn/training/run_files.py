"""What a finished (or stopped) run leaves on disk: model.npz, history.csv, config.json.

Each file is written atomically (temporary name, flush, rename), so an interrupted
save leaves the previous version, never half a file.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from .. import __version__
from ..datasets.dataset import Dataset
from ..fileio import write_text_atomic
from ..nn.model_file import save_model
from .trainer import RunResult


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
