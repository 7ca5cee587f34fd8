"""Draw a digit and watch the model read it.

The canvas is 28x28 pixels. Every change is prepared as MNIST digits were
(``tui_nn.inspection.preprocess.mnist_preprocess``: fitted in 20x20, grey edges, centred
by centre of mass) and classified with the network's own ``predict_proba``; the
prepared image ("the model sees") is shown beside the canvas.
"""

from __future__ import annotations

import numpy as np
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import Static

from ....format import percent
from ....inspection.data import InspectionData
from ....inspection.preprocess import mnist_preprocess
from ....inspection.renderers import RENDERER_NAMES
from ...widgets.digit_grid import DigitCanvas, DigitGrid
from ...widgets.inspect_parts import ProbabilityBars
from ...widgets.static_text import show_text
from .base import InspectScreen


class DrawScreen(InspectScreen):
    """``DrawScreen(data, renderer=None)``; needs ``data.network`` (without one it says so)."""

    SCREEN_KEY = "draw"
    TAB_LABEL = "Draw"
    AUTO_FOCUS = "#draw-canvas"
    BINDINGS = [
        Binding("up,k", "move(-1, 0)", "Up", id="draw-up", show=False),
        Binding("down,j", "move(1, 0)", "Down", id="draw-down", show=False),
        Binding("left,h", "move(0, -1)", "Left", id="draw-left", show=False),
        Binding("right,l", "move(0, 1)", "Right", id="draw-right", show=False),
        Binding("space", "paint(1)", "Paint", id="draw-paint", tooltip="Paint at the cursor"),
        Binding("e,backspace", "paint(0)", "Erase", id="draw-erase", show=False, tooltip="Erase at the cursor"),
        Binding("c", "clear", "Clear", id="draw-clear", tooltip="Clear the canvas"),
        Binding("b", "brush", "Brush", id="draw-brush", show=False, tooltip="Brush size: 2x2 or 1 pixel"),
        Binding("r", "cycle_renderer", "Render", id="draw-render", show=False,
                tooltip="Cycle the renderer: ASCII, half-height ASCII, half blocks"),
    ]
    WIDGET_KEYS = (
        ("arrows, h/j/k/l", "move the cursor (one pixel)"),
        ("mouse drag", "paint with the left button, erase with the right one"),
    )

    def __init__(self, data: InspectionData, *, renderer: str | None = None) -> None:
        super().__init__(data, renderer=renderer)
        memory = self.memory()
        self.start_pixels = memory.get("pixels")
        self.brush = memory.get("brush", 2)
        self.proba: np.ndarray | None = None
        self.prepared: np.ndarray | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        yield Static("", id="draw-summary", classes="inspect-summary")
        with Horizontal(id="draw-body", classes="inspect-body"):
            with Vertical(id="draw-canvas-box", classes="inspect-panel image-box"):
                yield DigitCanvas(self.renderer, pixels=self.start_pixels, brush=self.brush, id="draw-canvas")
            with Vertical(id="draw-seen-box", classes="inspect-panel image-box"):
                yield DigitGrid("image", self.renderer, placeholder="draw something", id="draw-seen")
            with Vertical(id="draw-detail", classes="inspect-panel"):
                yield Static("", id="draw-verdict")
                yield ProbabilityBars(id="draw-bars")
        yield from self.compose_bottom()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#draw-canvas-box").border_title = "Canvas"
        self.query_one("#draw-seen-box").border_title = "Model sees"
        self.query_one("#draw-detail").border_title = "Prediction"
        self._update_titles()
        self.classify(self.query_one(DigitCanvas).pixels)

    def renderer_changed(self) -> None:
        self.query_one(DigitCanvas).mode = self.renderer
        self.query_one("#draw-seen", DigitGrid).mode = self.renderer
        self._update_titles()

    def _update_titles(self) -> None:
        canvas = self.query_one(DigitCanvas)
        self.query_one("#draw-canvas-box").border_subtitle = f"brush {canvas.brush}"
        self.query_one("#draw-seen-box").border_subtitle = f"r: {RENDERER_NAMES[self.renderer]}"
        row, col = canvas.cursor or (0, 0)
        hint = ("drag the mouse (right button erases), or arrows + space; "
                "c clears, b brush") if self.data.network is not None else ""
        show_text(self.query_one("#draw-summary", Static),   # two lines high: no layout pass
                  f"cursor row {row:2d}, column {col:2d}  [dim]{hint}[/]", layout=False)

    # ------------------------------------------------------------- classify
    def classify(self, pixels: np.ndarray) -> None:
        """Prepare the drawing as MNIST was, and show what the network makes of it."""
        self.memory()["pixels"] = pixels.copy()
        verdict = self.query_one("#draw-verdict", Static)
        bars = self.query_one("#draw-bars", ProbabilityBars)
        seen = self.query_one("#draw-seen", DigitGrid)
        network = self.data.network
        if network is None or network.arch.sizes[0] != 784:
            verdict.update("[b $text-warning]No trained network here:[/] drawing needs the model "
                           "(open inspection from a run with its weights).")
            bars.show(None, self.data.class_names)
            seen.show(None)
            return
        if not np.any(pixels > 0):
            self.proba = self.prepared = None
            seen.show(None)
            verdict.update("[dim]Draw a digit: the prediction follows every stroke.[/]")
            bars.show(None, self.data.class_names)
            return
        self.prepared = mnist_preprocess(pixels)
        self.proba = network.predict_proba(self.prepared.reshape(1, -1))[0]
        seen.show(self.prepared)
        best = int(np.argmax(self.proba))
        verdict.update(f"[b]{escape(self.data.class_names[best])}[/]  "
                       f"{percent(self.proba[best])} sure")
        bars.show(self.proba, self.data.class_names, predicted=best)

    @property
    def top_prediction(self) -> int | None:
        return None if self.proba is None else int(np.argmax(self.proba))

    @on(DigitCanvas.Changed)
    def _canvas_changed(self, message: DigitCanvas.Changed) -> None:
        self.classify(message.pixels)
        self._update_titles()

    # -------------------------------------------------------------- actions
    def action_move(self, d_row: int, d_col: int) -> None:
        self.query_one(DigitCanvas).move_cursor(d_row, d_col)
        self._update_titles()

    def action_paint(self, value: int) -> None:
        self.query_one(DigitCanvas).paint_cursor(float(value))

    def action_clear(self) -> None:
        self.query_one(DigitCanvas).clear()

    def action_brush(self) -> None:
        canvas = self.query_one(DigitCanvas)
        canvas.brush = 1 if canvas.brush == 2 else 2
        self.memory()["brush"] = canvas.brush
        self._update_titles()
