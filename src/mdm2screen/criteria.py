"""Trial arms as data: criteria over the evidence, each met / not met / unknown / pending.

The status rule (the only place a status is computed):

    any criterion not_met  -> NOT_ELIGIBLE
    else any unknown       -> INDETERMINATE
    else any pending       -> PENDING_CONFIRMATION
    else (all met)         -> ELIGIBLE

so a patient is ELIGIBLE only when every criterion of the arm is positively met; unknown
never becomes met.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .ihc import P53_ABERRANT, MarkerCall
from .model import GeneCopyNumber, Reason, TP53Evidence
from .paths import repo_path

ARMS_SCHEMA = repo_path("workflow", "schemas", "arms.schema.yaml")
STATES = ("met", "not_met", "unknown", "pending")
STATUSES = ("ELIGIBLE", "NOT_ELIGIBLE", "PENDING_CONFIRMATION", "INDETERMINATE")


@dataclass(frozen=True)
class Criterion:
    id: str
    kind: str
    params: dict[str, Any]

    @property
    def confirmation(self) -> bool:
        return self.kind == "mdm2_confirmed"

    def describe(self) -> str:
        if self.kind == "gene_amplified":
            return f"{self.params['gene']} amplified by NGS"
        if self.kind == "tp53_wild_type":
            return "TP53 wild type"
        if self.kind == "mdm2_confirmed":
            return "MDM2 confirmed by IHC (or FISH)"
        if self.kind == "p53_ihc_concordant":
            return "p53 IHC, when done, does not contradict TP53 wild type"
        if self.kind == "tumor_type_in":
            return f"tumour type is one of: {', '.join(self.params['types'])}"
        if self.kind == "tumor_type_not_in":
            return f"tumour type is not one of: {', '.join(self.params['types'])}"
        if self.kind == "min_purity":
            return f"tumour purity at least {self.params['value']:.0%}"
        return self.kind


@dataclass(frozen=True)
class Arm:
    id: str
    title: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Arms:
    default_arm: str
    arms: tuple[Arm, ...]
    source: str
    text: str

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def load_arms(path: str | Path, *, validated_sha256: str | None = None) -> Arms:
    """Read and validate an arms file; ConfigError lists every problem.

    ``validated_sha256``: the planning process of this run validated the file when its text had this
    checksum; while it still has, a job skips the schema check (importing jsonschema costs ~0.08 s).
    """
    p = Path(path)
    try:
        text = p.read_text()
        raw = yaml.safe_load(text)
    except FileNotFoundError as exc:
        raise ConfigError([f"{p}: arms file does not exist"]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([f"{p}: malformed YAML: {exc}"]) from exc
    if validated_sha256 is None or text_sha256(text) != validated_sha256:
        problems = _schema_problems(p, raw)
        if problems:
            raise ConfigError(problems)
    problems = []
    arms = []
    ids = [a["id"] for a in raw["arms"]]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{p}: arm id '{dup}' is used more than once")
    if raw["default_arm"] not in ids:
        problems.append(f"{p}: default_arm '{raw['default_arm']}' is not one of the arms ({', '.join(ids)})")
    for arm in raw["arms"]:
        criteria = []
        seen: set[str] = set()
        for index, c in enumerate(arm["criteria"], start=1):
            params = {k: v for k, v in c.items() if k not in ("kind", "id")}
            cid = c.get("id") or (f"{c['kind']}_{params['gene']}" if "gene" in params else c["kind"])
            if cid in seen:
                problems.append(f"{p}: arm '{arm['id']}', criterion {index}: id '{cid}' repeats; give it an `id`")
            seen.add(cid)
            criteria.append(Criterion(cid, c["kind"], params))
        arms.append(Arm(arm["id"], arm["title"], tuple(criteria)))
    if problems:
        raise ConfigError(problems)
    return Arms(raw["default_arm"], tuple(arms), str(p), text)


def _schema_problems(path: Path, raw: Any) -> list[str]:
    import jsonschema

    from .config import load_schema

    validator = jsonschema.Draft202012Validator(load_schema(ARMS_SCHEMA))
    return [
        f"{path}: {'/'.join(str(x) for x in error.absolute_path) or '(top level)'}: {error.message}"
        for error in validator.iter_errors(raw)
    ]


@dataclass
class Evidence:
    """What the criteria look at, for the decision sample."""

    genes: dict[str, GeneCopyNumber]
    tp53: TP53Evidence
    mdm2_ihc: MarkerCall
    p53_ihc: MarkerCall
    fish: MarkerCall
    tumor_type: str | None
    purity: float | None
    policy: dict[str, Any]
    problems: list[Reason] = field(default_factory=list)  # sample-level errors worth repeating


@dataclass
class CriterionResult:
    criterion: Criterion
    state: str
    evidence: str
    reason: Reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.criterion.id,
            "kind": self.criterion.kind,
            "description": self.criterion.describe(),
            "confirmation": self.criterion.confirmation,
            "state": self.state,
            "evidence": self.evidence,
        }


def _join(reasons: list[Reason]) -> str:
    return "; ".join(r.message.rstrip(". ") for r in reasons)


def _gene(ev: Evidence, c: Criterion) -> CriterionResult:
    gene = c.params["gene"]
    call = ev.genes.get(gene)
    if call is None:
        return CriterionResult(
            c,
            "unknown",
            f"{gene} was not evaluated",
            Reason(f"{gene.lower()}_not_assessable", f"{gene} copy number was not evaluated"),
        )
    cn = f"{call.copy_number:.2f}" if call.copy_number is not None else "n/a"
    thr = call.threshold or {}
    text = f"{gene} copy number {cn} ({call.call.replace('_', ' ')}; amplified at >= {thr.get('amplified_at', '?')} {thr.get('mode', '')})".strip()
    if call.amplified is True:
        return CriterionResult(c, "met", text, Reason(f"{gene.lower()}_amplified", text))
    if call.amplified is False:
        return CriterionResult(c, "not_met", text, Reason(f"{gene.lower()}_not_amplified", text))
    why = _join(call.reasons) or "not assessable"
    code = f"{gene.lower()}_equivocal" if call.call == "equivocal" else f"{gene.lower()}_not_assessable"
    return CriterionResult(c, "unknown", f"{text}: {why}", Reason(code, f"{gene} {call.call.replace('_', ' ')}: {why}"))


def _tp53(ev: Evidence, c: Criterion) -> CriterionResult:
    tp53 = ev.tp53
    if tp53.status == "wild_type":
        note = _join(tp53.reasons)
        text = "no deciding TP53 variant" + (f" ({note})" if note else "")
        return CriterionResult(c, "met", text, Reason("tp53_wild_type", text))
    if tp53.status == "mutated":
        parts = [
            f"{v.hgvs_p or v.hgvs_c or f'{v.chrom}:{v.pos}{v.ref}>{v.alt}'} ({v.consequence}, VAF {'unknown' if v.vaf is None else f'{v.vaf:.1%}'})"
            for v in tp53.deciding
        ]
        parts += [r.message for r in tp53.reasons if r.code == "tp53_homozygous_deletion"]
        text = "TP53 mutated: " + "; ".join(parts or ["see variants"])
        return CriterionResult(c, "not_met", text, Reason("tp53_mutated", text))
    why = _join(tp53.reasons) or "TP53 could not be assessed"
    return CriterionResult(c, "unknown", why, Reason("tp53_not_assessable", f"TP53 not assessable: {why}"))


def _mdm2_confirmed(ev: Evidence, c: Criterion) -> CriterionResult:
    policy = ev.policy
    ihc, fish = ev.mdm2_ihc, ev.fish
    use_fish = policy.get("accept_fish_as_confirmation", True) and fish.state not in ("absent", "not_done", "pending")
    states = [("IHC", ihc.state)] + ([("FISH", fish.state)] if use_fish else [])
    positive = [n for n, s in states if s in ("positive", "amplified")]
    negative = [n for n, s in states if s in ("negative", "not_amplified")]
    detail = "; ".join(x.detail for x in ([ihc] + ([fish] if use_fish else [])))
    if ihc.state == "conflicting" or (use_fish and fish.state == "conflicting"):
        return CriterionResult(
            c,
            "unknown",
            detail,
            Reason("mdm2_confirmation_conflicting", f"MDM2 confirmation results disagree: {detail}"),
        )
    if positive and negative:
        return CriterionResult(
            c,
            "unknown",
            detail,
            Reason("mdm2_confirmation_discordant", f"MDM2 IHC and FISH disagree ({detail}); needs review"),
        )
    if positive:
        return CriterionResult(
            c, "met", detail, Reason("mdm2_ihc_positive" if "IHC" in positive else "mdm2_fish_amplified", detail)
        )
    if negative:
        amplified = ev.genes.get("MDM2") is not None and ev.genes["MDM2"].amplified is True
        code = "mdm2_ihc_negative_discordant" if amplified else "mdm2_ihc_negative"
        msg = (
            "NGS shows MDM2 amplification but confirmation is negative: "
            if amplified
            else "MDM2 confirmation negative: "
        ) + detail
        state = "not_met" if policy.get("mdm2_ihc_negative", "NOT_ELIGIBLE") == "NOT_ELIGIBLE" else "unknown"
        return CriterionResult(c, state, detail, Reason(code, msg))
    if ihc.state == "equivocal" or (use_fish and fish.state == "equivocal"):
        state = "pending" if policy.get("mdm2_ihc_equivocal") == "PENDING_CONFIRMATION" else "unknown"
        return CriterionResult(
            c, state, detail, Reason("mdm2_ihc_equivocal", f"MDM2 IHC equivocal, needs review or FISH: {detail}")
        )
    if ihc.state in ("pending", "not_done"):
        return CriterionResult(
            c,
            "pending",
            detail,
            Reason(f"mdm2_ihc_{ihc.state}", f"MDM2 IHC {ihc.state.replace('_', ' ')}: confirmation still needed"),
        )
    return CriterionResult(
        c, "pending", detail, Reason("mdm2_ihc_missing", "no MDM2 IHC result: request MDM2 IHC to confirm")
    )


def _p53_concordant(ev: Evidence, c: Criterion) -> CriterionResult:
    p53 = ev.p53_ihc
    if p53.state in P53_ABERRANT and ev.tp53.status == "wild_type":
        state = "not_met" if ev.policy.get("p53_ihc_discordant") == "NOT_ELIGIBLE" else "unknown"
        msg = f"p53 IHC shows an aberrant pattern ({p53.state}) although NGS found TP53 wild type: needs review"
        return CriterionResult(c, state, p53.detail, Reason("p53_ihc_discordant", msg))
    if p53.state == "wild_type_pattern" and ev.tp53.status == "mutated":
        msg = "p53 IHC shows a wild-type pattern although NGS found a TP53 mutation (about 5% of mutant tumours do)"
        return CriterionResult(c, "met", p53.detail, Reason("p53_ihc_wild_type_with_mutation", msg))
    if p53.state == "conflicting":
        return CriterionResult(
            c, "unknown", p53.detail, Reason("p53_ihc_conflicting", f"p53 IHC rows disagree: {p53.detail}")
        )
    text = p53.detail if p53.state != "absent" else "no p53 IHC (not required)"
    return CriterionResult(c, "met", text, Reason("p53_ihc_concordant", text))


def _tumor_type(ev: Evidence, c: Criterion) -> CriterionResult:
    wanted = [t.lower() for t in c.params["types"]]
    if not ev.tumor_type:
        return CriterionResult(
            c,
            "unknown",
            "tumour type not given",
            Reason("tumor_type_unknown", "tumour type not given in the sample sheet"),
        )
    inside = ev.tumor_type.lower() in wanted
    met = inside if c.kind == "tumor_type_in" else not inside
    text = f"tumour type {ev.tumor_type}"
    return CriterionResult(
        c,
        "met" if met else "not_met",
        text,
        Reason("tumor_type_met" if met else "tumor_type_excluded", f"{text}: {c.describe()}"),
    )


def _purity(ev: Evidence, c: Criterion) -> CriterionResult:
    if ev.purity is None:
        return CriterionResult(c, "unknown", "purity unknown", Reason("purity_unknown", "tumour purity unknown"))
    met = ev.purity >= c.params["value"]
    text = f"purity {ev.purity:.0%} (minimum {c.params['value']:.0%})"
    return CriterionResult(
        c, "met" if met else "not_met", text, Reason("purity_met" if met else "purity_too_low", text)
    )


_EVALUATORS = {
    "gene_amplified": _gene,
    "tp53_wild_type": _tp53,
    "mdm2_confirmed": _mdm2_confirmed,
    "p53_ihc_concordant": _p53_concordant,
    "tumor_type_in": _tumor_type,
    "tumor_type_not_in": _tumor_type,
    "min_purity": _purity,
}


def combine(states: list[str]) -> str:
    """The status rule (module docstring)."""
    if "not_met" in states:
        return "NOT_ELIGIBLE"
    if "unknown" in states:
        return "INDETERMINATE"
    if "pending" in states:
        return "PENDING_CONFIRMATION"
    return "ELIGIBLE"


@dataclass
class ArmResult:
    arm: Arm
    status: str
    results: list[CriterionResult]

    @property
    def reasons(self) -> list[Reason]:
        """The reasons that explain the status first (what excluded / blocked), then the rest."""
        order = {"NOT_ELIGIBLE": ("not_met",), "INDETERMINATE": ("unknown",), "PENDING_CONFIRMATION": ("pending",)}
        lead = order.get(self.status, ("met",))
        first = [r.reason for r in self.results if r.state in lead]
        rest = [r.reason for r in self.results if r.state not in lead]
        if self.status == "ELIGIBLE":
            summary = "every criterion met: " + "; ".join(r.criterion.describe() for r in self.results)
            first.insert(0, Reason("all_criteria_met", summary))
        return first + rest

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.arm.id,
            "title": self.arm.title,
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
            "criteria": [r.to_dict() for r in self.results],
        }


def evaluate_arm(arm: Arm, ev: Evidence) -> ArmResult:
    results = [_EVALUATORS[c.kind](ev, c) for c in arm.criteria]
    return ArmResult(arm, combine([r.state for r in results]), results)
