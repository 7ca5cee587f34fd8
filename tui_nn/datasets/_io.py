"""Small file helpers shared by the readers: existence checks, gzip sniffing, read-only arrays."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Iterator

import numpy as np

from ..checked_read import MAX_NPZ_ARRAY_BYTES, NotAFileError, describe_non_file, open_regular
from .dataset import IMAGE_PIXELS, DatasetError

GZIP_MAGIC = b"\x1f\x8b"

# Everything gzip/zlib raise for a damaged or truncated stream (BadGzipFile is an OSError).
GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, OSError)


def fail(path: str | os.PathLike[str], what: str) -> DatasetError:
    """A ``DatasetError`` whose one-line message starts with the file name."""
    return DatasetError(f"{os.fspath(path)}: {what}")


def require_file(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as a Path, or raise a DatasetError saying what stands there instead of a
    regular file (nothing, a directory, a FIFO, a symlink loop...). Opens nothing."""
    problem = describe_non_file(path)
    if problem == "is a directory, not a file":
        problem = "is a directory, expected a file"
    if problem is not None:
        raise fail(path, problem)
    return Path(path)


def open_file(path: str | os.PathLike[str]):
    """``path`` opened for binary reading; DatasetError for anything but a readable regular file
    (a FIFO is refused without ever blocking on it)."""
    require_file(path)
    try:
        return open_regular(path)
    except NotAFileError as exc:
        raise fail(path, str(exc)) from None
    except OSError as exc:
        raise fail(path, f"cannot be read ({exc.strerror or exc})") from None


def is_gzip(path: str | os.PathLike[str]) -> bool:
    """True when the file starts with the gzip magic bytes 1f 8b (whatever its extension)."""
    fh = open_file(path)
    try:
        with fh:
            return fh.read(2) == GZIP_MAGIC
    except OSError as exc:
        raise fail(path, f"cannot be read ({exc.strerror or exc})") from None


def read_maybe_gzip(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, decompressed when it is gzip. Raises DatasetError on any I/O or gzip problem."""
    return b"".join(iter_file_bytes(path))


# The deflate format cannot expand data more than about 1032:1, so a gzip file of n bytes holds
# at most this many times n bytes: a header announcing more is a lie, whatever follows.
MAX_GZIP_RATIO = 1100

# The largest array a reader allocates (IDX payload, .npz member): 4 GiB, about 5.4 million images.
MAX_ARRAY_BYTES = MAX_NPZ_ARRAY_BYTES
# A gzip file inflating to more than BOMB_FLOOR bytes may compress at most MAX_INFLATE_RATIO:1
# (MNIST-like IDX files compress 2-5:1; a deflate bomb about 1000:1). Same rule as for .npz members.
BOMB_FLOOR = 64 << 20
MAX_INFLATE_RATIO = 100
READ_CHUNK = 1 << 20


def iter_file_bytes(path: str | os.PathLike[str], chunk: int = READ_CHUNK) -> Iterator[bytes]:
    """The file's contents in pieces of about ``chunk`` bytes, decompressed on the fly when it is
    gzip (recognised by its magic bytes; several concatenated members are read as one stream).

    Memory stays at a few chunks whatever the file's size, so a caller that knows the total size
    can fill a preallocated array (``gzip.decompress`` needs about 2.4 times the output while it
    grows its buffer). Raises DatasetError naming the file for a missing or unreadable file, a
    truncated gzip stream or corrupt gzip data.
    """
    fh = open_file(path)
    with fh:
        try:
            first = fh.read(max(chunk, 2))
        except OSError as exc:
            raise fail(path, f"cannot be read ({exc.strerror or exc})") from None
        if first[:2] != GZIP_MAGIC:
            data = first
            while data:
                yield data
                try:
                    data = fh.read(chunk)
                except OSError as exc:
                    raise fail(path, f"cannot be read ({exc.strerror or exc})") from None
            return
        def more() -> bytes:
            try:
                return fh.read(chunk)
            except OSError as exc:
                raise fail(path, f"cannot be read ({exc.strerror or exc})") from None

        # Each call inflates at most ``chunk`` bytes (max_length), so even a deflate bomb costs
        # one chunk of memory at a time.
        decompressor = zlib.decompressobj(wbits=31)
        pending = first
        while True:
            if not pending:
                pending = more()
                if not pending:
                    break
            if decompressor.eof:
                # Between members: the next one starts with the gzip magic, or zeros pad the end.
                if len(pending) < 2:
                    extra = more()
                    if extra:
                        pending += extra
                        continue
                if pending[:2] == GZIP_MAGIC:
                    decompressor = zlib.decompressobj(wbits=31)
                elif pending.strip(b"\0"):
                    raise fail(path, "corrupt gzip data (data after the end of the compressed stream)")
                else:
                    pending = b""
                    continue
            try:
                out = decompressor.decompress(pending, chunk)
            except zlib.error as exc:
                raise fail(path, f"corrupt gzip data ({exc})") from None
            pending = decompressor.unused_data if decompressor.eof else decompressor.unconsumed_tail
            if out:
                yield out
        if not decompressor.eof:
            raise fail(path, "truncated gzip stream (the compressed data ends before the end-of-stream marker)") from None


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
