"""Sweeps through their Python API (what the dashboard uses): the search space and each of
its refusals, a real sweep in real worker processes on the embedded sample, pruning, and a
worker killed with SIGKILL mid-trial."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tui_nn.runs import RunRecord, RunStore
from tui_nn.sweeps import (
    SearchSpace, SpaceError, Sweep, SweepError, SweepSpec, TrialEnded, TrialEpoch, TrialStarted, list_sweeps,
)
from tui_nn.sweeps.workers import SLOW_EPOCH_ENV, resolve_workers
from tui_nn.training.config import TrainConfig

TINY = TrainConfig(hidden=(16,), epochs=2, seed=3)


# ------------------------------------------------------------------ the space
def test_each_kind_of_spec_parses_with_the_fields_own_parser():
    import optuna
    space = SearchSpace.parse(["lr=log:1e-4:1e-1", "hidden=choice:128|256,128|none", "batch-size=choice:32|64|full",
                               "epochs=int:1:3", "dropout=uniform:0:0.5", "l2=log:1e-5/n:1e-2/n"])
    trial = optuna.trial.FixedTrial({"lr": 0.01, "hidden": "256,128", "batch_size": "full", "epochs": 2,
                                     "dropout": 0.25, "l2": 1e-3})
    values = space.suggest(trial)
    assert values == {"lr": 0.01, "hidden": (256, 128), "batch_size": None, "epochs": 2, "dropout": 0.25,
                      "l2": (1e-3, True)}
    config = space.config_for(TINY, values)
    assert (config.hidden, config.batch_size, config.l2, config.l2_over_n) == ((256, 128), None, 1e-3, True)
    assert space.shown(values) == {"lr": 0.01, "hidden": "256,128", "batch_size": "full", "epochs": 2,
                                   "dropout": 0.25, "l2": "0.001/n"}
    # what sweep.json keeps parses back to the same space
    assert SearchSpace.parse(space.specs) == space


@pytest.mark.parametrize("item, reason", [
    ("lrr=log:1e-4:1e-1", "no training field 'lrr' (did you mean lr?)"),
    ("lr=log:0.1:0.01", "LOW must be below HIGH"),
    ("lr=uniform:0.1:0.1", "LOW must be below HIGH"),
    ("dropout=log:0:0.5", "a log scale needs LOW > 0"),
    ("lr=int:1:3", "lr is not a whole number"),
    ("epochs=uniform:1:5", "epochs is a whole number; use int:LOW:HIGH"),
    ("epochs=int:1:2.5", "epochs must be a whole number"),
    ("lr=log:0:1", "learning rate must be > 0"),
    ("hidden=int:1:3", "hidden takes no range"),
    ("activation=log:1:2", "activation takes no range"),
    ("batch_size=choice:32|0", "batch size must be >= 1 or 'full', got 0"),
    ("hidden=choice:128|12x", "'12x' is not a size"),
    ("hidden=choice:128|128", "128 is given twice"),
    ("optimizer=choice:adam|", "choice needs values separated by |"),
    ("lr=normal:1:2", "the kind must be one of log, uniform, int, choice"),
    ("lr=log:1", "log needs LOW:HIGH"),
    ("lr", "expected NAME=SPEC"),
    ("dataset=choice:mnist|kmnist", "a sweep searches one dataset"),
    ("l2=log:1e-5/n:1e-2", "both bounds with /n or neither"),
])
def test_a_bad_spec_is_refused_in_one_line(item, reason):
    with pytest.raises(SpaceError) as exc:
        SearchSpace.parse([item])
    assert reason in str(exc.value) and "\n" not in str(exc.value)


def test_a_field_twice_or_no_field_is_refused():
    with pytest.raises(SpaceError, match="lr is given twice"):
        SearchSpace.parse(["lr=log:1e-4:1e-1", "lr=choice:0.1|0.2"])
    with pytest.raises(SpaceError, match="at least one --space"):
        SearchSpace.parse([])


def test_grid_needs_choices_and_the_spec_is_checked_before_anything_is_made(tmp_path):
    space = SearchSpace.parse(["lr=log:1e-4:1e-1"])
    with pytest.raises(SweepError, match="--sampler grid needs choice.*lr=log:1e-4:1e-1 is a range"):
        Sweep.new(SweepSpec("g", TINY, space, trials=2, sampler="grid"), tmp_path)
    with pytest.raises(SweepError, match="--val-fraction must be > 0"):
        Sweep.new(SweepSpec("v", TINY.with_changes(val_fraction=0.0), space, trials=2), tmp_path)
    with pytest.raises(SweepError, match="--name"):
        Sweep.new(SweepSpec("../x", TINY, space, trials=2), tmp_path)
    assert not (tmp_path / "sweeps" / "g").exists() and list_sweeps(tmp_path) == []
    assert SearchSpace.parse(["lr=choice:0.1|0.01", "hidden=choice:8|16"]).grid_size() == 4


def test_importing_sweeps_loads_neither_optuna_nor_dask():
    # Optuna alone costs ~0.8 s: it must load when a sweep runs, never on the dashboard's start-up
    code = ("import sys, tui_nn.sweeps, tui_nn.cli.main; "
            "print(sorted(m for m in ('optuna', 'distributed', 'dask') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_workers_auto_is_one_per_cpu_less_the_dashboards():
    cpus = len(os.sched_getaffinity(0))
    assert resolve_workers("auto") == cpus
    assert resolve_workers("auto", dashboard_open=True) == max(1, cpus - 1)
    assert resolve_workers(3) == 3


# ------------------------------------------------------------- real sweeps
def test_a_sweep_trains_each_trial_as_a_recorded_run_and_prunes_the_bad_ones(tmp_path, monkeypatch):
    # lr 1e-6 learns nothing in 3 epochs: once two trials are in, the median pruner stops
    # such a trial after its first epoch; the grid runs every point, in a seeded order, one
    # at a time (so which trials have completed when another reports is known). Each epoch
    # of these tiny trials takes ~30 ms: without a pause after it, a trial could finish its
    # 3 epochs before the owner's stop arrives, and count as complete (a flaky 1 in 6)
    monkeypatch.setenv(SLOW_EPOCH_ENV, "0.3")
    space = SearchSpace.parse(["lr=choice:0.005|0.000001", "seed=choice:1|2|3"])
    spec = SweepSpec("prune", TINY.with_changes(epochs=3, seed=1), space, trials=6, sampler="grid", pruner="median")
    sweep = Sweep.new(spec, tmp_path)
    with pytest.raises(SweepError, match="being run by pid"):
        Sweep.resuming(tmp_path, "prune")          # one owner at a time
    events = []
    sweep.add_listener(events.append)
    result = sweep.run(workers=1)

    ended = {e.trial: e for e in events if isinstance(e, TrialEnded)}
    assert sorted(ended) == list(range(6)) and result.state == "finished"
    pruned = [e for e in ended.values() if e.state == "pruned"]
    # (seed 1 draws good, good, bad, good, bad, bad: every bad one comes after two good ones)
    assert sorted(e.trial for e in pruned if e.params["lr"] == "1e-06") == [2, 4, 5], ended
    assert all(e.epochs < 3 for e in pruned)
    assert all(e.epochs == 3 for e in ended.values() if e.state == "complete")
    best = ended[result.best_trial]
    assert best.params["lr"] == "0.005" and result.best_value == max(
        e.value for e in ended.values() if e.state == "complete")
    # every trial ran in a worker process with BLAS pinned to one thread before NumPy loaded
    started = [e for e in events if isinstance(e, TrialStarted)]
    assert {e.blas_threads for e in started} == {1}
    assert {e.worker.split(":")[-1] for e in started} != {str(os.getpid())}
    epochs = [e for e in events if isinstance(e, TrialEpoch)]
    assert all(0 <= e.value <= 1 for e in epochs)

    # each trial is an ordinary run, listed with the sweep's name and its trial number
    runs = {info.trial: info for info in RunStore(tmp_path).list()}
    assert sorted(runs) == list(range(6)) and {info.sweep for info in runs.values()} == {"prune"}
    for number, event in ended.items():
        assert runs[number].run_id == event.run_id
        assert runs[number].status == ("stopped" if event.state == "pruned" else "finished")
        # trials keep no per-epoch checkpoints (a sweep makes many runs); the last epoch branches
        assert not (runs[number].path / "epochs").exists()
        assert RunRecord(runs[number].path).branch_epochs() == [runs[number].epochs]
    # and the sweep lists as finished, read without Optuna
    [record] = list_sweeps(tmp_path)
    assert (record.name, record.state, record.done, record.total) == ("prune", "finished", 6, 6)
    assert record.best_trial == result.best_trial and record.best_run_id == best.run_id
    spec_file = json.loads((tmp_path / "sweeps" / "prune" / "sweep.json").read_text())
    assert spec_file["space"] == space.specs and spec_file["direction"] == "maximize"


def test_a_worker_killed_mid_trial_fails_that_trial_and_its_parameters_are_tried_again(tmp_path, monkeypatch):
    monkeypatch.setenv(SLOW_EPOCH_ENV, "0.3")     # time to aim the kill between epochs
    space = SearchSpace.parse(["lr=log:1e-3:1e-2"])
    sweep = Sweep.new(SweepSpec("kill", TINY, space, trials=2, sampler="random"), tmp_path)
    events, killed = [], []

    def listener(event):
        events.append(event)
        if isinstance(event, TrialEpoch) and event.trial == 0 and event.epoch == 1 and not killed:
            pid = int(next(e for e in events if isinstance(e, TrialStarted) and e.trial == 0).worker.split(":")[-1])
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    sweep.add_listener(listener)
    result = sweep.run(workers=1)

    ended = [e for e in events if isinstance(e, TrialEnded)]
    first = ended[0]
    assert first.trial == 0 and first.state == "failed" and first.retried
    assert f"worker process {killed[0]} died" in first.message
    complete = [e for e in ended if e.state == "complete"]
    assert len(complete) == 2 and result.counts == {"failed": 1, "complete": 2}
    assert first.params in [e.params for e in complete]        # the lost trial's point, tried again
    numbers = [e.trial for e in ended]
    assert len(numbers) == len(set(numbers)) == 3
    runs = {info.trial: info for info in RunStore(tmp_path).list()}
    assert sorted(runs) == [0, 1, 2] and runs[0].status == "interrupted"
