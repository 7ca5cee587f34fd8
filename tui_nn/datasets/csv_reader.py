"""Reader for the Kaggle "digit-recognizer" CSV format (plain or gzip).

Labelled files (Kaggle's train.csv) have the header ``label,pixel0,...,pixel783``; unlabelled ones
(Kaggle's test.csv) have ``pixel0,...,pixel783``. One image per row, pixels 0..255, labels 0..9.

The file is parsed by pandas' C engine straight into uint8 (pandas refuses to squeeze a value that
does not fit, so anything outside 0..255 or non-integer makes it fail). Only when that fast path
fails is the file walked again with the ``csv`` module to name the first bad row and column.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import warnings
from contextlib import contextmanager
from typing import Iterator

import numpy as np

from ._io import GZIP_ERRORS, GZIP_MAGIC, fail, is_gzip, open_file, require_file
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


def read_kaggle_csv(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """Read a Kaggle digit-recognizer CSV (plain or gzip, detected by magic bytes).

    Returns ``(x, y)``: ``x`` uint8 of shape (n, 784) and ``y`` uint8 of shape (n,), or ``y=None``
    for an unlabelled file (header ``pixel0..pixel783``). Every problem raises DatasetError naming
    the file: missing or empty file, wrong column count, non-integer cells (first bad row and
    column), pixels outside 0..255, labels outside 0..9, no data rows.
    """
    import pandas as pd   # 0.2-0.5 s to import: only when a CSV is read, off the start-up path

    columns = read_csv_header(path)
    labelled = len(columns) == _LABELLED_COLUMNS
    try:
        with warnings.catch_warnings():
            # A first data row longer than the header otherwise silently becomes the index.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                path,
                dtype=np.uint8,
                engine="c",
                index_col=False,
                compression="gzip" if is_gzip(path) else None,
            )
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
    if len(frame) == 0:
        raise fail(path, "has a header row but no data rows")

    values = frame.to_numpy(dtype=np.uint8)
    del frame
    # Fresh C-ordered arrays that own their memory (pandas hands back a view of its block).
    if not labelled:
        return np.array(values, order="C", copy=True), None
    y = np.array(values[:, 0], order="C", copy=True)
    x = np.array(values[:, 1:], order="C", copy=True)
    if y.max() >= N_LABELS:
        i = int(np.argmax(y >= N_LABELS))
        raise fail(path, f"row {i + 1}, column 'label': label {y[i]} is outside 0..{N_LABELS - 1}")
    return x, y


def load_unlabelled_csv(path: str | os.PathLike[str]) -> np.ndarray:
    """Images of a Kaggle CSV for prediction only: uint8 (n, 784). A label column, if any, is ignored."""
    x, _ = read_kaggle_csv(path)
    return x
