"""Snapshots of the inspection screens at 80x24 (the usual SSH window) and 120x40, on the
network of the ``inspection_model`` fixture (fixed seed). Renderers are given explicitly,
so the snapshots do not depend on the colours of the terminal running the tests.
Update with ``pytest tests/test_inspection_snapshots.py --snapshot-update``."""

from __future__ import annotations

import pytest
from textual.app import App

from tui_nn.inspection import inspection_data_from
from tui_nn.tui.screens.inspect import make_inspect_screen
from tui_nn.tui.widgets.digit_grid import DigitCanvas

SMALL, LARGE = (80, 24), (120, 40)


class SnapshotHost(App[None]):
    def __init__(self, data, key: str, **screen_kwargs) -> None:
        super().__init__()
        self.data, self.key, self.screen_kwargs = data, key, screen_kwargs

    def on_mount(self) -> None:
        self.push_screen(make_inspect_screen(self.key, self.data, **self.screen_kwargs))


@pytest.fixture
def data(inspection_model):
    network, dataset = inspection_model
    return inspection_data_from(network, dataset)


@pytest.mark.parametrize("key, size, renderer", [
    ("mistakes", SMALL, "ascii-half"),
    ("mistakes", SMALL, "blocks"),
    ("mistakes", LARGE, "ascii"),
    ("confusion", SMALL, None),
    ("confusion", LARGE, None),
    ("weights", SMALL, "ascii-half"),
    ("weights", LARGE, "ascii"),
], ids=lambda v: f"{v[0]}x{v[1]}" if isinstance(v, tuple) else str(v))
def test_screens(snap_compare, data, key, size, renderer):
    app = SnapshotHost(data, key, renderer=renderer) if renderer else SnapshotHost(data, key)
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size, renderer", [(SMALL, "ascii-half"), (LARGE, "ascii")],
                         ids=["80x24-ascii-half", "120x40-ascii"])
def test_draw_screen_with_a_drawing(snap_compare, data, inspection_model, size, renderer):
    _, dataset = inspection_model
    digit = dataset.x_test[1].reshape(28, 28) >= 128

    async def draw(pilot):
        pilot.app.screen.query_one(DigitCanvas).set_pixels(digit.astype(float))
        await pilot.pause()

    assert snap_compare(SnapshotHost(data, "draw", renderer=renderer), terminal_size=size, run_before=draw)
