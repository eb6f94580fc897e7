"""File helpers shared by every reader and writer.

Text inputs may arrive plain, gzip- or bgzip-compressed, with CRLF line endings or a UTF-8
byte-order mark; binary junk is rejected with the project's error type rather than a
UnicodeDecodeError. Outputs are written atomically (temporary file in the same folder, then
rename) so a killed run never leaves a half-written report behind.
"""

from __future__ import annotations

import array
import bisect
import codecs
import concurrent.futures
import csv
import gzip
import hashlib
import io
import itertools
import os
import stat
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .errors import InputError

GZIP_MAGIC = b"\x1f\x8b"

# Bytes inflated and line ends searched per step: bounds what a read holds besides the text itself.
_READ_CHUNK = 1 << 20
_SMALL_TEXT = 8 << 20  # bytes of text up to which lines are a plain list (see read_text)
# Bytes looked at for NUL when telling text from binary content.
_BINARY_PROBE = 65536


class InputFileError(InputError, OSError):
    """An input file that cannot be opened or read (missing, not a regular file, no permission).

    Also an OSError, so that callers written for ``open()``'s errors (the registry's hashing)
    keep working; new code catches InputError and reports ``code``.
    """


def is_gzipped(path: str | Path) -> bool:
    with open_input(path, allow_empty=True) as handle:
        return handle.read(2) == GZIP_MAGIC


def _stat_error(p: Path, exc: OSError, code: str) -> InputFileError:
    if isinstance(exc, FileNotFoundError):
        return InputFileError(p, "file does not exist", code=code)
    if isinstance(exc, PermissionError):
        return InputFileError(p, "file cannot be read: permission denied", expected="a readable file",
                              code="input_unreadable")
    if isinstance(exc, NotADirectoryError):
        return InputFileError(p, "file does not exist (a parent in the path is not a folder)", code=code)
    return InputFileError(p, f"file cannot be read: {exc.strerror or exc}", expected="a readable file",
                          code="input_unreadable")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def _check_mode(p: Path, st: os.stat_result, code: str, allow_empty: bool) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError(p, "is a folder, not a file", code=code)
    if not stat.S_ISREG(st.st_mode):
        # Opening a FIFO for reading would wait for a writer for ever; a device may never end.
        raise InputFileError(p, f"is {_kind(st.st_mode)}, not a regular file", expected="a regular file",
                             code="input_not_a_file")
    if st.st_size == 0 and not allow_empty:
        raise InputFileError(p, "file is empty", code="input_empty")


def check_readable(path: str | Path, code: str = "input_missing") -> Path:
    """Return ``path`` as a Path, or raise InputError if it is missing, a folder, not a regular
    file (FIFO, device: code ``input_not_a_file``), not accessible (``input_unreadable``) or empty."""
    p = Path(path)
    try:
        st = os.stat(p)
    except OSError as exc:
        raise _stat_error(p, exc, code) from exc
    _check_mode(p, st, code, allow_empty=False)
    return p


def open_input(path: str | Path, *, code: str = "input_missing", allow_empty: bool = False) -> io.BufferedReader:
    """Open a per-sample input for binary reading, or raise InputFileError with a stable code.

    The type is checked with stat before opening (a FIFO is never opened), and again on the open
    descriptor, which is opened non-blocking: a file swapped for a FIFO in between cannot block.
    A file that vanishes in between is reported as missing (``code``).
    """
    p = check_readable(path, code) if not allow_empty else Path(path)
    if allow_empty:
        try:
            st = os.stat(p)
        except OSError as exc:
            raise _stat_error(p, exc, code) from exc
        _check_mode(p, st, code, allow_empty=True)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _stat_error(p, exc, code) from exc
    try:
        st = os.fstat(fd)
        _check_mode(p, st, code, allow_empty=allow_empty)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _unreadable(p: Path, exc: OSError) -> InputFileError:
    return InputFileError(p, f"file cannot be read: {exc.strerror or exc}", expected="a readable file",
                          code="input_unreadable")


def split_text_lines(text: str) -> list[str]:
    """Lines of ``text`` split at "\\n" only, without line ends ("\\r\\n" counts as one).

    ``str.splitlines`` also splits at U+2028, NEL, VT, FF and lone "\\r", so its line numbers
    would not be those an editor, ``wc -l`` or htslib shows.
    """
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the final line end, or an empty text
    if "\r" not in text:
        return lines
    return [line[:-1] if line.endswith("\r") else line for line in lines]


class TextLines(Sequence[str]):
    """The lines of a text file held as its bytes plus line offsets, decoded when read.

    A Python list of str costs ~50 bytes per line over its text (4 bytes per character once a
    single non-Latin-1 character appears); this costs the text and 8 bytes per line. Slices are
    views sharing the buffer. Lines split at "\\n" only, as :func:`split_text_lines`.
    """

    __slots__ = ("_data", "_starts", "_encoding", "_lo", "_hi")

    def __init__(self, data: bytes | bytearray, starts: array.array, encoding: str, lo: int = 0,
                 hi: int | None = None) -> None:
        self._data = data
        self._starts = starts  # start of line i; one more entry: the end of the last line + 1
        self._encoding = encoding
        self._lo = lo
        self._hi = len(starts) - 1 if hi is None else hi

    def __len__(self) -> int:
        return self._hi - self._lo

    def _line(self, i: int) -> str:
        a, b = self._starts[i], self._starts[i + 1] - 1
        if b > a and self._data[b - 1] == 13:  # "\r" of "\r\n"
            b -= 1
        return self._data[a:b].decode(self._encoding)

    def __getitem__(self, index):
        if isinstance(index, slice):
            lo, hi, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(lo, hi, step)]
            return TextLines(self._data, self._starts, self._encoding, self._lo + lo, self._lo + max(lo, hi))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("line index out of range")
        return self._line(self._lo + index)

    def __iter__(self) -> Iterator[str]:
        # Decode ~1 MB of whole lines at a time: one decode and split per block, not per line.
        starts, data, encoding = self._starts, self._data, self._encoding
        i = self._lo
        while i < self._hi:
            # Lines i..j-1: as many whole lines as fit in the chunk, at least one.
            j = bisect.bisect_right(starts, starts[i] + _READ_CHUNK, i + 1, self._hi + 1) - 1
            j = min(max(j, i + 1), self._hi)
            block = data[starts[i]:starts[j] - 1].decode(encoding)
            for line in block.split("\n"):
                yield line[:-1] if line.endswith("\r") else line
            i = j


def read_text(path: str | Path, *, code: str = "input_missing", max_bytes: int | None = None,
              max_lines: int | None = None, too_large_code: str = "input_too_large") -> Sequence[str]:
    """The lines of a (possibly gzip/bgzip) text file, streamed in and held compactly.

    ``max_bytes`` bounds the text after decompression and ``max_lines`` its line count: past
    either, InputError(``too_large_code``) names the file and the limit, having read at most one
    chunk past it (a small gzip bomb never inflates in full). Errors as :func:`read_text_lines`.
    """
    p = Path(path)
    data = bytearray()
    with open_input(p, code=code) as raw:
        try:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            handle = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
            while block := handle.read(_READ_CHUNK):
                data += block
                if max_bytes is not None and len(data) > max_bytes:
                    what = "after decompression " if compressed else ""
                    raise InputError(p, f"file is too large to screen {what}(limit {max_bytes:,} bytes of text)",
                                     expected=f"at most {max_bytes:,} bytes", found=f"more than {max_bytes:,} bytes",
                                     code=too_large_code)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError(p, f"compressed file is truncated or corrupt: {exc}", code="input_corrupt") from exc
        except OSError as exc:
            if compressed and not isinstance(exc, (PermissionError, FileNotFoundError)):
                raise InputError(p, f"compressed file is truncated or corrupt: {exc}", code="input_corrupt") from exc
            raise _unreadable(p, exc) from exc
    if b"\x00" in data[:_BINARY_PROBE]:
        raise InputError(p, "binary content where text was expected", code="input_binary")
    if max_lines is not None and data.count(b"\n") > max_lines:  # counted at C speed, before any offset
        raise InputError(p, f"file has too many lines to screen (limit {max_lines:,} lines)",
                         expected=f"at most {max_lines:,} lines", found=f"more than {max_lines:,} lines",
                         code=too_large_code)
    encoding, lo = _encoding_of(data)
    if len(data) <= _SMALL_TEXT:
        # Most per-sample files are small: one decode and split at C speed; the compact line index
        # below is for the large ones (bin-level .cnr), where a list of str costs more than the text.
        return split_text_lines(data[lo:].decode(encoding))
    starts = array.array("q", [lo])
    find, pos = data.find, lo
    while (pos := find(b"\n", pos)) != -1:
        pos += 1
        starts.append(pos)
    if starts[-1] < len(data):  # a last line without a line end
        starts.append(len(data) + 1)
    return TextLines(data, starts, encoding)


def _encoding_of(data: bytearray) -> tuple[str, int]:
    """The codec to decode ``data`` with and the offset past a UTF-8 byte-order mark: UTF-8 when
    the whole text is valid UTF-8, else Latin-1 (which decodes any byte), as before."""
    if data.isascii():
        return "latin-1", 0  # identical to UTF-8 on ASCII, and the fastest decoder
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for i in range(0, len(data), _READ_CHUNK):
            decoder.decode(view[i:i + _READ_CHUNK])  # validates; the text is decoded per line later
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1", 0
    finally:
        view.release()
    return "utf-8", 3 if data[:3] == codecs.BOM_UTF8 else 0


def read_text_lines(path: str | Path) -> list[str]:
    """Read a small-to-medium text file fully, decompressing gzip/bgzip, without line endings.

    Lines split at "\\n" only ("\\r\\n" handled), never at U+2028, NEL, VT or FF. Raises
    InputError naming the file for truncated compression, binary content or bad encoding, and
    for a path that is missing, not a regular file or not readable (see :func:`open_input`).
    """
    return list(read_text(path))


def iter_text_lines(path: str | Path) -> Iterator[str]:
    """Stream lines of a (possibly gzipped) text file without line endings (split at "\\n" only)."""
    p = Path(path)
    with open_input(p) as raw:
        try:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            handle = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
            wrapper = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="\n")
            for line in wrapper:
                yield line.rstrip("\n").rstrip("\r")
        except (OSError, EOFError, zlib.error) as exc:
            if not compressed and isinstance(exc, OSError):
                raise _unreadable(p, exc) from exc
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
    """SHA-256 of a file's bytes (an empty file included).

    A path that is missing, a folder, a FIFO or device, or not readable raises InputFileError
    (an InputError and an OSError) with code ``input_missing``, ``input_not_a_file`` or
    ``input_unreadable``; a FIFO is never opened, so hashing cannot block.
    """
    digest = hashlib.sha256()
    p = Path(path)
    with open_input(p, allow_empty=True) as handle:
        try:
            while block := handle.read(chunk):
                digest.update(block)
        except OSError as exc:
            raise _unreadable(p, exc) from exc
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
