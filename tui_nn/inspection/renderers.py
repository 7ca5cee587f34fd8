"""A 28x28 image as terminal text, three ways, plus the same for a hidden unit's weights.

A terminal cell is about twice as tall as it is wide, so a square pixel is either two
characters side by side (full-height ASCII, 56x28 cells) or half a character cell
stacked on another (half-height forms, 28x14 cells).

- ``render_ascii``       one character from ``ASCII_RAMP`` per pixel, written twice:
                         56x28, the most legible, needs a tall terminal.
- ``render_ascii_half``  two pixel rows per text row, 28x14, fits 80x24. The character
                         says which half is inked (top ``'"``, bottom ``.o``, both
                         ``:+#@``) and how darkly; it needs no colour at all.
- ``render_blocks``      grey levels for Unicode upper half blocks ``▀`` (foreground =
                         upper pixel, background = lower pixel), 28x14; needs colour.

The weight renderers are diverging: positive weights draw with ``+*#``, negative with
``-~=`` (strength grows to the right), so the sign reads without colour; the block form
gives signed levels in [-1, 1] for the widget to colour.

Images are validated by ``as_image``: shape (28, 28) or (784,), uint8 0..255 or float
in [0, 1]; anything else is refused with a ValueError that says what was wrong.
"""

from __future__ import annotations

import numpy as np

SIDE = 28
PIXELS = SIDE * SIDE
RENDERERS = ("ascii", "ascii-half", "blocks")
RENDERER_NAMES = {"ascii": "ASCII", "ascii-half": "ASCII half-height", "blocks": "half blocks"}
# Cells (columns, rows) each renderer needs for one image.
RENDERER_SIZES = {"ascii": (2 * SIDE, SIDE), "ascii-half": (SIDE, SIDE // 2), "blocks": (SIDE, SIDE // 2)}

# Light to dark; the blank is for (near) zero. 10 levels: v in [k/10, (k+1)/10) -> k.
ASCII_RAMP = " .:-=+*#%@"

# Half-height ASCII: a pixel is ink from INK_MIN, dark ink from DARK_MIN.
INK_MIN = 0.2
DARK_MIN = 0.6
TOP_ONLY = ("'", '"')            # light, dark
BOTTOM_ONLY = (".", "o")         # light, dark
BOTH = (":", "+", "#", "@")      # by the mean of the two pixels, from INK_MIN to 1
HALF_BLOCK = "\u2580"            # ▀ upper half block

# Weights: |w| / scale below the first step draws blank, then three strengths per sign.
WEIGHT_STEPS = (0.15, 0.4, 0.7)
POSITIVE = ("+", "*", "#")
NEGATIVE = ("-", "~", "=")


def _check_shape(values: np.ndarray, what: str) -> np.ndarray:
    if values.shape == (PIXELS,):
        return values.reshape(SIDE, SIDE)
    if values.shape == (SIDE, SIDE):
        return values
    raise ValueError(f"{what} must have shape (28, 28) or (784,), got {values.shape}")


def as_image(image) -> np.ndarray:
    """The image as float64 (28, 28) in [0, 1].

    Accepts uint8 0..255 or float in [0, 1], of shape (28, 28) or (784,). Refuses any
    other shape, dtype, NaN, infinity or out-of-range float with a ValueError."""
    values = np.asarray(image)
    values = _check_shape(values, "an image")
    if values.dtype == np.uint8:
        return values.astype(np.float64) / 255.0
    if values.dtype.kind != "f":
        raise ValueError(f"an image must be uint8 (0..255) or float (0..1), got dtype {values.dtype}")
    if not np.all(np.isfinite(values)):
        raise ValueError("an image must not contain NaN or infinity")
    low, high = float(values.min()), float(values.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(f"a float image must have values in [0, 1], got {low:g}..{high:g} "
                         f"(pass uint8 for 0..255)")
    return values.astype(np.float64)


def as_weights(weights) -> np.ndarray:
    """A unit's 784 input weights as float64 (28, 28); finite values of any range."""
    values = np.asarray(weights)
    values = _check_shape(values, "weights")
    if values.dtype.kind != "f":
        raise ValueError(f"weights must be float, got dtype {values.dtype}")
    if not np.all(np.isfinite(values)):
        raise ValueError("weights must not contain NaN or infinity")
    return values.astype(np.float64)


def ramp_index(values: np.ndarray) -> np.ndarray:
    """Index into ``ASCII_RAMP`` for values in [0, 1]."""
    n = len(ASCII_RAMP)
    return np.minimum((values * n).astype(np.intp), n - 1)


def render_ascii(image) -> list[str]:
    """28 rows of 56 characters: each pixel is its ``ASCII_RAMP`` character, twice."""
    img = as_image(image)
    chars = np.array(list(ASCII_RAMP))[ramp_index(img)]
    return ["".join(c + c for c in row) for row in chars]


def _half_char(top: float, bottom: float) -> str:
    top_ink, bottom_ink = top >= INK_MIN, bottom >= INK_MIN
    if top_ink and bottom_ink:
        mean = (top + bottom) / 2
        step = (1.0 - INK_MIN) / len(BOTH)
        return BOTH[min(int((mean - INK_MIN) / step), len(BOTH) - 1)]
    if top_ink:
        return TOP_ONLY[int(top >= DARK_MIN)]
    if bottom_ink:
        return BOTTOM_ONLY[int(bottom >= DARK_MIN)]
    return " "


def render_ascii_half(image) -> list[str]:
    """14 rows of 28 characters: row r shows pixel rows 2r (top) and 2r+1 (bottom)."""
    img = as_image(image).tolist()
    return ["".join(_half_char(t, b) for t, b in zip(img[r], img[r + 1]))
            for r in range(0, SIDE, 2)]


def render_blocks(image) -> list[list[tuple[int, int]]]:
    """14 rows of 28 cells, each (upper grey, lower grey) in 0..255, for a ``▀`` whose
    foreground is the upper pixel and background the lower one."""
    grey = np.rint(as_image(image) * 255).astype(int)
    return [list(zip(grey[r].tolist(), grey[r + 1].tolist())) for r in range(0, SIDE, 2)]


# ------------------------------------------------------------------ weights
def weight_levels(weights, scale: float | None = None) -> np.ndarray:
    """Signed strength per pixel, -3..3 (0: smaller than the first step of ``scale``).

    ``scale`` defaults to the largest |weight| of this unit."""
    w = as_weights(weights)
    return _levels(w, _scale(w, scale))


def _scale(w: np.ndarray, scale: float | None) -> float:
    if scale is None:
        scale = float(np.abs(w).max())
    return scale if scale > 0 else 1.0


def _levels(w: np.ndarray, scale: float) -> np.ndarray:
    magnitude = np.searchsorted(np.array(WEIGHT_STEPS), np.abs(w) / scale, side="right")
    return np.sign(w).astype(np.intp) * magnitude


def _weight_char(level: int) -> str:
    if level > 0:
        return POSITIVE[level - 1]
    if level < 0:
        return NEGATIVE[-level - 1]
    return " "


def render_weights_ascii(weights, scale: float | None = None) -> list[str]:
    """28 rows of 56 characters: ``+*#`` for positive weights, ``-~=`` for negative ones."""
    levels = weight_levels(weights, scale)
    return ["".join(_weight_char(v) * 2 for v in row) for row in levels.tolist()]


def render_weights_ascii_half(weights, scale: float | None = None) -> list[str]:
    """14 rows of 28 characters: each the mean of two vertically adjacent weights."""
    w = as_weights(weights)
    pairs = (w[0::2] + w[1::2]) / 2
    levels = _levels(pairs, _scale(w, scale))
    return ["".join(_weight_char(v) for v in row) for row in levels.tolist()]


def render_weights_blocks(weights, scale: float | None = None) -> list[list[tuple[float, float]]]:
    """14 rows of 28 cells, each (upper, lower) weight divided by ``scale``, clipped to [-1, 1]."""
    w = as_weights(weights)
    v = np.clip(w / _scale(w, scale), -1.0, 1.0)
    return [list(zip(v[r].tolist(), v[r + 1].tolist())) for r in range(0, SIDE, 2)]
