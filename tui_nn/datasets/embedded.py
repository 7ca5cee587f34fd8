"""The offline default dataset: 5,000 real MNIST digits shipped inside the package.

The file ``tui_nn/datasets/sample/mnist-train-5k.csv.gz`` is in Kaggle CSV format
(``label,pixel0..pixel783``), 500 images of each digit, rows already shuffled. It is located with
``importlib.resources`` so it is found after ``pip install .`` from any working directory.

Parsing it costs 0.3-0.7 s (pandas' import and the parse), which every fresh process paid -- each
sweep worker, each CLI run. So the parsed arrays are kept in the data cache
(``<cache>/mnist-sample/mnist-train-5k.<sha256 of the CSV, 16 hex>.v<CACHE_FORMAT>.npz``, an
uncompressed .npz of ``images`` (5000, 784) and ``labels`` (5000,), both uint8), read in a few
milliseconds. The name changes with the shipped file's contents, so a changed sample is never
served stale; the zip's CRC-32 of each member, the shapes, dtypes and label range are checked on
every read. A cache file that is absent, damaged (logged: its name and what is wrong) or can't be
written (a read-only cache directory) costs one parse, never a failure.

MNIST: Yann LeCun and Corinna Cortes, CC BY-SA 3.0 (see data/README.md).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING

from .dataset import DIGIT_NAMES, IMAGE_PIXELS, Dataset, DatasetError

if TYPE_CHECKING:   # the readers (NumPy) load with the sample, not with its name
    import numpy as np

SAMPLE_NAME = "mnist-sample"
SAMPLE_FILE = "mnist-train-5k.csv.gz"
SAMPLE_ROWS = 5000
SAMPLE_TRAIN_ROWS = 4000  # first 4,000 rows train, last 1,000 rows test
N_LABELS = 10
# Part of the cache file's name: raise it when the cached layout or the parse changes
CACHE_FORMAT = 1
_CACHE_MEMBERS = {"images": (SAMPLE_ROWS, IMAGE_PIXELS), "labels": (SAMPLE_ROWS,)}
# How the arrays of a load came to be: read from the cache file, or parsed from the CSV
FROM_CACHE, PARSED = "cache", "parsed"

log = logging.getLogger(__name__)


def sample_resource():
    """The embedded sample as an importlib.resources Traversable."""
    return files("tui_nn.datasets") / "sample" / SAMPLE_FILE


_digest: str | None = None


def sample_digest() -> str:
    """The first 16 hex digits of the shipped CSV's SHA-256 (about 2 ms for its 1 MB)."""
    global _digest
    if _digest is None:
        resource = sample_resource()
        if not resource.is_file():
            raise DatasetError(f"{resource}: the embedded sample is missing from the installed package")
        _digest = hashlib.sha256(resource.read_bytes()).hexdigest()[:16]
    return _digest


def sample_cache_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the parsed sample is cached: ``<cache>/mnist-sample/`` (see the module docstring)."""
    from .cache import resolve_data_dir

    stem = SAMPLE_FILE.removesuffix(".csv.gz")
    return resolve_data_dir(data_dir) / SAMPLE_NAME / f"{stem}.{sample_digest()}.v{CACHE_FORMAT}.npz"


def _parse() -> tuple[np.ndarray, np.ndarray]:
    from .csv_reader import read_kaggle_csv

    resource = sample_resource()
    if not resource.is_file():
        raise DatasetError(f"{resource}: the embedded sample is missing from the installed package")
    with as_file(resource) as path:
        x, y = read_kaggle_csv(path)
    if y is None or len(x) != SAMPLE_ROWS:
        raise DatasetError(f"{resource}: expected {SAMPLE_ROWS} labelled rows, found {len(x)}")
    return x, y


def _read_cache(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The cached (images, labels); DatasetError naming ``path`` and what is wrong with it."""
    import numpy as np

    from ..checked_read import NpzArchive, NpzError

    try:
        with NpzArchive(path) as archive:
            if sorted(archive.names) != sorted(_CACHE_MEMBERS):
                raise NpzError(f"holds {', '.join(archive.names) or 'nothing'}, expected images and labels")
            for name, shape in _CACHE_MEMBERS.items():
                have, dtype, fortran, _ = archive.header(name)
                if have != shape or dtype != np.uint8 or fortran:
                    raise NpzError(f"member {name} is {'Fortran-order ' if fortran else ''}{dtype} {have}, "
                                   f"expected uint8 {shape}")
            # reading a member to its end checks the zip's CRC-32 of it
            x, y = archive.read("images"), archive.read("labels")
    except NpzError as exc:
        raise DatasetError(f"{path}: {exc}") from None
    if int(y.max()) >= N_LABELS:
        raise DatasetError(f"{path}: label {int(y.max())} is outside 0..{N_LABELS - 1}")
    return x, y


def _write_cache(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    """Write the cache file atomically, then remove the files of other sample versions or
    formats beside it. OSError when the folder can't be written."""
    import numpy as np

    from ..fileio import atomic_writer

    # No fsync: a file cut short by a power loss fails the next read's checks and is rewritten
    with atomic_writer(path, binary=True, fsync=False) as f:
        np.savez(f, images=x, labels=y)   # savez stores members uncompressed
    stem = SAMPLE_FILE.removesuffix(".csv.gz")
    for old in path.parent.glob(f"{stem}.*.npz"):
        if old.name != path.name:
            try:
                old.unlink()
            except OSError:
                pass


def load_sample_arrays(data_dir: str | os.PathLike[str] | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """(images, labels, how): the whole sample, from the cache file in ``data_dir``'s cache
    (``FROM_CACHE``) or parsed from the CSV (``PARSED``), then cached there when it can be.
    Not memoized (``load_embedded_sample`` is). Raises DatasetError only when the shipped CSV
    itself is missing or wrong."""
    try:
        path = sample_cache_path(data_dir)
    except (OSError, RuntimeError) as exc:   # no usable cache location (Path.home() fails)
        log.info("mnist-sample: no cache location (%s); parsing the embedded CSV", exc)
        x, y = _parse()
        return x, y, PARSED
    try:
        present = path.exists()
    except OSError:
        present = True   # let the read say what stands there
    if present:
        try:
            x, y = _read_cache(path)
            return x, y, FROM_CACHE
        except DatasetError as exc:
            log.warning("%s; parsing the embedded CSV again and rewriting the cache", exc)
    x, y = _parse()
    try:
        _write_cache(path, x, y)
    except OSError as exc:
        # a read-only cache directory: every process parses, which still works
        log.info("mnist-sample: cannot write the cache %s (%s); the CSV is parsed each time",
                 path, exc.strerror or exc)
    return x, y, PARSED


def ensure_sample_cache(data_dir: str | os.PathLike[str] | None = None) -> str:
    """Make sure the cache file exists (parse and write it if not), so that processes started
    next read it instead of each parsing the CSV: ``FROM_CACHE`` when it was there already
    (only looked at, not read: its readers check it), else ``PARSED``."""
    try:
        if sample_cache_path(data_dir).exists():
            return FROM_CACHE
    except (OSError, RuntimeError):
        pass
    return load_sample_arrays(data_dir)[2]


_arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
_arrays_lock = threading.Lock()


def _sample_arrays(data_dir: str | os.PathLike[str] | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The split arrays, loaded once per process (whichever ``data_dir`` asks first: the
    arrays are the same from any cache)."""
    global _arrays
    from ._io import frozen

    with _arrays_lock:
        if _arrays is None:
            x, y, _ = load_sample_arrays(data_dir)
            # Read-only views of read-only owners: NumPy refuses to make them writable again, so
            # no caller can corrupt the cached arrays.
            x = frozen(x)
            y = frozen(y)
            t = SAMPLE_TRAIN_ROWS
            _arrays = (x[:t], y[:t], x[t:], y[t:])
        return _arrays


def load_embedded_sample(data_dir: str | os.PathLike[str] | None = None) -> Dataset:
    """The bundled 5,000-digit MNIST sample as a Dataset named ``"mnist-sample"``.

    Split (deterministic, no shuffling, the file is already shuffled): the first 4,000 rows are
    the training set and the last 1,000 rows the held-out test set. The file has exactly 500
    images per digit; the split is close to but not exactly balanced: 387..416 images per class
    in train and 84..113 per class in test (the test set has 84 nines and 113 ones, so per-class
    test accuracy of the rarer classes moves in steps of about 1.2 points).

    The arrays come from the data cache (``data_dir``, else the usual cache directory; see the
    module docstring), are kept in-process after the first call, and are read-only; every call
    returns a new Dataset sharing them. Index or ``.copy()`` them to get writable arrays.
    """
    x_train, y_train, x_test, y_test = _sample_arrays(data_dir)
    return Dataset(
        name=SAMPLE_NAME,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        class_names=DIGIT_NAMES,
        source=f"tui_nn.datasets/sample/{SAMPLE_FILE} (MNIST, Yann LeCun and Corinna Cortes, CC BY-SA 3.0)",
    )
