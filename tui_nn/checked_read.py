"""Reading files that may be damaged or hostile, without trusting them: what stands at a
path when it is not a regular file (a FIFO, a directory, a symlink loop), opening a regular
file without blocking, and ``NpzArchive``, the checked reader of .npz archives shared by
the model file and the .npz dataset reader (sizes checked against the zip directory and the
limits below before any memory is taken)."""

from __future__ import annotations

import os
import stat
import struct
import zipfile
import zlib


# The largest array any .npz member may declare (its .npy header's shape x item size).
MAX_NPZ_ARRAY_BYTES = 4 << 30
# A member inflating to more than BOMB_FLOOR bytes may compress at most MAX_INFLATE_RATIO:1
# (real images compress about 2-10:1 and weights barely; a deflate bomb is about 1000:1).
BOMB_FLOOR = 64 << 20
MAX_INFLATE_RATIO = 100
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_READ_CHUNK = 1 << 20
# What reading a damaged zip member can raise.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error,
               NotImplementedError, OverflowError)


def _limit(n: int) -> str:
    return f"{n >> 30} GiB" if n >= 1 << 30 and not n % (1 << 30) else f"{n:,}-byte"


class NpzError(Exception):
    """An .npz archive cannot be read safely; the message (without the file name) says why."""


class NotAFileError(OSError):
    """What stands at a path is not a regular file; ``str()`` says what it is ("is a FIFO, not a file")."""

    def __str__(self) -> str:
        return str(self.args[0])


def describe_non_file(path: str | os.PathLike) -> str | None:
    """None when ``path`` is (or links to) a regular file, else what stands there instead:
    "does not exist", "is a directory, not a file", "is a FIFO, not a file", "is a symlink
    loop", "is a broken symlink (to ...)"... Never opens anything, so a FIFO cannot block."""
    try:
        st = os.stat(path)
    except OSError as exc:
        import errno

        if exc.errno == errno.ELOOP:
            return "is a symlink loop"
        if os.path.islink(path):
            try:
                return f"is a broken symlink (to {os.readlink(path)})"
            except OSError:
                return "is a broken symlink"
        if exc.errno == errno.ENOENT:
            return "does not exist"
        return f"cannot be read ({exc.strerror or exc})"
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO, not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file"
    return "is not a regular file"


def open_regular(path: str | os.PathLike):
    """Open ``path`` for reading in binary mode, refusing (OSError with a reason) anything but a
    regular file. Opened non-blocking, then checked, so a FIFO swapped in never blocks."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotAFileError(describe_non_file(path) or "is not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _sniff(head: bytes) -> str:
    """What a file that is not a zip archive looks like, for the refusal."""
    if head.startswith(_NPY_MAGIC):
        return "it is a single .npy array, not an .npz archive"
    if head.startswith(b"\x1f\x8b"):
        return "it is a gzip file, not an .npz archive"
    if not head:
        return "it is empty"
    sample = head[:4096]
    if b"\0" not in sample:
        try:
            sample.decode("utf-8")
            text = True
        except UnicodeDecodeError as exc:
            text = exc.start > len(sample) - 4  # a character cut by the sample's end
        if text:
            return "it is a text file, not an .npz"
    return "it is not a zip archive"


class NpzArchive:
    """An .npz opened for checked reading: ``names``, ``header(name)`` (shape, dtype, order,
    checked against the zip directory and the limits without reading the data) and
    ``read(name)``. Every problem raises NpzError. Use as a context manager."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        try:
            self._fh = open_regular(path)
        except NotAFileError as exc:
            raise NpzError(str(exc)) from None
        except OSError as exc:
            raise NpzError(f"cannot be read ({exc.strerror or exc})") from None
        try:
            head = self._fh.read(4096)
            if not head.startswith(_ZIP_MAGICS):
                raise NpzError(f"not a readable .npz ({_sniff(head)})")
            self._fh.seek(0)
            try:
                self._zip = zipfile.ZipFile(self._fh)
                infos = self._zip.infolist()
                for info in infos:
                    # checks each local header against the directory (names, offsets)
                    self._zip.open(info).close()
            except _ZIP_ERRORS:
                raise NpzError("not a readable .npz (truncated or damaged zip)") from None
        except BaseException:
            self._fh.close()
            raise
        self._infos = {i.filename[:-4] if i.filename.endswith(".npy") else i.filename: i for i in infos}
        self.names = list(self._infos)
        self._headers: dict[str, tuple] = {}

    def __enter__(self) -> "NpzArchive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()
        self._fh.close()

    def header(self, name: str) -> tuple[tuple[int, ...], "object", bool, int]:
        """(shape, dtype, fortran_order, data bytes) from the member's .npy header, checked: a
        .npy array, no Python objects, size equal to what the zip directory says the member holds,
        at most MAX_NPZ_ARRAY_BYTES, and not inflating better than MAX_INFLATE_RATIO:1."""
        if name in self._headers:
            return self._headers[name]
        import numpy as np

        info = self._infos[name]
        try:
            with self._zip.open(info) as fp:
                magic = fp.read(len(_NPY_MAGIC) + 2)
                if not magic.startswith(_NPY_MAGIC) or len(magic) < 8:
                    raise NpzError(f"member {name} is not a .npy array")
                version = (magic[6], magic[7])
                if version == (1, 0):
                    hlen_bytes, hfmt = fp.read(2), "<H"
                elif version in ((2, 0), (3, 0)):
                    hlen_bytes, hfmt = fp.read(4), "<I"
                else:
                    raise NpzError(f"member {name} has an unknown .npy version {version[0]}.{version[1]}")
                (hlen,) = struct.unpack(hfmt, hlen_bytes)
                if hlen > 100_000:
                    raise NpzError(f"member {name} has a {hlen:,}-byte .npy header (damaged)")
                fp_head = fp.read(hlen)
        except NpzError:
            raise
        except _ZIP_ERRORS as exc:
            raise NpzError(f"not a readable .npz (truncated or damaged zip: {exc})") from None
        try:
            import ast

            meta = ast.literal_eval(fp_head.decode("latin1"))
            shape = tuple(int(n) for n in meta["shape"])
            fortran = bool(meta["fortran_order"])
            dtype = np.lib.format.descr_to_dtype(meta["descr"])
            if any(n < 0 for n in shape) or not isinstance(meta["shape"], tuple):
                raise ValueError("bad shape")
        except Exception:  # noqa: BLE001 - whatever the damaged header, the answer is the same
            raise NpzError(f"member {name} has a damaged .npy header") from None
        if dtype.hasobject:
            raise NpzError(f"member {name} holds Python objects (pickled data), which are never loaded")
        offset = len(magic) + len(hlen_bytes) + hlen
        nbytes = dtype.itemsize
        for n in shape:
            nbytes *= n
        held = info.file_size - offset
        what = f"member {name} declares shape {shape} of {dtype} ({nbytes:,} bytes)"
        if nbytes != held:
            raise NpzError(f"{what} but the archive says it holds {max(held, 0):,} bytes (damaged)")
        if nbytes > MAX_NPZ_ARRAY_BYTES:
            raise NpzError(f"{what}, over the {_limit(MAX_NPZ_ARRAY_BYTES)} limit per array")
        if info.compress_type != zipfile.ZIP_STORED and info.file_size > BOMB_FLOOR \
                and info.file_size > MAX_INFLATE_RATIO * max(info.compress_size, 1):
            raise NpzError(f"member {name} compresses {info.file_size / max(info.compress_size, 1):,.0f}:1 "
                           f"({info.compress_size:,} bytes inflating to {info.file_size:,}): a deflate bomb, "
                           f"refused (at most {MAX_INFLATE_RATIO}:1 above {BOMB_FLOOR >> 20} MiB)")
        self._headers[name] = (shape, dtype, fortran, offset)
        return self._headers[name]

    def read(self, name: str):
        """The member's array (checked by ``header`` first), streamed into one preallocated array."""
        import numpy as np

        shape, dtype, fortran, offset = self.header(name)
        out = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
        buf = out.reshape(-1, order="A").view(np.uint8) if out.size else np.empty(0, np.uint8)
        try:
            with self._zip.open(self._infos[name]) as fp:
                fp.read(offset)
                pos, total = 0, buf.size
                while pos < total:
                    piece = fp.read(min(_READ_CHUNK, total - pos))
                    if not piece:
                        raise NpzError(f"member {name} ends after {pos:,} of its {total:,} bytes (damaged)")
                    buf[pos:pos + len(piece)] = np.frombuffer(piece, dtype=np.uint8)
                    pos += len(piece)
                if fp.read(1):
                    raise NpzError(f"member {name} holds more than its {total:,} bytes (damaged)")
        except NpzError:
            raise
        except _ZIP_ERRORS as exc:
            raise NpzError(f"not a readable .npz (damaged zip: {exc})") from None
        return out
