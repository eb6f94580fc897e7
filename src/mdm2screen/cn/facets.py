"""FACETS segment tables (``fit$cncf`` as written by facets / facets-suite / bcbio).

Convention (mskcc/facets ``R/facets-cncf.R``, ``emcncf()``; the written ``*.cncf.txt`` and
``*_cncf.tsv`` tables): ``chrom seg num.mark nhet cnlr.median mafR segclust cnlr.median.clust
mafR.clust start end cf.em tcn.em lcn.em``. ``start``/``end`` are the first and last SNP
positions of the segment (**1-based inclusive**); chromosome ``23`` is X (``24`` Y).
``tcn.em`` is the absolute total tumour copy number (older ``fitcncf`` output: ``tcn``);
``lcn.em`` the lesser allele copy number (``NA`` when too few heterozygous SNPs): ``minor_cn``, with
``major_cn = tcn.em - lcn.em``; both None when ``lcn.em`` is NA (unknown, never 0), both dropped
(``allelic.AlleleChecks``) when ``lcn.em`` is above ``tcn.em - lcn.em`` (it is the lesser allele).

Purity/ploidy are used only when the file states them: ``purity``/``ploidy`` columns (one
value for the whole file) or comment lines such as ``# purity = 0.62`` / ``# ploidy = 3.1``.
An optional first ``ID``/``sample`` column names the sample.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import InputError
from ._common import (
    SAMPLE_KEYS,
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
    validate_purity_ploidy,
)
from .allelic import AlleleChecks

FORMATS = ("facets",)
TCN_KEYS = ("tcn.em", "tcn")
PURITY_PLOIDY = ("purity", "ploidy")


def detect(keys: list[str]) -> str | None:
    ks = set(keys)
    if {"chrom", "start", "end", "cnlr.median"} <= ks and any(k in ks for k in TCN_KEYS):
        return "facets"
    return None


def _coordinates(table: Table) -> Layout:
    return Layout(
        table.col("chrom"),
        table.col("start"),
        table.col("end"),
        zero_based=False,
        sample=0 if table.keys[0] in SAMPLE_KEYS else None,
    )


def coordinates(table: Table) -> Layout | None:
    # Purity/ploidy columns hold one file-level value on every row (checked to agree), so every row is read.
    if any(k in table.keys for k in PURITY_PLOIDY):
        return None
    return _coordinates(table)


def parse(path: str, lines: Sequence[str], fmt: str, sieve: OffChromosomes | None = None) -> ParsedFile:
    """``sieve``: see ``_common.OffChromosomes`` (``read_copy_number(keep_chromosomes=...)``)."""
    table = read_table(
        path,
        lines,
        fmt,
        lambda keys: {"chrom", "start", "end"} <= set(keys) and any(k in keys for k in TCN_KEYS),
        "FACETS columns 'chrom seg num.mark ... start end cf.em tcn.em lcn.em'",
        sieve=sieve,
    )
    ci, si, ei, _, sample_i = _coordinates(table)
    ti = table.col(*TCN_KEYS, what="total copy number (tcn.em)")
    li = table.col("lcn.em", "lcn", required=False)
    ni = table.col("num.mark", required=False)
    notes: list[str] = []
    purity, ploidy = purity_ploidy_from_comments(path, [*table.preamble, *table.comments])
    column_values: dict[str, set[float]] = {k: set() for k in PURITY_PLOIDY}
    pcols = {k: table.col(k, required=False) for k in column_values}
    samples: dict[str, list] = {}
    skipped = 0
    alleles = AlleleChecks()
    for row in table.rows:
        for key, idx in pcols.items():
            if idx is not None and (v := parse_float(table, row, idx)) is not None:
                column_values[key].add(validate_purity_ploidy(path, row.line, key, v))
        tcn = check_copy_number(table, row, ti, parse_float(table, row, ti), notes)
        sample = row.fields[sample_i].strip() if sample_i is not None else ""
        if sample_i is not None and not sample:
            raise InputError(
                path,
                "sample name is empty",
                line=row.line,
                field=table.field_name(sample_i),
                expected="a sample name",
                found=row.fields[sample_i],
                code="cn_unreadable",
            )
        segs = samples.setdefault(sample, [])
        if tcn is None:
            skipped += 1
            continue
        lcn = parse_float(table, row, li) if li is not None else None
        major, lcn = alleles.check(row.line, tcn - lcn if lcn is not None else None, lcn)
        seg = make_segment(
            table,
            row,
            ci,
            si,
            ei,
            zero_based=False,
            value=tcn,
            kind="copy_number",
            copy_number=tcn,
            n_probes=parse_count(table, row, ni),
            major=major,
            minor=lcn,
        )
        segs.append(seg)
    for key, values in column_values.items():
        if len(values) > 1:
            raise InputError(
                path,
                f"the {key} column holds several values",
                field=key,
                expected="one value per file",
                found=", ".join(f"{v:g}" for v in sorted(values)),
                code="cn_value_invalid",
            )
        if values:
            if key == "purity":
                purity = values.pop()
            else:
                ploidy = values.pop()
    if note := skipped_note(skipped, "tcn.em is missing"):
        notes.append(note)
    notes.extend(alleles.notes())
    return ParsedFile(
        path, fmt, samples, names_samples=sample_i is not None, purity=purity, ploidy=ploidy, notes=notes
    ).finish()
