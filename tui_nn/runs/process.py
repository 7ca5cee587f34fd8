"""A run trained in a child process, behind the Runner's interface: the dashboard's way to run.

    runner = RunProcess.new(config, dataset, store=RunStore(root))    # returns at once
    runner = RunProcess.resuming(store, "20261201-0930", epochs=5, dataset=dataset)
    runner.add_listener(show)       # each trainer event, in the thread that calls run()
    result = runner.run()           # starts the child, relays its events, returns its RunResult
    runner.pause(); runner.change(lr=0.01); runner.stop()     # from any thread, before run() too

Why a process: trained in a thread of the dashboard, the run shares the dashboard's GIL and
its second core with the event loop (benchmarks/training_gil.py measures what that costs).

The child is spawned with BLAS pinned to one thread (spawning.py) and does nothing of its
own: it builds ``Runner.new`` or ``Runner.resuming`` (the run core, the one code path) and
runs it, so it is the run folder's one writer and holds its lock. Nothing of the child's
state is shared: the dataset the dashboard loaded goes to it as .npy files in a temporary
folder (memory-mapped there: whatever its source, a CSV that took a minute to parse is not
parsed again), the config and the commands as plain data over one pipe. Back over the pipe
come, in order:

    ("ready", {path, problem, config, previous})   the run is built (or ("refused", reason))
    ("event", event)                               every trainer event: the plain frozen
                                                   dataclasses of training/events.py
    ("problem", text)                              recording failed, a change was refused
    ("result", {...})                              the RunResult's data, the trained weights once

Pause, resume, stop and change go to the child, which acts before its next batch and confirms
with the trainer's own event (Paused, Resumed, SettingChanged, Stopped). A refusal to start
(another process trains the run, it can't be read) is raised by ``run()`` as RunSetupError.
If the child dies (killed, out of memory) the pipe closes: ``run()`` reports a ``Failed``
event that says how it died, and returns. If the dashboard dies, the child sees its pipe
close and stops its run, keeping the weights and history, as a stop would.
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..spawning import last_line, redirect_output, start_pinned
from ..training.config import TrainConfig
from ..training.events import EpochEnded, Event, Failed, RunStarted, SettingChanged
from ..training.live import parse_changes
from ..training.status import RunStatus
from .runner import Listener, RunSetupError
from .store import RunRecord, RunStore, RunStoreError

if TYPE_CHECKING:
    import pandas as pd

    from ..datasets.dataset import Dataset
    from ..training.trainer import RunResult

_ARRAYS = ("x_train", "y_train", "x_test", "y_test")
CHILD_NICENESS = 10   # added to the child's niceness (the UI's process keeps its own)


class RunProcess:
    """One run trained in a child process (see the module docstring). Build it with
    ``RunProcess.new`` or ``RunProcess.resuming``; nothing starts until ``run()``."""

    def __init__(self, task: dict, config: TrainConfig, dataset: Dataset, *,
                 on_problem: Callable[[str], None] | None = None, listeners: Iterable[Listener] = ()):
        self._task = task
        self.config = config               # as the run has it now (live changes included)
        self.dataset = dataset
        self.on_problem = on_problem or (lambda message: None)
        self.problem = ""                  # why the run is not being recorded, if so
        self.path: Path | None = None      # the run folder, once the child has built the run
        self.previous_rows: list[dict] | None = None   # epochs already trained, when continuing
        self.result: RunResult | None = None
        self.pid: int | None = None
        self._listeners: list[Listener] = list(listeners)
        self._lock = threading.Lock()      # listeners, the pipe, the commands not yet sent
        self._conn = None
        self._process = None
        self._unsent: list[tuple] = []     # commands given before the child was started
        self._paused = self._stopping = False
        self._asked: dict = {}             # live changes sent, not yet confirmed by the child
        self._rows: list[dict] = []        # the history, from the EpochEnded events relayed
        self._elapsed = 0.0
        self._folder: str | None = None    # the temporary folder: dataset files, the child's log

    # ---------------------------------------------------------------- build
    @classmethod
    def new(cls, config: TrainConfig, dataset: Dataset, *, store: RunStore | None = None,
            record: bool = True, name: str | None = None, on_problem: Callable[[str], None] | None = None,
            progress_interval: float = 0.1, listeners: Iterable[Listener] = ()) -> RunProcess:
        """A new run of ``config`` on ``dataset``, as ``Runner.new`` makes it (recorded in
        ``store`` unless ``record`` is False; a store that refuses leaves it unrecorded,
        and ``problem`` says why once the child has tried)."""
        task = {"kind": "new", "config": config.to_dict(), "record": bool(record and store is not None),
                "runs_dir": None if store is None else str(store.root), "name": name,
                "progress_interval": progress_interval}
        return cls(task, config, dataset, on_problem=on_problem, listeners=listeners)

    @classmethod
    def resuming(cls, store: RunStore, run: str | Path | RunRecord, *, epochs: int | None = None,
                 dataset: Dataset, on_problem: Callable[[str], None] | None = None,
                 progress_interval: float = 0.1, listeners: Iterable[Listener] = ()) -> RunProcess:
        """Continue the recorded ``run`` for ``epochs`` more, as ``Runner.resuming`` does (in
        the child, which takes the run's lock). A run whose config can't be read is refused
        here, at once; one that can't be continued, when the child tries (``run()`` raises)."""
        try:
            record = run if isinstance(run, RunRecord) else store.open(run)
            config = record.config()
        except (RunStoreError, OSError) as exc:
            raise RunSetupError(str(exc)) from None
        if epochs is not None:
            config = config.with_changes(epochs=epochs)
        task = {"kind": "resume", "runs_dir": str(store.root), "run": str(record.path), "epochs": epochs,
                "progress_interval": progress_interval}
        return cls(task, config, dataset, on_problem=on_problem, listeners=listeners)

    @classmethod
    def branching(cls, store: RunStore, run: str | Path | RunRecord, epoch: int, changes: dict | None = None, *,
                  dataset: Dataset, replay: list[dict] | None = None,
                  on_problem: Callable[[str], None] | None = None, progress_interval: float = 0.1,
                  listeners: Iterable[Listener] = ()) -> RunProcess:
        """A new run from the end of ``epoch`` of the recorded ``run``, as ``Runner.branching``
        makes it (in the child). Settings that can't be branched, or an epoch not kept, are
        refused here, at once."""
        from ..training.config import ConfigError
        from .runner import branch_config

        try:
            record = run if isinstance(run, RunRecord) else store.open(run)
            record.branch_generation(epoch)     # refused at once, naming the epochs kept
            config = branch_config(record, epoch, changes)
        except (RunStoreError, ConfigError, OSError) as exc:
            raise RunSetupError(str(exc)) from None
        task = {"kind": "branch", "runs_dir": str(store.root), "run": str(record.path), "epoch": epoch,
                "changes": dict(changes or {}), "replay": list(replay or []),
                "progress_interval": progress_interval}
        return cls(task, config, dataset, on_problem=on_problem, listeners=listeners)

    # ---------------------------------------------------------------- events
    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` with every trainer event, in the thread running ``run()``,
        after the child has recorded it."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

    def _dispatch(self, event: Event) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception as exc:   # noqa: BLE001 - a broken display must not end the training it shows
                with self._lock:
                    self._listeners = [other for other in self._listeners if other is not listener]
                self.on_problem(f"stopped telling {getattr(listener, '__qualname__', listener)} about the "
                                f"run: it failed with {exc.__class__.__name__}: {exc}")

    # --------------------------------------------------------------- control
    def _command(self, *command) -> None:
        with self._lock:
            if self._conn is None:
                self._unsent.append(command)
                return
            try:
                self._conn.send(command)
            except (OSError, EOFError):
                pass   # the child is gone: run() says so

    def pause(self) -> None:
        self._paused = True
        self._command("pause")

    def resume(self) -> None:
        self._paused = False
        self._command("resume")

    def stop(self) -> None:
        self._stopping = True
        self._command("stop")

    def change(self, **changes) -> dict:
        """Change live settings (as ``Runner.change``): checked here, at once, by the
        trainer's own rules (a refused value raises ConfigError), then made by the child
        before its next batch and recorded there. Returns the values that will change."""
        with self._lock:
            upcoming = self.config.with_changes(**self._asked)
            values = parse_changes(upcoming, changes)
            self._asked.update(values)
        self._command("change", values)
        return values

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def network(self):
        """The trained network, once the run has ended (None before, or if the child died)."""
        return None if self.result is None else self.result.network

    @property
    def previous_history(self) -> pd.DataFrame | None:
        if self.previous_rows is None:
            return None
        return _history(self.previous_rows)

    @property
    def recording(self) -> bool:
        return self.path is not None and not self.problem

    # ------------------------------------------------------------------- run
    def run(self) -> RunResult:
        """Start the child and relay its events until the run ends (or the child dies);
        returns the run's result. Raises RunSetupError if the child could not build the run."""
        try:
            self._start()
            return self._relay()
        finally:
            self.close()

    def _start(self) -> None:
        import multiprocessing as mp

        import numpy as np

        self._folder = tempfile.mkdtemp(prefix="scratchnet-run-")
        data = self.dataset
        for name in _ARRAYS:
            np.save(os.path.join(self._folder, f"{name}.npy"), np.ascontiguousarray(getattr(data, name)))
        self._task["dataset"] = {"folder": self._folder, "name": data.name, "source": data.source,
                                 "class_names": list(data.class_names)}
        context = mp.get_context("spawn")
        parent, child = context.Pipe()
        log = os.path.join(self._folder, "child.log")
        # not a daemon: at exit the dashboard waits for the run to save its weights
        process = context.Process(target=_child_main, args=(child, self._task, log), name="training-run")
        start_pinned(process)
        child.close()   # ours closed, the child's end is the child's alone: its death is an EOF here
        with self._lock:
            self._process, self.pid = process, process.pid
            for command in self._unsent:
                parent.send(command)
            self._unsent = []
            self._conn = parent

    def _relay(self) -> RunResult:
        while True:
            try:
                kind, body = self._conn.recv()
            except (EOFError, OSError, pickle.UnpicklingError):   # killed, perhaps mid-message
                return self._died()
            if kind == "event":
                self._seen(body)
                self._dispatch(body)
            elif kind == "ready":
                self.path = None if body["path"] is None else Path(body["path"])
                self.config = TrainConfig.from_dict(body["config"])
                self.previous_rows = body["previous"]
                if body["problem"]:
                    self.problem = body["problem"]
                    self.on_problem(body["problem"])
            elif kind == "problem":
                if body["recording"]:
                    self.problem = body["text"]
                self.on_problem(body["text"])
            elif kind == "refused":
                raise RunSetupError(body)
            elif kind == "result":
                self.result = self._result(body)
                return self.result

    def _seen(self, event: Event) -> None:
        """Keep what the parent side must know without asking the child."""
        if isinstance(event, RunStarted):
            self._rows = list(self.previous_rows or [])
        elif isinstance(event, EpochEnded):
            self._rows.append(event.row())
            self._elapsed = event.elapsed
        elif isinstance(event, SettingChanged):
            with self._lock:
                self.config = self.config.with_changes(**{event.setting: event.new})
                if self._asked.get(event.setting) == event.new:
                    del self._asked[event.setting]

    def _result(self, body: dict) -> RunResult:
        import numpy as np

        from ..nn.network import Architecture, Network
        from ..training.trainer import RunResult

        network = None
        if body["network"] is not None:
            arch, dtype, params = body["network"]
            network = Network(Architecture.from_dict(arch), dtype=np.dtype(dtype))
            network.params[...] = params
        # resume_state is left out: the dashboard continues a run from its folder, not from memory
        return RunResult(RunStatus(body["status"]), TrainConfig.from_dict(body["config"]), network, body["history"],
                         body["end"], body["best_params"], body["best_val_acc"])

    def _died(self) -> RunResult:
        """The pipe closed before the result: the child died. Say how, as a Failed event."""
        process = self._process
        process.join(5)
        code = process.exitcode
        if code is None:
            how = "stopped answering"
        elif code < 0:
            try:
                how = f"was killed by signal {-code} ({signal.Signals(-code).name})"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            how = f"exited with status {code}"
        said = last_line(None if self._folder is None else os.path.join(self._folder, "child.log"))
        saved = (" The run folder keeps what was saved before (see the runs list, F2)."
                 if self.path is not None else "")
        end = Failed(epochs_completed=len(self._rows), elapsed=self._elapsed,
                     message=f"the training process (pid {self.pid}) {how} before the run ended.{saved}",
                     details=f"its last words: {said}" if said else "")
        self._dispatch(end)
        from ..training.trainer import RunResult
        self.result = RunResult(RunStatus.FAILED, self.config, None, list(self._rows), end)
        return self.result

    def close(self, timeout: float = 30.0) -> None:
        """Wait (up to ``timeout``) for the child to end, then end it; remove the temporary
        folder. Called by ``run()``; call it at exit if ``run()`` may still be relaying."""
        process = self._process
        if process is not None:
            process.join(timeout)
            if process.is_alive():
                process.kill()
                process.join(5)
        with self._lock:
            if self._conn is not None:
                self._conn.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


def _history(rows: list[dict]):
    from ..training.trainer import history_table
    return history_table(rows)


# ------------------------------------------------------------------ the child
def _child_main(conn, task: dict, log_path: str) -> None:
    """The child: build the run with the run core, train it, report everything over ``conn``."""
    redirect_output(log_path)
    # Training is background work: when the CPUs are short, the dashboard's UI comes first (in a
    # thread it got that from the GIL, which favours a pure-Python thread over NumPy's; measured in
    # the README). An idle core still trains at full speed: niceness only orders who waits.
    try:
        os.nice(CHILD_NICENESS)
    except OSError:
        pass   # not permitted here: train at our own priority
    from ..datasets.dataset import Dataset
    from ..training.config import ConfigError
    from .runner import Runner

    lock = threading.Lock()

    def send(kind: str, body) -> bool:
        with lock:
            try:
                conn.send((kind, body))
                return True
            except (OSError, EOFError, BrokenPipeError):   # the dashboard is gone
                return False

    spec = task["dataset"]
    arrays = {name: _load(os.path.join(spec["folder"], f"{name}.npy")) for name in _ARRAYS}
    dataset = Dataset(spec["name"], class_names=tuple(spec["class_names"]), source=spec["source"], **arrays)
    store = None if task["runs_dir"] is None else RunStore(task["runs_dir"])
    built: dict = {}

    def problem(text: str) -> None:
        # the run core says a recording failure through this too, after setting runner.problem
        runner = built.get("runner")
        send("problem", {"text": text, "recording": runner is not None and runner.problem == text})
    try:
        if task["kind"] == "resume":
            runner = Runner.resuming(store, task["run"], epochs=task["epochs"], dataset=dataset,
                                     on_problem=problem, progress_interval=task["progress_interval"])
        elif task["kind"] == "branch":
            runner = Runner.branching(store, task["run"], task["epoch"], task["changes"], dataset=dataset,
                                      replay=task["replay"], on_problem=problem,
                                      progress_interval=task["progress_interval"])
        else:
            runner = Runner.new(TrainConfig.from_dict(task["config"]), dataset, store=store,
                                record=task["record"], name=task["name"], on_problem=problem,
                                progress_interval=task["progress_interval"])
    except RunSetupError as exc:
        send("refused", str(exc))
        return
    built["runner"] = runner
    previous = runner.previous_history
    send("ready", {"path": None if runner.path is None else str(runner.path), "problem": runner.problem,
                   "config": runner.config.to_dict(),
                   "previous": None if previous is None else previous.to_dict("records")})

    def relay(event) -> None:
        if not send("event", event):
            runner.stop()   # nobody is watching: stop, keeping the weights and history

    runner.add_listener(relay)

    def obey() -> None:
        while True:
            try:
                command, *args = conn.recv()
            except (EOFError, OSError):   # the dashboard is gone: stop, as its own exit would
                runner.stop()
                return
            if command == "pause":
                runner.pause()
            elif command == "resume":
                runner.resume()
            elif command == "stop":
                runner.stop()
            elif command == "change":
                try:
                    runner.change(**args[0])
                except ConfigError as exc:   # checked by the parent already; the config moved on
                    send("problem", {"text": f"the change was not made: {exc}", "recording": False})

    threading.Thread(target=obey, daemon=True, name="commands").start()
    result = runner.run()
    network = result.network
    send("result", {
        "status": str(result.status), "config": result.config.to_dict(),
        "history": result.history_rows, "end": result.end,
        "network": None if network is None else (network.arch.to_dict(), network.dtype.str, network.params),
        "best_params": result.best_params, "best_val_acc": result.best_val_acc})


def _load(path: str):
    """A dataset array, memory-mapped (NumPy can't map an empty one)."""
    import numpy as np
    try:
        return np.load(path, mmap_mode="r")
    except ValueError:
        return np.load(path)
