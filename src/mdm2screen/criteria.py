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

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cn.genelevel import amplicon_of, deletion_reading, judge
from .config import load_schema, parse_yaml
from .errors import ConfigError
from .ihc import P53_ABERRANT, MarkerCall
from .model import AmplificationRule, GeneCopyNumber, Reason, TP53Evidence
from .paths import TRIALS_DIR, schema_path
from .reference import known_genes

ARMS_SCHEMA = schema_path("arms.schema.yaml")
STATES = ("met", "not_met", "unknown", "pending")
STATUSES = ("ELIGIBLE", "NOT_ELIGIBLE", "PENDING_CONFIRMATION", "INDETERMINATE")
CONFIRMATION_KINDS = ("mdm2_confirmed", "mdm2_ihc_positive", "mdm2_fish_amplified")
RULE_KEYS = ("mode", "amplified_at", "gain_at")


@dataclass(frozen=True)
class Criterion:
    id: str
    kind: str
    params: dict[str, Any]
    children: tuple[Criterion, ...] = ()  # any_of
    source: str | None = None
    unverified: str | None = None

    @property
    def confirmation(self) -> bool:
        """Confirmation of MDM2 by IHC/FISH: pending or missing confirmation is not a molecular gap."""
        if self.kind == "any_of":
            return all(c.confirmation for c in self.children)
        return self.kind in CONFIRMATION_KINDS

    def own_rule(self) -> dict[str, Any]:
        return {k: self.params[k] for k in RULE_KEYS if k in self.params}

    def describe(self) -> str:
        if self.kind == "gene_amplified":
            rule = self.own_rule()
            how = "focally amplified" if self.params.get("require_focal") else "amplified"
            if rule:
                mode = rule.get("mode", "absolute")
                return f"{self.params['gene']} {how} by NGS ({mode} >= {rule['amplified_at']:g}, this arm's rule)"
            return f"{self.params['gene']} {how} by NGS"
        if self.kind == "gene_deleted":
            return f"{self.params['gene']} homozygously deleted by NGS"
        if self.kind == "gene_not_deleted":
            return f"{self.params['gene']} not homozygously deleted by NGS"
        if self.kind == "tp53_wild_type":
            return "TP53 wild type"
        if self.kind == "mdm2_confirmed":
            return "MDM2 confirmed by IHC (or FISH)"
        if self.kind == "mdm2_ihc_positive":
            return "MDM2 IHC positive"
        if self.kind == "mdm2_fish_amplified":
            return "MDM2 FISH amplified"
        if self.kind == "p53_ihc_concordant":
            return "p53 IHC, when done, does not contradict TP53 wild type"
        if self.kind == "tumor_type_in":
            return f"tumour type is one of: {', '.join(self.params['types'])}"
        if self.kind == "tumor_type_not_in":
            return f"tumour type is not one of: {', '.join(self.params['types'])}"
        if self.kind == "min_purity":
            return f"tumour purity at least {self.params['value']:.0%}"
        if self.kind == "any_of":
            return "any of: " + "; ".join(c.describe() for c in self.children)
        return self.kind


@dataclass(frozen=True)
class Arm:
    id: str
    title: str
    criteria: tuple[Criterion, ...]
    source: str | None = None
    trial: str | None = None  # the catalogue trial the arm comes from (config/trials/)


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


def load_arms(
    path: str | Path, *, trials: tuple[str, ...] | list[str] = (), validated_sha256: str | None = None
) -> Arms:
    """Read and validate an arms file plus catalogue trials (config/trials/<name>.yaml); ConfigError lists every problem.

    ``validated_sha256``: the planning process of this run validated the files when their text had this
    checksum; while it still has, a job skips the schema check (importing jsonschema costs ~0.08 s).
    """
    files = [Path(path)] + [TRIALS_DIR / f"{name}.yaml" for name in trials]
    problems: list[str] = []
    texts, raws = [], []
    for p in files:
        try:
            text = p.read_text()
        except FileNotFoundError:
            known = ", ".join(sorted(x.stem for x in TRIALS_DIR.glob("*.yaml")))
            extra = f" (catalogue trials: {known})" if p.parent == TRIALS_DIR else ""
            problems.append(f"{p}: arms file does not exist{extra}")
            continue
        texts.append(text)
        try:
            raw = parse_yaml(text, str(p))  # no anchors or aliases: nested aliases can expand to gigabytes
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        raws.append((p, raw))
    if problems:
        raise ConfigError(problems)
    all_text = "\n".join(texts)
    if validated_sha256 is None or text_sha256(all_text) != validated_sha256:
        for p, raw in raws:
            problems.extend(_schema_problems(p, raw))
        if problems:
            raise ConfigError(problems)
    genes = set(known_genes())
    arms: list[Arm] = []
    for index, (p, raw) in enumerate(raws):
        ids = [a["id"] for a in raw["arms"]]
        if raw["default_arm"] not in ids:
            problems.append(f"{p}: default_arm '{raw['default_arm']}' is not one of the arms ({', '.join(ids)})")
        trial = (raw.get("trial") or {}).get("name") if index else None
        for arm in raw["arms"]:
            seen: set[str] = set()
            criteria = [
                _criterion(c, f"{p}: arm '{arm['id']}', criterion {n}", seen, genes, problems)
                for n, c in enumerate(arm["criteria"], start=1)
            ]
            arms.append(Arm(arm["id"], arm["title"], tuple(criteria), arm.get("source"), trial))
    all_ids = [a.id for a in arms]
    for dup in sorted({i for i in all_ids if all_ids.count(i) > 1}):
        problems.append(f"{', '.join(str(p) for p, _ in raws)}: arm id '{dup}' is used more than once")
    if problems:
        raise ConfigError(problems)
    return Arms(raws[0][1]["default_arm"], tuple(arms), str(files[0]), all_text)


def _criterion(c: dict[str, Any], where: str, seen: set[str], genes: set[str], problems: list[str]) -> Criterion:
    params = {k: v for k, v in c.items() if k not in ("kind", "id", "criteria", "source", "unverified")}
    cid = c.get("id") or (f"{c['kind']}_{params['gene']}" if "gene" in params else c["kind"])
    if cid in seen:
        problems.append(f"{where}: id '{cid}' repeats; give it an `id`")
    seen.add(cid)
    gene = params.get("gene")
    if gene is not None and gene not in genes:
        close = [g for g in genes if g.upper() == str(gene).upper()]
        hint = f"; did you mean '{close[0]}'?" if close else f"; known genes: {', '.join(sorted(genes))}"
        problems.append(f"{where}: gene '{gene}' has no coordinates in resources/reference/genes.tsv{hint}")
    if "gain_at" in params and "amplified_at" in params and params["gain_at"] > params["amplified_at"]:
        problems.append(
            f"{where}: gain_at ({params['gain_at']}) must not exceed amplified_at ({params['amplified_at']})"
        )
    for key in ("amplified_at", "gain_at", "value"):
        value = params.get(key)
        if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
            problems.append(f"{where}: {key} must be a finite number, found {value}")
    if "gain_at" in params and "amplified_at" not in params:
        problems.append(f"{where}: gain_at without amplified_at; give both (or neither, to use the configured rule)")
    children = tuple(
        _criterion(sub, f"{where}, any_of item {n}", seen, genes, problems)
        for n, sub in enumerate(c.get("criteria") or (), start=1)
    )
    return Criterion(cid, c["kind"], params, children, c.get("source"), c.get("unverified"))


def _schema_problems(path: Path, raw: Any) -> list[str]:
    import jsonschema

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
    rules: dict[str, AmplificationRule] = field(default_factory=dict)  # configured rule per gene
    problems: list[Reason] = field(default_factory=list)  # sample-level errors worth repeating

    def rule_for(self, criterion: Criterion) -> AmplificationRule:
        """The configured rule for the criterion's gene, with the arm's own mode/thresholds on top."""
        gene = criterion.params["gene"]
        base = self.rules[gene]  # the screener builds a rule for every gene an arm names
        own = criterion.own_rule()
        if not own:
            return base
        gain = own.get("gain_at", own["amplified_at"])
        return dataclasses.replace(
            base, mode=own.get("mode", base.mode), amplified_at=float(own["amplified_at"]), gain_at=float(gain)
        )


@dataclass
class CriterionResult:
    criterion: Criterion
    state: str
    evidence: str
    reason: Reason
    rule: dict[str, Any] | None = None  # gene_amplified: the rule applied and the compared range
    children: list[CriterionResult] = field(default_factory=list)  # any_of

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.criterion.id,
            "kind": self.criterion.kind,
            "description": self.criterion.describe(),
            "confirmation": self.criterion.confirmation,
            "state": self.state,
            "evidence": self.evidence,
        }
        if self.rule is not None:
            d["rule"] = self.rule
        if self.criterion.source:
            d["source"] = self.criterion.source
        if self.criterion.unverified:
            d["unverified"] = self.criterion.unverified
        if self.children:
            d["any_of"] = [c.to_dict() for c in self.children]
        return d


def _join(reasons: list[Reason]) -> str:
    return "; ".join(r.message.rstrip(". ") for r in reasons)


def _not_evaluated(c: Criterion, gene: str) -> CriterionResult:
    return CriterionResult(
        c,
        "unknown",
        f"{gene} was not evaluated",
        Reason(f"{gene.lower()}_not_assessable", f"{gene} copy number was not evaluated"),
    )


def _gene(ev: Evidence, c: Criterion) -> CriterionResult:
    """Met only when the whole copy-number range is on the amplified side of this arm's rule."""
    gene = c.params["gene"]
    call = ev.genes.get(gene)
    if call is None:
        return _not_evaluated(c, gene)
    rule = ev.rule_for(c)
    j = judge(call, rule)
    applied = {
        "mode": rule.mode,
        "amplified_at": rule.amplified_at,
        "gain_at": rule.gain_at,
        "source": "arm" if c.own_rule() else "copy_number.thresholds",
        "value": j.value,
        "value_range": list(j.value_range) if j.value_range else None,
    }
    text = f"{gene} copy number {_span(call.copy_number, call.threshold.get('copy_number_range'))}"
    if rule.mode != "absolute":
        text += f"; {rule.mode} {_span(j.value, j.value_range)}"
    text += f" ({j.call.replace('_', ' ')}; amplified at >= {rule.amplified_at:g} {rule.mode})"
    if j.amplified is False:
        return CriterionResult(c, "not_met", text, Reason(f"{gene.lower()}_not_amplified", text), applied)
    if j.amplified is True:
        result = CriterionResult(c, "met", text, Reason(f"{gene.lower()}_amplified", text), applied)
    else:
        reasons = [r for r in call.reasons if r.code not in _RULE_REASONS]
        if j.reason is not None:
            reasons.append(j.reason)
        why = _join(reasons) or "not assessable"
        code = {
            "equivocal": f"{gene.lower()}_equivocal",
            "uncertain": f"{gene.lower()}_range_straddles_threshold",
        }.get(j.call, f"{gene.lower()}_not_assessable")
        result = CriterionResult(
            c, "unknown", f"{text}: {why}", Reason(code, f"{gene} {j.call.replace('_', ' ')}: {why}"), applied
        )
    return _require_focal(c, call, result) if c.params.get("require_focal") else result


def _require_focal(c: Criterion, call: GeneCopyNumber, result: CriterionResult) -> CriterionResult:
    """An amplification the arm counts only when focal: not focal -> not met; focality unknown -> unknown."""
    gene = call.gene
    amplicon = amplicon_of(call)
    focal = amplicon["focal"] if amplicon is not None else None
    if amplicon is None:
        why = "focality not assessed (no amplicon evidence for this sample)"
    else:
        why = "; ".join(r["message"].removeprefix(f"{gene}: ") for r in amplicon["reasons"]) or "focality unknown"
    assert result.rule is not None
    result.rule["require_focal"] = True
    result.rule["focal"] = focal
    text = f"{result.evidence}; {why}"
    if focal is True:
        return CriterionResult(c, result.state, text, result.reason, result.rule, result.children)
    if focal is False:
        assert amplicon is not None
        codes = {r["code"] for r in amplicon["reasons"]}
        if "not_focal_arm_level" in codes or amplicon.get("spans_arm"):
            message = f"{gene}: high-level gain of the whole arm (polysomy), not focal amplification: {why}"
        else:
            message = f"{gene}: a large-scale gain, not focal amplification: {why}"
        return CriterionResult(c, "not_met", text, Reason(f"{gene.lower()}_not_focal", message), result.rule)
    if result.state == "met":
        reason = Reason(f"{gene.lower()}_focality_unknown", f"{gene} amplified, focality unknown: {why}")
    else:
        reason = Reason(result.reason.code, f"{result.reason.message}; {why}")
    return CriterionResult(c, "unknown", text, reason, result.rule)


def _deletion(ev: Evidence, c: Criterion) -> CriterionResult:
    """gene_deleted / gene_not_deleted: a homozygous deletion measured over the whole gene (never assumed)."""
    gene = c.params["gene"]
    call = ev.genes.get(gene)
    if call is None:
        return _not_evaluated(c, gene)
    present, text = deletion_reading(call)
    if present is None:
        return CriterionResult(c, "unknown", text, Reason(f"{gene.lower()}_deletion_unknown", text))
    wanted = c.kind == "gene_deleted"
    code = f"{gene.lower()}_homozygous_deletion" if present else f"{gene.lower()}_not_deleted"
    return CriterionResult(c, "met" if present == wanted else "not_met", text, Reason(code, text))


def _span(point: float | None, bounds: Any) -> str:
    """'14.09', or '4.69 (plausible range 4.69-15.46)' when what is unknown leaves a range."""
    if point is None:
        return "n/a"
    if not bounds or abs(bounds[1] - bounds[0]) < 5e-3:
        return f"{point:.2f}"
    return f"{point:.2f} (plausible range {bounds[0]:.2f}-{bounds[1]:.2f})"


# Reasons the configured rule wrote on the gene; an arm's own rule gives its own instead.
_RULE_REASONS = frozenset(
    {"gain_not_amplification", "copy_number_range_straddles", "low_purity", "partial_amplification",
     "homozygous_deletion", "partial_deletion", "breakpoint_in_gene"}
)  # fmt: skip


def _tp53(ev: Evidence, c: Criterion) -> CriterionResult:
    tp53 = ev.tp53
    if tp53.status == "wild_type":
        note = _join(tp53.reasons)
        text = "no deciding TP53 variant" + (f" ({note})" if note else "")
        return CriterionResult(c, "met", text, Reason("tp53_wild_type", text))
    if tp53.status == "mutated":
        parts = [
            f"{v.hgvs_p or v.hgvs_c or f'{v.chrom}:{v.pos}{v.ref}>{v.alt}'} ({v.consequence.replace('_', ' ')}, VAF {'unknown' if v.vaf is None else f'{v.vaf:.1%}'})"
            for v in tp53.deciding
        ]
        parts += [r.message for r in tp53.reasons if r.code in ("tp53_structural_variant", "tp53_homozygous_deletion")]
        text = "TP53 mutated: " + "; ".join(parts or ["see variants"])
        return CriterionResult(c, "not_met", text, Reason("tp53_mutated", text))
    why = _join(tp53.reasons) or "TP53 could not be assessed"
    return CriterionResult(c, "unknown", why, Reason("tp53_not_assessable", f"TP53 not assessable: {why}"))


def _mdm2_confirmed(ev: Evidence, c: Criterion) -> CriterionResult:
    policy = ev.policy
    ihc, fish = ev.mdm2_ihc, ev.fish
    use_fish = policy["accept_fish_as_confirmation"] and fish.state not in ("absent", "not_done", "pending")
    states = [("IHC", ihc.state)] + ([("FISH", fish.state)] if use_fish else [])
    positive = [n for n, s in states if s in ("positive", "amplified")]
    negative = [n for n, s in states if s in ("negative", "not_amplified")]
    detail = "; ".join(x.detail for x in ([ihc] + ([fish] if use_fish else [])))
    if ihc.state == "invalid" or (use_fish and fish.state == "invalid"):
        return CriterionResult(
            c, "unknown", detail, Reason("mdm2_confirmation_invalid", f"MDM2 confirmation unusable: {detail}")
        )
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
        if "FISH" in negative and fish.finding == "polysomy":
            # Chromosome 12 polysomy on FISH: a high NGS copy number may be the chromosome's, not an amplicon's.
            code = "mdm2_fish_polysomy_discordant" if amplified else "mdm2_fish_polysomy"
        msg = (
            "NGS shows MDM2 amplification but confirmation is negative: "
            if amplified
            else "MDM2 confirmation negative: "
        ) + detail
        state = "not_met" if policy["mdm2_ihc_negative"] == "NOT_ELIGIBLE" else "unknown"
        return CriterionResult(c, state, detail, Reason(code, msg))
    if ihc.state == "equivocal" or (use_fish and fish.state == "equivocal"):
        state = "pending" if policy["mdm2_ihc_equivocal"] == "PENDING_CONFIRMATION" else "unknown"
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


def _marker_positive(ev: Evidence, c: Criterion) -> CriterionResult:
    """One confirmation route on its own (for any_of): IHC positive, or FISH amplified."""
    ihc = c.kind == "mdm2_ihc_positive"
    call = ev.mdm2_ihc if ihc else ev.fish
    name = "MDM2 IHC" if ihc else "MDM2 FISH"
    code = "mdm2_ihc" if ihc else "mdm2_fish"
    if call.state in ("positive", "amplified"):
        return CriterionResult(c, "met", call.detail, Reason(f"{code}_positive", f"{name}: {call.detail}"))
    if call.state in ("negative", "not_amplified"):
        if call.finding == "polysomy":
            reason = Reason("mdm2_fish_polysomy", f"{name}: chromosome 12 polysomy, not amplification: {call.detail}")
            return CriterionResult(c, "not_met", call.detail, reason)
        return CriterionResult(c, "not_met", call.detail, Reason(f"{code}_negative", f"{name}: {call.detail}"))
    if call.state in ("pending", "not_done", "absent"):
        what = "no result" if call.state == "absent" else call.state.replace("_", " ")
        return CriterionResult(c, "pending", call.detail, Reason(f"{code}_{call.state}", f"{name}: {what}"))
    return CriterionResult(
        c, "unknown", call.detail, Reason(f"{code}_{call.state}", f"{name} {call.state}: {call.detail}")
    )


def _any_of(ev: Evidence, c: Criterion) -> CriterionResult:
    """Met when any alternative is met; not met only when every alternative is not met."""
    results = [evaluate_criterion(sub, ev) for sub in c.children]
    states = [r.state for r in results]
    if "met" in states:
        state = "met"
    elif all(s == "not_met" for s in states):
        state = "not_met"
    elif "unknown" in states:
        state = "unknown"
    else:
        state = "pending"
    lead = [r for r in results if r.state == state] or results
    text = "; ".join(f"{r.criterion.describe()}: {r.state.replace('_', ' ')}" for r in results)
    reason = Reason(f"any_of_{state}", f"{c.id}: {text}" + (f" ({_join([r.reason for r in lead])})" if lead else ""))
    return CriterionResult(c, state, text, reason, children=results)


def _p53_concordant(ev: Evidence, c: Criterion) -> CriterionResult:
    p53 = ev.p53_ihc
    if p53.state == "invalid":
        return CriterionResult(c, "unknown", p53.detail, Reason("p53_ihc_invalid", f"p53 IHC unusable: {p53.detail}"))
    if p53.state in P53_ABERRANT and ev.tp53.status == "wild_type":
        state = "not_met" if ev.policy["p53_ihc_discordant"] == "NOT_ELIGIBLE" else "unknown"
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


def normalize_tumor_type(text: str) -> str:
    """Case and punctuation do not matter: 'Dedifferentiated liposarcoma' == 'dedifferentiated-liposarcoma'."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def _tumor_type(ev: Evidence, c: Criterion) -> CriterionResult:
    wanted = [normalize_tumor_type(t) for t in c.params["types"]]
    if not ev.tumor_type:
        return CriterionResult(
            c,
            "unknown",
            "tumour type not given",
            Reason("tumor_type_unknown", "tumour type not given in the sample sheet"),
        )
    inside = normalize_tumor_type(ev.tumor_type) in wanted
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
    "gene_deleted": _deletion,
    "gene_not_deleted": _deletion,
    "tp53_wild_type": _tp53,
    "mdm2_confirmed": _mdm2_confirmed,
    "p53_ihc_concordant": _p53_concordant,
    "tumor_type_in": _tumor_type,
    "tumor_type_not_in": _tumor_type,
    "min_purity": _purity,
    "mdm2_ihc_positive": _marker_positive,
    "mdm2_fish_amplified": _marker_positive,
    "any_of": _any_of,
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
            "trial": self.arm.trial,
            "source": self.arm.source,
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
            "criteria": [r.to_dict() for r in self.results],
        }


def evaluate_criterion(c: Criterion, ev: Evidence) -> CriterionResult:
    return _EVALUATORS[c.kind](ev, c)


def evaluate_arm(arm: Arm, ev: Evidence) -> ArmResult:
    results = [evaluate_criterion(c, ev) for c in arm.criteria]
    return ArmResult(arm, combine([r.state for r in results]), results)
