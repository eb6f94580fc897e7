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
- ``cn_too_large``: the file is past one of the per-file limits below
- ``cn_format_unknown`` / ``cn_sample_not_found`` / ``build_mismatch``: see ``read.py``

Error messages quote file content (a header, a field, a line) only once the file was recognised
as the expected format, and at most :data:`MAX_QUOTE` characters of it; a file that is not one
(a credentials file named as cn_file, say) is described, never quoted, since messages end up in
every report.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, NamedTuple, overload

from ..errors import InputError
from ..fileio import read_text
from ..genome import BUILDS, chrom_sizes, normalize_contig
from ..model import GeneRow, Segment, ValueKind

# Markers R, pandas and the callers write for "no value". They mean missing evidence, never 0.
MISSING_TOKENS = frozenset({"", "na", "n/a", "<na>", "null", "none", ".", "nd"})
# Written by numeric code for an undefined result; a corrupt value unless a format says otherwise.
NONFINITE_TOKENS = frozenset({"nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"})

# PURPLE and other fitted callers report continuous copy numbers that may dip slightly below 0
# inside homozygous deletions (e.g. -0.0117 in the hmftools test run). Within this tolerance
# the value is clamped to 0; anything more negative is a corrupt file.
NEGATIVE_CN_TOLERANCE = 0.5

# Per-file limits: what one copy-number file may make a process hold, so one file (a 1 MB gzip
# that inflates to 400 MB of rows) makes its patient INDETERMINATE (cn_too_large) instead of
# taking a 1 GB batch job down. A WGS CNVkit .cnr at 1 kb bins is ~3.0 million lines, ~180 MB of
# text, of which ~215,000 bins lie on chromosomes 12 and 17 (what a screen keeps).
MAX_TEXT_BYTES = 256 * 1024 * 1024  # text after decompression, held compactly (fileio.TextLines)
MAX_LINES = 8_000_000  # lines of that text (8 bytes of offset each)
# Rows, comment lines and samples a parse keeps in memory (~1 KB per row with its segment, so
# ~500 MB here; a full read of 980,000 bins peaked at 1 GB); rows the off-chromosome sieve takes out
# (other chromosomes) are checked and dropped, so they do not count.
MAX_ROWS_KEPT = 500_000
# Characters of file content an error message may quote.
MAX_QUOTE = 80


def read_cn_text(path: str | Path, code: str = "cn_missing") -> Sequence[str]:
    """The lines of a copy-number file, within :data:`MAX_TEXT_BYTES` and :data:`MAX_LINES`."""
    return read_text(path, code=code, max_bytes=MAX_TEXT_BYTES, max_lines=MAX_LINES, too_large_code="cn_too_large")


def too_large(path: str, what: str, limit: int, unit: str) -> InputError:
    """The InputError for a file past a per-file limit (code ``cn_too_large``)."""
    return InputError(
        path,
        f"file is too large to screen: more than {limit:,} {what} (the per-file limit)",
        expected=f"at most {limit:,} {unit}",
        found=f"more than {limit:,}",
        code="cn_too_large",
    )


def quote(text: str, limit: int = MAX_QUOTE) -> str:
    """At most ``limit`` characters of file content, for a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


# What \s matches below U+0080, newline aside (lines are joined by it, so it never counts).
_ASCII_WHITESPACE = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f "


def is_plain(lines: Iterable[str], delimiter: str) -> bool:
    """True when no line holds a quote or whitespace other than the delimiter (so no field needs
    stripping and no line is blank but for spaces). Looks at ~10,000 lines at a time, so a large
    file is never joined into one string."""
    if isinstance(lines, list) and len(lines) <= 10_000:
        return _is_plain_text("\n".join(lines), delimiter)  # the usual per-sample file: one pass
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= 10_000:
            if not _is_plain_text("\n".join(batch), delimiter):
                return False
            batch.clear()
    return _is_plain_text("\n".join(batch), delimiter)


def _is_plain_text(text: str, delimiter: str) -> bool:
    if '"' in text:
        return False
    if text.isascii():
        # A few substring searches run at memory speed; the regex below takes ~5 ns per character.
        return not any(c in text for c in _ASCII_WHITESPACE if c != delimiter)
    stray = _STRAY_WHITESPACE.get(delimiter, _ANY_WHITESPACE)
    return stray.search(text.replace("\n", delimiter)) is None


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
    header_text: str = ""  # the header line as written (a leading '#' can carry meaning, as in BED)

    @overload
    def col(self, *aliases: str, required: Literal[True] = True, what: str | None = None) -> int: ...

    @overload
    def col(self, *aliases: str, required: bool, what: str | None = None) -> int | None: ...

    def col(self, *aliases: str, required: bool = True, what: str | None = None) -> int | None:
        """Index of the first column whose normalised name is one of ``aliases`` (required: else InputError)."""
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
    sieve: OffChromosomes | None = None,
) -> Table:
    """Find the header accepted by ``header_ok`` and collect the data rows after it.

    Lines before the header (comments, tool banners, an R warning) are kept in ``preamble``.
    After the header, blank lines are ignored and lines starting with '#' are comments;
    every other line must have as many fields as the header (or one more, when R wrote
    row names), otherwise InputError names the line.

    ``sieve`` (see :class:`OffChromosomes`) may take data lines out before they become rows; it
    only sees a plain body (no quotes, no stray whitespace), where a split is exact.
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
        # Not the declared format: say so without quoting the content (it may be anything).
        raise InputError(
            path,
            f"no {fmt} header line found in the first {max_scan} lines",
            expected=expected,
            found=f"{scanned} non-blank line(s), none with these columns" if scanned else "(no text lines)",
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
        header_text=lines[header_idx],
    )
    table.preamble = [(i + 1, t) for i, t in enumerate(lines[:header_idx]) if t.strip()]
    ncol = len(columns)
    shift: bool | None = None  # R write.table(row.names=TRUE): data rows have one extra leading field
    body = lines[header_idx + 1 :]
    first = header_idx + 2  # line number of body[0]
    # The first data row decides `shift`; the sieve may take it out, so note which line it is.
    first_data = next((n for n, t in enumerate(body, first) if t.strip() and t[0] != "#"), None)
    # One look at the whole body decides whether any line needs quote or whitespace handling;
    # when none does (the usual machine-written file), a plain split per line is enough.
    plain = delimiter is not None and is_plain(body, delimiter)
    numbered: Iterable[tuple[int, str]] = enumerate(body, first)
    if sieve is not None and plain:
        numbered = sieve.sift(table, numbered) or numbered
    kept, limit = 0, MAX_ROWS_KEPT  # looked up per call, so tests can lower it
    for line_no, text in numbered:
        if not text.strip():  # blank, or only delimiters (spreadsheet exports end with such lines)
            continue
        kept += 1
        if kept > limit:
            raise too_large(path, "rows and comment lines to keep", limit, "rows kept")
        if text[0] == "#":
            table.comments.append((line_no, text))
            continue
        fields = text.split(delimiter) if plain else split_fields(text, delimiter)
        if shift is None:
            shift = line_no == first_data and len(fields) == ncol + 1 and columns[0] != ""
        if shift and len(fields) == ncol + 1:
            fields = fields[1:]
        if len(fields) != ncol:
            raise InputError(
                path,
                "row has a different number of fields than the header",
                line=line_no,
                expected=f"{ncol} fields like the header on line {header_idx + 1}",
                found=f"{len(fields)} fields: {text[:120]}",
                code="cn_unreadable",
            )
        table.rows.append(Row(line_no, fields))
    taken_out = sieve.count if sieve is not None else 0
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
        raise InputError(
            path,
            "value is missing",
            line=row.line,
            field=column,
            expected="a number",
            found=raw,
            code="cn_value_invalid",
        )
    if low in NONFINITE_TOKENS:
        if nonfinite_is_missing:
            return None
        raise InputError(
            path,
            "value is not a finite number",
            line=row.line,
            field=column,
            expected="a finite number",
            found=raw,
            code="cn_value_invalid",
        )
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            path,
            "value is not a number",
            line=row.line,
            field=column,
            expected="a number",
            found=raw,
            code="cn_value_invalid",
        ) from None
    if not math.isfinite(value):  # e.g. "1e999"
        raise InputError(
            path,
            "value is not a finite number",
            line=row.line,
            field=column,
            expected="a finite number",
            found=raw,
            code="cn_value_invalid",
        )
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
            raise InputError(
                path,
                f"{what} is not a whole number",
                line=row.line,
                field=column,
                expected=f"an integer {what}",
                found=raw,
                code="cn_unreadable",
            ) from None
        value = int(f)
    if value < 0:
        raise InputError(
            path,
            f"{what} is negative",
            line=row.line,
            field=column,
            expected=f"a {what} >= 0",
            found=raw,
            code="cn_unreadable",
        )
    return value


def check_copy_number(table: Table | str, row: Row, index: int, value: float | None, notes: list[str]) -> float | None:
    """Validate an absolute copy number: small negatives clamp to 0, larger ones are corrupt."""
    if value is None or value >= 0:
        return value
    path, column = _where(table, index)
    if value >= -NEGATIVE_CN_TOLERANCE:
        notes.append(f"line {row.line}: copy number {value:g} in '{column}' clamped to 0 (fitted value below 0)")
        return 0.0
    raise InputError(
        path,
        "copy number is negative",
        line=row.line,
        field=column,
        expected=f"a copy number >= 0 (>= -{NEGATIVE_CN_TOLERANCE} is clamped)",
        found=value,
        code="cn_value_invalid",
    )


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
        raise InputError(
            table.path,
            "chromosome is missing",
            line=row.line,
            field=table.field_name(chrom_i),
            expected="a chromosome name",
            found=row.fields[chrom_i],
            code="cn_unreadable",
        )
    start = parse_int(table, row, start_i, what="start")
    end = parse_int(table, row, end_i, what="end")
    if zero_based:
        start += 1  # BED-style half-open [start, end) -> 1-based inclusive [start+1, end]
    if start < 1:
        raise InputError(
            table.path,
            "start is 0 in a 1-based file",
            line=row.line,
            field=table.field_name(start_i),
            expected="start >= 1",
            found=row.fields[start_i],
            code="cn_unreadable",
        )
    if end < start:
        raise InputError(
            table.path,
            "segment ends before it starts",
            line=row.line,
            field=table.field_name(end_i),
            expected=f"end >= start ({start})",
            found=row.fields[end_i],
            code="cn_unreadable",
        )
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


# --------------------------------------------------------------------------- off-chromosome sieve


def note_end(max_end: dict[str, tuple[int, int | None]], chrom: str, end: int, line: int | None) -> None:
    """Keep the furthest end seen on ``chrom`` and its line (the first of equal ends) for the build check."""
    best = max_end.get(chrom)
    if best is None or end > best[0]:
        max_end[chrom] = (end, line)


class Layout(NamedTuple):
    """A format's coordinate convention: where its coordinates are (column indices), how it counts them."""

    chrom: int
    start: int
    end: int
    zero_based: bool
    sample: int | None = None  # column naming the sample, in multi-sample files


@lru_cache(maxsize=1)
def _primary_contigs() -> frozenset[str]:
    return frozenset(c for build in BUILDS for c in chrom_sizes(build))


class _SetAsideContig(dict):
    """Raw chromosome field -> its contig when a row there may be set aside, else None.

    Only primary chromosomes (1-22, X, Y, MT) outside ``keep`` qualify; missing markers, the
    kept chromosomes and any other contig name go to the parser, which reads them in full.
    One lookup per distinct spelling, then a plain dict hit per line.
    """

    def __init__(self, keep: frozenset[str]) -> None:
        super().__init__()
        self.keep = keep

    def __missing__(self, raw: str) -> str | None:
        chrom = contig_or_none(raw)
        verdict = chrom if chrom is not None and chrom not in self.keep and chrom in _primary_contigs() else None
        self[raw] = verdict
        return verdict


class OffChromosomes:
    """The off-chromosome sieve: plain data lines on chromosomes no screened gene lies on are
    checked and taken out before they become rows (``read_copy_number(keep_chromosomes=...)``).

    Measured on the 1,000-sample benchmark cohort (CNVkit .cns/.cnr, PURPLE), it makes reading the
    copy-number files ~4x faster, as a .cnr holds tens of thousands of bins and a screen needs two
    chromosomes. A line taken out is checked only as far as the file checks need: field count,
    integer coordinates in the format's convention (:class:`Layout`), end >= start; its end feeds
    the genome-build check and it counts as a row of its sample. Its value is not parsed.

    Anything unusual (quotes or stray whitespace in the body, an odd field count, non-integer or
    reversed coordinates, a contig that is not a primary chromosome, a kept chromosome, a format
    whose layout is None for this file) is declined: the line goes to the one real parser.
    ``read.py`` then sets aside the segments the parser built off the kept chromosomes.
    """

    def __init__(self, keep: frozenset[str], layout: Callable[[Table], Layout | None]) -> None:
        self.keep = keep
        self._layout = layout
        self.count = 0
        self.max_end: dict[str, tuple[int, int | None]] = {}
        self.samples: dict[str, int] = {}  # sample -> lines taken out, in order of first appearance
        self._contigs = _SetAsideContig(keep)

    def sift(self, table: Table, numbered: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]] | None:
        """The (line number, text) pairs of ``numbered`` left to the parser, taking the others out;
        None when the format's layout declines this file. The lines must be plain (see :func:`is_plain`)."""
        layout = self._layout(table)
        if layout is None or table.delimiter is None:
            return None
        return self._sift(layout, table.delimiter, len(table.columns) - 1, numbered, table.path)

    def _sift(
        self, layout: Layout, delimiter: str, n_delimiters: int, numbered: Iterable[tuple[int, str]], path: str
    ) -> Iterator[tuple[int, str]]:
        # One tight loop over all lines: less than half the time of a callback per line. Blank lines,
        # comments and lines of only delimiters fail the checks below and are passed on as they are.
        ci, si, ei, zero_based, sample_i = layout
        # Only split off the columns needed; the field count is checked by counting delimiters.
        maxsplit = max(ci, si, ei, -1 if sample_i is None else sample_i) + 1
        # make_segment's rule: 1-based start >= 1 and end >= start; for a 0-based start, +1 first.
        lowest, span = (0, 1) if zero_based else (1, 0)
        contigs, max_end, samples = self._contigs, self.max_end, self.samples
        taken = 0
        # Furthest end of the current run of lines on one chromosome (files are grouped by chromosome).
        run_chrom: str | None = None
        run_end: int = 0
        run_line: int | None = 0
        sample = ""
        for line_no, text in numbered:
            if text.count(delimiter) == n_delimiters and text[0] != "#":
                fields = text.split(delimiter, maxsplit)
                if sample_i is not None:
                    # Every sample is noted when first seen, even on a line left to the parser, so
                    # the file's sample order stays what a full read gives. An empty name is left to
                    # the parser, which reports it (or skips a line of only delimiters).
                    sample = fields[sample_i]
                    if sample not in samples and sample:
                        if len(samples) >= MAX_ROWS_KEPT:
                            raise too_large(path, "samples", MAX_ROWS_KEPT, "samples")
                        samples[sample] = 0
                chrom = contigs[fields[ci]]
                if chrom is not None and (sample_i is None or sample):
                    try:
                        start, end = int(fields[si]), int(fields[ei])
                    except ValueError:  # e.g. R's "1e+05": the parser reads it
                        pass
                    else:
                        if start >= lowest and end - start >= span:
                            if chrom != run_chrom:
                                if run_chrom is not None:
                                    max_end[run_chrom] = (run_end, run_line)
                                run_chrom = chrom
                                run_end, run_line = max_end.get(chrom, (0, 0))
                            if end > run_end:
                                run_end, run_line = end, line_no
                            if sample_i is not None:
                                samples[sample] += 1
                            taken += 1
                            continue
            yield line_no, text
        if run_chrom is not None:
            max_end[run_chrom] = (run_end, run_line)
        self.count += taken
        if taken and sample_i is None:
            samples[""] = samples.get("", 0) + taken


def parse_count(table: Table, row: Row, index: int | None) -> int | None:
    """Optional probe/bin count; missing -> None, negative/non-integer -> InputError."""
    if index is None:
        return None
    value = parse_float(table, row, index)
    if value is None:
        return None
    if value < 0 or not float(value).is_integer():
        raise InputError(
            table.path,
            "count is not a whole number >= 0",
            line=row.line,
            field=table.field_name(index),
            expected="an integer count",
            found=row.fields[index],
            code="cn_value_invalid",
        )
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
    # Rows per sample set aside off the screened genes' chromosomes (read.py, keep_chromosomes).
    set_aside: dict[str, int] = field(default_factory=dict)
    # None: every sample's segments are held. Otherwise only these samples' are (a slice of a
    # shared-file extract, sharedfiles.py); every name is still a key of ``samples``.
    loaded_samples: frozenset[str] | None = None

    def finish(self) -> ParsedFile:
        """Sort segments and index the furthest coordinate per chromosome (for build checks)."""
        for key, segs in self.samples.items():
            segs.sort(key=lambda s: (chrom_order(s.chrom), s.start, s.end))
            for s in segs:
                note_end(self.max_end, s.chrom, s.end, s.line)
            self.samples[key] = segs
        for row in (self.gene_rows or {}).values():
            note_end(self.max_end, row.chrom, row.end, row.line)
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


def purity_ploidy_from_comments(path: str, comments: Iterable[tuple[int, str]]) -> tuple[float | None, float | None]:
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
        raise InputError(
            path,
            f"{key} in the file header is not a number",
            line=line_no,
            field=key,
            expected="a number",
            found=text,
            code="cn_value_invalid",
        ) from None
    return validate_purity_ploidy(path, line_no, key, v)


def validate_purity_ploidy(path: str, line_no: int | None, key: str, v: float) -> float:
    if key == "purity" and not (0 < v <= 1):
        raise InputError(
            path,
            "purity stated by the file is out of range",
            line=line_no,
            field=key,
            expected="0 < purity <= 1",
            found=v,
            code="cn_value_invalid",
        )
    if key == "ploidy" and not (0 < v < 20):
        raise InputError(
            path,
            "ploidy stated by the file is out of range",
            line=line_no,
            field=key,
            expected="0 < ploidy < 20",
            found=v,
            code="cn_value_invalid",
        )
    return v
