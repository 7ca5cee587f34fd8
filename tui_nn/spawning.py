"""Child processes that train: spawned (never forked), each with BLAS pinned to one thread.

Shared by the dashboard's run process (runs/process.py) and the sweep's worker processes
(sweeps/workers.py). Two processes with two BLAS threads each on two cores are 10x slower
than with one (perf-notes), and a child's NumPy reads its BLAS settings when it loads, so
they are set in the child's environment at spawn time, not inside it. NumPy-free, so a
child can import this before anything loads NumPy.
"""

from __future__ import annotations

import contextlib
import os

BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pin_blas_env(env: dict | None = None) -> dict:
    """``env`` (default: os.environ) with BLAS pinned to one thread."""
    env = os.environ if env is None else env
    for name in BLAS_ENV:
        env[name] = "1"
    return env


def start_pinned(process) -> None:
    """``process.start()`` (a spawn-context Process) with BLAS pinned to one thread in the
    child: the child's environment is ours at spawn time, so ours is pinned meanwhile."""
    start_resource_tracker()
    with blas_pinned():
        process.start()


@contextlib.contextmanager
def blas_pinned():
    """This process's environment with BLAS pinned, for the duration (a child started now
    inherits it); as it was afterwards."""
    saved = {name: os.environ.get(name) for name in BLAS_ENV}
    pin_blas_env()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (which every spawned child is handed) with a
    real stderr. Under Textual ``sys.stderr`` is a capture whose ``fileno()`` is -1, and
    spawning then fails with 'bad value(s) in fds_to_keep'. Idempotent."""
    from multiprocessing import resource_tracker

    with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
        resource_tracker.ensure_running()


def redirect_output(log_path: str | None) -> None:
    """In a child: send what it prints (fds 1 and 2) to ``log_path``, or nowhere. A child of
    the dashboard would otherwise write over its screen (the terminal is its stderr too)."""
    target = os.devnull if log_path is None else log_path
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    except OSError:
        pass   # an unwritable log must not stop the training


def last_line(path: str | None, limit: int = 4096) -> str:
    """The last non-empty line of a child's log (what a dying child said), or ''."""
    if path is None:
        return ""
    try:
        with open(path, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - limit))
            lines = [line.strip() for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1][:200] if lines else ""
