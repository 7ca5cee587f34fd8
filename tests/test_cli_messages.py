"""What the CLI says: usage messages that name what a command needs, suggestions for a
mistyped name, runs addressed by their display name, the export's columns, plurals and
the progress bar's ETA. Run as a user runs it: the entry point in a subprocess."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys

import pandas as pd
import pytest

CLI = [sys.executable, "-m", "tui_nn"]
TINY = ["--hidden", "8", "--epochs", "1", "--augment", "none", "--dropout", "0"]


def cli(*args, timeout=120):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def one_line_error(proc) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def test_runs_export_without_arguments_says_what_it_needs():
    line = one_line_error(cli("runs", "export"))
    assert "the CSV file to write" in line and "FILE.csv [RUN ...]" in line, line
    assert "required" not in line and "every run" in line, line     # RUN is optional: none means all


def test_a_mistyped_batch_size_mentions_full():
    line = one_line_error(cli("train", "--batch-size", "ful"))
    assert "batch size must be a whole number or 'full', not 'ful'" in line, line


def test_a_mistyped_preset_gets_a_suggestion():
    line = one_line_error(cli("train", "--preset", "defualt"))
    assert "no preset 'defualt'; did you mean 'default'?" in line, line
    line = one_line_error(cli("train", "--preset", "nielsen3"))
    assert "did you mean 'nielsen'" in line or "did you mean 'nielsen2'" in line, line
    line = one_line_error(cli("train", "--preset", "zzzzzz"))
    assert "no preset 'zzzzzz'" in line and "did you mean" not in line and "default" in line, line


@pytest.fixture(scope="module")
def one_run(tmp_path_factory):
    """A one-epoch run, recorded, then renamed through the store as the dashboard renames."""
    runs = tmp_path_factory.mktemp("runs")
    proc = cli("train", *TINY, "--runs-dir", str(runs))
    assert proc.returncode == 0, proc.stderr
    [run_id] = [p.name for p in runs.iterdir()]
    return runs, run_id, proc.stderr


def test_one_epoch_is_singular(one_run):
    _, _, stderr = one_run
    assert "finished 1 epoch in" in stderr and "1 epochs" not in stderr, stderr


def test_export_has_test_metrics_and_status_per_row(one_run, tmp_path):
    runs, run_id, _ = one_run
    out = tmp_path / "e.csv"
    proc = cli("runs", "export", str(out), "--runs-dir", str(runs))
    assert proc.returncode == 0, proc.stderr
    assert "wrote 1 row from 1 run to" in proc.stdout, proc.stdout
    table = pd.read_csv(out)
    [listed] = [json.loads(line) for line in cli("runs", "--json", "--runs-dir", str(runs)).stdout.splitlines()]
    assert list(table.status) == ["finished"]
    assert table.test_acc.iloc[0] == pytest.approx(listed["test_acc"]) and 0.1 < table.test_acc.iloc[0] <= 1
    assert 0 < table.test_loss.iloc[0] < 10


def test_a_renamed_run_is_addressed_by_its_name(tmp_path):
    from tui_nn.runs import RunStore, RunStoreError

    runs = tmp_path / "runs"
    for seed in ("1", "2", "3"):
        assert cli("train", *TINY, "--seed", seed, "--runs-dir", str(runs)).returncode == 0
    first, second, third = sorted(p.name for p in runs.iterdir())
    store = RunStore(runs)
    store.rename(runs / first, "wide adam")
    store.rename(runs / second, "twin")
    store.rename(runs / third, "twin")
    assert store.resolve("wide adam") == runs / first
    assert store.open("wide adam").run_id == first
    with pytest.raises(RunStoreError) as refused:
        store.resolve("twin")
    assert "'twin' names 2 runs" in str(refused.value)
    assert second in str(refused.value) and third in str(refused.value)

    proc = cli("evaluate", "wide adam", "--runs-dir", str(runs), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["n"] == 1000
    line = one_line_error(cli("train", "--resume", "twin", "--runs-dir", str(runs)))
    assert "'twin' names 2 runs" in line and second in line and third in line, line


def test_the_progress_bar_shows_an_eta_on_a_terminal(tmp_path):
    # a real pseudo-terminal as stderr: the bar is drawn only on a terminal
    leader, follower = pty.openpty()
    proc = subprocess.Popen([*CLI, "train", "--hidden", "8", "--epochs", "3", "--batch-size", "16", "--no-record"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:          # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    text = b"".join(chunks).decode(errors="replace")
    bars = [part for part in text.split("\r") if part.startswith("epoch ") and "[" in part]
    assert bars, text[-500:]
    assert all(" ETA " in bar for bar in bars), bars[:3]
    assert all(re.search(r" ETA (\d+s|\d+m\d\ds|\d+h\d\dm)\x1b\[K$", bar) for bar in bars), bars[:3]
