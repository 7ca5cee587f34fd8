"""A 28x28 image (or a hidden unit's weights) drawn in the terminal, and a canvas to draw on.

``DigitGrid`` shows one image with one of the renderers of ``tui_nn.inspection.renderers``
(``ascii`` 56x28 cells, ``ascii-half`` 28x14, ``blocks`` 28x14); its size follows the
renderer, so give it ``width: auto; height: auto``. ``DigitCanvas`` adds a cursor, the
keyboard and the mouse, and posts ``DigitCanvas.Changed`` whenever a pixel changes.

Colour only ever adds to what the characters say: the ASCII renderers read the same in
monochrome (NO_COLOR), and ``best_renderer`` only picks half blocks when the terminal
has 256 colours or more.
"""

from __future__ import annotations

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ...inspection.renderers import (
    HALF_BLOCK, RENDERER_SIZES, RENDERERS, SIDE, as_image, as_weights, render_ascii,
    render_ascii_half, render_blocks, render_weights_ascii, render_weights_ascii_half,
    render_weights_blocks,
)

# Weight colours (on black): orange for positive, blue for negative; the pair stays apart
# for the common colour-vision deficiencies, and the characters carry the sign anyway.
POSITIVE_RGB = (255, 150, 40)
NEGATIVE_RGB = (70, 150, 255)
CURSOR_RGB = (255, 60, 200)


def has_colour(app: App) -> bool:
    """True when grey levels can be shown as colours: not NO_COLOR, 256 colours or more."""
    return not getattr(app, "no_color", False) and app.console.color_system in ("256", "truecolor")


def best_renderer(width: int, height: int, colour: bool) -> str:
    """The most legible renderer that fits ``width`` x ``height`` cells: full ASCII if it
    fits, else half blocks with colour, else half-height ASCII."""
    full_w, full_h = RENDERER_SIZES["ascii"]
    if width >= full_w and height >= full_h:
        return "ascii"
    return "blocks" if colour else "ascii-half"


def next_renderer(mode: str) -> str:
    return RENDERERS[(RENDERERS.index(mode) + 1) % len(RENDERERS)]


def _grey(value: int) -> str:
    return f"rgb({value},{value},{value})"


def _diverging(value: float) -> str:
    base = POSITIVE_RGB if value >= 0 else NEGATIVE_RGB
    m = min(abs(value), 1.0)
    r, g, b = (int(round(c * m)) for c in base)
    return f"rgb({r},{g},{b})"


class DigitGrid(Widget):
    """One 28x28 image. ``kind`` is "image" (grey levels 0..1) or "weights" (signed)."""

    DEFAULT_CSS = """
    DigitGrid {
        width: auto;
        height: auto;
    }
    """

    mode: reactive[str] = reactive("ascii-half", layout=True)
    cursor: reactive[tuple[int, int] | None] = reactive(None)

    def __init__(self, kind: str = "image", mode: str = "ascii-half", *, placeholder: str = "no image",
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        if kind not in ("image", "weights"):
            raise ValueError(f"kind must be 'image' or 'weights', got {kind!r}")
        self.kind = kind
        self.placeholder = placeholder
        self.values: np.ndarray | None = None
        self.scale: float | None = None
        self.set_reactive(DigitGrid.mode, mode)

    def validate_mode(self, mode: str) -> str:
        if mode not in RENDERERS:
            raise ValueError(f"renderer must be one of {', '.join(RENDERERS)}, got {mode!r}")
        return mode

    def show(self, values, scale: float | None = None) -> None:
        """Draw ``values`` (validated; None shows the placeholder). ``scale`` is the |weight|
        drawn at full strength (weights only; default: this unit's largest)."""
        if values is None:
            self.values = None
        else:
            self.values = as_image(values) if self.kind == "image" else as_weights(values)
        self.scale = scale
        self.refresh()

    # ------------------------------------------------------------------ size
    def get_content_width(self, container: Size, viewport: Size) -> int:
        return RENDERER_SIZES[self.mode][0]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return RENDERER_SIZES[self.mode][1]

    # ---------------------------------------------------------------- render
    def cursor_cell(self) -> tuple[int, int] | None:
        """(row, first column) of the text cell holding the cursor pixel."""
        if self.cursor is None:
            return None
        r, c = self.cursor
        return (r, 2 * c) if self.mode == "ascii" else (r // 2, c)

    def render(self) -> Text:
        width, height = RENDERER_SIZES[self.mode]
        if self.values is None:
            lines = [""] * height
            words = self.placeholder[:width]
            lines[height // 2] = words.center(width)
            return Text("\n".join(line.ljust(width) for line in lines), style="dim")
        if self.mode == "blocks":
            return self._render_blocks()
        if self.kind == "image":
            rows = render_ascii(self.values) if self.mode == "ascii" else render_ascii_half(self.values)
        else:
            render = render_weights_ascii if self.mode == "ascii" else render_weights_ascii_half
            rows = render(self.values, self.scale)
        text = Text("\n".join(rows), no_wrap=True, overflow="crop")
        cell = self.cursor_cell()
        if cell is not None:
            r, c = cell
            start = r * (width + 1) + c
            text.stylize(Style(reverse=True, bold=True), start, start + (2 if self.mode == "ascii" else 1))
        return text

    def _render_blocks(self) -> Text:
        if self.kind == "image":
            cells = render_blocks(self.values)
            colour = _grey
        else:
            cells = render_weights_blocks(self.values, self.scale)
            colour = _diverging
        cursor = self.cursor
        text = Text(no_wrap=True, overflow="crop")
        for r, row in enumerate(cells):
            if r:
                text.append("\n")
            for c, (upper, lower) in enumerate(row):
                fg, bg = colour(upper), colour(lower)
                if cursor is not None and cursor[1] == c and cursor[0] // 2 == r:
                    if cursor[0] % 2 == 0:
                        fg = "rgb({},{},{})".format(*CURSOR_RGB)
                    else:
                        bg = "rgb({},{},{})".format(*CURSOR_RGB)
                text.append(HALF_BLOCK, Style.parse(f"{fg} on {bg}"))
        return text


class DigitCanvas(DigitGrid, can_focus=True):
    """A 28x28 canvas: drag with the left button to paint, the right one to erase; or move
    the cursor with the arrow keys and paint with space. ``brush`` is 1 (one pixel) or
    2 (2x2 pixels from the cursor down and to the right)."""

    class Changed(Message):
        """The drawing changed; ``pixels`` is a copy, float (28, 28) in [0, 1]."""

        def __init__(self, canvas: "DigitCanvas", pixels: np.ndarray) -> None:
            super().__init__()
            self.canvas = canvas
            self.pixels = pixels

    def __init__(self, mode: str = "ascii-half", *, pixels: np.ndarray | None = None, brush: int = 2,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__("image", mode, id=id, classes=classes)
        self.pixels = np.zeros((SIDE, SIDE)) if pixels is None else as_image(pixels).copy()
        self.brush = brush
        self._drag_value: float | None = None
        self.values = self.pixels
        self.set_reactive(DigitCanvas.cursor, (SIDE // 2, SIDE // 2))

    # -------------------------------------------------------------- drawing
    def set_pixels(self, pixels) -> None:
        """Replace the whole drawing (e.g. with a test image)."""
        self.pixels = as_image(pixels).copy()
        self._changed()

    def clear(self) -> None:
        self.pixels = np.zeros((SIDE, SIDE))
        self._changed()

    def paint(self, row: int, col: int, value: float = 1.0, rows: int = 1) -> None:
        """Paint the brush at pixel (row, col); ``rows`` > 1 paints that many pixel rows
        (a half-height text cell covers two)."""
        b = self.brush
        r0, r1 = max(row, 0), min(row + max(b, rows), SIDE)
        c0, c1 = max(col, 0), min(col + b, SIDE)
        if r0 >= r1 or c0 >= c1:
            return
        block = self.pixels[r0:r1, c0:c1]
        if np.all(block == value):
            return
        block[...] = value
        self._changed()

    def paint_cursor(self, value: float = 1.0) -> None:
        if self.cursor is not None:
            self.paint(*self.cursor, value=value)

    def move_cursor(self, d_row: int, d_col: int) -> None:
        r, c = self.cursor or (0, 0)
        self.cursor = (min(max(r + d_row, 0), SIDE - 1), min(max(c + d_col, 0), SIDE - 1))

    def _changed(self) -> None:
        self.values = self.pixels
        self.refresh()
        self.post_message(self.Changed(self, self.pixels.copy()))

    # ---------------------------------------------------------------- mouse
    def _pixel_at(self, x: int, y: int) -> tuple[int, int, int]:
        """(row, col, pixel rows covered) under text cell (x, y) of the content."""
        if self.mode == "ascii":
            return y, x // 2, 1
        return 2 * y, x, 2

    def _paint_at_offset(self, x: int, y: int) -> None:
        width, height = RENDERER_SIZES[self.mode]
        if not (0 <= x < width and 0 <= y < height) or self._drag_value is None:
            return
        row, col, rows = self._pixel_at(x, y)
        self.cursor = (row, col)
        self.paint(row, col, self._drag_value, rows)

    def on_mouse_down(self, event) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        self.focus()
        self._drag_value = 0.0 if event.button == 3 else 1.0
        self.capture_mouse()
        self._paint_at_offset(offset.x, offset.y)
        event.stop()

    def on_mouse_move(self, event) -> None:
        if self._drag_value is None:
            return
        offset = event.get_content_offset_capture(self)
        self._paint_at_offset(offset.x, offset.y)

    def on_mouse_up(self, event) -> None:
        if self._drag_value is not None:
            self._drag_value = None
            self.release_mouse()
