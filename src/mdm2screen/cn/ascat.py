"""ASCAT allele-specific segments and tables in the same shape (PCGR ``cna.tsv``).

Convention (ASCAT ``ascat.runAscat()`` -> ``$segments``, written as ``*.segments.txt``; see
VanLoo-lab/ascat README): ``sample chr startpos endpos nMajor nMinor`` with SNP positions
(**1-based inclusive**); total copy number = ``nMajor + nMinor`` (absolute tumour copies). Some
wrappers write a total column instead (``nTot``/``total_cn``/``tcn``/``cn``), which is used
directly. Without a sample column (PCGR's ``Chromosome Start End nMajor nMinor`` input,
sigven/pcgr ``examples/*.cna.tsv``) the file is single-sample. Raw (non-integer) ``nAraw``
``nBraw`` columns are ignored; rows with missing allele copy numbers are skipped. ``nMajor``/``nMinor``
also go to ``major_cn``/``minor_cn`` (``allelic.AlleleChecks``: a row with the minor above the major keeps
its total and loses them).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import InputError
from ._common import (
    CHROM_KEYS,
    END_KEYS,
    SAMPLE_KEYS,
    START_KEYS,
    Layout,
    OffChromosomes,
    ParsedFile,
    Table,
    check_copy_number,
    has_any,
    make_segment,
    parse_float,
    read_table,
    skipped_note,
)
from .allelic import AlleleChecks

FORMATS = ("ascat",)
TOTAL_KEYS = ("ntot", "n.tot", "total_cn", "totalcn", "total_copy_number", "tcn", "cn")


def _has_coords(keys: list[str]) -> bool:
    return has_any(keys, CHROM_KEYS) and has_any(keys, START_KEYS) and has_any(keys, END_KEYS)


def detect(keys: list[str]) -> str | None:
    ks = set(keys)
    if not _has_coords(keys):
        return None
    if {"nmajor", "nminor"} <= ks:
        return "ascat"
    # A total-CN column alone is ASCAT only with ASCAT's own coordinate names.
    if {"startpos", "endpos"} <= ks and any(k in ks for k in TOTAL_KEYS):
        return "ascat"
    return None


def _header_ok(keys: list[str]) -> bool:
    return _has_coords(keys) and ({"nmajor", "nminor"} <= set(keys) or has_any(keys, TOTAL_KEYS))


def coordinates(table: Table) -> Layout:
    return Layout(
        table.col(*CHROM_KEYS),
        table.col(*START_KEYS),
        table.col(*END_KEYS),
        zero_based=False,
        sample=table.col(*SAMPLE_KEYS, required=False),
    )


def parse(path: str, lines: Sequence[str], fmt: str, sieve: OffChromosomes | None = None) -> ParsedFile:
    """``sieve``: see ``_common.OffChromosomes`` (``read_copy_number(keep_chromosomes=...)``)."""
    table = read_table(
        path,
        lines,
        fmt,
        _header_ok,
        "ASCAT columns 'sample chr startpos endpos nMajor nMinor' (or a total copy-number column)",
        sieve=sieve,
    )
    ci, si, ei, _, sample_i = coordinates(table)
    mai = table.col("nmajor", required=False)
    mii = table.col("nminor", required=False)
    ti = table.col(*TOTAL_KEYS, required=False)
    use_alleles = mai is not None and mii is not None
    notes: list[str] = []
    samples: dict[str, list] = {}
    skipped = 0
    alleles = AlleleChecks()
    for row in table.rows:
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
        major = minor = None
        if use_alleles:
            assert mai is not None and mii is not None
            major = check_copy_number(table, row, mai, parse_float(table, row, mai), notes)
            minor = check_copy_number(table, row, mii, parse_float(table, row, mii), notes)
            total = major + minor if major is not None and minor is not None else None
            major, minor = alleles.check(row.line, major, minor)
        else:
            assert ti is not None  # use_alleles is False only with a total column (checked above)
            total = check_copy_number(table, row, ti, parse_float(table, row, ti), notes)
        if total is None:
            skipped += 1
            continue
        seg = make_segment(
            table,
            row,
            ci,
            si,
            ei,
            zero_based=False,
            value=total,
            kind="copy_number",
            copy_number=total,
            major=major,
            minor=minor,
        )
        segs.append(seg)
    if note := skipped_note(skipped, "the allele copy numbers are missing"):
        notes.append(note)
    notes.extend(alleles.notes())
    if use_alleles:
        notes.append("total copy number = nMajor + nMinor")
    else:
        assert ti is not None  # _header_ok admits a file without alleles only with a total column
        notes.append(f"total copy number from column '{table.field_name(ti)}'")
    return ParsedFile(path, fmt, samples, names_samples=sample_i is not None, notes=notes).finish()
