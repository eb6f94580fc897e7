"""TP53 status from the variant evidence, coverage evidence and TP53 copy number.

Each variant in the TP53 region gets a category and a one-sentence ``why``; the status follows the
rule "missing or unusable evidence is never evidence": a VCF without chromosome 17 records, or
coverage shown to be insufficient, makes TP53 *not assessable*, never wild type.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..genome import canonical_build
from ..model import CoverageEvidence, GeneCopyNumber, Reason, TP53Evidence, VariantCall, VariantSource
from ..paths import reference_path
from ..reference import gene_locus
from .transcript import CONSEQUENCE_LABELS

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


# --------------------------------------------------------------------------- status


def assess_tp53(
    source: VariantSource | None,
    coverage: CoverageEvidence,
    *,
    cn: GeneCopyNumber | None,
    settings: TP53Settings,
    build: str,
) -> TP53Evidence:
    """TP53 status: mutated, wild_type or not_assessable, with the reasons and every variant judged."""
    canon = canonical_build(build) or build
    variants = list(source.variants) if source is not None else []
    for call in variants:
        categorise(call, settings, canon)
    reasons: list[Reason] = []
    if source is not None:
        for note in source.notes:
            if note.startswith(REFERENCE_MISMATCH_NOTE):
                reasons.append(Reason("tp53_reference_mismatch", note[len(REFERENCE_MISMATCH_NOTE) :]))
            elif note.startswith(BUILD_SUSPECT_NOTE):
                reasons.append(Reason("tp53_build_suspect", note[len(BUILD_SUSPECT_NOTE) :]))
    duplicates, conflicted = _judge_duplicates(variants, source, settings)
    deciding = [v for v in variants if v.decides]
    deleted = cn is not None and cn.call == "deleted"
    evidence = TP53Evidence(
        status="not_assessable",
        variants=variants,
        coverage=coverage,
        reasons=reasons,
        copy_number=cn,
        source=source.path if source is not None else None,
    )
    if deciding:
        shown: dict[tuple[str, int, str, str], str] = {}
        for v in deciding:  # identical duplicates are listed once
            shown.setdefault(v.key(), f"{describe(v)}, VAF {'unknown' if v.vaf is None else _pct(v.vaf)}")
        reasons.insert(0, Reason("tp53_mutated", f"TP53 mutated: {'; '.join(shown.values())}."))
    if deleted:
        assert cn is not None
        value = f" (copy number {cn.copy_number:g})" if cn.copy_number is not None else ""
        reasons.insert(
            len(reasons) if deciding else 0,
            Reason("tp53_homozygous_deletion", f"TP53 homozygously deleted{value}: p53 non-functional."),
        )
    if deciding or deleted:
        evidence.status = "mutated"
        reasons.extend(duplicates)
        return evidence
    if conflicted:
        # Records of one variant that disagree (germline and PASS, 2% and 45%): the file contradicts
        # itself, and whichever record a reader kept would decide. Never wild type, never mutated.
        reasons[0:0] = duplicates
        return evidence
    reasons.extend(duplicates)  # duplicates that all agree and none decides: said, not decisive
    if source is None:
        reasons.insert(0, Reason("variants_missing", "no usable VCF or MAF: TP53 cannot be assessed."))
        return evidence
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
        return evidence
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
        return evidence
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
        return evidence
    if not coverage.verified and settings.require_coverage:
        reasons.insert(
            0,
            Reason(
                "tp53_coverage_not_verified",
                "coverage of TP53 was not verified and the configuration requires it (require_coverage).",
            ),
        )
        return evidence
    suspect = [r for r in reasons if r.code == "tp53_build_suspect"]
    if suspect:
        # A TP53 mutation written in the other build's coordinates would be missed: never call that wild type.
        reasons.remove(suspect[0])
        reasons.insert(0, suspect[0])
        return evidence
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
    return evidence


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
