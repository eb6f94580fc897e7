"""TP53 status from the variant evidence, coverage evidence and TP53 copy number.

Each variant in the TP53 region gets a category and a one-sentence ``why``; the status follows the
rule "missing or unusable evidence is never evidence": a VCF without chromosome 17 records, or
coverage shown to be insufficient, makes TP53 *not assessable*, never wild type.

What else makes p53 non-functional, weighed when evidence.py passes a :class:`TP53Context`:

* structural variants of the sample's SV VCF (``sv_evidence.py``): a disrupting one makes TP53 mutated,
  an uncertain one (or an SV VCF that cannot be read or never looked at TP53) keeps it from wild type;
* loss of heterozygosity over TP53 from allele-specific copy number (``cn/allelic.py`` ``loh_over``,
  ``copy_number.loh_max_minor_cn``): reported, and a deciding variant at a position with LOH is biallelic;
* germline origin: a variant in the matched normal, flagged germline by the caller, or (tumour-only) at a
  tumour VAF a heterozygous germline variant would have (:func:`germline_expectations`) is flagged
  "possible germline TP53 (Li-Fraumeni): genetic counselling"; in plasma without a matched white-blood-cell
  sample a low-VAF variant is flagged as possibly from clonal haematopoiesis. What a flag does to the status
  is the configuration's policy (``policy.possible_germline_tp53``, ``policy.plasma_ch_tp53``); the flag
  itself is in every report.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from ..cn.allelic import loh_over
from ..genome import canonical_build
from ..model import CoverageEvidence, GeneCopyNumber, Reason, Segment, TP53Evidence, VariantCall, VariantSource
from ..paths import reference_path
from ..reference import gene_locus
from .transcript import CONSEQUENCE_LABELS

if TYPE_CHECKING:  # sv_evidence imports TP53Settings from here
    from .sv_evidence import StructuralEvidence

# Notes a reader leaves for assess_tp53 to turn into reasons; a build-suspect note also keeps TP53
# from being called wild type.
REFERENCE_MISMATCH_NOTE = "reference mismatch: "
BUILD_SUSPECT_NOTE = "build suspect: "
# Duplicate records of one variant whose VAFs differ by more than this (absolute) disagree.


@dataclass(frozen=True)
class TP53Settings:
    """How TP53 variants and coverage are judged: the configuration's ``tp53`` section (the schema holds
    the defaults and what each value means; none are repeated here)."""

    min_vaf: float
    accepted_filters: tuple[str, ...]
    germline_filters: tuple[str, ...]  # compared case-insensitively
    deciding_consequences: tuple[str, ...]
    splice_site_bases: int
    splice_region_bases: int
    unknown_vaf_decides: bool
    min_depth: int
    min_coverage_fraction: float
    require_coverage: bool
    duplicate_vaf_tolerance: float  # records of one variant whose VAFs differ by more disagree
    germline_normal_min_vaf: float  # in the matched normal: possible germline at or above
    germline_normal_min_depth: int  # the matched normal's VAF counts only at this depth
    germline_vaf_tolerance: float  # tumour-only: this close to the germline expectation is possible germline
    ch_max_vaf: float  # plasma without a matched white-blood-cell sample: below this possibly CH

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> TP53Settings:
        """From the validated configuration's ``tp53`` section (every key present; KeyError otherwise)."""
        return cls(
            min_vaf=float(section["min_vaf"]),
            accepted_filters=tuple(section["accepted_filters"]),
            germline_filters=tuple(section["germline_filters"]),
            deciding_consequences=tuple(section["deciding_consequences"]),
            splice_site_bases=int(section["splice_site_bases"]),
            splice_region_bases=int(section["splice_region_bases"]),
            unknown_vaf_decides=bool(section["unknown_vaf_decides"]),
            min_depth=int(section["min_depth"]),
            min_coverage_fraction=float(section["min_coverage_fraction"]),
            require_coverage=bool(section["require_coverage"]),
            duplicate_vaf_tolerance=float(section["duplicate_vaf_tolerance"]),
            germline_normal_min_vaf=float(section["germline_normal_min_vaf"]),
            germline_normal_min_depth=int(section["germline_normal_min_depth"]),
            germline_vaf_tolerance=float(section["germline_vaf_tolerance"]),
            ch_max_vaf=float(section["ch_max_vaf"]),
        )

    @property
    def margin(self) -> int:
        """Bases added on each side of the TP53 transcript when collecting records."""
        return max(self.splice_region_bases, self.splice_site_bases, 0)


def tp53_region(build: str, settings: TP53Settings) -> tuple[str, int, int]:
    """(chrom, start, end), 1-based inclusive: the TP53 transcript widened by the splice margin."""
    locus = gene_locus("TP53", build)
    return locus.chrom, max(1, locus.start - settings.margin), locus.end + settings.margin


# --------------------------------------------------------------------------- benign polymorphisms


@dataclass(frozen=True)
class BenignVariant:
    hgvs_c: str
    hgvs_p: str
    rsid: str
    status: str
    keys: frozenset[tuple[str, str, int, str, str]]  # (build, chrom, pos, ref, alt)


@lru_cache(maxsize=1)
def benign_variants() -> tuple[BenignVariant, ...]:
    """The shipped table of benign TP53 polymorphisms (both builds, VCF-style alleles)."""
    rows = []
    with open(reference_path("tp53_benign_germline.tsv"), newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            keys = set()
            for build in ("GRCh37", "GRCh38"):
                b = build.lower()
                keys.add((build, row[f"{b}_chrom"], int(row[f"{b}_pos"]), row[f"{b}_ref"], row[f"{b}_alt"]))
            hgvs_c = next(v for k, v in row.items() if k.startswith("hgvs_c"))
            rows.append(BenignVariant(hgvs_c, row["hgvs_p"], row["rsid"], row["status"], frozenset(keys)))
    return tuple(rows)


def _strip_tx(hgvs: str | None) -> str | None:
    if not hgvs:
        return None
    return hgvs.split(":", 1)[-1].strip()


def match_benign(call: VariantCall, build: str) -> BenignVariant | None:
    """The benign polymorphism ``call`` is, matched by position and alleles or by its HGVS c."""
    for benign in benign_variants():
        if (build, call.chrom, call.pos, call.ref, call.alt) in benign.keys:
            return benign
        if call.hgvs_c and _strip_tx(call.hgvs_c) == benign.hgvs_c:  # e.g. a MAF row without usable alleles
            return benign
    return None


# --------------------------------------------------------------------------- per-variant category


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _threshold_pct(value: float) -> str:
    return f"{value * 100:g}%"


def describe(call: VariantCall) -> str:
    """Short label: 'c.840A>T p.Arg280Ser (missense)'."""
    parts = [p for p in (_strip_tx(call.hgvs_c), _strip_tx(call.hgvs_p)) if p]
    label = " ".join(parts) if parts else f"{call.chrom}:{call.pos} {call.ref}>{call.alt}"
    return f"TP53 {label} ({CONSEQUENCE_LABELS.get(call.consequence, call.consequence)})"


def _in(values: list[str], allowed: tuple[str, ...]) -> list[str]:
    lowered = {a.lower() for a in allowed}
    return [v for v in values if v.lower() in lowered]


def categorise(call: VariantCall, settings: TP53Settings, build: str) -> None:
    """Fill ``decides``, ``category`` and ``why`` of one TP53 variant."""
    label = describe(call)
    filters = call.filters or ["."]
    vaf_text = "VAF unknown" if call.vaf is None else f"VAF {_pct(call.vaf)}"
    call.decides = False
    benign = match_benign(call, build)
    if benign is not None:
        rsid = benign.rsid if benign.rsid.startswith("rs") else "rsID unverified"
        call.category = "benign_polymorphism"
        call.why = (
            f"{label} is the known benign TP53 polymorphism {benign.hgvs_p} ({rsid}; table status: {benign.status}), "
            "so it does not count as a TP53 mutation."
        )
        return
    germline = _in(filters, settings.germline_filters)
    if germline:
        call.category = "germline"
        call.why = (
            f"{label} was flagged by the caller as germline or seen in normal samples "
            f"(FILTER {';'.join(germline)}), so it does not count as a somatic TP53 mutation."
        )
        return
    failed = [f for f in filters if f.lower() not in {a.lower() for a in settings.accepted_filters}]
    if failed:
        call.category = "filtered"
        call.why = f"{label} failed the caller's filters (FILTER {';'.join(failed)}), so it is not counted as evidence."
        return
    if call.consequence not in settings.deciding_consequences:
        call.category = "non_deciding_consequence"
        call.why = f"{label}: this kind of change is not counted as a TP53 mutation ({vaf_text})."
        return
    if call.vaf is not None and call.vaf < settings.min_vaf:
        call.category = "below_vaf"
        call.why = f"{label}: subclonal, below threshold: VAF {_pct(call.vaf)} < {_threshold_pct(settings.min_vaf)}."
        return
    if call.vaf is None and not settings.unknown_vaf_decides:
        call.category = "vaf_unknown"
        call.why = f"{label}: the file gives no read counts, and the configuration requires a VAF to count a call."
        return
    call.decides = True
    call.category = "deciding"
    if call.vaf is None:
        call.why = f"{label}, a somatic call without read counts (VAF unknown), counts as a TP53 mutation."
    else:
        call.why = (
            f"{label} with VAF {_pct(call.vaf)} (>= {_threshold_pct(settings.min_vaf)}) and FILTER "
            f"{';'.join(filters)} counts as a TP53 mutation."
        )


# --------------------------------------------------------------------------- what else the assessment weighs

# Flag texts shown wherever the flag is (report, reasons): the wording, for the reviewer.
GERMLINE_FLAG = "possible germline TP53 (Li-Fraumeni): genetic counselling"
CH_FLAG = "possibly from clonal haematopoiesis (plasma, no matched white-blood-cell sample)"
# A note calls.py leaves for a symbolic/breakend record of the small-variant VCF whose effect on TP53 is
# uncertain (extent unknown, a confidence interval reaching into the gene): TP53 is then never wild type.
STRUCTURAL_UNCERTAIN_NOTE = "structural variant uncertain: "
REVIEW = (
    " It is not counted either way (policy.{policy}: unknown): unless another alteration decides, TP53 status is "
    "left for review."
)

VariantKey = tuple[str, int, str, str]
OriginMode = Literal["matched_normal", "tumour_only", "caller_only"]


@dataclass(frozen=True)
class OriginPolicy:
    """What a flagged TP53 variant does to the status: the configuration's ``policy`` section (the schema
    holds the defaults and what each value means)."""

    possible_germline: Literal["unknown", "mutated", "as_called"]
    plasma_ch: Literal["unknown", "mutated"]

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> OriginPolicy:
        return cls(possible_germline=section["possible_germline_tp53"], plasma_ch=section["plasma_ch_tp53"])


@dataclass(frozen=True)
class NormalSupport:
    """A TP53 variant in the matched normal's column (the same record's values, read like the tumour's)."""

    sample: str
    vaf: float | None
    depth: int | None
    alt_count: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"sample": self.sample, "vaf": self.vaf, "depth": self.depth, "alt_count": self.alt_count}


@dataclass
class TP53Context:
    """What the sample's other files and the sample sheet add to the variant file (evidence.py builds it).

    ``normal`` holds the matched normal's values per variant (None: no matched normal column was read);
    ``tumour_only`` is True when neither the sample sheet nor the variant file names a matched normal, so
    the tumour VAF is all there is to judge germline origin by. ``segments`` are the copy-number file's
    segments on TP53's chromosome (None: no usable copy-number file), ``coding`` the first and last coding
    base of TP53. ``purity`` and ``tp53_copy_number`` are the stated purity and the TP53 copy number at it.
    """

    policy: OriginPolicy
    loh_max_minor_cn: float
    sample_type: str | None = None
    normal_sample: str | None = None
    normal_named: bool = False  # the sample sheet names a matched normal (a white-blood-cell sample for plasma)
    normal: dict[VariantKey, NormalSupport] | None = None
    normal_detail: str = ""
    tumour_only: bool | None = None
    tumour_only_detail: str = ""
    purity: float | None = None
    tp53_copy_number: float | None = None
    segments: list[Segment] | None = None
    coding: tuple[str, int, int] | None = None  # (chrom, first coding base, last coding base)
    structural: StructuralEvidence | None = None
    structural_failure: Reason | None = None  # the SV VCF named in the sheet could not be read

    def origin_mode(self) -> tuple[OriginMode, str]:
        """How germline origin is judged: against the matched normal, by the tumour VAF alone, or only by
        the caller's own germline filters (a caller that had a normal, or a file whose normal is not read)."""
        if self.normal is not None:
            return "matched_normal", self.normal_detail
        if self.tumour_only:
            return "tumour_only", self.tumour_only_detail
        return "caller_only", "; ".join(t for t in (self.normal_detail, self.tumour_only_detail) if t)


@dataclass
class VariantAnnotation:
    """What the context adds to one TP53 variant (shown beside its record in the report)."""

    loh: str | None = None  # LOH state at its position: loh | no_loh | unknown (None: no copy-number segments)
    minor_cn: float | None = None  # allele copy numbers of the one segment over it, when the file gives them
    major_cn: float | None = None
    normal: NormalSupport | None = None
    flags: list[str] = field(default_factory=list)  # possible_germline_tp53, possible_clonal_haematopoiesis
    germline_expected_vaf: list[float] | None = None  # the tumour-only check's expectations, when it ran


@dataclass
class TP53Assessment(TP53Evidence):
    """TP53Evidence with what the context added: structural variants, loss of heterozygosity, how germline
    origin was judged, the germline and clonal haematopoiesis flags, and each variant's annotation."""

    structural: StructuralEvidence | None = None
    loh: dict[str, Any] | None = None  # LOHCall.to_dict() over TP53's coding region; None: not assessed
    flags: list[Reason] = field(default_factory=list)
    origin: dict[str, Any] | None = None
    annotations: dict[VariantKey, VariantAnnotation] = field(default_factory=dict)
    # Flags whose policy left the status open, and the LOH reason: internal, shown through ``reasons``.
    held: list[Reason] = field(default_factory=list, repr=False)
    loh_reason: Reason | None = field(default=None, repr=False)

    def annotation(self, call: VariantCall) -> VariantAnnotation:
        return self.annotations.setdefault(call.key(), VariantAnnotation())

    def _annotated(self, call: VariantCall, data: dict[str, Any]) -> dict[str, Any]:
        ann = self.annotations.get(call.key()) or VariantAnnotation()
        data["loh"] = ann.loh
        data["biallelic"] = True if ann.loh == "loh" and call.decides else None
        data["normal"] = ann.normal.to_dict() if ann.normal is not None else None
        data["flags"] = list(ann.flags)
        data["germline_expected_vaf"] = list(ann.germline_expected_vaf) if ann.germline_expected_vaf else None
        return data

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["variants"] = [self._annotated(c, d) for c, d in zip(self.deciding, data["variants"], strict=True)]
        data["all_variants"] = [self._annotated(c, d) for c, d in zip(self.variants, data["all_variants"], strict=True)]
        data["structural_variants"] = self.structural.to_dict() if self.structural is not None else None
        data["loh"] = dict(self.loh) if self.loh is not None else None
        data["flags"] = [r.to_dict() for r in self.flags]
        data["origin"] = dict(self.origin) if self.origin is not None else None
        return data


def biallelic(evidence: TP53Evidence, call: VariantCall) -> bool:
    """A deciding variant at a position with loss of heterozygosity: no wild-type TP53 allele is left."""
    if not isinstance(evidence, TP53Assessment) or not call.decides:
        return False
    ann = evidence.annotations.get(call.key())
    return ann is not None and ann.loh == "loh"


def _annotate_loh(evidence: TP53Assessment, context: TP53Context) -> None:
    """LOH over TP53's coding region (reported) and at each variant (a deciding variant with LOH is biallelic)."""
    if context.segments is None or context.coding is None:
        return
    chrom, first, last = context.coding
    over = loh_over(context.segments, chrom, first, last, max_minor_cn=context.loh_max_minor_cn)
    evidence.loh = over.to_dict()
    if over.state == "loh":
        minor = f" (lowest minor-allele copy number {over.min_minor_cn:g})" if over.min_minor_cn is not None else ""
        evidence.loh_reason = Reason(
            "tp53_loh",
            f"loss of heterozygosity over TP53's coding region: {over.reason}{minor}; any TP53 variant there is "
            "biallelic (no wild-type allele left).",
        )
    elif over.state == "mixed":
        evidence.loh_reason = Reason(
            "tp53_loh", f"loss of heterozygosity over part of TP53's coding region: {over.reason}."
        )
    for call in evidence.variants:
        at = loh_over(context.segments, chrom, call.pos, call.pos, max_minor_cn=context.loh_max_minor_cn)
        ann = evidence.annotation(call)
        ann.loh = "unknown" if at.state == "mixed" else at.state
        if len(at.pieces) == 1 and at.pieces[0].state in ("loh", "retained"):
            ann.minor_cn, ann.major_cn = at.pieces[0].minor_cn, at.pieces[0].major_cn


def germline_expectations(
    purity: float | None, total_cn: float | None, minor_cn: float | None, major_cn: float | None
) -> tuple[list[float], str]:
    """The tumour VAFs a heterozygous germline variant can have, and how they were derived.

    Without a purity and a TP53 copy number: 0.5. Otherwise (SGZ, Sun et al., PLoS Comput Biol
    2018;14:e1005965): (p*k + 1 - p) / (p*C + 2(1 - p)) for the k mutant copies among the C tumour copies
    of TP53, the normal cells carrying one of their two. k is the minor or the major allele's copy number
    where the caller gives them (the variant on either allele); without them both alleles are taken as
    retained (k from 1 to C - 1; k = 0 or 1 for a single copy).
    """
    if purity is None or total_cn is None or not math.isfinite(total_cn) or round(total_cn) < 1:
        return [0.5], "purity or TP53 copy number not known: 0.5, the germline heterozygous fraction"
    p = purity
    if minor_cn is not None and major_cn is not None:
        minor, major = round(minor_cn), round(major_cn)
        copies = minor + major
        ks = sorted({minor, major})
        how = f"purity {_threshold_pct(p)}, TP53 {copies} tumour copies (alleles {major}+{minor})"
    else:
        copies = round(total_cn)
        ks = list(range(1, copies)) if copies >= 2 else [0, 1]
        how = f"purity {_threshold_pct(p)}, TP53 {copies} tumour copies, both alleles assumed retained"
    if copies < 1:
        return [0.5], "TP53 has no tumour copy: 0.5, the germline heterozygous fraction"
    depth = p * copies + 2 * (1 - p)
    return [round((p * k + 1 - p) / depth, 4) for k in ks], how


def _germline_evidence(
    call: VariantCall, ann: VariantAnnotation, settings: TP53Settings, context: TP53Context, mode: OriginMode
) -> str | None:
    """Why ``call`` may be germline, or None (see the configuration's tp53.germline_* descriptions)."""
    if call.category == "germline":
        named = germline_origin_filters(call.filters, settings)
        # A panel-of-normals or normal-artefact FILTER says artefact as much as germline: only a FILTER that
        # names germline origin is a germline finding.
        return f"the caller flagged it germline (FILTER {';'.join(named)})" if named else None
    if call.category not in ("deciding", "below_vaf", "vaf_unknown"):
        return None
    fallback = ""
    if context.normal is not None:
        normal = ann.normal
        if normal is not None and normal.vaf is not None and (normal.depth or 0) >= settings.germline_normal_min_depth:
            if normal.vaf >= settings.germline_normal_min_vaf:
                reads = f"{normal.alt_count} of {normal.depth} reads, " if normal.alt_count is not None else ""
                return (
                    f"VAF {_pct(normal.vaf)} in the matched normal {normal.sample} ({reads}at least "
                    f"{_threshold_pct(settings.germline_normal_min_vaf)}: tp53.germline_normal_min_vaf)"
                )
            return None  # the normal was sequenced deep enough there and does not carry it
        depth = "no allele fraction" if normal is None or normal.vaf is None else f"depth {normal.depth or 0}"
        fallback = (
            f"; the matched normal gives {depth} there (tp53.germline_normal_min_depth "
            f"{settings.germline_normal_min_depth}), so it is judged as in a tumour-only sample"
        )
    elif mode != "tumour_only":
        return None
    if call.category != "deciding" or call.vaf is None:
        return None
    expected, how = germline_expectations(context.purity, context.tp53_copy_number, ann.minor_cn, ann.major_cn)
    ann.germline_expected_vaf = expected
    tolerance = settings.germline_vaf_tolerance
    near = [e for e in expected if abs(call.vaf - e) <= tolerance + 1e-9]
    if not near:
        return None
    shown = " or ".join(_pct(e) for e in near)
    return (
        f"its tumour VAF {_pct(call.vaf)} is within {tolerance:g} (tp53.germline_vaf_tolerance) of the {shown} a "
        f"heterozygous germline variant would have ({how}), and no matched normal shows otherwise{fallback}"
    )


def germline_origin_filters(filters: list[str] | tuple[str, ...], settings: TP53Settings) -> list[str]:
    """The FILTER values among ``tp53.germline_filters`` that name germline origin (germline, germline_risk,
    GermlineRisk, GERMLINE_INDEL), not a panel of normals, a normal artefact or population frequency."""
    return [f for f in _in(list(filters), settings.germline_filters) if "germline" in f.lower()]


def _counts_without_germline_filters(call: VariantCall, settings: TP53Settings) -> bool:
    """Whether a variant would decide if its germline FILTER values were not there (policy: mutated)."""
    accepted = {a.lower() for a in settings.accepted_filters}
    germline = {g.lower() for g in settings.germline_filters}
    others = [f for f in call.filters or ["."] if f.lower() not in germline]
    return all(f.lower() in accepted for f in others or ["."])


def _review_origin(evidence: TP53Assessment, settings: TP53Settings, context: TP53Context) -> None:
    """Germline and clonal haematopoiesis flags, applied to each variant by the policies (module docs)."""
    mode, detail = context.origin_mode()
    evidence.origin = {
        "germline_check": mode,
        "detail": detail,
        "normal_sample": context.normal_sample if context.normal is not None else None,
        "sample_type": context.sample_type,
        "purity": context.purity,
        "tp53_copy_number": context.tp53_copy_number,
        "policy": {
            "possible_germline_tp53": context.policy.possible_germline,
            "plasma_ch_tp53": context.policy.plasma_ch,
        },
    }
    for call in evidence.variants:
        ann = evidence.annotation(call)
        if context.normal is not None:
            ann.normal = context.normal.get(call.key())
        if call.category == "benign_polymorphism" or call.consequence not in settings.deciding_consequences:
            continue
        why = _germline_evidence(call, ann, settings, context, mode)
        if why is not None:
            _flag_germline(evidence, call, ann, why, settings, context.policy)
        # A matched white-blood-cell sample named in the sheet counts even where its column is not read (a MAF):
        # the caller had it to tell clonal haematopoiesis from tumour.
        plasma_without_normal = context.sample_type == "plasma" and context.normal is None and not context.normal_named
        if plasma_without_normal and call.decides and (call.vaf is None or call.vaf < settings.ch_max_vaf):
            _flag_ch(evidence, call, ann, settings, context.policy)


def _flag_germline(
    evidence: TP53Assessment, call: VariantCall, ann: VariantAnnotation, why: str, settings: TP53Settings,
    policy: OriginPolicy,
) -> None:  # fmt: skip
    label = describe(call)
    message = f"{label}: {GERMLINE_FLAG}. Why: {why}."
    ann.flags.append("possible_germline_tp53")
    if policy.possible_germline == "unknown":
        if call.decides:
            call.decides, call.category = False, "possible_germline"
        call.why = f"{label}: possible germline TP53 ({why}).{REVIEW.format(policy='possible_germline_tp53')}"
        reason = Reason("tp53_possible_germline", message + REVIEW.format(policy="possible_germline_tp53"))
        evidence.held.append(reason)
    elif policy.possible_germline == "mutated":
        if _counts_without_germline_filters(call, settings):
            call.decides, call.category = True, "deciding"
            call.why = f"{label}: possible germline TP53 ({why}); counted as a TP53 mutation (policy.possible_germline_tp53: mutated)."
            message += " Counted as a TP53 mutation (policy.possible_germline_tp53: mutated)."
        else:
            message += " Not counted: the call failed other filters too."
        reason = Reason("tp53_possible_germline", message)
    else:
        reason = Reason(
            "tp53_possible_germline", message + " The caller's call stands (policy.possible_germline_tp53: as_called)."
        )
    evidence.flags.append(reason)


def _flag_ch(
    evidence: TP53Assessment, call: VariantCall, ann: VariantAnnotation, settings: TP53Settings, policy: OriginPolicy
) -> None:
    label = describe(call)
    vaf = "VAF unknown" if call.vaf is None else f"VAF {_pct(call.vaf)} < {_threshold_pct(settings.ch_max_vaf)}"
    message = f"{label}: {CH_FLAG} ({vaf}: tp53.ch_max_vaf)."
    ann.flags.append("possible_clonal_haematopoiesis")
    if policy.plasma_ch == "unknown":
        call.decides, call.category = False, "possible_clonal_haematopoiesis"
        call.why = f"{label}: {CH_FLAG} ({vaf}).{REVIEW.format(policy='plasma_ch_tp53')}"
        reason = Reason("tp53_possible_clonal_haematopoiesis", message + REVIEW.format(policy="plasma_ch_tp53"))
        evidence.held.append(reason)
    else:
        reason = Reason(
            "tp53_possible_clonal_haematopoiesis",
            message + " Counted as a TP53 mutation (policy.plasma_ch_tp53: mutated).",
        )
    evidence.flags.append(reason)


def _structural(
    evidence: TP53Assessment, context: TP53Context, settings: TP53Settings
) -> tuple[list[Reason], list[Reason]]:
    """(reasons of SVs that disrupt TP53, reasons that keep it from wild type) from the SV VCF."""
    blockers = [context.structural_failure] if context.structural_failure is not None else []
    sv = context.structural
    if sv is None:
        return [], blockers
    evidence.structural = sv
    deciding: list[Reason] = []
    for i, finding in enumerate(sv.findings):
        if (
            finding.category == "germline"
            and finding.disrupting
            and germline_origin_filters(finding.sv.filters, settings)
        ):
            message = f"structural variant {finding.label} ({finding.where}): {GERMLINE_FLAG}. Why: {finding.why}"
            policy = context.policy.possible_germline
            if policy == "unknown":
                reason = Reason("tp53_possible_germline", message + REVIEW.format(policy="possible_germline_tp53"))
                evidence.held.append(reason)
            elif policy == "mutated":
                reason = Reason(
                    "tp53_possible_germline",
                    f"{message} Counted as a TP53 alteration (policy.possible_germline_tp53: mutated).",
                )
                finding = replace(finding, category="deciding")
                sv.findings[i] = finding
            else:
                reason = Reason(
                    "tp53_possible_germline",
                    f"{message} The caller's call stands (policy.possible_germline_tp53: as_called).",
                )
            evidence.flags.append(reason)
        if finding.category == "deciding":
            deciding.append(
                Reason(
                    "tp53_structural_variant",
                    f"TP53 disrupted by a structural variant: {finding.label} ({finding.where}; FILTER "
                    f"{';'.join(finding.sv.filters) or '.'}): {finding.classification.detail}.",
                )
            )
        elif finding.category == "uncertain":
            blockers.append(Reason("tp53_sv_uncertain", f"{finding.why} TP53 cannot be called wild type."))
    if sv.problem is not None:
        blockers.append(sv.problem)
    return deciding, blockers


# --------------------------------------------------------------------------- status


def assess_tp53(
    source: VariantSource | None,
    coverage: CoverageEvidence,
    *,
    cn: GeneCopyNumber | None,
    settings: TP53Settings,
    build: str,
    context: TP53Context | None = None,
) -> TP53Assessment:
    """TP53 status: mutated, wild_type or not_assessable, with the reasons and every variant judged.

    ``context`` (what the sample's other files and the sample sheet add: structural variants, allele-specific
    copy number, the matched normal, the sample type, the origin policies; see :class:`TP53Context`) is
    weighed when given; without it only the variant file, coverage and copy number are.
    """
    canon = canonical_build(build) or build
    variants = list(source.variants) if source is not None else []
    for call in variants:
        categorise(call, settings, canon)
    reasons: list[Reason] = []
    blockers: list[Reason] = []  # what keeps TP53 from being called wild type, most important first
    if source is not None:
        for note in source.notes:
            if note.startswith(REFERENCE_MISMATCH_NOTE):
                reasons.append(Reason("tp53_reference_mismatch", note[len(REFERENCE_MISMATCH_NOTE) :]))
            elif note.startswith(BUILD_SUSPECT_NOTE):
                reasons.append(Reason("tp53_build_suspect", note[len(BUILD_SUSPECT_NOTE) :]))
            elif note.startswith(STRUCTURAL_UNCERTAIN_NOTE):
                blockers.append(Reason("tp53_sv_uncertain", note[len(STRUCTURAL_UNCERTAIN_NOTE) :]))
    evidence = TP53Assessment(
        status="not_assessable",
        variants=variants,
        coverage=coverage,
        reasons=reasons,
        copy_number=cn,
        source=source.path if source is not None else None,
    )
    structural: list[Reason] = []
    if context is not None:
        _annotate_loh(evidence, context)
        _review_origin(evidence, settings, context)
        structural, sv_blockers = _structural(evidence, context, settings)
        blockers[0:0] = [*evidence.held, *sv_blockers]
    duplicates, conflicted = _judge_duplicates(variants, source, settings)
    deciding = [v for v in variants if v.decides]
    deleted = cn is not None and cn.call == "deleted"
    _status(evidence, source, coverage, cn, settings, deciding, deleted, structural, duplicates, conflicted)
    held = {(r.code, r.message) for r in evidence.held}
    if evidence.status == "mutated":
        # Said, not decisive: another alteration already makes p53 non-functional.
        reasons.extend(blockers)
    elif blockers:
        if evidence.status == "wild_type":
            evidence.status = "not_assessable"
            reasons[:] = [r for r in reasons if r.code != "tp53_no_deciding_variant"]
        reasons[0:0] = blockers
    # Flags are in every report whatever the policy (those that held the status back are already listed).
    reasons.extend(r for r in evidence.flags if (r.code, r.message) not in held)
    if evidence.loh_reason is not None:
        reasons.append(evidence.loh_reason)
    return evidence


def _status(
    evidence: TP53Assessment,
    source: VariantSource | None,
    coverage: CoverageEvidence,
    cn: GeneCopyNumber | None,
    settings: TP53Settings,
    deciding: list[VariantCall],
    deleted: bool,
    structural: list[Reason],
    duplicates: list[Reason],
    conflicted: bool,
) -> None:
    """The status from the deciding variants, structural variants, copy number and coverage (sets
    ``evidence.status`` and its reasons, the most important first)."""
    reasons = evidence.reasons
    variants = evidence.variants
    if deciding:
        shown: dict[tuple[str, int, str, str], str] = {}
        for v in deciding:  # identical duplicates are listed once
            text = f"{describe(v)}, VAF {'unknown' if v.vaf is None else _pct(v.vaf)}"
            if biallelic(evidence, v):
                text += ", biallelic (loss of heterozygosity at TP53)"
            shown.setdefault(v.key(), text)
        reasons.insert(0, Reason("tp53_mutated", f"TP53 mutated: {'; '.join(shown.values())}."))
    if structural:
        at = 1 if deciding else 0
        reasons[at:at] = structural
    if deleted:
        assert cn is not None
        value = f" (copy number {cn.copy_number:g})" if cn.copy_number is not None else ""
        reasons.insert(
            len(reasons) if deciding or structural else 0,
            Reason("tp53_homozygous_deletion", f"TP53 homozygously deleted{value}: p53 non-functional."),
        )
    if deciding or deleted or structural:
        evidence.status = "mutated"
        reasons.extend(duplicates)
        return
    if conflicted:
        # Records of one variant that disagree (germline and PASS, 2% and 45%): the file contradicts
        # itself, and whichever record a reader kept would decide. Never wild type, never mutated.
        reasons[0:0] = duplicates
        return
    reasons.extend(duplicates)  # duplicates that all agree and none decides: said, not decisive
    if source is None:
        reasons.insert(0, Reason("variants_missing", "no usable VCF or MAF: TP53 cannot be assessed."))
        return
    what = "MAF" if source.format == "maf" else "VCF"
    if coverage.verified and not coverage.adequate:
        fraction = (
            f"{coverage.fraction_covered * 100:.1f}% of TP53 coding bases"
            if coverage.fraction_covered is not None
            else "TP53"
        )
        reasons.insert(
            0,
            Reason(
                "tp53_coverage_insufficient",
                f"coverage of TP53 is insufficient ({fraction} covered by {coverage.method}; "
                f"{_threshold_pct(settings.min_coverage_fraction)} of every coding exon required): {coverage.detail}",
            ),
        )
        return
    if not coverage.verified and source.records_on_tp53_chrom == 0:
        if source.format == "maf":
            text = (
                "the MAF has no row for this sample on chromosome 17, and a MAF lists only what was found: "
                "a subset or truncated file as far as TP53 is concerned; supply coverage evidence via the sample "
                "sheet's `coverage` (mosdepth), `bam` or `assay` columns"
            )
        else:
            text = (
                "the VCF has no record on chromosome 17: a subset or truncated file as far as TP53 is concerned; "
                "supply coverage evidence via the sample sheet's `coverage` (mosdepth), `bam` or `assay` columns"
            )
        reasons.insert(0, Reason("tp53_chromosome_absent", text))
        return
    depth_measured = any(m in ("bam", "mosdepth") for m in str(coverage.method).split("+"))
    if source.format == "vcf" and source.records_on_tp53_chrom == 0 and not depth_measured:
        # Targets say TP53 was meant to be sequenced, not that this VCF holds the result: an empty or cut-off
        # VCF looks exactly like a tumour without variants, so only measured read depth can vouch for it.
        reasons.insert(
            0,
            Reason(
                "tp53_chromosome_absent",
                f"the VCF has no record on chromosome 17 although TP53 was targeted ({coverage.method}): an empty or "
                "truncated VCF cannot be told from a tumour without variants; supply read-depth evidence "
                "(`bam` or `coverage` column) to call TP53 wild type",
            ),
        )
        return
    if not coverage.verified and settings.require_coverage:
        reasons.insert(
            0,
            Reason(
                "tp53_coverage_not_verified",
                "coverage of TP53 was not verified and the configuration requires it (require_coverage).",
            ),
        )
        return
    suspect = [r for r in reasons if r.code == "tp53_build_suspect"]
    if suspect:
        # A TP53 mutation written in the other build's coordinates would be missed: never call that wild type.
        reasons.remove(suspect[0])
        reasons.insert(0, suspect[0])
        return
    evidence.status = "wild_type"
    listed = len(variants)
    reasons.insert(
        0,
        Reason(
            "tp53_no_deciding_variant",
            f"no deciding TP53 variant in the {what} ({source.records_on_tp53_chrom} records on chromosome 17; "
            f"{listed} TP53 record(s) listed, none deciding).",
        ),
    )
    if coverage.verified:
        reasons.insert(
            1, Reason("tp53_coverage_verified", f"coverage of TP53 verified by {coverage.method}: {coverage.detail}")
        )
    else:
        # Reached only with require_coverage false (otherwise not_assessable above).
        reasons.insert(
            1,
            Reason(
                "tp53_coverage_not_required",
                "the configuration accepts TP53 as wild type without evidence that it was sequenced "
                "(tp53.require_coverage: false).",
            ),
        )


def _record_text(call: VariantCall) -> str:
    where = f"line {call.line}" if call.line else "a record (line unknown)"
    vaf = "VAF unknown" if call.vaf is None else f"VAF {_pct(call.vaf)}"
    return f"{where}: FILTER {';'.join(call.filters or ['.'])}, {vaf}, {call.category}"


def _judge_duplicates(
    variants: list[VariantCall], source: VariantSource | None, settings: TP53Settings
) -> tuple[list[Reason], bool]:
    """Reasons for records of one variant (same normalised chrom/pos/ref/alt) that occur more than once.

    Records that disagree (one decides and another not, or FILTER or VAF differ) are a conflict: none of
    them decides, and the second value is True. Records that agree in everything are only a note. When
    every record decides, they still decide and the reason says the file repeats them.
    """
    groups: dict[tuple[str, int, str, str], list[VariantCall]] = {}
    for call in variants:
        groups.setdefault(call.key(), []).append(call)
    reasons: list[Reason] = []
    conflicted = False
    what = "MAF" if source is not None and source.format == "maf" else "VCF"
    path = source.path if source is not None else "the variant file"
    for group in groups.values():
        if len(group) < 2:
            continue
        differs = []
        if len({tuple(sorted(f.lower() for f in c.filters or ["."])) for c in group}) > 1:
            differs.append("FILTER")
        vafs = [c.vaf for c in group]
        known = [v for v in vafs if v is not None]
        if (known and len(known) < len(vafs)) or (known and max(known) - min(known) > settings.duplicate_vaf_tolerance):
            differs.append("VAF")
        if len({c.decides for c in group}) > 1:
            differs.append("whether it counts as a TP53 mutation")
        if not differs:
            continue  # identical duplicates: the reader's note says so
        records = "; ".join(_record_text(c) for c in group)
        label = describe(group[0])
        if all(c.decides for c in group):
            reasons.append(
                Reason(
                    "tp53_duplicate_records",
                    f"{label} appears in {len(group)} records of {path} that differ in {', '.join(differs)} "
                    f"({records}); every record counts as a TP53 mutation, so the call stands; "
                    f"resolve: fix the {what} so each variant appears once.",
                )
            )
            continue
        conflicted = True
        for call in group:
            call.decides = False
            call.category = "duplicate_conflict"
            call.why = (
                f"{label}: {len(group)} records of this variant disagree ({', '.join(differs)}), so none of them "
                "is counted either way."
            )
        reasons.append(
            Reason(
                "tp53_duplicate_records",
                f"{label} appears in {len(group)} records of {path} that disagree in {', '.join(differs)} "
                f"({records}): a file that contradicts itself cannot decide TP53 status; "
                f"resolve: fix the {what} so each variant appears once.",
            )
        )
    return reasons, conflicted
