"""Readers for the IDX format of MNIST, Fashion-MNIST and KMNIST (gzip-compressed or raw).

An IDX file is a big-endian header followed by the raw bytes:

* images (``idx3``): magic 0x00000803, count, rows, cols, then ``count*rows*cols`` uint8 pixels;
* labels (``idx1``): magic 0x00000801, count, then ``count`` uint8 labels.

Gzip is recognised by its magic bytes (1f 8b), not by the file name. The file is decompressed in
1 MiB pieces straight into one preallocated array sized from the header, so loading full
Fashion-MNIST costs its 55 MB and little more (``gzip.decompress`` would peak at about 2.4 times
that). The arrays are read-only views of read-only owners; index them (``x[idx]``) or ``.copy()``
them to get a writable array.
"""

from __future__ import annotations

import itertools
import os
import struct
from pathlib import Path
from typing import Iterator

import numpy as np

from ._io import (
    BOMB_FLOOR,
    MAX_ARRAY_BYTES,
    MAX_GZIP_RATIO,
    MAX_INFLATE_RATIO,
    describe_non_file,
    empty_images,
    empty_labels,
    fail,
    is_gzip,
    iter_file_bytes,
    readonly,
)
from .dataset import DIGIT_NAMES, IMAGE_PIXELS, IMAGE_SIDE, Dataset, DatasetError

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
N_LABELS = 10

_IMAGES_HEADER = struct.Struct(">IIII")  # magic, count, rows, cols
_LABELS_HEADER = struct.Struct(">II")  # magic, count


def _check_magic(path: str | os.PathLike[str], data: bytes, expected: int, kind: str) -> None:
    if len(data) < 4:
        raise fail(path, f"too short to be an IDX file ({len(data)} bytes)")
    (magic,) = struct.unpack_from(">I", data)
    if magic != expected:
        raise fail(path, f"wrong magic number 0x{magic:08x} (expected 0x{expected:08x} for IDX {kind})")


def _length_error(path: str | os.PathLike[str], body: int, expected: int, what: str) -> DatasetError:
    if body < expected:
        return fail(path, f"truncated: header announces {what} ({expected} bytes) but only {body} bytes follow")
    return fail(path, f"{body - expected} unexpected bytes after the {what} announced by the header")


def _read_idx(path: str | os.PathLike[str], header: struct.Struct, magic: int, kind: str) -> tuple[tuple, Iterator[bytes], bytes]:
    """Check the magic number and read the header: (header fields, the remaining chunks, the bytes
    already read past the header)."""
    chunks = iter_file_bytes(path)
    head = b""
    for piece in chunks:
        head += piece
        if len(head) >= header.size:
            break
    _check_magic(path, head, magic, kind)
    if len(head) < header.size:
        raise fail(path, f"truncated IDX {kind} header ({len(head)} of {header.size} bytes)")
    return header.unpack_from(head), chunks, head[header.size:]


def _read_payload(path: str | os.PathLike[str], chunks: Iterator[bytes], first: bytes, expected: int,
                  what: str, header_size: int) -> np.ndarray:
    """The ``expected`` bytes after the header, streamed into one read-only uint8 array (no
    intermediate copy of the whole file); DatasetError if the file holds fewer or more. Sizes are
    checked before memory is taken: a raw file's size must be the header's count x item size plus
    the header; a gzip file may not announce more than MAX_ARRAY_BYTES, nor more than its size
    times MAX_GZIP_RATIO (deflate's ceiling) or, above BOMB_FLOOR, times MAX_INFLATE_RATIO."""
    gz = is_gzip(path)
    file_size = os.path.getsize(path)
    if gz:
        if expected > MAX_ARRAY_BYTES:
            raise fail(path, f"header announces {what} ({expected:,} bytes), over the "
                             f"{MAX_ARRAY_BYTES >> 30} GiB limit per array")
        if expected > MAX_GZIP_RATIO * max(file_size, 1) + len(first):
            # A header announcing more than the file can possibly hold: count, don't allocate.
            raise _length_error(path, len(first) + sum(len(c) for c in chunks), expected, what)
        if expected > BOMB_FLOOR and expected > MAX_INFLATE_RATIO * file_size:
            raise fail(path, f"header announces {what} ({expected:,} bytes) from {file_size:,} compressed "
                             f"bytes: it compresses {expected / file_size:,.0f}:1, a deflate bomb, refused "
                             f"(at most {MAX_INFLATE_RATIO}:1 above {BOMB_FLOOR >> 20} MiB)")
    else:
        body = file_size - header_size
        if body != expected:  # a raw file's size says it all: compare before reading anything
            raise _length_error(path, body, expected, what)
    out = np.empty(expected, dtype=np.uint8)
    pos = 0
    for piece in itertools.chain((first,), chunks):
        end = pos + len(piece)
        if end > expected:
            extra = end - expected + sum(len(c) for c in chunks)
            raise _length_error(path, expected + extra, expected, what)
        out[pos:end] = np.frombuffer(piece, dtype=np.uint8)
        pos = end
    if pos != expected:
        raise _length_error(path, pos, expected, what)
    return readonly(out)


def read_idx_images(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX image file (gzip or raw) into a read-only uint8 array of shape (n, 784)."""
    (_, count, rows, cols), chunks, rest = _read_idx(path, _IMAGES_HEADER, IMAGES_MAGIC, "images")
    if (rows, cols) != (IMAGE_SIDE, IMAGE_SIDE):
        raise fail(path, f"images are {rows}x{cols}, expected {IMAGE_SIDE}x{IMAGE_SIDE}")
    pixels = _read_payload(path, chunks, rest, count * IMAGE_PIXELS, f"{count} images of {rows}x{cols}",
                           _IMAGES_HEADER.size)
    # A view of a read-only owner: NumPy refuses to make it writable again.
    return pixels.reshape(count, IMAGE_PIXELS)


def read_idx_labels(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX label file (gzip or raw) into a read-only uint8 array of shape (n,), values 0..9."""
    (_, count), chunks, rest = _read_idx(path, _LABELS_HEADER, LABELS_MAGIC, "labels")
    labels = _read_payload(path, chunks, rest, count, f"{count} labels", _LABELS_HEADER.size)
    if labels.size and labels.max() >= N_LABELS:
        i = int(np.argmax(labels >= N_LABELS))
        raise fail(path, f"label {labels[i]} at index {i} is outside 0..{N_LABELS - 1}")
    return labels.view()


def _find_one(directory: Path, prefix: str) -> Path | None:
    """The file in ``directory`` whose name starts with ``prefix`` (e.g. ``train-images``).

    When both a raw and a ``.gz`` copy exist (``gunzip -k``), the raw one is used (no decompression).
    """
    matching = sorted(p for p in directory.iterdir() if p.name.startswith(prefix))
    found = [p for p in matching if describe_non_file(p) is None]
    if not found and matching:
        # Only something else stands there (a FIFO, a directory, a symlink loop...): say what.
        raise fail(matching[0], describe_non_file(matching[0]) or "is not a regular file")
    if len(found) > 1:
        raw = [p for p in found if not p.name.endswith(".gz")]
        if len(raw) == 1:
            return raw[0]
        names = ", ".join(p.name for p in found)
        raise DatasetError(f"{directory}: several files match {prefix}*: {names}; keep only one")
    return found[0] if found else None


def _load_split(directory: Path, split: str) -> tuple[np.ndarray, np.ndarray] | None:
    images_path = _find_one(directory, f"{split}-images")
    labels_path = _find_one(directory, f"{split}-labels")
    if images_path is None and labels_path is None:
        return None
    if images_path is None:
        raise DatasetError(f"{labels_path}: found labels but no matching {split}-images* file in {directory}")
    if labels_path is None:
        raise DatasetError(f"{images_path}: found images but no matching {split}-labels* file in {directory}")
    images = read_idx_images(images_path)
    labels = read_idx_labels(labels_path)
    if len(images) != len(labels):
        raise DatasetError(
            f"{images_path}: holds {len(images)} images but {labels_path.name} holds {len(labels)} labels"
        )
    return images, labels


def load_idx_dir(
    directory: str | os.PathLike[str],
    name: str | None = None,
    class_names: tuple[str, ...] = DIGIT_NAMES,
) -> Dataset:
    """Load a directory of IDX files as a Dataset.

    Looks for ``train-images*``, ``train-labels*``, ``t10k-images*`` and ``t10k-labels*`` (gzip or
    raw, any suffix: ``train-images-idx3-ubyte.gz``, ``train-images.idx3-ubyte``...). Only the t10k
    pair gives a test-only Dataset (empty ``x_train`` of shape (0, 784)); only the train pair gives
    a train-only one. ``name`` defaults to the directory name. Arrays are read-only.
    """
    path = Path(directory)
    if not path.exists():
        raise DatasetError(f"{os.fspath(directory)}: does not exist")
    if not path.is_dir():
        raise DatasetError(f"{os.fspath(directory)}: is not a directory")
    try:
        train = _load_split(path, "train")
        test = _load_split(path, "t10k")
    except PermissionError as exc:
        raise DatasetError(f"{os.fspath(directory)}: cannot be read ({exc.strerror})") from None
    if train is None and test is None:
        raise DatasetError(
            f"{os.fspath(directory)}: no IDX files found "
            "(expected train-images*/train-labels* and/or t10k-images*/t10k-labels*)"
        )
    x_train, y_train = train if train is not None else (empty_images(), empty_labels())
    x_test, y_test = test if test is not None else (empty_images(), empty_labels())
    return Dataset(
        name=name or path.resolve().name,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        class_names=tuple(class_names),
        source=str(path),
    )
