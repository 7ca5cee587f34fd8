"""Reader for the Kaggle "digit-recognizer" CSV format (plain or gzip).

Labelled files (Kaggle's train.csv) have the header ``label,pixel0,...,pixel783``; unlabelled ones
(Kaggle's test.csv) have ``pixel0,...,pixel783``. One image per row, pixels 0..255, labels 0..9.

The file is parsed by pandas' C engine in chunks of rows straight into uint8 (pandas refuses to
squeeze a value that does not fit, so anything outside 0..255 or non-integer makes it fail), each
chunk copied into one preallocated array: the peak is about the pixel bytes plus a chunk, not the
1.49 GB a whole-file parse of a 200k-row file took. Only when the fast path fails is the file walked
again with the ``csv`` module to name the first bad row and column. Gzip is inflated a MiB at a time,
and a stream inflating beyond the deflate-bomb rule of ``_io`` is refused as it streams.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import warnings
from contextlib import contextmanager
from typing import Callable, Iterator

import numpy as np

from ._io import (
    BOMB_FLOOR,
    GZIP_ERRORS,
    GZIP_MAGIC,
    MAX_INFLATE_RATIO,
    fail,
    iter_file_bytes,
    open_file,
    require_file,
)
from .dataset import IMAGE_PIXELS

LABEL_COLUMN = "label"
N_LABELS = 10
_LABELLED_COLUMNS = IMAGE_PIXELS + 1
_EXPECTED = (
    f"{_LABELLED_COLUMNS} (label,pixel0..pixel{IMAGE_PIXELS - 1}) "
    f"or {IMAGE_PIXELS} (pixel0..pixel{IMAGE_PIXELS - 1}, unlabelled)"
)
_READ_ERRORS = GZIP_ERRORS + (UnicodeDecodeError,)
# The longest first line accepted (the csv module's own field limit is 128 KiB too).
MAX_HEADER_CHARS = 128 * 1024


@contextmanager
def _open_text(path: str | os.PathLike[str]) -> Iterator[io.TextIOBase]:
    raw = open_file(path)  # a regular file, opened without blocking on a FIFO
    gz = raw.read(2) == GZIP_MAGIC
    raw.seek(0)
    with raw, (gzip.open(raw, "rt", encoding="utf-8-sig", newline="") if gz
               else io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")) as fh:
        yield fh


def read_csv_header(path: str | os.PathLike[str]) -> list[str]:
    """Validate the header row of a Kaggle digit CSV and return its column names.

    Raises DatasetError for a missing/empty file, a wrong column count, a missing header row, or a
    784-column file whose first column is ``label`` (one pixel column short).
    """
    require_file(path)
    try:
        with _open_text(path) as fh:
            # One bounded read: a header is about 7 KB; a longer first line is no digit CSV (and
            # the csv module would raise for a field over its 128 KiB limit).
            first = fh.readline(MAX_HEADER_CHARS + 1)
        if len(first) > MAX_HEADER_CHARS:
            raise fail(path, f"the first line is longer than {MAX_HEADER_CHARS >> 10} KiB: not a header row "
                             "(expected label,pixel0..pixel783 or pixel0..pixel783, about 7 KB)")
        header = next(csv.reader([first]), None)
    except csv.Error as exc:
        raise fail(path, f"malformed CSV header ({exc})") from None
    except EOFError:
        raise fail(path, "truncated gzip stream") from None
    except UnicodeDecodeError:
        raise fail(path, "is not a UTF-8 text CSV file") from None
    except _READ_ERRORS as exc:
        raise fail(path, f"cannot be read ({exc})") from None
    if header is None or not any(cell.strip() for cell in header):
        raise fail(path, "is empty (expected a header row label,pixel0..pixel783 and one row per image)")
    columns = [cell.strip() for cell in header]
    if len(columns) not in (_LABELLED_COLUMNS, IMAGE_PIXELS):
        raise fail(path, f"has {len(columns)} columns, expected {_EXPECTED}")
    if columns[0].lstrip("+-").isdigit():
        raise fail(path, "the first line is not a header row (expected label,pixel0..pixel783 or pixel0..pixel783)")
    if len(columns) == _LABELLED_COLUMNS and columns[0] != LABEL_COLUMN:
        raise fail(path, f"has {len(columns)} columns but the first is {columns[0]!r}, expected 'label'")
    if len(columns) == IMAGE_PIXELS and columns[0] == LABEL_COLUMN:
        raise fail(path, f"has a label column but only {IMAGE_PIXELS - 1} pixel columns, expected {IMAGE_PIXELS}")
    return columns


def csv_has_labels(path: str | os.PathLike[str]) -> bool:
    """True when the CSV's header starts with a ``label`` column (reads only the header)."""
    return len(read_csv_header(path)) == _LABELLED_COLUMNS


def _diagnose(path: str | os.PathLike[str], columns: list[str], labelled: bool) -> str | None:
    """Walk the file with the csv module and describe the first bad row, or None if none is found."""
    n = len(columns)
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        next(reader, None)  # header
        row_no = 0
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # pandas skips blank lines too
            row_no += 1
            where = f"row {row_no} (line {reader.line_num})"
            if len(cells) != n:
                return f"{where} has {len(cells)} fields, expected {n}"
            for j, (col, cell) in enumerate(zip(columns, cells)):
                text = cell.strip()
                try:
                    value = int(text)
                except ValueError:
                    what = "is empty" if not text else f"{text!r} is not an integer"
                    return f"{where}, column {col!r}: {what}"
                if labelled and j == 0:
                    if not 0 <= value < N_LABELS:
                        return f"{where}, column {col!r}: label {value} is outside 0..{N_LABELS - 1}"
                elif not 0 <= value <= 255:
                    return f"{where}, column {col!r}: pixel value {value} is outside 0..255"
    return None


# Rows per parsed chunk: about 16 MB of text and 6 MB of pixels, small beside any large file.
CHUNK_ROWS = 8192
# The shortest possible row is one digit and a comma per field ("0,0,...,0\n").
_MIN_CHARS_PER_FIELD = 2

ProgressCallback = Callable[[float], None]


class _InflationCapExceeded(Exception):
    """Raised inside pandas' reads; turned into the DatasetError it describes."""


class _Stream(io.RawIOBase):
    """The file's text as a binary stream for pandas, inflated a MiB at a time (``iter_file_bytes``),
    counting what it hands out: for the progress callback and the deflate-bomb cap."""

    def __init__(self, path, text_bytes_cap: int | None):
        self._pieces = iter_file_bytes(path)
        self._pending = memoryview(b"")
        self.delivered = 0
        self._cap = text_bytes_cap

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._pending = memoryview(piece)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self.delivered += n
        if self._cap is not None and self.delivered > self._cap:
            raise _InflationCapExceeded()
        return n


def _text_size(path) -> tuple[int, bool, int]:
    """(expected text bytes, is gzip, file size): the file's size, or for gzip the size its
    trailer announces (mod 4 GiB: a hint for the first allocation, never trusted as a limit)."""
    with open_file(path) as fh:
        gz = fh.read(2) == GZIP_MAGIC
        size = fh.seek(0, os.SEEK_END)
        if not gz:
            return size, False, size
        fh.seek(max(size - 4, 0))
        trailer = fh.read(4)
    announced = int.from_bytes(trailer, "little") if len(trailer) == 4 else 0
    return max(announced, size), True, size


def read_kaggle_csv(path: str | os.PathLike[str], progress: ProgressCallback | None = None,
                    chunk_rows: int = CHUNK_ROWS) -> tuple[np.ndarray, np.ndarray | None]:
    """Read a Kaggle digit-recognizer CSV (plain or gzip, detected by magic bytes).

    Returns ``(x, y)``: ``x`` uint8 of shape (n, 784) and ``y`` uint8 of shape (n,), or ``y=None``
    for an unlabelled file (header ``pixel0..pixel783``). Every problem raises DatasetError naming
    the file: missing or empty file, wrong column count, non-integer cells (first bad row and
    column), pixels outside 0..255, labels outside 0..9, no data rows, a gzip file inflating to
    more than 64 MiB at over 100:1 (a deflate bomb; real digit CSVs compress about 8:1).
    ``progress``, if given, is called after each chunk of rows with the fraction of the file read.
    """
    import pandas as pd   # 0.2-0.5 s to import: only when a CSV is read, off the start-up path

    columns = read_csv_header(path)
    labelled = len(columns) == _LABELLED_COLUMNS
    text_bytes, gz, file_size = _text_size(path)
    cap = max(BOMB_FLOOR, MAX_INFLATE_RATIO * file_size) if gz else None
    # At most this many rows fit in the text; np.empty only reserves address space, and the
    # pages past the last row filled are never touched, so the excess costs no memory.
    capacity = text_bytes // (_MIN_CHARS_PER_FIELD * len(columns)) + 1
    x = np.empty((capacity, IMAGE_PIXELS), np.uint8)
    y = np.empty(capacity, np.uint8) if labelled else None
    n = 0
    stream = _Stream(path, cap)
    try:
        with warnings.catch_warnings():
            # A first data row longer than the header otherwise silently becomes the index.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            with pd.read_csv(io.BufferedReader(stream, 1 << 20), dtype=np.uint8, engine="c",
                             index_col=False, encoding="utf-8-sig", chunksize=chunk_rows) as chunks:
                for frame in chunks:
                    values = frame.to_numpy(dtype=np.uint8)
                    rows = len(values)
                    if n + rows > capacity:   # only when a gzip trailer under-announced (> 4 GiB)
                        capacity = max(2 * capacity, n + rows)
                        x = _grown(x, n, capacity)
                        y = _grown(y, n, capacity) if labelled else None
                    if labelled:
                        y[n:n + rows] = values[:, 0]
                        x[n:n + rows] = values[:, 1:]
                    else:
                        x[n:n + rows] = values
                    n += rows
                    del frame, values
                    if progress is not None:
                        progress(min(stream.delivered / max(text_bytes, 1), 1.0))
    except _InflationCapExceeded:
        raise fail(path, f"inflates to more than {cap >> 20} MiB at over {MAX_INFLATE_RATIO}:1 "
                         "(a deflate bomb? real digit CSVs compress about 8:1)") from None
    except EOFError:
        raise fail(path, "truncated gzip stream (the compressed data ends before the end-of-stream marker)") from None
    except (ValueError, OverflowError, pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        # ParserError is a ValueError; both mean some cell or row is malformed: find which.
        try:
            problem = _diagnose(path, columns, labelled)
        except _READ_ERRORS as exc2:
            problem = f"cannot be read ({exc2})"
        except csv.Error as exc2:
            problem = f"malformed CSV ({exc2})"
        raise fail(path, problem or f"malformed CSV ({str(exc).strip()})") from None
    except _READ_ERRORS as exc:
        raise fail(path, f"cannot be read ({exc})") from None
    if n == 0:
        raise fail(path, "has a header row but no data rows")
    # Shrink in place to the rows read (realloc gives back the untouched tail, which was never
    # resident, without copying): the arrays own their memory, so freezing them copies nothing.
    x.resize((n, IMAGE_PIXELS), refcheck=False)
    if not labelled:
        return x, None
    y.resize(n, refcheck=False)
    if y.max() >= N_LABELS:
        i = int(np.argmax(y >= N_LABELS))
        raise fail(path, f"row {i + 1}, column 'label': label {y[i]} is outside 0..{N_LABELS - 1}")
    return x, y


def _grown(array: np.ndarray, filled: int, capacity: int) -> np.ndarray:
    bigger = np.empty((capacity, *array.shape[1:]), array.dtype)
    bigger[:filled] = array[:filled]
    return bigger


def load_unlabelled_csv(path: str | os.PathLike[str]) -> np.ndarray:
    """Images of a Kaggle CSV for prediction only: uint8 (n, 784). A label column, if any, is ignored."""
    x, _ = read_kaggle_csv(path)
    return x
