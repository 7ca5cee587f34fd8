"""Where downloaded datasets live, and what is there: ``dataset_status`` and ``list_datasets``.

The cache directory is, in order: an explicit ``data_dir`` (the CLI's ``--data-dir``), else
``$SCRATCHNET_DATA_DIR``, else the platform's user cache directory (``tui_nn.locations``):

* Linux and others: ``$XDG_CACHE_HOME/scratchnet-tui``, or ``~/.cache/scratchnet-tui``;
* macOS: ``~/Library/Caches/scratchnet-tui``;
* Windows: ``%LOCALAPPDATA%\\scratchnet-tui\\Cache``.

Each dataset has its own subfolder (``<cache>/fashion-mnist/``) holding its four IDX files under
their published names (gzip, or unpacked without the ``.gz``: files placed there by hand count
too). A download in progress is a hidden ``.<name>.part`` file next to them: it never counts as
present, and only a complete, checksum-verified file is renamed to its real name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .catalogue import DOWNLOADABLE, DatasetSpec, get_spec
from .dataset import DatasetError

DATA_DIR_ENV = "SCRATCHNET_DATA_DIR"

# DatasetStatus.state values
EMBEDDED, CACHED, PARTIAL, MISSING = "embedded", "cached", "partial", "missing"

PART_SUFFIX = ".part"
LOCK_NAME = ".download.lock"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache directory: ``data_dir`` if given, else ``$SCRATCHNET_DATA_DIR``, else the platform's
    user cache directory (``tui_nn.locations.user_cache_dir``, which applies the same override)."""
    from ..locations import user_cache_dir

    if data_dir is not None and os.fspath(data_dir) != "":
        return Path(os.path.expanduser(os.fspath(data_dir)))
    return Path(os.path.expanduser(os.fspath(user_cache_dir())))


def data_dir_origin(data_dir: str | os.PathLike[str] | None = None) -> str:
    """Where ``resolve_data_dir(data_dir)`` got its answer: for messages and listings."""
    if data_dir is not None and os.fspath(data_dir) != "":
        return "given explicitly"
    if os.environ.get(DATA_DIR_ENV):
        return f"from ${DATA_DIR_ENV}"
    return "the user cache directory"


def dataset_dir(spec: DatasetSpec | str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding one downloaded dataset: ``<cache>/<name>``."""
    return resolve_data_dir(data_dir) / get_spec(spec).name


def part_path(directory: Path, file_name: str) -> Path:
    """The hidden name a file has while it is being downloaded."""
    return directory / f".{file_name}{PART_SUFFIX}"


def present_file(directory: Path, file_name: str) -> Path | None:
    """The file in ``directory`` standing for ``file_name``: itself, or its unpacked form without
    ``.gz`` (placed there by hand); None if neither is a regular file."""
    candidates = [directory / file_name]
    if file_name.endswith(".gz"):
        candidates.append(directory / file_name[:-3])
    for path in candidates:
        try:
            if path.is_file():
                return path
        except OSError:
            return None
    return None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def human_bytes(n: float) -> str:
    """1234567 -> '1.2 MB' (decimal units, as download sizes are usually given)."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


@dataclass(frozen=True)
class DatasetStatus:
    """What is on disk for one dataset.

    ``state`` is ``"embedded"`` (shipped in the package), ``"cached"`` (every file present),
    ``"partial"`` (some files, or an interrupted download, present) or ``"missing"``.
    ``cached_bytes`` counts the files and resumable partial downloads on disk; ``download_bytes``
    what a download would still fetch; ``total_bytes`` the whole download.
    """

    name: str
    state: str
    path: Path | None
    cached_bytes: int
    download_bytes: int
    total_bytes: int
    missing_files: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        """True when ``load_dataset(name)`` can load it without a download."""
        return self.state in (EMBEDDED, CACHED)

    def describe(self) -> str:
        """A short phrase for listings: 'cached (30.9 MB)', 'not downloaded (30.9 MB to download)'."""
        if self.state == EMBEDDED:
            return f"embedded ({human_bytes(self.cached_bytes)})"
        if self.state == CACHED:
            return f"cached ({human_bytes(self.cached_bytes)})"
        if self.state == PARTIAL:
            return (f"partly downloaded ({human_bytes(self.cached_bytes)} here, "
                    f"{human_bytes(self.download_bytes)} to download)")
        return f"not downloaded ({human_bytes(self.download_bytes)} to download)"


def dataset_status(name: str | DatasetSpec, data_dir: str | os.PathLike[str] | None = None) -> DatasetStatus:
    """The state of a named dataset (``mnist-sample``, a downloadable name or a DatasetSpec).

    Only looks at file names and sizes (no checksum, no parsing): cheap enough for a UI to call on
    every redraw. Raises DatasetError for an unknown name.
    """
    if isinstance(name, str):
        from .catalogue import canonical_name
        from .embedded import SAMPLE_NAME, sample_resource

        if canonical_name(name) == SAMPLE_NAME:
            try:
                size = sample_resource().stat().st_size  # type: ignore[attr-defined]
            except (AttributeError, OSError):
                size = 0
            return DatasetStatus(SAMPLE_NAME, EMBEDDED, None, size, 0, 0)
    spec = get_spec(name)
    directory = dataset_dir(spec, data_dir)
    cached = 0
    to_fetch = 0
    missing: list[str] = []
    partial_bytes = 0
    for f in spec.files:
        path = present_file(directory, f.name)
        if path is not None:
            cached += _size(path)
            continue
        missing.append(f.name)
        done = min(_size(part_path(directory, f.name)), f.size)
        partial_bytes += done
        to_fetch += f.size - done
    if not missing:
        state = CACHED
    elif len(missing) < len(spec.files) or partial_bytes:
        state = PARTIAL
    else:
        state = MISSING
    return DatasetStatus(spec.name, state, directory, cached + partial_bytes, to_fetch,
                         spec.total_bytes, tuple(missing))


def list_datasets(data_dir: str | os.PathLike[str] | None = None) -> list[DatasetStatus]:
    """The status of every named dataset: the embedded sample first, then the downloadable ones."""
    from .embedded import SAMPLE_NAME

    return [dataset_status(SAMPLE_NAME, data_dir)] + [dataset_status(s, data_dir) for s in DOWNLOADABLE.values()]


def not_downloaded_message(status: DatasetStatus) -> str:
    """The DatasetError text for loading a dataset that is not (fully) downloaded."""
    name = status.name
    command = f"run `scratchnet-tui datasets download {name}`"
    if status.state == MISSING:
        return (f"dataset {name!r} is not downloaded yet (its files belong in {status.path}); {command} "
                f"to fetch {human_bytes(status.download_bytes)}, or put "
                f"{', '.join(status.missing_files)} there by hand")
    return (f"dataset {name!r} is only partly downloaded ({human_bytes(status.cached_bytes)} in "
            f"{status.path}, missing {', '.join(status.missing_files)}); {command} to fetch the remaining "
            f"{human_bytes(status.download_bytes)}, or put the missing files there by hand")


def load_downloaded(name: str | DatasetSpec, data_dir: str | os.PathLike[str] | None = None):
    """Load a downloaded dataset from the cache; DatasetError (never a download) if it is not there.

    The files are parsed by the IDX reader, which checks magic numbers, counts, image sizes and
    label ranges, so a damaged file placed by hand is refused with its name and the problem.
    """
    from .dataset import Dataset
    from .idx import read_idx_images, read_idx_labels

    spec = get_spec(name)
    status = dataset_status(spec, data_dir)
    if status.state != CACHED:
        raise DatasetError(not_downloaded_message(status))
    directory = status.path
    assert directory is not None
    paths = [present_file(directory, f.name) for f in spec.files]
    if any(p is None for p in paths):  # removed since the status was taken
        raise DatasetError(not_downloaded_message(dataset_status(spec, data_dir)))
    try:
        arrays = {}
        for f, p in zip(spec.files, paths):
            reader = read_idx_images if "-images-" in f.name else read_idx_labels
            arrays[f.name.split("-idx")[0]] = (reader(p), p)
    except PermissionError as exc:
        raise DatasetError(f"{directory}: cannot be read ({exc.strerror})") from None
    pairs = []
    for split in ("train", "t10k"):
        (x, xp), (y, yp) = arrays[f"{split}-images"], arrays[f"{split}-labels"]
        if len(x) != len(y):
            raise DatasetError(f"{xp}: holds {len(x)} images but {yp.name} holds {len(y)} labels")
        n_labels = len(spec.class_names)
        if y.size and int(y.max()) >= n_labels:
            raise DatasetError(f"{yp}: label {int(y.max())} is outside 0..{n_labels - 1}")
        pairs.append((x, y))
    (x_train, y_train), (x_test, y_test) = pairs
    return Dataset(
        name=spec.name,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        class_names=spec.class_names,
        source=f"{directory} ({spec.credit})" if spec.credit else str(directory),
    )
