"""``scratchnet-tui sweep`` and ``sweeps`` as a user runs them: the entry point in a
subprocess, real worker processes, real signals (SIGINT, and SIGKILL of the sweep's owner
followed by ``--resume``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tui_nn.cli.main import main
from tui_nn.runs import RunStore
from tui_nn.sweeps.workers import SLOW_EPOCH_ENV

CLI = [sys.executable, "-m", "tui_nn"]
TINY = ["--hidden", "16", "--epochs", "2", "--seed", "3"]


def cli(*args, timeout=180, env=None):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout,
                          env=None if env is None else {**os.environ, **env})


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("args, reason", [
    (["--space", "lr=log:1e-4:1e-1"], "--trials N is needed"),
    (["--space", "lrr=log:1e-4:1e-1", "--trials", "2"], "no training field 'lrr' (did you mean lr?)"),
    (["--space", "lr=log:1e-4:1e-1", "--trials", "2", "--sampler", "grid"], "--sampler grid needs choice"),
    (["--space", "lr=log:1e-4:1e-1", "--trials", "0"], "--trials: must be >= 1, got 0"),
    (["--space", "lr=log:1e-4:1e-1", "--trials", "2", "--workers", "many"], "expected a whole number or auto"),
    (["--space", "lr=log:1e-4:1e-1", "--trials", "2", "--prune", "hyper"], "invalid choice: 'hyper'"),
    (["--space", "lr=log:1e-4:1e-1", "--trials", "2", "--cluster", "nowhere"], "expected local or tcp://HOST:PORT"),
    (["--space", "lr=log:1e-4:1e-1", "--trials", "2", "--lr", "0"], "learning rate must be > 0"),
    (["--space", "lr=log:1e-4:1e-1", "--trials", "2", "--dataset", "mnist"], "mnist"),
    (["--resume", "nothing-here"], "no sweep named 'nothing-here'"),
    (["--resume", "x", "--lr", "0.1"], "--resume continues a sweep with its own settings; not --lr"),
])
def test_every_bad_flag_or_spec_is_one_line_and_exit_2(args, reason, capsys, tmp_path):
    try:
        code = main(["sweep", *args, "--runs-dir", str(tmp_path)])
    except SystemExit as exc:      # argparse's own refusals
        code = exc.code
    err = capsys.readouterr().err.strip()
    assert code == 2 and reason in err and "\n" not in err and "Traceback" not in err, err
    assert not (tmp_path / "sweeps").exists() or not any((tmp_path / "sweeps").iterdir())


def listing(capsys, *args) -> str:
    """A listing command's stdout, run in this process (the same code as the command)."""
    capsys.readouterr()
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_sweep_json_lines_then_runs_and_sweeps_list_it(tmp_path, capsys):
    proc = cli("sweep", *TINY, "--space", "lr=log:1e-3:1e-2", "--space", "batch_size=choice:32|full",
               "--trials", "3", "--workers", "2", "--name", "j", "--json", "--runs-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    *trials, summary = json_lines(proc.stdout)
    assert len(trials) == 3
    for line in trials:
        assert set(line) == {"trial", "run_id", "state", "params", "value"} and line["state"] == "complete"
        assert set(line["params"]) == {"lr", "batch_size"} and line["params"]["batch_size"] in ("32", "full")
        assert 1e-3 <= line["params"]["lr"] <= 1e-2 and 0 <= line["value"] <= 1
    assert sorted(t["trial"] for t in trials) == [0, 1, 2]
    best = max(trials, key=lambda t: t["value"])
    assert summary == {"best_trial": best["trial"], "best_value": best["value"], "best_params": best["params"],
                       "trials": 3}

    runs = json_lines(listing(capsys, "runs", "--json", "--runs-dir", str(tmp_path)))
    assert sorted((r["sweep"], r["trial"], r["run_id"]) for r in runs) == sorted(
        ("j", t["trial"], t["run_id"]) for t in trials)
    assert listing(capsys, "runs", "--runs-dir", str(tmp_path)).count("[sweep j #") == 3
    [listed] = json_lines(listing(capsys, "sweeps", "--json", "--runs-dir", str(tmp_path)))
    assert (listed["name"], listed["state"], listed["done"], listed["total"], listed["best_trial"]) == (
        "j", "finished", 3, 3, best["trial"])
    [header, row] = listing(capsys, "sweeps", "--runs-dir", str(tmp_path)).splitlines()
    assert row.split()[:3] == ["j", "finished", "3/3"] and f"{best['value']:.4f}" in row


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_ctrl_c_stops_the_running_trials_within_a_batch_and_exits_130(tmp_path, capsys):
    proc = subprocess.Popen([*CLI, "sweep", "--hidden", "16", "--epochs", "300", "--space", "lr=log:1e-3:1e-2",
                             "--trials", "2", "--workers", "1", "--name", "c", "--runs-dir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: [i for i in RunStore(tmp_path).list() if i.epochs >= 1])
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert time.monotonic() - sent < 15          # not the 300 epochs it had to go
    assert "stopped with the sweep; tried again" in out and "--resume c continues it" in out
    [run] = RunStore(tmp_path).list()
    assert run.status == "stopped" and run.epochs < 300 and (run.sweep, run.trial) == ("c", 0)
    [record] = json_lines(listing(capsys, "sweeps", "--json", "--runs-dir", str(tmp_path)))
    assert (record["state"], record["done"]) == ("stopped", 0)


def test_kill_9_of_the_owner_then_resume_completes_the_count_with_nothing_run_twice(tmp_path, capsys):
    args = ["sweep", *TINY, "--space", "lr=log:1e-3:1e-2", "--trials", "3", "--workers", "1", "--json",
            "--sampler", "random", "--runs-dir", str(tmp_path)]
    env = {**os.environ, SLOW_EPOCH_ENV: "0.4"}
    proc = subprocess.Popen([*CLI, *args, "--name", "k"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        first = json.loads(proc.stdout.readline())          # trial 0 has ended
        _wait_for(lambda: [i for i in RunStore(tmp_path).list() if i.trial == 1])   # trial 1 is training
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert first["trial"] == 0 and first["state"] == "complete"
    # the orphaned worker sees its owner's pipe close and stops
    _wait_for(lambda: RunStore(tmp_path).list()[0].status != "running", timeout=30)

    resumed = cli("sweep", "--resume", "k", "--json", "--workers", "1", "--runs-dir", str(tmp_path), env=env)
    assert resumed.returncode == 0, resumed.stderr
    *trials, summary = json_lines(resumed.stdout)
    numbers = [t["trial"] for t in trials]
    assert numbers[0] == 1 and trials[0]["state"] == "failed"   # left running by the dead owner
    assert 0 not in numbers and len(numbers) == len(set(numbers))
    complete = [first] + [t for t in trials if t["state"] == "complete"]
    assert len(complete) == 3 and summary["trials"] == 1 + len(trials)
    assert trials[0]["params"] in [t["params"] for t in complete]   # its point, tried again
    runs = RunStore(tmp_path).list()
    by_trial = {}
    for info in runs:
        by_trial.setdefault(info.trial, []).append(info)
    assert all(len(infos) == 1 for infos in by_trial.values()), by_trial      # no run folder doubled
    assert by_trial[1][0].status in ("stopped", "interrupted")
    assert sorted(by_trial) == [0, *numbers]
    [record] = json_lines(listing(capsys, "sweeps", "--json", "--runs-dir", str(tmp_path)))
    assert (record["state"], record["done"], record["total"]) == ("finished", 3, 3)


def test_the_sweep_command_starts_its_workers_fork_server_before_its_own_imports(tmp_path):
    """The server's imports then overlap the command line's (NumPy, the field registry); the
    owner's trace says when: before the sweep's run (whose workers it then forks at once)."""
    from tui_nn.cli.main import split_command
    from tui_nn.sweeps.workers import TRACE_ENV

    assert split_command(["--data-dir", "d", "--runs-dir", "r", "sweep", "--workers", "2"]) == (
        "sweep", ["--workers", "2"])
    assert split_command(["--data-dir", "sweep", "train"]) == ("train", [])
    assert split_command(["--version"]) == (None, [])
    trace = tmp_path / "trace.log"
    proc = cli("--runs-dir", str(tmp_path), "sweep", *TINY, "--space", "lr=log:1e-3:1e-2", "--trials", "2",
               "--workers", "2", "--name", "early", env={TRACE_ENV: str(trace)})
    assert proc.returncode == 0, proc.stderr
    owner = [line.split()[2] for line in trace.read_text().splitlines() if int(line.split()[1]) == proc_pid(trace)]
    assert owner.index("fork-server") < owner.index("run")


def proc_pid(trace) -> int:
    """The owner's pid in a sweep's trace: the process that traced "run"."""
    return next(int(line.split()[1]) for line in trace.read_text().splitlines() if line.split()[2] == "run")
