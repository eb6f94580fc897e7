"""Decision per patient: each arm's criteria applied to each sample's evidence, the deciding sample chosen.

The order of a patient's samples (collection date), which sample decides (the most recent
evaluable one), the policy for a newer sample that cannot be evaluated, and the history between
samples (acquired TP53 mutations, MDM2 amplification lost) live here; each arm's criteria are in
``criteria.py``. Nothing here reads a file.

Resistance over time: the timeline lists every sample (collection date, tissue or plasma, MDM2 copy
number, TP53 status and variants with their VAF), and with the patient's MDM2-inhibitor start date
(sample sheet ``treatment_start``) every TP53 variant first seen in a sample collected after it is an
event (acquired TP53 mutations are the known resistance mechanism to MDM2 inhibitors). The TP53 flags a
sample carries (possible germline TP53, possibly clonal haematopoiesis) are patient-level reasons: a
germline finding concerns the patient, whichever sample decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .criteria import ArmResult, Arms, Criterion, Evidence, evaluate_arm
from .evidence import SampleEvidence
from .model import AmplificationRule, Reason, VariantCall
from .variants.tp53 import TP53Assessment

GENE_KINDS = ("gene_amplified", "gene_deleted", "gene_not_deleted")  # criteria that name a gene's copy number


def _walk(criteria: Iterable[Criterion]) -> Iterator[Criterion]:
    """Criteria and their any_of alternatives, depth first."""
    for c in criteria:
        yield c
        yield from _walk(c.children)


def arm_genes(arms: Arms) -> list[str]:
    """Every gene an arm's gene criterion names (gene_amplified, gene_deleted, gene_not_deleted): evaluated even
    if not configured."""
    return [c.params["gene"] for arm in arms.arms for c in _walk(arm.criteria) if c.kind in GENE_KINDS]


@dataclass
class SampleDecision:
    """One sample's evidence with every arm's result for it (default arm first)."""

    evidence: SampleEvidence
    arm_results: list[ArmResult] = field(default_factory=list)

    @property
    def evaluable(self) -> bool:
        """Usable for the decision: read without error and no molecular criterion unknown."""
        if self.evidence.errors:
            return False
        default = self.arm_results[0] if self.arm_results else None
        if default is None:
            return False
        return all(
            r.state != "unknown"
            for r in default.results
            if not r.criterion.confirmation and r.criterion.kind != "p53_ihc_concordant"
        )

    @property
    def status(self) -> str:
        return self.arm_results[0].status if self.arm_results else "INDETERMINATE"


@dataclass
class PatientDecision:
    patient_id: str
    samples: list[SampleDecision]  # sheet order
    chronological: list[SampleDecision]  # oldest first, undated last
    chosen: SampleDecision  # the deciding sample
    arm_results: list[ArmResult]  # default arm first
    reasons: list[Reason]  # top-level, de-duplicated
    events: list[dict[str, Any]]  # history between consecutive samples
    # Per sample, oldest first, and the MDM2-inhibitor start date (resistance over time).
    timeline: dict[str, Any] = field(default_factory=dict)


class Decider:
    """Applies the arms to each sample and chooses the deciding sample."""

    def __init__(self, arms: Arms, policy: dict[str, Any], rules: dict[str, AmplificationRule]) -> None:
        self.arms = arms
        # Default arm first: the top-level status and sample evaluability use it.
        self.arm_order = sorted(arms.arms, key=lambda a: a.id != arms.default_arm)
        self.policy = policy
        self.rules = rules

    def decide_sample(self, ev: SampleEvidence) -> SampleDecision:
        assert ev.mdm2_ihc is not None and ev.p53_ihc is not None and ev.fish is not None
        evidence = Evidence(
            genes=ev.genes,
            tp53=ev.tp53,
            mdm2_ihc=ev.mdm2_ihc,
            p53_ihc=ev.p53_ihc,
            fish=ev.fish,
            tumor_type=ev.row.tumor_type,
            purity=ev.row.purity if ev.row.purity is not None else ev.genes["MDM2"].purity,
            policy=self.policy,
            rules=self.rules,
        )
        return SampleDecision(ev, [evaluate_arm(arm, evidence) for arm in self.arm_order])

    def decide_patient(self, patient_id: str, samples: list[SampleEvidence]) -> PatientDecision:
        decided = [self.decide_sample(ev) for ev in samples]
        # Most recent first; undated samples after dated ones, in sheet order.
        order = sorted(
            range(len(decided)),
            key=lambda i: (
                decided[i].evidence.row.collection_date is None,
                -(decided[i].evidence.row.collection_date or dt.date.min).toordinal(),
                i,
            ),
        )
        chronological = sorted(
            decided,
            key=lambda d: (d.evidence.row.collection_date is None, d.evidence.row.collection_date or dt.date.min),
        )
        evaluable = [decided[i] for i in order if decided[i].evaluable]
        latest = decided[order[0]]
        chosen = evaluable[0] if evaluable else latest
        extra: list[Reason] = []
        arm_results = chosen.arm_results
        if len(decided) > 1 and any(d.evidence.row.collection_date is None for d in decided):
            extra.append(
                Reason(
                    "sample_order_unknown",
                    "several samples without a collection_date: their order in time is unknown, sheet order was used",
                )
            )
        if chosen is not latest:
            why = latest.evidence.errors or latest.arm_results[0].reasons[:1]
            note = Reason(
                "newer_sample_not_evaluable",
                f"the most recent sample {latest.evidence.row.sample_id} could not be evaluated "
                f"({'; '.join(r.message for r in why)}); "
                f"decision based on earlier sample {chosen.evidence.row.sample_id}",
            )
            extra.append(note)
            if self.policy["newer_sample_unevaluable"] == "INDETERMINATE":
                arm_results = [_downgrade(a, note) for a in arm_results]
        ordered = [d.evidence for d in chronological]
        start = treatment_start(ordered)
        events = history_events(ordered) + treatment_events(ordered, start)
        flags = [
            Reason(r.code, f"sample {ev.row.sample_id}: {r.message}")
            for ev in ordered
            if isinstance(ev.tp53, TP53Assessment)
            for r in ev.tp53.flags
        ]
        reasons = [*arm_results[0].reasons, *extra, *flags, *(Reason(e["code"], e["message"]) for e in events)]
        return PatientDecision(
            patient_id, decided, chronological, chosen, arm_results, _dedupe(reasons), events,
            timeline=timeline(chronological, chosen, start),
        )  # fmt: skip


def _downgrade(arm: ArmResult, note: Reason) -> ArmResult:
    if arm.status in ("ELIGIBLE", "PENDING_CONFIRMATION"):
        return _NotedArm(arm.arm, "INDETERMINATE", arm.results, note)
    return arm


class _NotedArm(ArmResult):
    """An arm result downgraded by a patient-level note (newer sample not evaluable)."""

    def __init__(self, arm, status, results, note: Reason) -> None:
        super().__init__(arm, status, results)
        self.note = note

    @property
    def reasons(self) -> list[Reason]:
        return [self.note, *super().reasons]


def _dedupe(reasons: list[Reason]) -> list[Reason]:
    seen = set()
    out = []
    for r in reasons:
        if (r.code, r.message) not in seen:
            seen.add((r.code, r.message))
            out.append(r)
    return out


def _vaf_text(vaf: float | None) -> str:
    return "unknown" if vaf is None else f"{vaf:.1%}"


def history_events(chronological: list[SampleEvidence]) -> list[dict[str, Any]]:
    """Changes between consecutive samples: acquired TP53 mutations, MDM2 amplification lost."""
    events: list[dict[str, Any]] = []
    for earlier, later in zip(chronological, chronological[1:], strict=False):
        if earlier.tp53.status == "wild_type":
            before = {v.key(): v for v in earlier.tp53.variants}
            for v in later.tp53.deciding:
                old = before.get(v.key())
                if old is not None and old.decides:
                    continue
                label = v.hgvs_p or v.hgvs_c or f"{v.chrom}:{v.pos}{v.ref}>{v.alt}"
                old_vaf = f"VAF {_vaf_text(old.vaf)} ({old.category.replace('_', ' ')})" if old else "not detected"
                events.append(
                    {
                        "code": "acquired_tp53_mutation",
                        "message": (
                            f"acquired TP53 mutation {label}: not present in {earlier.row.sample_id} "
                            f"({old_vaf}), VAF {_vaf_text(v.vaf)} in {later.row.sample_id}. Acquired TP53 mutations "
                            "are the known resistance mechanism to MDM2 inhibitors"
                        ),
                        "variant": label,
                        "earlier_sample": earlier.row.sample_id,
                        "later_sample": later.row.sample_id,
                        "earlier_vaf": old.vaf if old else 0.0,
                        "later_vaf": v.vaf,
                    }
                )
        a, b = earlier.genes["MDM2"], later.genes["MDM2"]
        if a.amplified is True and b.amplified is False:
            events.append(
                {
                    "code": "mdm2_amplification_lost",
                    "message": f"MDM2 amplification lost: {a.copy_number:.1f} copies in {earlier.row.sample_id}, {b.copy_number:.1f} in {later.row.sample_id}",
                    "earlier_sample": earlier.row.sample_id,
                    "later_sample": later.row.sample_id,
                    "earlier_copy_number": a.copy_number,
                    "later_copy_number": b.copy_number,
                }
            )
    return events


# --------------------------------------------------------------------------- resistance over time

# Categories of a TP53 variant that make it a finding worth following over time: what counts or was held
# back by a policy, and what is below the VAF threshold (acquired mutations often start subclonal).
FOLLOWED = ("deciding", "below_vaf", "vaf_unknown", "possible_clonal_haematopoiesis", "possible_germline")


def _label(v: VariantCall) -> str:
    return v.hgvs_p or v.hgvs_c or f"{v.chrom}:{v.pos}{v.ref}>{v.alt}"


def treatment_start(samples: list[SampleEvidence]) -> dt.date | None:
    """The patient's MDM2-inhibitor start date (the sample sheet checks that every row gives the same one)."""
    return next((ev.row.treatment_start for ev in samples if ev.row.treatment_start is not None), None)


def treatment_events(chronological: list[SampleEvidence], start: dt.date | None) -> list[dict[str, Any]]:
    """Every TP53 variant first seen in a sample collected after the MDM2-inhibitor start date (none
    without a start date). "First seen": no earlier sample lists the variant in any category; an undated
    sample cannot be placed against the start date and is an event of its own."""
    if start is None:
        return []
    events: list[dict[str, Any]] = []
    seen: set[tuple[str, int, str, str]] = set()
    earlier: list[str] = []
    for ev in chronological:
        row = ev.row
        date = row.collection_date
        if date is None:
            events.append(
                {
                    "code": "treatment_timing_unknown",
                    "message": f"sample {row.sample_id} has no collection_date: whether it was taken before or after "
                    f"the MDM2-inhibitor start ({start.isoformat()}) is unknown",
                    "sample": row.sample_id,
                    "treatment_start": start.isoformat(),
                }
            )
        elif date > start:
            for v in ev.tp53.variants:
                if v.category not in FOLLOWED or v.key() in seen:
                    continue
                before = (
                    f"not in the earlier sample(s) {', '.join(earlier)}"
                    if earlier
                    else "no earlier sample of this patient to compare with"
                )
                events.append(
                    {
                        "code": "tp53_variant_after_treatment_start",
                        "message": (
                            f"TP53 variant {_label(v)} (VAF {_vaf_text(v.vaf)}, {v.category.replace('_', ' ')}) in "
                            f"{row.sample_id} collected {date.isoformat()}, after the MDM2-inhibitor start "
                            f"{start.isoformat()}; {before}: acquired after MDM2-inhibitor start, possible resistance"
                        ),
                        "variant": _label(v),
                        "sample": row.sample_id,
                        "collection_date": date.isoformat(),
                        "treatment_start": start.isoformat(),
                        "vaf": v.vaf,
                        "category": v.category,
                        "earlier_samples": list(earlier),
                    }
                )
        seen.update(v.key() for v in ev.tp53.variants)
        earlier.append(row.sample_id)
    return events


def timeline(chronological: list[SampleDecision], chosen: SampleDecision, start: dt.date | None) -> dict[str, Any]:
    """Per sample, oldest first (undated last): date, tissue or plasma, MDM2 copy number, TP53 status and
    variants with VAF; with the MDM2-inhibitor start date, whether each sample was taken after it."""
    rows = []
    for d in chronological:
        ev, row = d.evidence, d.evidence.row
        mdm2 = ev.genes["MDM2"]
        date = row.collection_date
        tp53 = ev.tp53
        shown = tp53.to_dict()  # with the evidence layer's annotations (biallelic, flags) when it made them
        annotated = {(v["chrom"], v["pos"], v["ref"], v["alt"]): v for v in shown["all_variants"]}
        rows.append(
            {
                "sample_id": row.sample_id,
                "collection_date": date.isoformat() if date else None,
                "sample_type": row.sample_type,
                "used_for_decision": d is chosen,
                "after_treatment_start": None if start is None or date is None else date > start,
                "mdm2": {"call": mdm2.call, "copy_number": mdm2.copy_number, "amplified": mdm2.amplified},
                "tp53_status": tp53.status,
                "tp53_variants": [
                    {
                        "variant": _label(v),
                        "hgvs_c": v.hgvs_c,
                        "hgvs_p": v.hgvs_p,
                        "consequence": v.consequence,
                        "vaf": v.vaf,
                        "decides": v.decides,
                        "category": v.category,
                        "biallelic": annotated.get(v.key(), {}).get("biallelic"),
                        "flags": list(annotated.get(v.key(), {}).get("flags") or []),
                    }
                    for v in tp53.variants
                    if v.category in FOLLOWED or v.decides
                ],
                "tp53_structural_variants": [
                    f["label"]
                    for f in ((shown.get("structural_variants") or {}).get("variants") or [])
                    if f.get("category") in ("deciding", "uncertain", "germline")
                ],
            }
        )
    return {"treatment_start": start.isoformat() if start else None, "samples": rows}
