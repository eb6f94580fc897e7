"""DNAcopy / IGV / Firehose ``.seg`` files: many samples, one segment per row.

Convention (IGV "SEG" format, https://igv.org/doc/desktop/#FileFormats/DataTracks/#seg;
DNAcopy ``segments.summary``; Broad Firehose/GDC segment files): first column the sample, then
chromosome, start, end, optionally the number of probes, and the segment mean in the **last**
column. Coordinates are probe positions, **1-based inclusive**. Accepted column names (any
case, quoted or not):

- IGV/DNAcopy: ``ID chrom loc.start loc.end num.mark seg.mean``
- Firehose/TCGA: ``Sample Chromosome Start End Num_Probes Segment_Mean``
- PSCBS/aroma (cnvkit test ``warning.seg``): ``sampleName chromosome start end nbrOfLoci mean``

``seg`` means log2 ratios (the usual case); ``seg_log10`` is the same layout with **log10**
ratios (array CGH exports). The base cannot be told from the numbers, so ``seg_log10`` is never
detected and must be named explicitly. Junk lines before the header (an R warning) are skipped
and listed in the notes. Rows with ``NA`` segment means are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import InputError
from ..model import ValueKind
from ._common import (
    CHROM_KEYS,
    END_KEYS,
    SAMPLE_KEYS,
    START_KEYS,
    Layout,
    OffChromosomes,
    ParsedFile,
    Table,
    has_any,
    make_segment,
    parse_count,
    parse_float,
    read_table,
    skipped_note,
)

FORMATS = ("seg", "seg_log10")
VALUE_KEYS = (
    "seg.mean",
    "segment_mean",
    "seg_mean",
    "segmean",
    "mean",
    "log2",
    "log2ratio",
    "log2_ratio",
    "log.ratio",
    "logratio",
)
PROBE_KEYS = (
    "num.mark",
    "num_probes",
    "numprobes",
    "num.probes",
    "nbrofloci",
    "n.probes",
    "num_mark",
    "probes",
    "nprobes",
    "num.markers",
    "num_markers",
    "markers",
)


def detect(keys: list[str]) -> str | None:
    if not keys or keys[0] not in SAMPLE_KEYS:
        return None
    if (
        has_any(keys, CHROM_KEYS)
        and has_any(keys, START_KEYS)
        and has_any(keys, END_KEYS)
        and has_any(keys, VALUE_KEYS)
    ):
        return "seg"
    return None


def _header_ok(keys: list[str]) -> bool:
    # Explicit seg: a sample column first, chromosome/start/end; the value may be any last column.
    return (
        bool(keys)
        and keys[0] in SAMPLE_KEYS
        and has_any(keys, CHROM_KEYS)
        and has_any(keys, START_KEYS)
        and has_any(keys, END_KEYS)
    )


def coordinates(table: Table) -> Layout:
    return Layout(table.col(*CHROM_KEYS), table.col(*START_KEYS), table.col(*END_KEYS), zero_based=False, sample=0)


def parse(path: str, lines: Sequence[str], fmt: str, sieve: OffChromosomes | None = None) -> ParsedFile:
    """``sieve``: see ``_common.OffChromosomes`` (``read_copy_number(keep_chromosomes=...)``)."""
    table = read_table(
        path, lines, fmt, _header_ok, "SEG columns like 'ID chrom loc.start loc.end num.mark seg.mean'", sieve=sieve
    )
    kind: ValueKind = "log10" if fmt == "seg_log10" else "log2"
    ci, si, ei = coordinates(table)[:3]
    vi = table.col(*VALUE_KEYS, required=False)
    notes: list[str] = []
    if vi is None:
        # IGV's rule: the segment value is the last column.
        vi = len(table.columns) - 1
        notes.append(f"segment value taken from the last column '{table.columns[vi]}' (IGV SEG convention)")
    pi = table.col(*PROBE_KEYS, required=False)
    if table.preamble:
        shown = "; ".join(t[:80] for _, t in table.preamble[:3])
        notes.append(f"{len(table.preamble)} line(s) before the header skipped: {shown}")
    samples: dict[str, list] = {}
    skipped = 0
    for row in table.rows:
        value = parse_float(table, row, vi)
        sample = row.fields[0].strip()
        if not sample:
            raise InputError(
                path,
                "sample name is empty",
                line=row.line,
                field=table.columns[0],
                expected="a sample name in the first column",
                found=row.fields[0],
                code="cn_unreadable",
            )
        if value is None:
            skipped += 1
            samples.setdefault(sample, [])
            continue
        seg = make_segment(
            table, row, ci, si, ei, zero_based=False, value=value, kind=kind, n_probes=parse_count(table, row, pi)
        )
        segs = samples.setdefault(sample, [])
        segs.append(seg)
    if note := skipped_note(skipped, "the segment mean is missing"):
        notes.append(note)
    notes.append(f"segment means read as {kind} ratios ({'explicit seg_log10' if kind == 'log10' else 'seg'})")
    return ParsedFile(path, fmt, samples, names_samples=True, notes=notes).finish()
