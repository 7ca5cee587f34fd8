"""Tests for tui_nn.datasets: real files written to tmp_path, the real embedded sample and, when it
is present, the real Fashion-MNIST (see the ``fashion_mnist_dir`` fixture in conftest.py)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

import tui_nn.datasets as datasets
from tui_nn.datasets import (
    DATASET_NAMES,
    DIGIT_NAMES,
    FASHION_NAMES,
    IMAGE_PIXELS,
    Dataset,
    DatasetError,
    load_dataset,
    load_embedded_sample,
    load_idx_dir,
    load_npz,
    load_unlabelled_csv,
    read_idx_images,
    read_idx_labels,
    read_kaggle_csv,
)

# ---------------------------------------------------------------------------------------------
# helpers writing real files


def idx_images_bytes(images: np.ndarray, *, magic: int = 0x803, rows: int = 28, cols: int = 28,
                     count: int | None = None) -> bytes:
    n = len(images) if count is None else count
    return struct.pack(">IIII", magic, n, rows, cols) + np.asarray(images, dtype=np.uint8).tobytes()


def idx_labels_bytes(labels: np.ndarray, *, magic: int = 0x801, count: int | None = None) -> bytes:
    n = len(labels) if count is None else count
    return struct.pack(">II", magic, n) + np.asarray(labels, dtype=np.uint8).tobytes()


def write(path: Path, data: bytes, gz: bool) -> Path:
    path.write_bytes(gzip.compress(data, compresslevel=1) if gz else data)
    return path


def random_images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, IMAGE_PIXELS), dtype=np.uint8)


def random_labels(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed + 1).integers(0, 10, size=n, dtype=np.uint8)


def write_idx_split(directory: Path, split: str, images: np.ndarray, labels: np.ndarray,
                    gz: bool = True) -> tuple[Path, Path]:
    suffix = "-idx3-ubyte.gz" if gz else "-idx3-ubyte"
    lsuffix = "-idx1-ubyte.gz" if gz else "-idx1-ubyte"
    ip = write(directory / f"{split}-images{suffix}", idx_images_bytes(images), gz)
    lp = write(directory / f"{split}-labels{lsuffix}", idx_labels_bytes(labels), gz)
    return ip, lp


def csv_text(x: np.ndarray, y: np.ndarray | None) -> str:
    header = ([] if y is None else ["label"]) + [f"pixel{i}" for i in range(x.shape[1])]
    lines = [",".join(header)]
    for i, row in enumerate(x):
        cells = ([] if y is None else [str(int(y[i]))]) + [str(int(v)) for v in row]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def write_csv(path: Path, x: np.ndarray, y: np.ndarray | None, gz: bool = False) -> Path:
    return write(path, csv_text(x, y).encode(), gz)


def assert_dataset_error(excinfo: pytest.ExceptionInfo, path: Path | str, *phrases: str) -> str:
    """The message is one line, names the file and contains every phrase."""
    message = str(excinfo.value)
    assert "\n" not in message, message
    assert Path(path).name in message, message
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"
    return message


# ---------------------------------------------------------------------------------------------
# embedded sample


def test_embedded_sample_shapes_split_and_labels():
    ds = load_embedded_sample()
    assert isinstance(ds, Dataset)
    assert ds.name == "mnist-sample"
    assert ds.class_names == DIGIT_NAMES and ds.n_classes == 10 and ds.n_features == 784
    assert ds.x_train.shape == (4000, 784) and ds.y_train.shape == (4000,)
    assert ds.x_test.shape == (1000, 784) and ds.y_test.shape == (1000,)
    for arr in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        assert arr.dtype == np.uint8
    assert ds.x_train.min() == 0 and ds.x_train.max() == 255
    # every class appears in both parts; the whole file holds exactly 500 per digit
    assert set(np.unique(ds.y_train)) == set(range(10))
    assert set(np.unique(ds.y_test)) == set(range(10))
    combined = np.bincount(np.concatenate([ds.y_train, ds.y_test]), minlength=10)
    assert combined.tolist() == [500] * 10
    assert np.bincount(ds.y_test, minlength=10).min() >= 80  # documented: 84..113 per class


def test_embedded_sample_split_is_file_order():
    # the split is the first 4000 / last 1000 rows of the shipped CSV, not a shuffle
    x, y = read_kaggle_csv(datasets.embedded.sample_resource())
    ds = load_embedded_sample()
    np.testing.assert_array_equal(ds.x_train, x[:4000])
    np.testing.assert_array_equal(ds.y_test, y[4000:])


def test_embedded_sample_is_read_only_and_cached():
    first = load_embedded_sample()
    for arr in (first.x_train, first.y_train, first.x_test, first.y_test):
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0] = 1
        with pytest.raises(ValueError):
            arr.flags.writeable = True
    second = load_embedded_sample()
    assert second.x_train is first.x_train  # parsed once
    assert second.x_train[0].sum() == first.x_train[0].sum()


@pytest.mark.parametrize("kind", ["idx", "csv", "npz"])
def test_every_loader_returns_read_only_arrays(tmp_path, kind):
    x, y = random_images(10), random_labels(10)
    if kind == "idx":
        write_idx_split(tmp_path, "train", x, y)
        write_idx_split(tmp_path, "t10k", x, y)
        target = tmp_path
    elif kind == "csv":
        target = write_csv(tmp_path / "d.csv", x, y)
    else:
        target = write_npz(tmp_path / "d.npz", x_train=x.reshape(10, 28, 28), y_train=y, x_test=x, y_test=y)
    ds = load_dataset(str(target))
    for arr in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        assert arr.dtype == np.uint8
        with pytest.raises(ValueError):
            arr.flags.writeable = True


@pytest.mark.parametrize("name", ["mnist-sample", "sample", "embedded", " Sample "])
def test_sample_names_load_the_embedded_sample(name):
    assert {"mnist-sample", "sample", "embedded"} <= set(DATASET_NAMES)
    ds = load_dataset(name)
    assert ds.name == "mnist-sample"
    assert ds.x_train is load_embedded_sample().x_train


def test_public_api_reexports():
    for symbol in ("Dataset", "DatasetError", "load_dataset", "load_embedded_sample", "load_idx_dir",
                   "read_kaggle_csv", "load_npz", "DIGIT_NAMES", "FASHION_NAMES", "IMAGE_SIDE",
                   "IMAGE_PIXELS"):
        assert symbol in datasets.__all__
        assert getattr(datasets, symbol) is not None
    assert datasets.IMAGE_SIDE == 28 and datasets.IMAGE_PIXELS == 784


# ---------------------------------------------------------------------------------------------
# IDX


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "raw"])
def test_idx_round_trip(tmp_path, gz):
    x_tr, y_tr = random_images(50, 1), random_labels(50, 1)
    x_te, y_te = random_images(20, 2), random_labels(20, 2)
    write_idx_split(tmp_path, "train", x_tr, y_tr, gz)
    write_idx_split(tmp_path, "t10k", x_te, y_te, gz)
    ds = load_idx_dir(tmp_path, name="mine")
    assert ds.name == "mine" and ds.source == str(tmp_path)
    np.testing.assert_array_equal(ds.x_train, x_tr)
    np.testing.assert_array_equal(ds.y_train, y_tr)
    np.testing.assert_array_equal(ds.x_test, x_te)
    np.testing.assert_array_equal(ds.y_test, y_te)
    assert ds.x_train.dtype == np.uint8 and ds.y_test.dtype == np.uint8
    assert ds.x_train.shape == (50, 784)


def test_idx_alternative_file_names(tmp_path):
    # the naming used by some mirrors: train-images.idx3-ubyte (dot, raw)
    x, y = random_images(5), random_labels(5)
    write(tmp_path / "train-images.idx3-ubyte", idx_images_bytes(x), gz=False)
    write(tmp_path / "train-labels.idx1-ubyte", idx_labels_bytes(y), gz=False)
    ds = load_idx_dir(tmp_path)
    np.testing.assert_array_equal(ds.x_train, x)
    assert ds.name == tmp_path.name


def test_idx_gzip_detected_by_magic_bytes_not_extension(tmp_path):
    x, y = random_images(7), random_labels(7)
    gz_without_suffix = write(tmp_path / "a-images", idx_images_bytes(x), gz=True)
    raw_with_gz_suffix = write(tmp_path / "b-labels.gz", idx_labels_bytes(y), gz=False)
    np.testing.assert_array_equal(read_idx_images(gz_without_suffix), x)
    np.testing.assert_array_equal(read_idx_labels(raw_with_gz_suffix), y)


def test_idx_test_only_directory(tmp_path):
    x, y = random_images(12), random_labels(12)
    write_idx_split(tmp_path, "t10k", x, y)
    ds = load_idx_dir(tmp_path)
    assert ds.x_train.shape == (0, 784) and ds.x_train.dtype == np.uint8
    assert ds.y_train.shape == (0,)
    assert ds.x_test.shape == (12, 784)
    assert ds.n_features == 784


def test_idx_train_only_directory(tmp_path):
    write_idx_split(tmp_path, "train", random_images(9), random_labels(9))
    ds = load_idx_dir(tmp_path)
    assert ds.x_train.shape == (9, 784)
    assert ds.x_test.shape == (0, 784) and ds.y_test.shape == (0,)


def test_idx_empty_directory(tmp_path):
    with pytest.raises(DatasetError) as ei:
        load_idx_dir(tmp_path)
    assert_dataset_error(ei, tmp_path, "no IDX files found")


def test_idx_missing_directory(tmp_path):
    with pytest.raises(DatasetError) as ei:
        load_idx_dir(tmp_path / "nowhere")
    assert_dataset_error(ei, "nowhere", "does not exist")


def test_idx_wrong_magic(tmp_path):
    # a labels file where the images file should be
    write(tmp_path / "train-images-idx3-ubyte.gz", idx_labels_bytes(random_labels(3)), gz=True)
    write(tmp_path / "train-labels-idx1-ubyte.gz", idx_labels_bytes(random_labels(3)), gz=True)
    with pytest.raises(DatasetError) as ei:
        load_idx_dir(tmp_path)
    msg = assert_dataset_error(ei, "train-images-idx3-ubyte.gz", "wrong magic number 0x00000801",
                               "expected 0x00000803")
    assert msg.startswith(str(tmp_path / "train-images-idx3-ubyte.gz"))


def test_idx_truncated_gzip_stream(tmp_path):
    data = gzip.compress(idx_images_bytes(random_images(40)))
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError) as ei:
        read_idx_images(path)
    assert_dataset_error(ei, path, "truncated gzip")
    assert ei.value.__cause__ is None and ei.value.__suppress_context__


def test_idx_corrupt_gzip_stream(tmp_path):
    data = bytearray(gzip.compress(idx_images_bytes(random_images(40))))
    data[20:60] = b"\x00" * 40
    path = write(tmp_path / "images.gz", bytes(data), gz=False)
    with pytest.raises(DatasetError) as ei:
        read_idx_images(path)
    assert_dataset_error(ei, path, "gzip")


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "raw"])
def test_idx_truncated_payload(tmp_path, gz):
    # header announces 10 images but only 9.5 are present
    data = idx_images_bytes(random_images(10))[: 16 + 784 * 9 + 392]
    path = write(tmp_path / "train-images-idx3-ubyte", data, gz)
    with pytest.raises(DatasetError) as ei:
        read_idx_images(path)
    assert_dataset_error(ei, path, "truncated", "10 images")


def test_idx_trailing_bytes(tmp_path):
    path = write(tmp_path / "labels", idx_labels_bytes(random_labels(5)) + b"\x01\x02", gz=False)
    with pytest.raises(DatasetError) as ei:
        read_idx_labels(path)
    assert_dataset_error(ei, path, "2 unexpected bytes")


def test_idx_header_too_short(tmp_path):
    path = write(tmp_path / "images", struct.pack(">II", 0x803, 1), gz=False)
    with pytest.raises(DatasetError) as ei:
        read_idx_images(path)
    assert_dataset_error(ei, path, "header")


def test_idx_count_mismatch_between_images_and_labels(tmp_path):
    write(tmp_path / "train-images-idx3-ubyte.gz", idx_images_bytes(random_images(6)), gz=True)
    write(tmp_path / "train-labels-idx1-ubyte.gz", idx_labels_bytes(random_labels(5)), gz=True)
    with pytest.raises(DatasetError) as ei:
        load_idx_dir(tmp_path)
    assert_dataset_error(ei, "train-images-idx3-ubyte.gz", "6 images", "5 labels",
                         "train-labels-idx1-ubyte.gz")


def test_idx_27x27_images(tmp_path):
    data = struct.pack(">IIII", 0x803, 2, 27, 27) + bytes(2 * 27 * 27)
    path = write(tmp_path / "train-images-idx3-ubyte.gz", data, gz=True)
    with pytest.raises(DatasetError) as ei:
        read_idx_images(path)
    assert_dataset_error(ei, path, "27x27", "expected 28x28")


def test_idx_label_10(tmp_path):
    labels = np.array([0, 9, 10, 3], dtype=np.uint8)
    path = write(tmp_path / "t10k-labels-idx1-ubyte.gz", idx_labels_bytes(labels), gz=True)
    with pytest.raises(DatasetError) as ei:
        read_idx_labels(path)
    assert_dataset_error(ei, path, "label 10", "index 2", "outside 0..9")


def test_idx_images_without_labels(tmp_path):
    write(tmp_path / "train-images-idx3-ubyte.gz", idx_images_bytes(random_images(2)), gz=True)
    with pytest.raises(DatasetError) as ei:
        load_idx_dir(tmp_path)
    assert_dataset_error(ei, "train-images-idx3-ubyte.gz", "no matching train-labels")


def test_idx_missing_file(tmp_path):
    with pytest.raises(DatasetError) as ei:
        read_idx_images(tmp_path / "train-images-idx3-ubyte.gz")
    assert_dataset_error(ei, "train-images-idx3-ubyte.gz", "does not exist")


def test_idx_prefers_raw_when_gz_and_raw_both_exist(tmp_path):
    x, y = random_images(3), random_labels(3)
    write_idx_split(tmp_path, "train", x, y, gz=True)
    # a different, uncompressed copy next to it (as after `gunzip -k`, here deliberately altered)
    write(tmp_path / "train-images-idx3-ubyte", idx_images_bytes(255 - x), gz=False)
    ds = load_idx_dir(tmp_path)
    np.testing.assert_array_equal(ds.x_train, 255 - x)


# ---------------------------------------------------------------------------------------------
# Kaggle CSV


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "plain"])
def test_csv_labelled_round_trip(tmp_path, gz):
    x, y = random_images(8), random_labels(8)
    path = write_csv(tmp_path / ("train.csv.gz" if gz else "train.csv"), x, y, gz)
    rx, ry = read_kaggle_csv(path)
    assert rx.dtype == np.uint8 and rx.shape == (8, 784)
    assert ry is not None and ry.dtype == np.uint8 and ry.shape == (8,)
    np.testing.assert_array_equal(rx, x)
    np.testing.assert_array_equal(ry, y)


def test_csv_unlabelled_gives_no_labels(tmp_path):
    x = random_images(4)
    path = write_csv(tmp_path / "test.csv", x, None)
    rx, ry = read_kaggle_csv(path)
    assert ry is None
    np.testing.assert_array_equal(rx, x)
    np.testing.assert_array_equal(load_unlabelled_csv(path), x)


def test_csv_gzip_detected_by_magic_bytes(tmp_path):
    x, y = random_images(3), random_labels(3)
    path = write_csv(tmp_path / "looks-plain.csv", x, y, gz=True)
    rx, ry = read_kaggle_csv(path)
    np.testing.assert_array_equal(rx, x)


def test_csv_with_utf8_bom_and_crlf(tmp_path):
    x, y = random_images(3), random_labels(3)
    text = "\ufeff" + csv_text(x, y).replace("\n", "\r\n")
    path = write(tmp_path / "excel.csv", text.encode("utf-8"), gz=False)
    rx, ry = read_kaggle_csv(path)
    np.testing.assert_array_equal(rx, x)
    np.testing.assert_array_equal(ry, y)


def test_csv_783_columns(tmp_path):
    x, y = random_images(2), random_labels(2)
    path = write_csv(tmp_path / "short.csv", x[:, :782], y)  # label + 782 pixels = 783 columns
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(path)
    assert_dataset_error(ei, path, "783 columns", "expected 785")


def test_csv_non_numeric_cell(tmp_path):
    x, y = random_images(5), random_labels(5)
    lines = csv_text(x, y).splitlines()
    cells = lines[3].split(",")  # data row 3
    cells[6] = "abc"  # column pixel5
    lines[3] = ",".join(cells)
    path = write(tmp_path / "bad.csv", ("\n".join(lines) + "\n").encode(), gz=False)
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(path)
    assert_dataset_error(ei, path, "row 3", "'pixel5'", "'abc' is not an integer")


def test_csv_pixel_300(tmp_path):
    x, y = random_images(4), random_labels(4)
    lines = csv_text(x, y).splitlines()
    cells = lines[2].split(",")
    cells[101] = "300"  # pixel100 of data row 2
    lines[2] = ",".join(cells)
    path = write(tmp_path / "bright.csv.gz", ("\n".join(lines) + "\n").encode(), gz=True)
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(path)
    assert_dataset_error(ei, path, "row 2", "'pixel100'", "300", "outside 0..255")


def test_csv_negative_pixel(tmp_path):
    x = random_images(2)
    text = csv_text(x, None).replace(f"\n{x[0, 0]},", "\n-1,", 1)
    path = write(tmp_path / "neg.csv", text.encode(), gz=False)
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(path)
    assert_dataset_error(ei, path, "row 1", "'pixel0'", "-1")


def test_csv_label_10(tmp_path):
    x, y = random_images(3), np.array([1, 10, 2])
    path = write_csv(tmp_path / "labels.csv", x, y)
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(path)
    assert_dataset_error(ei, path, "row 2", "label 10", "outside 0..9")


def test_csv_extra_field_in_first_row_is_not_silently_dropped(tmp_path):
    x, y = random_images(2), random_labels(2)
    lines = csv_text(x, y).splitlines()
    lines[1] += ",7"
    path = write(tmp_path / "wide.csv", ("\n".join(lines) + "\n").encode(), gz=False)
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(path)
    assert_dataset_error(ei, path, "row 1", "786 fields", "expected 785")


def test_csv_missing_cell(tmp_path):
    x, y = random_images(2), random_labels(2)
    lines = csv_text(x, y).splitlines()
    cells = lines[2].split(",")
    cells[10] = ""
    lines[2] = ",".join(cells)
    path = write(tmp_path / "hole.csv", ("\n".join(lines) + "\n").encode(), gz=False)
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(path)
    assert_dataset_error(ei, path, "row 2", "'pixel9'", "empty")


def test_csv_without_header(tmp_path):
    x, y = random_images(2), random_labels(2)
    text = "\n".join(csv_text(x, y).splitlines()[1:]) + "\n"
    path = write(tmp_path / "noheader.csv", text.encode(), gz=False)
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(path)
    assert_dataset_error(ei, path, "not a header")


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "plain"])
def test_csv_empty_file(tmp_path, gz):
    path = write(tmp_path / "empty.csv", b"", gz)
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(path)
    assert_dataset_error(ei, path, "is empty")


def test_csv_header_only(tmp_path):
    path = write_csv(tmp_path / "header.csv", np.zeros((0, 784), np.uint8), np.zeros(0, np.uint8))
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(path)
    assert_dataset_error(ei, path, "no data rows")


def test_csv_missing_file(tmp_path):
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(tmp_path / "absent.csv")
    assert_dataset_error(ei, "absent.csv", "does not exist")


def test_csv_truncated_gzip(tmp_path):
    data = gzip.compress(csv_text(random_images(30), random_labels(30)).encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(path)
    assert_dataset_error(ei, path, "truncated gzip")


# ---------------------------------------------------------------------------------------------
# npz


def write_npz(path: Path, **arrays) -> Path:
    np.savez(path, **arrays)
    return path


def test_npz_int_images_28x28(tmp_path):
    x_tr = random_images(6).astype(np.int64).reshape(6, 28, 28)
    y_tr = random_labels(6).astype(np.int64)
    x_te, y_te = random_images(3, 5), random_labels(3, 5)
    path = write_npz(tmp_path / "digits.npz", x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    ds = load_npz(path)
    assert ds.name == "digits"
    assert ds.x_train.shape == (6, 784) and ds.x_train.dtype == np.uint8
    assert ds.y_train.dtype == np.uint8
    np.testing.assert_array_equal(ds.x_train, x_tr.reshape(6, 784))
    np.testing.assert_array_equal(ds.y_test, y_te)


def test_npz_float_images_are_rounded(tmp_path):
    x = np.array([[0.0, 1.0, 0.5, 0.499, 1 / 255, 0.998] + [0.0] * 778], dtype=np.float32)
    y = np.array([3])
    path = write_npz(tmp_path / "f.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    ds = load_npz(path)
    assert ds.x_train.dtype == np.uint8
    assert ds.x_train[0, :6].tolist() == [0, 255, 128, 127, 1, 254]


def test_npz_missing_key(tmp_path):
    x, y = random_images(2), random_labels(2)
    path = write_npz(tmp_path / "partial.npz", x_train=x, y_train=y, x_test=x)
    with pytest.raises(DatasetError) as ei:
        load_npz(path)
    assert_dataset_error(ei, path, "missing key", "y_test")


@pytest.mark.parametrize(
    "x_train, y_train, phrases",
    [
        (np.full((2, 784), 256, np.int32), np.array([1, 2]), ("x_train", "0..255")),
        (np.full((2, 784), 3.0), np.array([1, 2]), ("x_train", "expected [0, 1]")),
        (np.zeros((2, 27, 27), np.uint8), np.array([1, 2]), ("x_train", "shape (2, 27, 27)")),
        (np.zeros((2, 784), np.uint8), np.array([1, 10]), ("y_train[1] = 10", "outside 0..9")),
        (np.zeros((2, 784), np.uint8), np.array([1, 2, 3]), ("2 images", "3 labels")),
        (np.zeros((2, 784), np.uint8), np.array([1.0, 2.0]), ("y_train", "dtype float64")),
    ],
    ids=["pixel-256", "float-255-scale", "27x27", "label-10", "count-mismatch", "float-labels"],
)
def test_npz_invalid_content(tmp_path, x_train, y_train, phrases):
    x_te, y_te = random_images(1), random_labels(1)
    path = write_npz(tmp_path / "bad.npz", x_train=x_train, y_train=y_train, x_test=x_te, y_test=y_te)
    with pytest.raises(DatasetError) as ei:
        load_npz(path)
    assert_dataset_error(ei, path, *phrases)


def test_npz_not_an_archive(tmp_path):
    path = write(tmp_path / "junk.npz", b"this is not a zip file", gz=False)
    with pytest.raises(DatasetError) as ei:
        load_npz(path)
    assert_dataset_error(ei, path, "not a readable .npz")


# ---------------------------------------------------------------------------------------------
# registry


def test_registry_labelled_csv_split_last_20_percent(tmp_path):
    x, y = random_images(10), random_labels(10)
    path = write_csv(tmp_path / "kaggle-train.csv.gz", x, y, gz=True)
    ds = load_dataset(str(path))
    assert ds.name == "kaggle-train" and ds.class_names == DIGIT_NAMES
    np.testing.assert_array_equal(ds.x_train, x[:8])
    np.testing.assert_array_equal(ds.y_train, y[:8])
    np.testing.assert_array_equal(ds.x_test, x[8:])
    np.testing.assert_array_equal(ds.y_test, y[8:])
    assert not ds.x_train.flags.writeable


def test_registry_unlabelled_csv_is_for_prediction_only(tmp_path):
    path = write_csv(tmp_path / "test.csv", random_images(3), None)
    with pytest.raises(DatasetError) as ei:
        load_dataset(str(path))
    assert_dataset_error(ei, path, "no label column", "prediction", "load_unlabelled_csv")


def test_registry_idx_directory_and_fashion_class_names(tmp_path):
    digits = tmp_path / "my-digits"
    fashion = tmp_path / "Fashion-small"
    for d in (digits, fashion):
        d.mkdir()
        write_idx_split(d, "t10k", random_images(4), random_labels(4))
    assert load_dataset(str(digits)).class_names == DIGIT_NAMES
    ds = load_dataset(str(fashion))
    assert ds.class_names == FASHION_NAMES and ds.name == "Fashion-small"
    assert ds.x_test.shape == (4, 784)


def test_registry_npz(tmp_path):
    x, y = random_images(2), random_labels(2)
    path = write_npz(tmp_path / "set.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    ds = load_dataset(str(path))
    np.testing.assert_array_equal(ds.x_test, x)


def test_registry_unknown_name():
    with pytest.raises(DatasetError) as ei:
        load_dataset("foo")
    assert str(ei.value) == (
        "unknown dataset 'foo': expected mnist-sample, mnist, fashion-mnist, kmnist or a path to an "
        "IDX directory, a .csv/.csv.gz or a .npz file"
    )


@pytest.mark.parametrize("relative", ["gone.csv", "gone.npz", "sub/dir"])
def test_registry_missing_path(tmp_path, relative):
    path = tmp_path / relative
    with pytest.raises(DatasetError) as ei:
        load_dataset(str(path))
    assert_dataset_error(ei, path, "does not exist")


def test_registry_unsupported_file(tmp_path):
    path = write(tmp_path / "notes.txt", b"hello", gz=False)
    with pytest.raises(DatasetError) as ei:
        load_dataset(str(path))
    assert_dataset_error(ei, path, "unsupported file type")


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "kmnist"])
def test_registry_downloadable_names_not_downloaded_yet(name, tmp_path, monkeypatch):
    # The download cache is a fresh temporary directory (conftest's isolated_user_dirs); loading
    # never downloads: it says how to. The download itself is tested in test_download.py.
    monkeypatch.chdir(tmp_path)  # no local directory of that name
    with pytest.raises(DatasetError, match=f"not downloaded yet.*scratchnet-tui datasets download {name}"):
        load_dataset(name)
    assert name in DATASET_NAMES


# ---------------------------------------------------------------------------------------------
# real Fashion-MNIST (skipped when absent)


def test_real_fashion_mnist(fashion_mnist_dir):
    ds = load_dataset(str(fashion_mnist_dir))
    assert ds.class_names == FASHION_NAMES
    assert ds.x_train.shape == (60000, 784) and ds.y_train.shape == (60000,)
    assert ds.x_test.shape == (10000, 784) and ds.y_test.shape == (10000,)
    for arr in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        assert arr.dtype == np.uint8
    assert np.bincount(ds.y_train, minlength=10).tolist() == [6000] * 10
    assert np.bincount(ds.y_test, minlength=10).tolist() == [1000] * 10
    assert ds.x_train.min() == 0 and ds.x_train.max() == 255
    assert ds.x_test.min() == 0 and ds.x_test.max() == 255


# ---------------------------------------------------------------------------------------------
# damaged and hostile files: refused early, one line naming the file, never a traceback or a
# MemoryError (the deflate bombs, measured in a child process, are in test_memory_bombs.py)

from fixtures.hostile import npy_bytes, npy_header, stored, write_zip  # noqa: E402


def good_npz(path: Path) -> Path:
    x, y = random_images(40), random_labels(40)
    return write_npz(path, x_train=x, y_train=y, x_test=x[:5], y_test=y[:5])


def test_npz_truncated_zip(tmp_path):
    data = good_npz(tmp_path / "full.npz").read_bytes()
    path = tmp_path / "cut.npz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError) as ei:
        load_npz(path)
    assert_dataset_error(ei, path, "not a readable .npz", "truncated or damaged zip")


def test_npz_bit_flipped_in_the_data(tmp_path):
    path = good_npz(tmp_path / "flipped.npz")
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x10  # inside x_train's pixels: only the CRC can tell
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError) as ei:
        load_npz(path)
    assert_dataset_error(ei, path, "not a readable .npz", "damaged")


def test_npz_bit_flipped_in_the_zip_directory(tmp_path):
    path = good_npz(tmp_path / "flipped.npz")
    data = bytearray(path.read_bytes())
    data[-30] ^= 0xFF  # in the central directory / end record
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError) as ei:
        load_npz(path)
    assert_dataset_error(ei, path, "not a readable .npz")


def test_npz_member_that_is_not_npy(tmp_path):
    x, y = random_images(2), random_labels(2)
    path = write_zip(tmp_path / "odd.npz", [
        stored("x_train.npy", b"hello, I am not an array" * 10), stored("y_train.npy", npy_bytes(y)),
        stored("x_test.npy", npy_bytes(x)), stored("y_test.npy", npy_bytes(y))])
    with pytest.raises(DatasetError) as ei:
        load_npz(path)
    assert_dataset_error(ei, path, "x_train", "not a .npy array")


def test_npz_text_file_says_what_it_is(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("label,pixel0,pixel1\n1,0,0\n")
    with pytest.raises(DatasetError) as ei:
        load_npz(path)
    message = assert_dataset_error(ei, path, "is a text file, not an .npz")
    assert "unsafe" not in message and "pickle" not in message


def test_npz_declared_shape_larger_than_the_member(tmp_path):
    """x_train's .npy header announces 10^12 images: refused from the header, nothing allocated."""
    y = random_labels(2)
    path = write_zip(tmp_path / "huge.npz", [
        stored("x_train.npy", npy_header((10**12, 784), np.uint8) + bytes(784 * 2)),
        stored("y_train.npy", npy_bytes(y)), stored("x_test.npy", npy_bytes(random_images(2))),
        stored("y_test.npy", npy_bytes(y))])
    with pytest.raises(DatasetError) as ei:
        load_npz(path)
    assert_dataset_error(ei, path, "x_train", "(1000000000000, 784)", "1,568 bytes")


def test_npz_array_over_the_size_limit(tmp_path, monkeypatch):
    import tui_nn.checked_read as checked_read

    monkeypatch.setattr(checked_read, "MAX_NPZ_ARRAY_BYTES", 10_000)
    path = good_npz(tmp_path / "big.npz")
    with pytest.raises(DatasetError) as ei:
        load_npz(path)
    assert_dataset_error(ei, path, "x_train", "31,360 bytes", "limit")


def test_csv_first_line_over_128_kib(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("label," + "x" * 200_000 + "\n1,2\n")
    with pytest.raises(DatasetError) as ei:
        read_kaggle_csv(path)
    assert_dataset_error(ei, path, "first line", "128 KiB")
    with pytest.raises(DatasetError) as ei:
        load_dataset(str(path))
    assert_dataset_error(ei, path, "first line")


def test_idx_raw_header_count_larger_than_the_file(tmp_path):
    """A raw IDX header announcing 1.4e9 images in a 1.1 GB (sparse) file: refused by comparing
    the header with the file size, before reading or allocating anything."""
    path = tmp_path / "train-images-idx3-ubyte"
    with open(path, "wb") as fh:
        fh.write(struct.pack(">IIII", 0x803, 1_400_000_000, 28, 28))
        fh.truncate(1_100_000_000)
    with pytest.raises(DatasetError) as ei:
        read_idx_images(path)
    assert_dataset_error(ei, path, "1400000000 images", "1099999984 bytes follow")


def test_idx_raw_labels_count_larger_than_the_file(tmp_path):
    path = write(tmp_path / "train-labels-idx1-ubyte", idx_labels_bytes(random_labels(100), count=1_400_000_000),
                 gz=False)
    with pytest.raises(DatasetError) as ei:
        read_idx_labels(path)
    assert_dataset_error(ei, path, "1400000000 labels", "truncated")


def test_idx_gz_header_count_over_the_limit(tmp_path):
    path = write(tmp_path / "train-images-idx3-ubyte.gz", idx_images_bytes(random_images(3), count=1_400_000_000),
                 gz=True)
    with pytest.raises(DatasetError) as ei:
        read_idx_images(path)
    assert_dataset_error(ei, path, "1400000000 images", "limit")


def _special_entries(directory: Path):
    import os

    fifo = directory / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "train-images-idx3-ubyte")
    sub = directory / "dir"
    (sub / "train-images-idx3-ubyte").mkdir(parents=True)
    loop = directory / "loop"
    loop.mkdir()
    (loop / "train-images-idx3-ubyte").symlink_to("train-images-idx3-ubyte")
    dangling = directory / "dangling"
    dangling.mkdir()
    (dangling / "train-images-idx3-ubyte").symlink_to("nowhere/train-images-idx3-ubyte")
    for d in (fifo, sub, loop, dangling):
        write(d / "train-labels-idx1-ubyte.gz", idx_labels_bytes(random_labels(3)), gz=True)
    return {"fifo": (fifo, "is a FIFO, not a file"), "dir": (sub, "is a directory, not a file"),
            "loop": (loop, "is a symlink loop"), "dangling": (dangling, "is a broken symlink")}


@pytest.mark.parametrize("kind", ["fifo", "dir", "loop", "dangling"])
def test_idx_directory_with_something_else_in_place_of_the_images(tmp_path, kind):
    """Run in a child process with a time limit: opening a FIFO must never block."""
    import subprocess
    import sys

    directory, phrase = _special_entries(tmp_path)[kind]
    code = ("import sys\nfrom tui_nn.datasets import load_dataset, DatasetError\n"
            "try:\n    load_dataset(sys.argv[1])\nexcept DatasetError as e:\n    print(e)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(directory)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    message = proc.stdout.strip()
    assert "\n" not in message
    assert "train-images-idx3-ubyte" in message and phrase in message, message


def test_a_fifo_given_as_a_file_is_named_as_such(tmp_path):
    import os

    for name in ("pipe.npz", "pipe.csv"):
        os.mkfifo(tmp_path / name)
        with pytest.raises(DatasetError) as ei:
            load_dataset(str(tmp_path / name))
        assert_dataset_error(ei, tmp_path / name, "is a FIFO, not a file")
