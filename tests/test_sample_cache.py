"""The embedded sample's parsed arrays kept in the data cache (tui_nn.datasets.embedded): what
is read back equals the CSV's parse bit for bit; a damaged, stale or foreign file is named in a
warning, parsed around and rewritten; a read-only cache directory still loads. Real files, a
real subprocess for the read-only case (root ignores permission bits, so it drops them)."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from tui_nn.datasets import embedded, read_kaggle_csv
from tui_nn.datasets.embedded import FROM_CACHE, PARSED, load_sample_arrays, sample_cache_path


@pytest.fixture(scope="module")
def parsed():
    """The CSV parsed directly, without any cache."""
    return read_kaggle_csv(embedded.sample_resource())


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def test_the_first_load_parses_and_writes_the_cache_the_second_reads_it_bit_for_bit(tmp_path, parsed):
    x0, y0 = parsed
    x, y, how = load_sample_arrays(tmp_path)
    assert how == PARSED
    path = sample_cache_path(tmp_path)
    assert path.parent == tmp_path / "mnist-sample"
    assert path.name == f"mnist-train-5k.{embedded.sample_digest()}.v{embedded.CACHE_FORMAT}.npz"
    assert [p.name for p in path.parent.iterdir()] == [path.name]     # no temporary file left
    # uncompressed members, so reading costs no inflate
    with zipfile.ZipFile(path) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    x2, y2, how2 = load_sample_arrays(tmp_path)
    assert how2 == FROM_CACHE
    for got in ((x, y), (x2, y2)):
        assert _same(got[0], x0) and _same(got[1], y0)
    assert x2.flags.c_contiguous


def test_the_cache_name_follows_the_shipped_csv(tmp_path):
    digest = hashlib.sha256(embedded.sample_resource().read_bytes()).hexdigest()[:16]
    assert embedded.sample_digest() == digest and digest in sample_cache_path(tmp_path).name


def _flip_a_pixel_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF          # inside the images member's data
    path.write_bytes(bytes(data))


def _wrong_shape(path):
    np.savez(path.with_suffix(".tmp.npz"), images=np.zeros((10, 784), np.uint8), labels=np.zeros(10, np.uint8))
    os.replace(path.with_suffix(".tmp.npz"), path)


def _label_out_of_range(path):
    with np.load(path) as f:
        x, y = f["images"], f["labels"].copy()
    y[7] = 12
    np.savez(path.with_suffix(".tmp.npz"), images=x, labels=y)
    os.replace(path.with_suffix(".tmp.npz"), path)


def _other_members(path):
    np.savez(path.with_suffix(".tmp.npz"), x_train=np.zeros((1, 784), np.uint8))
    os.replace(path.with_suffix(".tmp.npz"), path)


@pytest.mark.parametrize("damage, problem", [
    (lambda p: p.write_bytes(p.read_bytes()[:100_000]), "truncated or damaged zip"),
    (lambda p: p.write_bytes(b""), "not a readable .npz"),
    (lambda p: p.write_text("label,pixel0\n"), "not a readable .npz"),
    (_flip_a_pixel_byte, "Bad CRC-32"),
    (_wrong_shape, "member images is uint8 (10, 784), expected uint8 (5000, 784)"),
    (_label_out_of_range, "label 12 is outside 0..9"),
    (_other_members, "holds x_train, expected images and labels"),
])
def test_a_damaged_cache_file_is_named_parsed_around_and_rewritten(tmp_path, parsed, caplog, damage, problem):
    load_sample_arrays(tmp_path)
    path = sample_cache_path(tmp_path)
    damage(path)
    with caplog.at_level(logging.WARNING, logger="tui_nn.datasets.embedded"):
        x, y, how = load_sample_arrays(tmp_path)
    assert how == PARSED
    assert _same(x, parsed[0]) and _same(y, parsed[1])
    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    message = record.getMessage()
    assert message.startswith(f"{path}: ") and problem in message, message
    assert "rewriting the cache" in message and record.exc_info is None
    # rewritten: the next load reads it again
    x2, y2, how2 = load_sample_arrays(tmp_path)
    assert how2 == FROM_CACHE and _same(x2, parsed[0]) and _same(y2, parsed[1])


def test_a_directory_where_the_cache_file_belongs_is_reported_and_the_sample_still_loads(tmp_path, parsed, caplog):
    sample_cache_path(tmp_path).mkdir(parents=True)
    with caplog.at_level(logging.WARNING, logger="tui_nn.datasets.embedded"):
        x, y, how = load_sample_arrays(tmp_path)
    assert how == PARSED and _same(x, parsed[0])
    assert any(str(sample_cache_path(tmp_path)) in r.getMessage() for r in caplog.records)


def test_files_of_other_sample_versions_are_removed_when_the_cache_is_written(tmp_path):
    folder = tmp_path / "mnist-sample"
    folder.mkdir()
    (folder / "mnist-train-5k.0123456789abcdef.v1.npz").write_bytes(b"old")
    (folder / "notes.txt").write_text("kept")
    load_sample_arrays(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted([sample_cache_path(tmp_path).name, "notes.txt"])


_LOAD = """
import hashlib, sys
from tui_nn.datasets.embedded import load_sample_arrays
x, y, how = load_sample_arrays(sys.argv[1])
print(how, hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest())
"""


def _run_without_write_permission(args: list[str]) -> subprocess.CompletedProcess:
    """``python -c _LOAD args`` unable to write where permission bits forbid it (as root: with
    the capabilities that override them dropped)."""
    command = [sys.executable, "-c", _LOAD, *args]
    if os.name == "posix" and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, where chmod does not stop writes, and setpriv is not installed")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if "Operation not permitted" in proc.stderr and "setpriv" in proc.stderr:
        pytest.skip(f"setpriv cannot drop capabilities here: {proc.stderr.strip()}")
    return proc


@pytest.mark.skipif(os.name != "posix", reason="permission bits")
def test_a_read_only_cache_directory_still_loads_the_sample(tmp_path, parsed):
    expected = hashlib.sha256(parsed[0].tobytes() + parsed[1].tobytes()).hexdigest()
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        proc = _run_without_write_permission([str(read_only / "cache")])
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == [PARSED, expected]
        assert proc.stderr == ""                      # an unwritable cache is no warning
        assert list(read_only.iterdir()) == []
    finally:
        read_only.chmod(0o755)
    # a cache written before the directory became read-only is read from it
    load_sample_arrays(read_only)
    sample_cache_path(read_only).parent.chmod(0o555)
    read_only.chmod(0o555)
    try:
        proc = _run_without_write_permission([str(read_only)])
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == [FROM_CACHE, expected]
        # damaged and not rewritable: named once, parsed, no traceback
        read_only.chmod(0o755)
        sample_cache_path(read_only).parent.chmod(0o755)
        path = sample_cache_path(read_only)
        path.write_bytes(path.read_bytes()[:1000])
        sample_cache_path(read_only).parent.chmod(0o555)
        proc = _run_without_write_permission([str(read_only)])
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == [PARSED, expected]
        assert proc.stderr.startswith(f"{path}: not a readable .npz") and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
        assert path.stat().st_size == 1000            # left as it was: the folder is read-only
    finally:
        sample_cache_path(read_only).parent.chmod(0o755)
        read_only.chmod(0o755)
