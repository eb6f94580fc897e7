"""GATK4 somatic copy-number segments: ModelSegments and CallCopyRatioSegments output.

Specification (GATK source, ``org.broadinstitute.hellbender.tools.copynumber.formats``):

- a SAM-style header first: ``@HD VN:...``, ``@SQ SN:<contig> LN:<length>`` (the sequence
  dictionary; its lengths are checked against the declared build) and ``@RG ID:... SM:<sample>``
  (the sample name);
- then a TSV with ``CONTIG START END`` (**1-based, inclusive** GATK intervals) and one of:

  * ``*.modelFinal.seg`` (ModeledSegmentCollection): ``NUM_POINTS_COPY_RATIO
    NUM_POINTS_ALLELE_FRACTION LOG2_COPY_RATIO_POSTERIOR_10/50/90
    MINOR_ALLELE_FRACTION_POSTERIOR_10/50/90``; the posterior median (``_50``) is used. GATK
    writes ``NaN`` log2 posteriors for segments with no copy-ratio points
    (``NUM_POINTS_COPY_RATIO`` = 0): those segments carry no copy-ratio evidence and are skipped;
    NaN anywhere else is a corrupt value;
  * ``*.cr.seg`` (CopyRatioSegmentCollection): ``NUM_POINTS_COPY_RATIO MEAN_LOG2_COPY_RATIO``;
  * ``*.called.seg`` (CalledCopyRatioSegmentCollection): as ``.cr.seg`` plus ``CALL`` in
    ``+``/``-``/``0``. GATK's own call is validated but not used: the project's thresholds decide.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import InputError
from ..genome import normalize_contig
from ._common import (
    Layout,
    OffChromosomes,
    ParsedFile,
    Table,
    make_segment,
    parse_count,
    parse_float,
    read_table,
    skipped_note,
)

FORMATS = ("gatk_seg",)
VALUE_KEYS = ("log2_copy_ratio_posterior_50", "mean_log2_copy_ratio")
CALLS = {"+", "-", "0"}


def detect(keys: list[str]) -> str | None:
    ks = set(keys)
    if {"contig", "start", "end"} <= ks and any(k in ks for k in VALUE_KEYS):
        return "gatk_seg"
    return None


def _sam_header(path: str, lines: Sequence[str]) -> tuple[dict[str, int], list[str], list[str]]:
    """Contig lengths (@SQ) and sample names (@RG SM:) from the SAM-style header."""
    lengths: dict[str, int] = {}
    samples: list[str] = []
    notes: list[str] = []
    for i, text in enumerate(lines):
        if not text.startswith("@"):
            if text.strip():
                break
            continue
        parts = text.rstrip().split("\t")
        tags = {}
        for p in parts[1:]:
            tag, sep, val = p.partition(":")
            if sep:
                tags[tag] = val
        if parts[0] == "@SQ":
            if "SN" not in tags or "LN" not in tags:
                raise InputError(
                    path,
                    "@SQ header line without SN: and LN:",
                    line=i + 1,
                    expected="@SQ<TAB>SN:<name><TAB>LN:<length>",
                    found=text,
                    code="cn_unreadable",
                )
            try:
                lengths[normalize_contig(tags["SN"])] = int(tags["LN"])
            except ValueError:
                raise InputError(
                    path,
                    "@SQ LN: is not an integer",
                    line=i + 1,
                    field="LN",
                    expected="an integer",
                    found=tags["LN"],
                    code="cn_unreadable",
                ) from None
        elif parts[0] == "@RG" and tags.get("SM"):
            if tags["SM"] not in samples:
                samples.append(tags["SM"])
    return lengths, samples, notes


def coordinates(table: Table) -> Layout:
    return Layout(table.col("contig"), table.col("start"), table.col("end"), zero_based=False)


def parse(path: str, lines: Sequence[str], fmt: str, sieve: OffChromosomes | None = None) -> ParsedFile:
    """``sieve``: see ``_common.OffChromosomes``; the @SQ lengths are checked against the build in any case."""
    lengths, rg_samples, notes = _sam_header(path, lines)
    table = read_table(
        path,
        lines,
        fmt,
        lambda keys: detect(keys) is not None,
        "GATK columns 'CONTIG START END ... MEAN_LOG2_COPY_RATIO or LOG2_COPY_RATIO_POSTERIOR_50'",
        sieve=sieve,
    )
    ci, si, ei = coordinates(table)[:3]
    vi = table.col(*VALUE_KEYS, what="log2 copy ratio")
    npi = table.col("num_points_copy_ratio", required=False)
    calli = table.col("call", required=False)
    modelled = table.keys[vi] == "log2_copy_ratio_posterior_50"
    segments = []
    skipped = 0
    for row in table.rows:
        n_points = parse_count(table, row, npi)
        # NaN is GATK's "no estimate" only where there are no copy-ratio points at all.
        value = parse_float(table, row, vi, nonfinite_is_missing=modelled and n_points == 0)
        if calli is not None:
            call = row.fields[calli].strip()
            if call not in CALLS:
                raise InputError(
                    path,
                    "CALL must be +, - or 0",
                    line=row.line,
                    field=table.field_name(calli),
                    expected="+, - or 0",
                    found=call,
                    code="cn_value_invalid",
                )
        if value is None:
            skipped += 1
            continue
        seg = make_segment(table, row, ci, si, ei, zero_based=False, value=value, kind="log2", n_probes=n_points)
        segments.append(seg)
    if note := skipped_note(skipped, "the log2 copy ratio is missing (no copy-ratio points)"):
        notes.append(note)
    if len(rg_samples) > 1:
        raise InputError(
            path,
            "GATK segment file names several samples in @RG SM: tags",
            field="@RG SM",
            expected="one sample",
            found=", ".join(rg_samples),
            code="cn_unreadable",
        )
    if rg_samples:
        samples, names = {rg_samples[0]: segments}, True
    else:
        samples, names = {"": segments}, False
        notes.append("no @RG SM: header line, so the file does not name its sample")
    return ParsedFile(path, fmt, samples, names_samples=names, contig_lengths=lengths or None, notes=notes).finish()
