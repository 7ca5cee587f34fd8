"""Where a sweep's trials train: worker processes on this machine, or a Dask cluster.

Both backends run the same ``run_trial`` (one ordinary recorded run through the run core)
and give the sweep owner the same interface:

    backend.free()               how many more trials it can take now
    backend.submit(task)         start a trial (a plain dict: config, runs dir, dataset name)
    backend.stop_trial(number)   stop that trial's training within one batch
    backend.poll(timeout)        the messages since the last poll (plain dicts, see below)
    backend.close()

Messages: ``started`` (trial, run_id, worker), ``epoch`` (trial, epoch, epochs, val_acc,
val_loss, ...), ``ended`` (trial, status, epochs, best_val_acc, best_val_loss, test_acc,
message) and ``lost`` (trial, worker, reason): the process or Dask worker running it died.

``LocalWorkers`` keeps long-lived processes, each with BLAS pinned to one thread before
NumPy loads: two workers with two BLAS threads each on two cores are 10x slower than with
one (perf-notes). They are never forked from the owner (whose threads, the dashboard's, a
fork would copy mid-flight): where the platform has it, from multiprocessing's fork server,
a fresh single-threaded interpreter started (BLAS pinned) at the first sweep, that has
imported what a trial needs once (``WORKER_PRELOAD``, 0.4-1 s) and stays for the owner's
later sweeps, so their workers start in the time their dataset takes to load; elsewhere
spawned, each a fresh interpreter. A worker takes the owner's environment as it is when the
worker starts (the fork server's is that of its own start). Each talks to the owner over its own pipe, so a worker
killed mid-message can corrupt nothing shared, and the owner sees a death at once (the
process's sentinel). A worker whose owner dies sees its pipe close and stops its trial.

``DaskWorkers`` submits each trial as a future. A running future can't be cancelled, so
the trial polls a ``distributed.Event`` (its stop flag) from a thread and stops its
trainer, which checks its own flag every batch; epoch messages come back over a
``distributed.Queue``. The Optuna storage stays with the owner.

This module imports neither NumPy nor Dask at the top: a spawned worker pins BLAS first.
"""

from __future__ import annotations

import os
import queue
import socket
import threading
import time
from typing import Any, Callable

from ..spawning import BLAS_ENV, blas_pinned, last_line, pin_blas_env, redirect_output, start_pinned

# Tests kill a worker mid-trial: with this set, each trial sleeps this long after each epoch.
SLOW_EPOCH_ENV = "SCRATCHNET_TEST_TRIAL_EPOCH_SLEEP"
# A file: the owner and its workers append "wall-time pid phase detail" lines to it, so the
# benchmark can say where a sweep's wall time goes (benchmarks/sweeps.py --only phases)
TRACE_ENV = "SCRATCHNET_SWEEP_TRACE"

Send = Callable[[dict], None]
# What every local worker imports before its first trial, loaded once in the fork server:
# the trial's code (NumPy with it; numpy.random, 30-70 ms, only loads when a trial starts).
# Not pandas (0.35 s): a trial needs it only to parse the embedded sample when its cache file
# is missing (tui_nn.datasets.embedded)
WORKER_PRELOAD = ("tui_nn.sweeps.workers", "tui_nn.runs", "threadpoolctl", "numpy.random")


def trace(phase: str, detail: object = "", at: float | None = None) -> None:
    """One line in the trace file when ``TRACE_ENV`` names one; otherwise nothing."""
    path = os.environ.get(TRACE_ENV)
    if not path:
        return
    line = f"{time.time() if at is None else at:.6f} {os.getpid()} {phase} {detail}\n".encode()
    try:   # one O_APPEND write per line: the processes' lines never interleave
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        pass


def _heavy_modules() -> str:
    """The costly packages this process has loaded (for the trace)."""
    import sys
    return ",".join(m for m in ("numpy", "pandas", "optuna", "distributed", "textual") if m in sys.modules) or "-"


def _exec_time() -> float | None:
    """When this process was started (Linux: /proc), as a wall-clock time; else None."""
    try:   # its start in clock ticks since boot (field 22), to within a tick (10 ms)
        with open("/proc/self/stat") as stat:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        since_start = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
        return time.time() - since_start
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def resolve_workers(value: str | int, *, dashboard_open: bool = False) -> int:
    """``--workers N|auto``: auto is one per CPU this process may use, less the one the
    dashboard's UI needs when it is open (at least one)."""
    if isinstance(value, int) or str(value).strip().lower() != "auto":
        number = int(value)
        if number < 1:
            raise ValueError(f"--workers must be >= 1 or auto, got {value}")
        return number
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cpus - (1 if dashboard_open else 0))


# ------------------------------------------------------------------ the trial
_datasets: dict = {}   # (name, data dir) -> Dataset: a worker loads its dataset once, not per trial


def _dataset(name: str, data_dir: str | None):
    from ..datasets import load_dataset
    key = (name, data_dir)
    if key not in _datasets:
        _datasets.clear()
        _datasets[key] = load_dataset(name, data_dir)
    return _datasets[key]


def warm_cache(preload: tuple | None) -> None:
    """Write the embedded sample's cache file if it is missing (``preload``: dataset name,
    data dir). Any problem is left for the workers' own load to report."""
    if preload is None:
        return
    try:
        from ..datasets.embedded import SAMPLE_NAME, ensure_sample_cache
        from ..datasets.registry import canonical_name
        if canonical_name(preload[0]) == SAMPLE_NAME:
            trace("warm-cache", ensure_sample_cache(preload[1]))
    except Exception:   # noqa: BLE001 - the trial that loads it will say why
        pass


def blas_threads() -> int | None:
    """The most threads any BLAS loaded in this process may use (None: none loaded)."""
    from threadpoolctl import threadpool_info
    counts = [pool["num_threads"] for pool in threadpool_info() if pool.get("user_api") == "blas"]
    return max(counts) if counts else None


def where() -> str:
    """This process, as ``host:pid`` (and the Dask worker's address when inside one)."""
    import sys
    here = f"{socket.gethostname()}:{os.getpid()}"
    # Only a Dask worker has distributed loaded; importing it to find out costs a local
    # worker 0.4-1 s on its first trial
    if "distributed" not in sys.modules:
        return here
    try:
        from distributed import get_worker
        return f"{get_worker().address} ({here})"
    except (ImportError, ValueError):
        return here


def run_trial(task: dict, send: Send, on_runner: Callable[[Any], None] = lambda runner: None) -> dict:
    """Train one trial as a recorded run and report it through ``send``; returns the
    ``ended`` message. ``task``: trial, sweep, config (a TrainConfig dict), runs_dir,
    data_dir, run_name. ``on_runner(runner)`` is called before training, so the caller
    can stop it. Nothing is raised: a trial that can't start ends "failed" with the reason."""
    from ..runs import Runner, RunSetupError, RunStore
    from ..training.config import ConfigError, TrainConfig
    from ..training.events import EpochEnded

    trial = task["trial"]
    slow = float(os.environ.get(SLOW_EPOCH_ENV) or 0)

    def listener(event):
        if isinstance(event, EpochEnded):
            send({"kind": "epoch", "trial": trial, "epoch": event.epoch, "epochs": event.epochs,
                  "val_acc": event.val_acc, "val_loss": event.val_loss, "train_loss": event.train_loss,
                  "train_acc": event.train_acc, "seconds": event.seconds})
            if slow:
                time.sleep(slow)

    try:
        config = TrainConfig.from_dict(task["config"])
        dataset = _dataset(config.dataset, task.get("data_dir"))
        # no per-epoch checkpoints: a sweep makes many runs (a trial's last epoch can still be
        # branched from, and a branch of it keeps its own)
        runner = Runner.new(config, dataset, store=RunStore(task["runs_dir"]), name=task.get("run_name"),
                            sweep={"name": task["sweep"], "trial": trial}, listeners=[listener],
                            epoch_budget_mb=0)
    except (ConfigError, RunSetupError, Exception) as exc:   # noqa: B014 - any setup failure ends the trial
        end = {"kind": "ended", "trial": trial, "status": "failed", "epochs": 0, "run_id": None,
               "message": str(exc) or exc.__class__.__name__}
        send(end)
        return end
    run_id = None if runner.path is None else runner.path.name
    trace("trial-setup", trial)
    send({"kind": "started", "trial": trial, "run_id": run_id, "worker": where(), "blas_threads": blas_threads()})
    on_runner(runner)
    result = runner.run()
    trace("trial-trained", trial)
    import math
    rows = result.history_rows   # plain rows: the table would import pandas (0.2-0.5 s) in each worker
    best_loss = min((float(r["val_loss"]) for r in rows if not math.isnan(r["val_loss"])), default=None)
    end = {"kind": "ended", "trial": trial, "status": str(result.status), "epochs": len(rows),
           "run_id": run_id, "best_val_acc": _finite(result.best_val_acc),
           "best_val_loss": _finite(best_loss), "test_acc": _finite(result.end.test_acc),
           "message": getattr(result.end, "message", "") or getattr(result.end, "hint", "")}
    send(end)
    trace("trial-ended", trial)
    return end


def _finite(value):
    import math
    return None if value is None or not math.isfinite(value) else float(value)


# ------------------------------------------------------------ local processes
def _worker_main(conn, preload: tuple | None = None, log_path: str | None = None, env: dict | None = None) -> None:
    """A worker process: trains the trials the owner sends, one at a time. ``preload``
    (dataset name, data dir) is loaded while the owner is still setting up. With
    ``log_path``, what it prints goes there: a worker started by the dashboard would
    otherwise write over the dashboard's screen (the terminal is its stderr too). ``env``:
    the owner's environment when it started this worker (a fork server's is older)."""
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    if log_path is not None:
        redirect_output(log_path)
    pin_blas_env()   # before anything imports NumPy (when spawned: a fresh interpreter)
    started = _exec_time()
    if started is not None:
        trace("worker-exec", at=started)
    trace("worker-main", _heavy_modules())
    current = {"runner": None, "trial": None}
    tasks: queue.Queue = queue.Queue()
    lock = threading.Lock()

    def read_commands():
        while True:
            try:
                command = conn.recv()
            except (EOFError, OSError):       # the owner is gone: stop training, leave
                command = ("quit",)
            if command[0] == "run":
                tasks.put(command[1])
                continue
            with lock:
                runner, trial = current["runner"], current["trial"]
            if runner is not None and (command[0] == "quit" or command[1] == trial):
                runner.stop()
            if command[0] == "quit":
                tasks.put(None)
                return

    def send(message):
        try:
            conn.send(message)
        except (OSError, EOFError):   # the owner is gone; the reader thread ends us
            pass

    def hold(runner, trial):
        with lock:
            current["runner"], current["trial"] = runner, trial

    threading.Thread(target=read_commands, daemon=True).start()
    if preload is not None:
        try:
            _dataset(*preload)
        except Exception:   # the trial that needs it will say why
            pass
        trace("worker-preloaded", _heavy_modules())
    while True:
        task = tasks.get()
        if task is None:
            break
        trace("task", task["trial"])
        run_trial(task, send, on_runner=lambda runner, trial=task["trial"]: hold(runner, trial))
        hold(None, None)   # its "ended" message tells the owner this worker is free
    trace("worker-quit", _heavy_modules())
    conn.close()
    # Every trial's files are written and closed by now: skip the interpreter's teardown
    # (0.2-0.4 s of freeing NumPy and pandas, which the owner's close() would wait for)
    import sys
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def start_fork_server() -> bool:
    """Start the workers' fork server if it isn't running (returns at once: a new server
    imports ``WORKER_PRELOAD`` while the caller goes on). The CLI's ``sweep`` calls it before
    its own imports, so that the server's overlap them. False where there is no fork server
    (the platform has none, or its socket is refused): workers are then spawned."""
    import multiprocessing as mp
    if "forkserver" not in mp.get_all_start_methods():
        return False
    from multiprocessing import forkserver
    # only read when the server starts; never '__main__': the owner's main module (the
    # dashboard) is no worker's business
    forkserver.set_forkserver_preload(list(WORKER_PRELOAD))
    try:
        with blas_pinned():
            forkserver.ensure_running()
    except OSError:
        return False
    trace("fork-server")
    return True


class LocalWorkers:
    """``n`` worker processes on this machine (see the module docstring)."""

    def __init__(self, n: int, preload: tuple | None = None, log_path: str | os.PathLike | None = None,
                 start_method: str | None = None):
        """``start_method``: "forkserver" (the default where the platform has it) or "spawn"."""
        import multiprocessing as mp
        self.n = n
        self._preload = preload
        self.log_path = None if log_path is None else str(log_path)   # the workers' stdout and stderr
        self._workers: list[dict] = []     # {process, conn, trial}
        self._starting: threading.Thread | None = None
        self._start_error: BaseException | None = None
        self._mp = mp.get_context("spawn")
        if (start_method or "forkserver") == "forkserver" and start_fork_server():
            self._mp = mp.get_context("forkserver")
        if self._mp.get_start_method() == "spawn":
            for _ in range(n):
                self._workers.append(self._start())
            return
        # A start waits until the server has forked (after its imports, the first time): in a
        # thread, so that the owner sets up its study meanwhile
        self._starting = threading.Thread(target=self._start_all, name="sweep-workers-start", daemon=True)
        self._starting.start()

    def _start_all(self) -> None:
        try:
            # While the fork server imports (its first start): the workers then read the
            # dataset's cache rather than each parsing it
            warm_cache(self._preload)
            for _ in range(self.n):
                self._workers.append(self._start())
        except BaseException as exc:   # noqa: BLE001 - raised again by the first call that needs the workers
            self._start_error = exc

    def _started(self) -> list[dict]:
        """The workers, once all are started."""
        if self._starting is not None:
            self._starting.join()
            self._starting = None
            if self._start_error is not None:
                raise self._start_error
        return self._workers

    def _start(self) -> dict:
        parent, child = self._mp.Pipe()
        env = {**os.environ, **{name: "1" for name in BLAS_ENV}}
        process = self._mp.Process(target=_worker_main, args=(child, self._preload, self.log_path, env),
                                   daemon=True, name="sweep-worker")
        trace("spawn")
        start_pinned(process)   # a spawned child's environment, or a restarted fork server's, is ours now
        trace("spawned", process.pid)
        child.close()
        return {"process": process, "conn": parent, "trial": None}

    @property
    def pids(self) -> list[int]:
        return [w["process"].pid for w in self._started()]

    def free(self) -> int:
        return sum(1 for w in self._started() if w["trial"] is None)

    def submit(self, task: dict) -> None:
        worker = next(w for w in self._started() if w["trial"] is None)
        worker["trial"] = task["trial"]
        worker["conn"].send(("run", task))

    def stop_trial(self, trial: int) -> None:
        for w in self._started():
            if w["trial"] == trial:
                try:
                    w["conn"].send(("stop", trial))
                except OSError:
                    pass

    def poll(self, timeout: float) -> list[dict]:
        from multiprocessing.connection import wait
        waitables = {}
        for w in self._started():
            waitables[w["conn"]] = w
            waitables[w["process"].sentinel] = w
        messages = []
        for ready in wait(list(waitables), timeout):
            w = waitables[ready]
            if ready is w["conn"]:
                messages.extend(self._drain(w))
        for i, w in enumerate(self._workers):
            if not w["process"].is_alive():
                messages.extend(self._drain(w))   # what it said before it died
                if w["trial"] is not None:
                    said = last_line(self.log_path)
                    messages.append({"kind": "lost", "trial": w["trial"], "worker": f"pid {w['process'].pid}",
                                     "reason": f"worker process {w['process'].pid} died "
                                               f"(exit status {w['process'].exitcode})"
                                               + (f"; its last words: {said}" if said else "")})
                w["conn"].close()
                self._workers[i] = self._start()
        return messages

    def _drain(self, w: dict) -> list[dict]:
        out = []
        try:
            while not w["conn"].closed and w["conn"].poll():
                message = w["conn"].recv()
                if message["kind"] == "ended" and message["trial"] == w["trial"]:
                    w["trial"] = None
                out.append(message)
        except (EOFError, OSError):
            pass
        return out

    def close(self, timeout: float = 10.0) -> None:
        trace("close")
        if self._starting is not None:
            self._starting.join()          # whatever it started is closed below
            self._starting = None
        for w in self._workers:
            try:
                w["conn"].send(("quit",))
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for w in self._workers:
            w["process"].join(max(0.0, deadline - time.monotonic()))
            if w["process"].is_alive():
                w["process"].kill()
                w["process"].join(1)
            w["conn"].close()
        trace("closed")


# ----------------------------------------------------------------------- Dask
CLUSTER_HINT = "pip install 'scratchnet-tui[cluster]'"


class ClusterError(Exception):
    """The cluster can't be used; the message is one line."""


def _dask_trial(task: dict, prefix: str) -> dict:
    """The Dask task: ``run_trial`` with a stop flag polled from a thread, epochs sent
    back over a distributed Queue."""
    pin_blas_env()
    from distributed import Event, Queue
    outbox = Queue(f"{prefix}-messages")
    stop_flag = Event(f"{prefix}-stop-{task['trial']}")
    # Dask runs a task again elsewhere when its worker dies; a trial must never run twice
    # (it would make a second run folder): the rerun reports the loss and the owner retries
    claimed = Event(f"{prefix}-claimed-{task['trial']}")
    if claimed.is_set():
        lost = {"kind": "lost", "trial": task["trial"], "worker": where(),
                "reason": "its Dask worker died while it ran"}
        outbox.put(lost)
        return lost
    claimed.set()
    done = threading.Event()

    def watch(runner):
        def poll():
            while not done.is_set():
                try:
                    if stop_flag.wait(timeout=0.25):
                        runner.stop()
                        return
                except Exception:   # the scheduler is gone: nobody will read us
                    runner.stop()
                    return
        threading.Thread(target=poll, daemon=True).start()

    try:
        return run_trial(task, outbox.put, on_runner=watch)
    finally:
        done.set()


class DaskWorkers:
    """Trials as futures on a Dask cluster: ``address`` is ``local`` (a LocalCluster of
    ``n`` single-threaded worker processes) or ``tcp://HOST:PORT`` (a running scheduler)."""

    def __init__(self, address: str, n: int, sweep: str):
        try:
            from distributed import Client, LocalCluster, Queue
        except ImportError:
            raise ClusterError(f"--cluster needs Dask: {CLUSTER_HINT}") from None
        self._cluster = None
        try:
            if address == "local":
                self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                             dashboard_address=None, env={k: "1" for k in BLAS_ENV})
                self.client = Client(self._cluster)
            else:
                self.client = Client(address, timeout=10)
        except (OSError, TimeoutError) as exc:
            if self._cluster is not None:
                self._cluster.close()
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.prefix = f"scratchnet-{sweep}-{os.getpid()}-{int(time.time())}"
        self._queue = Queue(f"{self.prefix}-messages", client=self.client)
        self._futures: dict[int, Any] = {}
        threads = sum(self.client.nthreads().values())
        self.n = max(1, threads if address != "local" else n)

    def free(self) -> int:
        return max(0, self.n - len(self._futures))

    def submit(self, task: dict) -> None:
        self._futures[task["trial"]] = self.client.submit(_dask_trial, task, self.prefix, pure=False,
                                                          key=f"{self.prefix}-trial-{task['trial']}")

    def stop_trial(self, trial: int) -> None:
        from distributed import Event
        Event(f"{self.prefix}-stop-{trial}", client=self.client).set()

    def poll(self, timeout: float) -> list[dict]:
        # everything queued, without waiting: a get that times out is logged as an error
        # by the scheduler, so wait here instead
        messages = list(self._queue.get(batch=True))
        if not messages:
            time.sleep(timeout)
        ended = {m["trial"] for m in messages if m["kind"] == "ended"}
        for trial in ended:
            self._futures.pop(trial, None)
        for trial, future in list(self._futures.items()):
            if future.status in ("error", "cancelled", "lost"):
                self._futures.pop(trial)
                try:
                    reason = repr(future.exception(timeout=1))
                except Exception as exc:
                    reason = repr(exc)
                messages.append({"kind": "lost", "trial": trial, "worker": "dask",
                                 "reason": f"the Dask task failed: {reason}"})
            elif future.status == "finished" and trial not in ended:
                # finished, but its last messages may still be on the way: next poll
                pass
        return messages

    def close(self, timeout: float = 10.0) -> None:
        # a task still running would train on after we leave: flag it to stop first
        for trial in list(self._futures):
            try:
                self.stop_trial(trial)
            except Exception:   # noqa: BLE001 - the scheduler may be gone already
                pass
        try:
            self.client.close(timeout=timeout)
        finally:
            if self._cluster is not None:
                self._cluster.close(timeout=timeout)
