"""The headless CLI, run as a user runs it: the installed entry point in a subprocess."""

from __future__ import annotations

import gzip
import io
import json
import signal
import struct
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tui_nn.datasets import load_embedded_sample

CLI = [sys.executable, "-m", "tui_nn"]
SMALL = ["--hidden", "32", "--epochs", "2", "--batch-size", "64", "--optimizer", "adam", "--lr", "0.003",
         "--augment", "none", "--dropout", "0", "--lr-schedule", "constant"]


def cli(*args, timeout=120, cwd=None):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)


def test_train_json_lines_and_output_files(tmp_path):
    out = tmp_path / "run"
    proc = cli("train", *SMALL, "--json", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["epoch"] for line in lines[:-1]] == [1, 2]
    for line in lines[:-1]:
        assert set(line) >= {"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"}
        assert 0 <= line["val_acc"] <= 1 and line["train_loss"] > 0
    final = lines[-1]
    assert final["status"] == "finished" and 0.8 < final["test_acc"] <= 1
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "history.csv", "model.npz"]
    history = pd.read_csv(out / "history.csv")
    assert list(history.epoch) == [1, 2]
    assert history.val_acc.iloc[-1] == pytest.approx(lines[1]["val_acc"])
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["hidden"] == [32] and config["status"] == "finished"
    assert config["dataset"]["name"] == "mnist-sample"

    # evaluate the saved model: the same test accuracy the run reported
    proc = cli("evaluate", str(out / "model.npz"), "--dataset", "mnist-sample", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["n"] == 1000
    assert result["accuracy"] == pytest.approx(final["test_acc"])
    proc = cli("evaluate", str(out / "model.npz"), "--dataset", "sample", "--split", "train")
    assert proc.returncode == 0 and "train: accuracy" in proc.stdout


@pytest.mark.parametrize("args,message", [
    (["--lr", "0"], "argument --lr: learning rate must be > 0, got 0"),
    (["--lr", "abc"], "learning rate must be a number, not 'abc'"),
    (["--hidden", "12x,64"], "'12x' is not a size"),
    (["--epochs", "0"], "epochs must be >= 1"),
    (["--batch-size", "-3"], "batch size must be >= 1 or 'full'"),
    (["--activation", "softplus"], "activation must be one of relu, leaky_relu, sigmoid, tanh"),
    (["--preset", "nope"], "argument --preset: no preset 'nope'"),
    (["--batch-size", "5000"], "batch size 5000 is larger than the training set"),
    (["--dataset", "/no/such/dir"], "does not exist"),
    (["--dataset", "cifar"], "unknown dataset 'cifar'"),
    (["--l2", "-1"], "L2 must be >= 0"),
])
def test_bad_flags_give_one_line_and_exit_2(args, message):
    proc = cli("train", *args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert message in lines[0]
    assert "Traceback" not in proc.stderr


def test_presets_lists_every_preset_with_its_claim():
    proc = cli("presets")
    assert proc.returncode == 0
    for name, claim in [("mlicamele", "92.6% train / 91.4% test"), ("nielsen2", "--l2 5/n"),
                        ("shabnam", "--no-bias --no-shuffle"), ("mbatchelor81-sgd", "--batch-size 1"),
                        ("default", "--augment elastic")]:
        block = proc.stdout.split(f"\n{name}\n" if name != "default" else "default\n", 1)[1][:600]
        assert claim in block, (name, block)


def test_ctrl_c_stops_cleanly_and_saves_what_was_trained(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen([*CLI, "train", "--hidden", "64", "--epochs", "500", "--batch-size", "16",
                             "--optimizer", "sgd", "--lr", "0.01", "--json", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()          # one epoch done
    assert json.loads(first)["epoch"] == 1
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "stopped after" in stderr
    final = json.loads(stdout.splitlines()[-1])
    assert final["status"] == "stopped" and final["epochs_completed"] >= 1
    config = json.loads((out / "config.json").read_text())
    assert config["status"] == "stopped"
    history = pd.read_csv(out / "history.csv")
    assert len(history) == final["epochs_completed"]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def _write_idx(path, array, magic):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape))
        f.write(array.astype(np.uint8).tobytes())


def test_evaluate_on_a_test_only_idx_directory_and_refusals(tmp_path):
    out = tmp_path / "run"
    assert cli("train", *SMALL, "--epochs", "1", "--out", str(out)).returncode == 0
    sample = load_embedded_sample()
    t10k = tmp_path / "t10k"
    t10k.mkdir()
    _write_idx(t10k / "t10k-images-idx3-ubyte.gz", sample.x_test.reshape(-1, 28, 28), 0x803)
    _write_idx(t10k / "t10k-labels-idx1-ubyte.gz", sample.y_test, 0x801)
    same = json.loads(cli("evaluate", str(out / "model.npz"), "--dataset", "mnist-sample", "--json").stdout)
    proc = cli("evaluate", str(out / "model.npz"), "--dataset", str(t10k), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == pytest.approx(same)

    proc = cli("evaluate", str(out / "model.npz"), "--dataset", str(t10k), "--split", "train")
    assert proc.returncode == 2 and "has no train split" in proc.stderr

    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, W=np.zeros(3))
    proc = cli("evaluate", str(foreign), "--dataset", "mnist-sample")
    assert proc.returncode == 2 and "not a scratchnet-tui model" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_diverging_run_exits_3_with_a_hint(tmp_path):
    proc = cli("train", "--hidden", "32", "--optimizer", "momentum", "--lr", "10", "--activation",
               "leaky_relu", "--batch-size", "32", "--epochs", "3", "--json", "--out", str(tmp_path / "r"))
    assert proc.returncode == 3, proc.stderr
    assert "diverged" in proc.stderr and "lower the learning rate" in proc.stderr
    assert "Traceback" not in proc.stderr and "RuntimeWarning" not in proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["status"] == "diverged"


def test_runs_are_recorded_listed_resumed_and_exported(tmp_path):
    runs = tmp_path / "runs"
    assert cli("train", *SMALL, "--runs-dir", str(runs)).returncode == 0
    proc = cli("runs", "--runs-dir", str(runs), "--json")
    [run] = [json.loads(line) for line in proc.stdout.splitlines()]
    assert run["status"] == "finished" and run["epochs"] == 2 and run["architecture"] == "784-32-10"

    proc = cli("train", "--resume", run["run_id"][:20], "--epochs", "1", "--runs-dir", str(runs), "--json")
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line).get("epoch") for line in proc.stdout.splitlines()][:-1] == [3]
    [run] = [json.loads(line) for line in cli("runs", "--runs-dir", str(runs), "--json").stdout.splitlines()]
    assert run["epochs"] == 3

    proc = cli("train", "--resume", run["run_id"], "--lr", "0.1", "--runs-dir", str(runs))
    assert proc.returncode == 2 and "only --epochs may be given, not --lr" in proc.stderr
    proc = cli("train", "--resume", "nope", "--runs-dir", str(runs))
    assert proc.returncode == 2 and "no run 'nope'" in proc.stderr

    out = tmp_path / "all.csv"
    proc = cli("runs", "--runs-dir", str(runs), "export", str(out))
    assert proc.returncode == 0 and "wrote 3 rows from 1 run " in proc.stdout
    table = pd.read_csv(out)
    assert list(table.epoch) == [1, 2, 3] and set(table.hidden) == {32}


def test_batch_size_full_trains_one_batch_per_epoch():
    proc = cli("train", "--hidden", "16", "--batch-size", "full", "--epochs", "1", "--no-record", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "3,600 train / 400 validation / 1,000 test; 1 batches per epoch" in proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line.get("epoch") for line in lines] == [1, None] and lines[-1]["status"] == "finished"


@pytest.mark.parametrize("flags,named", [(["--batch-size", "full"], "--batch-size"),
                                          (["--no-bias", "--l2", "5/n"], "--no-bias, --l2"),
                                          (["--dataset", "mnist", "--epochs", "2"], "--dataset")])
def test_resume_refuses_every_setting_flag_but_epochs(flags, named):
    proc = cli("train", "--resume", "some-run", *flags)
    assert proc.returncode == 2
    assert f"only --epochs may be given, not {named}" in proc.stderr


def test_a_recorded_run_is_evaluated_by_its_id_on_its_own_dataset(tmp_path):
    runs = tmp_path / "runs"
    proc = cli("train", *SMALL, "--runs-dir", str(runs), "--json")
    assert proc.returncode == 0, proc.stderr
    final = json.loads(proc.stdout.splitlines()[-1])
    [run_id] = [p.name for p in runs.iterdir()]
    for name in (run_id, run_id[:-2], str(runs / run_id)):      # id, unique prefix, folder
        proc = cli("evaluate", name, "--runs-dir", str(runs), "--json")
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout)
        assert result["n"] == 1000 and result["accuracy"] == pytest.approx(final["test_acc"])
    proc = cli("--data-dir", str(tmp_path / "cache"), "evaluate", run_id, "--runs-dir", str(runs),
               "--which", "best", "--split", "train")
    assert proc.returncode == 0 and "mnist-sample train: accuracy" in proc.stdout, proc.stderr
    proc = cli("evaluate", "nothing-like-it", "--runs-dir", str(runs))
    assert proc.returncode == 2 and proc.stderr.startswith("scratchnet-tui: error: no run 'nothing-like-it'")
    model = tmp_path / "bare.npz"
    model.write_bytes((runs / run_id / "model.npz").read_bytes())
    proc = cli("evaluate", str(model))
    assert proc.returncode == 2 and "--dataset" in proc.stderr


def test_options_may_follow_the_subcommand(tmp_path):
    runs = tmp_path / "runs"
    assert cli("train", *SMALL, "--epochs", "1", "--runs-dir", str(runs)).returncode == 0
    out = tmp_path / "all.csv"
    proc = cli("runs", "export", str(out), "--runs-dir", str(runs))
    assert proc.returncode == 0, proc.stderr
    assert "wrote 1 row from 1 run " in proc.stdout and len(pd.read_csv(out)) == 1
    proc = cli("runs", "--json", "--runs-dir", str(runs))
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "finished"
    proc = cli("datasets", "list", "--json", "--data-dir", str(tmp_path / "cache"))
    assert proc.returncode == 0 and json.loads(proc.stdout)["data_dir"] == str(tmp_path / "cache")


def test_resume_without_epochs_trains_the_epochs_still_to_go(tmp_path):
    runs = tmp_path / "runs"
    proc = subprocess.Popen([*CLI, "train", *SMALL, "--epochs", "40", "--hidden", "8", "--runs-dir", str(runs),
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert json.loads(proc.stdout.readline())["epoch"] == 1
    proc.send_signal(signal.SIGINT)          # stops after the current batch
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    done = json.loads(out.splitlines()[-1])["epochs_completed"]
    assert 1 <= done < 40
    [run_id] = [p.name for p in runs.iterdir()]
    proc = cli("train", "--resume", run_id, "--runs-dir", str(runs), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["epochs_completed"] == 40
    proc = cli("train", "--resume", run_id[:-3], "--runs-dir", str(runs), "--epochs", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["epochs_completed"] == 42


# ------------------------------------------------------------------ bad input, closed pipes, disks
def runs_of(runs_dir) -> list[dict]:
    proc = cli("runs", "--runs-dir", str(runs_dir), "--json")
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_a_closed_stdout_stops_the_json_lines_not_the_training(tmp_path):
    """``train --json | head -n1``: the reader goes after the first line. Training goes on
    and is saved (run folder and --out); the JSON stops, stderr says so once, and the exit
    status is 141 (a finished run whose output was cut short), never 0."""
    out, runs = tmp_path / "bf", tmp_path / "runs"
    proc = subprocess.Popen([*CLI, "train", "--hidden", "64", "--batch-size", "16", "--optimizer", "sgd",
                             "--lr", "0.01", "--epochs", "5", "--out", str(out), "--runs-dir", str(runs),
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert json.loads(proc.stdout.readline())["epoch"] == 1
    proc.stdout.close()                     # as head does once it has its line
    stderr = proc.stderr.read()
    proc.wait(timeout=120)
    assert proc.returncode == 141, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert stderr.count("stdout was closed") == 1, stderr
    assert "finished 5 epochs" in stderr
    [run] = runs_of(runs)
    assert run["status"] == "finished" and run["epochs"] == 5 and run["planned_epochs"] == 5
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "history.csv", "model.npz"]
    assert json.loads((out / "config.json").read_text())["epochs_completed"] == 5
    assert len(pd.read_csv(out / "history.csv")) == 5


def test_a_closed_stdout_of_a_listing_is_not_success(tmp_path):
    runs = tmp_path / "runs"
    for _ in range(2):
        assert cli("train", *SMALL, "--epochs", "1", "--hidden", "8", "--runs-dir", str(runs)).returncode == 0
    proc = subprocess.Popen([*CLI, "runs", "--runs-dir", str(runs), "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=0)
    proc.stdout.close()
    stderr = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 141, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr


@pytest.mark.parametrize("args,message", [
    (["train", "--out", ""], "argument --out: must not be empty"),
    (["train", "--runs-dir", ""], "argument --runs-dir: must not be empty"),
    (["train", "--resume", ""], "argument --resume: must not be empty"),
    (["runs", "--runs-dir", ""], "argument --runs-dir: must not be empty"),
    (["runs", "export", "x.csv", "--runs-dir", ""], "argument --runs-dir: must not be empty"),
    (["evaluate", "some-run", "--runs-dir", ""], "argument --runs-dir: must not be empty"),
    (["train", "--threads", "1000000"], "argument --threads: must be <= "),
    (["train", "--threads", "9" * 400], "argument --threads: must be <= "),
    (["train", "--lr", "100.0001"], "learning rate must be <= 100, got 100.0001"),
    (["train", "--seed", "4294967296"], "seed must be <= 4294967295, got 4294967296"),
    (["train", "--seed", "9" * 400], "seed must be <= 4294967295, got 999"),
    (["train", "--epochs", "9" * 400], "epochs must be <= 100000, got 999"),
    (["train", "--momentum", "1.0000000001"], "momentum must be < 1, got 1.0000000001"),
    (["train", "--dropout", "0.9500001"], "dropout must be <= 0.95, got 0.9500001"),
])
def test_empty_and_out_of_bound_flags_are_refused_truthfully(tmp_path, args, message):
    if args[0] == "train" and "--resume" not in args:
        args = [*args, "--hidden", "8", "--epochs", "1"]      # were it accepted, a short run
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_threads_up_to_the_cpu_count_are_accepted():
    import os
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    proc = cli("train", *SMALL, "--epochs", "1", "--hidden", "8", "--no-record", "--threads", str(cpus))
    assert proc.returncode == 0, proc.stderr
    proc = cli("train", *SMALL, "--epochs", "1", "--no-record", "--threads", str(cpus + 1))
    assert proc.returncode == 2
    assert f"--threads: must be <= {cpus} (the CPUs this process may use), got {cpus + 1}" in proc.stderr


def test_export_refuses_a_missing_directory_without_creating_it(tmp_path):
    runs = tmp_path / "runs"
    assert cli("train", *SMALL, "--epochs", "1", "--hidden", "8", "--runs-dir", str(runs)).returncode == 0
    target = tmp_path / "nonexistent" / "dir" / "e.csv"
    proc = cli("runs", "export", str(target), "--runs-dir", str(runs))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (f"scratchnet-tui: error: cannot write {target}: "
                                   f"the directory {target.parent} does not exist")
    assert not (tmp_path / "nonexistent").exists()
    proc = cli("runs", "export", str(tmp_path), "--runs-dir", str(runs))
    assert proc.returncode == 2 and f"cannot write {tmp_path}: it is a directory" in proc.stderr


@pytest.mark.parametrize("where", ["/proc/nope", "{tmp}/file/out", "{tmp}/file"])
def test_an_unwritable_out_is_refused_before_training(tmp_path, where):
    (tmp_path / "file").write_text("a file, not a directory\n")
    out = where.format(tmp=tmp_path)
    runs = tmp_path / "runs"
    proc = cli("train", *SMALL, "--out", out, "--runs-dir", str(runs), "--json", timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"scratchnet-tui: error: --out: cannot write to {out}: "), \
        proc.stderr
    assert proc.stdout == "" and not runs.exists()      # nothing trained, nothing recorded


def test_an_unwritable_runs_directory_trains_unsaved_with_a_warning(tmp_path):
    (tmp_path / "file").write_text("a file, not a directory\n")
    runs = tmp_path / "file" / "runs"
    proc = cli("train", *SMALL, "--runs-dir", str(runs), "--json")
    assert proc.returncode == 0, proc.stderr
    assert "warning: the run is not being saved: cannot create a run folder in " + str(runs) in proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line.get("epoch") for line in lines] == [1, 2, None]
    assert lines[-1]["status"] == "finished" and lines[-1]["epochs_completed"] == 2


def test_every_file_of_a_run_has_the_mode_the_umask_gives(tmp_path):
    """One rule for every file a run writes (run folder and --out): 0o666 & ~umask, as
    any other program's new files; with umask 027 that is 0o640."""
    runs, out = tmp_path / "runs", tmp_path / "out"
    proc = subprocess.run([*CLI, "train", *SMALL, "--runs-dir", str(runs), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, umask=0o027)
    assert proc.returncode == 0, proc.stderr
    [folder] = runs.iterdir()
    entries = [*folder.rglob("*"), *out.iterdir()]
    assert {p.name for p in folder.iterdir()} >= {"config.json", "history.csv", "model.npz", "status.json", "epochs"}
    assert {p.name for p in folder.rglob("epoch-*/*")} == {"model.npz", "resume.npz"}
    modes = {p.relative_to(tmp_path).as_posix(): oct(p.stat().st_mode & 0o777) for p in entries if p.is_file()}
    assert set(modes.values()) == {oct(0o666 & ~0o027)}, modes
    folders = {p.relative_to(tmp_path).as_posix(): oct(p.stat().st_mode & 0o777) for p in entries if p.is_dir()}
    assert set(folders.values()) == {oct(0o777 & ~0o027)}, folders


def test_export_counts_only_the_runs_it_wrote(tmp_path):
    runs = tmp_path / "runs"
    for seed in ("1", "2"):
        assert cli("train", *SMALL, "--epochs", "1", "--seed", seed, "--runs-dir", str(runs)).returncode == 0
    good, bad = sorted(p.name for p in runs.iterdir())
    (runs / bad / "config.json").write_text("[1, 2]")
    proc = cli("runs", "export", str(tmp_path / "e.csv"), good, bad, "--runs-dir", str(runs))
    assert proc.returncode == 0, proc.stderr
    assert "wrote 1 row from 1 run " in proc.stdout and "(1 damaged, skipped)" in proc.stdout
    assert f"skipped {bad}" in proc.stderr


def test_resume_refuses_damaged_saved_state_in_one_line(tmp_path):
    runs = tmp_path / "runs"
    assert cli("train", *SMALL, "--epochs", "1", "--runs-dir", str(runs)).returncode == 0
    [run] = list(runs.iterdir())
    model, resume = (run / "model.npz").read_bytes(), (run / "resume.npz").read_bytes()

    def refused(expected: str) -> None:
        proc = cli("train", "--resume", run.name, "--runs-dir", str(runs), "--epochs", "1")
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert expected in proc.stderr, proc.stderr

    (run / "model.npz").write_bytes(model[: len(model) // 2])                 # truncated
    refused("model")
    (run / "model.npz").write_bytes(model)
    flipped = bytearray(resume)
    flipped[len(flipped) // 2] ^= 0xFF                                        # one bit-flipped byte
    (run / "resume.npz").write_bytes(bytes(flipped))
    refused("resume.npz")
    with np.load(io.BytesIO(resume)) as f:                                    # a bad generator state
        arrays = {k: f[k] for k in f.files}
    state = json.loads(str(arrays["rng"]))
    state["shuffle"]["state"]["state"] = "not a number"
    arrays["rng"] = np.array(json.dumps(state))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    (run / "resume.npz").write_bytes(buffer.getvalue())
    refused("generator state")
