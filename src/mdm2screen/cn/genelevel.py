"""Gene-level copy number: which segments cover a gene, what copy number that means, and the call.

Overlap with the gene body [locus.start, locus.end] decides. Coverage is reported as
``covered_fraction`` = bases of the gene body covered by at least one segment / gene length;
below ``rule.min_covered_fraction`` the gene is not assessable (``gene_not_covered`` at 0 %,
else ``gene_partially_covered``), whatever the covered part shows: missing evidence is never
evidence.

Probe gaps: in probe- or bin-based segmentations (SEG, GATK, ASCAT, FACETS, Sequenza, ACEseq,
CNVkit, PURPLE) a segment runs from its first to its last probe, so a gene can sit partly in the
gap between two segments, where the breakpoint lies. Gaps up to 1 Mb are split at their midpoint
between the flanking segments (reason ``probe_gap_interpolated`` with the bases assigned that
way); larger gaps stay uncovered, and event-only files (DRAGEN/TSO VCF, BED) are never bridged,
because there a gap means "not reported".

Several overlapping segments (a breakpoint inside the gene) are summarised by ``rule.summary``:
``"weighted"`` (mean weighted by overlapping bases) or ``"max"`` (the segment with the highest
compared value); ``method`` always says which, and a ``breakpoint_in_gene`` reason lists the
per-segment values when they fall on different sides of a threshold.

Bin-level profiles (CNVkit ``.cnr``) use the **median** of the bins overlapping the gene; the
covered fraction is the part of the gene spanned from the first to the last overlapping bin (a
targeted panel's bins sit on exons, so base coverage of the whole gene body would always look
partial); fewer than 3 bins -> not assessable (``too_few_bins``).

Conversion of ratios to absolute tumour copy number keeps the raw value alongside. For a ratio
``R`` against a diploid reference (``R = 2**log2``, ``10**log10`` or the fold change itself) the
CNVkit rescaling for tumour purity ``p`` is used (CNVkit docs, "Calling copy number":
``cnvkit.py call --purity``, https://cnvkit.readthedocs.io/en/stable/pipeline.html#call; the
same formula as Illumina's TST170 fold-change help page):

    CN = (2 * R - 2 * (1 - p)) / p          (purity known)
    CN = 2 * R                              (purity unknown: a pure tumour is assumed and the
                                             reason ``purity_unknown`` says so)

clamped at 0. Files that state absolute copy numbers (PURPLE, ASCAT, FACETS, Sequenza, ACEseq,
CNVkit ``call`` ``cn``, DRAGEN ``CN``) are used as they are: they already are tumour copy numbers.

Threshold modes (``rule.mode``), comparing ``value``:

- ``absolute``: value = CN
- ``relative_ploidy``: value = CN / ploidy (ploidy unknown -> 2, reason ``ploidy_unknown``)
- ``log2``: value = the log2 ratio (raw log2; log10 * log2(10); log2(fold change); for absolute
  copy-number files log2(CN / 2))
- ``fold_change``: value = CN / 2

value >= amplified_at -> ``amplified``; gain_at <= value < amplified_at -> ``equivocal``
(amplified None, ``gain_not_amplification``); below -> ``not_amplified``. CN <= deletion_at over
the gene -> ``deleted`` (``homozygous_deletion``); a segment at or below deletion_at over part
of the gene body -> ``deleted`` with ``partial_deletion`` (only gene extents are known here, so
"part of the gene" means part of the canonical transcript's extent). Purity known and below
``rule.min_purity``: anything but an amplification becomes ``not_assessable`` (``low_purity``);
an amplification seen at low purity stays amplified.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from typing import Any

from ..genome import normalize_contig
from ..model import AmplificationRule, CopyNumberProfile, GeneCopyNumber, GeneRow, Reason, Segment
from ..reference import GeneLocus

LOG2_10 = math.log2(10)
MIN_BINS = 3
MAX_PLOT_POINTS = 500
MAX_GAP_BRIDGED = 1_000_000  # bp; see _effective_spans
GAP_BRIDGED_FORMATS = frozenset({"cnvkit", "gatk_seg", "seg", "seg_log10", "purple_somatic", "facets", "ascat",
                                 "sequenza", "aceseq"})
_RATIO_FLOOR = 2.0**-20  # log2 of a zero ratio/CN is reported as -20 rather than -inf
_RATIO_KINDS = ("log2", "log10", "fold_change")
KIND_LABEL = {"log2": "log2 ratio", "log10": "log10 ratio", "fold_change": "fold change",
              "copy_number": "copy number"}


# --------------------------------------------------------------------------- conversions


def linear_ratio(seg: Segment) -> float | None:
    """Linear copy ratio against a diploid reference, or None for absolute copy-number values."""
    if seg.value_kind == "log2":
        return 2.0 ** min(seg.value, 1000.0)  # capped: 2**1024 would overflow a float
    if seg.value_kind == "log10":
        return 10.0 ** min(seg.value, 300.0)
    if seg.value_kind == "fold_change":
        return seg.value
    return None


def ratio_to_copy_number(ratio: float, purity: float | None) -> float:
    """CNVkit's purity rescaling of a linear ratio (diploid reference), clamped at 0."""
    cn = 2.0 * ratio if purity is None else (2.0 * ratio - 2.0 * (1.0 - purity)) / purity
    return max(cn, 0.0)


def segment_copy_number(seg: Segment, purity: float | None) -> float:
    """Absolute tumour copy number of one segment (stated by the file, or converted)."""
    if seg.copy_number is not None:
        return max(seg.copy_number, 0.0)
    ratio = linear_ratio(seg)
    if ratio is None:  # value_kind == "copy_number"
        return max(seg.value, 0.0)
    return ratio_to_copy_number(ratio, purity)


def segment_log2(seg: Segment, cn: float) -> float:
    """The log2 ratio compared in ``log2`` mode."""
    if seg.value_kind == "log2":
        return seg.value
    if seg.value_kind == "log10":
        return seg.value * LOG2_10
    if seg.value_kind == "fold_change":
        return math.log2(max(seg.value, _RATIO_FLOOR))
    return math.log2(max(cn, 2 * _RATIO_FLOOR) / 2.0)


def _converted(seg: Segment) -> bool:
    return seg.copy_number is None and seg.value_kind in _RATIO_KINDS


def _compare(mode: str, cn: float, log2r: float, ploidy_used: float) -> float:
    if mode == "absolute":
        return cn
    if mode == "relative_ploidy":
        return cn / ploidy_used
    if mode == "log2":
        return log2r
    if mode == "fold_change":
        return cn / 2.0
    raise ValueError(f"unknown amplification rule mode {mode!r}")


def _category(value: float, cn: float, rule: AmplificationRule) -> str:
    if cn <= rule.deletion_at:
        return "deleted"
    if value >= rule.amplified_at:
        return "amplified"
    if value >= rule.gain_at:
        return "gain"
    return "neutral"


def _check_args(purity: float | None, ploidy: float | None) -> None:
    if purity is not None and not (0.0 < purity <= 1.0 and math.isfinite(purity)):
        raise ValueError(f"purity must be in (0, 1], got {purity!r}")
    if ploidy is not None and not (0.0 < ploidy and math.isfinite(ploidy)):
        raise ValueError(f"ploidy must be > 0, got {ploidy!r}")


# --------------------------------------------------------------------------- gene level


def _covered_bases(intervals: Iterable[tuple[int, int]]) -> int:
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted(intervals):
        if cur_e is None or s > cur_e + 1:
            if cur_e is not None:
                total += cur_e - cur_s + 1  # type: ignore[operator]
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s + 1  # type: ignore[operator]
    return total


def _fmt_cn(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def gene_copy_number(
    profile: CopyNumberProfile,
    locus: GeneLocus,
    rule: AmplificationRule,
    *,
    purity: float | None,
    ploidy: float | None,
    purity_source: str | None,
) -> GeneCopyNumber:
    """Copy number and amplification call for one gene (see the module docstring for the rules).

    ``purity``/``ploidy`` are the effective values chosen by the caller (sample sheet over file).
    """
    _check_args(purity, ploidy)
    result = GeneCopyNumber(
        gene=locus.gene, build=locus.build, chrom=locus.chrom, start=locus.start, end=locus.end,
        call="not_assessable", amplified=None, copy_number=None, raw_value=None, raw_kind=None,
        method="", threshold=_threshold(rule, None, ploidy), covered_fraction=0.0, segments=[],
        purity=purity, ploidy=ploidy, purity_source=purity_source,
    )
    if profile.gene_rows is not None:
        return _from_gene_table(result, profile, locus, rule, purity, ploidy)
    chrom = normalize_contig(locus.chrom)
    on_chrom = [s for s in profile.segments if s.chrom == chrom and math.isfinite(s.value)]
    if not on_chrom:
        result.method = "no segment on the gene's chromosome"
        result.reasons.append(Reason("gene_not_covered", f"{locus.gene}: the copy-number file has no segment on "
                                     f"chromosome {chrom}; the gene was not measured (not the same as not amplified)"))
        return result
    if profile.is_bin_level:
        bins = [s for s in on_chrom if s.end >= locus.start and s.start <= locus.end]
        return _from_bins(result, bins, locus, rule, purity, ploidy)
    spans = _effective_spans(on_chrom, bridge=profile.format in GAP_BRIDGED_FORMATS)
    overlapping = [(s, a, b) for s, a, b in spans if b >= locus.start and a <= locus.end]
    return _from_segments(result, overlapping, locus, rule, purity, ploidy)


def _effective_spans(segs: list[Segment], *, bridge: bool) -> list[tuple[Segment, int, int]]:
    """Segments with the interval they stand for: probe gaps up to MAX_GAP_BRIDGED split at the midpoint.

    In probe/bin-based segmentations (DNAcopy, GATK, ASCAT, FACETS ...) a segment runs from its
    first to its last probe; the breakpoint between two segments lies somewhere in the gap to the
    next probe. Bases in such a gap are as (un)measured as bases between probes inside a segment,
    so the gap is shared at its midpoint. Larger gaps (centromeres, unmappable or untargeted
    regions) stay uncovered, and event-only files (DRAGEN without REF calls, BED) are never
    bridged: there a gap means "not reported", not "between two probes".
    """
    ordered = sorted(segs, key=lambda s: (s.start, s.end))
    out = [(s, s.start, s.end) for s in ordered]
    if not bridge:
        return out
    for i in range(len(out) - 1):
        cur, a, b = out[i]
        nxt, c, d = out[i + 1]
        gap = nxt.start - cur.end - 1
        # Only a gap between two consecutive data rows is a gap between probes. When the rows are not
        # adjacent in the file, a row between them was skipped (a missing value: "not measured"), and
        # bridging would turn that row's missing value into its neighbour's.
        adjacent = cur.line is None or nxt.line is None or abs(nxt.line - cur.line) == 1
        if 0 < gap <= MAX_GAP_BRIDGED and adjacent and cur.end == b and nxt.start == c:
            mid = cur.end + (gap + 1) // 2
            out[i] = (cur, a, mid)
            out[i + 1] = (nxt, mid + 1, d)
    return out


def _segment_dict(seg: Segment, locus: GeneLocus, cn: float | None) -> dict[str, Any]:
    overlap = min(seg.end, locus.end) - max(seg.start, locus.start) + 1
    return {"chrom": seg.chrom, "start": seg.start, "end": seg.end, "raw_value": seg.value,
            "raw_kind": seg.value_kind, "copy_number": cn, "overlap_bp": overlap, "line": seg.line}


def _coverage_reason(result: GeneCopyNumber, locus: GeneLocus, rule: AmplificationRule, detail: str) -> bool:
    """Add the coverage reason and return True when coverage is too low to assess."""
    frac = result.covered_fraction
    if frac >= rule.min_covered_fraction:
        return False
    if frac == 0:
        result.reasons.append(Reason("gene_not_covered", f"{locus.gene}: no segment overlaps the gene body "
                                     f"chr{locus.chrom}:{locus.start:,}-{locus.end:,}; not measured"))
    else:
        result.reasons.append(Reason("gene_partially_covered", f"{locus.gene}: only {frac:.0%} of the gene body "
                                     f"is covered ({detail}); at least {rule.min_covered_fraction:.0%} is required, "
                                     "so the value of the covered part is not used for a call"))
    result.call, result.amplified = "not_assessable", None
    return True


def _from_segments(result: GeneCopyNumber, overlapping: list[tuple[Segment, int, int]], locus: GeneLocus,
                   rule: AmplificationRule, purity: float | None, ploidy: float | None) -> GeneCopyNumber:
    if not overlapping:
        result.method = "no segment overlaps the gene"
        _coverage_reason(result, locus, rule, "")
        return result
    ploidy_used = ploidy if ploidy is not None else 2.0
    per: list[tuple[Segment, float, float, float, int]] = []  # seg, cn, log2, compared, overlap
    interpolated = 0
    for seg, a, b in overlapping:
        cn = segment_copy_number(seg, purity)
        lg = segment_log2(seg, cn)
        ov = min(b, locus.end) - max(a, locus.start) + 1
        measured = max(0, min(seg.end, locus.end) - max(seg.start, locus.start) + 1)
        interpolated += ov - measured
        per.append((seg, cn, lg, _compare(rule.mode, cn, lg, ploidy_used), ov))
        d = _segment_dict(seg, locus, cn)
        d["overlap_bp"] = ov
        if ov != measured:
            d["interpolated_bp"] = ov - measured
        result.segments.append(d)
    covered = _covered_bases((max(a, locus.start), min(b, locus.end)) for _, a, b in overlapping)
    result.covered_fraction = covered / locus.length
    segs = [t[0] for t in per]
    result.raw_kind = segs[0].value_kind
    ratio_file = all(s.value_kind in _RATIO_KINDS for s in segs)
    if len(per) == 1:
        seg, cn, lg, _, _ = per[0]
        raw = seg.value
        method = "single segment overlapping the gene"
    elif rule.summary == "max":
        seg, cn, lg, _, _ = max(per, key=lambda t: t[3])
        raw = seg.value
        method = f"maximum over {len(per)} overlapping segments (rule summary 'max')"
    else:
        weight = sum(t[4] for t in per)
        cn = sum(t[1] * t[4] for t in per) / weight
        lg = sum(t[2] * t[4] for t in per) / weight if ratio_file else math.log2(max(cn, 2 * _RATIO_FLOOR) / 2.0)
        raw = sum(t[0].value * t[4] for t in per) / weight
        method = f"coverage-weighted mean over {len(per)} overlapping segments (rule summary 'weighted')"
    result.copy_number, result.raw_value = cn, raw
    result.method = method + _conversion_note(segs, purity)
    if interpolated:
        result.reasons.append(Reason("probe_gap_interpolated", f"{locus.gene}: {interpolated:,} bp of the gene lie "
                                     "in a gap between two segments' outermost probes; they were assigned to the "
                                     "nearer segment (midpoint of the gap)"))
    if _coverage_reason(result, locus, rule, f"{covered:,} of {locus.length:,} bp by {len(per)} segment(s)"):
        return result
    categories = {_category(t[3], t[1], rule) for t in per}
    if len(categories) > 1:
        listed = "; ".join(f"{s.start:,}-{s.end:,} {KIND_LABEL[s.value_kind]} {s.value:g} (CN {c:.2f}, "
                           f"{_category(cmp, c, rule)}, {ov:,} bp)" for s, c, _, cmp, ov in per)
        result.reasons.append(Reason("breakpoint_in_gene", f"{locus.gene}: a copy-number breakpoint lies inside the "
                                     f"gene and the segments fall on different sides of a threshold: {listed}; "
                                     f"{method.split(' (')[0]} used"))
    partial_deletion = any(t[1] <= rule.deletion_at for t in per)
    _decide(result, locus, rule, purity, ploidy, cn, lg, partial_deletion, any(_converted(s) for s in segs))
    return result


def _from_bins(result: GeneCopyNumber, bins: list[Segment], locus: GeneLocus, rule: AmplificationRule,
               purity: float | None, ploidy: float | None) -> GeneCopyNumber:
    bins = sorted(bins, key=lambda s: (s.start, s.end))
    result.segments = [_segment_dict(b, locus, segment_copy_number(b, purity)) for b in bins]
    if bins:
        span = min(bins[-1].end, locus.end) - max(bins[0].start, locus.start) + 1
        result.covered_fraction = max(0, min(span, locus.length)) / locus.length
    result.method = f"median of {len(bins)} bin(s) overlapping the gene (bin-level file)"
    if not bins:
        _coverage_reason(result, locus, rule, "")
        return result
    if len(bins) < MIN_BINS:
        result.call, result.amplified = "not_assessable", None
        result.reasons.append(Reason("too_few_bins", f"{locus.gene}: {len(bins)} bin(s) overlap the gene; at least "
                                     f"{MIN_BINS} are needed for a bin-level estimate"))
        return result
    if _coverage_reason(result, locus, rule, f"bins span {result.covered_fraction:.0%} of the gene"):
        return result
    # Median of the raw values, then one conversion: the median is robust to noisy single amplicons.
    raw = statistics.median(b.value for b in bins)
    proto = Segment(bins[0].chrom, bins[0].start, bins[-1].end, raw, bins[0].value_kind,
                    copy_number=statistics.median(b.copy_number for b in bins)
                    if all(b.copy_number is not None for b in bins) else None)
    cn = segment_copy_number(proto, purity)
    lg = segment_log2(proto, cn)
    result.copy_number, result.raw_value, result.raw_kind = cn, raw, proto.value_kind
    result.method += _conversion_note(bins, purity)
    _decide(result, locus, rule, purity, ploidy, cn, lg, False, _converted(proto))
    return result


def _from_gene_table(result: GeneCopyNumber, profile: CopyNumberProfile, locus: GeneLocus,
                     rule: AmplificationRule, purity: float | None, ploidy: float | None) -> GeneCopyNumber:
    row: GeneRow | None = (profile.gene_rows or {}).get(locus.gene)
    result.method = "gene-level table (minCopyNumber compared; PURPLE's AMP driver rule uses the minimum)"
    if row is None or normalize_contig(row.chrom) != normalize_contig(locus.chrom):
        where = "" if row is None else f" (its row is on chromosome {row.chrom}, expected {locus.chrom})"
        result.reasons.append(Reason("gene_not_reported", f"{locus.gene} is not reported in the gene-level table"
                                     f"{where}; not measured, so not assessable"))
        return result
    lo, hi = row.min_copy_number, row.max_copy_number
    result.covered_fraction = 1.0  # the gene table reports the gene as a whole
    result.copy_number, result.raw_value, result.raw_kind = lo, lo, "copy_number"
    result.method += f"; minCopyNumber {lo:.2f}, maxCopyNumber {hi:.2f}"
    result.segments = [{"chrom": row.chrom, "start": row.start, "end": row.end, "raw_value": lo,
                        "raw_kind": "copy_number", "copy_number": lo, "max_copy_number": hi,
                        "overlap_bp": min(row.end, locus.end) - max(row.start, locus.start) + 1, "line": row.line}]
    ploidy_used = ploidy if ploidy is not None else 2.0
    lg_lo = math.log2(max(lo, 2 * _RATIO_FLOOR) / 2.0)
    lg_hi = math.log2(max(hi, 2 * _RATIO_FLOOR) / 2.0)
    _decide(result, locus, rule, purity, ploidy, lo, lg_lo, lo <= rule.deletion_at < hi, False)
    max_reaches = _compare(rule.mode, hi, lg_hi, ploidy_used) >= rule.amplified_at
    if result.call in ("not_amplified", "equivocal") and max_reaches:
        result.call, result.amplified = "equivocal", None
        result.reasons.append(Reason("partial_amplification", f"{locus.gene}: maxCopyNumber {hi:.2f} reaches the "
                                     f"amplification threshold but minCopyNumber {lo:.2f} does not: part of the gene "
                                     "is amplified (PURPLE PARTIAL_AMP); a reviewer can request FISH or IHC"))
    return result


def _conversion_note(segs: list[Segment], purity: float | None) -> str:
    if any(_converted(s) for s in segs):
        if purity is None:
            return "; ratio converted to copy number as 2 x ratio (pure tumour assumed)"
        return f"; ratio converted to copy number with purity {purity:.2f} (CNVkit rescaling)"
    return "; absolute copy number as stated by the file"


def _threshold(rule: AmplificationRule, value: float | None, ploidy_used: float | None) -> dict[str, Any]:
    t: dict[str, Any] = {"mode": rule.mode, "amplified_at": rule.amplified_at, "gain_at": rule.gain_at,
                         "deletion_at": rule.deletion_at, "value_compared": value}
    if rule.mode == "relative_ploidy":
        t["ploidy_used"] = ploidy_used if ploidy_used is not None else 2.0
    return t


def _decide(result: GeneCopyNumber, locus: GeneLocus, rule: AmplificationRule, purity: float | None,
            ploidy: float | None, cn: float, log2r: float, partial_deletion: bool, converted: bool) -> None:
    """Apply deletion, amplification and purity rules to a summary copy number."""
    ploidy_used = ploidy if ploidy is not None else 2.0
    value = _compare(rule.mode, cn, log2r, ploidy_used)
    result.threshold = _threshold(rule, value, ploidy_used)
    if converted and purity is None:
        result.reasons.append(Reason("purity_unknown", f"{locus.gene}: tumour purity unknown; the ratio was converted "
                                     "to copy number assuming a pure tumour (2 x ratio), which underestimates "
                                     "copy number in an impure sample"))
    if rule.mode == "relative_ploidy" and ploidy is None:
        result.reasons.append(Reason("ploidy_unknown", f"{locus.gene}: tumour ploidy unknown; copy number compared "
                                     "relative to ploidy 2"))
    if cn <= rule.deletion_at:
        result.call, result.amplified = "deleted", False
        result.reasons.append(Reason("homozygous_deletion", f"{locus.gene}: copy number {cn:.2f} <= "
                                     f"{rule.deletion_at:g} over the gene: homozygous deletion"))
    elif partial_deletion:
        result.call, result.amplified = "deleted", False
        result.reasons.append(Reason("partial_deletion", f"{locus.gene}: part of the gene body has copy number <= "
                                     f"{rule.deletion_at:g} (partial homozygous deletion)"))
    elif value >= rule.amplified_at:
        result.call, result.amplified = "amplified", True
    elif value >= rule.gain_at:
        result.call, result.amplified = "equivocal", None
        result.reasons.append(Reason("gain_not_amplification", f"{locus.gene}: {value:.2f} ({rule.mode}) is a gain "
                                     f"(>= {rule.gain_at:g}) but below the amplification threshold "
                                     f"{rule.amplified_at:g}; a reviewer can request FISH or IHC"))
    else:
        result.call, result.amplified = "not_amplified", False
    if purity is not None and purity < rule.min_purity and result.call != "amplified":
        previous = result.call
        result.call, result.amplified = "not_assessable", None
        result.reasons.append(Reason("low_purity", f"{locus.gene}: tumour purity {purity:.0%} is below "
                                     f"{rule.min_purity:.0%}; the estimate ({previous}, copy number "
                                     f"{_fmt_cn(cn)}) could not exclude an amplification"))


# --------------------------------------------------------------------------- plot data


def chromosome_profile(profile: CopyNumberProfile, chrom: str, *, purity: float | None, ploidy: float | None,
                       start: int | None = None, end: int | None = None) -> list[dict]:
    """Segments of one chromosome window as ``[{"start","end","copy_number","raw_value"}]``.

    Coordinates are clipped to the window. More than 500 items (bins) are merged in runs of
    equal size into at most 500 points, each with the median copy number and raw value.
    ``ploidy`` is accepted for symmetry with :func:`gene_copy_number`; the absolute copy number
    does not depend on it (the plot draws its own ploidy line).
    """
    _check_args(purity, ploidy)
    c = normalize_contig(chrom)
    items: list[dict[str, Any]] = []
    if profile.gene_rows is not None and not profile.segments:
        for row in profile.gene_rows.values():
            if normalize_contig(row.chrom) == c and _in_window(row.start, row.end, start, end):
                items.append({"start": row.start, "end": row.end, "copy_number": row.min_copy_number,
                              "raw_value": row.min_copy_number})
    else:
        for s in profile.segments:
            if s.chrom == c and math.isfinite(s.value) and _in_window(s.start, s.end, start, end):
                items.append({"start": s.start, "end": s.end, "copy_number": segment_copy_number(s, purity),
                              "raw_value": s.value})
    items.sort(key=lambda d: (d["start"], d["end"]))
    for d in items:
        if start is not None:
            d["start"] = max(d["start"], start)
        if end is not None:
            d["end"] = min(d["end"], end)
    if len(items) <= MAX_PLOT_POINTS:
        return items
    size = math.ceil(len(items) / MAX_PLOT_POINTS)
    merged = []
    for i in range(0, len(items), size):
        group = items[i:i + size]
        merged.append({"start": group[0]["start"], "end": max(g["end"] for g in group),
                       "copy_number": statistics.median(g["copy_number"] for g in group),
                       "raw_value": statistics.median(g["raw_value"] for g in group)})
    return merged


def _in_window(s: int, e: int, start: int | None, end: int | None) -> bool:
    return (start is None or e >= start) and (end is None or s <= end)
