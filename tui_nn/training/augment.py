"""Data augmentation: random distortions of whole batches of images, vectorised.

MNIST digits are centred by their centre of mass, so a digit shifted by a pixel or two,
turned by a few degrees, a little larger or slanted, or drawn with a slightly wobbly
stroke is still a plausible digit. Showing the network such variants teaches it what a
fully connected layer cannot learn from 4,000 images alone (Simard, Steinkraus and
Platt 2003: affine and elastic distortions are the decisive step for MLPs on MNIST).

- ``shift``: whole-pixel translations of up to 2 pixels (no resampling);
- ``affine``: a random rotation, scale, shear and translation per image, resampled
  bilinearly;
- ``elastic``: the affine distortion plus an elastic one, a random displacement field
  per image smoothed by a Gaussian (Simard's alpha and sigma), in the same resampling.

Every augmenter has ``apply(images, rng, out)``: uint8 images (n, side*side) in,
uint8 images out, all random numbers drawn from ``rng`` (so a seed replays a run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .augment_names import AUGMENT_HELP, AUGMENTS  # noqa: F401  (re-exported: part of this module's API)


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


# ------------------------------------------------------------------ affine and elastic
@dataclass(frozen=True)
class DistortionLimits:
    """How far a random distortion may go; each parameter is drawn uniformly in +-limit."""

    max_degrees: float = 12.0    # rotation
    max_scale: float = 0.12      # scale factor in 1 +- max_scale (one for both axes)
    max_shear: float = 0.2       # horizontal shear: x += shear * y (0.2 slants about 11 degrees)
    max_shift: float = 2.0       # translation, pixels, each axis
    elastic_alpha: float = 0.0   # elastic field's strength in pixels (Simard: 34 for 28x28)
    elastic_sigma: float = 4.0   # its smoothness, the Gaussian's standard deviation in pixels


AFFINE_LIMITS = DistortionLimits()
ELASTIC_LIMITS = DistortionLimits(max_degrees=8.0, max_scale=0.08, max_shear=0.15, max_shift=1.5,
                                  elastic_alpha=34.0, elastic_sigma=5.0)


def forward_matrices(degrees, scale, shear) -> np.ndarray:
    """(n, 2, 2) matrices, in (row, col) coordinates, of rotation @ shear @ scale.

    A positive angle turns the image anticlockwise as displayed (rows grow downwards);
    the shear slants columns: col += shear * row before the rotation."""
    theta = np.radians(np.asarray(degrees, np.float64))
    scale = np.asarray(scale, np.float64)
    shear = np.asarray(shear, np.float64)
    cos, sin = np.cos(theta), np.sin(theta)
    # in (x, y) with y down, anticlockwise on screen is x' = cos x + sin y, y' = -sin x + cos y;
    # as (row, col) = (y, x): row' = cos row - sin col, col' = sin row + cos col
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    shearing = np.zeros(theta.shape + (2, 2))
    shearing[..., 0, 0] = shearing[..., 1, 1] = 1
    shearing[..., 1, 0] = shear
    return rotation @ shearing * scale[..., None, None]


def gaussian_smoothing_matrix(side: int, sigma: float) -> np.ndarray:
    """(side, side) G with G @ f the 1-D Gaussian convolution of f along its first axis
    (zero outside the image, kernel normalised to sum 1, cut at 3 sigma). A separable 2-D
    smoothing of fields F (n, side, side) is then G @ F @ G.T: two batched matrix
    products, which BLAS does faster than any loop over kernel taps."""
    radius = max(1, math.ceil(3 * sigma))
    taps = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (taps / sigma) ** 2)
    kernel /= kernel.sum()
    g = np.zeros((side, side))
    for offset, weight in zip(taps, kernel):
        g += weight * np.eye(side, k=int(offset))
    return g


class DistortionAugmenter:
    """Random affine (and optionally elastic) distortions of a batch, one bilinear
    resampling for all of it.

    Each output pixel q is read at the source point p = A^-1 (q - c - t) + c + d(q), where
    c is the image centre, A the image's rotation @ shear @ scale, t its translation and
    d an elastic displacement field (zero unless elastic_alpha > 0). The source point is
    interpolated between its four neighbours; outside the image is background (0)."""

    def __init__(self, capacity: int, side: int = 28, limits: DistortionLimits = AFFINE_LIMITS):
        self.side, self.limits, self.capacity = side, limits, capacity
        p = self._padded_side = side + 3      # one zero row/col before, two after: see _resample
        self._padded = np.zeros((capacity, p, p), np.float32)
        rows, cols = np.mgrid[0:side, 0:side].astype(np.float32)
        centre = (side - 1) / 2
        # output pixels relative to the centre, homogeneous: (row - c, col - c, 1)
        self._q = np.stack([(rows - centre).ravel(), (cols - centre).ravel(),
                            np.ones(side * side, np.float32)])
        self._centre = centre
        self._smooth = (gaussian_smoothing_matrix(side, limits.elastic_sigma)
                        if limits.elastic_alpha > 0 else None)
        if self._smooth is not None:
            values, vectors = np.linalg.eigh(self._smooth)
            keep = np.abs(values) >= 0.01 * np.abs(values).max()
            self._basis = (vectors[:, keep] * values[keep]).astype(np.float32)
        self._src = np.empty((capacity, 2, side * side), np.float32)
        self._floor = np.empty((capacity, 2, side * side), np.float32)
        self._index = np.empty((capacity, side * side), np.intp)
        self._values = [np.empty((capacity, side * side), np.float32) for _ in range(4)]
        # first flat pixel index of each image inside the padded batch
        self._image_start = (np.arange(capacity) * p * p)[:, None]

    def draw(self, n: int, rng: np.random.Generator):
        """Random parameters for n images: (degrees, scale, shear, shift (n, 2), field or None)."""
        lim = self.limits
        degrees = rng.uniform(-lim.max_degrees, lim.max_degrees, n)
        scale = 1 + rng.uniform(-lim.max_scale, lim.max_scale, n)
        shear = rng.uniform(-lim.max_shear, lim.max_shear, n)
        shift = rng.uniform(-lim.max_shift, lim.max_shift, (n, 2))
        field = None
        if self._smooth is not None:
            field = self._elastic_field(n, rng)
        return degrees, scale, shear, shift, field

    def _elastic_field(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, 2, side, side) displacements: Simard's field, alpha * G F G^T for uniform noise
        F in [-1, 1] and G the Gaussian smoothing of sigma (``gaussian_smoothing_matrix``).

        Drawn in the smoothing's own basis: G = Q L Q^T (symmetric), so G F G^T =
        Q L (Q^T F Q) L Q^T, and Q^T F Q has uncorrelated entries of F's variance 1/3. Only
        the few eigenvalues of a wide Gaussian matter (``_basis`` keeps those above 1% of
        the largest), so a field is k x k normal numbers (k ~ 6 for sigma 5) and two small
        products instead of side^2 uniforms and two side^3 products: 10x faster at 28x28."""
        basis = self._basis                                   # (side, k): Q_k L_k
        k = basis.shape[1]
        coefficients = rng.standard_normal((n * 2, k, k), dtype=np.float32)
        coefficients *= np.float32(self.limits.elastic_alpha / math.sqrt(3))
        # basis @ C @ basis^T for every C, as two large products rather than 2n small ones
        m, s = n * 2, self.side
        right = (coefficients.reshape(m * k, k) @ basis.T).reshape(m, k, s)
        both = basis @ right.transpose(1, 0, 2).reshape(k, m * s)     # (s, m * s)
        return both.reshape(s, n, 2, s).transpose(1, 2, 0, 3)

    def apply(self, images: np.ndarray, rng: np.random.Generator, out: np.ndarray) -> np.ndarray:
        """images: uint8 (n, side*side); writes the distorted images into out and returns it."""
        degrees, scale, shear, shift, field = self.draw(len(images), rng)
        return self.warp(images, out, degrees, scale, shear, shift, field)

    def warp(self, images, out, degrees, scale, shear, shift, field=None) -> np.ndarray:
        """The distortion with the given parameters (per image), written into out (uint8).

        field: (n, 2, side, side) row and column displacements in pixels, or None."""
        n = len(images)
        if n > self.capacity:
            raise ValueError(f"batch of {n} exceeds the augmenter's capacity {self.capacity}")
        inverse = np.linalg.inv(forward_matrices(degrees, scale, shear))
        # p = A^-1 (q - c - t) + c = A^-1 (q - c) + (c - A^-1 t): a (2, 3) matrix per image,
        # applied to the homogeneous grid in one batched product
        transform = np.empty((n, 2, 3), np.float32)
        transform[:, :, :2] = inverse
        transform[:, :, 2] = self._centre - (inverse @ np.asarray(shift, np.float64).reshape(n, 2, 1))[:, :, 0]
        src = np.matmul(transform, self._q, out=self._src[:n])
        if field is not None:
            src.reshape(n, 2, self.side, self.side)[...] += field
        self._resample(images, src, out[:n])
        return out[:n]

    def _resample(self, images, src, out) -> None:
        """Bilinear interpolation of each image at its source points src (n, 2, side*side)."""
        n, s, p = len(images), self.side, self._padded_side
        padded = self._padded[:n]
        padded[:, 1:s + 1, 1:s + 1] = images.reshape(n, s, s)
        # Points beyond the image are clipped to one pixel outside it, where the padding is
        # 0: rows -1..s are padded rows 0..s+1, and the +1 neighbour of row s is padded s+2.
        src += np.float32(1)                      # into padded coordinates
        np.clip(src, 0, s + 1, out=src)
        floor = np.floor(src, out=self._floor[:n])
        top_left, top_right, bottom_left, bottom_right = (v[:n] for v in self._values)
        # flat index of the top-left corner: image start + row0 * p + col0
        np.multiply(floor[:, 0], np.float32(p), out=top_left)
        top_left += floor[:, 1]
        index = self._index[:n]
        np.copyto(index, top_left, casting="unsafe")   # exact: whole numbers below 2^24
        index += self._image_start[:n]
        src -= floor                              # now the fractional parts: the weights
        w_row, w_col = src[:, 0], src[:, 1]
        # mode="clip" (the indices are in range anyway) spares take a buffered copy: 3x faster
        flat = padded.reshape(-1)
        np.take(flat, index, out=top_left, mode="clip")
        index += 1
        np.take(flat, index, out=top_right, mode="clip")
        index += p
        np.take(flat, index, out=bottom_right, mode="clip")
        index -= 1
        np.take(flat, index, out=bottom_left, mode="clip")
        # along columns (top and bottom edges), then along rows: a + w (b - a)
        top_right -= top_left
        top_right *= w_col
        top_left += top_right
        bottom_right -= bottom_left
        bottom_right *= w_col
        bottom_left += bottom_right
        bottom_left -= top_left
        bottom_left *= w_row
        top_left += bottom_left
        top_left += np.float32(0.5)               # round to nearest on the cast (values >= 0)
        np.minimum(top_left, 255, out=top_left)
        np.copyto(out, top_left, casting="unsafe")


def make_augmenter(name: str, capacity: int, side: int = 28):
    """The augmenter for a config's ``augment`` value (None for "none")."""
    if name == "none":
        return None
    if name == "shift":
        return ShiftAugmenter(capacity, side)
    if name == "affine":
        return DistortionAugmenter(capacity, side, AFFINE_LIMITS)
    if name == "elastic":
        return DistortionAugmenter(capacity, side, ELASTIC_LIMITS)
    raise ValueError(f"unknown augmentation {name!r}; choose one of {', '.join(AUGMENTS)}")
