"""Hartwig PURPLE copy-number tables: somatic segments and the per-gene table.

Convention (hmftools ``purple/README.md``, "Output"): tab-separated, **1-based inclusive**
coordinates (the first region of a chromosome starts at 1), contigs as in the reference
(``chr``-prefixed for GRCh38). Values are absolute, purity- and ploidy-adjusted tumour copy
numbers; PURPLE's continuous fit can dip slightly below 0 in homozygous deletions, which is
clamped to 0 (a larger negative value is rejected as corrupt).

- ``purple_somatic`` (``*.purple.cnv.somatic.tsv``; older releases ``*.purple.cnv`` with a
  ``#chromosome`` header): ``chromosome start end copyNumber ... minorAlleleCopyNumber
  majorAlleleCopyNumber``. The file states no purity/ploidy (that is ``purple.purity.tsv``).
  The allele copy numbers (fractional, purity-adjusted; ``NA`` -> None) go to ``major_cn``/``minor_cn``
  after ``allelic.AlleleChecks`` (a row whose alleles contradict its copyNumber loses them).
- ``purple_gene`` (``*.purple.cnv.gene.tsv``): ``chromosome start end gene minCopyNumber
  maxCopyNumber ...``, one row per gene; read into ``gene_rows``. A gene absent from the table
  is not assessable (the gene-level layer reports ``gene_not_reported``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import InputError
from ..genome import normalize_contig
from ..model import GeneRow
from ._common import (
    Layout,
    OffChromosomes,
    ParsedFile,
    Table,
    check_copy_number,
    make_segment,
    parse_float,
    parse_int,
    read_table,
    skipped_note,
)
from .allelic import AlleleChecks

FORMATS = ("purple_somatic", "purple_gene")
SOMATIC_COMPANIONS = ("bafcount", "observedbaf", "segmentstartsupport", "majorallelecopynumber", "depthwindowcount")


def detect(keys: list[str]) -> str | None:
    ks = set(keys)
    if {"chromosome", "start", "end", "gene", "mincopynumber", "maxcopynumber"} <= ks:
        return "purple_gene"
    if {"chromosome", "start", "end", "copynumber"} <= ks and any(k in ks for k in SOMATIC_COMPANIONS):
        return "purple_somatic"
    return None


def coordinates(table: Table) -> Layout:
    return Layout(table.col("chromosome"), table.col("start"), table.col("end"), zero_based=False)


def parse(path: str, lines: Sequence[str], fmt: str, sieve: OffChromosomes | None = None) -> ParsedFile:
    """``sieve``: see ``_common.OffChromosomes``. The gene table is always read in full (no coordinate
    convention in the registry): its rows are looked up by gene name, wherever they lie."""
    if fmt == "purple_gene":
        return _parse_gene(path, lines)
    table = read_table(
        path,
        lines,
        fmt,
        lambda keys: {"chromosome", "start", "end", "copynumber"} <= set(keys),
        "PURPLE columns 'chromosome start end copyNumber ...'",
        sieve=sieve,
    )
    ci, si, ei = coordinates(table)[:3]
    vi = table.col("copynumber")
    mai = table.col("majorallelecopynumber", required=False)
    mii = table.col("minorallelecopynumber", required=False)
    notes: list[str] = []
    segments = []
    skipped = 0
    alleles = AlleleChecks()
    for row in table.rows:
        cn = check_copy_number(table, row, vi, parse_float(table, row, vi), notes)
        if cn is None:
            skipped += 1
            continue
        major = parse_float(table, row, mai) if mai is not None else None
        minor = parse_float(table, row, mii) if mii is not None else None
        major, minor = alleles.check(row.line, major, minor, total=cn)
        seg = make_segment(
            table,
            row,
            ci,
            si,
            ei,
            zero_based=False,
            value=cn,
            kind="copy_number",
            copy_number=cn,
            major=major,
            minor=minor,
        )
        segments.append(seg)
    if note := skipped_note(skipped, "copyNumber is missing"):
        notes.append(note)
    notes.extend(alleles.notes())
    return ParsedFile(path, fmt, {"": segments}, names_samples=False, notes=notes).finish()


def _parse_gene(path: str, lines: Sequence[str]) -> ParsedFile:
    table = read_table(
        path,
        lines,
        "purple_gene",
        lambda keys: detect(keys) == "purple_gene",
        "PURPLE gene table columns 'chromosome start end gene minCopyNumber maxCopyNumber ...'",
    )
    ci, si, ei = table.col("chromosome"), table.col("start"), table.col("end")
    gi, mni, mxi = table.col("gene"), table.col("mincopynumber"), table.col("maxcopynumber")
    extra_cols = [i for i, k in enumerate(table.keys) if i not in (ci, si, ei, gi, mni, mxi)]
    notes: list[str] = []
    rows: dict[str, GeneRow] = {}
    skipped = 0
    for row in table.rows:
        gene = row.fields[gi].strip()
        if not gene:
            raise InputError(
                path,
                "gene name is empty",
                line=row.line,
                field=table.field_name(gi),
                expected="a gene symbol",
                found=row.fields[gi],
                code="cn_unreadable",
            )
        lo = check_copy_number(table, row, mni, parse_float(table, row, mni), notes)
        hi = check_copy_number(table, row, mxi, parse_float(table, row, mxi), notes)
        if lo is None or hi is None:
            skipped += 1
            continue
        start, end = parse_int(table, row, si, what="start"), parse_int(table, row, ei, what="end")
        if start < 1 or end < start:
            raise InputError(
                path,
                "gene coordinates are not a 1-based interval",
                line=row.line,
                field=table.field_name(si),
                expected="1 <= start <= end",
                found=f"{start}-{end}",
                code="cn_unreadable",
            )
        if lo > hi:
            raise InputError(
                path,
                "minCopyNumber is larger than maxCopyNumber",
                line=row.line,
                field=table.field_name(mni),
                expected=f"<= {hi}",
                found=lo,
                code="cn_value_invalid",
            )
        if gene in rows:
            # Pseudo-autosomal genes appear on X and Y; keep the first row and say so.
            notes.append(f"line {row.line}: second row for gene {gene} ignored (first on line {rows[gene].line})")
            continue
        rows[gene] = GeneRow(
            gene=gene,
            chrom=normalize_contig(row.fields[ci]),
            start=start,
            end=end,
            min_copy_number=lo,
            max_copy_number=hi,
            line=row.line,
            extra={table.columns[i]: row.fields[i] for i in extra_cols},
        )
    if note := skipped_note(skipped, "min/maxCopyNumber is missing"):
        notes.append(note)
    if not rows:
        raise InputError(
            path,
            "PURPLE gene table has no usable gene rows",
            line=table.header_line,
            expected="gene rows with minCopyNumber/maxCopyNumber",
            found="none",
            code="cn_no_segments",
        )
    return ParsedFile(path, "purple_gene", {"": []}, names_samples=False, gene_rows=rows, notes=notes).finish()
