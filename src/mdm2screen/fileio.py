"""File helpers shared by every reader and writer.

Text inputs may arrive plain, gzip- or bgzip-compressed, with CRLF line endings or a UTF-8
byte-order mark; binary junk is rejected with the project's error type rather than a
UnicodeDecodeError. Outputs are written atomically (temporary file in the same folder, then
rename) so a killed run never leaves a half-written report behind.
"""

from __future__ import annotations

import concurrent.futures
import csv
import gzip
import hashlib
import io
import itertools
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import InputError

GZIP_MAGIC = b"\x1f\x8b"


def is_gzipped(path: str | Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def check_readable(path: str | Path, code: str = "input_missing") -> Path:
    """Return ``path`` as a Path, or raise InputError if it is missing, a folder or empty."""
    p = Path(path)
    if not p.exists():
        raise InputError(p, "file does not exist", code=code)
    if p.is_dir():
        raise InputError(p, "is a folder, not a file", code=code)
    if p.stat().st_size == 0:
        raise InputError(p, "file is empty", code="input_empty")
    return p


def read_text_lines(path: str | Path) -> list[str]:
    """Read a small-to-medium text file fully, decompressing gzip/bgzip, without line endings.

    Raises InputError naming the file for truncated compression, binary content or bad
    encoding.
    """
    p = check_readable(path)
    try:
        raw = p.read_bytes()
        if raw[:2] == GZIP_MAGIC:
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(p, f"compressed file is truncated or corrupt: {exc}", code="input_corrupt") from exc
    if b"\x00" in raw[:65536]:
        raise InputError(p, "binary content where text was expected", code="input_binary")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            text = raw.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
            raise InputError(p, f"not valid text: {exc}", code="input_binary") from exc
    return text.splitlines()


def iter_text_lines(path: str | Path) -> Iterator[str]:
    """Stream lines of a (possibly gzipped) text file without line endings."""
    p = check_readable(path)
    opener = gzip.open if is_gzipped(p) else open
    try:
        with opener(p, "rb") as handle:  # type: ignore[operator]
            wrapper = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline=None)
            for line in wrapper:
                yield line.rstrip("\n").rstrip("\r")
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(p, f"compressed file is truncated or corrupt: {exc}", code="input_corrupt") from exc


def split_tsv_line(line: str) -> list[str]:
    """The fields of one line of a tab-separated table, exactly as ``csv.reader`` reads them.

    Tables are read one line at a time, so that an unclosed quote cannot swallow the lines after
    it. Only a double quote (or a NUL, which csv refuses) needs csv; any other line is split
    directly, ten times faster than a reader per line (a third of reading a 10,000-row sheet).
    """
    if '"' in line or "\x00" in line:
        return next(csv.reader([line], delimiter="\t"), [])
    return line.split("\t") if line else []


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


# Temporary names: pid + a per-process counter are unique among live processes; a leftover of
# a killed run with a recycled pid is skipped by O_EXCL. Cheaper than mkstemp's random names.
_TMP_COUNTER = itertools.count()
_TMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_TMP_ATTEMPTS = 10_000


def _open_temporary(folder: str, name: str) -> tuple[int, str]:
    """Create ``folder/.name.<pid>.<n>.tmp`` exclusively; return (fd, path)."""
    for _ in range(_TMP_ATTEMPTS):
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.{next(_TMP_COUNTER)}.tmp")
        try:
            # Mode 0o666 less the umask, as for any new file (mkstemp's 0600 needed a chmod).
            return os.open(tmp, _TMP_FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name for {name!r} in {folder}")


def atomic_write(path: str | Path, data: str | bytes, *, sync: bool = True) -> None:
    """Write ``data`` to ``path`` via a temporary file and rename (atomic on POSIX).

    Readers never see a partial file either way. ``sync`` also flushes the content to disk
    before the rename, so it survives a power cut; a caller writing many files can pass False
    and flush them together with :func:`sync_files` (one journal commit instead of hundreds).
    """
    target = os.fspath(path)
    folder, name = os.path.split(target)
    if not name:  # "dir/": let pathlib decide what that names, as before
        target = os.fspath(Path(path))
        folder, name = os.path.split(target)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = _open_temporary(folder or os.curdir, name)
    except (FileNotFoundError, NotADirectoryError):
        # Usually the folder does not exist yet; mkdir raises the telling error otherwise.
        Path(folder or os.curdir).mkdir(parents=True, exist_ok=True)
        fd, tmp = _open_temporary(folder or os.curdir, name)
    try:
        try:
            view = memoryview(payload)
            while view:  # os.write may write less than asked
                view = view[os.write(fd, view):]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# Flushing a batch's reports one file at a time is mostly waiting for the disk (0.22 s of wall time
# for 960 files, 0.08 s of it CPU); a few threads waiting side by side halve it. os.fsync releases
# the GIL, and the caller has nothing else to do meanwhile.
_SYNC_THREADS = 8


def sync_files(paths: Iterable[str | Path]) -> None:
    """Flush files written with ``atomic_write(..., sync=False)``, then their folders, to disk.

    An error (e.g. a file that has gone) is raised, and the folders are then not flushed.
    """
    paths = [os.fspath(p) for p in paths]
    folders = sorted({os.path.dirname(os.path.abspath(p)) for p in paths})
    if len(paths) < 2 * _SYNC_THREADS:
        for path in paths:
            _fsync(path)
    else:
        with concurrent.futures.ThreadPoolExecutor(_SYNC_THREADS, thread_name_prefix="mdm2screen-fsync") as pool:
            list(pool.map(_fsync, paths))
    for folder in folders:
        _fsync(folder)  # the renames themselves live in the folder, flushed after the files


def _fsync(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
