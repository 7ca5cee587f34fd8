"""What a sweep's worker process prints goes to the sweep's workers.log, never to the
owner's terminal (under the dashboard that terminal is the screen), and a worker that dies
is reported with its last words."""

from __future__ import annotations

import time

from tui_nn.sweeps.workers import SLOW_EPOCH_ENV, LocalWorkers


def test_a_dying_workers_traceback_goes_to_the_log_and_into_the_reason(tmp_path, monkeypatch, capfd):
    # A bad test hook value makes run_trial raise before its own error handling: the
    # worker prints a traceback and dies, as a worker with a bug would.
    monkeypatch.setenv(SLOW_EPOCH_ENV, "not-a-number")
    log = tmp_path / "workers.log"
    workers = LocalWorkers(1, log_path=log)
    try:
        workers.submit({"trial": 7, "sweep": "s", "config": {}, "runs_dir": str(tmp_path), "run_name": "s #7"})
        deadline, messages = time.monotonic() + 60, []
        while not any(m["kind"] == "lost" for m in messages):
            assert time.monotonic() < deadline, messages
            messages += workers.poll(0.2)
    finally:
        workers.close(timeout=5)
    (lost,) = [m for m in messages if m["kind"] == "lost"]
    assert lost["trial"] == 7
    assert "died" in lost["reason"] and "not-a-number" in lost["reason"]   # its last words
    assert "Traceback" in log.read_text()
    out, err = capfd.readouterr()
    assert "Traceback" not in err and "Traceback" not in out                # not on our terminal
