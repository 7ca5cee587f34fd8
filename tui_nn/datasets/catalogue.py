"""The full-size datasets that can be downloaded: their files, mirrors, checksums and class names.

Each dataset is four gzip-compressed IDX files (``train-images-idx3-ubyte.gz``,
``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``).
Every file lists its mirrors in the order they are tried, its published MD5 and its exact size in
bytes. The MD5s are the ones published by the datasets' authors (and used by torchvision); the
sizes are those every mirror serves. A downloaded file is used only once both match.

Tests and private mirrors build their own ``DatasetSpec`` (see ``DatasetSpec.with_urls``) and pass
it wherever a dataset name is accepted; nothing here talks to the network.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .dataset import DIGIT_NAMES, FASHION_NAMES, DatasetError
from .embedded import SAMPLE_NAME

# Kuzushiji-MNIST: the ten hiragana, romanised (お き す つ な は ま や れ を) so they stay one
# cell wide in a terminal.
KMNIST_NAMES = ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo")

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: its name in the cache, its published MD5 and size, its mirror URLs."""

    name: str
    md5: str
    size: int
    urls: tuple[str, ...]


@dataclass(frozen=True)
class DatasetSpec:
    """A downloadable dataset: where its files come from and what its labels mean."""

    name: str
    title: str
    class_names: tuple[str, ...]
    files: tuple[RemoteFile, ...]
    n_train: int = 60_000
    n_test: int = 10_000
    credit: str = ""
    homepage: str = ""

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def with_urls(self, *bases: str) -> "DatasetSpec":
        """The same dataset fetched from other mirrors: each file's URLs become ``base + name``
        for every base, in order (e.g. a private mirror, or a test server)."""
        files = tuple(replace(f, urls=tuple(b + f.name for b in bases)) for f in self.files)
        return replace(self, files=files)


def _files(md5s: tuple[str, str, str, str], sizes: tuple[int, int, int, int],
           mirrors: tuple[str, ...]) -> tuple[RemoteFile, ...]:
    return tuple(
        RemoteFile(name=name, md5=md5, size=size, urls=tuple(m + name for m in mirrors))
        for name, md5, size in zip(IDX_FILES, md5s, sizes)
    )


# Mirror order: HTTPS first, the original host last (yann.lecun.com often refuses or 403s now).
_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
_FASHION_MIRRORS = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
_KMNIST_MIRRORS = (
    "https://codh.rois.ac.jp/kmnist/dataset/kmnist/",
    "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
)

DOWNLOADABLE: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        title="MNIST handwritten digits",
        class_names=DIGIT_NAMES,
        files=_files(
            ("f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
             "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"),
            (9_912_422, 28_881, 1_648_877, 4_542),
            _MNIST_MIRRORS,
        ),
        credit="MNIST, Yann LeCun and Corinna Cortes, CC BY-SA 3.0",
        homepage="http://yann.lecun.com/exdb/mnist/",
    ),
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        title="Fashion-MNIST (Zalando article images)",
        class_names=FASHION_NAMES,
        files=_files(
            ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
             "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"),
            (26_421_880, 29_515, 4_422_102, 5_148),
            _FASHION_MIRRORS,
        ),
        credit="Fashion-MNIST, Zalando SE, MIT licence",
        homepage="https://github.com/zalandoresearch/fashion-mnist",
    ),
    "kmnist": DatasetSpec(
        name="kmnist",
        title="Kuzushiji-MNIST (cursive Japanese hiragana)",
        class_names=KMNIST_NAMES,
        files=_files(
            ("bdb82020997e1d708af4cf47b453dcf7", "e144d726b3acfaa3e44228e80efcd344",
             "5c965bf0a639b31b8f53240b1b52f4d7", "7320c461ea6c1c855c0b718fb2a4b134"),
            (18_165_135, 29_497, 3_041_136, 5_120),
            _KMNIST_MIRRORS,
        ),
        credit="KMNIST, ROIS-DS Center for Open Data in the Humanities, CC BY-SA 4.0",
        homepage="https://github.com/rois-codh/kmnist",
    ),
}

# Alternative spellings of the downloadable names.
DOWNLOAD_ALIASES: dict[str, str] = {
    "fashion_mnist": "fashion-mnist",
    "fashionmnist": "fashion-mnist",
    "k-mnist": "kmnist",
    "kuzushiji-mnist": "kmnist",
}


# Alternative spellings of the embedded sample's name.
SAMPLE_ALIASES: dict[str, str] = {
    "sample": SAMPLE_NAME,
    "embedded": SAMPLE_NAME,
}


def canonical_name(name: str) -> str:
    """The canonical spelling of a dataset name (aliases resolved, lower case); other text lower-cased."""
    key = name.strip().lower()
    return SAMPLE_ALIASES.get(key, DOWNLOAD_ALIASES.get(key, key))


def find_spec(name: str) -> DatasetSpec | None:
    """The catalogue entry for ``name`` (case-insensitive, aliases accepted), or None."""
    key = name.strip().lower()
    return DOWNLOADABLE.get(DOWNLOAD_ALIASES.get(key, key))


def get_spec(name_or_spec: "str | DatasetSpec") -> DatasetSpec:
    """``name_or_spec`` itself if it is a DatasetSpec, else its catalogue entry; DatasetError if unknown."""
    if isinstance(name_or_spec, DatasetSpec):
        return name_or_spec
    spec = find_spec(name_or_spec)
    if spec is None:
        raise DatasetError(
            f"unknown downloadable dataset {name_or_spec!r}: expected one of {', '.join(DOWNLOADABLE)}"
        )
    return spec
