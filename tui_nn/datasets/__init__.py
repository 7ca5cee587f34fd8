"""Dataset readers (IDX, Kaggle CSV, .npz), the embedded MNIST sample, the name/path registry, and
the download cache for the full-size MNIST, Fashion-MNIST and KMNIST.

NumPy and pandas only (downloads use the standard library's urllib). Every reader returns uint8
images of shape (n, 784) and uint8 labels, and every problem with a file raises ``DatasetError``
with a one-line message naming the file. Nothing here imports Textual.

For a UI: ``list_datasets()`` / ``dataset_status(name)`` say what is on disk (cheap: names and
sizes only); ``download_dataset(name, progress=..., cancel=...)`` fetches a set in a worker thread;
``load_dataset(name)`` then loads it, and never downloads by itself.

The names below load their module (the readers: NumPy, pandas) when first used, not when
the package is imported (``tui_nn/lazy.py``): names, sizes and states come without NumPy.
"""

from ..lazy import lazy_exports

__all__ = [
    "DATASET_NAMES",
    "DIGIT_NAMES",
    "DOWNLOADABLE",
    "FASHION_NAMES",
    "IMAGE_PIXELS",
    "IMAGE_SIDE",
    "KMNIST_NAMES",
    "Dataset",
    "DatasetError",
    "DatasetSpec",
    "DatasetStatus",
    "DownloadCancelled",
    "DownloadError",
    "RemoteFile",
    "dataset_status",
    "download_dataset",
    "human_bytes",
    "list_datasets",
    "resolve_data_dir",
    "load_dataset",
    "load_embedded_sample",
    "load_idx_dir",
    "load_npz",
    "load_unlabelled_csv",
    "read_idx_images",
    "read_idx_labels",
    "read_kaggle_csv",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "cache": ("DatasetStatus", "dataset_status", "human_bytes", "list_datasets", "resolve_data_dir"),
    "catalogue": ("DOWNLOADABLE", "KMNIST_NAMES", "DatasetSpec", "RemoteFile"),
    "csv_reader": ("load_unlabelled_csv", "read_kaggle_csv"),
    "dataset": ("DIGIT_NAMES", "FASHION_NAMES", "IMAGE_PIXELS", "IMAGE_SIDE", "Dataset", "DatasetError"),
    "download": ("DownloadCancelled", "DownloadError", "download_dataset"),
    "embedded": ("load_embedded_sample",),
    "idx": ("load_idx_dir", "read_idx_images", "read_idx_labels"),
    "npz_reader": ("load_npz",),
    "registry": ("DATASET_NAMES", "load_dataset"),
})
