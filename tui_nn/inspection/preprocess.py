"""Prepare a hand-drawn digit the way the MNIST digits were prepared, so the network
sees a drawing as it saw its training images.

MNIST (LeCun et al.): each digit was size-normalised to fit in a 20x20 pixel box,
preserving its aspect ratio; the resampling anti-aliased it into grey levels; it was
then put in a 28x28 field with its centre of mass at the centre. Measured on the
embedded sample, that centre is pixel (14.0, 14.0) counting rows and columns from 0,
and every digit's inked box is at most 20x20. ``mnist_preprocess`` does the same:

1. crop the drawing to the bounding box of its ink;
2. resample it so its longer side is 20 pixels, by area averaging: each new pixel is
   the mean of the part of the drawing it covers, which is what gives grey edges;
3. scale the grey levels so the darkest pixel is 255;
4. place it in 28x28 so that its centre of mass lands on (14, 14), to the nearest
   whole pixel (kept inside the field if the ink is very lopsided).
"""

from __future__ import annotations

import numpy as np

FIELD = 28
BOX = 20
CENTRE = 14.0
INK_THRESHOLD = 0.05   # canvas values at or below this count as paper


def _as_canvas(canvas) -> np.ndarray:
    values = np.asarray(canvas)
    if values.ndim != 2 or 0 in values.shape:
        raise ValueError(f"a canvas must be a non-empty 2-D array, got shape {values.shape}")
    if values.dtype == np.uint8:
        return values.astype(np.float64) / 255.0
    if values.dtype.kind not in "fb":
        raise ValueError(f"a canvas must be uint8 (0..255), bool or float (0..1), got dtype {values.dtype}")
    values = values.astype(np.float64)
    if not np.all(np.isfinite(values)) or values.min() < 0 or values.max() > 1:
        raise ValueError("a float canvas must hold finite values in [0, 1]")
    return values


def area_resample_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix whose row i averages the input pixels under output pixel i,
    each weighted by how much of it that output pixel covers."""
    ratio = n_in / n_out
    lo = np.arange(n_out)[:, None] * ratio
    hi = lo + ratio
    j = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0.0, None)
    return overlap / ratio


def resize_area(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """``image`` resampled to (height, width) by area averaging (anti-aliased)."""
    rows = area_resample_matrix(image.shape[0], height)
    cols = area_resample_matrix(image.shape[1], width)
    return rows @ image @ cols.T


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted mean position, counting from 0."""
    total = float(image.sum())
    if total <= 0:
        raise ValueError("an empty image has no centre of mass")
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def mnist_preprocess(canvas) -> np.ndarray:
    """A drawing (2-D, uint8 0..255 or float 0..1, any size) as a uint8 (28, 28) MNIST-style
    digit: ink fitted in a 20x20 box, grey edges, centre of mass at the centre.
    A blank canvas gives a blank image."""
    values = _as_canvas(canvas)
    ink = values > INK_THRESHOLD
    if not ink.any():
        return np.zeros((FIELD, FIELD), np.uint8)
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    crop = values[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = BOX / max(h, w)
    new_h = min(BOX, max(1, int(round(h * scale))))
    new_w = min(BOX, max(1, int(round(w * scale))))
    patch = resize_area(crop, new_h, new_w)
    patch /= patch.max()
    cy, cx = centre_of_mass(patch)
    top = int(np.clip(round(CENTRE - cy), 0, FIELD - new_h))
    left = int(np.clip(round(CENTRE - cx), 0, FIELD - new_w))
    out = np.zeros((FIELD, FIELD))
    out[top:top + new_h, left:left + new_w] = patch
    return np.rint(out * 255).astype(np.uint8)
