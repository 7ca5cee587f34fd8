"""The one way to run: start a new run or continue a recorded one, record it, and fan the
trainer's events out to whoever listens (the CLI's progress bar, the dashboard, a sweep).

    runner = Runner.new(config, dataset, store=RunStore(root))      # or record=False
    runner = Runner.resuming(store, "20261201-0930", epochs=5)      # load, then continue
    runner = Runner.branching(store, "20261201-0930", 12, {"lr": "3e-4"})   # a new run from epoch 12
    runner.add_listener(print)
    result = runner.run()          # in this thread; pause()/resume()/stop() from any other
    runner.change(lr=0.01)         # from any thread: before the next batch, recorded in changes.json

Everything that can go wrong before training starts (a bad config, a dataset that won't load,
a run that can't be continued, one that another process is training) is raised as
``RunSetupError`` with a one-line reason. A recorded run is owned by its Runner, through
the run's lock (store.py), from ``new``/``resuming`` until ``run()`` returns (or
``close()``); every other writer is refused meanwhile. Once
training runs nothing is raised: the trainer reports its own failures as a ``Failed`` event,
and a disk that refuses to record makes the run go on unsaved, said once through
``on_problem``. Nothing outside ``training/`` and ``runs/`` builds a Trainer or a RunRecorder.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from ..datasets.dataset import Dataset, DatasetError
from ..nn import ModelFileError
from ..training.config import ConfigError, TrainConfig
from ..training.live import parse_branch_changes
from ..training.events import Event
from ..training.trainer import RunResult, Trainer
from .epoch_checkpoints import DEFAULT_BUDGET_MB
from .recorder import RunRecorder, dataset_identity
if TYPE_CHECKING:
    import pandas as pd

from .store import RunLock, RunRecord, RunStore, RunStoreError, default_more_epochs

Listener = Callable[[Event], None]


class RunSetupError(Exception):
    """The run cannot start; the message is one line, fit to show a user."""


def _load_by_name(name: str) -> Dataset:
    from ..datasets import load_dataset
    return load_dataset(name)


def branch_config(parent: RunRecord, epoch: int, changes: dict | None = None) -> TrainConfig:
    """The settings of a branch from the end of ``epoch`` of ``parent``: the parent's as at that
    epoch, with ``changes`` made ({field: text or value}, those ``BRANCH_FIELDS`` names; a
    refused one raises ConfigError); ``epochs`` is how many more to train, by default the
    epochs the parent still had to go after ``epoch``, or its own count again."""
    changes = dict(changes or {})
    more = changes.pop("epochs", None)
    config = parse_branch_changes(parent.config_at(epoch), changes)
    if more is not None:
        return parse_branch_changes(config, {"epochs": more})
    own = parent.config().epochs
    planned = parent.checked_status().get("planned_epochs") or own
    return config.with_changes(epochs=default_more_epochs(planned, epoch, own))


class Runner:
    """One run from start to end. Build it with ``Runner.new`` or ``Runner.resuming``."""

    def __init__(self, trainer: Trainer, dataset: Dataset, *, record: RunRecord | None,
                 store: RunStore | None, previous_history: pd.DataFrame | None,
                 best_params=None, problem: str = "",
                 on_problem: Callable[[str], None] | None = None, save_every: float = 30.0,
                 lock: RunLock | None = None, listeners: Iterable[Listener] = (),
                 epoch_budget_mb: float = DEFAULT_BUDGET_MB):
        self.trainer = trainer
        self._run_lock = lock                     # the record's one-writer lock, held until run() ends
        self.dataset = dataset
        self.store = store
        self.record = record                      # the run folder, None when not recorded
        self.previous_history = previous_history  # epochs already trained, when continuing
        self.result: RunResult | None = None
        self._listeners: list[Listener] = list(listeners)
        self._lock = threading.Lock()
        self.on_problem = on_problem or (lambda message: None)
        self.problem = problem                    # why the run is not being recorded, if so
        self.recorder: RunRecorder | None = None
        if record is not None:
            self.recorder = RunRecorder(record.path, trainer, dataset, best_params=best_params,
                                        model_interval=save_every, on_problem=self._recording_failed,
                                        epoch_budget_mb=epoch_budget_mb)
        trainer.on_event = self._dispatch

    # ---------------------------------------------------------------- build
    @classmethod
    def new(cls, config: TrainConfig, dataset: Dataset | None = None, *,
            store: RunStore | None = None, record: bool = True, name: str | None = None,
            sweep: dict | None = None, continue_from: RunResult | None = None, replay: list[dict] | None = None,
            listeners: Iterable[Listener] = (), on_problem: Callable[[str], None] | None = None,
            load_dataset: Callable[[str], Dataset] = _load_by_name, save_every: float = 30.0,
            blas_threads: int | None = 1, progress_interval: float = 0.1,
            measure_health: bool = True, epoch_budget_mb: float = DEFAULT_BUDGET_MB) -> "Runner":
        """A new run of ``config`` on ``dataset`` (loaded by ``config.dataset`` when not
        given), recorded in ``store`` unless ``record`` is False, its weights saved every
        ``save_every`` seconds and at the end. If the runs directory
        refuses the new folder, the run trains unsaved and ``problem`` says why (check it
        after building: ``on_problem`` hears only of failures while training).

        ``continue_from`` (a result in memory) trains ``config.epochs`` more epochs on from
        it, exactly as one longer run would (benchmarks interleave contenders this way).
        ``sweep`` ({"name", "trial"}) records the run as a trial of a sweep.
        ``replay`` (another run's ``RunRecord.changes()``) makes its live changes again, each
        at the step it was made, so this run retraces that one. ``measure_health`` False
        leaves layer health out (only to time what it costs). ``epoch_budget_mb`` is the disk
        its per-epoch checkpoints (to branch from) may take; 0 keeps none."""
        carried = {} if continue_from is None else dict(
            network=continue_from.network, history=continue_from.history,
            resume_state=continue_from.resume_state)
        try:
            if dataset is None:
                dataset = load_dataset(config.dataset)
            trainer = Trainer(config, dataset, blas_threads=blas_threads, replay=replay, health=measure_health,
                              progress_interval=progress_interval, **carried)
        except (ConfigError, DatasetError) as exc:
            raise RunSetupError(str(exc)) from None
        run_record, problem = None, ""
        if record and store is not None:
            try:
                run_record = RunRecord(store.create(config, dataset_identity(dataset), name=name,
                                                    sweep=sweep))
            except (OSError, RunStoreError) as exc:
                problem = (f"the run is not being saved: cannot create a run folder in {store.root} "
                           f"({getattr(exc, 'strerror', None) or exc})")
        lock = None if run_record is None else store.claim(run_record.path)
        return cls(trainer, dataset, record=run_record, store=store, previous_history=None,
                   problem=problem, on_problem=on_problem, save_every=save_every, lock=lock,
                   listeners=listeners, epoch_budget_mb=epoch_budget_mb)

    @classmethod
    def resuming(cls, store: RunStore, run: str | Path | RunRecord, *, epochs: int | None = None,
                 dataset: Dataset | None = None, listeners: Iterable[Listener] = (),
                 on_problem: Callable[[str], None] | None = None,
                 load_dataset: Callable[[str], Dataset] = _load_by_name, save_every: float = 30.0,
                 blas_threads: int | None = 1, progress_interval: float = 0.1,
                 epoch_budget_mb: float = DEFAULT_BUDGET_MB) -> "Runner":
        """Continue the recorded ``run`` (an id, unique prefix, folder or RunRecord) in its
        own folder for ``epochs`` more epochs (default: the epochs it still had to go, or
        its own epoch count again once it had finished them). It draws exactly what one
        longer run would have drawn (for a constant learning rate). Refused while another
        process (or another Runner) trains it; leftovers of a killed writer are removed."""
        lock = None
        try:
            record = run if isinstance(run, RunRecord) else store.open(run)
            lock = RunLock.take(record.path)
            record.remove_leftovers()
            point = record.resume_point()
            done = len(point.history)
            more = epochs if epochs is not None else default_more_epochs(point.planned_epochs, done,
                                                                         point.config.epochs)
            config = point.config.with_changes(epochs=more)
            if dataset is None:
                dataset = load_dataset(config.dataset)
            trainer = Trainer(config, dataset, network=point.network, history=point.history,
                              resume_state=point.resume_state, replay=record.changes(),
                              blas_threads=blas_threads,
                              progress_interval=progress_interval)
        except (ConfigError, DatasetError, RunStoreError, ModelFileError, OSError) as exc:
            if lock is not None:
                lock.release()
            if isinstance(exc, OSError) and not isinstance(exc, RunStoreError):
                raise RunSetupError(f"cannot read the run: {exc.strerror or exc}") from None
            raise RunSetupError(str(exc)) from None
        return cls(trainer, dataset, record=record, store=store, previous_history=point.history,
                   best_params=point.best_params, on_problem=on_problem, save_every=save_every, lock=lock,
                   listeners=listeners, epoch_budget_mb=epoch_budget_mb)

    @classmethod
    def branching(cls, store: RunStore, run: str | Path | RunRecord, epoch: int, changes: dict | None = None, *,
                  name: str | None = None, dataset: Dataset | None = None, replay: list[dict] | None = None,
                  listeners: Iterable[Listener] = (),
                  on_problem: Callable[[str], None] | None = None,
                  load_dataset: Callable[[str], Dataset] = _load_by_name, save_every: float = 30.0,
                  blas_threads: int | None = 1, progress_interval: float = 0.1,
                  epoch_budget_mb: float = DEFAULT_BUDGET_MB) -> "Runner":
        """A new run that continues the recorded ``run`` from the end of ``epoch`` with
        ``changes`` ({field: text or value}, the fields ``training.live.BRANCH_FIELDS``
        names; ``epochs`` is how many more to train, by default the epochs the run still had
        to go after ``epoch``, or its own count again). Its folder starts with the run's
        history up to ``epoch`` and names the branch point, so the runs screen and compare
        show where it left the run. With no changes and the default epochs it retraces the run
        exactly (a cosine schedule runs to epoch + epochs). The parent is only read.
        ``replay``: changes to make again at their steps (another branch's, to retrace it)."""
        try:
            parent = run if isinstance(run, RunRecord) else store.open(run)
            point = parent.branch_point(epoch)
            config = branch_config(parent, epoch, changes)
            if dataset is None:
                dataset = load_dataset(config.dataset)
            trainer = Trainer(config, dataset, network=point.network, history=point.history,
                              resume_state=point.resume_state, replay=replay, blas_threads=blas_threads,
                              progress_interval=progress_interval)
            meta = parent.meta()
            branch = {"path": str(parent.path), "run": parent.run_id, "name": str(meta.get("name", parent.run_id)),
                      "epoch": epoch}
            path = store.create(config.with_changes(epochs=epoch + config.epochs), dataset_identity(dataset),
                                name=name, branch=branch)
        except (ConfigError, DatasetError, RunStoreError, ModelFileError, OSError) as exc:
            if isinstance(exc, OSError) and not isinstance(exc, RunStoreError):
                raise RunSetupError(f"cannot branch the run: {exc.strerror or exc}") from None
            raise RunSetupError(str(exc)) from None
        return cls(trainer, dataset, record=RunRecord(path), store=store, previous_history=point.history,
                   on_problem=on_problem, save_every=save_every, lock=store.claim(path),
                   listeners=listeners, epoch_budget_mb=epoch_budget_mb)

    # ---------------------------------------------------------------- events
    @staticmethod
    def retracing(record: RunRecord) -> dict | None:
        """For a branch, how ``branching`` makes it again: {"path", "epoch", "changes",
        "replay"} (its parent, the epoch, its settings, its live changes); None for a run that
        is not a branch. Raises RunStoreError when its parent is gone or unreadable."""
        from ..training.fields import FIELDS
        from ..training.live import BRANCH_FIELDS

        branch = record.meta().get("branch")
        if not isinstance(branch, dict):
            return None
        epoch = branch.get("epoch")
        parent = record.path.parent / str(branch.get("run", ""))
        if not isinstance(epoch, int) or not (parent / "config.json").is_file():
            raise RunStoreError(f"{record.run_id} branched from {branch.get('run')}, which is no longer "
                                f"in {record.path.parent}")
        config = record.config()
        changes = {name: FIELDS[name].text_of(config) for name in BRANCH_FIELDS if name != "epochs"}
        changes["epochs"] = str(config.epochs - epoch)
        return {"path": parent, "epoch": epoch, "changes": changes, "replay": record.changes()}

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` with every trainer event, in the training thread,
        after the run folder has recorded it."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

    def _dispatch(self, event: Event) -> None:
        if self.recorder is not None:
            self.recorder(event)   # on disk before anyone is told
        for listener in self._listeners:
            try:
                listener(event)
            except Exception as exc:   # a broken display must not end the training it shows
                with self._lock:
                    self._listeners = [other for other in self._listeners if other is not listener]
                self.on_problem(f"stopped telling {getattr(listener, '__qualname__', listener)} about the "
                                f"run: it failed with {exc.__class__.__name__}: {exc}")

    def _recording_failed(self, message: str) -> None:
        self.problem = message
        self.on_problem(message)

    # --------------------------------------------------------------- control
    def run(self) -> RunResult:
        """Train in the calling thread until finished, stopped, diverged or failed; then
        let go of the run (another process may continue it)."""
        try:
            self.result = self.trainer.run()
        finally:
            self.close()
        return self.result

    def close(self) -> None:
        """Let go of the run folder without (more) training: release its lock."""
        if self._run_lock is not None:
            self._run_lock.release()
            self._run_lock = None

    def change(self, **changes) -> dict:
        """Change live settings of the run (lr, lr_schedule, momentum, beta1, beta2, l2,
        dropout; text as typed or values) from any thread: they take effect before the next
        batch and are recorded (step, old and new value) in the run's changes.json.
        Returns the config values that will change; a refused value raises ConfigError."""
        return self.trainer.change(**changes)

    def pause(self) -> None:
        self.trainer.pause()

    def resume(self) -> None:
        self.trainer.resume()

    def stop(self) -> None:
        self.trainer.stop()

    @property
    def paused(self) -> bool:
        return self.trainer.paused

    @property
    def stopping(self) -> bool:
        return self.trainer.stop_requested

    # ----------------------------------------------------------------- facts
    @property
    def config(self) -> TrainConfig:
        return self.trainer.config

    @property
    def network(self):
        return self.trainer.network

    @property
    def path(self) -> Path | None:
        return None if self.record is None else self.record.path

    @property
    def recording(self) -> bool:
        """The run folder is being written (it exists and no write has failed)."""
        return self.recorder is not None and self.recorder.saving
