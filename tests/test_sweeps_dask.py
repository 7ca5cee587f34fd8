"""The Dask path for real, on loopback: a ``dask scheduler`` and two single-threaded
``dask worker`` processes started here, a small sweep sent to them with ``--cluster``,
and each trial found to have run in one of those two worker processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

DASK = Path(sys.executable).with_name("dask")
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def loopback_cluster():
    """(address, worker pids): a scheduler and two workers, BLAS pinned, 1 thread each."""
    if not DASK.exists():
        pytest.skip(f"no dask command beside {sys.executable}")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    started = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                 "--no-dashboard"], **quiet)]
    try:
        # --no-nanny: the process we start is the worker itself, so its pid is the one a trial records
        workers = [subprocess.Popen([str(DASK), "worker", address, "--nthreads", "1", "--no-nanny",
                                     "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}"], **quiet)
                   for i in range(2)]
        started += workers
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=90)
        yield address, {w.pid for w in workers}
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_sweep_runs_its_trials_on_the_dask_workers(loopback_cluster, tmp_path):
    address, worker_pids = loopback_cluster
    proc = subprocess.run([sys.executable, "-m", "tui_nn", "sweep", "--hidden", "16", "--epochs", "2",
                           "--space", "lr=log:1e-3:1e-2", "--trials", "3", "--cluster", address, "--name", "d",
                           "--json", "--runs-dir", str(tmp_path)], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    *trials, summary = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [t["state"] for t in trials] == ["complete"] * 3 and summary["trials"] == 3
    rows = json.loads((tmp_path / "sweeps" / "d" / "summary.json").read_text())["trials"]
    # "tcp://127.0.0.1:PORT (host:pid)": the Dask worker's address and the process that trained it
    pids = {int(row["worker"].rsplit(":", 1)[1].rstrip(")")) for row in rows}
    assert all(row["worker"].startswith("tcp://127.0.0.1:") for row in rows)
    assert pids <= worker_pids and len(pids) == 2, (rows, worker_pids)


def test_without_dask_the_cluster_flag_says_how_to_get_it(tmp_path):
    # a Python that can't import distributed (a path entry that shadows it)
    shadow = tmp_path / "shadow" / "distributed"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('no dask here')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "shadow"), str(ROOT)])}
    proc = subprocess.run([sys.executable, "-m", "tui_nn", "sweep", "--space", "lr=log:1e-3:1e-2", "--trials", "1",
                           "--cluster", "local", "--runs-dir", str(tmp_path / "runs")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].endswith("pip install 'scratchnet-tui[cluster]'"), proc.stderr
