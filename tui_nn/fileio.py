"""Crash-safe file writing shared by models, histories and configs, and the advisory
lock that makes one process the owner of a folder.

A file written here gets the mode any program's new file gets, 0o666 less the user's
umask (what ``open(path, "w")`` gives history.csv), not mkstemp's private 0o600; a file it
replaces gets that mode too."""

from __future__ import annotations

import contextlib
import errno
import os
import time
from pathlib import Path

try:
    import fcntl
except ImportError:          # Windows: no flock; callers fall back to checking a pid
    fcntl = None

HAVE_FLOCK = fcntl is not None

_TEMP_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_BINARY", 0))


def _create_temporary(path: Path) -> tuple[int, str]:
    """(fd, name) of a new, empty file beside ``path``: created exclusively, as mkstemp does,
    but with 0o666 for the kernel to take the umask from (mkstemp's is always 0o600)."""
    for _ in range(100):
        tmp = str(path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, _TEMP_FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def fsync_dir(path: str | os.PathLike) -> None:
    """Make a rename or unlink in ``path`` durable (a no-op where folders can't be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike, binary: bool = False, fsync: bool = True):
    """Yield a file object; on success the data is flushed, fsynced and renamed onto
    ``path`` (and the rename fsynced); on any error the temporary file is removed and
    ``path`` is untouched.

    Without fsync the rename is still atomic for any process crash (the kernel keeps
    the data); fsync adds safety against power loss at a cost of milliseconds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as f:
            yield f
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
        if fsync:
            fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | os.PathLike, text: str, fsync: bool = True) -> None:
    with atomic_writer(path, fsync=fsync) as f:
        f.write(text)


class LockHeld(Exception):
    """Another open file (of this or another process) holds the lock."""


class FolderLock:
    """An exclusive ``flock`` on a file: held until ``release()`` or until the holding
    process dies, whatever kills it (the kernel drops it with the last open descriptor).

    ``FolderLock.acquire(file)`` creates the file if needed, takes the lock without
    waiting longer than ``wait`` seconds, and writes ``note`` into it (who holds it).
    Releasing may remove the file; as another process may have opened it meanwhile,
    acquiring checks that the file it locked is still the one at that path."""

    def __init__(self, path: Path, fd: int | None):
        self.path = path
        self.fd = fd

    @classmethod
    def acquire(cls, path: str | os.PathLike, note: str = "", wait: float = 1.0) -> "FolderLock":
        path = Path(path)
        if fcntl is None:
            return cls(path, None)
        deadline = time.monotonic() + wait
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                # a reader probing the lock holds it for microseconds: try again briefly
                if time.monotonic() >= deadline:
                    raise LockHeld(str(path)) from None
                time.sleep(0.02)
                continue
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if not same:          # released and removed between our open and our lock
                os.close(fd)
                continue
            lock = cls(path, fd)
            if note:
                os.ftruncate(fd, 0)
                os.pwrite(fd, note.encode("utf-8"), 0)
            return lock

    @property
    def held(self) -> bool:
        return self.fd is not None

    def release(self, remove: bool = False) -> None:
        """Let go; with ``remove``, delete the lock file first (while still holding it)."""
        if self.fd is None:
            return
        if remove:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        os.close(self.fd)
        self.fd = None

    def __del__(self):
        with contextlib.suppress(Exception):
            if self.fd is not None:
                os.close(self.fd)


def lock_holder(path: str | os.PathLike) -> str | None:
    """What the holder of the lock on ``path`` wrote into it ('' if nothing yet), or None
    when nobody holds it. Raises FileNotFoundError when there is no lock file, and
    OSError where locks can't be probed (no flock)."""
    if fcntl is None:
        raise OSError(errno.ENOSYS, "no flock on this system")
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            return os.pread(fd, 4096, 0).decode("utf-8", "replace")
        return None
    finally:
        os.close(fd)      # also drops our shared lock at once
