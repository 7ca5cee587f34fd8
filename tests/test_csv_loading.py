"""Loading a Kaggle CSV in chunks: the same arrays as one whole-file parse, progress as it reads,
arrays that own their memory (so freezing them copies nothing), and a .csv.gz deflate bomb
refused while it streams, in little memory."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from fixtures.hostile import run_measured
from tui_nn.datasets import DatasetError, load_dataset
from tui_nn.datasets.csv_reader import read_kaggle_csv
from tui_nn.datasets.embedded import sample_resource


def test_chunked_reading_gives_what_one_whole_parse_gives():
    whole = pd.read_csv(sample_resource(), dtype=np.uint8).to_numpy()
    fractions: list[float] = []
    x, y = read_kaggle_csv(sample_resource(), fractions.append, chunk_rows=700)
    np.testing.assert_array_equal(y, whole[:, 0])
    np.testing.assert_array_equal(x, whole[:, 1:])
    # 5,000 rows in chunks of 700: 8 reports, rising, the last one the whole file
    assert len(fractions) == 8
    assert fractions == sorted(fractions) and fractions[0] < 0.25 and fractions[-1] == 1.0
    # shrunk in place, not views of a larger buffer: Dataset's freezing copies nothing
    assert x.base is None and y.base is None and x.flags.c_contiguous
    assert x.shape == (5000, 784) and x.dtype == np.uint8


def test_the_dataset_loader_passes_progress_through(tmp_path):
    path = tmp_path / "digits.csv"
    with gzip.open(sample_resource(), "rb") as fh:
        path.write_bytes(fh.read())
    fractions: list[float] = []
    data = load_dataset(str(path), progress=fractions.append)
    assert len(data.x_train) == 4000 and fractions[-1] == 1.0


def test_a_bad_cell_in_a_later_chunk_is_named_by_its_row(tmp_path):
    lines = gzip.open(sample_resource(), "rt").read().splitlines()
    cells = lines[3001].split(",")
    cells[5] = "x"
    lines[3001] = ",".join(cells)
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n")
    try:
        read_kaggle_csv(path, chunk_rows=500)
    except DatasetError as exc:
        assert str(exc).startswith(str(path)) and "row 3001" in str(exc) and "'pixel4'" in str(exc)
    else:
        raise AssertionError("the bad cell was accepted")


def _csv_bomb(path: Path, rows: int) -> Path:
    """A valid digit CSV of ``rows`` blank images: about 1,000:1 under deflate."""
    header = ("label," + ",".join(f"pixel{i}" for i in range(784)) + "\n").encode()
    row = ("0," * 784 + "0\n").encode()
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)   # gzip wrapper, honest CRC and size
    with open(path, "wb") as out:
        out.write(packer.compress(header))
        block = row * 1000
        for _ in range(rows // 1000):
            out.write(packer.compress(block))
        out.write(packer.flush())
    return path


def test_a_csv_gz_deflate_bomb_is_refused_while_streaming(tmp_path):
    """60,000 blank rows: 94 MB of text (over the 64 MiB floor) from well under 1 MB, at 1,000:1."""
    path = _csv_bomb(tmp_path / "bomb.csv.gz", 60_000)
    assert path.stat().st_size < 1_000_000
    result = run_measured("train", "--dataset", str(path), "--epochs", "1", "--no-record")
    assert result["rc"] == 2, result
    lines = result["err"].strip().splitlines()
    assert "Traceback" not in result["err"]
    assert any(path.name in line and "deflate bomb" in line for line in lines), result["err"]
    assert result["peak_mb"] < 300, f"peak RSS {result['peak_mb']:.0f} MB"
