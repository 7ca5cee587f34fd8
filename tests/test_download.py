"""Downloading, verifying, caching and loading the full-size datasets, for real: an HTTP server on
127.0.0.1 serves small IDX gz files made here (100 train / 20 test images), with mirrors that
404, refuse connections, send a wrong checksum or a wrong size, or break half-way. The catalogue is
pointed at it by building a DatasetSpec (and, for the CLI, registering it under the name "tiny")."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import tui_nn.datasets.download as download_mod
from tui_nn.cli import main
from tui_nn.datasets import (
    DATASET_NAMES,
    DOWNLOADABLE,
    FASHION_NAMES,
    KMNIST_NAMES,
    DatasetError,
    DatasetSpec,
    DownloadCancelled,
    DownloadError,
    RemoteFile,
    dataset_status,
    download_dataset,
    list_datasets,
    load_dataset,
    resolve_data_dir,
)
from tui_nn.datasets.cache import load_downloaded, part_path
from tui_nn.datasets.catalogue import IDX_FILES
from tui_nn.cli.datasets import ProgressBar

TIMEOUT = 5.0
N_TRAIN, N_TEST = 100, 20

# ---------------------------------------------------------------------------------------------
# the data: four small IDX gz files, random pixels (so the images file does not compress and
# spans several 64 KiB chunks)


def _idx_files() -> dict[str, bytes]:
    rng = np.random.default_rng(7)
    out = {}
    for split, n in (("train", N_TRAIN), ("t10k", N_TEST)):
        images = rng.integers(0, 256, size=(n, 784), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        out[f"{split}-images-idx3-ubyte.gz"] = gzip.compress(
            struct.pack(">IIII", 0x803, n, 28, 28) + images.tobytes(), mtime=0)
        out[f"{split}-labels-idx1-ubyte.gz"] = gzip.compress(struct.pack(">II", 0x801, n) + labels.tobytes(), mtime=0)
    return out


FILES = _idx_files()
IMAGES = "train-images-idx3-ubyte.gz"
assert len(FILES[IMAGES]) > 70_000


def make_spec(*bases: str, name: str = "tiny") -> DatasetSpec:
    files = tuple(RemoteFile(n, hashlib.md5(FILES[n]).hexdigest(), len(FILES[n]), tuple(b + n for b in bases))
                  for n in IDX_FILES)
    return DatasetSpec(name=name, title="tiny test set", class_names=tuple("abcdefghij"), files=files,
                       n_train=N_TRAIN, n_test=N_TEST, credit="made by the tests")


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def assert_complete(directory: Path) -> None:
    """The four files, byte-identical to the published ones, and nothing half-written beside them."""
    for name, data in FILES.items():
        assert (directory / name).read_bytes() == data
    assert not [n for n in listing(directory) if n.endswith(".part")]


# ---------------------------------------------------------------------------------------------
# the server


@dataclass
class Behaviour:
    files: dict[str, bytes] = field(default_factory=dict)   # URL path -> body
    ranges: bool = True                                      # honour "Range: bytes=N-"
    break_after: dict[str, int] = field(default_factory=dict)  # path -> body bytes sent before closing
    break_times: dict[str, int] = field(default_factory=dict)  # path -> how many responses to break
    trickle: dict[str, float] = field(default_factory=dict)    # path -> seconds between single bytes
    redirects: dict[str, str] = field(default_factory=dict)    # path -> Location of a 302
    requests: list[tuple[str, str | None, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Handler(BaseHTTPRequestHandler):
    timeout = TIMEOUT  # a stuck client cannot hold a server thread for long

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        b: Behaviour = self.server.behaviour  # type: ignore[attr-defined]
        range_header = self.headers.get("Range")
        if self.path in b.redirects:
            with b.lock:
                b.requests.append((self.path, range_header, 302))
            self.send_response(302)
            self.send_header("Location", b.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b.files.get(self.path)
        if body is None:
            with b.lock:
                b.requests.append((self.path, range_header, 404))
            self.send_error(404, "Not Found")
            return
        start, status = 0, 200
        if range_header and b.ranges and range_header.startswith("bytes=") and range_header.endswith("-"):
            start = int(range_header[6:-1])
            if start >= len(body):
                with b.lock:
                    b.requests.append((self.path, range_header, 416))
                self.send_error(416, "Range Not Satisfiable")
                return
            status = 206
        payload = body[start:]
        with b.lock:
            b.requests.append((self.path, range_header, status))
            breaking = b.break_times.get(self.path, 0) > 0
            if breaking:
                b.break_times[self.path] -= 1
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(payload)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        if breaking:  # announce the full length, send part of it, hang up
            self.wfile.write(payload[: b.break_after[self.path]])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.path in b.trickle:  # one byte at a time, each well within the client's read timeout
            try:
                for i in range(len(payload)):
                    self.wfile.write(payload[i:i + 1])
                    self.wfile.flush()
                    time.sleep(b.trickle[self.path])
            except OSError:
                pass  # the client gave up
            self.close_connection = True
            return
        self.wfile.write(payload)


class Server:
    def __init__(self):
        self.behaviour = Behaviour()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.behaviour = self.behaviour  # type: ignore[attr-defined]
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def mirror(self, prefix: str, files: dict[str, bytes] | None = None) -> str:
        """Serve ``files`` (default: the good ones) under /prefix/ and return that base URL."""
        for name, data in (FILES if files is None else files).items():
            self.behaviour.files[f"/{prefix}/{name}"] = data
        return f"{self.base}/{prefix}/"

    def requests_for(self, prefix: str, name: str) -> list[tuple[str | None, int]]:
        return [(r, s) for p, r, s in self.behaviour.requests if p == f"/{prefix}/{name}"]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def refused_url() -> str:
    """A base URL where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "cache"


# ---------------------------------------------------------------------------------------------
# success, mirrors in order, progress


def test_download_tries_mirrors_in_order_verifies_and_loads(server, refused_url, data_dir):
    good = server.mirror("good")
    spec = make_spec(refused_url, f"{server.base}/empty/", good)
    calls: list[tuple[int, int, str]] = []
    lines: list[str] = []
    assert dataset_status(spec, data_dir).state == "missing"

    directory = download_dataset(spec, data_dir, progress=lambda *a: calls.append(a), log=lines.append,
                                 timeout=TIMEOUT)

    assert directory == data_dir / "tiny"
    assert_complete(directory)
    # the refused host is tried once, then skipped for the other files; the 404 mirror per file
    assert sum("connection refused" in line for line in lines) == 1
    assert len([r for r in server.behaviour.requests if r[0].startswith("/empty/")]) == 4
    assert sum("md5 verified" in line for line in lines) == 4
    total = spec.total_bytes
    assert calls[-1] == (total, total, IDX_FILES[-1])
    assert all(0 <= done <= t == total for done, t, _ in calls)
    status = dataset_status(spec, data_dir)
    assert (status.state, status.cached_bytes, status.download_bytes) == ("cached", total, 0)
    ds = load_downloaded(spec, data_dir)
    assert ds.x_train.shape == (N_TRAIN, 784) and ds.x_test.shape == (N_TEST, 784)
    assert ds.x_train.dtype == np.uint8 and ds.class_names == tuple("abcdefghij")
    assert np.bincount(ds.y_train).tolist() == [10] * 10

    # a second call finds everything in place and fetches nothing
    n_requests = len(server.behaviour.requests)
    assert download_dataset(spec, data_dir, timeout=TIMEOUT) == directory
    assert len(server.behaviour.requests) == n_requests


def test_with_urls_points_a_catalogue_entry_at_other_mirrors():
    spec = DOWNLOADABLE["fashion-mnist"].with_urls("http://a/", "http://b/x/")
    assert spec.files[0].urls == ("http://a/train-images-idx3-ubyte.gz", "http://b/x/train-images-idx3-ubyte.gz")
    assert spec.files[0].md5 == DOWNLOADABLE["fashion-mnist"].files[0].md5


# ---------------------------------------------------------------------------------------------
# no network / every mirror failing


def test_every_mirror_failing_names_the_missing_files_urls_and_directory(server, refused_url, data_dir):
    # only the two label files are anywhere to be had
    labels = {n: d for n, d in FILES.items() if "labels" in n}
    spec = make_spec(refused_url, server.mirror("labels-only", labels))
    with pytest.raises(DownloadError) as ei:
        download_dataset(spec, data_dir, timeout=TIMEOUT)
    exc = ei.value
    message = str(exc)
    directory = data_dir / "tiny"
    assert message.startswith("could not download tiny: every mirror failed for some files; missing 2 of its 4 files")
    for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        assert name in exc.summary
        for url in exc.failures[name]:
            assert url[0] in message
    assert "connection refused" in message and "HTTP 404" in message
    assert "by hand" in message and str(directory) in message
    assert "The 2 files already there are kept" in message
    assert [f.name for f in exc.missing] == ["train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"]
    # what was fetched is kept, nothing half-written, and the status says what is left
    assert listing(directory) == [".download.lock", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    status = dataset_status(spec, data_dir)
    assert status.state == "partial" and set(status.missing_files) == {f.name for f in exc.missing}
    # the app stays usable with what it has
    assert load_dataset("mnist-sample").x_train.shape == (4000, 784)


def test_no_network_at_all_gives_one_reason(refused_url, data_dir):
    spec = make_spec(refused_url)
    with pytest.raises(DownloadError) as ei:
        download_dataset(spec, data_dir, timeout=TIMEOUT)
    assert ei.value.summary.startswith("could not download tiny: every mirror failed (connection refused); "
                                       "missing 4 of its 4 files")
    assert "Run the same download again to resume" in str(ei.value)
    assert dataset_status(spec, data_dir).state == "missing"
    assert not (data_dir / "tiny").exists()   # no empty folder left behind


# ---------------------------------------------------------------------------------------------
# checksum and size


def _corrupted(data: bytes) -> bytes:
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0xFF
    return bytes(bad)


def test_checksum_mismatch_discards_the_file_and_uses_the_next_mirror(server, data_dir):
    bad = server.mirror("bad", {**FILES, IMAGES: _corrupted(FILES[IMAGES])})
    spec = make_spec(bad, server.mirror("good"))
    lines: list[str] = []
    download_dataset(spec, data_dir, log=lines.append, timeout=TIMEOUT)
    assert_complete(data_dir / "tiny")
    assert any("checksum mismatch" in line and "discarded" in line and IMAGES in line for line in lines)
    assert server.requests_for("good", IMAGES) == [(None, 200)]


def test_checksum_mismatch_everywhere_leaves_nothing(server, data_dir):
    spec = make_spec(server.mirror("bad", {**FILES, IMAGES: _corrupted(FILES[IMAGES])}))
    with pytest.raises(DownloadError) as ei:
        download_dataset(spec, data_dir, timeout=TIMEOUT)
    message = str(ei.value)
    expected_md5 = hashlib.md5(FILES[IMAGES]).hexdigest()
    assert "checksum mismatch" in message and "the file was discarded" in message and expected_md5 in message
    directory = data_dir / "tiny"
    assert not (directory / IMAGES).exists() and not part_path(directory, IMAGES).exists()
    with pytest.raises(DatasetError, match="only partly downloaded.*missing train-images-idx3-ubyte.gz"):
        load_downloaded(spec, data_dir)


def test_wrong_size_is_refused_before_downloading_it(server, data_dir):
    short = server.mirror("short", {**FILES, IMAGES: FILES[IMAGES][:-100]})
    spec = make_spec(short, server.mirror("good"))
    lines: list[str] = []
    download_dataset(spec, data_dir, log=lines.append, timeout=TIMEOUT)
    assert_complete(data_dir / "tiny")
    assert any(f"expected {len(FILES[IMAGES]):,}" in line and "not the published file" in line for line in lines)


# ---------------------------------------------------------------------------------------------
# slow and misdirecting mirrors

LABELS = "train-labels-idx1-ubyte.gz"


def test_a_trickling_mirror_is_abandoned_at_its_deadline_for_the_next_one(server, data_dir):
    """One byte every 1.5 s never trips a 2 s read timeout; the per-file deadline
    (2 x timeout + size / 16 KiB/s, about 4 s here) does."""
    slow = server.mirror("slow")
    server.behaviour.trickle[f"/slow/{LABELS}"] = 1.5
    spec = make_spec(slow, server.mirror("good"))
    lines: list[str] = []
    t0 = time.monotonic()
    download_dataset(spec, data_dir, log=lines.append, timeout=2)
    elapsed = time.monotonic() - t0
    assert_complete(data_dir / "tiny")
    assert elapsed < 15, elapsed
    assert any("too slow" in line and "deadline" in line for line in lines), lines
    # the next mirror delivers the file (resuming what the slow one sent, then checking the md5)
    assert [status for _, status in server.requests_for("good", LABELS)] in ([200], [206])


def test_a_trickling_only_mirror_fails_with_the_reason(server, data_dir):
    slow = server.mirror("slow", {LABELS: FILES[LABELS]})
    server.behaviour.trickle[f"/slow/{LABELS}"] = 1.5
    spec = make_spec(slow)
    t0 = time.monotonic()
    with pytest.raises(DownloadError) as ei:
        download_dataset(spec, data_dir, timeout=2)
    assert time.monotonic() - t0 < 15
    assert "too slow" in str(ei.value) and LABELS in ei.value.summary


@pytest.mark.parametrize("target", ["ftp://127.0.0.1:{port}/pub/" + IMAGES, "file:///etc/passwd"],
                         ids=["ftp", "file"])
def test_a_redirect_to_another_scheme_is_refused_naming_the_target(server, refused_url, data_dir, target):
    port = refused_url.rsplit(":", 1)[1].strip("/")
    target = target.format(port=port)
    moved = server.mirror("moved")
    server.behaviour.redirects[f"/moved/{IMAGES}"] = target
    spec = make_spec(moved, server.mirror("good"))
    lines: list[str] = []
    download_dataset(spec, data_dir, log=lines.append, timeout=TIMEOUT)
    assert_complete(data_dir / "tiny")
    refusal = [line for line in lines if IMAGES in line and target in line]
    assert refusal and "not http" in refusal[0], lines
    # the http host itself is not blamed: its other files still come from it
    assert server.requests_for("moved", LABELS) == [(None, 200)]
    assert server.requests_for("good", IMAGES) == [(None, 200)]

    only = make_spec(moved, name="tiny2")
    with pytest.raises(DownloadError) as ei:
        download_dataset(only, data_dir, timeout=TIMEOUT)
    assert target in str(ei.value) and "redirect" in str(ei.value)


# ---------------------------------------------------------------------------------------------
# broken connections: resume (Range) or restart; never present before verification


@pytest.mark.parametrize("ranges", [True, False], ids=["resume-with-range", "restart-without-range"])
def test_connection_broken_half_way_then_resumed_or_restarted(server, data_dir, ranges):
    good = server.mirror("m")
    path = f"/m/{IMAGES}"
    server.behaviour.ranges = ranges
    server.behaviour.break_after[path] = 40_000
    server.behaviour.break_times[path] = 1
    lines: list[str] = []
    download_dataset(make_spec(good), data_dir, log=lines.append, timeout=TIMEOUT)
    assert_complete(data_dir / "tiny")
    assert any("connection" in line and "resuming" in line for line in lines)
    # the second request asks for the rest; a server without Range support sends it all again
    assert server.requests_for("m", IMAGES) == [(None, 200), ("bytes=40000-", 206 if ranges else 200)]


def test_interrupted_download_never_counts_as_present_and_resumes_later(server, data_dir):
    good = server.mirror("m")
    path = f"/m/{IMAGES}"
    server.behaviour.break_after[path] = 10_000
    server.behaviour.break_times[path] = 100      # this mirror keeps hanging up
    spec = make_spec(good)
    with pytest.raises(DownloadError) as ei:
        download_dataset(spec, data_dir, timeout=TIMEOUT)
    assert "gave up after 3 resumes" in str(ei.value)
    directory = data_dir / "tiny"
    part = part_path(directory, IMAGES)
    assert part.stat().st_size == 40_000          # 1 try + 3 resumes, 10,000 bytes each: kept
    assert not (directory / IMAGES).exists()
    status = dataset_status(spec, data_dir)
    assert status.state == "partial" and status.missing_files == (IMAGES,)
    assert status.download_bytes == len(FILES[IMAGES]) - 40_000
    with pytest.raises(DatasetError, match="only partly downloaded"):
        load_downloaded(spec, data_dir)

    # the mirror recovers: the next download continues where the last one stopped
    server.behaviour.break_times[path] = 0
    server.behaviour.requests.clear()
    download_dataset(spec, data_dir, timeout=TIMEOUT)
    assert_complete(directory)
    assert server.requests_for("m", IMAGES) == [("bytes=40000-", 206)]


def test_stale_part_from_another_file_is_detected_and_fetched_again(server, data_dir):
    # a leftover .part with the right length prefix but wrong bytes: resumed, fails the checksum,
    # discarded, fetched again from zero; never renamed into place
    directory = data_dir / "tiny"
    directory.mkdir(parents=True)
    part_path(directory, IMAGES).write_bytes(b"\0" * 30_000)
    lines: list[str] = []
    download_dataset(make_spec(server.mirror("m")), data_dir, log=lines.append, timeout=TIMEOUT)
    assert_complete(directory)
    assert any("after resuming" in line and "downloading it again" in line for line in lines)
    assert server.requests_for("m", IMAGES) == [("bytes=30000-", 206), (None, 200)]


# ---------------------------------------------------------------------------------------------
# cancel, lock


def test_cancel_keeps_the_partial_file_and_the_next_call_resumes(server, data_dir, monkeypatch):
    monkeypatch.setattr(download_mod, "PROGRESS_INTERVAL", 0.0)   # report every chunk
    spec = make_spec(server.mirror("m"))
    cancel = threading.Event()

    def progress(done, total, name):
        if name == IMAGES and 0 < done < len(FILES[IMAGES]):
            cancel.set()   # as a dashboard's Cancel button would, from another thread

    with pytest.raises(DownloadCancelled, match="cancelled.*resumes"):
        download_dataset(spec, data_dir, progress=progress, cancel=cancel, timeout=TIMEOUT)
    directory = data_dir / "tiny"
    kept = part_path(directory, IMAGES).stat().st_size
    assert 0 < kept < len(FILES[IMAGES]) and not (directory / IMAGES).exists()
    assert dataset_status(spec, data_dir).state == "partial"

    download_dataset(spec, data_dir, timeout=TIMEOUT)
    assert_complete(directory)
    assert server.requests_for("m", IMAGES)[-1] == (f"bytes={kept}-", 206)


def test_a_second_download_of_the_same_dataset_is_refused_while_one_runs(server, data_dir):
    spec = make_spec(server.mirror("m"))
    directory = data_dir / "tiny"
    directory.mkdir(parents=True)
    with download_mod._dataset_lock(spec, directory):   # a download in this process
        with pytest.raises(DownloadError, match="already running"):
            download_dataset(spec, data_dir, timeout=TIMEOUT)
    if os.name == "posix":   # ... and one in another process (flock)
        directory.mkdir(parents=True, exist_ok=True)   # (the first lock tidied the empty folder away)
        holder = subprocess.Popen(
            [sys.executable, "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
             "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(30)",
             str(directory / ".download.lock")], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "locked"
            with pytest.raises(DownloadError, match="already running"):
                download_dataset(spec, data_dir, timeout=TIMEOUT)
        finally:
            holder.kill()
            holder.wait(timeout=5)
    download_dataset(spec, data_dir, timeout=TIMEOUT)
    assert_complete(directory)


# ---------------------------------------------------------------------------------------------
# disk full, read-only cache


@pytest.mark.skipif(not os.path.exists("/dev/full") or os.name != "posix", reason="needs /dev/full (Linux)")
def test_disk_full_gives_a_clear_message_and_leaves_nothing(server, data_dir):
    # A real ENOSPC from the kernel: the partial file is a symlink to /dev/full, where every write
    # fails with "No space left on device".
    directory = data_dir / "tiny"
    directory.mkdir(parents=True)
    part_path(directory, IMAGES).symlink_to("/dev/full")
    with pytest.raises(DownloadError) as ei:
        download_dataset(make_spec(server.mirror("m")), data_dir, timeout=TIMEOUT)
    message = str(ei.value)
    assert message.startswith(f"cannot write tiny to {part_path(directory, IMAGES)}: the disk is full "
                              "(No space left on device); nothing was left half-written")
    assert "--data-dir" in message
    assert not part_path(directory, IMAGES).is_symlink() and not (directory / IMAGES).exists()
    assert not [n for n in listing(directory) if n.endswith(".part")]


def test_read_only_cache_directory(tmp_path):
    """chmod 555 on the cache's parent. Root ignores permission bits, so as root the download runs
    in a subprocess without the capabilities that let root do so (setpriv drops CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH): the same chmod then binds it. It fails before any network access, so the
    real catalogue entry is used."""
    read_only = tmp_path / "ro"
    read_only.mkdir()
    cache = read_only / "cache"
    read_only.chmod(0o555)
    try:
        if os.name != "posix" or os.geteuid() != 0:
            with pytest.raises(DownloadError) as ei:
                download_dataset("mnist", cache)
            message = str(ei.value)
        else:
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                pytest.skip("running as root, where chmod does not stop writes, and setpriv is not installed")
            proc = subprocess.run([setpriv, "--bounding-set=-dac_override,-dac_read_search", sys.executable,
                                   "-m", "tui_nn", "datasets", "download", "mnist", "--data-dir", str(cache)],
                                  capture_output=True, text=True, timeout=60)
            if "Operation not permitted" in proc.stderr and "setpriv" in proc.stderr:
                pytest.skip(f"setpriv cannot drop capabilities here: {proc.stderr.strip()}")
            assert proc.returncode == 1, proc.stderr
            assert proc.stderr.splitlines()[-1].startswith("scratchnet-tui: error: cannot write mnist")
            message = proc.stderr
        assert f"cannot write mnist to {cache / 'mnist'}: the directory is not writable (Permission denied)" in message
        assert "nothing was left half-written" in message
        assert listing(read_only) == []
    finally:
        read_only.chmod(0o755)


# ---------------------------------------------------------------------------------------------
# status, hand-placed files, the cache directory, load_dataset never downloads


def test_load_dataset_never_downloads(server, data_dir, monkeypatch):
    monkeypatch.setitem(DOWNLOADABLE, "tiny", make_spec(server.mirror("m")))
    with pytest.raises(DatasetError) as ei:
        load_dataset("tiny", data_dir=data_dir)
    assert str(ei.value).startswith(f"dataset 'tiny' is not downloaded yet (its files belong in {data_dir / 'tiny'}); "
                                    "run `scratchnet-tui datasets download tiny` to fetch")
    assert server.behaviour.requests == [] and not data_dir.exists()


def test_files_placed_by_hand_unpacked_or_gz_count_and_are_validated(data_dir, monkeypatch):
    spec = make_spec("http://unused.invalid/")
    monkeypatch.setitem(DOWNLOADABLE, "tiny", spec)
    directory = data_dir / "tiny"
    directory.mkdir(parents=True)
    for name, data in FILES.items():   # unpacked (gunzip'ed) copies, not the published bytes
        (directory / name[:-3]).write_bytes(gzip.decompress(data))
    status = dataset_status("tiny", data_dir)
    assert status.state == "cached" and status.download_bytes == 0
    ds = load_dataset("tiny", data_dir=data_dir)
    assert ds.name == "tiny" and ds.x_train.shape == (N_TRAIN, 784) and ds.n_classes == 10

    # a damaged file placed by hand is refused with its name and what is wrong
    images = directory / "t10k-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-5])
    with pytest.raises(DatasetError, match=f"{images}: truncated"):
        load_dataset("tiny", data_dir=data_dir)


def test_cache_directory_order(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHNET_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "flag") == tmp_path / "flag"
    assert resolve_data_dir() == tmp_path / "env"
    monkeypatch.setenv("SCRATCHNET_DATA_DIR", "~/somewhere")
    assert resolve_data_dir() == Path.home() / "somewhere"
    monkeypatch.delenv("SCRATCHNET_DATA_DIR")
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert resolve_data_dir() == tmp_path / "xdg" / "scratchnet-tui"
        monkeypatch.delenv("XDG_CACHE_HOME")
        assert resolve_data_dir() == Path.home() / ".cache" / "scratchnet-tui"


def test_catalogue_matches_the_published_files():
    assert list(DOWNLOADABLE) == ["mnist", "fashion-mnist", "kmnist"]
    assert {"mnist", "fashion-mnist", "kmnist"} <= set(DATASET_NAMES)
    sizes = {"mnist": (9_912_422, 28_881, 1_648_877, 4_542),
             "fashion-mnist": (26_421_880, 29_515, 4_422_102, 5_148),
             "kmnist": (18_165_135, 29_497, 3_041_136, 5_120)}
    for name, spec in DOWNLOADABLE.items():
        assert tuple(f.name for f in spec.files) == IDX_FILES
        assert tuple(f.size for f in spec.files) == sizes[name]
        for f in spec.files:
            assert len(f.md5) == 32 and int(f.md5, 16) >= 0
            assert len(f.urls) >= 2 and f.urls[0].startswith("https://")
            assert all(u.endswith("/" + f.name) for u in f.urls)
        assert len(spec.class_names) == 10 and spec.credit
    assert DOWNLOADABLE["fashion-mnist"].class_names == FASHION_NAMES
    assert DOWNLOADABLE["kmnist"].class_names == KMNIST_NAMES
    assert DOWNLOADABLE["fashion-mnist"].files[0].md5 == "8d4fb7e6c68d591d4c3dfef9ec88bf0d"


def test_real_fashion_mnist_placed_in_the_cache_loads_by_name(fashion_mnist_dir, data_dir):
    # The shared copies are recompressed (not the published bytes): placed by hand, they are
    # accepted on their IDX headers and sizes, like any hand-placed file.
    directory = data_dir / "fashion-mnist"
    directory.mkdir(parents=True)
    for f in DOWNLOADABLE["fashion-mnist"].files:
        (directory / f.name).symlink_to(fashion_mnist_dir / f.name)
    assert dataset_status("fashion-mnist", data_dir).state == "cached"
    ds = load_dataset("fashion-mnist", data_dir=data_dir)
    assert ds.name == "fashion-mnist" and ds.class_names == FASHION_NAMES
    assert ds.x_train.shape == (60_000, 784) and ds.x_test.shape == (10_000, 784)
    assert "Zalando" in ds.source


# ---------------------------------------------------------------------------------------------
# the CLI


def test_cli_lists_downloads_and_trains_on_the_cached_set(server, refused_url, tmp_path, monkeypatch, capsys):
    spec = make_spec(refused_url, server.mirror("m"))
    monkeypatch.setitem(DOWNLOADABLE, "tiny", spec)
    cache = tmp_path / "flag-cache"
    before_env = os.environ.get("SCRATCHNET_DATA_DIR")

    assert main(["datasets", "--data-dir", str(cache)]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "embedded" in rows["mnist-sample"]
    assert "not downloaded (30.9 MB to download)" in rows["fashion-mnist"]
    assert "not downloaded" in rows["tiny"] and "100/20" in rows["tiny"]
    assert f"cache directory: {cache} (given explicitly" in out

    assert main(["datasets", "download", "tiny", "--data-dir", str(cache), "--timeout", "5"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(f"downloading tiny, {spec.total_bytes / 1000:.1f} kB, into {cache / 'tiny'}")
    assert captured.err.count("md5 verified") == 4 and "connection refused" in captured.err
    assert f"tiny: 4 files verified in {cache / 'tiny'}" in captured.out
    assert_complete(cache / "tiny")

    assert main(["--data-dir", str(cache), "datasets", "list", "--json"]) == 0
    listed = {d["name"]: d for d in json.loads(capsys.readouterr().out)["datasets"]}
    assert listed["tiny"]["state"] == "cached" and listed["tiny"]["cached_bytes"] == spec.total_bytes

    assert main(["datasets", "download", "tiny", "--data-dir", str(cache)]) == 0
    assert "already downloaded" in capsys.readouterr().out

    # --dataset NAME in train loads the cached files
    assert main(["train", "--dataset", "tiny", "--data-dir", str(cache), "--hidden", "16", "--epochs", "1",
                 "--batch-size", "32", "--json"]) == 0
    final = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert final["status"] == "finished" and final["test_acc"] is not None
    assert os.environ.get("SCRATCHNET_DATA_DIR") == before_env   # --data-dir lasts one run only


def test_cli_download_failure_and_bad_names(refused_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(DOWNLOADABLE, "tiny", make_spec(refused_url))
    assert main(["datasets", "download", "tiny", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[1] == f"  {refused_url[:-1]}: connection refused"   # said once, when it happens
    assert err[2].startswith("scratchnet-tui: error: could not download tiny: every mirror failed "
                             "(connection refused)")
    err = "\n".join(err)
    assert f"in {tmp_path / 'tiny'}:" in err and f"{refused_url}train-images-idx3-ubyte.gz" in err

    assert main(["datasets", "download", "nope"]) == 2
    assert capsys.readouterr().err == ("scratchnet-tui: error: unknown downloadable dataset 'nope': "
                                       "expected one of mnist, fashion-mnist, kmnist, tiny\n")
    assert main(["datasets", "download", "mnist-sample"]) == 0
    assert "embedded" in capsys.readouterr().out
    assert main(["--data-dir", "", "datasets"]) == 2
    assert capsys.readouterr().err == "scratchnet-tui: error: --data-dir: must not be empty\n"


def test_cli_subprocess_listing_and_train_on_a_set_not_downloaded(tmp_path):
    env = {**os.environ, "SCRATCHNET_DATA_DIR": str(tmp_path / "c")}
    proc = subprocess.run([sys.executable, "-m", "tui_nn", "datasets"], capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "kmnist" in proc.stdout and "not downloaded (21.2 MB to download)" in proc.stdout
    assert f"cache directory: {tmp_path / 'c'} (from $SCRATCHNET_DATA_DIR" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "tui_nn", "train", "--dataset", "kmnist"], capture_output=True,
                          text=True, timeout=60, env=env)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "scratchnet-tui datasets download kmnist" in proc.stderr
    assert not (tmp_path / "c").exists()


def test_progress_bar_draws_bytes_rate_and_eta_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    bar = ProgressBar("fashion-mnist", stream)
    bar(0, 30_000_000, IMAGES)
    bar.start -= 2.0   # two seconds have passed ...
    bar._last_draw = 0.0
    bar(10_000_000, 30_000_000, IMAGES)   # ... and 10 MB arrived: 5 MB/s, 4 s left
    line = stream.getvalue().split("\r")[-1]
    assert "fashion-mnist [########................]  10.0/30.0 MB" in line
    assert "5.0 MB/s" in line and "ETA 4s" in line and IMAGES in line
    bar.note("t10k-labels-idx1-ubyte.gz: 5.1 kB, md5 verified")
    bar.close()
    assert stream.getvalue().endswith("  t10k-labels-idx1-ubyte.gz: 5.1 kB, md5 verified\n")

    plain = io.StringIO()   # not a terminal: no bar, only the notes
    ProgressBar("x", plain)(5, 10, "f")
    assert plain.getvalue() == ""


def test_list_datasets_covers_every_named_set(data_dir):
    statuses = list_datasets(data_dir)
    assert [s.name for s in statuses] == ["mnist-sample", "mnist", "fashion-mnist", "kmnist"]
    assert statuses[0].ready and statuses[0].state == "embedded"
    assert all(s.state == "missing" and not s.ready and s.download_bytes == s.total_bytes for s in statuses[1:])
