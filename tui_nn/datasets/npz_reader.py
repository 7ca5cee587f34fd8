"""Reader for ``.npz`` archives holding ``x_train``, ``y_train``, ``x_test`` and ``y_test``.

Images may be (n, 28, 28) or (n, 784), of any integer dtype with values 0..255, or floating point
in [0, 1] (converted to uint8 by rounding ``x * 255``). Labels are 1-D integers in 0..9 ((n, 1)
is accepted and flattened). Everything is returned as read-only uint8.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._io import fail, frozen, require_file
from .dataset import DIGIT_NAMES, IMAGE_PIXELS, IMAGE_SIDE, Dataset

REQUIRED_KEYS = ("x_train", "y_train", "x_test", "y_test")
N_LABELS = 10


def _image_shape(path: str | os.PathLike[str], key: str, shape: tuple[int, ...]) -> None:
    if not (len(shape) == 3 and shape[1:] == (IMAGE_SIDE, IMAGE_SIDE) or len(shape) == 2 and shape[1] == IMAGE_PIXELS):
        raise fail(path, f"{key} has shape {shape}, expected (n, {IMAGE_SIDE}, {IMAGE_SIDE}) or (n, {IMAGE_PIXELS})")


def _label_shape(path: str | os.PathLike[str], key: str, shape: tuple[int, ...]) -> None:
    if not (len(shape) == 1 or len(shape) == 2 and shape[1] == 1):
        raise fail(path, f"{key} has shape {shape}, expected (n,)")


def _images(path: str | os.PathLike[str], key: str, arr: np.ndarray) -> np.ndarray:
    if arr.ndim == 3 and arr.shape[1:] == (IMAGE_SIDE, IMAGE_SIDE):
        arr = arr.reshape(len(arr), IMAGE_PIXELS)
    elif not (arr.ndim == 2 and arr.shape[1] == IMAGE_PIXELS):
        raise fail(
            path,
            f"{key} has shape {arr.shape}, expected (n, {IMAGE_SIDE}, {IMAGE_SIDE}) or (n, {IMAGE_PIXELS})",
        )
    if arr.dtype == np.uint8:
        return frozen(np.ascontiguousarray(arr))
    if np.issubdtype(arr.dtype, np.integer):
        if arr.size and (arr.min() < 0 or arr.max() > 255):
            raise fail(path, f"{key} has pixel values {arr.min()}..{arr.max()}, expected 0..255")
        return frozen(arr.astype(np.uint8))
    if np.issubdtype(arr.dtype, np.floating):
        if arr.size:
            if not np.isfinite(arr).all():
                raise fail(path, f"{key} contains NaN or infinite values")
            lo, hi = float(arr.min()), float(arr.max())
            if lo < 0.0 or hi > 1.0:
                hint = " (looks like 0..255: store integers instead)" if hi <= 255.0 and lo >= 0.0 else ""
                raise fail(path, f"{key} has float pixel values {lo:g}..{hi:g}, expected [0, 1]{hint}")
        return frozen(np.rint(arr * 255.0).astype(np.uint8))
    raise fail(path, f"{key} has dtype {arr.dtype}, expected integers 0..255 or floats in [0, 1]")


def _labels(path: str | os.PathLike[str], key: str, arr: np.ndarray) -> np.ndarray:
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise fail(path, f"{key} has shape {arr.shape}, expected (n,)")
    if not np.issubdtype(arr.dtype, np.integer):
        raise fail(path, f"{key} has dtype {arr.dtype}, expected integer labels 0..{N_LABELS - 1}")
    if arr.size and (arr.min() < 0 or arr.max() >= N_LABELS):
        bad = int(np.argmax((arr < 0) | (arr >= N_LABELS)))
        raise fail(path, f"{key}[{bad}] = {arr[bad]} is outside 0..{N_LABELS - 1}")
    return frozen(arr.astype(np.uint8))


def load_npz(
    path: str | os.PathLike[str],
    name: str | None = None,
    class_names: tuple[str, ...] = DIGIT_NAMES,
) -> Dataset:
    """Load a Dataset from an .npz with x_train, y_train, x_test, y_test (see the module docstring).

    A split may be empty (0 images) but not both. ``name`` defaults to the file name without
    ``.npz``. Raises DatasetError naming the file for a missing file, a file that is not an npz,
    missing keys, bad shapes, dtypes or value ranges, and image/label count mismatches.
    """
    from ..checked_read import NpzArchive, NpzError

    require_file(path)
    try:
        with NpzArchive(path) as archive:
            missing = [k for k in REQUIRED_KEYS if k not in archive.names]
            if missing:
                have = ", ".join(archive.names) or "nothing"
                raise fail(path, f"missing key(s) {', '.join(missing)} (the archive holds {have})")
            # Shapes and counts are checked from the .npy headers before any data is read.
            shapes = {k: archive.header(k)[0] for k in REQUIRED_KEYS}
            for key in REQUIRED_KEYS:
                check = _image_shape if key.startswith("x_") else _label_shape
                check(path, key, shapes[key])
            for split in ("train", "test"):
                nx, ny = shapes[f"x_{split}"][0], shapes[f"y_{split}"][0]
                if nx != ny:
                    raise fail(path, f"x_{split} holds {nx} images but y_{split} holds {ny} labels")
            arrays = {k: archive.read(k) for k in REQUIRED_KEYS}
    except NpzError as exc:
        raise fail(path, str(exc)) from None

    x_train = _images(path, "x_train", arrays["x_train"])
    y_train = _labels(path, "y_train", arrays["y_train"])
    x_test = _images(path, "x_test", arrays["x_test"])
    y_test = _labels(path, "y_test", arrays["y_test"])
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if len(x) != len(y):
            raise fail(path, f"x_{split} holds {len(x)} images but y_{split} holds {len(y)} labels")
    if len(x_train) == 0 and len(x_test) == 0:
        raise fail(path, "holds no images (x_train and x_test are both empty)")
    stem = Path(path).name
    return Dataset(
        name=name or (stem[:-4] if stem.endswith(".npz") else stem),
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        class_names=tuple(class_names),
        source=str(path),
    )
