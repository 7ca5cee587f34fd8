"""Download a catalogued dataset into the cache: mirrors in order, resume, checksum, atomic rename.

    download_dataset("fashion-mnist", data_dir=None, progress=None, cancel=None) -> Path

For each file that is not already in the cache:

1. its bytes go to a hidden ``.<name>.part`` file in the dataset's folder; an existing one (an
   interrupted download) is resumed with an HTTP ``Range`` request, or restarted from zero when the
   server ignores ranges;
2. a connection that breaks after some progress is resumed (up to ``RESUMES_PER_MIRROR`` times);
   a mirror that refuses (HTTP error, connection refused, unknown host, timeout, wrong size) is
   skipped for the next one. Besides the per-read ``timeout``, each mirror has an overall
   deadline per file, ``2 * timeout + size / MIN_RATE`` (16 KiB/s): a mirror trickling data
   slower than that is abandoned for the next one;
   a redirect is followed only to an http(s) URL: any other scheme (ftp:, file:...) is refused,
   naming the target, and blamed on the redirect, not on the host;
3. the complete file's size and MD5 are checked against the catalogue; a mismatch discards it;
4. only then is it renamed to its real name, so a file under its real name is always complete.

Files that every mirror failed to deliver are named, with every URL tried and why it failed, in a
``DownloadError`` that also says where to put them by hand. A full disk or an unwritable cache
directory stops at once with a ``DownloadError`` and removes the partial file. ``cancel.set()``
(from any thread) stops at the next chunk with ``DownloadCancelled``, keeping the partial file
so that the next call resumes it. One lock file per dataset keeps two processes (or two threads)
from writing the same files.

Standard library only (urllib). Nothing here imports Textual.
"""

from __future__ import annotations

import errno
import hashlib
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ..fileio import fsync_dir
from .cache import LOCK_NAME, dataset_dir, human_bytes, part_path, present_file
from .catalogue import DatasetSpec, RemoteFile, get_spec
from .dataset import DatasetError

ProgressCallback = Callable[[int, int, str], None]
"""``progress(done_bytes, total_bytes, file_name)``: bytes of the whole dataset on disk so far
(files already present count as done) out of its total size, and the file being fetched. Called
from the downloading thread, at most every ``PROGRESS_INTERVAL`` seconds plus once when each file
is complete. ``done_bytes`` can go down when a server ignores a resume request and the file
restarts from zero."""

CHUNK = 64 * 1024
RESUMES_PER_MIRROR = 3
PROGRESS_INTERVAL = 0.1
DEFAULT_TIMEOUT = 20.0
# Overall deadline for one file from one mirror (resumes included): 2 x timeout (connect and first
# answer) + size / MIN_RATE. A mirror trickling slower than that is abandoned for the next one,
# even if each read stays within ``timeout``.
MIN_RATE = 16 * 1024
USER_AGENT = "scratchnet-tui (+https://pypi.org/project/scratchnet-tui/; Python urllib)"


class DownloadError(DatasetError):
    """A download failed. ``missing`` names the files not fetched, ``failures`` maps each to the
    ``(url, reason)`` of every attempt, ``directory`` is where the files belong. ``str()`` is the
    full message (several lines when mirrors failed); ``summary`` is its first line."""

    def __init__(self, message: str, *, dataset: str = "", directory: Path | None = None,
                 missing: tuple[RemoteFile, ...] = (),
                 failures: dict[str, list[tuple[str, str]]] | None = None):
        super().__init__(message)
        self.dataset = dataset
        self.directory = directory
        self.missing = missing
        self.failures = failures or {}

    @property
    def summary(self) -> str:
        return str(self).splitlines()[0]


class DownloadCancelled(DatasetError):
    """``cancel`` was set. Files completed so far are kept, and so is the partial one, which the
    next download resumes."""


class _MirrorFailed(Exception):
    """This mirror cannot deliver the file: try the next one. ``host_down`` when the host could not
    be reached at all (then its other files are not tried either)."""

    def __init__(self, reason: str, host_down: bool = False):
        super().__init__(reason)
        self.host_down = host_down


class _Broken(Exception):
    """The transfer stopped after some progress: resume from the same mirror."""


class _Restart(Exception):
    """The partial file cannot be resumed (server said 416): start it again from zero."""


class _DiskError(Exception):
    """Writing to the cache failed (disk full, read-only, permission)."""

    def __init__(self, path: Path, exc: OSError):
        super().__init__(str(exc))
        self.path = path
        self.exc = exc


def download_dataset(
    name: str | DatasetSpec,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Fetch every missing file of dataset ``name`` into ``<cache>/<name>/`` and return that folder.

    ``name`` is a catalogue name (``mnist``, ``fashion-mnist``, ``kmnist``) or a ``DatasetSpec``
    (a private mirror, a test server). Files already present are not fetched again, so calling it
    for a complete dataset returns at once. ``progress`` is described by ``ProgressCallback``;
    ``cancel`` is checked between chunks; ``timeout`` bounds each connect and read (seconds);
    ``log`` receives one line per notable event (a mirror failing, a resume, a verified file).

    Raises ``DownloadCancelled`` when cancelled, ``DownloadError`` when some file could not be
    fetched (every mirror failed; the message says how to place it by hand) or the cache cannot be
    written, and ``DatasetError`` for an unknown name.
    """
    spec = get_spec(name)
    directory = dataset_dir(spec, data_dir)
    say = log or (lambda line: None)
    cancel = cancel or threading.Event()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _disk_error(spec, directory, directory, exc) from None

    with _dataset_lock(spec, directory):
        meter = _Meter(spec, directory, progress)
        meter.report(force=True)
        failures: dict[str, list[tuple[str, str]]] = {}
        dead_hosts: dict[str, str] = {}   # host -> why it could not be reached, in this call
        for f in spec.files:
            if present_file(directory, f.name) is not None:
                continue
            if cancel.is_set():
                raise _cancelled(spec, directory)
            try:
                attempts = _fetch(f, directory, meter, cancel, timeout, say, dead_hosts)
            except _DiskError as exc:
                _remove(part_path(directory, f.name))
                raise _disk_error(spec, directory, exc.path, exc.exc) from None
            if attempts:
                failures[f.name] = attempts
        meter.report(force=True)
        if failures:
            raise _mirrors_error(spec, directory, failures)
    return directory


# ---------------------------------------------------------------------------------------------
# one file


def file_deadline(size: int, timeout: float) -> float:
    """Seconds one mirror is given to deliver a file of ``size`` bytes (see MIN_RATE)."""
    return 2 * timeout + size / MIN_RATE


def _fetch(f: RemoteFile, directory: Path, meter: "_Meter", cancel: threading.Event, timeout: float,
           say: Callable[[str], None], dead_hosts: dict[str, str]) -> list[tuple[str, str]]:
    """Fetch one file, trying its mirrors in order. Returns [] on success, else every (url, reason).

    A host that could not be reached (refused, unknown, timed out) is not tried again for the
    dataset's other files: without a network, giving up costs one attempt per host, not per file."""
    from urllib.parse import urlsplit

    final = directory / f.name
    part = part_path(directory, f.name)
    failures: list[tuple[str, str]] = []
    for url in f.urls:
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        if host in dead_hosts:
            failures.append((url, dead_hosts[host]))
            continue
        resumes = 0
        fresh_retry = True
        deadline = time.monotonic() + file_deadline(f.size, timeout)
        while True:
            if cancel.is_set():
                raise _cancelled_file(f, directory)
            offset = _part_size(part)
            if offset > f.size:
                _remove(part)
                offset = 0
            try:
                if offset < f.size:
                    if offset:
                        say(f"{f.name}: resuming at {human_bytes(offset)} from {url}")
                    _transfer(url, part, offset, f, meter, cancel, timeout, deadline)
            except _Broken as exc:
                resumes += 1
                if resumes <= RESUMES_PER_MIRROR:
                    say(f"{f.name}: {exc}; resuming")
                    continue
                failures.append((url, f"{exc} (gave up after {RESUMES_PER_MIRROR} resumes)"))
                say(f"{f.name}: {url}: {exc}; trying the next mirror")
                break
            except _Restart:
                _remove(part)
                meter.set_file(f.name, 0)
                continue
            except _MirrorFailed as exc:
                failures.append((url, str(exc)))
                if exc.host_down:
                    dead_hosts[host] = str(exc)
                    say(f"{host}: {exc}")
                else:
                    say(f"{f.name}: {url}: {exc}; trying the next mirror")
                break
            resumed = offset > 0
            problem = _verify(part, f)
            if problem is None:
                try:
                    os.replace(part, final)
                except OSError as exc:
                    raise _DiskError(final, exc) from None
                fsync_dir(directory)
                meter.set_file(f.name, f.size, force=True)
                say(f"{f.name}: {human_bytes(f.size)}, md5 verified")
                return []
            _remove(part)
            meter.set_file(f.name, 0)
            if resumed and fresh_retry:
                # The kept part may come from another mirror or an older copy: one clean retry.
                fresh_retry = False
                say(f"{f.name}: {problem} after resuming; the file was discarded, downloading it again")
                continue
            failures.append((url, f"{problem}; the file was discarded"))
            say(f"{f.name}: {url}: {problem}; the file was discarded, trying the next mirror")
            break
    return failures


def _transfer(url: str, part: Path, offset: int, f: RemoteFile, meter: "_Meter",
              cancel: threading.Event, timeout: float, deadline: float | None = None) -> None:
    """Append the rest of ``f`` (from ``offset``) to ``part``. Returns when the file has ``f.size``
    bytes; raises _Broken, _Restart, _MirrorFailed, _DiskError or DownloadCancelled."""
    import http.client
    import urllib.error
    import urllib.request

    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    if deadline is None:
        deadline = time.monotonic() + file_deadline(f.size, timeout)
    scheme = url.split(":", 1)[0].lower()
    if scheme not in ("http", "https"):
        raise _MirrorFailed(f"{url} is not an http(s) URL; refused")
    request = urllib.request.Request(url, headers=headers)
    try:
        response = _opener().open(request, timeout=timeout)
    except _BadRedirect as exc:
        raise _MirrorFailed(str(exc)) from None
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and offset:
            raise _Restart() from None
        raise _MirrorFailed(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        raise _MirrorFailed(_network_reason(exc, timeout), host_down=_unreachable(exc)) from None

    with response:
        status = getattr(response, "status", 200)
        if offset and status == 206:
            content_range = response.headers.get("Content-Range", "")
            if not content_range.replace(" ", "").startswith(f"bytes{offset}-"):
                raise _MirrorFailed(f"unexpected Content-Range {content_range!r} for a resume at byte {offset}")
            mode = "ab"
        elif status == 200:
            offset = 0  # no resume support (or none asked): the whole file comes again
            mode = "wb"
        else:
            raise _MirrorFailed(f"unexpected HTTP status {status}")
        remaining = f.size - offset
        length = response.headers.get("Content-Length")
        if length is not None and length.strip().isdigit() and int(length) != remaining:
            what = "file" if offset == 0 else "rest of the file"
            raise _MirrorFailed(f"the server sends {int(length):,} bytes for the {what}, "
                                f"expected {remaining:,} (not the published file)")
        got = 0
        meter.set_file(f.name, offset)
        try:
            fh = open(part, mode)
        except OSError as exc:
            raise _DiskError(part, exc) from None
        try:
            while got < remaining:
                if cancel.is_set():
                    raise _cancelled_file(f, part.parent)
                try:
                    chunk = response.read1(min(CHUNK, remaining - got)) if hasattr(response, "read1") \
                        else response.read(min(CHUNK, remaining - got))
                except (OSError, http.client.HTTPException) as exc:
                    reason = _network_reason(exc, timeout)
                    if got:
                        raise _Broken(f"connection broken after {human_bytes(offset + got)} of "
                                      f"{human_bytes(f.size)} ({reason})") from None
                    raise _MirrorFailed(reason) from None
                if not chunk:
                    break
                now = time.monotonic()
                if now > deadline:
                    allowed = file_deadline(f.size, timeout)
                    raise _MirrorFailed(
                        f"too slow: {human_bytes(offset + got + len(chunk))} of {human_bytes(f.size)} when the "
                        f"deadline of {allowed:.1f} s ran out (2 x timeout + size at {MIN_RATE // 1024} KiB/s)")
                try:
                    fh.write(chunk)
                except OSError as exc:
                    raise _DiskError(part, exc) from None
                got += len(chunk)
                meter.set_file(f.name, offset + got)
            try:
                fh.flush()
                os.fsync(fh.fileno())
            except OSError as exc:
                raise _DiskError(part, exc) from None
        finally:
            try:
                fh.close()
            except OSError:
                pass
        if got < remaining:
            if got:
                raise _Broken(f"connection closed after {human_bytes(offset + got)} of {human_bytes(f.size)}")
            raise _MirrorFailed(f"connection closed before any data (at byte {offset:,} of {f.size:,})")


class _BadRedirect(Exception):
    """A server redirected to a URL that is not http(s)."""


def _opener():
    """A urllib opener whose redirects may only lead to http(s) URLs."""
    import urllib.request

    class HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
        def http_error_302(self, req, fp, code, msg, headers):
            from urllib.parse import urljoin, urlsplit

            location = headers.get("location") or headers.get("uri")
            if location:
                target = urljoin(req.full_url, location.strip())
                if urlsplit(target).scheme.lower() not in ("http", "https"):
                    fp.close()
                    raise _BadRedirect(f"redirected (HTTP {code}) to {target}, which is not http(s); refused")
            return super().http_error_302(req, fp, code, msg, headers)

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    return urllib.request.build_opener(HttpOnlyRedirects)


def _verify(part: Path, f: RemoteFile) -> str | None:
    """None when ``part`` has the published size and MD5, else what is wrong."""
    size = _part_size(part)
    if size != f.size:
        return f"size {size:,} bytes, expected {f.size:,}"
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with open(part, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        return f"cannot be read back ({exc.strerror or exc})"
    if digest.hexdigest() != f.md5.lower():
        return f"checksum mismatch (md5 {digest.hexdigest()}, expected {f.md5})"
    return None


# ---------------------------------------------------------------------------------------------
# progress


class _Meter:
    """Tracks the bytes on disk per file and calls ``progress`` at most every PROGRESS_INTERVAL."""

    def __init__(self, spec: DatasetSpec, directory: Path, progress: ProgressCallback | None):
        self.progress = progress
        self.total = spec.total_bytes
        self.done: dict[str, int] = {}
        for f in spec.files:
            path = present_file(directory, f.name)
            self.done[f.name] = f.size if path is not None else min(_part_size(part_path(directory, f.name)), f.size)
        self.current = spec.files[0].name if spec.files else ""
        self._last = 0.0

    def set_file(self, name: str, done: int, force: bool = False) -> None:
        self.done[name] = done
        self.current = name
        self.report(force)

    def report(self, force: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            self.progress(sum(self.done.values()), self.total, self.current)


# ---------------------------------------------------------------------------------------------
# errors and messages


def _unreachable(exc: BaseException) -> bool:
    """True when the failure says the host cannot be reached at all (not an HTTP answer)."""
    import socket
    import urllib.error

    reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return isinstance(reason, (TimeoutError, socket.timeout, ConnectionRefusedError, socket.gaierror)) or (
        isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH))


def _network_reason(exc: BaseException, timeout: float) -> str:
    """A short human reason for a network failure."""
    import socket
    import urllib.error

    reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"timed out after {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(reason, socket.gaierror):
        return "host not found: no network, or DNS failing"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.rstrip(".").lower() if reason.strerror[:1].isupper() else reason.strerror
    text = str(reason) or reason.__class__.__name__
    return text


def _mirrors_error(spec: DatasetSpec, directory: Path, failures: dict[str, list[tuple[str, str]]]) -> DownloadError:
    missing = tuple(f for f in spec.files if f.name in failures)
    names = ", ".join(f.name for f in missing)
    kept = len(spec.files) - len(missing)
    reasons = {reason for attempts in failures.values() for _, reason in attempts}
    common = reasons.pop() if len(reasons) == 1 else None
    head = f"could not download {spec.name}: "
    head += f"every mirror failed ({common})" if common else "every mirror failed for some files"
    lines = [f"{head}; missing {len(missing)} of its {len(spec.files)} files ({names})"]
    lines.append(f"To add them by hand, fetch each one from one of its URLs and put it, under the same "
                 f"name (gzip or unpacked), in {directory}:")
    for f in missing:
        lines.append(f"  {f.name} ({f.size:,} bytes, md5 {f.md5}):")
        lines.extend(f"    {url}" if common else f"    {url}  ({reason})" for url, reason in failures[f.name])
    lines.append(f"{'The ' + str(kept) + ' files already there are kept. ' if kept else ''}"
                 f"Run the same download again to resume; the datasets you already have stay usable.")
    return DownloadError("\n".join(lines), dataset=spec.name, directory=directory, missing=missing,
                         failures=failures)


def _disk_error(spec: DatasetSpec, directory: Path, path: Path, exc: OSError) -> DownloadError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        what = "the disk is full"
        hint = "free some space"
    elif exc.errno == errno.EFBIG:
        what = "the file is larger than allowed (file size limit)"
        hint = "raise the limit"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = "the directory is not writable" if exc.errno != errno.EROFS else "the file system is read-only"
        hint = "fix its permissions"
    elif exc.errno == errno.ENOTDIR or exc.errno == errno.EEXIST:
        what = "a file stands where a directory is needed"
        hint = "remove it"
    else:
        what = exc.strerror or str(exc)
        hint = "fix it"
    missing = tuple(f for f in spec.files if present_file(directory, f.name) is None) if directory.is_dir() \
        else spec.files
    return DownloadError(
        f"cannot write {spec.name} to {path}: {what} ({exc.strerror or exc}); nothing was left half-written. "
        f"{hint[0].upper() + hint[1:]}, or choose another cache directory with --data-dir or $SCRATCHNET_DATA_DIR",
        dataset=spec.name, directory=directory, missing=missing,
    )


def _cancelled(spec: DatasetSpec, directory: Path) -> DownloadCancelled:
    return DownloadCancelled(f"download of {spec.name} cancelled; what was fetched is kept in {directory} "
                             "and the next download resumes it")


def _cancelled_file(f: RemoteFile, directory: Path) -> DownloadCancelled:
    return DownloadCancelled(f"download cancelled during {f.name}; what was fetched is kept in {directory} "
                             "and the next download resumes it")


# ---------------------------------------------------------------------------------------------
# files and locking


def _part_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        pass  # best effort: a leftover .part never counts as present


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextmanager
def _dataset_lock(spec: DatasetSpec, directory: Path) -> Iterator[None]:
    """Hold the dataset's lock (one thread in this process, and one process, at a time); a
    DownloadError if another download of the same folder is running."""
    key = os.path.abspath(directory)
    with _THREAD_LOCKS_GUARD:
        tlock = _THREAD_LOCKS.setdefault(key, threading.Lock())
    busy = DownloadError(f"another download of {spec.name} into {directory} is already running; "
                         "wait for it to finish", dataset=spec.name, directory=directory)
    if not tlock.acquire(blocking=False):
        raise busy
    try:
        lock_path = directory / LOCK_NAME
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _disk_error(spec, directory, lock_path, exc) from None
        locked = False
        try:
            locked = _try_lock(fd)
            if not locked:
                raise busy
            yield
        finally:
            if locked:
                _remove_if_only_lock(directory)
            os.close(fd)  # closing releases the OS lock
    finally:
        tlock.release()


def _remove_if_only_lock(directory: Path) -> None:
    """A download that fetched nothing leaves no empty dataset folder behind (called with the lock
    held, so no other download can be using the folder)."""
    try:
        if [p.name for p in directory.iterdir()] == [LOCK_NAME]:
            (directory / LOCK_NAME).unlink()
            directory.rmdir()
    except OSError:
        pass  # best effort (on Windows an open file cannot be removed)


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
