"""Writes a run folder while the run trains: a trainer-event callback.

Per epoch it appends one line to history.csv and, at most once a second, rewrites
status.json (atomically) with the byte length of history.csv it vouches for; a
reader trusts only that many bytes, so a process killed mid-append leaves a
consistent run. Weights are saved every ``model_interval`` seconds and when the
run ends. If the disk refuses a write (full, read-only), recording stops, training
goes on, and ``on_problem`` is told once.
"""

from __future__ import annotations

import json
import math
import os
import socket
import time
from pathlib import Path
from typing import Callable

import numpy as np

from ..datasets.dataset import Dataset
from ..fileio import atomic_writer
from ..nn.model_file import save_model
from ..training import events as ev
from ..training.events import HISTORY_COLUMNS
from ..training.status import RunStatus
from .store import read_json, write_json

STATUS_INTERVAL_S = 1.0


def _finite(value):
    return None if value is None or not math.isfinite(value) else float(value)


def dataset_identity(dataset: Dataset) -> dict:
    """What identifies the data a run trained on (stored in config.json)."""
    return {"name": dataset.name, "source": dataset.source, "n_train": int(len(dataset.x_train)),
            "n_test": int(len(dataset.x_test)), "n_features": dataset.n_features,
            "n_classes": dataset.n_classes, "class_names": list(dataset.class_names)}


class RunRecorder:
    def __init__(self, path: Path, trainer, dataset: Dataset, *, model_interval: float = 30.0,
                 on_problem: Callable[[str], None] | None = None, best_params: np.ndarray | None = None):
        self.path = Path(path)
        self.trainer = trainer
        self.dataset = dataset
        self.model_interval = model_interval
        self.on_problem = on_problem or (lambda message: None)
        self.problem = ""
        self.status = read_json(self.path / "status.json")
        self._best_params = best_params        # carried over when continuing a run
        self._last_status = 0.0
        self._last_model = time.monotonic()
        self.seconds_spent = 0.0               # time spent writing, for the overhead figure

    @property
    def saving(self) -> bool:
        return not self.problem

    def __call__(self, event: ev.Event) -> None:
        if self.problem:
            return
        t0 = time.perf_counter()
        try:
            if isinstance(event, ev.RunStarted):
                self._started(event)
            elif isinstance(event, ev.EpochEnded):
                self._epoch(event)
            elif isinstance(event, ev.RunEnded):
                self._ended(event)
        except OSError as exc:
            self.problem = (f"the run is not being saved: {exc.strerror or exc} "
                            f"({getattr(exc, 'filename', None) or self.path})")
            self.on_problem(self.problem)
        finally:
            self.seconds_spent += time.perf_counter() - t0

    # ------------------------------------------------------------- events
    def _started(self, event: ev.RunStarted) -> None:
        history = self.path / "history.csv"
        known = self.status.get("history_bytes")
        if known is None or not history.exists():
            with open(history, "w", encoding="utf-8", newline="") as f:
                f.write(",".join(HISTORY_COLUMNS) + "\n")
        else:
            # continuing: drop any line after what the status vouched for, and the epochs
            # after the saved weights (their weights are lost)
            keep = self._bytes_for_epochs(history, known, event.start_epoch)
            with open(history, "r+b") as f:
                f.truncate(keep)
        self.status.update(status=RunStatus.RUNNING, planned_epochs=event.start_epoch + event.config["epochs"],
                           epochs=event.start_epoch, pid=os.getpid(),
                           host=socket.gethostname())
        self._write_status(force=True)

    @staticmethod
    def _bytes_for_epochs(history: Path, known: int, epochs: int) -> int:
        data = history.read_bytes()[:known]
        lines = data.splitlines(keepends=True)
        return sum(len(line) for line in lines[: 1 + epochs])

    def _epoch(self, event: ev.EpochEnded) -> None:
        row = event.row()
        line = ",".join("" if v is None or (isinstance(v, float) and math.isnan(v)) else repr(v)
                        for v in (row[c] for c in HISTORY_COLUMNS)) + "\n"
        with open(self.path / "history.csv", "a", encoding="utf-8", newline="") as f:
            f.write(line)
        self.status.update(epochs=event.epoch, best_val_acc=_finite(event.best_val_acc),
                           seconds=event.elapsed, last_val_acc=_finite(event.val_acc))
        saved_model = time.monotonic() - self._last_model >= self.model_interval
        if saved_model:
            self._save_model(event.epoch)
        self._write_status(force=saved_model)   # status must name the epoch of the saved weights

    def _ended(self, event: ev.RunEnded) -> None:
        status = ev.STATUS_OF[type(event)]
        if not isinstance(event, ev.Failed):
            self._save_model(event.epochs_completed)
            self._save_predictions()
        self.status.update(status=status, epochs=event.epochs_completed, test_acc=_finite(event.test_acc),
                           test_loss=_finite(event.test_loss), seconds=event.elapsed, ended=time.time())
        if isinstance(event, ev.Diverged):
            self.status["message"] = f"loss became {event.loss} at epoch {event.epoch}, batch {event.batch}"
        if isinstance(event, ev.Failed):
            self.status["message"] = event.message
        self._write_status(force=True)

    # -------------------------------------------------------------- files
    def _write_status(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_status < STATUS_INTERVAL_S:
            return
        self._last_status = now
        self.status["history_bytes"] = (self.path / "history.csv").stat().st_size
        self.status["updated"] = time.time()
        write_json(self.path / "status.json", self.status, fsync=force)

    def _save_model(self, epoch: int) -> None:
        trainer = self.trainer
        if trainer.best_params is not None:
            self._best_params = trainer.best_params
        extra = {"best": self._best_params} if self._best_params is not None else None
        save_model(trainer.network, self.path / "model.npz", metadata={"epoch": epoch}, extra_params=extra)
        state = trainer.resume_state()
        arrays = {f"opt_{k}": v for k, v in state["optimizer"].items()}
        arrays.update(order=state["order"], steps=np.array(state["steps"]),
                      rng=np.array(json.dumps(state["rng"])), epoch=np.array(epoch))
        with atomic_writer(self.path / "resume.npz", binary=True) as f:
            np.savez(f, **arrays)
        self.status["model_epoch"] = epoch
        self._last_model = time.monotonic()

    def _save_predictions(self) -> None:
        data = self.dataset
        if not len(data.x_test):
            return
        proba = self.trainer.network.predict_proba(data.x_test).astype(np.float32)
        with atomic_writer(self.path / "predictions.npz", binary=True) as f:
            np.savez(f, proba=proba, labels=np.asarray(data.y_test, np.uint8))
