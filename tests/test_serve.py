"""``scratchnet-tui serve``: the real server in a subprocess on 127.0.0.1, driven through its
websocket as the browser page drives it (``["stdin", ...]`` frames in, terminal output out)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

aiohttp = pytest.importorskip("aiohttp")
pytest.importorskip("textual_serve")

CLI = [sys.executable, "-m", "tui_nn"]
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
F1 = "\x1bOP"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def processes_mentioning(marker: str) -> list[int]:
    """Live processes whose command line holds ``marker`` (a test's own tmp path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if marker in cmdline and state != "Z" and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


async def first_answer(session, url: str, timeout: float):
    """GET ``url`` once the server listens (its banner is printed just before it does)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await session.get(url)
        except aiohttp.ClientConnectorError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def screen_until(ws, text: bytes, timeout: float) -> bytes:
    """The terminal output received until ``text`` shows in it (escape sequences removed)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in ANSI.sub(b"", seen):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{text!r} never showed; last output: {ANSI.sub(b'', seen)[-400:]!r}")
        message = await asyncio.wait_for(ws.receive(), left)
        if message.type == aiohttp.WSMsgType.BINARY:
            seen += message.data
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            raise AssertionError(f"the app closed the connection before {text!r} showed")
    return ANSI.sub(b"", seen)


@pytest.mark.slow
async def test_the_served_dashboard_answers_keys_and_shuts_down_cleanly(tmp_path):
    runs, data = tmp_path / "served-runs", tmp_path / "served-data"
    port = free_port()
    server = subprocess.Popen([*CLI, "--runs-dir", str(runs), "--data-dir", str(data), "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        said = ""
        deadline = time.monotonic() + 60
        while "Press Ctrl+C" not in said and time.monotonic() < deadline:
            line = server.stdout.readline()
            assert line or server.poll() is None, f"the server ended before serving: {said}"
            said += line
        said = " ".join(said.split())         # the banner is wrapped to the terminal's width
        assert f"on http://127.0.0.1:{port}" in said and str(runs) in said.replace(" ", ""), said

        async with aiohttp.ClientSession() as session:
            page = await first_answer(session, f"http://127.0.0.1:{port}/", timeout=30)
            assert page.status == 200 and "scratchnet-tui" in await page.text()
            async with session.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24") as ws:
                setup = await screen_until(ws, b"Start", timeout=60)
                assert b"Preset" in setup
                # the tab's dashboard is the same command on the same directories
                assert wait_until(lambda: processes_mentioning(str(runs)) != [server.pid], 10)
                await ws.send_json(["stdin", F1])
                await screen_until(ws, b"closes this help", timeout=30)
        # a closed tab ends its dashboard
        assert wait_until(lambda: processes_mentioning(str(runs)) == [server.pid], 20), \
            processes_mentioning(str(runs))
    finally:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=30)
    assert server.returncode == 0, out
    assert "Traceback" not in out


def test_a_host_others_can_reach_needs_public_and_is_warned_about(tmp_path):
    proc = subprocess.run([*CLI, "serve", "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert "no authentication" in line and "--public" in line and "ssh -L 8000:127.0.0.1:8000" in line

    # with --public: the warning, then (the port being taken here) a one-line refusal; nothing served
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = subprocess.run([*CLI, "serve", "--host", "0.0.0.0", "--public", "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "warning: serving on 0.0.0.0" in proc.stderr and "without authentication" in proc.stderr
    assert f"cannot listen on 0.0.0.0:{port}" in proc.stderr and "Traceback" not in proc.stderr


def test_serve_refuses_a_bad_port():
    proc = subprocess.run([*CLI, "serve", "--port", "70000"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "a port is 1 to 65535, got 70000" in proc.stderr
