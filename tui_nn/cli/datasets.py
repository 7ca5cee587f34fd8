"""``scratchnet-tui datasets [list|download NAME]``: the listing and the download progress bar."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import TextIO

from ..datasets.cache import (
    CACHED,
    DATA_DIR_ENV,
    EMBEDDED,
    data_dir_origin,
    dataset_status,
    human_bytes,
    list_datasets,
    resolve_data_dir,
)
from ..datasets.catalogue import DOWNLOADABLE, find_spec
from ..datasets.dataset import DatasetError
from ..datasets.download import DownloadCancelled, DownloadError, download_dataset

from ..format import compact_duration
from ..training.augment_names import AUGMENTS
from .common import (
    EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, Parser, add_data_dir, data_dir_of, fail, positive_float,
    positive_int,
)


def add_parser(sub) -> None:
    datasets = sub.add_parser("datasets", help="list the datasets (embedded, cached, downloadable); "
                              "'datasets download NAME' fetches mnist, fashion-mnist or kmnist")
    add_data_dir(datasets)
    datasets_sub = datasets.add_subparsers(dest="datasets_command", parser_class=Parser)
    listing = datasets_sub.add_parser("list", help="every dataset with its state and size (the default)")
    listing.add_argument("--json", action="store_true", help="one JSON object on stdout")
    add_data_dir(listing)
    download = datasets_sub.add_parser("download", help="download a full-size dataset into the cache, "
                                       "verified against its published checksums (resumes if interrupted)")
    download.add_argument("name", metavar="NAME", help="mnist | fashion-mnist | kmnist")
    download.add_argument("--timeout", type=positive_float, default=20.0,
                          help="seconds to wait for a mirror to connect or send data (default 20)")
    add_data_dir(download)
    preview = datasets_sub.add_parser("preview", help="a few images beside augmented copies of them, "
                                      "as the trainer's --augment draws them")
    preview.add_argument("--augment", default="affine", choices=AUGMENTS, help="the augmentation (default affine)")
    preview.add_argument("--dataset", default="mnist-sample", metavar="NAME|PATH",
                         help="where the images come from (default mnist-sample)")
    preview.add_argument("--images", type=positive_int, default=3, help="how many images (default 3)")
    preview.add_argument("--variants", type=positive_int, default=2,
                         help="augmented copies of each (default 2)")
    preview.add_argument("--seed", type=int, default=0, help="seed of the augmentation (default 0)")
    add_data_dir(preview)
    datasets.set_defaults(handler=run_datasets)


def run_datasets(args) -> int:
    data_dir = data_dir_of(args)
    action = getattr(args, "datasets_command", None) or "list"
    if action == "list":
        return cmd_list(data_dir, as_json=getattr(args, "json", False))
    if action == "download":
        return cmd_download(args.name, data_dir, timeout=args.timeout)
    if action == "preview":
        return cmd_preview(args, data_dir)
    return EXIT_USAGE


def cmd_preview(args, data_dir, out: TextIO | None = None) -> int:
    from ..datasets import load_dataset
    from ..inspection.augment_preview import augmented_examples, preview_lines

    try:
        data = load_dataset(args.dataset, data_dir)
    except DatasetError as exc:
        return fail(str(exc))
    if data.x_train.shape[1] != 28 * 28:
        return fail(f"{args.dataset}: images of {data.x_train.shape[1]} pixels; the preview draws 28x28 images")
    count = min(args.images, len(data.x_train))
    examples = augmented_examples(data.x_train[:count], args.augment, args.variants, args.seed)
    labels = [data.class_names[int(y)] for y in data.y_train[:count]]
    out = out or sys.stdout
    out.write(f"{data.name}, --augment {args.augment} (seed {args.seed}):\n\n")
    out.write("\n".join(preview_lines(examples, labels)) + "\n")
    return EXIT_OK


def cmd_list(data_dir, as_json: bool = False, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    root = resolve_data_dir(data_dir)
    statuses = list_datasets(data_dir)
    if as_json:
        rows = [{"name": s.name, "state": s.state, "path": str(s.path) if s.path else None,
                 "cached_bytes": s.cached_bytes, "download_bytes": s.download_bytes,
                 "total_bytes": s.total_bytes, "missing_files": list(s.missing_files)} for s in statuses]
        print(json.dumps({"data_dir": str(root), "datasets": rows}), file=out)
        return EXIT_OK
    width = max(len(s.name) for s in statuses) + 2
    states = [s.describe() for s in statuses]
    swidth = max(len(t) for t in states) + 2
    print(f"{'dataset':<{width}}{'state':<{swidth}}train/test       classes", file=out)
    for s, state in zip(statuses, states):
        spec = DOWNLOADABLE.get(s.name)
        if s.state == EMBEDDED:
            sizes, classes = "4,000/1,000", "digits 0-9 (500 of each MNIST digit)"
        else:
            assert spec is not None
            sizes = f"{spec.n_train:,}/{spec.n_test:,}"
            classes = _classes(spec.class_names)
        print(f"{s.name:<{width}}{state:<{swidth}}{sizes:<17}{classes}", file=out)
    print(f"\ncache directory: {root} ({data_dir_origin(data_dir)}; "
          f"change it with --data-dir or ${DATA_DIR_ENV})", file=out)
    if any(s.state not in (EMBEDDED, CACHED) for s in statuses):
        print("download one with: scratchnet-tui datasets download NAME", file=out)
    return EXIT_OK


def _classes(names: tuple[str, ...]) -> str:
    if names == tuple(str(d) for d in range(10)):
        return "digits 0-9"
    text = ", ".join(names)
    return text if len(text) <= 48 else text[:45] + "..."


def cmd_download(name: str, data_dir, timeout: float, err: TextIO | None = None,
                 out: TextIO | None = None) -> int:
    err = err or sys.stderr
    out = out or sys.stdout
    spec = find_spec(name)
    if spec is None:
        from ..datasets.embedded import SAMPLE_NAME
        from ..datasets.catalogue import canonical_name

        if canonical_name(name) == SAMPLE_NAME:
            print(f"{SAMPLE_NAME} is embedded in the package: nothing to download", file=out)
            return EXIT_OK
        return fail(f"unknown downloadable dataset {name!r}: expected one of {', '.join(DOWNLOADABLE)}",
                      EXIT_USAGE)
    before = dataset_status(spec, data_dir)
    if before.state == CACHED:
        print(f"{spec.name} is already downloaded in {before.path} ({human_bytes(before.cached_bytes)})", file=out)
        return EXIT_OK
    bar = ProgressBar(spec.name, err)
    credit = f" ({spec.credit})" if spec.credit else ""
    print(f"downloading {spec.name}, {human_bytes(before.download_bytes)}, into {before.path}{credit}",
          file=err, flush=True)
    try:
        directory = download_dataset(spec, data_dir, progress=bar, log=bar.note, timeout=timeout)
    except DownloadCancelled as exc:  # pragma: no cover - the CLI never sets cancel
        bar.close()
        return fail(str(exc), EXIT_INTERRUPTED)
    except DownloadError as exc:
        bar.close()
        return fail(str(exc), EXIT_FAILED)
    except DatasetError as exc:
        bar.close()
        return fail(str(exc), EXIT_FAILED)
    except KeyboardInterrupt:
        bar.close()
        print(f"interrupted; what was fetched is kept in {before.path} and "
              f"`scratchnet-tui datasets download {spec.name}` resumes it", file=err)
        return EXIT_INTERRUPTED
    bar.close()
    after = dataset_status(spec, data_dir)
    print(f"{spec.name}: {len(spec.files)} files verified in {directory} ({human_bytes(after.cached_bytes)}); "
          f"use it with --dataset {spec.name}", file=out)
    return EXIT_OK


class ProgressBar:
    """``progress(done, total, file)`` for download_dataset, drawn on a terminal as one line:

        fashion-mnist [##########..........]  15.2/30.9 MB  4.1 MB/s  ETA 4s  train-images-idx3-ubyte.gz

    Redrawn at most 10 times a second. When the stream is not a terminal (a log, a pipe) nothing
    is drawn; ``note`` lines (a file verified, a mirror failing) are printed either way.
    """

    WIDTH = 24

    def __init__(self, label: str, stream: TextIO):
        self.label = label
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self.transferred = 0      # bytes fetched in this session (for the rate)
        self._last_done: int | None = None
        self._shown = False
        self._last_draw = 0.0
        self._lock = threading.Lock()

    def __call__(self, done: int, total: int, file_name: str) -> None:
        with self._lock:
            if self._last_done is not None and done > self._last_done:
                self.transferred += done - self._last_done
            self._last_done = done
            now = time.monotonic()
            if not self.tty or (now - self._last_draw < 0.1 and done < total):
                return
            self._last_draw = now
            self.stream.write("\r" + self.render(done, total, file_name, now - self.start) + "\033[K")
            self.stream.flush()
            self._shown = True

    def render(self, done: int, total: int, file_name: str, elapsed: float) -> str:
        frac = done / total if total else 1.0
        filled = int(self.WIDTH * min(max(frac, 0.0), 1.0))
        rate = self.transferred / elapsed if elapsed > 0 else 0.0
        if done >= total:
            eta = "done"
        elif rate > 0:
            eta = f"ETA {compact_duration((total - done) / rate)}"
        else:
            eta = "ETA --"
        return (f"{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                f"{done / 1e6:5.1f}/{total / 1e6:.1f} MB  {human_bytes(rate)}/s  {eta}  {file_name}")

    def note(self, line: str) -> None:
        with self._lock:
            self._clear()
            print(f"  {line}", file=self.stream, flush=True)

    def _clear(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self._shown = False

    def close(self) -> None:
        with self._lock:
            self._clear()
            self.stream.flush()
