"""A sweep: Optuna decides what to try, the run core trains each trial as an ordinary run.

The API (the CLI's ``sweep`` command and the dashboard's sweep screen both use it):

    spec = SweepSpec(name="lr-search", base=TrainConfig(hidden=(64,), epochs=5),
                     space=SearchSpace.parse(["lr=log:1e-4:1e-1"]), trials=20,
                     sampler="tpe", pruner="median", metric="val_acc")
    sweep = Sweep.new(spec, runs_dir)             # or Sweep.resuming(runs_dir, "lr-search")
    sweep.add_listener(on_event)                  # TrialStarted / TrialEpoch / TrialEnded / SweepEnded
    result = sweep.run(workers=2)                 # blocks: call it from a worker thread
    sweep.pause(); sweep.resume(); sweep.stop()   # from any thread

    list_sweeps(runs_dir) -> [SweepRecord]        # read-only, imports no Optuna (cheap)

``Sweep.new``/``resuming`` raise ``SweepError`` (one line) for anything wrong before a trial
starts: a bad spec, a name in use, a sweep another process owns. The owner holds the
sweep's lock (``.owner.lock``, a ``FolderLock``) from then until ``run()`` returns or
``close()``. Listeners are called in the thread that called ``run()``; events are frozen
dataclasses of plain values, fit to hand to a UI as they are.

On disk, ``<runs dir>/sweeps/<name>/``:

    sweep.json     the spec (base config, space as typed, trials, sampler, pruner, metric), atomic
    journal.log    Optuna's study (JournalStorage, file backend): the truth about every trial
    summary.json   the trials' table and the best so far, rewritten (atomically) as trials end,
                   so listing sweeps needs neither Optuna nor the journal
    .owner.lock    held by the process running the sweep
    workers.log    what the worker processes printed (kept out of the dashboard's screen)

Each trial is a run in ``<runs dir>`` whose config.json names the sweep and trial number.

Counting: ``trials`` is the number of trials that end COMPLETE or PRUNED, or FAIL through
their own settings (a config the trainer refuses, a divergence before the first epoch).
A trial lost to its surroundings -- its worker died, the owner died (found RUNNING on
``--resume``: the journal has no heartbeat, so this is done here), or the sweep was
stopped -- is marked FAIL and its parameters are queued again (up to ``MAX_ATTEMPTS``), so
the requested count is reached and no finished trial ever runs twice.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from ..fileio import FolderLock, LockHeld, lock_holder, write_text_atomic
from ..training.config import ConfigError, TrainConfig
from .space import SearchSpace, SpaceError

SWEEPS_DIR = "sweeps"
SPEC_FILE, JOURNAL_FILE, SUMMARY_FILE, LOCK_FILE = "sweep.json", "journal.log", "summary.json", ".owner.lock"
WORKERS_LOG = "workers.log"   # what the worker processes print (warnings, a dying worker's last words)
SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("none", "median", "asha")
METRICS = {"val_acc": "maximize", "val_loss": "minimize"}
MAX_ATTEMPTS = 3            # a trial's parameters are tried at most this often when lost
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
COMPLETE, PRUNED, FAILED, RUNNING = "complete", "pruned", "failed", "running"


class SweepError(Exception):
    """The sweep cannot start or continue; the message is one line, fit to show a user."""


# ------------------------------------------------------------------- events
@dataclass(frozen=True)
class SweepEvent:
    sweep: str


@dataclass(frozen=True)
class TrialStarted(SweepEvent):
    trial: int
    params: dict            # field -> value: a number for a range, the text for a choice ("256,128", "full")
    run_id: str | None
    worker: str             # host:pid of the process training it (and the Dask worker's address)
    blas_threads: int | None = None


@dataclass(frozen=True)
class TrialEpoch(SweepEvent):
    trial: int
    epoch: int
    epochs: int
    value: float | None     # this epoch's metric (val_acc or val_loss)
    val_acc: float
    val_loss: float
    train_loss: float


@dataclass(frozen=True)
class TrialEnded(SweepEvent):
    trial: int
    state: str              # complete | pruned | failed
    params: dict
    value: float | None     # the trial's metric: its best epoch's (None if it has none)
    run_id: str | None
    epochs: int
    message: str = ""       # why it failed; "retried" when its parameters are queued again
    retried: bool = False


@dataclass(frozen=True)
class SweepEnded(SweepEvent):
    state: str              # finished | stopped
    best_trial: int | None
    best_value: float | None
    best_params: dict | None
    counts: dict            # state -> number of trials


# --------------------------------------------------------------------- spec
@dataclass
class SweepSpec:
    """What a sweep searches, and how; kept in sweep.json."""

    name: str
    base: TrainConfig
    space: SearchSpace
    trials: int
    sampler: str = "tpe"
    pruner: str = "none"
    metric: str = "val_acc"
    data_dir: str | None = None

    @property
    def direction(self) -> str:
        return METRICS[self.metric]

    def check(self) -> None:
        """Refuse, in one line, what could never run."""
        if not NAME.fullmatch(self.name or ""):
            raise SweepError(f"--name {self.name!r}: use letters, digits, '.', '_' or '-' (at most 64), "
                             f"starting with a letter or digit")
        if self.sampler not in SAMPLERS:
            raise SweepError(f"--sampler must be one of {', '.join(SAMPLERS)}, got {self.sampler!r}")
        if self.pruner not in PRUNERS:
            raise SweepError(f"--prune must be one of {', '.join(PRUNERS)}, got {self.pruner!r}")
        if self.metric not in METRICS:
            raise SweepError(f"--metric must be one of {', '.join(METRICS)}, got {self.metric!r}")
        if not isinstance(self.trials, int) or self.trials < 1:
            raise SweepError(f"--trials must be >= 1, got {self.trials}")
        if self.base.val_fraction <= 0 and "val_fraction" not in self.space.names:
            raise SweepError("a sweep compares trials on the validation set: --val-fraction must be > 0")
        try:
            if self.sampler == "grid":
                self.space.grid()
        except SpaceError as exc:
            raise SweepError(str(exc)) from None

    def to_dict(self) -> dict:
        return {"name": self.name, "base": self.base.to_dict(), "space": self.space.specs,
                "trials": self.trials, "sampler": self.sampler, "pruner": self.pruner,
                "metric": self.metric, "direction": self.direction, "data_dir": self.data_dir}

    @classmethod
    def from_dict(cls, data: dict) -> "SweepSpec":
        try:
            return cls(name=data["name"], base=TrainConfig.from_dict(data["base"]),
                       space=SearchSpace.parse(data["space"]), trials=int(data["trials"]),
                       sampler=data["sampler"], pruner=data["pruner"], metric=data["metric"],
                       data_dir=data.get("data_dir"))
        except (KeyError, TypeError, ValueError, ConfigError, SpaceError) as exc:
            raise SweepError(f"sweep.json is not a valid sweep ({exc})") from None


def default_name() -> str:
    return f"sweep-{datetime.now():%Y%m%d-%H%M%S}"


def sweeps_root(runs_dir: str | os.PathLike) -> Path:
    return Path(runs_dir) / SWEEPS_DIR


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError(f"{path.parent.name}: {path.name} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SweepError(f"{path.parent.name}: {path.name} is unreadable ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise SweepError(f"{path.parent.name}: {path.name} is not a JSON object")
    return data


def _write_json(path: Path, data: dict) -> None:
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def _grid_sampler(grid: dict, seed: int):
    """Optuna's GridSampler, minus its ``study.stop()`` once the grid is used up: that only
    works inside ``study.optimize``, and here the owner counts the trials itself."""
    import optuna

    class AskTellGrid(optuna.samplers.GridSampler):
        def after_trial(self, study, trial, state, values) -> None:
            pass

    return AskTellGrid(grid, seed=seed)


def _finite(value) -> float | None:
    return None if value is None or not isinstance(value, (int, float)) or not math.isfinite(value) else float(value)


# -------------------------------------------------------------------- sweep
Listener = Callable[[SweepEvent], None]


class Sweep:
    """One sweep, owned by this process from ``new``/``resuming`` until ``run`` returns."""

    def __init__(self, spec: SweepSpec, folder: Path, runs_dir: Path, lock: FolderLock, resumed: bool):
        self.spec = spec
        self.folder = folder
        self.runs_dir = runs_dir
        self.resumed = resumed
        self._lock = lock
        self._listeners: list[Listener] = []
        self._stop = threading.Event()
        self._paused = threading.Event()
        self.rows: dict[int, dict] = {}     # trial -> its row in summary.json
        self.bookkeeping_seconds = 0.0      # time spent in Optuna and the sweep's files (overhead)

    # -------------------------------------------------------------- build
    @classmethod
    def new(cls, spec: SweepSpec, runs_dir: str | os.PathLike) -> "Sweep":
        spec.check()
        folder = sweeps_root(runs_dir) / spec.name
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.mkdir()
        except FileExistsError:
            raise SweepError(f"a sweep named {spec.name} exists in {folder.parent}; "
                             f"--resume {spec.name} continues it, or choose another --name") from None
        except OSError as exc:
            raise SweepError(f"cannot create the sweep's folder {folder}: {exc.strerror or exc}") from None
        lock = cls._take_lock(folder)
        try:
            _write_json(folder / SPEC_FILE, spec.to_dict())
        except OSError as exc:
            lock.release()
            raise SweepError(f"cannot write {folder / SPEC_FILE}: {exc.strerror or exc}") from None
        return cls(spec, folder, Path(runs_dir), lock, resumed=False)

    @classmethod
    def resuming(cls, runs_dir: str | os.PathLike, name: str) -> "Sweep":
        folder = sweeps_root(runs_dir) / name
        if not NAME.fullmatch(name or "") or not (folder / SPEC_FILE).is_file():
            raise SweepError(f"no sweep named {name!r} in {sweeps_root(runs_dir)}")
        lock = cls._take_lock(folder)
        try:
            spec = SweepSpec.from_dict(_read_json(folder / SPEC_FILE))
            spec.check()
        except SweepError:
            lock.release()
            raise
        return cls(spec, folder, Path(runs_dir), lock, resumed=True)

    @staticmethod
    def _take_lock(folder: Path) -> FolderLock:
        note = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()})
        try:
            return FolderLock.acquire(folder / LOCK_FILE, note)
        except LockHeld:
            try:
                owner = json.loads(lock_holder(folder / LOCK_FILE) or "{}")
                who = f"pid {owner['pid']} on {owner['host']}"
            except (OSError, ValueError, KeyError, TypeError):
                who = "another process"
            raise SweepError(f"sweep {folder.name} is being run by {who}") from None
        except OSError as exc:
            raise SweepError(f"cannot lock the sweep {folder.name}: {exc.strerror or exc}") from None

    @property
    def name(self) -> str:
        return self.spec.name

    # ------------------------------------------------------------ control
    def add_listener(self, listener: Listener) -> None:
        self._listeners = [*self._listeners, listener]

    def pause(self) -> None:
        """Start no new trials; those running go on."""
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    def stop(self) -> None:
        """Stop every running trial within one batch (each is recorded as failed and queued
        again for ``--resume``), then end the sweep."""
        self._stop.set()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _emit(self, event: SweepEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:   # a broken display must not end the sweep it shows
                self._listeners = [other for other in self._listeners if other is not listener]

    # -------------------------------------------------------------- Optuna
    def _study(self, n_existing_hint: int = 0):
        import optuna
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = JournalStorage(JournalFileBackend(str(self.folder / JOURNAL_FILE)))
        study = optuna.create_study(storage=storage, study_name=self.name, direction=self.spec.direction,
                                    load_if_exists=True)
        # re-seed past the draws already made, so a resumed random/TPE sweep doesn't
        # replay its first suggestions
        seed = self.spec.base.seed + len(study.get_trials(deepcopy=False))
        if self.spec.sampler == "grid":
            study.sampler = _grid_sampler(self.spec.space.grid(), seed)
        elif self.spec.sampler == "random":
            study.sampler = optuna.samplers.RandomSampler(seed=seed)
        else:
            study.sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, max(2, self.spec.trials // 3)))
        if self.spec.pruner == "median":
            study.pruner = optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
        elif self.spec.pruner == "asha":
            study.pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
        else:
            study.pruner = optuna.pruners.NopPruner()
        return study

    def _budget(self, study) -> int:
        """Trials that count towards ``trials`` (see the module docstring)."""
        from optuna.trial import TrialState
        used = 0
        for t in study.get_trials(deepcopy=False):
            if t.state in (TrialState.COMPLETE, TrialState.PRUNED):
                used += 1
            elif t.state == TrialState.FAIL and t.user_attrs.get("counted"):
                used += 1
        return used

    def _recover(self, study) -> None:
        """Trials left RUNNING by an owner that died: FAIL, their parameters queued again.
        Also rebuilds the rows of summary.json from the journal."""
        from optuna.trial import Trial, TrialState
        lost = []
        for t in study.get_trials(deepcopy=False):
            if t.state == TrialState.RUNNING:
                reason = "the sweep's owner died while it ran"
                Trial(study, t._trial_id).set_user_attr("failure", reason)
                study.tell(t.number, state=TrialState.FAIL)
                lost.append((t.number, self._retry(study, t.params, t.user_attrs)))
        for t in study.get_trials(deepcopy=False):
            if t.state.is_finished():
                self.rows[t.number] = self._row_of(t)
        for number, retried in lost:     # said once, as any other ended trial
            row = self.rows[number]
            self._emit(TrialEnded(self.name, number, FAILED, row["params"], None, row["run_id"], row["epochs"],
                                  row["message"], retried))

    def _row_of(self, t) -> dict:
        from optuna.trial import TrialState
        state = {TrialState.COMPLETE: COMPLETE, TrialState.PRUNED: PRUNED}.get(t.state, FAILED)
        value = t.value if t.state == TrialState.COMPLETE else (
            t.intermediate_values[max(t.intermediate_values)] if t.state == TrialState.PRUNED and t.intermediate_values else None)
        return {"trial": t.number, "state": state, "params": self.spec.space.shown(self.spec.space.values_of(t.params)),
                "value": _finite(value), "run_id": t.user_attrs.get("run_id"), "epochs": len(t.intermediate_values),
                "worker": t.user_attrs.get("worker", ""), "message": t.user_attrs.get("failure", "")}

    def _retry(self, study, params: dict, attrs: dict) -> bool:
        attempt = int(attrs.get("attempt", 1))
        if attempt >= MAX_ATTEMPTS:
            return False
        study.enqueue_trial(dict(params), user_attrs={"attempt": attempt + 1})
        return True

    # ----------------------------------------------------------------- run
    def run(self, workers: int = 1, cluster: str | None = None, backend=None) -> "SweepResult":
        """Run trials until ``trials`` of them count (or ``stop()``); returns the result.
        ``backend`` (tests) replaces the one built from ``workers`` and ``cluster``."""
        from .workers import DaskWorkers, LocalWorkers, trace

        trace("run")
        try:
            if backend is None:   # first: its processes start while Optuna loads
                preload = (self.spec.base.dataset, self.spec.data_dir)
                workers = max(1, min(workers, self.spec.trials))
                backend = (LocalWorkers(workers, preload, log_path=self.folder / WORKERS_LOG) if cluster is None
                           else DaskWorkers(cluster, workers, self.name))
            self.backend = backend
            trace("backend-ready")
            t0 = time.perf_counter()
            try:
                study = self._study()
                self._recover(study)
                trace("study-ready")
            except BaseException as exc:
                backend.close()
                if isinstance(exc, Exception):   # a damaged or unreadable journal
                    raise SweepError(f"cannot open the study in {self.folder / JOURNAL_FILE}: "
                                     f"{exc.__class__.__name__}: {exc}") from None
                raise
            self._used = self._budget(study)
            self.bookkeeping_seconds += time.perf_counter() - t0
            self._write_summary(study, RUNNING)
            live: dict[int, dict] = {}
            try:
                self._loop(study, backend, live)
            finally:
                for number, entry in list(live.items()):   # interrupted (a second Ctrl+C, an error)
                    self._lost(study, live, number, "the sweep ended while it ran")
                backend.close()
            state = "stopped" if self._stop.is_set() and self._used < self.spec.trials else "finished"
            self._write_summary(study, state)
            trace("run-end")
            return self._result(study, state)
        finally:
            self.close()

    def _loop(self, study, backend, live: dict) -> None:
        from .workers import trace
        paused = False
        while True:
            if self._paused.is_set() != paused:          # said in summary.json, for `sweeps`
                paused = self._paused.is_set()
                self._write_summary(study, "paused" if paused else RUNNING)
            if self._stop.is_set():
                for number, entry in live.items():
                    if not entry["stop_sent"]:
                        backend.stop_trial(number)
                        entry["stop_sent"] = True
            elif not self._paused.is_set():
                while backend.free() > 0 and self._used + len(live) < self.spec.trials:
                    self._start(study, backend, live)
            if not live and (self._stop.is_set() or self._used >= self.spec.trials):
                return
            for message in backend.poll(0.1):
                trace("got", f"{message['kind']} {message.get('trial')}")
                t0 = time.perf_counter()
                self._handle(study, backend, live, message)
                self.bookkeeping_seconds += time.perf_counter() - t0

    def _start(self, study, backend, live: dict) -> None:
        from .workers import trace
        trace("ask")
        t0 = time.perf_counter()
        trial = study.ask()
        values = self.spec.space.suggest(trial)
        shown = self.spec.space.shown(values)
        if "attempt" not in trial.user_attrs:
            trial.set_user_attr("attempt", 1)
        try:
            config = self.spec.space.config_for(self.spec.base, values)
        except ConfigError as exc:
            self.bookkeeping_seconds += time.perf_counter() - t0
            self._fail(study, {"trial": trial, "params": shown, "run_id": None, "epochs": 0}, str(exc))
            return
        task = {"trial": trial.number, "sweep": self.name, "config": config.to_dict(),
                "runs_dir": str(self.runs_dir), "data_dir": self.spec.data_dir,
                "run_name": f"{self.name} #{trial.number}"}
        live[trial.number] = {"trial": trial, "params": shown, "run_id": None, "epochs": 0,
                              "pruned": False, "stop_sent": False, "worker": ""}
        self.bookkeeping_seconds += time.perf_counter() - t0
        trace("submit", trial.number)
        backend.submit(task)

    def _handle(self, study, backend, live: dict, message: dict) -> None:
        from optuna.trial import TrialState
        number = message.get("trial")
        entry = live.get(number)
        if entry is None:
            return                      # a late message of a trial already accounted for
        kind = message["kind"]
        trial = entry["trial"]
        if kind == "started":
            entry["run_id"], entry["worker"] = message["run_id"], message["worker"]
            trial.set_user_attr("run_id", message["run_id"])
            trial.set_user_attr("worker", message["worker"])
            trial.set_user_attr("blas_threads", message.get("blas_threads"))
            self._emit(TrialStarted(self.name, number, entry["params"], message["run_id"], message["worker"],
                                    message.get("blas_threads")))
        elif kind == "epoch":
            value = _finite(message[self.spec.metric])
            entry["epochs"] = message["epoch"]
            if value is not None:
                entry["last"] = value
                trial.report(value, message["epoch"])
                if not entry["pruned"] and not self._stop.is_set() and trial.should_prune():
                    entry["pruned"] = True
                    backend.stop_trial(number)
            self._emit(TrialEpoch(self.name, number, message["epoch"], message["epochs"], value,
                                  message["val_acc"], message["val_loss"], message["train_loss"]))
        elif kind == "ended":
            status = message["status"]
            entry["epochs"] = message.get("epochs", entry["epochs"])
            entry["run_id"] = entry["run_id"] or message.get("run_id")
            value = _finite(message.get("best_val_acc" if self.spec.metric == "val_acc" else "best_val_loss"))
            if status == "stopped" and entry["pruned"]:
                del live[number]
                study.tell(trial, state=TrialState.PRUNED)
                self._ended(study, number, PRUNED, entry, entry.get("last"))
            elif status in ("finished", "stopped-early", "diverged") and value is not None:
                del live[number]
                study.tell(trial, value)
                self._ended(study, number, COMPLETE, entry, value,
                            "diverged after its best epoch" if status == "diverged" else "")
            elif status == "stopped":
                self._lost(study, live, number, "stopped with the sweep")
            else:
                del live[number]
                self._fail(study, entry, message.get("message") or status)
        elif kind == "lost":
            self._lost(study, live, number, message["reason"])

    def _fail(self, study, entry: dict, reason: str) -> None:
        """A FAIL that counts: the trial's own settings made it fail."""
        from optuna.trial import TrialState
        trial = entry["trial"]
        trial.set_user_attr("failure", reason)
        trial.set_user_attr("counted", True)
        study.tell(trial, state=TrialState.FAIL)
        self._ended(study, trial.number, FAILED, entry, None, reason)

    def _lost(self, study, live: dict, number: int, reason: str) -> None:
        """A FAIL that doesn't count: its parameters are queued to be tried again."""
        from optuna.trial import TrialState
        entry = live.pop(number)
        trial = entry["trial"]
        trial.set_user_attr("failure", reason)
        study.tell(trial, state=TrialState.FAIL)
        retried = self._retry(study, trial.params, trial.user_attrs)
        # tried MAX_ATTEMPTS times: now it counts, or the sweep might never end
        self._ended(study, number, FAILED, entry, None, reason, retried=retried, counted=not retried)

    def _ended(self, study, number: int, state: str, entry: dict, value, message: str = "",
               retried: bool = False, counted: bool = True) -> None:
        if counted:
            self._used += 1
        self.rows[number] = {"trial": number, "state": state, "params": entry["params"], "value": value,
                             "run_id": entry["run_id"], "epochs": entry["epochs"],
                             "worker": entry.get("worker", ""), "message": message}
        t0 = time.perf_counter()
        self._write_summary(study, RUNNING)
        self.bookkeeping_seconds += time.perf_counter() - t0
        self._emit(TrialEnded(self.name, number, state, entry["params"], value, entry["run_id"],
                              entry["epochs"], message, retried))

    # -------------------------------------------------------------- results
    def _best(self) -> dict | None:
        done = [r for r in self.rows.values() if r["state"] == COMPLETE and r["value"] is not None]
        if not done:
            return None
        pick = max if self.spec.direction == "maximize" else min
        return pick(done, key=lambda r: (r["value"], -r["trial"]) if pick is max else (r["value"], r["trial"]))

    def _write_summary(self, study, state: str) -> None:
        best = self._best()
        rows = [self.rows[n] for n in sorted(self.rows)]
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["state"]] = counts.get(r["state"], 0) + 1
        try:
            _write_json(self.folder / SUMMARY_FILE, {
                "name": self.name, "state": state, "done": self._used, "total": self.spec.trials,
                "metric": self.spec.metric, "direction": self.spec.direction, "counts": counts,
                "best_trial": None if best is None else best["trial"],
                "best_value": None if best is None else best["value"],
                "best_params": None if best is None else best["params"],
                "best_run_id": None if best is None else best["run_id"],
                "updated": time.time(), "trials": rows})
        except OSError:
            pass   # the journal is the record; the summary is only a cheap view of it

    def _result(self, study, state: str) -> "SweepResult":
        best = self._best()
        rows = [self.rows[n] for n in sorted(self.rows)]
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["state"]] = counts.get(r["state"], 0) + 1
        result = SweepResult(self.name, state, rows, None if best is None else best["trial"],
                             None if best is None else best["value"], None if best is None else best["params"],
                             counts, self.bookkeeping_seconds)
        self._emit(SweepEnded(self.name, state, result.best_trial, result.best_value, result.best_params, counts))
        return result


@dataclass
class SweepResult:
    name: str
    state: str                       # finished | stopped
    trials: list[dict]               # every ended trial's row (see summary.json)
    best_trial: int | None
    best_value: float | None
    best_params: dict | None
    counts: dict = field(default_factory=dict)
    bookkeeping_seconds: float = 0.0


# ------------------------------------------------------------------- reading
@dataclass
class SweepRecord:
    """One sweep folder as ``sweeps`` lists it (sweep.json + summary.json; no Optuna)."""

    name: str
    path: Path
    state: str = "damaged"      # running | paused | finished | stopped | interrupted | damaged
    done: int = 0
    total: int = 0
    metric: str = ""
    best_trial: int | None = None
    best_value: float | None = None
    best_params: dict | None = None
    best_run_id: str | None = None
    sampler: str = ""
    pruner: str = ""
    space: list = field(default_factory=list)
    trials: list = field(default_factory=list)
    problem: str = ""

    def as_row(self) -> dict:
        row = asdict(self)
        row["path"] = str(self.path)
        row.pop("trials")
        return row

    @classmethod
    def read(cls, folder: str | os.PathLike) -> "SweepRecord":
        folder = Path(folder)
        record = cls(folder.name, folder)
        try:
            spec = _read_json(folder / SPEC_FILE)
            record.total, record.metric = int(spec.get("trials", 0)), str(spec.get("metric", ""))
            record.sampler, record.pruner = str(spec.get("sampler", "")), str(spec.get("pruner", ""))
            record.space = list(spec.get("space", []))
            try:
                summary = _read_json(folder / SUMMARY_FILE)
            except SweepError:
                summary = {"state": "running", "done": 0}   # killed before its first summary
            record.done = int(summary.get("done", 0))
            record.state = str(summary.get("state", "running"))
            for key in ("best_trial", "best_value", "best_params", "best_run_id"):
                setattr(record, key, summary.get(key))
            record.trials = list(summary.get("trials", []))
        except (SweepError, TypeError, ValueError, AttributeError) as exc:
            record.state, record.problem = "damaged", str(exc)
            return record
        if record.state in (RUNNING, "paused") and not _owner_alive(folder):
            record.state = "interrupted"
        return record


def _owner_alive(folder: Path) -> bool:
    try:
        return lock_holder(folder / LOCK_FILE) is not None
    except FileNotFoundError:
        return False
    except OSError:
        return False


def list_sweeps(runs_dir: str | os.PathLike) -> list[SweepRecord]:
    """Every sweep in ``runs_dir``, by name."""
    root = sweeps_root(runs_dir)
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    return [SweepRecord.read(p) for p in folders]
