"""Data augmentation: random translations of whole images, vectorised.

MNIST digits are centred by their centre of mass, so a digit shifted by a pixel or two
is still a plausible digit; showing the network such shifts teaches it that position
does not matter, which a fully connected layer cannot learn from 4,000 images alone.
"""

from __future__ import annotations

import numpy as np


class ShiftAugmenter:
    """Shift each image by (dy, dx), each drawn uniformly from -max_shift..max_shift,
    filling the uncovered border with 0 (background)."""

    def __init__(self, capacity: int, side: int = 28, max_shift: int = 2):
        self.side, self.pad = side, max_shift
        padded_side = side + 2 * max_shift
        self._padded = np.zeros((capacity, padded_side, padded_side), np.uint8)
        rows, cols = np.mgrid[0:side, 0:side]
        # flat index, in the padded image, of each output pixel when the shift is 0
        self._base = ((rows + max_shift) * padded_side + (cols + max_shift)).ravel()
        self._padded_side = padded_side

    def apply(self, images: np.ndarray, rng: np.random.Generator, out: np.ndarray) -> np.ndarray:
        """images: uint8 (n, side*side); writes the shifted images into out and returns it."""
        n, p, s = len(images), self.pad, self.side
        padded = self._padded[:n]
        padded[:, p:p + s, p:p + s] = images.reshape(n, s, s)
        dy = rng.integers(-p, p + 1, n)
        dx = rng.integers(-p, p + 1, n)
        # output pixel (r, c) takes input pixel (r - dy, c - dx)
        index = self._base[None, :] - (dy * self._padded_side + dx)[:, None]
        out[:n] = np.take_along_axis(padded.reshape(n, -1), index, axis=1)
        return out[:n]


def shift_image(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """One image (side, side) shifted by (dy, dx) with zero fill: the reference the
    vectorised version is tested against."""
    out = np.zeros_like(image)
    s = image.shape[0]
    out[max(dy, 0):s + min(dy, 0), max(dx, 0):s + min(dx, 0)] = \
        image[max(-dy, 0):s + min(-dy, 0), max(-dx, 0):s + min(-dx, 0)]
    return out
