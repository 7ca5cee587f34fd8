"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Fashion-MNIST (Zalando SE, MIT) is not shipped with the repo. Tests look for the four IDX .gz
# files in $SCRATCHNET_FASHION_MNIST, else in ../shared/datasets/fashion-mnist next to the repo.
FASHION_MNIST_ENV = "SCRATCHNET_FASHION_MNIST"
FASHION_MNIST_DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "fashion-mnist"


def shared_fashion_mnist_dir() -> Path:
    """Where the tests expect the Fashion-MNIST IDX files (the directory may not exist)."""
    env = os.environ.get(FASHION_MNIST_ENV)
    return Path(env).expanduser() if env else FASHION_MNIST_DEFAULT


@pytest.fixture(scope="session")
def fashion_mnist_dir() -> Path:
    """The Fashion-MNIST IDX directory; skips the test with the reason when it is absent."""
    path = shared_fashion_mnist_dir()
    if not (path.is_dir() and any(path.glob("train-images*"))):
        pytest.skip(f"Fashion-MNIST not found at {path} (set {FASHION_MNIST_ENV} to its IDX directory)")
    return path


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    """No test reads or writes the real user's settings, runs or dataset cache;
    subprocesses inherit these variables."""
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("SCRATCHNET_RUNS_DIR", str(base / "runs"))
    monkeypatch.setenv("SCRATCHNET_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("SCRATCHNET_DATA_DIR", str(base / "cache"))
    return base


@pytest.fixture(scope="session")
def inspection_model():
    """(network, dataset): a small MLP trained for 3 epochs on the embedded sample (~1 s),
    shared by the inspection tests; deterministic (fixed seed)."""
    from tui_nn.datasets import load_embedded_sample
    from tui_nn.runs import Runner
    from tui_nn.training import TrainConfig

    dataset = load_embedded_sample()
    result = Runner.new(TrainConfig(hidden=(32,), epochs=3, seed=0), dataset, record=False).run()
    assert result.status == "finished"
    return result.network, dataset
