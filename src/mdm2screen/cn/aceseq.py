"""ACEseq (DKFZ) ``*_comb_pro_extra<ploidy>_<purity>.txt`` allele-specific segments.

Convention (DKFZ ACEseq workflow output; real example VerenaK90/LACHESIS
``inst/extdata/NBE26/NBE26_comb_pro_extra3.25_0.88.txt``): tab-separated, the header line starts
with ``#chromosome``; ``start``/``end`` are **1-based inclusive**. ``tcnMean`` is the segment's
purity/ploidy-adjusted mean total copy number (``tcnMeanRaw`` the raw coverage ratio) and
``TCN`` the integer total copy number ACEseq assigns; ``A``/``B`` are allele copies. ``TCN`` is
used as the absolute copy number and ``tcnMean`` kept as the raw value; rows whose ``TCN`` is
``NA`` (segments ACEseq did not assign) are skipped and counted. ``sub`` in ``TCN``/``A``/``B``
marks a subclonal segment without an integer state: its ``tcnMean`` is used as the copy number.

Purity and ploidy are part of the ACEseq *file name* (``_extra<ploidy>_<purity>.txt``); this
reader uses only what the file content states (comment lines ``# purity`` / ``# ploidy``), so a
renamed file cannot change a result. Values in the name are mentioned in the notes only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ._common import (
    Layout,
    OffChromosomes,
    ParsedFile,
    Row,
    Table,
    check_copy_number,
    make_segment,
    parse_count,
    parse_float,
    purity_ploidy_from_comments,
    read_table,
    skipped_note,
)

FORMATS = ("aceseq",)
SUBCLONAL = "sub"  # ACEseq's marker for a subclonal segment in TCN/A/B/genotype
REQUIRED = {"chromosome", "start", "end", "tcnmean", "tcn"}
_NAME_FIT = re.compile(r"_extra(\d+(?:\.\d+)?)_(\d+(?:\.\d+)?)\.txt(?:\.gz)?$")


def detect(keys: list[str]) -> str | None:
    return "aceseq" if REQUIRED <= set(keys) else None


def _allele(table: Table, row: Row, index: int | None) -> float | None:
    if index is None or row.fields[index].strip() == SUBCLONAL:
        return None
    return parse_float(table, row, index)


def coordinates(table: Table) -> Layout:
    return Layout(table.col("chromosome"), table.col("start"), table.col("end"), zero_based=False)


def parse(path: str, lines: Sequence[str], fmt: str, sieve: OffChromosomes | None = None) -> ParsedFile:
    """``sieve``: see ``_common.OffChromosomes`` (``read_copy_number(keep_chromosomes=...)``)."""
    table = read_table(
        path,
        lines,
        fmt,
        lambda keys: REQUIRED <= set(keys),
        "ACEseq columns '#chromosome start end ... tcnMean ... TCN CNA.type'",
        sieve=sieve,
    )
    ci, si, ei = coordinates(table)[:3]
    mi, ti = table.col("tcnmean"), table.col("tcn")
    ai, bi = table.col("a", required=False), table.col("b", required=False)
    ni = table.col("tcnnbrofloci", required=False)
    notes: list[str] = []
    segments = []
    skipped = subclonal = 0
    for row in table.rows:
        mean = check_copy_number(table, row, mi, parse_float(table, row, mi), notes)
        if row.fields[ti].strip() == SUBCLONAL:
            # No integer state for a subclonal segment: its continuous tcnMean is the estimate.
            tcn = mean
            subclonal += 1
        else:
            tcn = check_copy_number(table, row, ti, parse_float(table, row, ti), notes)
        if tcn is None:
            skipped += 1
            continue
        major = _allele(table, row, ai)
        minor = _allele(table, row, bi)
        seg = make_segment(
            table,
            row,
            ci,
            si,
            ei,
            zero_based=False,
            value=mean if mean is not None else tcn,
            kind="copy_number",
            copy_number=tcn,
            n_probes=parse_count(table, row, ni),
            major=major,
            minor=minor,
        )
        segments.append(seg)
    if note := skipped_note(skipped, "TCN is NA"):
        notes.append(note)
    if subclonal:
        notes.append(f"{subclonal} subclonal segment(s) (TCN 'sub'): tcnMean used as their copy number")
    purity, ploidy = purity_ploidy_from_comments(path, [*table.preamble, *table.comments])
    if m := _NAME_FIT.search(Path(path).name):
        notes.append(
            f"file name suggests ploidy {m.group(1)} and purity {m.group(2)} (ACEseq naming); "
            "not used, only values stated inside the file are"
        )
    return ParsedFile(
        path, fmt, {"": segments}, names_samples=False, purity=purity, ploidy=ploidy, notes=notes
    ).finish()
