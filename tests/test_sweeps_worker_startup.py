"""A local sweep worker pays only for what a trial needs: it never imports Dask or Optuna
(the owner's), nor pandas (the sample comes from its cache file, which the owner writes
while the fork server starts; a run's history table is built only when read), it loads the
dataset once for all its trials, and it leaves at once when the
owner closes it. Checked on real worker processes through the sweep's phase trace."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from tui_nn.sweeps import SearchSpace, Sweep, SweepSpec
from tui_nn.sweeps.workers import TRACE_ENV, LocalWorkers
from tui_nn.training.config import TrainConfig

TINY = TrainConfig(hidden=(16,), epochs=1, seed=3)


def read_trace(path):
    events = []
    for line in path.read_text().splitlines():
        at, pid, phase, *detail = line.split(" ", 3)
        events.append((float(at), int(pid), phase, detail[0] if detail else ""))
    return events


def test_a_local_worker_loads_no_dask_optuna_nor_pandas_and_its_dataset_once(tmp_path, monkeypatch):
    trace = tmp_path / "trace.log"
    monkeypatch.setenv(TRACE_ENV, str(trace))
    sweep = Sweep.new(SweepSpec("lean", TINY, SearchSpace.parse(["lr=log:1e-3:1e-2"]), trials=3, sampler="random"),
                      tmp_path)
    result = sweep.run(workers=1)
    assert result.counts == {"complete": 3}

    events = read_trace(trace)
    workers = {pid for _, pid, phase, _ in events if phase == "worker-main"}
    assert len(workers) == 1
    phases = [(phase, detail) for _, pid, phase, detail in events if pid in workers]
    [(_, loaded)] = [p for p in phases if p[0] == "worker-quit"]
    assert "numpy" in loaded.split(",")                      # it trained
    assert not {"distributed", "optuna", "textual", "pandas"} & set(loaded.split(","))
    # the dataset is preloaded once, then the three trials run on it
    assert [p for p, _ in phases].count("worker-preloaded") == 1
    assert [detail for phase, detail in phases if phase == "task"] == ["0", "1", "2"]
    # the owner's phases are traced too, in order
    owner = [phase for _, pid, phase, _ in events if pid not in workers]
    assert owner.index("run") < owner.index("backend-ready") < owner.index("study-ready") < owner.index("submit")
    # this test's data directory is new: the owner parsed the sample and cached it for the worker
    assert [detail for _, pid, phase, detail in events if phase == "warm-cache"] == ["parsed"]
    assert owner.index("close") < owner.index("closed") < owner.index("run-end")


@pytest.mark.parametrize("start_method", [
    pytest.param("forkserver", marks=pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(),
                                                        reason="no fork server on this platform")),
    "spawn",                                   # where there is no fork server
])
def test_a_closed_worker_exits_cleanly_with_its_log_written(tmp_path, start_method):
    log = tmp_path / "workers.log"
    workers = LocalWorkers(2, preload=("mnist-sample", None), log_path=log, start_method=start_method)
    config = TINY.to_dict()
    for trial in (0, 1):
        workers.submit({"trial": trial, "sweep": "s", "config": config, "runs_dir": str(tmp_path),
                        "run_name": f"s #{trial}"})
    processes = [w["process"] for w in workers._workers]
    deadline, ended = time.monotonic() + 120, set()
    while ended != {0, 1}:
        assert time.monotonic() < deadline
        ended |= {m["trial"] for m in workers.poll(0.2) if m["kind"] == "ended" and m["status"] == "finished"}
    workers.close(timeout=30)
    assert [p.exitcode for p in processes] == [0, 0]          # left on its own, not killed
    assert log.exists()
    assert workers._mp.get_start_method() == start_method
