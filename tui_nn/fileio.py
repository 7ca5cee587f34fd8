"""Crash-safe file writing shared by models, histories and configs."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike, binary: bool = False, fsync: bool = True):
    """Yield a file object; on success the data is flushed, fsynced and renamed onto
    ``path``; on any error the temporary file is removed and ``path`` is untouched.

    Without fsync the rename is still atomic for any process crash (the kernel keeps
    the data); fsync adds safety against power loss at a cost of milliseconds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
