"""Deflate bombs: a few MB on disk that inflate to GBs, with honest CRCs and honest sizes in
their zip directory or gzip trailer. Each must be refused before the memory is taken. The CLI
runs in a child of a fresh process, which reports that child's peak resident memory."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from fixtures.hostile import (
    bomb,
    deflated,
    gzip_bomb,
    npy_bytes,
    npy_header,
    run_measured,
    stored,
    write_zip,
)
from tui_nn.nn import Architecture, Network, save_model

PEAK_LIMIT_MB = 300
N_BOMB = 3_800_000            # images of zeros: 2.98 GB inflated, about 3 MB compressed


@pytest.fixture
def small_model(tmp_path) -> Path:
    path = tmp_path / "small.npz"
    save_model(Network(Architecture((784, 4, 10)), rng=np.random.default_rng(0)), path)
    return path


def assert_refused_in_little_memory(result: dict, path: Path, *phrases: str) -> None:
    assert result["rc"] != 0, result
    assert "Traceback" not in result["err"], result["err"]
    lines = result["err"].strip().splitlines()
    assert len(lines) == 1 and path.name in lines[0], result["err"]
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    print(f"peak RSS {result['peak_mb']:.0f} MB")
    assert result["peak_mb"] < PEAK_LIMIT_MB, f"peak RSS {result['peak_mb']:.0f} MB"


def test_model_deflate_bomb(tmp_path):
    """Parameters that inflate to 4.0 GB (a billion float32 zeros, which the architecture honestly
    needs) from a 3.9 MB file."""
    hidden = 1_257_861
    arch = Architecture((784, hidden, 10))
    assert 999_000_000 < arch.n_params < 1_001_000_000
    members = [stored(f"{k}.npy", npy_bytes(v)) for k, v in {
        "format": np.array("scratchnet-mlp"), "format_version": np.array(1),
        "architecture": np.array(__import__("json").dumps(arch.to_dict())),
        "metadata": np.array("{}")}.items()]
    members.append(bomb("params.npy", npy_header((arch.n_params,), np.float32), arch.n_params * 4))
    path = write_zip(tmp_path / "bomb-model.npz", members)
    assert path.stat().st_size < 5_000_000
    result = run_measured("evaluate", str(path), "--dataset", "mnist-sample")
    assert_refused_in_little_memory(result, path, "params", "compresses")


def test_npz_dataset_deflate_bomb(tmp_path, small_model):
    x = np.zeros((1, 784), np.uint8)
    y = np.zeros(1, np.uint8)
    path = write_zip(tmp_path / "bomb.npz", [
        bomb("x_train.npy", npy_header((N_BOMB, 784), np.uint8), N_BOMB * 784),
        deflated("y_train.npy", npy_bytes(np.zeros(N_BOMB, np.uint8))),
        stored("x_test.npy", npy_bytes(x)), stored("y_test.npy", npy_bytes(y))])
    assert path.stat().st_size < 4_000_000
    result = run_measured("evaluate", str(small_model), "--dataset", str(path))
    assert_refused_in_little_memory(result, path, "x_train", "compresses")


def test_idx_gzip_deflate_bomb(tmp_path, small_model):
    directory = tmp_path / "bomb-idx"
    directory.mkdir()
    images = gzip_bomb(directory / "t10k-images-idx3-ubyte.gz", struct.pack(">IIII", 0x803, N_BOMB, 28, 28),
                       N_BOMB * 784)
    gzip_bomb(directory / "t10k-labels-idx1-ubyte.gz", struct.pack(">II", 0x801, N_BOMB), N_BOMB)
    assert images.stat().st_size < 4_000_000
    result = run_measured("evaluate", str(small_model), "--dataset", str(directory))
    assert_refused_in_little_memory(result, images, "compresses")
