"""Gene-level copy number: which segments cover a gene and what copy number that means, with its uncertainty.

This module **estimates**; the trial arms decide (``criteria.py``, each ``gene_amplified``
criterion with its own rule, through :func:`judge`). The ``call`` stored on each gene is the
reading under the configured ``copy_number.thresholds`` rule, used for the report's tiles and the
cohort summary; an arm with its own threshold applies :func:`judge` to the same estimate.

Coverage. Overlap with the gene body [locus.start, locus.end] decides. ``covered_fraction`` =
bases of the gene body covered by a segment (measured or interpolated, below) / gene length;
below ``rule.min_covered_fraction`` the gene is not assessable (``gene_not_covered`` at 0 %, else
``gene_partially_covered``): missing evidence is never evidence.

Probe gaps. In probe- or bin-based segmentations (SEG, GATK, ASCAT, FACETS, Sequenza, ACEseq,
CNVkit, PURPLE) a segment runs from its first to its last probe, so a gene can sit partly in the
gap between two segments. Gaps up to 1 Mb are split at their midpoint between the flanking
segments (``probe_gap_interpolated``). Interpolated bases **fill coverage but never make a
call**: the value is the weighted mean over *measured* bases only; a gene covered by interpolated
bases alone gets the range of both flanking segments; a deletion counts only where measured.
Event-only files (DRAGEN/TSO VCF, BED) are never bridged: there a gap means "not reported".

Ranges. Ratios (log2, log10, fold change) become absolute tumour copy number with CNVkit's
``call`` rescaling, reference copies = ploidy (CNVkit ``_log2_ratio_to_absolute`` with
``ref_copies = expect_copies = ploidy`` for autosomes)::

    CN = (P * R - P * (1 - p)) / p = P * (1 + (R - 1) / p),   clamped at 0

for a linear ratio R, purity p and ploidy P. A stated purity or ploidy is a point; an unknown
purity spans ``[rule.min_purity, 1]`` and an unknown ploidy ``rule.unknown_ploidy`` (default
2-2, CNVkit's default). Files stating absolute copy numbers (PURPLE, ASCAT, FACETS, Sequenza,
ACEseq, CNVkit ``call`` ``cn``, DRAGEN ``CN``) need no conversion. For a weighted mean the copy
number is, in u = 1/p, a sum of convex piecewise-linear terms and linear in P, so its extremes
over the box lie at the ends of both ranges or at a term's kink (where a segment's copy number
reaches 0): :func:`scenario_points` lists exactly those points, so the range is exact.

A stated purity below ``rule.min_plausible_purity`` or a ploidy outside ``rule.plausible_ploidy``
is implausible: the gene is not assessable (``implausible_purity`` / ``implausible_ploidy``).
A stated purity below ``rule.min_purity`` keeps amplification possible but cannot exclude it
(``low_purity``).

Threshold modes (``rule.mode``) compare: ``absolute`` CN; ``relative_ploidy`` CN / P; ``log2``
the log2 ratio (log10 * log2(10), log2(fold change), log2(CN / 2) for absolute files);
``fold_change`` CN / 2. :func:`judge`: the range entirely at or above ``amplified_at`` ->
amplified; entirely below ``gain_at`` -> not amplified; entirely below ``amplified_at`` ->
equivocal (gain, not amplification); straddling ``amplified_at`` -> ``uncertain``, with the
purity or ploidy at which it would cross. CN at or below ``deletion_at`` over the whole range ->
deleted.

Several overlapping segments (a breakpoint inside the gene) are summarised by ``rule.summary``
(``weighted`` or ``max``); a ``breakpoint_in_gene`` reason lists the per-segment values. Bin-level
profiles (CNVkit ``.cnr``) use the median of the bins overlapping the gene; fewer than 3 bins ->
not assessable (``too_few_bins``).
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..genome import chrom_sizes, normalize_contig
from ..model import (
    AmplificationRule,
    CNComponent,
    CopyNumberEstimate,
    CopyNumberProfile,
    GeneCopyNumber,
    GeneRow,
    Reason,
    Segment,
)
from ..paths import reference_path
from ..reference import GeneLocus
from .formats import gap_bridged

LOG2_10 = math.log2(10)
MAX_PLOT_POINTS = 500
_RATIO_FLOOR = 2.0**-20  # log2 of a zero ratio/CN is reported as -20 rather than -inf
_RATIO_KINDS = ("log2", "log10", "fold_change")
KIND_LABEL = {"log2": "log2 ratio", "log10": "log10 ratio", "fold_change": "fold change", "copy_number": "copy number"}


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


def gene_copy_number(
    profile: CopyNumberProfile,
    locus: GeneLocus,
    rule: AmplificationRule,
    *,
    purity: float | None,
    ploidy: float | None,
    purity_source: str | None,
    coding: Sequence[tuple[int, int]] | None = None,
    focal: FocalRule | None = None,
) -> GeneCopyNumber:
    """Copy-number estimate for one gene, with ``call`` read under ``rule`` (module docstring).

    ``purity``/``ploidy`` are the effective values chosen by the caller (sample sheet over file).
    ``coding``: the gene's coding intervals (TP53); a deletion then counts only where measured over them.
    ``focal``: the configured ``copy_number.focal`` rule; with it the result also carries the amplicon
    around the gene (:func:`estimate_amplicon`, ``GeneCopyNumber.amplicon``).
    """
    _check_args(purity, ploidy)
    result = GeneCopyNumber(
        gene=locus.gene, build=locus.build, chrom=locus.chrom, start=locus.start, end=locus.end,
        call="not_assessable", amplified=None, copy_number=None, raw_value=None, raw_kind=None,
        method="", threshold=_threshold(rule, None), covered_fraction=0.0, segments=[],
        purity=purity, ploidy=ploidy, purity_source=purity_source,
    )  # fmt: skip
    if profile.gene_rows is not None:
        _from_gene_table(result, profile, locus, rule, purity, ploidy)
    else:
        chrom = normalize_contig(locus.chrom)
        on_chrom = [s for s in profile.segments if s.chrom == chrom and math.isfinite(s.value)]
        if not on_chrom:
            result.method = "no segment on the gene's chromosome"
            result.reasons.append(
                Reason(
                    "gene_not_covered",
                    f"{locus.gene}: the copy-number file has no segment on "
                    f"chromosome {chrom}; the gene was not measured (not the same as not amplified)",
                )
            )
            return result
        if profile.is_bin_level:
            bins = [s for s in on_chrom if s.end >= locus.start and s.start <= locus.end]
            _from_bins(result, bins, locus, rule, purity, ploidy)
        else:
            spans = _effective_spans(on_chrom, max_gap=rule.max_gap_bridged if gap_bridged(profile.format) else 0)
            overlapping = [(s, a, b) for s, a, b in spans if b >= locus.start and a <= locus.end]
            _from_segments(result, overlapping, locus, rule, purity, ploidy, coding)
    if result.estimate is not None and _plausible(result, rule, purity, ploidy):
        apply_rule(result, rule)
    if focal is None:
        return result
    result.amplicon = estimate_amplicon(profile, locus, result, rule, focal)
    return result


def _effective_spans(segs: list[Segment], *, max_gap: int) -> list[tuple[Segment, int, int]]:
    """Segments with the interval they stand for: probe gaps up to ``max_gap`` bp split at the midpoint.

    In probe/bin-based segmentations (DNAcopy, GATK, ASCAT, FACETS ...) a segment runs from its
    first to its last probe; the breakpoint between two segments lies somewhere in the gap to the
    next probe. Bases in such a gap are as (un)measured as bases between probes inside a segment,
    so the gap is shared at its midpoint. Larger gaps (centromeres, unmappable or untargeted
    regions) stay uncovered, and event-only files (DRAGEN without REF calls, BED) are never
    bridged: there a gap means "not reported", not "between two probes".
    """
    ordered = sorted(segs, key=lambda s: (s.start, s.end))
    out = [(s, s.start, s.end) for s in ordered]
    if max_gap <= 0:
        return out
    for i in range(len(out) - 1):
        cur, a, b = out[i]
        nxt, c, d = out[i + 1]
        gap = nxt.start - cur.end - 1
        # Only a gap between two consecutive data rows is a gap between probes. When the rows are not
        # adjacent in the file, a row between them was skipped (a missing value: "not measured"), and
        # bridging would turn that row's missing value into its neighbour's.
        adjacent = cur.line is None or nxt.line is None or abs(nxt.line - cur.line) == 1
        if 0 < gap <= max_gap and adjacent and cur.end == b and nxt.start == c:
            mid = cur.end + (gap + 1) // 2
            out[i] = (cur, a, mid)
            out[i + 1] = (nxt, mid + 1, d)
    return out


def _segment_dict(seg: Segment, locus: GeneLocus, cn: float | None) -> dict[str, Any]:
    overlap = min(seg.end, locus.end) - max(seg.start, locus.start) + 1
    return {
        "chrom": seg.chrom,
        "start": seg.start,
        "end": seg.end,
        "raw_value": seg.value,
        "raw_kind": seg.value_kind,
        "copy_number": cn,
        "overlap_bp": overlap,
        "line": seg.line,
    }


def _plausible(result: GeneCopyNumber, rule: AmplificationRule, purity: float | None, ploidy: float | None) -> bool:
    """Reject a stated purity or ploidy no tumour has: the estimate is then not assessable, never amplified."""
    problem = None
    if purity is not None and purity < rule.min_plausible_purity:
        problem = Reason(
            "implausible_purity",
            f"{result.gene}: stated tumour purity {purity:g} "
            f"({result.purity_source or 'source unknown'}) is below the plausible minimum "
            f"{rule.min_plausible_purity:g} (copy_number.min_plausible_purity); copy number cannot be "
            "derived from it: re-estimate purity",
        )
    elif ploidy is not None and not rule.plausible_ploidy[0] <= ploidy <= rule.plausible_ploidy[1]:
        lo, hi = rule.plausible_ploidy
        problem = Reason(
            "implausible_ploidy",
            f"{result.gene}: stated tumour ploidy {ploidy:g} is outside the "
            f"plausible range {lo:g}-{hi:g} (copy_number.plausible_ploidy): re-estimate ploidy",
        )
    if problem is None:
        return True
    result.reasons.append(problem)
    result.call, result.amplified, result.estimate = "not_assessable", None, None
    return False


def _ranges(
    rule: AmplificationRule, purity: float | None, ploidy: float | None, converted: bool
) -> tuple[tuple[float, float], tuple[float, float], list[str]]:
    notes = []
    if purity is not None:
        prange = (purity, purity)
    elif converted:
        prange = (rule.min_purity, 1.0)
        notes.append(f"purity unknown: {rule.min_purity:.2f}-1.00 considered (copy_number.min_purity to a pure tumour)")
    else:
        prange = (1.0, 1.0)  # absolute copy numbers do not depend on purity
    if ploidy is not None:
        qrange = (ploidy, ploidy)
    else:
        qrange = (float(rule.unknown_ploidy[0]), float(rule.unknown_ploidy[1]))
        lo, hi = qrange
        span = f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"
        if converted or rule.mode == "relative_ploidy":
            notes.append(
                f"ploidy unknown: {span} {'assumed' if lo == hi else 'considered'} (copy_number.unknown_ploidy)"
            )
    return prange, qrange, notes


def _component(seg: Segment, weight: float) -> CNComponent:
    if seg.copy_number is not None:
        cn = max(seg.copy_number, 0.0)
        return CNComponent(cn, math.log2(max(cn, 2 * _RATIO_FLOOR) / 2.0), weight, False)
    ratio = linear_ratio(seg)
    if ratio is None:
        cn = max(seg.value, 0.0)
        return CNComponent(cn, math.log2(max(cn, 2 * _RATIO_FLOOR) / 2.0), weight, False)
    return CNComponent(ratio, segment_log2(seg, 0.0), weight, True)


def component_copy_number(c: CNComponent, purity: float, ploidy: float) -> float:
    """Absolute copy number of one component at a given purity and ploidy (CNVkit rescaling)."""
    if not c.converted:
        return c.value
    return max(0.0, ploidy * (1.0 + (c.value - 1.0) / purity))


def compared_value(mode: str, cn: float, log2r: float, ploidy: float) -> float:
    if mode == "absolute":
        return cn
    if mode == "relative_ploidy":
        return cn / ploidy
    if mode == "log2":
        return log2r
    if mode == "fold_change":
        return cn / 2.0
    raise ValueError(f"unknown amplification rule mode {mode!r}")


def estimate_at(est: CopyNumberEstimate, mode: str, purity: float, ploidy: float) -> tuple[float, float, float]:
    """(copy number, log2, compared value) of the estimate at one purity and ploidy."""
    comps = est.components
    if est.summary == "max":
        best = None
        for c in comps:
            cn = component_copy_number(c, purity, ploidy)
            v = compared_value(mode, cn, c.log2, ploidy)
            if best is None or v > best[2]:
                best = (cn, c.log2, v)
        assert best is not None
        return best
    weight = sum(c.weight for c in comps) or 1.0
    cn = sum(component_copy_number(c, purity, ploidy) * c.weight for c in comps) / weight
    if all(c.converted for c in comps):
        lg = sum(c.log2 * c.weight for c in comps) / weight
    else:
        lg = math.log2(max(cn, 2 * _RATIO_FLOOR) / 2.0)
    return cn, lg, compared_value(mode, cn, lg, ploidy)


def scenario_points(est: CopyNumberEstimate) -> list[tuple[float, float]]:
    """(purity, ploidy) points at which the estimate's extremes over its ranges lie (module docstring)."""
    plo, phi = est.purity
    u_lo, u_hi = 1.0 / phi, 1.0 / plo
    us = {u_lo, u_hi}
    for c in est.components:
        if c.converted and c.value < 1.0:
            u = 1.0 / (1.0 - c.value)  # where 1 + (R - 1) u = 0
            if u_lo < u < u_hi:
                us.add(u)
    return [(1.0 / u, q) for u in sorted(us) for q in sorted(set(est.ploidy))]


def _values(est: CopyNumberEstimate, mode: str, index: int) -> list[float]:
    """(copy number, log2, compared)[index] at every extreme point; for ``flanks`` every flank's own value."""
    points = scenario_points(est)
    if est.summary == "flanks":
        # No probe inside the gene: its value is either flanking segment's, never known to be their mean.
        return [estimate_at(_single(est, c), mode, p, q)[index] for c in est.components for p, q in points]
    return [estimate_at(est, mode, p, q)[index] for p, q in points]


def value_range(est: CopyNumberEstimate, mode: str) -> tuple[float, float]:
    values = _values(est, mode, 2)
    return min(values), max(values)


def copy_number_range(est: CopyNumberEstimate) -> tuple[float, float]:
    values = _values(est, "absolute", 0)
    return min(values), max(values)


def _point(est: CopyNumberEstimate) -> tuple[float, float]:
    """The reported point: stated values, else a pure tumour and the low end of the ploidy range."""
    return est.purity[1], est.ploidy[0]


def _coverage_reason(result: GeneCopyNumber, locus: GeneLocus, rule: AmplificationRule, detail: str) -> bool:
    """Add the coverage reason and return True when coverage is too low to assess."""
    frac = result.covered_fraction
    if frac >= rule.min_covered_fraction:
        return False
    if frac == 0:
        result.reasons.append(
            Reason(
                "gene_not_covered",
                f"{locus.gene}: no segment overlaps the gene body "
                f"chr{locus.chrom}:{locus.start:,}-{locus.end:,}; not measured",
            )
        )
    else:
        result.reasons.append(
            Reason(
                "gene_partially_covered",
                f"{locus.gene}: only {frac:.0%} of the gene body "
                f"is covered ({detail}); at least {rule.min_covered_fraction:.0%} is required, "
                "so the value of the covered part is not used for a call",
            )
        )
    result.call, result.amplified, result.estimate = "not_assessable", None, None
    return True


def _overlap(a: int, b: int, lo: int, hi: int) -> int:
    return max(0, min(b, hi) - max(a, lo) + 1)


# Measurement noise allowed on a ratio before its stated copy number is called impossible.
_RATIO_NOISE = 1.1


def stated_contradiction(seg: Segment, rule: AmplificationRule) -> str | None:
    """Why a segment's stated copy number contradicts its own ratio, or None.

    A ratio r (tumour/reference, with its noise widened by ``_RATIO_NOISE``) and the copy number
    P * (1 + (r - 1) / purity) it rescales to, for every plausible purity (down to
    ``min_plausible_purity``) and ploidy P (``plausible_ploidy``), bound what the file may state:
    a loss (r < 1) lies at most at P * r, a gain at least at P * r, and a neutral or gained
    segment at most at P * (1 + (r - 1) / min purity). A stated copy number outside those bounds
    (plus half a copy for rounding) cannot come from the same measurement: the row is corrupt (a
    shifted or dropped field), and neither number is evidence.
    """
    if seg.copy_number is None:
        return None
    ratio = linear_ratio(seg)
    if ratio is None or not math.isfinite(ratio) or not math.isfinite(seg.copy_number):
        return None
    low_ploidy, high_ploidy = rule.plausible_ploidy
    low_ratio, high_ratio = ratio / _RATIO_NOISE, ratio * _RATIO_NOISE
    if high_ratio <= 1.0:
        highest = high_ploidy * high_ratio
    else:
        highest = high_ploidy * (1.0 + (high_ratio - 1.0) / rule.min_plausible_purity)
    lowest = low_ploidy * low_ratio if low_ratio >= 1.0 else 0.0
    if lowest - 0.5 <= seg.copy_number <= highest + 0.5:
        return None
    where = f"line {seg.line}" if seg.line is not None else f"chr{seg.chrom}:{seg.start:,}-{seg.end:,}"
    return (
        f"{where}: the file's {seg.value_kind.replace('_', ' ')} value {seg.value:g} allows a copy number of "
        f"{lowest:.3g}-{highest:.3g} (any purity >= {rule.min_plausible_purity:g}, ploidy {low_ploidy:g}-"
        f"{high_ploidy:g}), but the file states {seg.copy_number:g}"
    )


def _contradictory(result: GeneCopyNumber, segs: Sequence[Segment], locus: GeneLocus, rule: AmplificationRule) -> bool:
    """Make the gene not assessable when a segment over it contradicts itself (:func:`stated_contradiction`)."""
    found = [why for why in (stated_contradiction(s, rule) for s in segs) if why]
    if not found:
        return False
    result.reasons.append(
        Reason(
            "cn_self_contradictory",
            f"{locus.gene}: copy number not assessable: {'; '.join(found[:3])}; check the file for a shifted or "
            "missing field",
        )
    )
    result.call, result.amplified, result.estimate = "not_assessable", None, None
    return True


def _from_segments(
    result: GeneCopyNumber,
    overlapping: list[tuple[Segment, int, int]],
    locus: GeneLocus,
    rule: AmplificationRule,
    purity: float | None,
    ploidy: float | None,
    coding: Sequence[tuple[int, int]] | None,
) -> None:
    if not overlapping:
        result.method = "no segment overlaps the gene"
        _coverage_reason(result, locus, rule, "")
        return
    interpolated = 0
    measured_parts: list[tuple[Segment, int]] = []
    for seg, a, b in overlapping:
        ov = _overlap(a, b, locus.start, locus.end)
        measured = _overlap(seg.start, seg.end, locus.start, locus.end)
        interpolated += ov - measured
        measured_parts.append((seg, measured))
        d = _segment_dict(seg, locus, None)
        d["overlap_bp"] = ov
        if ov != measured:
            d["interpolated_bp"] = ov - measured
        result.segments.append(d)
    covered = _covered_bases((max(a, locus.start), min(b, locus.end)) for _, a, b in overlapping)
    result.covered_fraction = covered / locus.length
    result.observed_fraction = (
        _covered_bases((max(s.start, locus.start), min(s.end, locus.end)) for s, m in measured_parts if m > 0)
        / locus.length
    )
    segs = [s for s, _ in measured_parts]
    result.raw_kind = segs[0].value_kind
    observed = [(s, m) for s, m in measured_parts if m > 0]
    if interpolated:
        result.reasons.append(
            Reason(
                "probe_gap_interpolated",
                f"{locus.gene}: {interpolated:,} bp of the gene lie "
                "in a gap between two segments' outermost probes; they count as covered but "
                "not as measured, so they make no call",
            )
        )
    if _coverage_reason(result, locus, rule, f"{covered:,} of {locus.length:,} bp by {len(segs)} segment(s)"):
        return
    if _contradictory(result, segs, locus, rule):
        return
    if observed:
        comps = [_component(s, float(m)) for s, m in observed]
        used = [s for s, _ in observed]
        raw = sum(s.value * m for s, m in observed) / sum(m for _, m in observed)
        if len(observed) == 1:
            summary, method = "single", "single segment measured over the gene"
        elif rule.summary == "max":
            summary, method = "max", f"maximum over {len(observed)} overlapping segments (rule summary 'max')"
        else:
            summary = "weighted"
            method = (
                f"mean over {len(observed)} overlapping segments weighted by measured bases (rule summary 'weighted')"
            )
    else:
        # Only interpolated bases: the gene's value is either flanking segment's, so both bound the range.
        comps = [_component(s, 1.0) for s in segs]
        used = segs
        raw = segs[0].value
        summary = "flanks" if len(segs) > 1 else "single"
        method = "no segment measured inside the gene; range spans the flanking segments"
        result.reasons.append(
            Reason(
                "gene_only_interpolated",
                f"{locus.gene}: no probe inside the gene; its copy "
                "number lies between the flanking segments', so only their common range is known",
            )
        )
    est = _estimate(comps, summary, rule, purity, ploidy)
    result.estimate = est
    p, q = _point(est)
    cn = estimate_at(est, rule.mode, p, q)[0]
    if summary == "max":
        best = max(range(len(comps)), key=lambda i: estimate_at(_single(est, comps[i]), rule.mode, p, q)[2])
        raw = used[best].value
    result.copy_number, result.raw_value = cn, raw
    result.method = method + _conversion_note(used, purity, ploidy)
    for d, (s, _m) in zip(result.segments, measured_parts, strict=True):
        d["copy_number"] = component_copy_number(_component(s, 1.0), p, q)
    result.deletion = _deletion(result, observed, locus, rule, coding, est)


def _estimate(
    comps: Sequence[CNComponent],
    summary: str,
    rule: AmplificationRule,
    purity: float | None,
    ploidy: float | None,
    partial_max: float | None = None,
) -> CopyNumberEstimate:
    prange, qrange, notes = _ranges(rule, purity, ploidy, any(c.converted for c in comps))
    return CopyNumberEstimate(
        tuple(comps),
        summary,
        prange,
        qrange,
        purity is not None,
        ploidy is not None,
        can_exclude=purity is None or purity >= rule.min_purity,
        partial_max=partial_max,
        assumptions=tuple(notes),
    )


def _single(est: CopyNumberEstimate, comp: CNComponent) -> CopyNumberEstimate:
    return CopyNumberEstimate((comp,), "single", est.purity, est.ploidy, est.purity_stated, est.ploidy_stated)


def _deletion(
    result: GeneCopyNumber,
    observed: list[tuple[Segment, int]],
    locus: GeneLocus,
    rule: AmplificationRule,
    coding: Sequence[tuple[int, int]] | None,
    est: CopyNumberEstimate,
) -> dict[str, Any] | None:
    """Deep deletion evidence: measured bases (over coding exons when given) at or below deletion_at.

    ``state``: ``deleted`` (every scenario deletes), ``possible`` (some scenario does, e.g. a loss at
    unknown purity), ``outside_coding`` (a deep deletion measured only in introns/UTRs: for review),
    or ``none``.
    """
    regions = list(coding) if coding else [(locus.start, locus.end)]
    deleted_bp = possible_bp = noncoding_bp = 0
    for seg, _m in observed:
        comp = _component(seg, 1.0)
        cns = [component_copy_number(comp, p, q) for p, q in scenario_points(_single(est, comp))]
        lo, hi = min(cns), max(cns)
        if lo > rule.deletion_at:
            continue
        in_coding = sum(_overlap(seg.start, seg.end, max(a, locus.start), min(b, locus.end)) for a, b in regions)
        in_gene = _overlap(seg.start, seg.end, locus.start, locus.end)
        if hi <= rule.deletion_at:
            deleted_bp += in_coding
        else:
            possible_bp += in_coding
        if coding and in_coding == 0 and in_gene > 0:
            noncoding_bp += in_gene
    where = "coding bases" if coding else "bases of the gene"
    if deleted_bp:
        state = "deleted"
    elif possible_bp:
        state = "possible"
    elif noncoding_bp:
        state = "outside_coding"
    else:
        return None
    whole = (deleted_bp if state == "deleted" else possible_bp) >= sum(b - a + 1 for a, b in regions)
    return {
        "state": state,
        "deleted_bp": deleted_bp,
        "possible_bp": possible_bp,
        "noncoding_bp": noncoding_bp,
        "whole": whole,
        "measured_over": where,
        "deletion_at": rule.deletion_at,
    }


def _from_bins(
    result: GeneCopyNumber,
    bins: list[Segment],
    locus: GeneLocus,
    rule: AmplificationRule,
    purity: float | None,
    ploidy: float | None,
) -> None:
    bins = sorted(bins, key=lambda s: (s.start, s.end))
    result.segments = [_segment_dict(b, locus, None) for b in bins]
    if bins:
        span = min(bins[-1].end, locus.end) - max(bins[0].start, locus.start) + 1
        result.covered_fraction = max(0, min(span, locus.length)) / locus.length
        result.observed_fraction = result.covered_fraction
    result.method = f"median of {len(bins)} bin(s) overlapping the gene (bin-level file)"
    if not bins:
        _coverage_reason(result, locus, rule, "")
        return
    if len(bins) < rule.min_bins:
        result.call, result.amplified = "not_assessable", None
        result.reasons.append(
            Reason(
                "too_few_bins",
                f"{locus.gene}: {len(bins)} bin(s) overlap the gene; at least "
                f"{rule.min_bins} are needed for a bin-level estimate (copy_number.min_bins)",
            )
        )
        return
    if _coverage_reason(result, locus, rule, f"bins span {result.covered_fraction:.0%} of the gene"):
        return
    if _contradictory(result, bins, locus, rule):
        return
    # Median of the raw values, then one conversion: the median is robust to noisy single amplicons.
    raw = statistics.median(b.value for b in bins)
    proto = Segment(
        bins[0].chrom,
        bins[0].start,
        bins[-1].end,
        raw,
        bins[0].value_kind,
        copy_number=_median_stated([b.copy_number for b in bins]),
    )
    comp = _component(proto, 1.0)
    est = _estimate([comp], "single", rule, purity, ploidy)
    result.estimate = est
    p, q = _point(est)
    result.copy_number = component_copy_number(comp, p, q)
    result.raw_value, result.raw_kind = raw, proto.value_kind
    for d, b in zip(result.segments, bins, strict=True):
        d["copy_number"] = component_copy_number(_component(b, 1.0), p, q)
    result.method += _conversion_note(bins, purity, ploidy)
    result.deletion = _deletion(result, [(proto, 1)], locus, rule, None, est)


def _median_stated(values: list[float | None]) -> float | None:
    """Median of copy numbers stated by the file, None unless every bin states one."""
    stated = [v for v in values if v is not None]
    return statistics.median(stated) if stated and len(stated) == len(values) else None


def _from_gene_table(
    result: GeneCopyNumber,
    profile: CopyNumberProfile,
    locus: GeneLocus,
    rule: AmplificationRule,
    purity: float | None,
    ploidy: float | None,
) -> None:
    row: GeneRow | None = (profile.gene_rows or {}).get(locus.gene)
    result.method = "gene-level table (minCopyNumber compared; PURPLE's AMP driver rule uses the minimum)"
    if row is None or normalize_contig(row.chrom) != normalize_contig(locus.chrom):
        where = "" if row is None else f" (its row is on chromosome {row.chrom}, expected {locus.chrom})"
        result.reasons.append(
            Reason(
                "gene_not_reported",
                f"{locus.gene} is not reported in the gene-level table{where}; not measured, so not assessable",
            )
        )
        return
    lo, hi = row.min_copy_number, row.max_copy_number
    result.covered_fraction = result.observed_fraction = 1.0  # the gene table reports the gene as a whole
    result.copy_number, result.raw_value, result.raw_kind = lo, lo, "copy_number"
    result.method += f"; minCopyNumber {lo:.2f}, maxCopyNumber {hi:.2f}"
    result.segments = [
        {
            "chrom": row.chrom,
            "start": row.start,
            "end": row.end,
            "raw_value": lo,
            "raw_kind": "copy_number",
            "copy_number": lo,
            "max_copy_number": hi,
            "overlap_bp": min(row.end, locus.end) - max(row.start, locus.start) + 1,
            "line": row.line,
        }
    ]
    comp = CNComponent(max(lo, 0.0), math.log2(max(lo, 2 * _RATIO_FLOOR) / 2.0), 1.0, False)
    result.estimate = _estimate([comp], "single", rule, purity, ploidy, partial_max=max(hi, lo))
    if lo <= rule.deletion_at:
        result.deletion = {
            "state": "deleted",
            "deleted_bp": result.end - result.start + 1,
            "possible_bp": 0,
            "noncoding_bp": 0,
            "whole": True,
            "measured_over": "gene (gene-level table)",
            "deletion_at": rule.deletion_at,
        }


def _conversion_note(segs: list[Segment], purity: float | None, ploidy: float | None) -> str:
    if any(_converted(s) for s in segs):
        copies = f"ploidy {ploidy:g}" if ploidy is not None else "the assumed ploidy"
        if purity is None:
            return (
                f"; ratio converted with CNVkit's call rescaling, reference copies = {copies}: "
                "shown for a pure tumour, range over the plausible purities"
            )
        return f"; ratio converted with CNVkit's call rescaling at purity {purity:.2f}, reference copies = {copies}"
    return "; absolute copy number as stated by the file"


def _threshold(
    rule: AmplificationRule,
    value: float | None,
    value_range: tuple[float, float] | None = None,
    ploidy_used: float | None = None,
) -> dict[str, Any]:
    t: dict[str, Any] = {
        "mode": rule.mode,
        "amplified_at": rule.amplified_at,
        "gain_at": rule.gain_at,
        "deletion_at": rule.deletion_at,
        "value_compared": value,
    }
    if value_range is not None:
        t["value_range"] = [value_range[0], value_range[1]]
    if rule.mode == "relative_ploidy":
        t["ploidy_used"] = ploidy_used if ploidy_used is not None else 2.0
    return t


# --------------------------------------------------------------------------- judging a range against a rule


@dataclass(frozen=True)
class Judgement:
    """A gene's estimate read under one amplification rule."""

    call: str  # amplified | equivocal | not_amplified | deleted | uncertain | not_assessable
    amplified: bool | None
    value: float | None  # compared value at the reported point
    value_range: tuple[float, float] | None
    reason: Reason | None  # why, when the call is not a plain amplified / not amplified


def _crossing(est: CopyNumberEstimate, mode: str, threshold: float) -> str:
    """Where the compared value crosses ``threshold`` along the unknown purity (or ploidy)."""
    plo, phi = est.purity
    qlo, qhi = est.ploidy
    if plo < phi:
        q = qlo
        at = {p: estimate_at(est, mode, p, q)[2] for p in (plo, phi)}
        a, b = plo, phi
        for _ in range(60):
            mid = (a + b) / 2
            if (estimate_at(est, mode, mid, q)[2] >= threshold) == (at[plo] >= threshold):
                a = mid
            else:
                b = mid
        side = "or less" if at[plo] >= threshold else "or more"
        return (
            f"{at[phi]:.2f} at purity {phi:.2f}, {at[plo]:.2f} at purity {plo:.2f}; {threshold:g} or more at "
            f"purity {b:.2f} {side}: purity needed"
        )
    if qlo < qhi:
        at = {q: estimate_at(est, mode, plo, q)[2] for q in (qlo, qhi)}
        return f"{at[qlo]:.2f} at ploidy {qlo:g}, {at[qhi]:.2f} at ploidy {qhi:g}: ploidy needed"
    return "the compared value straddles the threshold"


def judge(gene: GeneCopyNumber, rule: AmplificationRule) -> Judgement:
    """Read a gene's estimate under ``rule`` (module docstring); the same for the report and every arm."""
    est = gene.estimate
    if est is None:
        return Judgement("not_assessable", None, None, None, None)
    label = f"{gene.gene} ({rule.mode})"
    lo, hi = value_range(est, rule.mode)
    p, q = _point(est)
    value = estimate_at(est, rule.mode, p, q)[2]
    span = f"{lo:.2f}" if abs(hi - lo) < 5e-3 else f"{lo:.2f}-{hi:.2f}"
    if gene.deletion and gene.deletion["state"] == "deleted" and gene.deletion.get("whole") is not False:
        return Judgement(
            "deleted",
            False,
            value,
            (lo, hi),
            Reason(
                "homozygous_deletion",
                f"{gene.gene}: copy number "
                f"<= {rule.deletion_at:g} over the {gene.deletion['measured_over']}: homozygous deletion",
            ),
        )
    if gene.deletion and gene.deletion["state"] == "deleted":
        return Judgement(
            "deleted",
            False,
            value,
            (lo, hi),
            Reason(
                "partial_deletion",
                f"{gene.gene}: part of the "
                f"{gene.deletion['measured_over']} has copy number <= {rule.deletion_at:g} (partial "
                "homozygous deletion, measured)",
            ),
        )
    if lo >= rule.amplified_at:
        return Judgement("amplified", True, value, (lo, hi), None)
    partial = est.partial_max
    if (
        partial is not None
        and compared_value(rule.mode, partial, math.log2(max(partial, 1e-9) / 2), q) >= rule.amplified_at
    ):
        return Judgement(
            "equivocal",
            None,
            value,
            (lo, hi),
            Reason(
                "partial_amplification",
                f"{gene.gene}: "
                f"maxCopyNumber {partial:.2f} reaches the amplification threshold but minCopyNumber "
                f"{copy_number_range(est)[0]:.2f} does not: part of the gene is amplified (PURPLE PARTIAL_AMP); a reviewer can "
                "request FISH or IHC",
            ),
        )
    if hi >= rule.amplified_at:
        return Judgement(
            "uncertain",
            None,
            value,
            (lo, hi),
            Reason(
                "copy_number_range_straddles",
                f"{label}: {_crossing(est, rule.mode, rule.amplified_at)} (amplified at >= {rule.amplified_at:g})",
            ),
        )
    if not est.can_exclude:
        return Judgement(
            "not_assessable",
            None,
            value,
            (lo, hi),
            Reason(
                "low_purity",
                f"{gene.gene}: tumour purity "
                f"{est.purity[0]:.0%} is below {rule.min_purity:.0%} (copy_number.min_purity); the estimate "
                f"({span}, {rule.mode}) could not exclude an amplification",
            ),
        )
    if hi >= rule.gain_at:
        return Judgement(
            "equivocal",
            None,
            value,
            (lo, hi),
            Reason(
                "gain_not_amplification",
                f"{label}: {span} is a "
                f"gain (>= {rule.gain_at:g}) but below the amplification threshold {rule.amplified_at:g}; a "
                "reviewer can request FISH or IHC",
            ),
        )
    return Judgement("not_amplified", False, value, (lo, hi), None)


def _breakpoint_reason(result: GeneCopyNumber, rule: AmplificationRule, est: CopyNumberEstimate) -> None:
    """List the measured segments when a breakpoint inside the gene puts them on different sides of a threshold."""
    if est.summary not in ("weighted", "max") or len(est.components) < 2:
        return
    p, q = _point(est)
    measured = [d for d in result.segments if d["overlap_bp"] - d.get("interpolated_bp", 0) > 0]
    sides = []
    for d, c in zip(measured, est.components, strict=False):
        cn = component_copy_number(c, p, q)
        v = compared_value(rule.mode, cn, c.log2, q)
        side = (
            "deleted" if cn <= rule.deletion_at
            else "amplified" if v >= rule.amplified_at
            else "gain" if v >= rule.gain_at
            else "below gain"
        )  # fmt: skip
        sides.append((d, c, v, side))
    if len({s for *_, s in sides}) < 2:
        return
    listed = "; ".join(
        f"{d['start']:,}-{d['end']:,} {KIND_LABEL[d['raw_kind']]} {d['raw_value']:g} ({rule.mode} {v:.2f}, {side}, "
        f"{int(c.weight):,} bp measured)"
        for d, c, v, side in sides
    )
    used = "maximum" if est.summary == "max" else "mean weighted by measured bases"
    result.reasons.append(
        Reason(
            "breakpoint_in_gene",
            f"{result.gene}: a copy-number breakpoint lies inside the gene and the segments fall on different sides "
            f"of a threshold: {listed}; {used} used",
        )
    )


def apply_rule(result: GeneCopyNumber, rule: AmplificationRule) -> None:
    """Store the reading under ``rule`` (the configured default) on the gene, for tiles and summaries."""
    j = judge(result, rule)
    result.call, result.amplified = j.call, j.amplified
    est = result.estimate
    assert est is not None
    result.threshold = _threshold(rule, j.value, j.value_range, est.ploidy[0])
    lo, hi = copy_number_range(est)
    result.threshold["copy_number_range"] = [lo, hi]
    if est.assumptions and not est.purity_stated and any(c.converted for c in est.components):
        result.reasons.append(
            Reason(
                "purity_unknown",
                f"{result.gene}: tumour purity unknown; copy number "
                f"{result.copy_number:.2f} for a pure tumour, {lo:.2f}-{hi:.2f} over purities "
                f"{est.purity[0]:.2f}-{est.purity[1]:.2f}",
            )
        )
    if rule.mode == "relative_ploidy" and not est.ploidy_stated:
        result.reasons.append(
            Reason(
                "ploidy_unknown",
                f"{result.gene}: tumour ploidy unknown; copy number compared "
                f"relative to ploidy {est.ploidy[0]:g}-{est.ploidy[1]:g}",
            )
        )
    _breakpoint_reason(result, rule, est)
    if j.reason is not None:
        result.reasons.append(j.reason)
    deletion = result.deletion
    if deletion and deletion["state"] == "possible":
        result.reasons.append(
            Reason(
                "possible_homozygous_deletion",
                f"{result.gene}: a loss measured over "
                f"{deletion['possible_bp']:,} {deletion['measured_over']} would be a homozygous "
                f"deletion (copy number <= {deletion['deletion_at']:g}) at some plausible purity: "
                "purity needed",
            )
        )
    elif deletion and deletion["state"] == "outside_coding":
        result.reasons.append(
            Reason(
                "deletion_outside_coding",
                f"{result.gene}: a deep deletion measured over "
                f"{deletion['noncoding_bp']:,} bp of introns or UTRs, none over coding exons; "
                "flagged for review, not counted as a homozygous deletion",
            )
        )


# --------------------------------------------------------------------------- amplicon: focal amplification or arm-level gain


@dataclass(frozen=True)
class FocalRule:
    """What makes a high copy number a *focal* amplification (``copy_number.focal`` in the configuration).

    Default definition: the French aCGH recommendation (PMC4830395, Table 2): focal amplification is
    copy number >= 6 in a diploid tumour over an amplicon of <= 10 Mb; a level that is the whole arm's
    (polysomy, whole-genome doubling) is measured against the arm's own baseline, as FISH measures MDM2
    against CEP12 (ratio >= 2, Mod Pathol 2008;21:943).
    """

    max_size_bp: int
    min_ratio_to_arm: float
    min_arm_measured_fraction: float

    @classmethod
    def from_config(cls, focal: Mapping[str, Any]) -> FocalRule:
        """From the validated ``copy_number.focal`` mapping (every key has a schema default)."""
        return cls(
            max_size_bp=round(float(focal["max_size_mb"]) * 1_000_000),
            min_ratio_to_arm=float(focal["min_ratio_to_arm"]),
            min_arm_measured_fraction=float(focal["min_arm_measured_fraction"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_size_mb": self.max_size_bp / 1_000_000,
            "min_ratio_to_arm": self.min_ratio_to_arm,
            "min_arm_measured_fraction": self.min_arm_measured_fraction,
        }


def amplicon_of(gene: GeneCopyNumber | None) -> dict[str, Any] | None:
    """The gene's amplicon evidence, None when it was not estimated."""
    return gene.amplicon if gene is not None else None


@dataclass(frozen=True)
class ChromosomeArm:
    chrom: str
    arm: str  # "p" or "q"
    start: int  # 1-based inclusive, the centromere's acen band excluded
    end: int

    @property
    def name(self) -> str:
        return f"{self.chrom}{self.arm}"

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@cache
def _centromeres(build: str) -> dict[str, tuple[int, int]]:
    """Chromosome -> (first, last) base of its centromere (UCSC cytoBand ``acen`` bands), 1-based inclusive."""
    with open(reference_path("centromeres.tsv"), newline="") as handle:
        return {
            row["chrom"]: (int(row["acen_start"]), int(row["acen_end"]))
            for row in csv.DictReader(handle, delimiter="\t")
            if row["build"] == build
        }


def chromosome_arm(build: str, chrom: str, start: int, end: int) -> ChromosomeArm | None:
    """The arm holding ``start``-``end``; None when it lies in or across the centromere, or the chromosome has no arm table."""
    c = normalize_contig(chrom)
    centromere = _centromeres(build).get(c)
    size = chrom_sizes(build).get(c)
    if centromere is None or size is None:
        return None
    first, last = centromere
    if end < first:
        return ChromosomeArm(c, "p", 1, first - 1)
    if start > last:
        return ChromosomeArm(c, "q", last + 1, size)
    return None


def _mb(bp: float) -> str:
    return f"{bp / 1_000_000:.2f} Mb"


def _ratio_text(value: float) -> str:
    return "unbounded" if math.isinf(value) else f"{value:.2f}x"


def _weighted_median(values: Sequence[tuple[float, float]]) -> float:
    """Lower weighted median of (value, weight) pairs."""
    ordered = sorted(values)
    half = sum(w for _, w in ordered) / 2.0
    seen = 0.0
    for value, weight in ordered:
        seen += weight
        if seen >= half:
            return value
    return ordered[-1][0]


def _kink_points(est: CopyNumberEstimate, comps: Iterable[CNComponent]) -> list[tuple[float, float]]:
    """(purity, ploidy) points where copy-number extremes can lie: the ends of both ranges and every purity at
    which a converted loss reaches 0 copies (between them each copy number is linear in 1/purity)."""
    plo, phi = est.purity
    u_lo, u_hi = 1.0 / phi, 1.0 / plo
    us = {u_lo, u_hi}
    for c in comps:
        if c.converted and c.value < 1.0:
            u = 1.0 / (1.0 - c.value)
            if u_lo < u < u_hi:
                us.add(u)
    return [(1.0 / u, q) for u in sorted(us) for q in sorted(set(est.ploidy))]


def _gene_cn_at(est: CopyNumberEstimate, purity: float, ploidy: float) -> tuple[float, float]:
    """The gene's copy number at one point; a gene with no probe inside lies between its flanks' values."""
    if est.summary == "flanks":
        values = [component_copy_number(c, purity, ploidy) for c in est.components]
        return min(values), max(values)
    value = estimate_at(est, "absolute", purity, ploidy)[0]
    return value, value


def estimate_amplicon(
    profile: CopyNumberProfile, locus: GeneLocus, gene: GeneCopyNumber, rule: AmplificationRule, focal: FocalRule
) -> dict[str, Any]:
    """The amplicon around a gene and the copy-number baseline of its chromosome arm outside it.

    The amplicon is the contiguous run of segments around the gene whose compared value (``rule.mode``)
    is at or above ``rule.gain_at`` (copy_number.thresholds, the configured reading like the gene's
    ``call``), over the same purity/ploidy ranges as the gene. Each segment is *high* (the whole range
    at or above gain_at), *low* (the whole range below) or *maybe*. The **core** run grows through high
    segments only, the **outer** run through high and maybe ones; runs stop at an unmeasured gap that
    is not bridged (copy_number.max_gap_bridged, probe-based formats only), at the arm's end, or at a
    segment that is not high. Sizes are observed extents (first to last measured base); the largest
    size the amplicon can have is up to the flanking low segments, known only when both are measured.

    The arm (p or q, centromere from UCSC cytoBand ``acen`` bands, data/reference/centromeres.tsv) gives
    the baseline: the length-weighted median copy number of the arm's segments outside the amplicon.
    The gene's copy number divided by that baseline is a range: its low end uses the baseline with
    the maybe segments counted in (highest baseline), its high end the baseline without them.

    ``focal``: True when the gene is high, both edges are measured, the amplicon is at most
    ``focal.max_size_bp`` and the ratio at least ``focal.min_ratio_to_arm`` over the whole range; False
    when even the core exceeds the size or the ratio stays below the minimum (the high level is the
    arm's: polysomy or whole-genome doubling); otherwise None with the reason. A gene-level table, a
    bin-level file, too little of the arm measured (``focal.min_arm_measured_fraction``) or a gene
    that is not assessable leave it None: missing evidence is never evidence.
    """
    out: dict[str, Any] = {
        "state": "not_assessable",
        "focal": None,
        "arm": None,
        "gain_level": {"mode": rule.mode, "gain_at": rule.gain_at, "source": "copy_number.thresholds"},
        "rule": focal.to_dict(),
        "start": None,
        "end": None,
        "size_bp": None,
        "core_size_bp": None,
        "max_size_bp": None,
        "edges_measured": None,
        "spans_arm": None,
        "n_segments": 0,
        "baseline": None,
        "ratio_to_baseline": None,
        "ratio_range": None,
        "reasons": [],
    }

    def unknown(code: str, message: str) -> dict[str, Any]:
        out["reasons"].append(Reason(code, f"{locus.gene}: {message}").to_dict())
        return out

    if profile.gene_rows is not None:
        return unknown(
            "focal_unknown_gene_level",
            "the copy-number file is a gene-level table: without the segments around the gene neither the "
            "amplicon's size nor the arm's baseline is known, so focality is unknown",
        )
    if profile.is_bin_level:
        return unknown(
            "focal_unknown_bin_level",
            "bin-level file (.cnr): single bins are too noisy to delimit an amplicon; give the segment file "
            "(.cns) to assess focality",
        )
    est = gene.estimate
    if est is None:
        return unknown("focal_unknown_not_assessable", "the gene's copy number is not assessable")
    arm = chromosome_arm(locus.build, locus.chrom, locus.start, locus.end)
    if arm is None:
        return unknown(
            "focal_unknown_arm",
            f"no chromosome arm for chr{locus.chrom}:{locus.start:,}-{locus.end:,} (centromere table: "
            "data/reference/centromeres.tsv)",
        )
    out["arm"] = {"name": arm.name, "start": arm.start, "end": arm.end}
    chrom = normalize_contig(locus.chrom)
    on_chrom = [s for s in profile.segments if s.chrom == chrom and math.isfinite(s.value)]
    max_gap = rule.max_gap_bridged if gap_bridged(profile.format) else 0
    spans = [(s, a, b) for s, a, b in _effective_spans(on_chrom, max_gap=max_gap) if b >= arm.start and a <= arm.end]
    block = [i for i, (_s, a, b) in enumerate(spans) if b >= locus.start and a <= locus.end]
    if not block:
        return unknown("focal_unknown_not_assessable", "no segment of the arm overlaps the gene")
    comps = [_component(s, 1.0) for s, _a, _b in spans]
    observed = [(max(s.start, arm.start), min(s.end, arm.end)) for s, _a, _b in spans]
    (plo, phi), (qlo, qhi) = est.purity, est.ploidy
    corners = [(p, q) for p in (plo, phi) for q in (qlo, qhi)]

    def state(values: Sequence[float]) -> str:
        if min(values) >= rule.gain_at:
            return "high"
        return "low" if max(values) < rule.gain_at else "maybe"

    states = [
        state([compared_value(rule.mode, component_copy_number(c, p, q), c.log2, q) for p, q in corners]) for c in comps
    ]
    gene_state = state(value_range(est, rule.mode))
    lo, hi = block[0], block[-1]

    def touching(i: int) -> bool:  # span i and i + 1 are contiguous (probe gap bridged or none)
        return spans[i][2] + 1 >= spans[i + 1][1]

    def grow(allowed: tuple[str, ...]) -> tuple[int, int]:
        a, b = lo, hi
        while a > 0 and touching(a - 1) and states[a - 1] in allowed:
            a -= 1
        while b < len(spans) - 1 and touching(b) and states[b + 1] in allowed:
            b += 1
        return a, b

    gain = f"{rule.gain_at:g} ({rule.mode})"
    if gene_state == "low":
        out["state"] = "no_amplicon"
        out["reasons"].append(
            Reason(
                "no_amplicon",
                f"{locus.gene}: copy number below the gain level {gain} over the whole plausible range: no amplicon",
            ).to_dict()
        )
        return out
    outer = grow(("high", "maybe"))
    core = grow(("high",)) if gene_state == "high" else None
    left_measured = outer[0] > 0 and touching(outer[0] - 1) and states[outer[0] - 1] == "low"
    right_measured = outer[1] < len(spans) - 1 and touching(outer[1]) and states[outer[1] + 1] == "low"
    out["state"] = "measured"
    out["start"], out["end"] = observed[outer[0]][0], observed[outer[1]][1]
    out["size_bp"] = out["end"] - out["start"] + 1
    out["n_segments"] = outer[1] - outer[0] + 1
    out["edges_measured"] = [left_measured, right_measured]
    core_size = observed[core[1]][1] - observed[core[0]][0] + 1 if core else None
    out["core_size_bp"] = core_size
    if left_measured and right_measured:
        out["max_size_bp"] = spans[outer[1] + 1][0].start - spans[outer[0] - 1][0].end - 1
    whole_arm = core is not None and core[0] == 0 and core[1] == len(spans) - 1
    out["spans_arm"] = whole_arm  # every measured segment of the arm is above the gain level

    if core_size is not None and core_size > focal.max_size_bp:
        what = (
            f"high-level gain of the whole arm {arm.name} (polysomy or an arm-level gain)"
            if whole_arm
            else f"a large-scale gain over at least {_mb(core_size)} of {arm.name}"
        )
        out["focal"] = False
        out["reasons"].append(
            Reason(
                "not_focal_large_amplicon",
                f"{locus.gene}: copy number at or above the gain level {gain} over {_mb(core_size)} "
                f"(focal amplification spans at most {_mb(focal.max_size_bp)}, copy_number.focal.max_size_mb): "
                f"{what}, not a focal amplification",
            ).to_dict()
        )
        return out

    # The arm outside the amplicon: without the core (the maybe segments counted in: the highest baseline,
    # for the ratio's low end) and without the outer run (the lowest baseline, for its high end).
    inner = core if core is not None else (lo, hi)
    outside_core = [i for i in range(len(spans)) if not inner[0] <= i <= inner[1]]
    outside = [i for i in range(len(spans)) if not outer[0] <= i <= outer[1]]

    def measured(indices: list[int], around: tuple[int, int]) -> tuple[int, float]:
        bp = sum(observed[i][1] - observed[i][0] + 1 for i in indices)
        rest = arm.length - (observed[around[1]][1] - observed[around[0]][0] + 1)
        return bp, bp / rest if rest > 0 else 0.0

    core_bp, core_fraction = measured(outside_core, inner)
    outer_bp, outer_fraction = measured(outside, outer)
    baseline: dict[str, Any] = {
        "measured_bp": outer_bp,
        "arm_measured_fraction": outer_fraction,
        "n_segments": len(outside),
        "copy_number": None,
        "range": None,
    }
    out["baseline"] = baseline
    if not outside_core or core_fraction < focal.min_arm_measured_fraction:
        return unknown(
            "focal_unknown_sparse_arm",
            f"only {core_fraction:.0%} of {arm.name} outside the amplicon is measured ({core_bp:,} bp in "
            f"{len(outside_core)} segment(s)); at least {focal.min_arm_measured_fraction:.0%} is needed for the "
            "arm's baseline (copy_number.focal.min_arm_measured_fraction), so focality is unknown",
        )
    # Without the outer run too little may remain: the segments next to the amplicon are then possibly above
    # the gain level themselves, the arm's lowest baseline is unknown and so is the ratio's high end.
    low_known = bool(outside) and outer_fraction >= focal.min_arm_measured_fraction
    if not low_known:
        outside = outside_core
        baseline.update(measured_bp=core_bp, arm_measured_fraction=core_fraction, n_segments=len(outside_core))
    points = _kink_points(est, [*est.components, *comps])

    def base_at(indices: list[int], p: float, q: float) -> float:
        return _weighted_median(
            [(component_copy_number(comps[i], p, q), float(observed[i][1] - observed[i][0] + 1)) for i in indices]
        )

    ratio_low, ratio_high = math.inf, 0.0
    base_values = []
    for p, q in points:
        g_lo, g_hi = _gene_cn_at(est, p, q)
        high_base, low_base = base_at(outside_core, p, q), base_at(outside, p, q)
        base_values.append(low_base)
        if high_base > 0:
            ratio_low = min(ratio_low, g_lo / high_base)
        ratio_high = max(ratio_high, g_hi / low_base) if low_base > 0 and low_known else math.inf
    p, q = _point(est)
    point_base = base_at(outside, p, q)
    baseline["copy_number"] = point_base
    baseline["range"] = [min(base_values), max(base_values)]
    gene_point = _gene_cn_at(est, p, q)[0]
    out["ratio_to_baseline"] = gene_point / point_base if point_base > 0 else None
    out["ratio_range"] = [None if math.isinf(ratio_low) else ratio_low, None if math.isinf(ratio_high) else ratio_high]
    base_text = _span(point_base, baseline["range"])
    minimum = f"{focal.min_ratio_to_arm:g}x (copy_number.focal.min_ratio_to_arm)"
    if ratio_high < focal.min_ratio_to_arm:
        out["focal"] = False
        out["reasons"].append(
            Reason(
                "not_focal_arm_level",
                f"{locus.gene}: copy number at most {_ratio_text(ratio_high)} the {arm.name} baseline of {base_text} "
                f"copies (focal amplification needs {minimum}): the high level is the whole arm's (polysomy or "
                "whole-genome doubling), not a focal amplification",
            ).to_dict()
        )
        return out
    size_text = f"{_mb(out['size_bp'])} ({out['start']:,}-{out['end']:,})"
    if gene_state != "high":
        return unknown(
            "focal_unknown_gene_straddles_gain",
            f"its copy number straddles the gain level {gain} over the plausible range, so whether there is an "
            "amplicon at all depends on purity or ploidy",
        )
    if out["size_bp"] > focal.max_size_bp:
        return unknown(
            "focal_unknown_size_straddles",
            f"the copy number is certainly at or above the gain level over {_mb(core_size or 0)} and possibly over "
            f"{size_text} (purity or ploidy needed); focal amplification spans at most {_mb(focal.max_size_bp)} "
            "(copy_number.focal.max_size_mb)",
        )
    if not (left_measured and right_measured):
        side = (
            "both edges"
            if not (left_measured or right_measured)
            else "the left edge"
            if not left_measured
            else "the right edge"
        )
        return unknown(
            "focal_unknown_edge_not_observed",
            f"the high copy number runs over {size_text} of {arm.name} but {side} of it is not measured (an "
            "unmeasured gap, the end of the data or a segment that may still be above the gain level), so its "
            "size is unknown",
        )
    assert out["max_size_bp"] is not None
    if out["max_size_bp"] > focal.max_size_bp:
        return unknown(
            "focal_unknown_size_straddles",
            f"the amplicon measures {size_text} but may reach {_mb(out['max_size_bp'])} up to the flanking segments "
            f"below the gain level; focal amplification spans at most {_mb(focal.max_size_bp)} "
            "(copy_number.focal.max_size_mb)",
        )
    if ratio_low < focal.min_ratio_to_arm:
        return unknown(
            "focal_unknown_ratio_straddles",
            f"copy number {_ratio_text(ratio_low)} to {_ratio_text(ratio_high)} the {arm.name} baseline over the "
            f"plausible purity and ploidy; focal amplification needs {minimum}: purity needed",
        )
    out["focal"] = True
    out["reasons"].append(
        Reason(
            "focal_amplification",
            f"{locus.gene}: focal amplification: copy number at or above the gain level {gain} over {size_text} "
            f"of {arm.name} (at most {_mb(out['max_size_bp'])} up to the flanking segments; limit "
            f"{_mb(focal.max_size_bp)}), {_ratio_text(ratio_low)} or more the arm's baseline of {base_text} copies "
            f"(needs {minimum})",
        ).to_dict()
    )
    return out


def _span(point: float, bounds: Sequence[float]) -> str:
    if abs(bounds[1] - bounds[0]) < 5e-3:
        return f"{point:.2f}"
    return f"{point:.2f} (range {bounds[0]:.2f}-{bounds[1]:.2f})"


# --------------------------------------------------------------------------- co-alterations (modifiers)

#: Co-alterations reported next to MDM2 amplification. They never gate unless an arm names them
#: (``gene_amplified`` / ``gene_deleted`` / ``gene_not_deleted``). In milademetan-treated intimal sarcoma,
#: response was associated with TWIST1 amplification and negatively with CDKN2A loss (Cancer Discov
#: 2023;13:1814); CDK4, HMGA2 and FRS2 are co-amplified on 12q13-15 in liposarcoma.
CO_ALTERATIONS: tuple[tuple[str, str], ...] = (
    ("CDK4", "amplification"),
    ("HMGA2", "amplification"),
    ("FRS2", "amplification"),
    ("TWIST1", "amplification"),
    ("CDKN2A", "homozygous_deletion"),
)


def homozygous_deletion_present(estimated: bool, deletion: Mapping[str, Any] | None) -> bool | None:
    """True: the whole gene measured at or below the deletion level in every scenario; False: estimated and
    no measured base at that level in any scenario; None: partial, possible (purity needed) or not measured."""
    if not estimated:
        return None
    if deletion is None:
        return False
    if deletion.get("state") == "deleted" and deletion.get("whole") is not False:
        return True
    return None


def deletion_reading(gene: GeneCopyNumber) -> tuple[bool | None, str]:
    """Whether the gene is homozygously deleted, with the sentence that says why."""
    present = homozygous_deletion_present(gene.estimate is not None, gene.deletion)
    deletion = gene.deletion or {}
    if present is True:
        return (
            True,
            f"{gene.gene}: homozygous deletion (copy number <= {deletion['deletion_at']:g} over the {deletion['measured_over']})",
        )
    if present is False:
        return False, f"{gene.gene}: no homozygous deletion (copy number {gene.copy_number:.2f}, measured)"
    if deletion.get("state") == "deleted":
        return None, f"{gene.gene}: part of the gene is homozygously deleted ({deletion['deleted_bp']:,} bp): review"
    if deletion.get("state") == "possible":
        return None, (
            f"{gene.gene}: a loss that would be a homozygous deletion at some plausible purity "
            f"({deletion['possible_bp']:,} bp): purity needed"
        )
    why = "; ".join(r.message for r in gene.reasons) or "not assessable"
    return None, f"{gene.gene}: deletion not assessable ({why})"


def co_alterations(genes: Mapping[str, GeneCopyNumber]) -> list[dict[str, Any]]:
    """Each co-alteration of :data:`CO_ALTERATIONS` with ``present`` True / False / None and why (report modifiers)."""
    out = []
    for gene, alteration in CO_ALTERATIONS:
        cn = genes.get(gene)
        entry: dict[str, Any] = {"gene": gene, "alteration": alteration, "present": None, "call": None,
                                 "copy_number": None}  # fmt: skip
        if cn is None:
            entry["detail"] = f"{gene} was not evaluated (add it to copy_number.genes)"
        elif alteration == "amplification":
            entry["present"] = cn.amplified
            label = (
                "amplified" if cn.amplified else "not amplified" if cn.amplified is False else cn.call.replace("_", " ")
            )
            entry["detail"] = f"{gene}: {label} (copy number {_fmt(cn.copy_number)}, copy_number.thresholds)"
        else:
            entry["present"], entry["detail"] = deletion_reading(cn)
        if cn is not None:
            entry["call"], entry["copy_number"] = cn.call, cn.copy_number
        out.append(entry)
    return out


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


# --------------------------------------------------------------------------- plot data


def chromosome_profile(
    profile: CopyNumberProfile,
    chrom: str,
    *,
    purity: float | None,
    ploidy: float | None,
    start: int | None = None,
    end: int | None = None,
) -> list[dict]:
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
                items.append(
                    {
                        "start": row.start,
                        "end": row.end,
                        "copy_number": row.min_copy_number,
                        "raw_value": row.min_copy_number,
                    }
                )
    else:
        for s in profile.segments:
            if s.chrom == c and math.isfinite(s.value) and _in_window(s.start, s.end, start, end):
                items.append(
                    {
                        "start": s.start,
                        "end": s.end,
                        "copy_number": segment_copy_number(s, purity),
                        "raw_value": s.value,
                    }
                )
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
        group = items[i : i + size]
        merged.append(
            {
                "start": group[0]["start"],
                "end": max(g["end"] for g in group),
                "copy_number": statistics.median(g["copy_number"] for g in group),
                "raw_value": statistics.median(g["raw_value"] for g in group),
            }
        )
    return merged


def _in_window(s: int, e: int, start: int | None, end: int | None) -> bool:
    return (start is None or e >= start) and (end is None or s <= end)
