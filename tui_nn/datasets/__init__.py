"""Dataset readers (IDX, Kaggle CSV, .npz), the embedded MNIST sample and the name/path registry.

NumPy and pandas only. Every reader returns uint8 images of shape (n, 784) and uint8 labels, and
every problem with a file raises ``DatasetError`` with a one-line message naming the file.
"""

from .csv_reader import load_unlabelled_csv, read_kaggle_csv
from .dataset import (
    DIGIT_NAMES,
    FASHION_NAMES,
    IMAGE_PIXELS,
    IMAGE_SIDE,
    Dataset,
    DatasetError,
)
from .embedded import load_embedded_sample
from .idx import load_idx_dir, read_idx_images, read_idx_labels
from .npz_reader import load_npz
from .registry import DATASET_NAMES, load_dataset

__all__ = [
    "DATASET_NAMES",
    "DIGIT_NAMES",
    "FASHION_NAMES",
    "IMAGE_PIXELS",
    "IMAGE_SIDE",
    "Dataset",
    "DatasetError",
    "load_dataset",
    "load_embedded_sample",
    "load_idx_dir",
    "load_npz",
    "load_unlabelled_csv",
    "read_idx_images",
    "read_idx_labels",
    "read_kaggle_csv",
]
