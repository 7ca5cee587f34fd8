"""The dashboard's run in a child process (runs/process.py), for real: a spawned child trains
the embedded sample through the run core; pause, change and stop go over the pipe and come
back as the trainer's own events; a refusal, a killed child and a dead parent each end
cleanly, said in words."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from tui_nn.datasets import load_dataset
from tui_nn.nn import load_model
from tui_nn.runs import RunRecord, RunSetupError, RunStore
from tui_nn.runs.process import RunProcess
from tui_nn.runs.store import RunLock
from tui_nn.training import TrainConfig
from tui_nn.training.config import ConfigError
from tui_nn.training.events import (
    BatchProgress,
    EpochEnded,
    Paused,
    Resumed,
    RunStarted,
    SettingChanged,
    Stopped,
)

CONFIG = TrainConfig(hidden=(16,), epochs=5000, batch_size=64, augment="none", lr=1e-3, optimizer="adam",
                     lr_schedule="constant")


@pytest.fixture(scope="module")
def sample():
    return load_dataset("mnist-sample")


def wait(condition, seconds: float = 60.0, what: str = "") -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, f"timed out waiting for {what or condition}"
        time.sleep(0.005)
    return time.monotonic() - start


def started(runner: RunProcess):
    events: list = []
    runner.add_listener(events.append)
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = runner.run()
        except RunSetupError as exc:
            outcome["refused"] = exc
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return events, outcome, thread


def of(events, kind):
    return [e for e in list(events) if isinstance(e, kind)]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_pause_change_and_stop_reach_the_child_and_come_back_as_its_events(tmp_path, sample):
    runner = RunProcess.new(CONFIG, sample, store=RunStore(tmp_path))
    events, outcome, thread = started(runner)
    try:
        wait(lambda: of(events, EpochEnded), what="a first epoch")
        assert runner.pid != os.getpid() and alive(runner.pid)
        assert runner.path is not None and runner.path.parent == tmp_path and runner.recording
        # background work: the dashboard's UI comes first when the CPUs are short
        assert os.getpriority(os.PRIO_PROCESS, runner.pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)

        runner.pause()
        took = wait(lambda: of(events, Paused), seconds=10, what="the child to pause")
        assert took < 2.0          # within a batch, in fact (milliseconds); slack for a loaded machine
        assert runner.paused
        trained = len(of(events, BatchProgress)) + len(of(events, EpochEnded))
        time.sleep(0.4)            # dozens of epochs' worth of time
        assert len(of(events, BatchProgress)) + len(of(events, EpochEnded)) == trained

        with pytest.raises(ConfigError, match="learning rate must be > 0"):
            runner.change(lr="-1")                       # refused here, at once: nothing is sent
        assert runner.change(lr="0.0123") == {"lr": 0.0123}
        runner.resume()
        wait(lambda: of(events, Resumed) and of(events, SettingChanged), seconds=10, what="the change")
        [change] = of(events, SettingChanged)
        assert (change.setting, change.old, change.new) == ("lr", 0.001, 0.0123)
        assert runner.config.lr == 0.0123
        epoch = len(of(events, EpochEnded))
        wait(lambda: len(of(events, EpochEnded)) > epoch + 1, what="epochs after the change")

        runner.stop()
        thread.join(30)
    finally:
        runner.stop()
        thread.join(30)
    result = outcome["result"]
    assert isinstance(events[-1], Stopped) and result.status == "stopped"
    assert len(result.history) == result.end.epochs_completed == len(of(events, EpochEnded))
    assert result.history.lr.iloc[-1] == pytest.approx(0.0123)
    # the weights came back whole: those the child saved as the run's final model
    np.testing.assert_array_equal(result.network.params, load_model(runner.path / "model.npz")[0].params)
    assert RunRecord(runner.path).changes() == [change.record()]
    assert RunStore(tmp_path).info(runner.path).status == "stopped"
    wait(lambda: not alive(runner.pid), seconds=10, what="the child to exit")


def test_an_unrecorded_run_trains_in_the_child_and_returns_its_network(sample):
    runner = RunProcess.new(CONFIG.with_changes(epochs=2), sample, record=False)
    events, outcome, thread = started(runner)
    thread.join(60)
    result = outcome["result"]
    assert runner.path is None and not runner.recording
    assert result.status == "finished" and len(result.history) == 2
    assert isinstance(events[0], RunStarted) and len(of(events, EpochEnded)) == 2
    assert result.network.arch.sizes == (784, 16, 10)
    accuracy = (result.network.predict(sample.x_test) == sample.y_test).mean()
    assert accuracy == pytest.approx(result.end.test_acc)


def test_a_run_another_process_trains_is_refused_with_the_reason(tmp_path, sample):
    store = RunStore(tmp_path)
    first = RunProcess.new(CONFIG.with_changes(epochs=1), sample, store=store)
    first.run()
    lock = RunLock.take(first.path)    # this process now writes it: the child must not
    try:
        again = RunProcess.resuming(store, first.path, epochs=1, dataset=sample)
        with pytest.raises(RunSetupError, match="is being trained by"):
            again.run()
    finally:
        lock.release()
    with pytest.raises(RunSetupError, match="no run"):
        RunProcess.resuming(store, "no-such-run", epochs=1, dataset=sample)


def test_a_killed_child_ends_the_run_as_failed_saying_how(tmp_path, sample):
    runner = RunProcess.new(CONFIG, sample, store=RunStore(tmp_path))
    events, outcome, thread = started(runner)
    wait(lambda: len(of(events, EpochEnded)) >= 2, what="two epochs")
    os.kill(runner.pid, signal.SIGKILL)
    thread.join(30)
    assert not thread.is_alive()
    result = outcome["result"]
    assert result.status == "failed" and result.network is None
    assert f"the training process (pid {runner.pid}) was killed by signal 9 (SIGKILL)" in result.end.message
    assert events[-1] is result.end
    assert len(result.history) >= 2
    assert RunStore(tmp_path).info(runner.path).status == "interrupted"   # its lock died with it


def test_the_child_stops_its_run_when_the_dashboard_dies(tmp_path):
    script = textwrap.dedent(f"""
        import sys, threading, time
        from tui_nn.datasets import load_dataset
        from tui_nn.runs import RunStore
        from tui_nn.runs.process import RunProcess
        from tui_nn.training import TrainConfig
        from tui_nn.training.events import EpochEnded
        if __name__ == "__main__":
            config = TrainConfig(hidden=(16,), epochs=5000, batch_size=64, augment="none")
            runner = RunProcess.new(config, load_dataset("mnist-sample"), store=RunStore({str(tmp_path)!r}))
            runner.add_listener(lambda e: print(runner.pid, flush=True) if isinstance(e, EpochEnded)
                                and e.epoch == 1 else None)
            runner.run()
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        parent.kill()
        parent.wait(10)
        wait(lambda: not alive(child), seconds=30, what="the child to stop")
    finally:
        parent.kill()
    [info] = RunStore(tmp_path).list()
    assert info.status == "stopped" and info.epochs >= 1          # stopped as on request, weights kept
