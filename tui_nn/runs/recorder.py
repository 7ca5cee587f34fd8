"""Writes a run folder while the run trains: a trainer-event callback.

Per epoch it appends one line to history.csv and, at most once a second, rewrites
status.json (atomically) with the byte length of history.csv it vouches for; a
reader trusts only that many bytes, so a process killed mid-append leaves a
consistent run. Weights are saved every ``model_interval`` seconds and when the
run ends, each time as a whole new generation (model.npz + resume.npz) that the
status then names (see store.py): killed at any moment, the run keeps one whole,
named generation. If the disk refuses a write (full, read-only), recording stops,
training goes on, ``on_problem`` is told once, and the status says after which epoch
the run was no longer saved (if the disk still takes that much).
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import socket
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

from ..datasets.dataset import Dataset
from ..fileio import atomic_writer, fsync_dir
from ..nn.health import histogram_edges
from ..nn.model_file import save_model
from ..training import events as ev
from ..training.events import HISTORY_COLUMNS
from ..training.status import RunStatus
from .epoch_checkpoints import DEFAULT_BUDGET_MB, EpochCheckpoints
from .store import (
    CHANGES_FILE,
    HEALTH_FILE,
    HEALTH_PER_HIDDEN,
    HEALTH_PER_LAYER,
    NPZ_ERRORS,
    STEPS_FILE,
    RunRecord,
    RunStoreError,
    read_json,
    vouched_lines,
    write_json,
)

STATUS_INTERVAL_S = 1.0
CURVES_INTERVAL_S = 5.0   # steps.npy and health.npz: rewritten whole, so less often than the status
# Tests aim kill -9 between the writes of a save: the recorder then says each write on
# stderr ("write model epoch 3") and sleeps this long after it.
PAUSE_ENV = "SCRATCHNET_TEST_PAUSE_BETWEEN_WRITES"


def _written(step: str, epoch: int) -> None:
    pause = os.environ.get(PAUSE_ENV)
    if pause:
        print(f"write {step} epoch {epoch}", file=sys.stderr, flush=True)
        time.sleep(float(pause))


def _finite(value):
    return None if value is None or not math.isfinite(value) else float(value)


def dataset_identity(dataset: Dataset) -> dict:
    """What identifies the data a run trained on (stored in config.json)."""
    return {"name": dataset.name, "source": dataset.source, "n_train": int(len(dataset.x_train)),
            "n_test": int(len(dataset.x_test)), "n_features": dataset.n_features,
            "n_classes": dataset.n_classes, "class_names": list(dataset.class_names)}


class RunRecorder:
    def __init__(self, path: Path, trainer, dataset: Dataset, *, model_interval: float = 30.0,
                 on_problem: Callable[[str], None] | None = None, best_params: np.ndarray | None = None,
                 epoch_budget_mb: float = DEFAULT_BUDGET_MB):
        self.path = Path(path)
        self.trainer = trainer
        self.dataset = dataset
        self.model_interval = model_interval
        self.on_problem = on_problem or (lambda message: None)
        self.problem = ""
        self.status = read_json(self.path / "status.json")
        self._committed = dict(self.status)    # the status as last written to disk
        self._best_params = best_params        # carried over when continuing a run
        self._last_status = 0.0
        self._last_model = time.monotonic()
        self.seconds_spent = 0.0               # time spent writing, for the overhead figure
        self._steps: list[np.ndarray] = []     # per epoch: every batch's loss (steps.npy)
        self._health: list[dict] = []          # per epoch: layer health (health.npz)
        self._curves_due = False               # epochs added since the files were written
        self._last_curves = 0.0
        # a checkpoint per epoch (or every k), to branch from (epoch_checkpoints.py)
        every = self.status.get("epoch_every")
        self.epoch_checkpoints = EpochCheckpoints(self.path, epoch_budget_mb,
                                                  every if isinstance(every, int) and every >= 1 else 1)

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
            elif isinstance(event, ev.SettingChanged):
                self._write_changes()
            elif isinstance(event, ev.RunEnded):
                self._ended(event)
        except OSError as exc:
            self.problem = (f"the run is not being saved: {exc.strerror or exc} "
                            f"({getattr(exc, 'filename', None) or self.path})")
            self._say_not_saved(exc)
            self.on_problem(self.problem)
        finally:
            self.seconds_spent += time.perf_counter() - t0

    def _say_not_saved(self, exc: OSError) -> None:
        """Write into the status (as last committed, so it vouches for nothing new) that
        the run trains on unsaved; a disk that refuses even that leaves it "interrupted"."""
        epoch = self._committed.get("epochs", 0)
        note = dict(self._committed, not_saved=f"not saved after epoch {epoch}: {exc.strerror or exc}")
        try:
            write_json(self.path / "status.json", note)
        except OSError:
            pass

    # ------------------------------------------------------------- events
    def _started(self, event: ev.RunStarted) -> None:
        history = self.path / "history.csv"
        if event.start_epoch == 0 or not history.exists():
            with open(history, "w", encoding="utf-8", newline="") as f:
                f.write(",".join(HISTORY_COLUMNS) + "\n")
        else:
            # continuing: keep the whole lines the status vouched for, up to the saved
            # weights' epoch (the epochs after them lost their weights), so the next row
            # never lands on a partial line
            keep = self._bytes_for_epochs(history, self.status.get("history_bytes"), event.start_epoch)
            with open(history, "r+b") as f:
                f.truncate(keep)
            self._load_curves(event.start_epoch)
            self.epoch_checkpoints.forget_after(event.start_epoch)
        self.status.update(status=RunStatus.RUNNING, planned_epochs=event.start_epoch + event.config["epochs"],
                           epochs=event.start_epoch, pid=os.getpid(),
                           host=socket.gethostname())
        self.status.pop("not_saved", None)
        if self.trainer.planned_changes:      # a replaying run records what it will replay
            self._write_changes()
        self._write_status(force=True)

    def _write_changes(self) -> None:
        write_json(self.path / CHANGES_FILE, {"changes": self.trainer.planned_changes})

    @staticmethod
    def _bytes_for_epochs(history: Path, known: int | None, epochs: int) -> int:
        lines = vouched_lines(history.read_bytes(), known).splitlines(keepends=True)
        if len(lines) < 1 + epochs:
            raise OSError(f"history.csv holds {max(len(lines) - 1, 0)} whole epochs, not {epochs}")
        return sum(len(line) for line in lines[: 1 + epochs])

    def _load_curves(self, epochs: int) -> None:
        """Continuing: the per-batch losses and health of the ``epochs`` kept (a run recorded
        before these files existed, or with gaps, starts them afresh)."""
        try:
            steps = np.load(self.path / STEPS_FILE, allow_pickle=False)
            if steps.ndim == 2 and len(steps) >= epochs:
                self._steps = list(steps[:epochs])
        except NPZ_ERRORS:
            pass
        try:
            with np.load(self.path / HEALTH_FILE, allow_pickle=False) as f:
                health = {k: f[k] for k in (*HEALTH_PER_LAYER, *HEALTH_PER_HIDDEN)}
        except NPZ_ERRORS:
            return
        if len(health["weight_norm"]) >= epochs:
            self._health = [{k: health[k][i].tolist() for k in (*HEALTH_PER_LAYER, *HEALTH_PER_HIDDEN)}
                            for i in range(epochs)]

    def _add_curves(self, event: ev.EpochEnded) -> None:
        if event.step_losses is not None and len(self._steps) == event.epoch - 1:
            self._steps.append(np.asarray(event.step_losses, np.float32))
        if event.health is not None and len(self._health) == event.epoch - 1:
            self._health.append(event.health)
        self._curves_due = True

    def _write_curves(self, force: bool = False) -> None:
        """steps.npy and health.npz, each rewritten whole and atomically (a few hundred KB
        at most for long runs): at most every CURVES_INTERVAL_S, and whenever weights are saved (a
        continued run takes them up from there). A reader takes as many epochs as the
        history vouches for; the files may hold fewer (written later) or more."""
        if not self._curves_due or (not force and time.monotonic() - self._last_curves < CURVES_INTERVAL_S):
            return
        self._curves_due, self._last_curves = False, time.monotonic()
        if self._steps and len({len(s) for s in self._steps}) == 1:
            with atomic_writer(self.path / STEPS_FILE, binary=True, fsync=force) as f:
                np.save(f, np.stack(self._steps))
        if self._health:
            arrays = {k: np.array([h[k] for h in self._health], np.float32)
                      for k in (*HEALTH_PER_LAYER, *HEALTH_PER_HIDDEN)}
            arrays["edges"] = histogram_edges(self.trainer.network.activation.name)
            with atomic_writer(self.path / HEALTH_FILE, binary=True, fsync=force) as f:
                np.savez(f, **arrays)

    def _epoch(self, event: ev.EpochEnded) -> None:
        self._add_curves(event)
        row = event.row()
        line = ",".join("" if v is None or (isinstance(v, float) and math.isnan(v)) else repr(v)
                        for v in (row[c] for c in HISTORY_COLUMNS)) + "\n"
        with open(self.path / "history.csv", "a", encoding="utf-8", newline="") as f:
            f.write(line)
        self.status.update(epochs=event.epoch, best_val_acc=_finite(event.best_val_acc),
                           seconds=event.elapsed, last_val_acc=_finite(event.val_acc))
        if self.epoch_checkpoints.due(event.epoch):
            self.epoch_checkpoints.write(event.epoch, lambda folder: self._write_weights(folder, event.epoch,
                                                                                         "epoch-", best=False,
                                                                                         fsync=False))
            self.status["epoch_every"] = self.epoch_checkpoints.every
        if time.monotonic() - self._last_model >= self.model_interval:
            self._save_checkpoint(event.epoch)     # writes the status naming it
        else:
            self._write_curves()
            self._write_status()

    def _ended(self, event: ev.RunEnded) -> None:
        self._write_curves(force=True)
        status = ev.STATUS_OF[type(event)]
        final = not isinstance(event, ev.Failed)
        if final:
            if self.status.get("model_epoch") is not None and not self.status.get("checkpoint"):
                # the folder's own model.npz + resume.npz are the named generation (a run
                # continued before its first checkpoint): never overwrite the named one
                self._save_checkpoint(event.epochs_completed)
            self._write_generation(self.path, event.epochs_completed, "final-")
            self._save_predictions()
            self.status.pop("checkpoint", None)
            self.status["model_epoch"] = event.epochs_completed
        self.status.update(status=status, epochs=event.epochs_completed, test_acc=_finite(event.test_acc),
                           test_loss=_finite(event.test_loss), seconds=event.elapsed, ended=time.time())
        if isinstance(event, ev.Diverged):
            self.status["message"] = f"loss became {event.loss} at epoch {event.epoch}, batch {event.batch}"
        if isinstance(event, ev.Failed):
            self.status["message"] = event.message
        if isinstance(event, ev.EarlyStopped):
            self.status["message"] = event.summary
        self._write_status(force=True)
        if final:
            _written("final-status", event.epochs_completed)
            self._remove_stale_generations()
            _written("final-cleanup", event.epochs_completed)

    # -------------------------------------------------------------- files
    def _write_status(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_status < STATUS_INTERVAL_S:
            return
        self._last_status = now
        history = self.path / "history.csv"
        if force:   # the status commits a save: the lines it vouches for must be on disk first
            with open(history, "rb") as f:
                os.fsync(f.fileno())
        self.status["history_bytes"] = history.stat().st_size
        self.status["updated"] = time.time()
        write_json(self.path / "status.json", self.status, fsync=force)
        self._committed = dict(self.status)

    def _save_checkpoint(self, epoch: int) -> None:
        """Save the weights and resume state of ``epoch`` as a new checkpoint folder, then
        commit it (the status names it), then remove the generation it replaces."""
        name = f"checkpoint-{epoch:06d}"
        if self.status.get("checkpoint") == name:
            return                                  # this epoch is already the saved one
        building = self.path / f".{name}.{secrets.token_hex(2)}.tmp"
        building.mkdir()
        try:
            self._write_generation(building, epoch)
            fsync_dir(building)
            target = self.path / name
            if target.exists():                     # an uncommitted one, from a killed writer
                shutil.rmtree(target)
            os.rename(building, target)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        fsync_dir(self.path)
        _written("generation", epoch)
        self.status.update(checkpoint=name, model_epoch=epoch)
        self._write_status(force=True)
        _written("status", epoch)
        self._remove_stale_generations()
        _written("cleanup", epoch)

    def _write_generation(self, folder: Path, epoch: int, step: str = "") -> None:
        self._write_curves(force=True)          # a continued run takes them up from these weights
        self._write_weights(folder, epoch, step)
        self._last_model = time.monotonic()

    def _write_weights(self, folder: Path, epoch: int, step: str = "", best: bool = True,
                       fsync: bool = True) -> None:
        """model.npz (with the best weights unless ``best`` is False) and resume.npz;
        ``fsync`` False for the epoch checkpoints, which are not the commit record (a kill
        leaves them whole; a power cut may not, and a damaged one is named when read)."""
        trainer = self.trainer
        if trainer.best_params is not None:
            self._best_params = trainer.best_params
        extra = {"best": self._best_params} if best and self._best_params is not None else None
        save_model(trainer.network, folder / "model.npz", metadata={"epoch": epoch}, extra_params=extra,
                   fsync=fsync)
        _written(f"{step}model", epoch)
        state = trainer.resume_state()
        arrays = {f"opt_{k}": v for k, v in state["optimizer"].items()}
        arrays.update(order=state["order"], steps=np.array(state["steps"]),
                      rng=np.array(json.dumps(state["rng"])), epoch=np.array(epoch))
        arrays["callbacks"] = np.array(json.dumps(state["callbacks"]))
        if "callback_best" in state:
            arrays["callback_best"] = state["callback_best"]
        with atomic_writer(folder / "resume.npz", binary=True, fsync=fsync) as f:
            np.savez(f, **arrays)
        _written(f"{step}resume", epoch)

    def _remove_stale_generations(self) -> None:
        try:
            RunRecord(self.path).remove_leftovers()
        except RunStoreError:   # a status it can't read: leave the files to the next owner
            pass

    def _save_predictions(self) -> None:
        data = self.dataset
        if not len(data.x_test):
            return
        proba = self.trainer.network.predict_proba(data.x_test).astype(np.float32)
        with atomic_writer(self.path / "predictions.npz", binary=True) as f:
            np.savez(f, proba=proba, labels=np.asarray(data.y_test, np.uint8))
