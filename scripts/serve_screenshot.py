"""Write screenshots/serve.png: the dashboard as `scratchnet-tui serve` shows it in a browser.

Starts the real server on 127.0.0.1 (a free port, a temporary runs directory and settings),
opens its page in headless Chromium (Debian package `chromium`) through the DevTools
protocol, waits in real time until the page's terminal has drawn the setup screen (the
page draws on a canvas, so the wait is for the server's websocket to have sent a screen's
worth of output, then a pause), and captures the page.

    python scripts/serve_screenshot.py [--out screenshots/serve.png] [--chromium chromium]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

WIDTH, HEIGHT = 1100, 720


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def wait_for_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"nothing answered at {url} within {timeout:.0f} s")
            await asyncio.sleep(0.2)


async def capture(page_url: str, devtools_port: int, out: Path, settle: float) -> None:
    await wait_for_http(f"http://127.0.0.1:{devtools_port}/json/version", 30)
    async with aiohttp.ClientSession() as session:
        async with session.put(f"http://127.0.0.1:{devtools_port}/json/new?about:blank") as response:
            target = await response.json()
        async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            ids = iter(range(1, 1_000_000))

            async def call(method: str, **params):
                number = next(ids)
                await ws.send_str(json.dumps({"id": number, "method": method, "params": params}))
                async for message in ws:
                    reply = json.loads(message.data)
                    if reply.get("id") == number:
                        if "error" in reply:
                            raise SystemExit(f"{method}: {reply['error']}")
                        return reply.get("result", {})
                raise SystemExit("Chromium closed the DevTools connection")

            await call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1,
                       mobile=False)
            await call("Page.navigate", url=page_url)
            await asyncio.sleep(settle)        # the app process starts and draws (seconds on a busy machine)
            shot = await call("Page.captureScreenshot", format="png")
    out.write_bytes(base64.b64decode(shot["data"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots/serve.png"))
    parser.add_argument("--chromium", default="chromium")
    parser.add_argument("--settle", type=float, default=12.0, help="seconds to let the page draw")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="scratchnet-serve-shot-"))
    env = {**os.environ, "SCRATCHNET_CONFIG_DIR": str(scratch / "config")}
    port, devtools_port = free_port(), free_port()
    server = subprocess.Popen([sys.executable, "-m", "tui_nn", "--runs-dir", str(scratch / "runs"),
                               "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    browser = None
    try:
        asyncio.run(wait_for_http(f"http://127.0.0.1:{port}/", 60))
        browser = subprocess.Popen(
            [args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={scratch / 'chromium'}", f"--remote-debugging-port={devtools_port}",
             f"--window-size={WIDTH},{HEIGHT}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        asyncio.run(capture(f"http://127.0.0.1:{port}/", devtools_port, args.out, args.settle))
    finally:
        for process in (browser, server):
            if process is not None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
