"""Allele-specific copy number: the readers' checks of major/minor copy numbers, and loss of
heterozygosity (LOH) over a region, a pure function of the segments a reader returned.

Which readers fill ``Segment.major_cn`` / ``Segment.minor_cn`` (None, never 0, where the file gives
no value):

* PURPLE ``*.purple.cnv.somatic.tsv``: ``majorAlleleCopyNumber`` / ``minorAlleleCopyNumber``
  (purity-adjusted, fractional; older ``.purple.cnv`` files have neither);
* ASCAT segments and PCGR ``cna.tsv``: ``nMajor`` / ``nMinor``;
* FACETS ``cncf``: ``tcn.em - lcn.em`` / ``lcn.em`` (``lcn.em`` is NA with too few heterozygous SNPs);
* Sequenza ``*_segments.txt``: ``A`` / ``B``;
* CNVkit ``cnvkit.py call`` output with a VCF: ``cn1`` / ``cn2`` (empty where the BAF is unknown);
* ACEseq ``A`` / ``B`` (aceseq.py). Other formats (SEG, GATK, DRAGEN, BED, CNVkit without ``call``)
  carry no allele-specific values: LOH is unknown there.

LOH at a base: the minor allele's copy number is below ``max_minor_cn``. PURPLE's own rule is
``minorAlleleCopyNumber < 0.5`` (hmftools ``purple/src/main/java/com/hartwig/hmftools/purple/copynumber/
LohCalcs.java``, ``MIN_LOH_CN = 0.5``), which also reads integer callers' 0 as LOH and 1 as retained; the
threshold is the caller's (configuration), never a literal here. Both alleles below it is a homozygous
loss: LOH by that rule, and counted apart in ``homozygous_loss_bp``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..genome import normalize_contig
from ..model import Segment
from ._common import NEGATIVE_CN_TOLERANCE

LOHState = Literal["loh", "no_loh", "mixed", "unknown"]
PieceState = Literal["loh", "retained", "no_allele_data", "conflicting", "unobserved"]


# --------------------------------------------------------------------------- reader checks


@dataclass
class AlleleChecks:
    """The checks a reader applies to each row's allele copy numbers, and the notes they leave.

    A value slightly below 0 (a fitted estimate in a deletion, as PURPLE writes) is clamped to 0; a row
    whose values contradict each other (a value below ``-NEGATIVE_CN_TOLERANCE``, the minor allele
    above the major, or major + minor not the total) keeps its total copy number and loses its allele
    values: LOH there is unknown, never guessed. One note per kind of problem, with the lines.
    """

    clamped: list[int | None] = field(default_factory=list)
    dropped: dict[str, list[int | None]] = field(default_factory=dict)

    def check(
        self, line: int | None, major: float | None, minor: float | None, total: float | None = None
    ) -> tuple[float | None, float | None]:
        values = []
        for value in (major, minor):
            if value is not None and value < 0:
                if value < -NEGATIVE_CN_TOLERANCE:
                    return self._drop(line, f"an allele copy number below -{NEGATIVE_CN_TOLERANCE:g}")
                self.clamped.append(line)
                value = 0.0
            values.append(value)
        major, minor = values
        if major is not None and minor is not None:
            if minor > major + NEGATIVE_CN_TOLERANCE:
                return self._drop(line, "the minor allele's copy number is above the major's")
            if total is not None and abs(major + minor - total) > NEGATIVE_CN_TOLERANCE:
                return self._drop(line, "major + minor allele copy numbers are not the total copy number")
        return major, minor

    def _drop(self, line: int | None, why: str) -> tuple[None, None]:
        self.dropped.setdefault(why, []).append(line)
        return None, None

    def notes(self) -> list[str]:
        out = []
        if self.clamped:
            out.append(f"allele copy numbers slightly below 0 clamped to 0 on {_lines(self.clamped)} (fitted values)")
        for why, lines in self.dropped.items():
            out.append(
                f"allele-specific copy numbers not used on {_lines(lines)}: {why} "
                "(the total copy number is kept; LOH there is unknown)"
            )
        return out


def _lines(lines: list[int | None]) -> str:
    known = [str(n) for n in lines if n is not None]
    shown = ", ".join(known[:5]) + (", ..." if len(known) > 5 else "")
    return f"{len(lines)} row(s)" + (f" (line {shown})" if known else "")


# --------------------------------------------------------------------------- LOH over a region


@dataclass(frozen=True)
class AllelicPiece:
    """A stretch of the region with one state, and the segments (file lines) that gave it."""

    start: int
    end: int
    state: PieceState
    minor_cn: float | None  # the covering segment's, when one segment covers it
    major_cn: float | None
    lines: tuple[int | None, ...]

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True)
class LOHCall:
    """Loss of heterozygosity over ``chrom:start-end``.

    ``state``: ``loh`` (every base observed with allele-specific values, all LOH), ``no_loh`` (all
    retained), ``mixed`` (both), ``unknown`` (some base unobserved, without allele-specific values, or
    covered by segments that disagree).
    """

    state: LOHState
    chrom: str
    start: int
    end: int
    max_minor_cn: float
    loh_bp: int
    retained_bp: int
    no_allele_data_bp: int  # observed, but no minor copy number (or overlapping segments that disagree)
    unobserved_bp: int  # no segment
    homozygous_loss_bp: int  # LOH bases where the major allele is below the threshold too
    min_minor_cn: float | None
    pieces: tuple[AllelicPiece, ...]
    segments: tuple[Segment, ...]  # the segments overlapping the region, in order
    reason: str

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "chrom": self.chrom,
            "start": self.start,
            "end": self.end,
            "max_minor_cn": self.max_minor_cn,
            "loh_bp": self.loh_bp,
            "retained_bp": self.retained_bp,
            "no_allele_data_bp": self.no_allele_data_bp,
            "unobserved_bp": self.unobserved_bp,
            "homozygous_loss_bp": self.homozygous_loss_bp,
            "min_minor_cn": self.min_minor_cn,
            "pieces": [
                {
                    "start": p.start,
                    "end": p.end,
                    "state": p.state,
                    "minor_cn": p.minor_cn,
                    "major_cn": p.major_cn,
                    "lines": list(p.lines),
                }
                for p in self.pieces
            ],  # fmt: skip
            "segments": [
                {
                    "start": s.start,
                    "end": s.end,
                    "major_cn": s.major_cn,
                    "minor_cn": s.minor_cn,
                    "copy_number": s.copy_number,
                    "line": s.line,
                }
                for s in self.segments
            ],  # fmt: skip
            "reason": self.reason,
        }


def _segment_state(segment: Segment, max_minor_cn: float) -> Literal["loh", "retained", "no_allele_data"]:
    minor = segment.minor_cn
    if minor is None or not math.isfinite(minor):
        return "no_allele_data"
    return "loh" if minor < max_minor_cn else "retained"


def loh_over(segments: Iterable[Segment], chrom: str, start: int, end: int, *, max_minor_cn: float) -> LOHCall:
    """LOH over ``chrom:start-end`` (1-based inclusive) from one sample's segments (see the module docstring).

    ``max_minor_cn``: a minor-allele copy number below it is LOH (PURPLE: 0.5). Only bases a segment
    covers are observed; a gap between segments is unobserved, never the neighbours' state.
    """
    if start < 1 or end < start:
        raise ValueError(f"region {chrom}:{start}-{end} is not a 1-based interval")
    if not math.isfinite(max_minor_cn) or max_minor_cn <= 0:
        raise ValueError(f"max_minor_cn must be a positive number, got {max_minor_cn!r}")
    chrom = normalize_contig(chrom)
    used = sorted(
        (s for s in segments if s.chrom == chrom and s.start <= end and s.end >= start), key=lambda s: (s.start, s.end)
    )
    # Elementary stretches between every segment boundary inside the region.
    cuts = {start, end + 1}
    for s in used:
        cuts.update((max(s.start, start), min(s.end, end) + 1))
    edges = sorted(cuts)
    pieces: list[AllelicPiece] = []
    covers: list[tuple[int, ...]] = []  # indexes into ``used`` of each piece's segments
    total = {k: 0 for k in ("loh", "retained", "no_allele_data", "conflicting", "unobserved")}
    homozygous = 0
    for lo, hi in zip(edges, edges[1:], strict=False):
        cover = tuple(i for i, s in enumerate(used) if s.start <= lo and s.end >= hi - 1)
        covering = [used[i] for i in cover]
        states = {_segment_state(s, max_minor_cn) for s in covering}
        if not covering:
            state: PieceState = "unobserved"
        elif len(states) > 1:
            state = "conflicting"
        else:
            state = states.pop()
        total[state] += hi - lo
        if state == "loh" and all(s.major_cn is not None and s.major_cn < max_minor_cn for s in covering):
            homozygous += hi - lo
        one = covering[0] if len(covering) == 1 else None
        lines = tuple(s.line for s in covering)
        if pieces and covers[-1] == cover and pieces[-1].state == state:
            first = pieces[-1].start  # the same segments go on: one piece
            pieces[-1] = AllelicPiece(first, hi - 1, state, pieces[-1].minor_cn, pieces[-1].major_cn, lines)
        else:
            pieces.append(
                AllelicPiece(lo, hi - 1, state, one.minor_cn if one else None, one.major_cn if one else None, lines)
            )
            covers.append(cover)
    minors = [s.minor_cn for s in used if s.minor_cn is not None and math.isfinite(s.minor_cn)]
    length = end - start + 1
    no_data = total["no_allele_data"] + total["conflicting"]
    where = f"{chrom}:{start:,}-{end:,}"
    if total["unobserved"] or no_data:
        state_out: LOHState = "unknown"
        parts = []
        if total["unobserved"]:
            parts.append(f"{total['unobserved']:,} bp covered by no segment")
        if total["no_allele_data"]:
            parts.append(f"{total['no_allele_data']:,} bp without a minor-allele copy number")
        if total["conflicting"]:
            parts.append(f"{total['conflicting']:,} bp where overlapping segments disagree")
        reason = f"LOH over {where} is unknown: {'; '.join(parts)}"
    elif total["loh"] == length:
        state_out = "loh"
        reason = f"minor-allele copy number below {max_minor_cn:g} over all of {where}"
    elif total["retained"] == length:
        state_out = "no_loh"
        reason = f"minor-allele copy number {max_minor_cn:g} or more over all of {where}"
    else:
        state_out = "mixed"
        reason = f"LOH over {total['loh']:,} of {length:,} bp of {where}; the rest retains both alleles"
    return LOHCall(
        state=state_out,
        chrom=chrom,
        start=start,
        end=end,
        max_minor_cn=max_minor_cn,
        loh_bp=total["loh"],
        retained_bp=total["retained"],
        no_allele_data_bp=no_data,
        unobserved_bp=total["unobserved"],
        homozygous_loss_bp=homozygous,
        min_minor_cn=min(minors) if minors else None,
        pieces=tuple(pieces),
        segments=tuple(used),
        reason=reason,
    )
