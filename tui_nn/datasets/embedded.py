"""The offline default dataset: 5,000 real MNIST digits shipped inside the package.

The file ``tui_nn/datasets/sample/mnist-train-5k.csv.gz`` is in Kaggle CSV format
(``label,pixel0..pixel783``), 500 images of each digit, rows already shuffled. It is located with
``importlib.resources`` so it is found after ``pip install .`` from any working directory.

MNIST: Yann LeCun and Corinna Cortes, CC BY-SA 3.0 (see data/README.md).
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import as_file, files
from typing import TYPE_CHECKING

from .dataset import DIGIT_NAMES, Dataset, DatasetError

if TYPE_CHECKING:   # the readers (NumPy) load with the sample, not with its name
    import numpy as np

SAMPLE_NAME = "mnist-sample"
SAMPLE_FILE = "mnist-train-5k.csv.gz"
SAMPLE_ROWS = 5000
SAMPLE_TRAIN_ROWS = 4000  # first 4,000 rows train, last 1,000 rows test


def sample_resource():
    """The embedded sample as an importlib.resources Traversable."""
    return files("tui_nn.datasets") / "sample" / SAMPLE_FILE


@lru_cache(maxsize=1)
def _sample_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from ._io import frozen
    from .csv_reader import read_kaggle_csv

    resource = sample_resource()
    if not resource.is_file():
        raise DatasetError(f"{resource}: the embedded sample is missing from the installed package")
    with as_file(resource) as path:
        x, y = read_kaggle_csv(path)
    if y is None or len(x) != SAMPLE_ROWS:
        raise DatasetError(f"{resource}: expected {SAMPLE_ROWS} labelled rows, found {len(x)}")
    # Read-only views of read-only owners: NumPy refuses to make them writable again, so no
    # caller can corrupt the cached arrays.
    x = frozen(x)
    y = frozen(y)
    t = SAMPLE_TRAIN_ROWS
    return x[:t], y[:t], x[t:], y[t:]


def load_embedded_sample() -> Dataset:
    """The bundled 5,000-digit MNIST sample as a Dataset named ``"mnist-sample"``.

    Split (deterministic, no shuffling, the file is already shuffled): the first 4,000 rows are
    the training set and the last 1,000 rows the held-out test set. The file has exactly 500
    images per digit; the split is close to but not exactly balanced: 387..416 images per class
    in train and 84..113 per class in test (the test set has 84 nines and 113 ones, so per-class
    test accuracy of the rarer classes moves in steps of about 1.2 points).

    The parsed arrays are cached in-process (parsed once, ~0.15 s) and are read-only; every call
    returns a new Dataset sharing them. Index or ``.copy()`` them to get writable arrays.
    """
    x_train, y_train, x_test, y_test = _sample_arrays()
    return Dataset(
        name=SAMPLE_NAME,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        class_names=DIGIT_NAMES,
        source=f"tui_nn.datasets/sample/{SAMPLE_FILE} (MNIST, Yann LeCun and Corinna Cortes, CC BY-SA 3.0)",
    )
