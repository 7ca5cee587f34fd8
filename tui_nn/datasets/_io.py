"""Small file helpers shared by the readers: existence checks, gzip sniffing, read-only arrays."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from .dataset import IMAGE_PIXELS, DatasetError

GZIP_MAGIC = b"\x1f\x8b"

# Everything gzip/zlib raise for a damaged or truncated stream (BadGzipFile is an OSError).
GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, OSError)


def fail(path: str | os.PathLike[str], what: str) -> DatasetError:
    """A ``DatasetError`` whose one-line message starts with the file name."""
    return DatasetError(f"{os.fspath(path)}: {what}")


def require_file(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as a Path, or raise a DatasetError if it is not a readable regular file."""
    p = Path(path)
    if not p.exists():
        raise fail(path, "does not exist")
    if p.is_dir():
        raise fail(path, "is a directory, expected a file")
    if not p.is_file():
        raise fail(path, "is not a regular file")
    return p


def is_gzip(path: str | os.PathLike[str]) -> bool:
    """True when the file starts with the gzip magic bytes 1f 8b (whatever its extension)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == GZIP_MAGIC
    except OSError as exc:
        raise fail(path, f"cannot be read ({exc.strerror or exc})") from None


def read_maybe_gzip(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, decompressed when it is gzip. Raises DatasetError on any I/O or gzip problem."""
    require_file(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise fail(path, f"cannot be read ({exc.strerror or exc})") from None
    if raw[:2] != GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise fail(path, "truncated gzip stream (the compressed data ends before the end-of-stream marker)") from None
    except GZIP_ERRORS as exc:
        raise fail(path, f"corrupt gzip data ({exc})") from None


def readonly(arr: np.ndarray) -> np.ndarray:
    """Flag ``arr`` read-only in place and return it."""
    arr.flags.writeable = False
    return arr


def frozen(arr: np.ndarray) -> np.ndarray:
    """A read-only view of a read-only array owning its data (copied first if ``arr`` is a view).

    NumPy lets the owner of a buffer switch ``writeable`` back on, but not a view of a read-only
    owner, so handing out only such views makes the data truly immutable for callers.
    """
    owner = arr if arr.base is None else arr.copy()
    owner.flags.writeable = False
    return owner.view()


def empty_images() -> np.ndarray:
    return frozen(np.empty((0, IMAGE_PIXELS), dtype=np.uint8))


def empty_labels() -> np.ndarray:
    return frozen(np.empty((0,), dtype=np.uint8))


def holdout_sizes(n: int) -> tuple[int, int]:
    """(n_train, n_test) for the deterministic split used for single-file labelled data: the *last*
    20% of the rows (``n // 5``, rounded down) are the test set, in file order, no shuffling."""
    n_test = n // 5
    return n - n_test, n_test
