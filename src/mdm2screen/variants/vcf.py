"""VCF reader: the records of one region, as the file gives them (pysam throughout; VCF text is
never parsed by hand). Normalising and interpreting them is the evidence layer's (calls.py).

* Plain, bgzipped, BCF and plain-gzip VCFs. htslib cannot open a plain-gzip (non-BGZF) VCF
  ("seek not implemented"), and it does not recognise a VCF that starts with a UTF-8 byte-order
  mark; both are decompressed/copied to a temporary file that pysam then reads (deleted after).
* A bgzipped file without the BGZF end-of-file block is refused as truncated: htslib would
  otherwise read it silently up to the last complete block.
* One read path: pysam streams the file, and records on other chromosomes are skipped. One fast
  path, for a bgzipped file with a .tbi/.csi index shown to match it (see "index verification"):
  htslib parses only the region chromosome's lines; whatever it cannot take, it declines to the stream.
* The tumour column, per-caller VAF fields (Mutect2, Strelka2, VarScan2, VarDict, DRAGEN, PCGR)
  and VEP ``CSQ`` / SnpEff ``ANN`` annotation of the requested transcripts are read here.
"""

from __future__ import annotations

import bisect
import gzip
import math
import os
import re
import shutil
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
from .records import RawAllele, RawVariants, Region, StructuralAllele, check_input, read_count

BOM = b"\xef\xbb\xbf"
# The 28-byte empty block every BGZF writer (htslib, bgzip, Biopython) appends at the end.
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")

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


def _is_bgzf(head: bytes) -> bool:
    # gzip header with FEXTRA whose first subfield is 'BC' (SAM/BAM specification, section 4.1).
    return len(head) >= 16 and head[:2] == GZIP_MAGIC and head[3] & 4 == 4 and head[12:14] == b"BC"


def _copy_plain(src: Path, dst: Path, gz: bool) -> None:
    """Decompress (gz) or copy ``src`` to ``dst`` without a leading byte-order mark."""
    opener = gzip.open if gz else open
    try:
        with opener(src, "rb") as fin, open(dst, "wb") as fout:
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
        with opener(path, "rb") as handle:
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
        with opener(path, "rb") as handle:
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


def _strip_hgvs(text: str | None) -> str | None:
    if not text:
        return None
    value = unquote(text.split(":", 1)[-1].strip())
    return value or None


def annotation_for(
    rec: pysam.VariantRecord, fields: dict[str, list[str] | None], alt_index: int, transcripts: tuple[str, ...]
) -> tuple[tuple[str, str | None, str | None], str] | None:
    """((SO terms, HGVS c., HGVS p.), "VEP" or "SnpEff") of ``transcripts`` (unversioned IDs) from CSQ or ANN."""
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
            if feature.split(".")[0] not in transcripts:
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
        return (terms, hgvs_c, hgvs_p), source
    return None


# --------------------------------------------------------------------------- reading


def _rsid(rec: pysam.VariantRecord) -> str | None:
    for token in re.split(r"[;,]", rec.id or ""):
        if token.startswith("rs"):
            return token
    return None


def _filters(rec: pysam.VariantRecord) -> list[str]:
    keys = [str(k) for k in rec.filter.keys()]
    return keys if keys else ["."]


@dataclass
class _Collector:
    """What read_vcf gathers while walking the records."""

    shown: str
    build: str
    sample: str | None
    fields: dict[str, list[str] | None]
    region: Region
    watch: tuple[int, int] | None
    transcripts: tuple[str, ...]
    notes: list[str] = field(default_factory=list)
    alleles: list[RawAllele] = field(default_factory=list)
    on_chrom: int = 0

    def add(self, rec: pysam.VariantRecord, line: int | None) -> None:
        chrom, region_start, region_end = self.region
        if normalize_contig(rec.chrom) != chrom:
            return
        self.on_chrom += 1
        check_position(self.shown, rec.chrom, rec.pos, self.build, line)
        # Overlap with the region: rec.start is 0-based, rec.stop exclusive (htslib takes INFO/END into
        # account); a symbolic SV with only SVLEN, or a breakend whose mate lies in TP53, overlaps too.
        if (_record_end(rec) < region_start or rec.start + 1 > region_end) and not _mate_in(rec, self.region):
            if self.watch is not None and self.watch[0] <= rec.pos <= self.watch[1]:
                # Alleles only: the evidence layer looks at where the record sits, never at its values.
                alleles = ",".join(rec.alts or ())
                self.alleles.append(RawAllele(rec.chrom, rec.pos, rec.ref or "", alleles, line, in_region=False))
            return
        self.alleles.extend(_record_alleles(self.shown, rec, self.sample, self.fields, line, self.transcripts))


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


def _start(shown: str, header: pysam.VariantHeader, reading: _Reading) -> _Collector:
    """Header checks (contig lengths against the build, tumour column, CSQ/ANN layout) and a collector."""
    try:
        lengths = {normalize_contig(name): c.length for name, c in header.contigs.items() if c.length}
        check_contig_lengths(shown, lengths, reading.build)
        _check_header_build(shown, header, reading.build)
        sample, how = choose_tumour_sample(shown, header, reading.tumor_sample)
        fields = {"CSQ": _format_fields(header, "CSQ"), "ANN": _format_fields(header, "ANN")}
    except PYSAM_ERRORS as exc:  # e.g. non-UTF-8 bytes in a header line
        raise InputError(shown, f"malformed VCF header: {exc}", code="vcf_unreadable") from exc
    collector = _Collector(shown, reading.build, sample, fields, reading.region, reading.watch, reading.transcripts)
    collector.notes.append(f"tumour column: {sample or 'none'} ({how})")
    return collector


def malformed_record(exc: BaseException, shown: str, readable: Path, line: int | None, where: str = "") -> InputError:
    """The error for a record htslib could not parse: the file's line and its text, paths scrubbed."""
    return InputError(
        shown,
        f"malformed VCF record{where}: {_scrub(exc, readable, shown)}",
        line=line,
        expected=RECORD_EXPECTED,
        found=_line_text(readable, line),
        code="vcf_unreadable",
    )


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

    try:
        for rec in vf:
            ordinal += 1
            rid = rec.rid
            wanted = on_chrom.get(rid)
            if wanted is None:
                try:
                    wanted = on_chrom[rid] = normalize_contig(rec.chrom) == chrom
                except PYSAM_ERRORS as exc:
                    raise malformed_record(exc, shown, readable, lines.of(ordinal)) from exc
            if not wanted:
                continue
            line = lines.of(ordinal)
            try:
                collector.add(rec, line)
            except PYSAM_ERRORS as exc:
                # e.g. fewer sample columns than the header names, unparsable FORMAT values
                raise malformed_record(exc, shown, readable, line) from exc
    except PYSAM_ERRORS as exc:  # htslib could not read the next record (InputError is none of these)
        raise malformed_record(exc, shown, readable, lines.of(ordinal + 1), f" after record {ordinal}") from exc


def _finish(shown: str, collector: _Collector, indexed: bool) -> RawVariants:
    tail = [] if collector.on_chrom else [f"no record on chromosome {collector.region[0]} in the VCF"]
    return RawVariants(
        path=shown,
        format="vcf",
        sample=collector.sample,
        alleles=collector.alleles,
        records_on_chrom=collector.on_chrom,
        indexed=indexed,
        head_notes=collector.notes,
        tail_notes=tail,
    )


@dataclass(frozen=True)
class _Reading:
    """What the caller asks of read_vcf (see there)."""

    build: str
    region: Region
    tumor_sample: str | None
    transcripts: tuple[str, ...]
    watch: tuple[int, int] | None


# Contig names passed to TabixFile.fetch as a region string: only plain names, which htslib cannot
# read as anything but a contig name ("17", "chr17").
_PLAIN_CONTIG = re.compile(r"[A-Za-z0-9]+")


@contextmanager
def verified_records(header: bytes, lines: list[bytes]) -> Iterator[pysam.VariantFile]:
    """htslib over ``header`` and record ``lines`` read at a verified index's offsets, from a temporary
    VCF: parsing just one chromosome's lines is the indexed fast path of both VCF readers."""
    with tempfile.TemporaryFile(prefix="mdm2screen-vcf-") as tmp:
        tmp.write(header)
        tmp.writelines(lines)
        tmp.flush()
        tmp.seek(0)
        with pysam.VariantFile(tmp) as vf:
            yield vf


def _read_indexed(shown: str, header: bytes, verified: dict[str, list[bytes]], reading: _Reading) -> RawVariants | None:
    """The fast path: TP53's chromosome of a bgzipped VCF whose index was verified against it.

    Streaming a whole bgzipped VCF through htslib costs ~7 ms on the benchmark cohort, pysam's own
    indexed fetch ~5.7 ms (it loads the index twice); the stale-index check has already read the
    chromosome's lines at the index's offsets, so htslib parses just those (with the header) from a
    temporary VCF: ~2.6 ms. Anything unusual (two names for chromosome 17, a malformed record, an
    InputError) returns None, and read_vcf streams the file, which reports it with its line number.
    """
    names = list(verified)
    if len(names) > 1 or (names and not _PLAIN_CONTIG.fullmatch(names[0])):
        return None
    lines = verified[names[0]] if names else []
    try:
        with verified_records(header, lines) as vf:
            collector = _start(shown, vf.header, reading)
            count = 0
            for count, rec in enumerate(vf, start=1):
                if count > len(lines):
                    return None
                collector.add(rec, None)
    except (InputError, *PYSAM_ERRORS):
        return None
    return _finish(shown, collector, indexed=True) if count == len(lines) else None


def _verify_index(p: Path, index: Path, chrom: str) -> tuple[bytes, dict[str, list[bytes]]] | str | None:
    """(header, verified lines of ``chrom``) when the index matches the file; why not, as text; None when
    the file's header is unusual (a BCF, no '#CHROM' line), so htslib's own streaming decides."""
    if "##idx##" in str(p):
        return None  # htslib would read an index name out of the file name
    try:
        header = _bgzf_header(p)
    except (OSError, EOFError, zlib.error):
        return None
    if header is None:
        return None
    verified = _verified_lines(p, index, len(header), chrom)
    return verified if isinstance(verified, str) else (header, verified)


def read_vcf(
    path: str | Path,
    *,
    build: str,
    region: Region,
    tumor_sample: str | None,
    transcripts: tuple[str, ...],
    watch: tuple[int, int] | None = None,
    use_index: bool = True,
) -> RawVariants:
    """Every record overlapping ``region`` (any FILTER), one RawAllele per ALT, plus the region
    chromosome's record count.

    ``build`` is the declared genome build (contig lengths, positions and ##reference are checked
    against it); ``transcripts`` are the unversioned IDs whose CSQ/ANN annotation is returned;
    records outside the region starting inside ``watch`` (start, end on the same chromosome) are
    returned with ``in_region`` False and their alleles only. ``use_index=False`` streams the file even
    when a usable index is present (line numbers are only known when streaming).
    """
    p = check_input(path)
    shown = str(path)
    reading = _Reading(build, region, tumor_sample, tuple(transcripts), watch)
    with _readable_copy(p) as (readable, bgzf), _quiet():
        index = _usable_index(p) if bgzf and use_index else None
        index_note = None
        if index is not None:
            verified = _verify_index(p, index, region[0])
            if isinstance(verified, tuple):
                source = _read_indexed(shown, *verified, reading)
                if source is not None:
                    return source
            elif isinstance(verified, str) and verified.startswith(("the index cannot be read", "not a tabix")):
                index_note = "the index next to the VCF could not be used; the file was streamed"
            elif isinstance(verified, str):
                index_note = f"the index next to the VCF does not match the file ({verified}); the file was streamed"
        if not bgzf and not _is_bcf(readable):
            _check_last_line(readable, shown)
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
            collector = _start(shown, vf.header, reading)
            if index_note is not None:
                collector.notes.append(index_note)
            _collect_streamed(vf, collector, shown, readable)
    return _finish(shown, collector, indexed=False)


def _record_alleles(
    shown: str,
    rec: pysam.VariantRecord,
    sample: str | None,
    fields: dict[str, list[str] | None],
    line: int | None,
    transcripts: tuple[str, ...],
) -> list[RawAllele]:
    """One RawAllele per ALT allele of a record (multi-allelic records are split)."""
    alleles = []
    try:
        alts = rec.alts or ()
        ref = rec.ref or ""
    except PYSAM_ERRORS as exc:
        raise InputError(shown, f"malformed alleles: {exc}", line=line, code="vcf_unreadable") from exc
    for index, alt in enumerate(alts):
        if alt in ("*", ".", "<*>", "<NON_REF>"):
            continue  # overlapping-deletion placeholder / gVCF reference block: not a variant of its own
        vaf, depth, alt_count, how = tumour_vaf(shown, rec, sample, index, line)
        given = annotation_for(rec, fields, index, transcripts)
        allele = RawAllele(
            rec.chrom,
            rec.pos,
            ref,
            alt,
            line,
            filters=_filters(rec),
            vaf=vaf,
            depth=depth,
            alt_count=alt_count,
            vaf_field=how if how != "none" else None,
            rsid=_rsid(rec),
            sv=structural_allele(rec, alt),
        )
        if given is not None:
            (allele.terms, allele.hgvs_c, allele.hgvs_p), allele.annotation_source = given
        alleles.append(allele)
    return alleles


# --------------------------------------------------------------------------- structural variants
# VCF 4.2 specification, section 5.3 "Encoding Structural Variants" (symbolic alleles <DEL>, <DUP>, <INV>,
# <INS>, <CNV> with subtypes such as <DEL:ME:ALU>, INFO END/SVLEN/SVTYPE) and section 5.4 "Specifying
# complex rearrangements with breakends" (ALT t[p[, t]p], ]p]t, [p[t with p = chrom:pos; single breakends
# "t." / ".t").

_MATE = re.compile(r"[\[\]](?P<chrom>[^\[\]:]+):(?P<pos>\d+)[\[\]]")
SV_TYPES = ("DEL", "DUP", "INV", "INS", "CNV", "BND")


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
