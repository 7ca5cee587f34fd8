"""One entry point, ``load_dataset(name_or_path)``, for named datasets and files on disk.

Resolution order:

1. a known name (``DATASET_NAMES``): ``mnist-sample`` (aliases ``sample``/``embedded``), shipped in
   the package; or a downloadable full-size set (``mnist``, ``fashion-mnist``, ``kmnist``), loaded
   from the cache directory once ``scratchnet-tui datasets download NAME`` has fetched it. A name
   that is not downloaded yet raises a DatasetError saying so: nothing is ever downloaded here.
2. otherwise a path: a directory -> IDX files (``load_idx_dir``); ``.csv``/``.csv.gz`` -> Kaggle
   CSV; ``.npz`` -> ``load_npz``. If the directory/file name contains "fashion" the Fashion-MNIST
   class names are used, if it contains "kmnist" the Kuzushiji ones. (Write ``./mnist`` to load a
   local directory that has the name of a downloadable set.)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from ._io import frozen, holdout_sizes
from .cache import dataset_status, load_downloaded, not_downloaded_message
from .catalogue import DOWNLOAD_ALIASES, DOWNLOADABLE, KMNIST_NAMES, SAMPLE_ALIASES, canonical_name, find_spec
from .csv_reader import ProgressCallback, csv_has_labels, load_unlabelled_csv, read_kaggle_csv
from .dataset import DIGIT_NAMES, FASHION_NAMES, Dataset, DatasetError
from .embedded import SAMPLE_NAME, load_embedded_sample
from .idx import load_idx_dir
from .npz_reader import load_npz

__all__ = [
    "DATASET_NAMES",
    "canonical_name",
    "load_dataset",
    "load_kaggle_csv_dataset",
    "load_unlabelled_csv",
]

# Named datasets that load without any path or download: canonical name -> loader(data_dir)
# (the embedded sample keeps its parsed arrays in the data cache).
# The downloadable full-size sets are in catalogue.DOWNLOADABLE.
_NAMED_LOADERS: dict[str, Callable[[str | os.PathLike[str] | None], Dataset]] = {
    SAMPLE_NAME: load_embedded_sample,
}

# Every name load_dataset accepts: the embedded sample, the downloadable sets, then aliases.
DATASET_NAMES: tuple[str, ...] = (
    tuple(_NAMED_LOADERS) + tuple(DOWNLOADABLE) + tuple(SAMPLE_ALIASES) + tuple(DOWNLOAD_ALIASES)
)

_EXPECTED = ("expected mnist-sample, " + ", ".join(DOWNLOADABLE)
             + " or a path to an IDX directory, a .csv/.csv.gz or a .npz file")
_FILE_SUFFIXES = (".csv", ".csv.gz", ".npz")


def _class_names_for(path: Path) -> tuple[str, ...]:
    lower = path.name.lower()
    if "fashion" in lower:
        return FASHION_NAMES
    if "kmnist" in lower or "kuzushiji" in lower:
        return KMNIST_NAMES
    return DIGIT_NAMES


def _csv_stem(path: Path) -> str:
    name = path.name
    for suffix in (".csv.gz", ".csv"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def load_kaggle_csv_dataset(
    path: str | os.PathLike[str],
    name: str | None = None,
    class_names: tuple[str, ...] = DIGIT_NAMES,
    progress: ProgressCallback | None = None,
) -> Dataset:
    """A labelled Kaggle CSV as a Dataset: the first 80% of rows train, the last 20% (n // 5) test.

    Deterministic and in file order (no shuffling), like the embedded sample's 4,000/1,000 split.
    An unlabelled CSV raises DatasetError: it can only be used for prediction (load_unlabelled_csv).
    """
    p = Path(path)
    if not csv_has_labels(path):
        raise DatasetError(
            f"{os.fspath(path)}: has no label column (header pixel0..pixel783), so it cannot be used "
            "for training or evaluation; an unlabelled CSV can only be used for prediction "
            "(load it with load_unlabelled_csv)"
        )
    x, y = read_kaggle_csv(path, progress)
    assert y is not None  # the header said labelled
    x = frozen(x)
    y = frozen(y)
    n_train, _ = holdout_sizes(len(x))
    return Dataset(
        name=name or _csv_stem(p),
        x_train=x[:n_train],
        y_train=y[:n_train],
        x_test=x[n_train:],
        y_test=y[n_train:],
        class_names=tuple(class_names),
        source=str(p),
    )


def load_dataset(name_or_path: str, data_dir: str | os.PathLike[str] | None = None,
                 progress: ProgressCallback | None = None) -> Dataset:
    """Load a dataset by name (see ``DATASET_NAMES``) or from a path (IDX dir, .csv/.csv.gz, .npz).

    A downloadable name (``mnist``, ``fashion-mnist``, ``kmnist``) is loaded from the cache
    directory (``data_dir``, else ``$SCRATCHNET_DATA_DIR``, else the user cache directory); it is
    never downloaded here. Raises DatasetError for an unknown name, a named set that is not
    downloaded (the message says how to get it), a path that does not exist, an unsupported file
    type, an unlabelled CSV, or any problem in the files themselves. ``progress`` is called with
    the fraction read as a large file loads (CSV files, the slow ones to parse).
    """
    key = name_or_path.strip()
    canonical = canonical_name(key)
    if canonical in _NAMED_LOADERS:
        return _NAMED_LOADERS[canonical](data_dir)
    spec = find_spec(canonical)
    if spec is not None:
        status = dataset_status(spec, data_dir)
        if not status.ready:
            message = not_downloaded_message(status)
            if Path(os.path.expanduser(key)).exists():
                message += f" (to load the local {key} instead, write ./{key})"
            raise DatasetError(message)
        return load_downloaded(spec, data_dir)

    path = Path(os.path.expanduser(key))
    lower = path.name.lower()
    if path.is_dir():
        return load_idx_dir(path, class_names=_class_names_for(path))
    if path.exists():
        if lower.endswith((".csv", ".csv.gz")):
            return load_kaggle_csv_dataset(path, class_names=_class_names_for(path), progress=progress)
        if lower.endswith(".npz"):
            return load_npz(path, class_names=_class_names_for(path))
        raise DatasetError(f"{key}: unsupported file type; {_EXPECTED}")

    looks_like_path = (
        os.sep in key or (os.altsep is not None and os.altsep in key) or key.startswith(("~", "."))
        or lower.endswith(_FILE_SUFFIXES)
    )
    if looks_like_path:
        raise DatasetError(f"{key}: does not exist")
    raise DatasetError(f"unknown dataset {key!r}: {_EXPECTED}")
