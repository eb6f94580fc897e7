"""Sequenza ``<sample>_segments.txt``.

Convention (cran/sequenza ``R/workflows.R``, ``sequenza.results()``: the segment table is
written with ``write.table(seg.res, file = segs.file, col.names = TRUE, row.names = FALSE,
sep = "\\t")``, i.e. R's default quoting, so the header and the chromosome names are in double
quotes): ``"chromosome" "start.pos" "end.pos" "Bf" "N.BAF" "sd.BAF" "depth.ratio" "N.ratio"
"sd.ratio" "CNt" "A" "B" "LPP"``. Positions come from the seqz file (**1-based inclusive**).
``CNt`` is the absolute total tumour copy number (``A``/``B`` the major/minor allele copies:
``major_cn``/``minor_cn``, NA -> None, dropped by ``allelic.AlleleChecks`` when they contradict ``CNt``);
``depth.ratio`` is not used. Sequenza writes cellularity/ploidy to a separate
``_confints_CP.txt``; they are used here only if the segment file itself states them in
comment lines (``# cellularity = ...``/``# ploidy = ...``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ._common import (
    Layout,
    OffChromosomes,
    ParsedFile,
    Table,
    check_copy_number,
    make_segment,
    parse_count,
    parse_float,
    purity_ploidy_from_comments,
    read_table,
    skipped_note,
)
from .allelic import AlleleChecks

FORMATS = ("sequenza",)
REQUIRED = {"chromosome", "start.pos", "end.pos", "cnt"}


def detect(keys: list[str]) -> str | None:
    return "sequenza" if REQUIRED <= set(keys) else None


def coordinates(table: Table) -> Layout:
    return Layout(table.col("chromosome"), table.col("start.pos"), table.col("end.pos"), zero_based=False)


def parse(path: str, lines: Sequence[str], fmt: str, sieve: OffChromosomes | None = None) -> ParsedFile:
    """``sieve``: see ``_common.OffChromosomes``. R's quoted output is not plain text, so the sieve
    declines it and every row is read by the parser."""
    table = read_table(
        path,
        lines,
        fmt,
        lambda keys: REQUIRED <= set(keys),
        "Sequenza columns 'chromosome start.pos end.pos Bf ... CNt A B LPP'",
        sieve=sieve,
    )
    ci, si, ei = coordinates(table)[:3]
    ti = table.col("cnt")
    ai, bi = table.col("a", required=False), table.col("b", required=False)
    ni = table.col("n.ratio", required=False)
    notes: list[str] = []
    segments = []
    skipped = 0
    alleles = AlleleChecks()
    for row in table.rows:
        cnt = check_copy_number(table, row, ti, parse_float(table, row, ti), notes)
        if cnt is None:
            skipped += 1
            continue
        major = parse_float(table, row, ai) if ai is not None else None
        minor = parse_float(table, row, bi) if bi is not None else None
        major, minor = alleles.check(row.line, major, minor, total=cnt)
        seg = make_segment(
            table,
            row,
            ci,
            si,
            ei,
            zero_based=False,
            value=cnt,
            kind="copy_number",
            copy_number=cnt,
            n_probes=parse_count(table, row, ni),
            major=major,
            minor=minor,
        )
        segments.append(seg)
    if note := skipped_note(skipped, "CNt is missing"):
        notes.append(note)
    notes.extend(alleles.notes())
    purity, ploidy = purity_ploidy_from_comments(path, [*table.preamble, *table.comments])
    return ParsedFile(
        path, fmt, {"": segments}, names_samples=False, purity=purity, ploidy=ploidy, notes=notes
    ).finish()
