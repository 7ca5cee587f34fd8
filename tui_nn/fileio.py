"""Crash-safe file writing shared by models, histories and configs.

A file written here gets the mode any program's new file gets, 0o666 less the user's
umask (what ``open(path, "w")`` gives history.csv), not mkstemp's private 0o600; a file it
replaces gets that mode too."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

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


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike, binary: bool = False, fsync: bool = True):
    """Yield a file object; on success the data is flushed, fsynced and renamed onto
    ``path``; on any error the temporary file is removed and ``path`` is untouched.

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
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | os.PathLike, text: str, fsync: bool = True) -> None:
    with atomic_writer(path, fsync=fsync) as f:
        f.write(text)
