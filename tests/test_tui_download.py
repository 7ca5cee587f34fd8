"""The dashboard's dataset download: asked for, shown with progress, loaded; a failing
download shows its reason and leaves the app usable. Real HTTP on 127.0.0.1."""

from __future__ import annotations

import socket
import time

from test_download import N_TEST, N_TRAIN, Server, make_spec
from textual.widgets import Select, Static

from tui_nn.datasets import DOWNLOADABLE, dataset_status
from tui_nn.tui.app import ScratchnetApp
from tui_nn.tui.screens.download import DownloadScreen
from tui_nn.tui.screens.setup import SetupScreen


async def wait_for(pilot, condition, seconds=15.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def choose_tiny(pilot, app):
    setup = app.screen
    assert isinstance(setup, SetupScreen)
    await wait_for(pilot, lambda: setup.dataset is not None)   # the sample loads first
    setup.query_one("#dataset", Select).value = "tiny"
    await pilot.pause()
    return setup


async def test_choosing_an_uncached_dataset_asks_downloads_and_loads_it(monkeypatch):
    server = Server()
    try:
        monkeypatch.setitem(DOWNLOADABLE, "tiny", make_spec(server.mirror("m")))
        app = ScratchnetApp()
        async with app.run_test(size=(100, 32)) as pilot:
            setup = await choose_tiny(pilot, app)
            assert "not downloaded yet" in setup.dataset_error and "ctrl+d" in setup.dataset_error
            assert setup.check_action("download", ()) is True
            await pilot.press("ctrl+r")           # Start asks before downloading
            await pilot.pause()
            assert isinstance(app.screen, DownloadScreen)
            assert "to download into" in str(app.screen.query_one("#download-text", Static).render())
            await pilot.press("enter")            # the focused Download button
            await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen))
            await wait_for(pilot, lambda: setup.dataset is not None)
            assert (len(setup.dataset.x_train), len(setup.dataset.x_test)) == (N_TRAIN, N_TEST)
            assert dataset_status("tiny").ready
            labels = [label for label, value in setup.query_one("#dataset", Select)._options if value == "tiny"]
            assert "cached" in str(labels[0])
            assert not setup.check_action("download", ())
    finally:
        server.close()


async def test_a_failing_download_says_why_and_the_form_stays_usable(monkeypatch, tmp_path):
    server = Server()   # serves nothing under /empty/: every file is a 404
    try:
        monkeypatch.setitem(DOWNLOADABLE, "tiny", make_spec(f"{server.base}/empty/"))
        app = ScratchnetApp()
        async with app.run_test(size=(100, 32)) as pilot:
            setup = await choose_tiny(pilot, app)
            await pilot.press("ctrl+d")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, DownloadScreen)
            await pilot.press("enter")
            await wait_for(pilot, lambda: dialog.state == "failed")
            text = str(dialog.query_one("#download-text", Static).render())
            assert "train-images-idx3-ubyte.gz" in text and "404" in text
            await pilot.press("escape")           # Close
            await pilot.pause()
            assert isinstance(app.screen, SetupScreen)
            assert not dataset_status("tiny").ready and setup.dataset is None
            setup.query_one("#dataset", Select).value = "mnist-sample"
            await wait_for(pilot, lambda: setup.dataset is not None)
    finally:
        server.close()


async def test_the_dashboard_downloads_into_and_loads_from_its_data_dir(monkeypatch, tmp_path):
    server = Server()
    elsewhere = tmp_path / "given-with---data-dir"
    try:
        monkeypatch.setitem(DOWNLOADABLE, "tiny", make_spec(server.mirror("m")))
        app = ScratchnetApp(data_dir=str(elsewhere))
        async with app.run_test(size=(100, 32)) as pilot:
            setup = await choose_tiny(pilot, app)
            await pilot.press("ctrl+d")
            await wait_for(pilot, lambda: isinstance(app.screen, DownloadScreen))
            assert str(elsewhere) in str(app.screen.query_one("#download-text", Static).render())
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SetupScreen) and setup.dataset is not None
                           and len(setup.dataset.x_train) == N_TRAIN)
        assert dataset_status("tiny", elsewhere).ready
        assert not dataset_status("tiny").ready        # $SCRATCHNET_DATA_DIR was left alone
    finally:
        server.close()


async def test_a_long_failure_scrolls_in_its_dialog_at_80x24(monkeypatch):
    from textual.containers import VerticalScroll

    with socket.socket() as probe:          # a port nothing listens on: the machine is "offline"
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    monkeypatch.setitem(DOWNLOADABLE, "tiny", make_spec(dead))
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await choose_tiny(pilot, app)
        await pilot.press("ctrl+d")
        await pilot.pause()
        dialog = app.screen
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.state == "failed")
        await pilot.pause()
        text = str(dialog.query_one("#download-text", Static).render())
        files = [f for f in ("train-images", "train-labels", "t10k-images", "t10k-labels") if f in text]
        assert len(files) == 4, text
        body = dialog.query_one("#download-body", VerticalScroll)
        assert body.max_scroll_y > 0                      # more than fits: it scrolls
        assert app.focused is body                        # so the keys scroll it at once
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
