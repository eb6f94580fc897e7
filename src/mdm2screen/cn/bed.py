"""Plain BED-like copy-number tables: chromosome, start, end, absolute copy number.

Coordinate rule (documented for the sample sheet's ``cn_format: bed``):

- **no header** -> a BED file (UCSC BED spec: ``chromStart`` is 0-based, ``chromEnd`` exclusive):
  start + 1. The 4th column is the copy number.
- a header starting with ``#chrom`` (the UCSC/bedtools header convention), or naming a 0-based
  start (``chromStart``, ``start0``, or a column name containing ``0based``/``0-based``)
  -> 0-based start, + 1.
- any other header (``chrom start end copy_number``) -> **1-based inclusive** as written.

The copy-number column is the first of ``copy_number``, ``copynumber``, ``cn``, ``total_cn``,
``tcn``, ``copy.number`` (any case); without a header it is column 4. Values are absolute total
copy numbers (not ratios).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from ..errors import InputError
from . import _common
from ._common import (
    CHROM_KEYS,
    END_KEYS,
    START_KEYS,
    Layout,
    OffChromosomes,
    ParsedFile,
    Row,
    Table,
    check_copy_number,
    guess_delimiter,
    has_any,
    is_plain,
    make_segment,
    parse_float,
    read_table,
    skipped_note,
    split_fields,
    too_large,
)

FORMATS = ("bed",)
CN_KEYS = ("copy_number", "copynumber", "cn", "total_cn", "totalcn", "tcn", "copy.number", "total_copy_number")
_INT = re.compile(r"^\d+$")
_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def detect(keys: list[str]) -> str | None:
    if has_any(keys, CHROM_KEYS) and has_any(keys, START_KEYS) and has_any(keys, END_KEYS) and has_any(keys, CN_KEYS):
        return "bed"
    return None


def looks_headerless(text: str) -> bool:
    """A first data line like ``chr12<TAB>69201955<TAB>69239214<TAB>24``."""
    fields = split_fields(text, guess_delimiter(text))
    return (
        len(fields) >= 4
        and bool(fields[0])
        and not fields[0].startswith("#")
        and bool(_INT.match(fields[1]))
        and bool(_INT.match(fields[2]))
        and bool(_NUM.match(fields[3]))
    )


def _zero_based_header(raw_first: str, keys: list[str]) -> bool:
    if raw_first.lstrip().startswith("#"):
        return True
    return any(k in ("chromstart", "start0") or "0based" in k or "0-based" in k for k in keys)


def coordinates(table: Table) -> Layout:
    """The coordinate convention of this file (see the module docstring)."""
    if table.header_line is None:
        return Layout(0, 1, 2, zero_based=True)
    return Layout(
        table.col(*CHROM_KEYS),
        table.col(*START_KEYS),
        table.col(*END_KEYS),
        zero_based=_zero_based_header(table.header_text, table.keys),
    )


def parse(path: str, lines: Sequence[str], fmt: str, sieve: OffChromosomes | None = None) -> ParsedFile:
    """``sieve``: see ``_common.OffChromosomes`` (``read_copy_number(keep_chromosomes=...)``)."""
    notes: list[str] = []
    first = next((t for t in lines if t.strip() and not t.startswith(("##", "track", "browser"))), None)
    if first is not None and looks_headerless(first):
        table = _headerless(path, lines, sieve)
        vi = 3
        notes.append("no header: BED convention, 0-based start; copy number from column 4")
    else:
        table = read_table(
            path,
            lines,
            fmt,
            detect_ok,
            "BED-like columns 'chrom start end copy_number'",
            skip_prefixes=("##", "track", "browser"),
            sieve=sieve,
        )
        vi = table.col(*CN_KEYS, what="copy number")
    ci, si, ei, zero_based = coordinates(table)[:4]
    if table.header_line is not None:
        notes.append(
            "header names a 0-based start: start + 1"
            if zero_based
            else "header without a 0-based marker: coordinates read as 1-based inclusive"
        )
    segments = []
    skipped = 0
    for row in table.rows:
        cn = check_copy_number(table, row, vi, parse_float(table, row, vi), notes)
        if cn is None:
            skipped += 1
            continue
        seg = make_segment(table, row, ci, si, ei, zero_based=zero_based, value=cn, kind="copy_number", copy_number=cn)
        segments.append(seg)
    if note := skipped_note(skipped, "the copy number is missing"):
        notes.append(note)
    return ParsedFile(path, fmt, {"": segments}, names_samples=False, notes=notes).finish()


def detect_ok(keys: list[str]) -> bool:
    return detect(keys) is not None


def _headerless(path: str, lines: Sequence[str], sieve: OffChromosomes | None = None) -> Table:
    def body() -> Iterator[tuple[int, str]]:  # a generator: a large file is never copied into a list
        return (
            (idx + 1, text)
            for idx, text in enumerate(lines)
            if text.strip() and not text.startswith(("#", "track", "browser"))
        )

    first = next(body(), None)
    delimiter = guess_delimiter(first[1]) if first else None
    ncol = len(split_fields(first[1], delimiter)) if first else 4
    cols = ["chrom", "chromStart", "chromEnd", "copy_number"] + [f"column {i + 1}" for i in range(4, ncol)]
    table = Table(
        path=path,
        fmt="bed",
        columns=cols,
        keys=[c.lower() for c in cols],
        header_line=None,
        delimiter=delimiter,
        rows=[],
    )
    numbered: Iterable[tuple[int, str]] = body()
    # As in read_table: the sieve only sees lines a plain split reads exactly.
    if sieve is not None and delimiter is not None and is_plain((text for _, text in body()), delimiter):
        numbered = sieve.sift(table, numbered) or numbered
    limit = _common.MAX_ROWS_KEPT  # looked up per call, so tests can lower it
    for line_no, text in numbered:
        if len(table.rows) >= limit:
            raise too_large(path, "rows to keep", limit, "rows kept")
        fields = split_fields(text, delimiter)
        if len(fields) != ncol:
            raise InputError(
                path,
                "row has a different number of fields than the first row",
                line=line_no,
                expected=f"{ncol} fields",
                found=f"{len(fields)} fields: {text[:120]}",
                code="cn_unreadable",
            )
        table.rows.append(Row(line_no, fields))
    return table
