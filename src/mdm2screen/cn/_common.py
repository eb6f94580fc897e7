"""Shared parsing machinery for the copy-number readers.

Every tabular reader goes through :func:`read_table`, which finds the header line by the
columns a format needs (so junk lines before it, such as an R warning, are skipped and
recorded), splits fields with quote handling, detects the delimiter (tab, comma or
whitespace), copes with R's ``row.names=TRUE`` shifted headers, and keeps 1-based line
numbers for every data row. Numbers are parsed by :func:`parse_float` / :func:`parse_int`,
which turn R/pandas missing markers (``NA``, empty ...) into ``None`` and raise
:class:`~mdm2screen.errors.InputError` naming the file, line and column for anything else
that is not a finite number: a corrupt value must never become a call.

Error codes used by the readers:

- ``cn_unreadable``: structure is wrong (missing columns, wrong field count, bad coordinates)
- ``cn_value_invalid``: a value is not a finite number, or an impossible one (negative CN)
- ``cn_no_segments``: the file has a header but no usable data rows
- ``cn_format_unknown`` / ``cn_sample_not_found`` / ``build_mismatch``: see ``read.py``
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import InputError
from ..genome import normalize_contig
from ..model import GeneRow, Segment, ValueKind

# Markers R, pandas and the callers write for "no value". They mean missing evidence, never 0.
MISSING_TOKENS = frozenset({"", "na", "n/a", "<na>", "null", "none", ".", "nd"})
# Written by numeric code for an undefined result; a corrupt value unless a format says otherwise.
NONFINITE_TOKENS = frozenset({"nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"})

# PURPLE and other fitted callers report continuous copy numbers that may dip slightly below 0
# inside homozygous deletions (e.g. -0.0117 in the hmftools test run). Within this tolerance
# the value is clamped to 0; anything more negative is a corrupt file.
NEGATIVE_CN_TOLERANCE = 0.5

# Aliases (normalised: lower case, no quotes, no leading '#') for common columns.
CHROM_KEYS = ("chromosome", "chrom", "chr", "contig", "seqnames", "chromosome_name")
START_KEYS = ("start", "loc.start", "startpos", "start.pos", "start_pos", "chromstart", "chrom_start", "start0")
END_KEYS = ("end", "loc.end", "endpos", "end.pos", "end_pos", "chromend", "chrom_end", "stop")
SAMPLE_KEYS = (
    "id",
    "sample",
    "samplename",
    "sample_name",
    "sample_id",
    "sampleid",
    "sample.id",
    "tumor_sample_barcode",
    "barcode",
)


def norm_key(name: str) -> str:
    """Normalise a column name for matching: trim, drop quotes and a leading '#', lower case."""
    return name.strip().strip('"').strip("'").lstrip("#").strip().lower()


def guess_delimiter(line: str) -> str | None:
    """Tab if the line has one, else comma if present, else None (any whitespace)."""
    if "\t" in line:
        return "\t"
    if "," in line:
        return ","
    return None


_ANY_WHITESPACE = re.compile(r"\s")
_STRAY_WHITESPACE = {"\t": re.compile(r"[^\S\t]")}


def split_fields(line: str, delimiter: str | None) -> list[str]:
    """Split one line, honouring double-quoted fields; values are stripped of spaces and quotes."""
    if delimiter is None:
        return [f.strip('"') for f in line.split()]
    if '"' not in line:
        fields = line.split(delimiter)
        # Most lines carry no whitespace besides the delimiter; stripping each field of a
        # 50,000-bin file is then wasted work.
        if _STRAY_WHITESPACE.get(delimiter, _ANY_WHITESPACE).search(line) is None:
            return fields
        return [f.strip() for f in fields]
    try:
        fields = next(csv.reader([line], delimiter=delimiter, quotechar='"', skipinitialspace=True))
    except (csv.Error, StopIteration):  # pragma: no cover - csv on one str line rarely fails
        fields = line.split(delimiter)
    return [f.strip().strip('"') for f in fields]


def _is_plain(lines: Sequence[str], delimiter: str) -> bool:
    """True when no line holds a quote or whitespace other than the delimiter (so no field needs
    stripping and no line is blank but for spaces)."""
    text = "\n".join(lines)
    stray = _STRAY_WHITESPACE.get(delimiter, _ANY_WHITESPACE)
    return '"' not in text and stray.search(text.replace("\n", delimiter)) is None


@dataclass(slots=True)
class Row:
    line: int  # 1-based line number in the file
    fields: list[str]


@dataclass
class Table:
    """A delimited table found inside a text file."""

    path: str
    fmt: str
    columns: list[str]  # header names as written (quotes stripped)
    keys: list[str]  # normalised names
    header_line: int | None  # 1-based; None for a headerless table
    delimiter: str | None
    rows: list[Row]
    preamble: list[tuple[int, str]] = field(default_factory=list)  # lines before the header
    comments: list[tuple[int, str]] = field(default_factory=list)  # '#' lines after the header

    def col(self, *aliases: str, required: bool = True, what: str | None = None) -> int | None:
        """Index of the first column whose normalised name is one of ``aliases``."""
        for alias in aliases:
            if alias in self.keys:
                return self.keys.index(alias)
        if required:
            raise InputError(
                self.path,
                f"{self.fmt} file has no {what or aliases[0]} column",
                line=self.header_line,
                expected=" or ".join(aliases),
                found=", ".join(self.columns),
                code="cn_unreadable",
            )
        return None

    def field_name(self, index: int) -> str:
        return self.columns[index] if index < len(self.columns) else f"column {index + 1}"


def has_any(keys: Iterable[str], aliases: Sequence[str]) -> bool:
    ks = set(keys)
    return any(a in ks for a in aliases)


def first_data_lines(lines: Sequence[str], limit: int = 400) -> list[tuple[int, str]]:
    """(line number, text) of the first non-blank lines, for detection."""
    out = []
    for i, text in enumerate(lines):
        if text.strip():
            out.append((i + 1, text))
            if len(out) >= limit:
                break
    return out


def read_table(
    path: str,
    lines: Sequence[str],
    fmt: str,
    header_ok: Callable[[list[str]], bool],
    expected: str,
    *,
    skip_prefixes: tuple[str, ...] = ("##", "@"),
    max_scan: int = 400,
    skip_line: Callable[[Table, int, str], bool] | None = None,
) -> Table:
    """Find the header accepted by ``header_ok`` and collect the data rows after it.

    Lines before the header (comments, tool banners, an R warning) are kept in ``preamble``.
    After the header, blank lines are ignored and lines starting with '#' are comments;
    every other line must have as many fields as the header (or one more, when R wrote
    row names), otherwise InputError names the line.

    ``skip_line(table, line_number, text)`` may take a data line out before it is split into a
    row (it returns True); it is only asked on the plain path (no quotes, no stray whitespace).
    """
    header_idx = None
    delimiter: str | None = None
    columns: list[str] = []
    scanned = 0
    for idx, text in enumerate(lines):
        if not text.strip():
            continue
        scanned += 1
        if scanned > max_scan:
            break
        if text.startswith(skip_prefixes):
            continue
        delim = guess_delimiter(text)
        cols = split_fields(text, delim)
        if len(cols) >= 3 and header_ok([norm_key(c) for c in cols]):
            header_idx, delimiter, columns = idx, delim, cols
            break
    if header_idx is None:
        seen = next((t for _, t in first_data_lines(lines, 50) if not t.startswith(skip_prefixes)), "")
        raise InputError(
            path,
            f"no {fmt} header line found in the first {max_scan} lines",
            expected=expected,
            found=seen[:200] or "(no text lines)",
            code="cn_unreadable",
        )
    table = Table(
        path=path,
        fmt=fmt,
        columns=[c.strip().strip('"').lstrip("#").strip() if i == 0 else c for i, c in enumerate(columns)],
        keys=[norm_key(c) for c in columns],
        header_line=header_idx + 1,
        delimiter=delimiter,
        rows=[],
    )
    table.preamble = [(i + 1, t) for i, t in enumerate(lines[:header_idx]) if t.strip()]
    ncol = len(columns)
    shift: bool | None = None  # R write.table(row.names=TRUE): data rows have one extra leading field
    body = lines[header_idx + 1:]
    # One look at the whole body decides whether any line needs quote or whitespace handling;
    # when none does (the usual machine-written file), a plain split per line is enough.
    plain = delimiter is not None and _is_plain(body, delimiter)
    taken_out = 0
    for idx, text in enumerate(body, start=header_idx + 1):
        if not text.strip():  # blank, or only delimiters (spreadsheet exports end with such lines)
            continue
        if text[0] == "#":
            table.comments.append((idx + 1, text))
            continue
        if skip_line is not None and plain and skip_line(table, idx + 1, text):
            taken_out += 1
            continue
        fields = text.split(delimiter) if plain else split_fields(text, delimiter)
        if shift is None:
            shift = len(fields) == ncol + 1 and columns[0] != ""
        if shift and len(fields) == ncol + 1:
            fields = fields[1:]
        if len(fields) != ncol:
            raise InputError(
                path,
                "row has a different number of fields than the header",
                line=idx + 1,
                expected=f"{ncol} fields like the header on line {header_idx + 1}",
                found=f"{len(fields)} fields: {text[:120]}",
                code="cn_unreadable",
            )
        table.rows.append(Row(idx + 1, fields))
    if not table.rows and not taken_out:
        raise InputError(
            path,
            f"{fmt} file has a header but no data rows",
            line=header_idx + 1,
            expected="at least one segment row after the header",
            found="end of file",
            code="cn_no_segments",
        )
    return table


# --------------------------------------------------------------------------- values


def parse_float(
    table: Table | str,
    row: Row,
    index: int,
    *,
    allow_missing: bool = True,
    nonfinite_is_missing: bool = False,
) -> float | None:
    """Parse a finite float from a field; missing markers give None (if allowed).

    NaN/Inf raise InputError unless ``nonfinite_is_missing`` (a format that documents NaN
    as "no estimate", e.g. GATK's modelFinal.seg for segments without copy-ratio points).
    """
    raw = row.fields[index] if index < len(row.fields) else ""
    # Fast path for the common case (a plain finite number): files hold ~10^5 values.
    try:
        value = float(raw)
    except ValueError:
        pass
    else:
        if math.isfinite(value):
            return value
    path, column = _where(table, index)
    text = raw.strip().strip('"')
    low = text.lower()
    if low in MISSING_TOKENS:
        if allow_missing:
            return None
        raise InputError(path, "value is missing", line=row.line, field=column, expected="a number",
                         found=raw, code="cn_value_invalid")
    if low in NONFINITE_TOKENS:
        if nonfinite_is_missing:
            return None
        raise InputError(path, "value is not a finite number", line=row.line, field=column,
                         expected="a finite number", found=raw, code="cn_value_invalid")
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, "value is not a number", line=row.line, field=column, expected="a number",
                         found=raw, code="cn_value_invalid") from None
    if not math.isfinite(value):  # e.g. "1e999"
        raise InputError(path, "value is not a finite number", line=row.line, field=column,
                         expected="a finite number", found=raw, code="cn_value_invalid")
    return value


def parse_int(table: Table | str, row: Row, index: int, *, what: str = "position") -> int:
    """Parse a non-negative integer coordinate; R's ``1e+05`` and ``100.0`` are accepted."""
    raw = row.fields[index] if index < len(row.fields) else ""
    try:  # fast path: int() itself ignores surrounding whitespace
        value = int(raw)
        if value >= 0:
            return value
    except ValueError:
        pass
    text = raw.strip().strip('"')
    path, column = _where(table, index)  # only on the slow path: building it costs per call
    try:
        value = int(text)
    except ValueError:
        try:
            f = float(text)
        except ValueError:
            f = math.nan
        if not math.isfinite(f) or not f.is_integer():
            raise InputError(path, f"{what} is not a whole number", line=row.line, field=column,
                             expected=f"an integer {what}", found=raw, code="cn_unreadable") from None
        value = int(f)
    if value < 0:
        raise InputError(path, f"{what} is negative", line=row.line, field=column,
                         expected=f"a {what} >= 0", found=raw, code="cn_unreadable")
    return value


def check_copy_number(table: Table | str, row: Row, index: int, value: float | None, notes: list[str]) -> float | None:
    """Validate an absolute copy number: small negatives clamp to 0, larger ones are corrupt."""
    if value is None or value >= 0:
        return value
    path, column = _where(table, index)
    if value >= -NEGATIVE_CN_TOLERANCE:
        notes.append(f"line {row.line}: copy number {value:g} in '{column}' clamped to 0 (fitted value below 0)")
        return 0.0
    raise InputError(path, "copy number is negative", line=row.line, field=column,
                     expected=f"a copy number >= 0 (>= -{NEGATIVE_CN_TOLERANCE} is clamped)", found=value,
                     code="cn_value_invalid")


def _where(table: Table | str, index: int) -> tuple[str, str]:
    if isinstance(table, Table):
        return table.path, table.field_name(index)
    return table, f"column {index + 1}"


def make_segment(
    table: Table,
    row: Row,
    chrom_i: int,
    start_i: int,
    end_i: int,
    *,
    zero_based: bool,
    value: float,
    kind: ValueKind,
    copy_number: float | None = None,
    n_probes: int | None = None,
    major: float | None = None,
    minor: float | None = None,
) -> Segment:
    """Build a 1-based inclusive Segment from one row, validating the coordinates."""
    chrom = contig_or_none(row.fields[chrom_i])
    if chrom is None:
        raise InputError(table.path, "chromosome is missing", line=row.line, field=table.field_name(chrom_i),
                         expected="a chromosome name", found=row.fields[chrom_i], code="cn_unreadable")
    start = parse_int(table, row, start_i, what="start")
    end = parse_int(table, row, end_i, what="end")
    if zero_based:
        start += 1  # BED-style half-open [start, end) -> 1-based inclusive [start+1, end]
    if start < 1:
        raise InputError(table.path, "start is 0 in a 1-based file", line=row.line, field=table.field_name(start_i),
                         expected="start >= 1", found=row.fields[start_i], code="cn_unreadable")
    if end < start:
        raise InputError(table.path, "segment ends before it starts", line=row.line, field=table.field_name(end_i),
                         expected=f"end >= start ({start})", found=row.fields[end_i], code="cn_unreadable")
    return Segment(
        chrom=chrom,
        start=start,
        end=end,
        value=value,
        value_kind=kind,
        copy_number=copy_number,
        n_probes=n_probes,
        major_cn=major,
        minor_cn=minor,
        line=row.line,
    )


@lru_cache(maxsize=4096)
def contig_or_none(raw: str) -> str | None:
    """Normalised contig name of a chromosome field, or None when the field is a missing marker."""
    text = raw.strip().strip('"')
    if not text or text.lower() in MISSING_TOKENS:
        return None
    return normalize_contig(text)


def parse_count(table: Table, row: Row, index: int | None) -> int | None:
    """Optional probe/bin count; missing -> None, negative/non-integer -> InputError."""
    if index is None:
        return None
    value = parse_float(table, row, index)
    if value is None:
        return None
    if value < 0 or not float(value).is_integer():
        raise InputError(table.path, "count is not a whole number >= 0", line=row.line, field=table.field_name(index),
                         expected="an integer count", found=row.fields[index], code="cn_value_invalid")
    return int(value)


# --------------------------------------------------------------------------- parsed file


@dataclass
class ParsedFile:
    """Everything parsed from one copy-number file, for all samples it holds."""

    path: str
    fmt: str
    samples: dict[str, list[Segment]]  # key "" when the file names no sample
    names_samples: bool  # True when sample names come from the file itself
    purity: float | None = None
    ploidy: float | None = None
    contig_lengths: dict[str, int] | None = None
    gene_rows: dict[str, GeneRow] | None = None
    is_bin_level: bool = False
    notes: list[str] = field(default_factory=list)
    max_end: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # chrom -> (end, line)

    def finish(self) -> ParsedFile:
        """Sort segments and index the furthest coordinate per chromosome (for build checks)."""
        for key, segs in self.samples.items():
            segs.sort(key=lambda s: (chrom_order(s.chrom), s.start, s.end))
            for s in segs:
                best = self.max_end.get(s.chrom)
                if best is None or s.end > best[0]:
                    self.max_end[s.chrom] = (s.end, s.line)
            self.samples[key] = segs
        for row in (self.gene_rows or {}).values():
            best = self.max_end.get(row.chrom)
            if best is None or row.end > best[0]:
                self.max_end[row.chrom] = (row.end, row.line)
        return self


@lru_cache(maxsize=4096)
def chrom_order(chrom: str) -> tuple[int, int, str]:
    """Sort key: 1..22, X, Y, MT, then anything else alphabetically."""
    if chrom.isdigit():
        return (0, int(chrom), "")
    special = {"X": 23, "Y": 24, "MT": 25}
    if chrom in special:
        return (0, special[chrom], "")
    return (1, 0, chrom)


def skipped_note(count: int, what: str) -> str | None:
    if count == 0:
        return None
    return f"{count} row(s) skipped because {what} (treated as not measured, never as a value)"


_PURITY_LINE = re.compile(r"^[#\s]*(purity|cellularity|ploidy)\s*[:=\t ]\s*(\S+)\s*$", re.IGNORECASE)


def purity_ploidy_from_comments(
    path: str, comments: Iterable[tuple[int, str]]
) -> tuple[float | None, float | None]:
    """Read ``# purity = 0.62`` / ``#ploidy: 3.1`` style comment lines (FACETS, Sequenza wrappers).

    Only a line that is exactly "name, separator, one value" counts, so prose comments that
    merely mention purity are ignored; a value in that position that is not a number is an error.
    """
    found: dict[str, float | None] = {"purity": None, "ploidy": None}
    for line_no, text in comments:
        m = _PURITY_LINE.match(text)
        if not m:
            continue
        key = "ploidy" if m.group(1).lower() == "ploidy" else "purity"
        found[key] = _header_number(path, line_no, key, m.group(2))
    return found["purity"], found["ploidy"]


def _header_number(path: str, line_no: int, key: str, text: str) -> float | None:
    t = text.strip().strip('"')
    if t.lower() in MISSING_TOKENS:
        return None
    try:
        v = float(t)
    except ValueError:
        raise InputError(path, f"{key} in the file header is not a number", line=line_no, field=key,
                         expected="a number", found=text, code="cn_value_invalid") from None
    return validate_purity_ploidy(path, line_no, key, v)


def validate_purity_ploidy(path: str, line_no: int | None, key: str, v: float) -> float:
    if key == "purity" and not (0 < v <= 1):
        raise InputError(path, "purity stated by the file is out of range", line=line_no, field=key,
                         expected="0 < purity <= 1", found=v, code="cn_value_invalid")
    if key == "ploidy" and not (0 < v < 20):
        raise InputError(path, "ploidy stated by the file is out of range", line=line_no, field=key,
                         expected="0 < ploidy < 20", found=v, code="cn_value_invalid")
    return v
