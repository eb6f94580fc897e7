"""TP53 structural-variant evidence: the SVs of a sample's SV VCF (sample sheet column ``sv_vcf``) near TP53,
each placed in the gene and judged; nothing here sets the TP53 status (``tp53.assess_tp53`` does).

Where an SV lies in TP53 and what the geometry alone means is :func:`.sv.classify_tp53_sv` (the same
classification ``calls.py`` gives symbolic and breakend records of the small-variant VCF). Here FILTER is
weighed, as for small variants: ``tp53.germline_filters`` (compared case-insensitively) make an SV a
germline call, a FILTER outside ``tp53.accepted_filters`` a filtered one (listed, never counted). A breakend
pair whose two records disagree on FILTER is uncertain: which record a caller's filter meant is not
known. What is left is judged by its effect: ``disrupting`` (a breakpoint inside TP53, e.g. an intron 1
rearrangement as in osteosarcoma, or a deletion over coding exons) decides, ``uncertain`` (extent unknown,
a confidence interval reaching into the gene) keeps TP53 from being called wild type, ``not_disrupting``
(wholly inside an intron, the whole gene duplicated or inverted, outside) is listed.

A file whose header shows the caller never looked at TP53 (``##contig`` lines without its chromosome, a
Manta ``--region`` run elsewhere) is no evidence about TP53: ``problem`` says so, and TP53 is then not
assessable unless something else decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..model import Reason
from .sv import StructuralVariant, SVClassification, SVSource, TranscriptLike, classify_tp53_sv
from .tp53 import TP53Settings

SVCategory = Literal["deciding", "uncertain", "not_disrupting", "filtered", "germline"]


def _plain(value: Any) -> Any:  # noqa: ANN401 - any dataclasses.asdict value
    """Tuples as lists, recursively: the report is JSON, and a tuple is no JSON array to a schema check."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _lowered(values: tuple[str, ...]) -> set[str]:
    return {v.lower() for v in values}


def sv_label(sv: StructuralVariant) -> str:
    """'DEL 17:7,576,951-7,577,700' / 'BND 17:7,579,650 joined to 3:12,345,678' (as written, 1-based)."""
    if sv.mate is not None:
        return f"{sv.svtype} {sv.chrom}:{sv.pos:,} joined to {sv.mate.chrom}:{sv.mate.pos:,}"
    if sv.end is not None and sv.end != sv.pos:
        return f"{sv.svtype} {sv.chrom}:{sv.pos:,}-{sv.end:,}"
    return f"{sv.svtype} {sv.chrom}:{sv.pos:,}"


@dataclass(frozen=True)
class SVFinding:
    """One SV of the SV VCF with where it lies in TP53 and what it counts as."""

    sv: StructuralVariant
    classification: SVClassification
    category: SVCategory
    why: str

    @property
    def label(self) -> str:
        return sv_label(self.sv)

    @property
    def where(self) -> str:
        """The exons/introns its breakpoints hit ('exon 5; intron 4'), or the classification's detail."""
        inside = [text for _, text in self.classification.breakpoints if text.startswith(("exon", "intron"))]
        return "; ".join(dict.fromkeys(inside)) or self.classification.detail

    @property
    def disrupting(self) -> bool:
        return self.classification.effect == "disrupting"

    def to_dict(self) -> dict[str, Any]:
        data = _plain(self.sv.to_dict())
        data["label"] = self.label
        data["classification"] = _plain(self.classification.to_dict())
        data["category"] = self.category
        data["decides"] = self.category == "deciding"
        data["why"] = self.why
        return data


@dataclass
class StructuralEvidence:
    """What one SV VCF says about TP53."""

    path: str
    caller: str | None
    tumour_sample: str | None
    normal_sample: str | None
    sample_choice: str
    region: tuple[str, int, int]  # TP53 widened by structural_variants.flank
    flank: int
    findings: list[SVFinding]
    records_on_chrom: int
    region_excluded: bool
    indexed: bool
    notes: list[str] = field(default_factory=list)
    problem: Reason | None = None  # the file is no evidence about TP53 (the caller never looked there)

    def by_category(self, category: SVCategory) -> list[SVFinding]:
        return [f for f in self.findings if f.category == category]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "caller": self.caller,
            "tumour_sample": self.tumour_sample,
            "normal_sample": self.normal_sample,
            "sample_choice": self.sample_choice,
            "region": {"chrom": self.region[0], "start": self.region[1], "end": self.region[2]},
            "flank": self.flank,
            "variants": [f.to_dict() for f in self.findings],
            "records_on_chrom": self.records_on_chrom,
            "region_excluded": self.region_excluded,
            "indexed": self.indexed,
            "notes": list(self.notes),
            "problem": self.problem.to_dict() if self.problem is not None else None,
        }


def judge_sv(sv: StructuralVariant, transcript: TranscriptLike, settings: TP53Settings) -> SVFinding:
    """One SV placed in TP53 (splice margin: ``settings.margin``, as for SVs of the small-variant VCF) and
    categorised by its FILTER and effect (module docstring)."""
    placed = classify_tp53_sv(sv, transcript, splice_margin=settings.margin)
    label = sv_label(sv)
    own = [f for f in sv.filters if f] or ["."]
    germline = sorted({f for f in [*own, *(sv.mate_filters or ())] if f.lower() in _lowered(settings.germline_filters)})
    accepted = _lowered(settings.accepted_filters)
    failed = [f for f in own if f.lower() not in accepted]
    mate_failed = [f for f in sv.mate_filters or () if f and f.lower() not in accepted]
    effect = f"{placed.effect.replace('_', ' ')}: {placed.detail}"
    if germline:
        return SVFinding(
            sv, placed, "germline",
            f"{label} was flagged by the caller as germline or seen in normal samples (FILTER "
            f"{';'.join(germline)}) ({effect}); it does not count as a somatic TP53 alteration.",
        )  # fmt: skip
    if sv.mate_filters is not None and bool(failed) != bool(mate_failed):
        records = f"this record FILTER {';'.join(own)}, its mate {';'.join(sv.mate_filters) or '.'}"
        if placed.effect == "not_disrupting":
            return SVFinding(
                sv, placed, "filtered", f"{label}: the breakend pair disagrees on FILTER ({records}); {effect}."
            )
        return SVFinding(
            sv, placed, "uncertain",
            f"{label}: the two records of this breakend pair disagree on FILTER ({records}), so whether it counts is "
            f"not known ({effect}).",
        )  # fmt: skip
    if failed:
        return SVFinding(
            sv, placed, "filtered",
            f"{label} failed the caller's filters (FILTER {';'.join(failed)}), so it is not counted ({effect}).",
        )  # fmt: skip
    shown = ";".join(own)
    if placed.effect == "disrupting":
        return SVFinding(
            sv, placed, "deciding",
            f"{label} (FILTER {shown}) disrupts TP53: {placed.detail}.",
        )  # fmt: skip
    if placed.effect == "uncertain":
        return SVFinding(
            sv, placed, "uncertain",
            f"{label} (FILTER {shown}) may disrupt TP53: {placed.detail}.",
        )  # fmt: skip
    return SVFinding(sv, placed, "not_disrupting", f"{label} (FILTER {shown}) does not disrupt TP53: {placed.detail}.")


def judge_structural_variants(
    source: SVSource,
    transcript: TranscriptLike,
    *,
    region: tuple[str, int, int],
    flank: int,
    settings: TP53Settings,
) -> StructuralEvidence:
    """Every SV the reader found near TP53, judged (module docstring)."""
    findings = [judge_sv(sv, transcript, settings) for sv in source.variants]
    problem = None
    if source.region_excluded:
        why = (
            f"the caller was run on {', '.join(source.run_regions)} only (##cmdline --region)"
            if source.run_regions
            else f"the header's ##contig lines do not include chromosome {region[0]}"
        )
        problem = Reason(
            "tp53_sv_region_not_examined",
            f"the SV VCF {source.path} is no evidence about TP53: {why}, so the caller never looked at TP53; "
            "give the SV VCF of a run over the whole genome (or TP53)",
        )
    return StructuralEvidence(
        path=source.path,
        caller=source.caller,
        tumour_sample=source.tumour_sample,
        normal_sample=source.normal_sample,
        sample_choice=source.sample_choice,
        region=region,
        flank=flank,
        findings=findings,
        records_on_chrom=source.records_on_chrom,
        region_excluded=source.region_excluded,
        indexed=source.indexed,
        notes=list(source.notes),
        problem=problem,
    )
