"""VCF reader for the TP53 region (pysam throughout; VCF text is never parsed by hand).

* Plain, bgzipped, BCF and plain-gzip VCFs. htslib cannot open a plain-gzip (non-BGZF) VCF
  ("seek not implemented"), and it does not recognise a VCF that starts with a UTF-8 byte-order
  mark; both are decompressed/copied to a temporary file that pysam then reads (deleted after).
* A bgzipped file without the BGZF end-of-file block is refused as truncated: htslib would
  otherwise read it silently up to the last complete block.
* With a .tbi/.csi index no older than the file, only TP53's chromosome is fetched; otherwise the
  file is streamed and records on other chromosomes are skipped. The fetch loads the index once
  (pysam.TabixFile) and htslib parses the fetched lines from a temporary file; anything unusual
  falls back to pysam.VariantFile's own fetch, which loads the index twice.
* The tumour column, per-caller VAF fields (Mutect2, Strelka2, VarScan2, VarDict, DRAGEN, PCGR)
  and VEP ``CSQ`` / SnpEff ``ANN`` annotation of the canonical transcript are handled here.
"""

from __future__ import annotations

import bisect
import gzip
import io
import math
import os
import re
import shutil
import stat
import struct
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pysam

from ..errors import InputError
from ..fileio import GZIP_MAGIC
from ..genome import canonical_build, check_contig_lengths, check_position, normalize_contig
from ..model import VariantCall, VariantSource
from .tp53 import BUILD_SUSPECT_NOTE, TP53Settings, allele_call, tp53_region
from .transcript import ENSEMBL_TRANSCRIPT, TP53Model, map_so_terms, tp53_model

BOM = b"\xef\xbb\xbf"
# The 28-byte empty block every BGZF writer (htslib, bgzip, Biopython) appends at the end.
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
CANONICAL_TRANSCRIPTS = (ENSEMBL_TRANSCRIPT, "NM_000546")

# SnpEff ANN field order (VCF annotation format v1.0, pcingola.github.io/SnpEff/adds/VCFannotationformat_v1.0.pdf).
ANN_FIELDS = (
    "Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID", "Feature_Type", "Feature_ID",
    "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p", "cDNA.pos / cDNA.length", "CDS.pos / CDS.length",
    "AA.pos / AA.length", "Distance", "ERRORS / WARNINGS / INFO",
)  # fmt: skip

# pysam/htslib raise these for unreadable or malformed input.
PYSAM_ERRORS = (
    OSError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    UnicodeDecodeError,
    NotImplementedError,
    RuntimeError,
)


# --------------------------------------------------------------------------- opening


def check_input(path: str | Path) -> Path:
    """``path`` as a Path once it is shown to be a non-empty regular file this process may read.

    The file type is checked with stat before anything opens the file: opening a FIFO blocks until a
    writer appears, so a named pipe (or socket, device) given in the sample sheet must never be opened.
    Readers still call :func:`input_error` on an OSError from opening, since the file can vanish or lose
    its permissions between this check and the read.
    """
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise input_error(p, exc) from exc
    if stat.S_ISDIR(st.st_mode):
        raise InputError(p, "is a folder, not a file", expected="a file", found="a folder", code="input_not_a_file")
    if not stat.S_ISREG(st.st_mode):
        kind = "a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else "a socket or device"
        raise InputError(
            p,
            f"is {kind}, not a regular file; it was not opened",
            expected="a file",
            found=kind,
            code="input_not_a_file",
        )
    if not os.access(p, os.R_OK):
        raise InputError(
            p,
            "permission denied: this user may not read the file",
            expected="a file readable by the user running mdm2screen",
            found="no read permission",
            code="input_unreadable",
        )
    if st.st_size == 0:
        raise InputError(p, "file is empty", code="input_empty")
    return p


def input_error(path: str | Path, exc: OSError) -> InputError:
    """The InputError for an OSError raised while opening or reading ``path`` (never the OS text alone)."""
    if isinstance(exc, FileNotFoundError):
        return InputError(
            path,
            "file does not exist (or vanished while it was being read)",
            expected="the file named in the sample sheet",
            found="no such file",
            code="input_missing",
        )
    if isinstance(exc, PermissionError):
        return InputError(
            path,
            "permission denied: this user may not read the file",
            expected="a file readable by the user running mdm2screen",
            found="permission denied",
            code="input_unreadable",
        )
    if isinstance(exc, IsADirectoryError):
        return InputError(path, "is a folder, not a file", expected="a file", found="a folder", code="input_not_a_file")
    return InputError(path, f"cannot be read: {exc.strerror or exc}", code="input_unreadable")


def _is_bgzf(head: bytes) -> bool:
    # gzip header with FEXTRA whose first subfield is 'BC' (SAM/BAM specification, section 4.1).
    return len(head) >= 16 and head[:2] == GZIP_MAGIC and head[3] & 4 == 4 and head[12:14] == b"BC"


def _copy_plain(src: Path, dst: Path, gz: bool) -> None:
    """Decompress (gz) or copy ``src`` to ``dst`` without a leading byte-order mark."""
    opener = gzip.open if gz else open
    try:
        with opener(src, "rb") as fin, open(dst, "wb") as fout:  # type: ignore[operator]
            first = fin.read(3)
            if first != BOM:
                fout.write(first)
            shutil.copyfileobj(fin, fout, 1 << 20)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(src, f"compressed file is truncated or corrupt: {exc}", code="input_corrupt") from exc


@contextmanager
def _readable_copy(path: Path) -> Iterator[tuple[Path, bool]]:
    """Yield (path pysam can open, whether the original is BGZF)."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    if _is_bgzf(head):
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - len(BGZF_EOF)))
            tail = handle.read()
        if tail != BGZF_EOF:
            raise InputError(
                path,
                "bgzip file has no end-of-file block: it is truncated (an incomplete copy or download)",
                expected="the 28-byte BGZF end-of-file marker",
                found="missing",
                code="vcf_truncated",
            )
        yield path, True
        return
    if head[:2] == GZIP_MAGIC or head.startswith(BOM):
        with tempfile.TemporaryDirectory(prefix="mdm2screen-vcf-") as tmp:
            copy = Path(tmp) / "input.vcf"
            _copy_plain(path, copy, gz=head[:2] == GZIP_MAGIC)
            yield copy, False
        return
    yield path, False


def _scrub(exc: BaseException, readable: Path, shown: str) -> str:
    """htslib's message with the user's file name in place of a temporary copy's (plain gzip, BOM)."""
    text = str(exc)
    for form in (repr(str(readable).encode()), str(readable)):
        text = text.replace(form, shown)
    return text.replace(" (mode=`b'r'`)", "")


def _is_bcf(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(3) == b"BCF"


def _check_last_line(readable: Path, shown: str) -> None:
    """Refuse an uncompressed VCF whose last line has no line end: the copy was cut off.

    BGZF and gzip carry their own end markers (checked elsewhere); plain text has none, and htslib
    reads a record cut inside its INFO or sample columns without complaint. Every VCF writer ends
    the last record with a newline, and a cut-off file may have lost the TP53 records after it.
    """
    size = readable.stat().st_size
    if size == 0:
        return
    with open(readable, "rb") as handle:
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        handle.seek(0)
        newlines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    raise InputError(
        shown,
        "the last line has no line end: the file was cut off (an incomplete copy or download), and records "
        "after the cut (TP53's among them) may be missing",
        line=newlines + 1,
        expected="a VCF whose last record ends with a newline",
        found=_line_text(readable, newlines + 1),
        code="vcf_truncated",
    )


def _line_text(path: Path, line: int | None, limit: int = 120) -> str | None:
    """Text of 1-based ``line`` of a plain or gzip file (for error messages), or None."""
    if not line:
        return None
    try:
        with open(path, "rb") as handle:
            gz = handle.read(2) == GZIP_MAGIC
        opener = gzip.open if gz else open
        with opener(path, "rb") as handle:  # type: ignore[operator]
            for number, raw in enumerate(handle, start=1):
                if number == line:
                    return raw[:limit].decode("utf-8", errors="replace").rstrip("\r\n")
    except (OSError, EOFError, zlib.error):
        return None
    return None


def _usable_index(path: Path) -> Path | None:
    """The index htslib would load (see _htslib_index) when it is not older than the file, else None.

    A stale index gives wrong regions, and so can miss TP53's records. It is the index htslib
    picks that must be fresh: a fresh .tbi does not vouch for the stale .csi htslib loads first.
    """
    index = _htslib_index(path)
    return index if index is not None and index.stat().st_mtime_ns >= path.stat().st_mtime_ns else None


# --------------------------------------------------------------------------- index verification
# A .tbi/.csi copied next to a rewritten VCF (or a VCF rewritten in place with its old index restored)
# can be newer than the file and still describe another file: its offsets then skip TP53's records
# without any error. The index is trusted only once the file is shown to be laid out as the index says:
#
# * every BGZF block header is walked (18 bytes and the 4-byte ISIZE per block, nothing decompressed), so
#   each virtual offset of the index maps to one uncompressed offset, or shows the index wrong;
# * htslib's per-chromosome pseudo-bin (first and last record offsets, record count; SAM specification,
#   section 5.2 and CSIv1) must tile the records exactly: the first chromosome starts where the header
#   ends, each starts where the previous one ends, the last ends where the data ends; TP53's chromosome
#   and its neighbours start on a line that begins with their own name, right after a line end;
# * the records of TP53's chromosome are read from the file itself at those offsets: every line must be
#   on that chromosome and their number must equal the index's count.
#
# Any edit that changes the length of anything before or inside TP53's chromosome moves a boundary and
# fails a check; an edit inside TP53's chromosome is read as it is now. What no check short of reading the
# whole file can see is an edit of equal length elsewhere that puts chromosome-17 records among another
# chromosome's: a file no longer grouped by chromosome, which no indexing tool accepts in the first place.


# A bin: id and chunk count (.tbi), or id, smallest offset and chunk count (.csi); the pseudo-bin's chunks.
_TBI_BIN, _CSI_BIN, _META = struct.Struct("<Ii"), struct.Struct("<IQi"), struct.Struct("<4Q")


@dataclass(frozen=True)
class _IndexedRef:
    name: str
    begin: int  # virtual offsets (compressed block offset << 16 | offset in the block)
    end: int
    records: int


def _index_refs(index: Path) -> list[_IndexedRef] | str:
    """Per-chromosome record ranges from a .tbi or tabix-style .csi, or why they cannot be read."""
    try:
        data = _inflate_bgzf(index.read_bytes())
        if data[:4] == b"TBI\x01":
            n_ref, *_, l_nm = struct.unpack_from("<8i", data, 4)
            names = data[36 : 36 + l_nm].split(b"\0")
            offset, pseudo, linear, loffset = 36 + l_nm, 37450, True, False
        elif data[:4] == b"CSI\x01":
            _, depth, l_aux = struct.unpack_from("<3i", data, 4)
            aux = data[16 : 16 + l_aux]
            if l_aux < 28:
                return "a .csi without sequence names (a BCF index)"
            (l_nm,) = struct.unpack_from("<i", aux, 24)
            names = aux[28 : 28 + l_nm].split(b"\0")
            offset = 16 + l_aux
            (n_ref,) = struct.unpack_from("<i", data, offset)
            offset += 4
            pseudo, linear, loffset = ((1 << ((depth + 1) * 3)) - 1) // 7 + 1, False, True
        else:
            return "not a tabix or CSI index"
        refs = []
        for tid in range(n_ref):
            (n_bin,) = struct.unpack_from("<i", data, offset)
            offset += 4
            meta = None
            # Only the pseudo-bin's two chunks are unpacked; the others are skipped by their length.
            head, size = (_CSI_BIN, 16) if loffset else (_TBI_BIN, 8)
            unpack = head.unpack_from
            for _ in range(n_bin):
                fields = unpack(data, offset)
                offset += size
                if fields[0] == pseudo and fields[-1] == 2:
                    meta = _META.unpack_from(data, offset)
                offset += 16 * fields[-1]
            if linear:
                (n_intv,) = struct.unpack_from("<i", data, offset)
                offset += 4 + 8 * n_intv
            if n_bin == 0:
                continue  # a sequence without records (a .csi lists every header contig)
            if meta is None:
                return "the index has no per-chromosome record counts (made by an old tabix)"
            refs.append(_IndexedRef(names[tid].decode("latin-1"), meta[0], meta[1], meta[2]))
        return refs
    except (OSError, EOFError, zlib.error, struct.error, IndexError, ValueError) as exc:
        return f"the index cannot be read ({exc})"


def _inflate_bgzf(raw: bytes) -> bytes:
    """The text of a BGZF file (an index), block by block with raw inflate: gzip.decompress checks
    each member's CRC in Python-level loops, two thirds of the index's cost. Plain gzip falls back."""
    parts, where = [], 0
    while where < len(raw):
        head = raw[where : where + 18]
        if len(head) < 18 or not _is_bgzf(head):
            return gzip.decompress(raw)
        bsize = struct.unpack_from("<H", head, 16)[0] + 1
        xlen = struct.unpack_from("<H", head, 10)[0]
        parts.append(zlib.decompress(raw[where + 12 + xlen : where + bsize - 8], -15))
        where += bsize
    return b"".join(parts)


class _Blocks:
    """The BGZF blocks of a file: compressed offset -> (uncompressed start, size), read header by header."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.starts: dict[int, tuple[int, int, int]] = {}  # compressed offset -> (uncompressed start, size, bsize)
        self.order: list[int] = []
        self.total = 0
        size = path.stat().st_size
        where = 0
        with open(path, "rb") as handle:
            while where < size:
                handle.seek(where)
                head = handle.read(18)
                if len(head) < 18 or not _is_bgzf(head):
                    raise ValueError(f"no BGZF block at byte {where}")
                bsize = struct.unpack_from("<H", head, 16)[0] + 1
                handle.seek(where + bsize - 4)
                tail = handle.read(4)
                if len(tail) < 4:
                    raise ValueError(f"BGZF block at byte {where} runs past the end of the file")
                isize = struct.unpack("<I", tail)[0]
                self.starts[where] = (self.total, isize, bsize)
                self.order.append(where)
                self.total += isize
                where += bsize
        self.ustarts = [self.starts[b][0] for b in self.order]
        self.cache: dict[int, bytes] = {}  # block -> decompressed data (boundary checks share blocks)

    def absolute(self, virtual: int) -> int:
        """Uncompressed offset of a virtual offset; ValueError when it is not inside a block."""
        block, within = virtual >> 16, virtual & 0xFFFF
        if block not in self.starts or within > self.starts[block][1]:
            raise ValueError(f"virtual offset {block}:{within} is not inside a BGZF block of the file")
        return self.starts[block][0] + within

    def read(self, start: int, stop: int) -> bytes:
        """Uncompressed bytes start..stop (stop exclusive), decompressing only the blocks concerned."""
        first = max(0, bisect.bisect_right(self.ustarts, start) - 1)
        parts = []
        handle = None
        try:
            for block in self.order[first:]:
                ustart, isize, bsize = self.starts[block]
                if ustart >= stop:
                    break
                if ustart + isize <= start:
                    continue
                if block not in self.cache:
                    handle = handle or open(self.path, "rb")  # noqa: SIM115 - closed below; most reads hit the cache
                    handle.seek(block)
                    raw = handle.read(bsize)
                    xlen = struct.unpack_from("<H", raw, 10)[0]
                    self.cache[block] = zlib.decompress(raw[12 + xlen : -8], -15)
                parts.append((ustart, self.cache[block]))
        finally:
            if handle is not None:
                handle.close()
        if not parts:
            return b""
        joined = b"".join(chunk for _, chunk in parts)
        return joined[start - parts[0][0] : stop - parts[0][0]]


def _verified_lines(path: Path, index: Path, header_size: int, chrom: str) -> dict[str, list[bytes]] | str:
    """The records of ``chrom`` (per index name, each line with its newline) read at the offsets the index
    gives, once the file is shown to match the index (see above); otherwise why it does not."""
    refs = _index_refs(index)
    if isinstance(refs, str):
        return refs
    try:
        blocks = _Blocks(path)
        spans = sorted((blocks.absolute(r.begin), blocks.absolute(r.end), r) for r in refs)
    except (OSError, ValueError, struct.error) as exc:
        return f"its offsets do not fit the file: {exc}"
    expected_start = header_size
    lines: dict[str, list[bytes]] = {}
    # Record boundaries are read (decompressing their blocks) around TP53's chromosome and its
    # neighbours; elsewhere the exact tiling of the uncompressed offsets is the check, at no inflate.
    order = [normalize_contig(r.name) == chrom for _, _, r in spans]
    near = {i for i, hit in enumerate(order) if hit for i in (i - 1, i, i + 1)}
    for i, (start, stop, ref) in enumerate(spans):
        name = ref.name.encode("latin-1")
        if start != expected_start:
            return f"chromosome {ref.name} starts at byte {start:,} of the text, not {expected_start:,}"
        if i in near and (
            blocks.read(start - 1, start + len(name) + 1) != b"\n" + name + b"\t"
            or blocks.read(stop - 1, stop) != b"\n"
        ):
            return f"the records of chromosome {ref.name} are not where the index puts them"
        if normalize_contig(ref.name) == chrom:
            text = blocks.read(start, stop).splitlines(keepends=True)
            if len(text) != ref.records or any(not line.startswith(name + b"\t") for line in text):
                return f"chromosome {ref.name} holds other records than the index counts ({ref.records:,})"
            lines[ref.name] = text
        expected_start = stop
    if expected_start != blocks.total:
        return f"the records end at byte {expected_start:,} of the text, the file at {blocks.total:,}"
    return lines


def _htslib_index(path: Path) -> Path | None:
    """The index file htslib itself loads for ``path`` (hts_idx_check_local): ``.csi`` before ``.tbi``,
    each first as ``file.vcf.gz.csi``, then with the last extension replaced (``file.vcf.csi``)."""
    name = str(path)
    dot = name.rfind(".", 1)
    for suffix in (".csi", ".tbi"):
        for candidate in (name + suffix, name[:dot] + suffix if dot > 0 else None):
            if candidate and os.path.exists(candidate):
                return Path(candidate)
    return None


def _header_lines(path: Path) -> int:
    """Number of header lines, through the '#CHROM' line, so records can be reported by line number.

    htslib skips blank lines inside the header, so they are counted too; without a '#CHROM' line
    (htslib refuses such a header) it is the number of leading lines that start with '#'.
    """
    with open(path, "rb") as handle:
        gz = handle.read(2) == GZIP_MAGIC
    opener = gzip.open if gz else open
    count = leading = 0
    try:
        with opener(path, "rb") as handle:  # type: ignore[operator]
            for raw in handle:
                count += 1
                if raw.startswith(b"#") and not raw.startswith(b"##"):
                    return count  # the '#CHROM' line ends the header (htslib's rule)
                if raw.startswith(b"#"):
                    leading = count
                elif raw.strip(b"\r\n"):
                    break  # a record before any '#CHROM' line
    except (OSError, EOFError, zlib.error):
        return 0
    return leading


class _LineNumbers:
    """Line numbers of streamed records (header lines + ordinal; None when no header line was counted).

    The header is counted only when a line number is first needed: a file without records on TP53's
    chromosome never needs one.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: int | None = None

    def of(self, ordinal: int) -> int | None:
        if self.header is None:
            self.header = _header_lines(self.path)
        return self.header + ordinal if self.header else None


def _bgzf_header(path: Path) -> bytes | None:
    """The header lines of a bgzipped VCF byte for byte (see _vcf_header)."""
    with gzip.open(path, "rb") as handle:
        return _vcf_header(handle)


def _vcf_header(lines: Iterable[bytes]) -> bytes | None:
    """The header lines of a VCF byte for byte, through the '#CHROM' line; None when the file does
    not start as htslib recognises a VCF or the header does not end in a '#CHROM' line."""
    kept = []
    for raw in lines:
        # Same end rule as htslib's vcf_hdr_read: the first line starting with '#' but not '##'.
        if not raw.startswith(b"#"):
            if raw.strip(b"\r\n"):
                return None  # a record before '#CHROM': htslib refuses the header
        elif not raw.startswith(b"##"):
            kept.append(raw if raw.endswith(b"\n") else raw + b"\n")
            break
        kept.append(raw)
    else:
        return None
    header = b"".join(kept)
    return header if header.startswith(b"##fileformat=VCF") else None


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence htslib's stderr warnings (missing contig lines etc.) while reading."""
    previous = pysam.set_verbosity(0)
    try:
        yield
    finally:
        pysam.set_verbosity(previous)


# --------------------------------------------------------------------------- sample choice


def _header_meta(header: pysam.VariantHeader, key: str) -> str | None:
    for rec in header.records:
        if rec.key == key and rec.value:
            return str(rec.value).strip()
    return None


def choose_tumour_sample(
    path: str | Path, header: pysam.VariantHeader, tumor_sample: str | None
) -> tuple[str | None, str]:
    """(tumour column or None for a sites-only VCF, how it was chosen)."""
    samples = list(header.samples)
    listed = ", ".join(samples) if samples else "none (sites-only VCF)"
    if tumor_sample:
        if tumor_sample in samples:
            return tumor_sample, "sample sheet tumor_sample"
        raise InputError(
            path,
            f"the sample sheet's tumor_sample {tumor_sample!r} is not a sample column of the VCF",
            field="tumor_sample",
            expected=f"one of: {listed}",
            found=tumor_sample,
            code="vcf_sample_not_found",
        )
    if not samples:
        return None, "sites-only VCF: INFO fields"
    declared = _header_meta(header, "tumor_sample")
    if declared and declared in samples:
        return declared, "##tumor_sample header line"
    if len(samples) == 1:
        how = "the only sample column"
        if declared:
            how += f" (##tumor_sample={declared} names no column)"
        return samples[0], how
    if len(samples) == 2 and set(samples) == {"TUMOR", "NORMAL"}:
        return "TUMOR", "Strelka2 TUMOR/NORMAL column names"
    normal = _header_meta(header, "normal_sample")
    if len(samples) == 2 and normal in samples:
        other = samples[1] if samples[0] == normal else samples[0]
        return other, f"the column that is not ##normal_sample={normal}"
    raise InputError(
        path,
        f"the VCF has {len(samples)} sample columns ({listed}) and nothing says which is the tumour "
        "(no ##tumor_sample= header line, no TUMOR/NORMAL column names, no ##normal_sample= for a pair); "
        "name the tumour column in the sample sheet's `tumor_sample` column",
        field="tumor_sample",
        expected="a tumour sample column named in the sample sheet",
        found=listed,
        code="vcf_tumor_sample_ambiguous",
    )


# --------------------------------------------------------------------------- VAF and depth


def _pick(value: Any, index: int, n_alts: int) -> Any:
    """The value for ALT ``index`` from a scalar or per-allele tuple (None when absent)."""
    if isinstance(value, tuple):
        if len(value) == n_alts and index < len(value):
            return value[index]
        if len(value) == 1 and n_alts == 1:
            return value[0]
        return None
    return value if n_alts == 1 or value is None else None


def _shown_number(value: Any) -> str:
    """A value as the file wrote it: htslib hands FORMAT/INFO floats over as single precision
    (0.331 arrives as 0.33100000023841858), so floats are shown with 6 significant digits."""
    return f"{value:.6g}" if isinstance(value, float) else str(value).strip()


def _fraction(path: str, value: Any, field: str, line: int | None) -> float | None:
    if value is None:
        return None
    text = _shown_number(value)
    percent = text.endswith("%")
    try:
        number = float(text.rstrip("%"))
    except ValueError as exc:
        raise InputError(
            path,
            "allele fraction is not a number",
            line=line,
            field=field,
            expected="a number",
            found=text,
            code="vcf_value_invalid",
        ) from exc
    if percent:
        number /= 100.0
    if math.isnan(number):
        raise InputError(
            path,
            "allele fraction is NaN: a corrupt value cannot decide TP53 status",
            line=line,
            field=field,
            expected="a fraction between 0 and 1",
            found=text,
            code="vcf_value_invalid",
        )
    if number < 0 or number > 1:
        raise InputError(
            path,
            "allele fraction outside 0..1: a corrupt value cannot decide TP53 status",
            line=line,
            field=field,
            expected="a fraction between 0 and 1",
            found=text,
            code="vcf_value_invalid",
        )
    return number


def read_count(path: str, value: Any, field: str, line: int | None, code: str = "vcf_value_invalid") -> int | None:
    """A read count: missing ('', '.') -> None; not a whole number >= 0 -> InputError (VCF and MAF alike)."""
    if value is None or str(value).strip() in ("", "."):
        return None
    try:
        number = float(str(value).strip())
    except ValueError as exc:
        raise InputError(
            path,
            "read count is not a number",
            line=line,
            field=field,
            expected="a non-negative integer",
            found=value,
            code=code,
        ) from exc
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise InputError(
            path,
            "read count is negative or not whole",
            line=line,
            field=field,
            expected="a non-negative integer",
            found=value,
            code=code,
        )
    return int(number)


def _counts(path: str, values: Any, field: str, line: int | None) -> list[int] | None:
    if values is None:
        return None
    items = values if isinstance(values, tuple) else tuple(str(values).split(","))
    out = [read_count(path, v, field, line) for v in items]
    if any(v is None for v in out):
        return None
    return [int(v) for v in out if v is not None]


def _sample_field(data: Any, key: str) -> Any:
    try:
        return data[key] if key in data else None
    except PYSAM_ERRORS:
        return None


def tumour_vaf(
    path: str, rec: pysam.VariantRecord, sample: str | None, alt_index: int, line: int | None
) -> tuple[float | None, int | None, int | None, str]:
    """(VAF, depth, alt read count, source field) of ALT ``alt_index`` in the tumour."""
    alts = rec.alts or ()
    n_alts = len(alts)
    ref, alt = rec.ref or "", alts[alt_index]
    vaf: float | None = None
    depth: int | None = None
    alt_count: int | None = None
    how = "none"
    if sample is not None:
        data = rec.samples[sample]
        fmt = set(rec.format.keys())
        dp = read_count(path, _pick(_sample_field(data, "DP"), 0, 1), "DP", line) if "DP" in fmt else None
        if "AF" in fmt:  # Mutect2, VarDict, DRAGEN
            vaf = _fraction(path, _pick(_sample_field(data, "AF"), alt_index, n_alts), "AF", line)
            how = "FORMAT/AF" if vaf is not None else how
        if vaf is None and "FREQ" in fmt:  # VarScan2 "33.1%"
            vaf = _fraction(path, _pick(_sample_field(data, "FREQ"), alt_index, n_alts), "FREQ", line)
            how = "FORMAT/FREQ" if vaf is not None else how
        ad = _counts(path, _sample_field(data, "AD"), "AD", line) if "AD" in fmt else None
        if ad is not None and len(ad) == n_alts + 1:  # Number=R allele depths
            alt_count, total = ad[alt_index + 1], sum(ad)
            if vaf is None and total > 0:
                vaf, how = alt_count / total, "FORMAT/AD"
            depth = dp if dp is not None else total
        elif ad is not None and len(ad) == 1 and "RD" in fmt:  # VarScan2: AD = alt reads, RD = ref reads
            rd = read_count(path, _pick(_sample_field(data, "RD"), 0, 1), "RD", line)
            alt_count = ad[0]
            if rd is not None:
                total = rd + alt_count
                if vaf is None and total > 0:
                    vaf, how = alt_count / total, "FORMAT/AD+RD"
                depth = dp if dp is not None else total
        if alt_count is None and len(ref) == 1 and len(alt) == 1 and f"{alt}U" in fmt and f"{ref}U" in fmt:
            # Strelka2 SNVs: tier-1 {ALT}U / ({REF}U + {ALT}U) (Strelka2 user guide, somatic allele frequencies).
            ref_t = _counts(path, _sample_field(data, f"{ref}U"), f"{ref}U", line)
            alt_t = _counts(path, _sample_field(data, f"{alt}U"), f"{alt}U", line)
            if ref_t and alt_t:
                alt_count, total = alt_t[0], ref_t[0] + alt_t[0]
                if vaf is None and total > 0:
                    vaf, how = alt_count / total, f"FORMAT/{alt}U,{ref}U tier 1"
                depth = total
        if alt_count is None and "TIR" in fmt and "TAR" in fmt:  # Strelka2 indels: TIR / (TIR + TAR), tier 1
            tir = _counts(path, _sample_field(data, "TIR"), "TIR", line)
            tar = _counts(path, _sample_field(data, "TAR"), "TAR", line)
            if tir and tar:
                alt_count, total = tir[0], tir[0] + tar[0]
                if vaf is None and total > 0:
                    vaf, how = alt_count / total, "FORMAT/TIR,TAR tier 1"
                depth = total
        if alt_count is None and "ADT" in fmt:  # PCGR consensus VCFs: tumour allele depths
            adt = _counts(path, _sample_field(data, "ADT"), "ADT", line)
            if adt is not None and len(adt) == n_alts + 1:
                alt_count, total = adt[alt_index + 1], sum(adt)
                if vaf is None and total > 0:
                    vaf, how = alt_count / total, "FORMAT/ADT"
                depth = total
        if depth is None:
            depth = dp
    # INFO fallbacks: PCGR TVAF/TDP, bcbio TUMOR_AF/TUMOR_DP. Every one present is range-checked, even when
    # FORMAT already gave the VAF: a record that contradicts itself (TVAF 1.35 next to ADT 61,33) is corrupt.
    for key, dkey in (("TVAF", "TDP"), ("TUMOR_AF", "TUMOR_DP")):
        if key not in rec.header.info or key not in rec.info:
            continue
        try:
            raw = rec.info[key]
        except PYSAM_ERRORS:
            continue
        info_vaf = _fraction(path, _pick(raw, alt_index, n_alts), f"INFO/{key}", line)
        if vaf is not None or info_vaf is None:
            continue
        vaf, how = info_vaf, f"INFO/{key}"
        if depth is None and dkey in rec.header.info and dkey in rec.info:
            try:
                depth = read_count(path, _pick(rec.info[dkey], 0, 1), f"INFO/{dkey}", line)
            except PYSAM_ERRORS:
                depth = None
    if vaf is not None:
        vaf = round(vaf, 6)  # FORMAT/INFO floats are single precision in htslib: 0.331 reads as 0.33100000024
    return vaf, depth, alt_count, how


# --------------------------------------------------------------------------- annotation


def _format_fields(header: pysam.VariantHeader, key: str) -> list[str] | None:
    if key not in header.info:
        return None
    description = header.info[key].description or ""
    if key == "CSQ":
        match = re.search(r"Format:\s*([^\"]+)", description)
        return [f.strip() for f in match.group(1).split("|")] if match else None
    match = re.search(r"'([^']+)'", description)
    if match and "|" in match.group(1):
        return [f.strip() for f in match.group(1).split("|")]
    return list(ANN_FIELDS)


def _vep_allele(ref: str, alts: tuple[str, ...], alt: str) -> str:
    """The Allele VEP writes for ``alt``: the shared first base of all alleles is dropped, '-' if empty."""
    alleles = (ref, *alts)
    if (
        all(a and a[0] == ref[0] for a in alleles)
        and any(len(a) > 1 for a in alleles)
        and len(set(len(a) for a in alleles)) > 1
    ):
        return alt[1:] or "-"
    return alt


def _is_canonical(feature: str) -> bool:
    return feature.split(".")[0] in CANONICAL_TRANSCRIPTS


def _strip_hgvs(text: str | None) -> str | None:
    if not text:
        return None
    value = unquote(text.split(":", 1)[-1].strip())
    return value or None


def annotation_for(
    rec: pysam.VariantRecord, fields: dict[str, list[str] | None], alt_index: int
) -> tuple[tuple[str | None, str | None, str | None], str] | None:
    """(class, HGVS c., HGVS p.) of the canonical TP53 transcript from CSQ (VEP) or ANN (SnpEff)."""
    alts = rec.alts or ()
    alt = alts[alt_index]
    for key, source in (("CSQ", "VEP"), ("ANN", "SnpEff")):
        names = fields.get(key)
        if not names or key not in rec.info:
            continue
        try:
            entries = rec.info[key]
        except PYSAM_ERRORS:
            continue
        if isinstance(entries, str):
            entries = (entries,)
        candidates = []
        for entry in entries or ():
            values = dict(zip(names, (v.strip() for v in str(entry).split("|")), strict=False))
            feature = values.get("Feature") or values.get("Feature_ID") or ""
            if not _is_canonical(feature):
                continue
            candidates.append(values)
        if not candidates:
            continue
        chosen = None
        for values in candidates:
            if "ALLELE_NUM" in values and values["ALLELE_NUM"].isdigit():
                if int(values["ALLELE_NUM"]) == alt_index + 1:
                    chosen = values
                    break
                continue
            allele = values.get("Allele", "")
            expected = _vep_allele(rec.ref or "", alts, alt) if source == "VEP" else alt
            if allele in (expected, alt):
                chosen = values
                break
        if chosen is None and len(alts) == 1:
            chosen = candidates[0]
        if chosen is None:
            continue
        terms = chosen.get("Consequence") or chosen.get("Annotation") or ""
        hgvs_c = _strip_hgvs(chosen.get("HGVSc") or chosen.get("HGVS.c"))
        hgvs_p = _strip_hgvs(chosen.get("HGVSp") or chosen.get("HGVS.p"))
        return (map_so_terms(terms) if terms else None, hgvs_c, hgvs_p), source
    return None


# --------------------------------------------------------------------------- reading


def _rsid(rec: pysam.VariantRecord) -> str | None:
    for token in re.split(r"[;,]", rec.id or ""):
        if token.startswith("rs"):
            return token
    return None


def _filters(rec: pysam.VariantRecord) -> list[str]:
    keys = list(rec.filter.keys())
    return keys if keys else ["."]


@dataclass
class _Collector:
    """What read_vcf gathers while walking the records."""

    shown: str
    model: TP53Model
    settings: TP53Settings
    sample: str | None
    fields: dict[str, list[str] | None]
    region: tuple[str, int, int]
    notes: list[str] = field(default_factory=list)
    variants: list[VariantCall] = field(default_factory=list)
    seen: dict[tuple[str, int, str, str], int | None] = field(default_factory=dict)  # key -> first line
    on_chrom: int = 0
    suspect: bool = False
    duplicates: bool = False

    def add(self, rec: pysam.VariantRecord, line: int | None) -> None:
        chrom, region_start, region_end = self.region
        if normalize_contig(rec.chrom) != chrom:
            return
        self.on_chrom += 1
        check_position(self.shown, rec.chrom, rec.pos, self.model.build, line)
        # Overlap with the region: rec.start is 0-based, rec.stop exclusive (htslib takes INFO/END into
        # account); a symbolic SV with only SVLEN, or a breakend whose mate lies in TP53, overlaps too.
        if (_record_end(rec) < region_start or rec.start + 1 > region_end) and not _mate_in(rec, self.region):
            self._check_other_build(rec)
            return
        for call in _record_calls(
            self.shown, rec, self.sample, self.model, self.settings, self.fields, line, self.notes
        ):
            # Every record is kept: which of two disagreeing records is right is for assess_tp53 to refuse to guess.
            if call.key() in self.seen:
                self.duplicates = True
                first = self.seen[call.key()]
                lines = f" (lines {first} and {line})" if first and line else ""
                self.notes.append(
                    f"duplicate record for {call.chrom}:{call.pos} {call.ref}>{call.alt}{lines}; every record kept"
                )
            else:
                self.seen[call.key()] = line
            self.variants.append(call)

    def _check_other_build(self, rec: pysam.VariantRecord) -> None:
        """Leave a note (once) when a record outside TP53 sits in TP53's CDS of the other build."""
        if self.suspect:
            return
        other = tp53_model("GRCh38" if self.model.build == "GRCh37" else "GRCh37")
        if _in_other_build_cds(rec, other):
            self.suspect = True
            alleles = f"{rec.ref}>{','.join(rec.alts or ())}"
            self.notes.append(
                f"{BUILD_SUSPECT_NOTE}record {rec.chrom}:{rec.pos} {alleles} lies in TP53's coding sequence in "
                f"{other.build} with a matching REF, but outside TP53 in the declared {self.model.build}: "
                "check the sample sheet's build"
            )


# Names of reference FASTAs and assemblies, token by token, beyond genome.BUILD_ALIASES: the 1000 Genomes
# b37 FASTA (human_g1k_v37), the Broad bundles (Homo_sapiens_assembly19/38), bwa-kit's hs38/hs38DH.
_EXTRA_BUILD_TOKENS = {
    "v37": "GRCh37",
    "assembly19": "GRCh37",
    "b38": "GRCh38",
    "hs38": "GRCh38",
    "hs38dh": "GRCh38",
    "assembly38": "GRCh38",
}


def build_named_in(text: str) -> str | None:
    """The build a reference file name or assembly value names (``.../hs37d5.fa`` -> GRCh37), or None.

    Whole tokens only (split at anything but letters and digits), so ``hg19`` in ``hg19.fa`` counts and
    a 37 inside a longer number does not; a text naming both builds names none.
    """
    found = set()
    for token in re.split(r"[^A-Za-z0-9]+", text):
        if not token or token.isdigit():
            continue  # bare "37"/"38" are too common in paths to mean a build
        build = canonical_build(token) or _EXTRA_BUILD_TOKENS.get(token.lower())
        if build:
            found.add(build)
    return found.pop() if len(found) == 1 else None


def _check_header_build(shown: str, header: pysam.VariantHeader, declared: str) -> None:
    """Raise build_mismatch when ``##reference=`` or a ``##contig`` ``assembly=`` names the other build.

    Contig lengths are checked by check_contig_lengths; these lines say the same thing for files
    whose contig lines carry no length (or no contig lines at all). Whatever the TP53 records are, a
    file made against the other build cannot be read in the declared one.
    """
    for rec in header.records:
        if rec.key == "reference" and rec.value:
            where, value = "##reference", str(rec.value)
        elif rec.type == "CONTIG" and rec.get("assembly"):
            where, value = f"##contig=<ID={rec.get('ID')}> assembly", str(rec.get("assembly"))
        else:
            continue
        named = build_named_in(value)
        if named is not None and named != declared:
            raise InputError(
                shown,
                f"the VCF header names the {named} reference ({where}), but the sample sheet declares "
                f"{declared}; files are never lifted over or guessed",
                field=where,
                expected=f"a VCF made against {declared}",
                found=value,
                code="build_mismatch",
            )


RECORD_EXPECTED = "tab-separated VCF columns with values of the types the header declares"


def _start(
    shown: str,
    header: pysam.VariantHeader,
    model: TP53Model,
    settings: TP53Settings,
    region: tuple[str, int, int],
    tumor_sample: str | None,
) -> _Collector:
    """Header checks (contig lengths against the build, tumour column, CSQ/ANN layout) and a collector."""
    try:
        lengths = {normalize_contig(name): c.length for name, c in header.contigs.items() if c.length}
        check_contig_lengths(shown, lengths, model.build)
        _check_header_build(shown, header, model.build)
        sample, how = choose_tumour_sample(shown, header, tumor_sample)
        fields = {"CSQ": _format_fields(header, "CSQ"), "ANN": _format_fields(header, "ANN")}
    except PYSAM_ERRORS as exc:  # e.g. non-UTF-8 bytes in a header line
        raise InputError(shown, f"malformed VCF header: {exc}", code="vcf_unreadable") from exc
    collector = _Collector(shown, model, settings, sample, fields, region)
    collector.notes.append(f"tumour column: {sample or 'none'} ({how})")
    return collector


def _collect_fetched(vf: pysam.VariantFile, collector: _Collector, shown: str) -> None:
    """Records of TP53's chromosome through the index pysam loaded with the file."""
    chrom = collector.region[0]
    names = {str(n) for n in vf.header.contigs.keys()}
    try:
        names |= {str(n) for n in (vf.index or ())}
    except PYSAM_ERRORS:
        pass
    source = _fetch_all(vf, [n for n in names if normalize_contig(n) == chrom], shown)
    while True:
        try:
            rec = next(source)
        except StopIteration:
            return
        except PYSAM_ERRORS as exc:
            raise InputError(
                shown,
                f"malformed VCF record while fetching chromosome 17: {exc}",
                expected=RECORD_EXPECTED,
                code="vcf_unreadable",
            ) from exc
        try:
            collector.add(rec, None)
        except PYSAM_ERRORS as exc:
            raise InputError(
                shown, f"malformed VCF record: {exc}", expected=RECORD_EXPECTED, code="vcf_unreadable"
            ) from exc


def _collect_streamed(vf: pysam.VariantFile, collector: _Collector, shown: str, readable: Path) -> None:
    """Every record of the file, in file order; those on TP53's chromosome go to the collector.

    htslib parses every record (a malformed one anywhere is an error); Python only looks at those on
    TP53's chromosome. Whether a record is on it is decided once per contig id (``rec.rid``: a
    contig's id never changes while a file is read) instead of normalising every record's name.
    """
    chrom = collector.region[0]
    lines = _LineNumbers(readable)
    on_chrom: dict[int, bool] = {}
    ordinal = 0

    def malformed(exc: BaseException, line: int | None, where: str = "") -> InputError:
        return InputError(
            shown,
            f"malformed VCF record{where}: {_scrub(exc, readable, shown)}",
            line=line,
            expected=RECORD_EXPECTED,
            found=_line_text(readable, line),
            code="vcf_unreadable",
        )

    try:
        for rec in vf:
            ordinal += 1
            rid = rec.rid
            wanted = on_chrom.get(rid)
            if wanted is None:
                try:
                    wanted = on_chrom[rid] = normalize_contig(rec.chrom) == chrom
                except PYSAM_ERRORS as exc:
                    raise malformed(exc, lines.of(ordinal)) from exc
            if not wanted:
                continue
            line = lines.of(ordinal)
            try:
                collector.add(rec, line)
            except PYSAM_ERRORS as exc:
                # e.g. fewer sample columns than the header names, unparsable FORMAT values
                raise malformed(exc, line) from exc
    except PYSAM_ERRORS as exc:  # htslib could not read the next record (InputError is none of these)
        raise malformed(exc, lines.of(ordinal + 1), f" after record {ordinal}") from exc


def _finish(shown: str, collector: _Collector, indexed: bool) -> VariantSource:
    if collector.on_chrom == 0:
        collector.notes.append("no record on chromosome 17 in the VCF")
    return VariantSource(
        path=shown,
        format="vcf",
        sample=collector.sample,
        variants=collector.variants,
        records_on_tp53_chrom=collector.on_chrom,
        indexed=indexed,
        notes=collector.notes,
    )


# Contig names passed to TabixFile.fetch as a region string: only plain names, which htslib cannot
# read as anything but a contig name ("17", "chr17").
_PLAIN_CONTIG = re.compile(r"[A-Za-z0-9]+")


def _read_indexed(
    p: Path,
    index: Path,
    shown: str,
    model: TP53Model,
    settings: TP53Settings,
    region: tuple[str, int, int],
    tumor_sample: str | None,
) -> VariantSource | None:
    """TP53's chromosome of an indexed bgzipped VCF with one index load; None leaves the file to read_vcf.

    Opening the file with pysam.VariantFile loads the index twice (htslib's header reader loads it to
    add contigs missing from the header, then pysam loads it again), ~1.5 ms each for a whole-genome
    index. Here pysam.TabixFile loads the index htslib would choose, once, and fetches the chromosome's
    lines; htslib then parses the header and those lines from a temporary VCF, as it parses fetched
    lines. Whatever goes wrong or is unusual (a BCF, two names for chromosome 17, a malformed record,
    an InputError) returns None, and read_vcf's own path then gives its result, note or error.
    """
    if "##idx##" in str(p):
        return None  # htslib would read an index name out of the file name
    try:
        header = _bgzf_header(p)
        if header is None:
            return None
        # The chromosome's lines are read at the index's offsets once the file is shown to match it.
        verified = _verified_lines(p, index, len(header), region[0])
        if isinstance(verified, str):
            return None  # read_vcf streams the file and says why
        names = list(verified)
        if len(names) > 1 or (names and not _PLAIN_CONTIG.fullmatch(names[0])):
            return None
        lines = verified[names[0]] if names else []
        collector = _collect_text(shown, header, lines, None, model, settings, region, tumor_sample)
    except (InputError, EOFError, zlib.error, *PYSAM_ERRORS):
        return None
    return None if collector is None else _finish(shown, collector, indexed=True)


def _collect_text(
    shown: str,
    header: bytes,
    records: list[bytes],
    line_numbers: list[int] | None,
    model: TP53Model,
    settings: TP53Settings,
    region: tuple[str, int, int],
    tumor_sample: str | None,
) -> _Collector | None:
    """htslib parses ``header`` and ``records`` (lines with their newline) from a temporary VCF, and
    the collector takes each record with its line number in the original file. None when htslib
    does not return exactly one record per line. Errors are the caller's to handle."""
    with tempfile.TemporaryFile(prefix="mdm2screen-vcf-") as tmp:
        tmp.write(header)
        tmp.writelines(records)
        tmp.flush()
        tmp.seek(0)
        with pysam.VariantFile(tmp) as vf:
            collector = _start(shown, vf.header, model, settings, region, tumor_sample)
            count = 0
            for count, rec in enumerate(vf, start=1):
                if count > len(records):
                    return None
                collector.add(rec, line_numbers[count - 1] if line_numbers else None)
    return collector if count == len(records) else None


def _read_plain(
    readable: Path,
    shown: str,
    model: TP53Model,
    settings: TP53Settings,
    region: tuple[str, int, int],
    tumor_sample: str | None,
) -> VariantSource | None:
    """TP53's chromosome of an uncompressed VCF, with the other records checked for their layout only;
    None leaves the file to read_vcf's full path.

    htslib parsing every record of a streamed 400 KB VCF cost ~3.4 ms, nearly all of it on records
    that cannot change the call. Here every record's layout is checked in Python (the header's number
    of tab-separated columns, a CHROM, a whole-number POS) and htslib parses the header and the
    records on TP53's chromosome from a temporary VCF, as for an indexed file. A record on another
    chromosome whose other values are malformed is therefore not reported (docs/error_model.md,
    section 4). Anything unusual (a carriage return, a blank line among the records, a record of
    another layout, a header htslib refuses, an InputError) returns None, and the full path gives
    its result, note or error, with the line number.
    """
    data = readable.read_bytes()
    if b"\r" in data:
        return None
    header = _vcf_header(io.BytesIO(data))
    if header is None:
        return None
    tabs = header.count(b"\t", header.rfind(b"\n", 0, -1) + 1)  # in the '#CHROM' line
    if tabs < 7:
        return None
    lines = data[len(header) :].split(b"\n")
    lines.pop()  # empty: the file ends with a newline (_check_last_line)
    chrom = region[0]
    on_chrom: dict[bytes, bool] = {}
    kept: list[int] = []
    for index, line in enumerate(lines):
        if line.count(b"\t") != tabs:
            return None
        name, pos, _ = line.split(b"\t", 2)
        if not name or name[:1] == b"#" or not pos.isdigit():
            return None
        wanted = on_chrom.get(name)
        if wanted is None:
            wanted = on_chrom[name] = normalize_contig(name.decode("latin-1")) == chrom
        if wanted:
            kept.append(index)
    first_record_line = header.count(b"\n") + 1
    try:
        collector = _collect_text(
            shown,
            header,
            [lines[i] + b"\n" for i in kept],
            [first_record_line + i for i in kept],
            model,
            settings,
            region,
            tumor_sample,
        )
    except (InputError, *PYSAM_ERRORS):
        return None
    return None if collector is None else _finish(shown, collector, indexed=False)


def read_vcf(path: str | Path, *, build: str, tumor_sample: str | None, settings: TP53Settings) -> VariantSource:
    """Every record overlapping TP53 (+ splice margin), any FILTER, plus the chromosome-17 record count."""
    p = check_input(path)
    shown = str(path)
    model = tp53_model(build)
    region = tp53_region(model.build, settings)
    with _readable_copy(p) as (readable, bgzf), _quiet():
        index = _usable_index(p)
        mismatch = None
        if bgzf and index is not None:
            source = _read_indexed(p, index, shown, model, settings, region, tumor_sample)
            if source is not None and not _has_duplicates(source):
                return source
            # Duplicates are reported with their line numbers, which only streaming gives.
            mismatch = "duplicate records" if source is not None else _index_mismatch(p, index, region[0])
            if mismatch is not None:
                index = None
        if not bgzf and not _is_bcf(readable):
            _check_last_line(readable, shown)
            source = _read_plain(readable, shown, model, settings, region, tumor_sample)
            if source is not None:
                return source
        try:
            vf = pysam.VariantFile(str(readable))
        except PYSAM_ERRORS as exc:
            raise InputError(
                shown,
                f"not a readable VCF/BCF: {_scrub(exc, readable, shown)}",
                expected="a VCF (plain, gzip or bgzip) or BCF",
                code="vcf_unreadable",
            ) from exc
        with vf:
            collector = _start(shown, vf.header, model, settings, region, tumor_sample)
            # An index that htslib could not load (corrupt, wrong file) leaves vf.index None: stream instead.
            indexed = bgzf and index is not None and readable == p and vf.index is not None
            if index is not None and not indexed:
                collector.notes.append("the index next to the VCF could not be used; the file was streamed")
            if mismatch is not None and mismatch != "duplicate records":
                collector.notes.append(
                    f"the index next to the VCF does not match the file ({mismatch}); the file was streamed"
                )
            if indexed:
                _collect_fetched(vf, collector, shown)
            else:
                _collect_streamed(vf, collector, shown, readable)
    return _finish(shown, collector, bool(indexed))


def _has_duplicates(source: VariantSource) -> bool:
    keys = [call.key() for call in source.variants]
    return len(keys) != len(set(keys))


def _index_mismatch(p: Path, index: Path, chrom: str) -> str | None:
    """Why the index does not describe the file (None when it does, or when the index cannot be read at
    all: htslib then fails to load it and read_vcf says so)."""
    try:
        header = _bgzf_header(p)
    except (OSError, EOFError, zlib.error):
        return None
    if header is None:
        return None  # a BCF or an unusual header: htslib's own reading decides
    verdict = _verified_lines(p, index, len(header), chrom)
    if not isinstance(verdict, str) or verdict.startswith(("the index cannot be read", "not a tabix")):
        return None
    return verdict


def _in_other_build_cds(rec: pysam.VariantRecord, other: TP53Model) -> bool:
    """True when the record's REF sits in the other build's TP53 CDS and matches it base for base."""
    ref = (rec.ref or "").upper()
    if not ref or len(ref) > 50 or rec.pos not in other.plus_bases:
        return False  # most records: the first base is already outside that CDS
    known = [other.plus_bases.get(rec.pos + i) for i in range(len(ref))]
    return all(k is not None for k in known) and "".join(k for k in known if k) == ref


def _fetch_all(vf: pysam.VariantFile, contigs: list[str], shown: str) -> Iterator[pysam.VariantRecord]:
    for name in contigs:
        try:
            iterator = vf.fetch(name)
        except ValueError:
            continue  # contig named in the header but absent from the index: no records
        except PYSAM_ERRORS as exc:
            raise InputError(shown, f"index fetch failed: {exc}", code="vcf_unreadable") from exc
        yield from iterator


def _record_calls(
    shown: str,
    rec: pysam.VariantRecord,
    sample: str | None,
    model: TP53Model,
    settings: TP53Settings,
    fields: dict[str, list[str] | None],
    line: int | None,
    notes: list[str],
) -> list[VariantCall]:
    """One VariantCall per ALT allele of a record (multi-allelic records are split)."""
    calls = []
    try:
        alts = rec.alts or ()
        ref = rec.ref or ""
    except PYSAM_ERRORS as exc:
        raise InputError(shown, f"malformed alleles: {exc}", line=line, code="vcf_unreadable") from exc
    for index, alt in enumerate(alts):
        if alt in ("*", ".", "<*>", "<NON_REF>"):
            continue  # overlapping-deletion placeholder / gVCF reference block: not a variant of its own
        vaf, depth, alt_count, how = tumour_vaf(shown, rec, sample, index, line)
        given = annotation_for(rec, fields, index)
        call = allele_call(
            model,
            rec.pos,
            ref,
            alt,
            settings=settings,
            filters=_filters(rec),
            vaf=vaf,
            depth=depth,
            alt_count=alt_count,
            given=given[0] if given else None,
            given_source=given[1] if given else "computed",
            rsid=_rsid(rec),
            line=line,
            notes=notes,
        )
        sv = structural_allele(rec, alt)
        if sv is not None:
            consequence, text = structural_consequence(model, sv, settings)
            if consequence is not None:
                call.consequence, call.annotation_source = consequence, "computed"
            notes.append(f"{call.chrom}:{call.pos} {alt}: {text}")
        if how != "none" and vaf is not None:
            notes.append(f"{call.chrom}:{call.pos} {call.ref}>{call.alt}: VAF from {how}")
        calls.append(call)
    return calls


# --------------------------------------------------------------------------- structural variants
# VCF 4.2 specification, section 5.3 "Encoding Structural Variants" (symbolic alleles <DEL>, <DUP>, <INV>,
# <INS>, <CNV> with subtypes such as <DEL:ME:ALU>, INFO END/SVLEN/SVTYPE) and section 5.4 "Specifying
# complex rearrangements with breakends" (ALT t[p[, t]p], ]p]t, [p[t with p = chrom:pos; single breakends
# "t." / ".t").

_MATE = re.compile(r"[\[\]](?P<chrom>[^\[\]:]+):(?P<pos>\d+)[\[\]]")
SV_TYPES = ("DEL", "DUP", "INV", "INS", "CNV", "BND")


@dataclass(frozen=True)
class StructuralAllele:
    svtype: str  # DEL, DUP, INV, INS, CNV or BND
    chrom: str  # normalised
    pos: int  # POS (the padding base before a symbolic event)
    end: int  # last affected base (INFO/END, or POS + |SVLEN|); POS for breakends and insertions
    mate: tuple[str, int] | None  # breakend mate (normalised chrom, pos)
    sized: bool = True  # False: a <DEL>/<DUP>/<INV>/<CNV> without INFO/END or SVLEN (extent unknown)


def _info_first(rec: pysam.VariantRecord, key: str) -> Any:
    """First value of INFO ``key`` (SVLEN/SVTYPE may be Number=. or A); None when absent or unreadable."""
    try:
        if key not in rec.header.info or key not in rec.info:
            return None
        value = rec.info[key]
    except PYSAM_ERRORS:
        return None
    if isinstance(value, tuple):
        value = value[0] if value else None
    return value


def _info_int(rec: pysam.VariantRecord, key: str) -> int | None:
    value = _info_first(rec, key)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _info_text(rec: pysam.VariantRecord, key: str) -> str | None:
    value = _info_first(rec, key)
    return str(value).strip().upper() if value else None


def structural_allele(rec: pysam.VariantRecord, alt: str) -> StructuralAllele | None:
    """The structural variant an ALT allele describes, None for a sequence allele."""
    mate = _MATE.search(alt)
    single = len(alt) > 1 and (alt.startswith(".") or alt.endswith("."))
    if alt.startswith("<") and alt.endswith(">"):
        svtype = alt[1:-1].split(":", 1)[0].upper()
    elif mate or single:
        svtype = "BND"
    else:
        return None
    if svtype not in SV_TYPES:
        svtype = _info_text(rec, "SVTYPE") or svtype  # e.g. <TRA>, <CPX>: trust SVTYPE when given
    pos = rec.pos
    end = max(rec.stop, pos)
    sized = True
    if svtype in ("DEL", "DUP", "INV", "CNV"):
        svlen = _info_int(rec, "SVLEN")
        if svlen is not None and rec.stop <= pos:  # no END: htslib's stop is POS itself
            end = pos + abs(svlen)
        sized = rec.stop > pos or svlen is not None
    return StructuralAllele(
        svtype=svtype,
        chrom=normalize_contig(rec.chrom),
        pos=pos,
        end=end,
        mate=(normalize_contig(mate.group("chrom")), int(mate.group("pos"))) if mate else None,
        sized=sized,
    )


def _record_end(rec: pysam.VariantRecord) -> int:
    """Last reference base a record touches, symbolic SVs with only SVLEN included."""
    end = rec.stop
    for alt in rec.alts or ():
        if alt.startswith("<"):
            sv = structural_allele(rec, alt)
            if sv is not None:
                end = max(end, sv.end)
    return end


def _mate_in(rec: pysam.VariantRecord, region: tuple[str, int, int]) -> bool:
    """True when a breakend ALT of the record joins a position inside ``region``."""
    for alt in rec.alts or ():
        if "[" in alt or "]" in alt:
            mate = _MATE.search(alt)
            if (
                mate
                and normalize_contig(mate.group("chrom")) == region[0]
                and region[1] <= int(mate.group("pos")) <= region[2]
            ):
                return True
    return False


def structural_consequence(model: TP53Model, sv: StructuralAllele, settings: TP53Settings) -> tuple[str | None, str]:
    """(consequence class or None, note) of a structural variant for TP53.

    A deletion of any coding base removes part of the protein: structural_deletion. Any other SV with a
    breakpoint inside the gene body (transcript start to end) disrupts the gene: structural_rearrangement,
    unless it lies wholly inside one intron, away from the splice region, and is not a breakend.
    """
    if not sv.sized:
        return (
            None,
            f"structural-variant allele <{sv.svtype}> of unknown extent (no INFO/END or SVLEN): listed but not interpreted",
        )
    if sv.svtype == "DEL":
        first, last = sv.pos + 1, sv.end  # POS is the padding base before the deleted bases
        exons = [e.number for e in model.exons if e.cds_start is not None and e.cds_end is not None
                 and first <= e.cds_end and last >= e.cds_start]  # fmt: skip
        if exons:
            return "structural_deletion", (
                f"structural deletion {first}-{last} removes coding bases of TP53 exon(s) "
                f"{', '.join(map(str, sorted(exons)))}"
            )
        return None, f"structural deletion {first}-{last} removes no TP53 coding base; listed, not counted"
    breakpoints = []
    if sv.svtype == "BND":
        if sv.chrom == model.chrom:
            breakpoints.append(sv.pos)
        if sv.mate is not None and sv.mate[0] == model.chrom:
            breakpoints.append(sv.mate[1])
    elif sv.svtype == "INS":
        breakpoints = [sv.pos]
    else:
        breakpoints = [sv.pos + 1, sv.end]
    inside = [b for b in breakpoints if model.tx_start <= b <= model.tx_end]
    what = f"structural {sv.svtype}" + (f" {sv.pos}-{sv.end}" if sv.svtype not in ("BND", "INS") else f" at {sv.pos}")
    if not inside:
        return None, f"{what}: no breakpoint inside the TP53 gene body; listed, not counted"
    if sv.svtype != "BND" and _within_one_intron(model, min(sv.pos, *breakpoints), max(sv.end, *breakpoints), settings):
        return None, f"{what} lies wholly inside a TP53 intron; listed, not counted"
    return (
        "structural_rearrangement",
        f"{what} has a breakpoint inside the TP53 gene body (at {', '.join(map(str, inside))})",
    )


def _within_one_intron(model: TP53Model, first: int, last: int, settings: TP53Settings) -> bool:
    """True when first..last lies inside one intron, at least the splice margin away from both exons."""
    spans = sorted((e.start, e.end) for e in model.exons)
    for (_, left_end), (right_start, _) in zip(spans, spans[1:], strict=False):
        if left_end + settings.margin < first and last < right_start - settings.margin:
            return True
    return False


def is_vcf_header(first_line: str) -> bool:
    return first_line.startswith("##fileformat=VCF") or first_line.startswith("#CHROM\tPOS")
