"""One entry point, ``load_dataset(name_or_path)``, for named datasets and files on disk.

Resolution order:

1. a known name (``DATASET_NAMES``): ``mnist-sample`` and its aliases ``sample``/``embedded``;
2. otherwise a path: a directory -> IDX files (``load_idx_dir``); ``.csv``/``.csv.gz`` -> Kaggle
   CSV; ``.npz`` -> ``load_npz``. If the directory/file name contains "fashion" the Fashion-MNIST
   class names are used.

Full-size named datasets (``mnist``, ``fashion-mnist``, ``kmnist``) will be downloaded and cached
by a later change: they are listed in ``PLANNED_DATASETS`` and give a clear error until then.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from ._io import frozen, holdout_sizes
from .csv_reader import csv_has_labels, load_unlabelled_csv, read_kaggle_csv
from .dataset import DIGIT_NAMES, FASHION_NAMES, Dataset, DatasetError
from .embedded import SAMPLE_NAME, load_embedded_sample
from .idx import load_idx_dir
from .npz_reader import load_npz

__all__ = [
    "DATASET_NAMES",
    "PLANNED_DATASETS",
    "load_dataset",
    "load_kaggle_csv_dataset",
    "load_unlabelled_csv",
]

# Named datasets that load without any path: canonical name -> loader.
# The downloadable full-size sets go here once implemented (e.g. "mnist": load_mnist).
_NAMED_LOADERS: dict[str, Callable[[], Dataset]] = {
    SAMPLE_NAME: load_embedded_sample,
}

# Alternative spellings -> canonical name.
_ALIASES: dict[str, str] = {
    "sample": SAMPLE_NAME,
    "embedded": SAMPLE_NAME,
}

# Reserved for the download feature (not implemented yet): name -> class names.
PLANNED_DATASETS: dict[str, tuple[str, ...]] = {
    "mnist": DIGIT_NAMES,
    "fashion-mnist": FASHION_NAMES,
    "kmnist": ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
}

# Every name load_dataset accepts (canonical names first, then aliases).
DATASET_NAMES: tuple[str, ...] = tuple(_NAMED_LOADERS) + tuple(_ALIASES)

_EXPECTED = "expected mnist-sample or a path to an IDX directory, a .csv/.csv.gz or a .npz file"
_FILE_SUFFIXES = (".csv", ".csv.gz", ".npz")


def _class_names_for(path: Path) -> tuple[str, ...]:
    return FASHION_NAMES if "fashion" in path.name.lower() else DIGIT_NAMES


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
    x, y = read_kaggle_csv(path)
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


def load_dataset(name_or_path: str) -> Dataset:
    """Load a dataset by name (see ``DATASET_NAMES``) or from a path (IDX dir, .csv/.csv.gz, .npz).

    Raises DatasetError for an unknown name, a path that does not exist, an unsupported file type,
    an unlabelled CSV, or any problem in the files themselves.
    """
    key = name_or_path.strip()
    canonical = _ALIASES.get(key.lower(), key.lower())
    if canonical in _NAMED_LOADERS:
        return _NAMED_LOADERS[canonical]()

    path = Path(os.path.expanduser(key))
    lower = path.name.lower()
    if path.is_dir():
        return load_idx_dir(path, class_names=_class_names_for(path))
    if path.exists():
        if lower.endswith((".csv", ".csv.gz")):
            return load_kaggle_csv_dataset(path, class_names=_class_names_for(path))
        if lower.endswith(".npz"):
            return load_npz(path, class_names=_class_names_for(path))
        raise DatasetError(f"{key}: unsupported file type; {_EXPECTED}")

    if canonical in PLANNED_DATASETS:
        raise DatasetError(
            f"dataset {key!r} is not available yet (downloads are not implemented); "
            f"use mnist-sample or a path to a directory of {key} IDX files"
        )
    looks_like_path = (
        os.sep in key or (os.altsep is not None and os.altsep in key) or key.startswith(("~", "."))
        or lower.endswith(_FILE_SUFFIXES)
    )
    if looks_like_path:
        raise DatasetError(f"{key}: does not exist")
    raise DatasetError(f"unknown dataset {key!r}: {_EXPECTED}")
