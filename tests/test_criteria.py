"""The status rule as a truth table, policy variants, and a property test over random evidence."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdm2screen.config import load_settings
from mdm2screen.criteria import Evidence, combine, evaluate_arm, load_arms
from mdm2screen.errors import ConfigError
from mdm2screen.ihc import MarkerCall
from mdm2screen.model import (
    CNComponent,
    CopyNumberEstimate,
    CoverageEvidence,
    GeneCopyNumber,
    TP53Evidence,
    VariantCall,
)
from mdm2screen.paths import repo_path

ARMS = load_arms(repo_path("config", "arms.yaml"))
MONO = next(a for a in ARMS.arms if a.id == "mdm2_inhibitor")
COMBO = next(a for a in ARMS.arms if a.id == "mdm2_cdk4_combination")
SETTINGS = load_settings({"samples": "x"})
POLICY = SETTINGS["policy"]
RULES = {g: SETTINGS.amplification_rule(g) for g in ("MDM2", "CDK4")}


def gene(name, amplified, cn=None):
    """A gene with a point estimate (stated purity and ploidy): amplified 14 copies, not amplified 2, or none."""
    if amplified is None:
        return GeneCopyNumber(name, "GRCh38", "12", 1, 2, "not_assessable", None, None, None, None, "test", {}, 0.0, [])
    value = cn if amplified else 2.0
    est = CopyNumberEstimate((CNComponent(value, 0.0, 1.0, False),), "single", (0.6, 0.6), (2.0, 2.0), True, True)
    return GeneCopyNumber(
        name, "GRCh38", "12", 1, 2, "amplified" if amplified else "not_amplified", amplified, value, value,
        "copy_number", "test", {"mode": "absolute", "amplified_at": 8}, 1.0, [], estimate=est, observed_fraction=1.0,
    )  # fmt: skip


def tp53(status):
    variants = []
    if status == "mutated":
        variants = [
            VariantCall(
                "17",
                7673806,
                "C",
                "T",
                ["PASS"],
                0.35,
                90,
                33,
                "missense",
                "c.818G>A",
                "p.Arg273His",
                "computed",
                decides=True,
                category="deciding",
            )
        ]
    return TP53Evidence(status, variants, CoverageEvidence(False, None, None))


def evidence(mdm2=True, cdk4=True, tp=("wild_type"), ihc="positive", p53="absent", fish="absent", policy=POLICY):
    return Evidence(
        genes={"MDM2": gene("MDM2", mdm2, 14.0), "CDK4": gene("CDK4", cdk4, 10.0)},
        tp53=tp53(tp),
        mdm2_ihc=MarkerCall(ihc, f"MDM2 {ihc}"),
        p53_ihc=MarkerCall(p53, f"p53 {p53}"),
        fish=MarkerCall(fish, f"FISH {fish}"),
        tumor_type="Intimal sarcoma",
        purity=0.6,
        policy=policy,
        rules=RULES,
    )


# The default policy table (README, "How a status is decided").
TABLE = [
    # mdm2, tp53, mdm2 IHC -> status
    (True, "wild_type", "positive", "ELIGIBLE"),
    (True, "wild_type", "pending", "PENDING_CONFIRMATION"),
    (True, "wild_type", "not_done", "PENDING_CONFIRMATION"),
    (True, "wild_type", "absent", "PENDING_CONFIRMATION"),
    (True, "wild_type", "negative", "NOT_ELIGIBLE"),
    (True, "wild_type", "equivocal", "INDETERMINATE"),
    (True, "wild_type", "conflicting", "INDETERMINATE"),
    (True, "mutated", "positive", "NOT_ELIGIBLE"),
    (True, "not_assessable", "positive", "INDETERMINATE"),
    (True, "not_assessable", "pending", "INDETERMINATE"),
    (False, "wild_type", "positive", "NOT_ELIGIBLE"),
    (False, "not_assessable", "absent", "NOT_ELIGIBLE"),
    (None, "wild_type", "positive", "INDETERMINATE"),
    (None, "mutated", "positive", "NOT_ELIGIBLE"),
    (None, "not_assessable", "absent", "INDETERMINATE"),
]


@pytest.mark.parametrize(("mdm2", "tp", "ihc", "expected"), TABLE)
def test_policy_table(mdm2, tp, ihc, expected):
    result = evaluate_arm(MONO, evidence(mdm2=mdm2, tp=tp, ihc=ihc))
    assert result.status == expected
    assert result.reasons, "every status carries reasons"


def test_reasons_lead_with_what_decided():
    result = evaluate_arm(MONO, evidence(tp="mutated"))
    assert result.reasons[0].code == "tp53_mutated"
    assert "p.Arg273His" in result.reasons[0].message
    result = evaluate_arm(MONO, evidence(ihc="negative"))
    assert result.reasons[0].code == "mdm2_ihc_negative_discordant"


def test_fish_confirms_when_policy_allows():
    assert evaluate_arm(MONO, evidence(ihc="absent", fish="amplified")).status == "ELIGIBLE"
    no_fish = {**POLICY, "accept_fish_as_confirmation": False}
    assert evaluate_arm(MONO, evidence(ihc="absent", fish="amplified", policy=no_fish)).status == "PENDING_CONFIRMATION"
    assert evaluate_arm(MONO, evidence(ihc="positive", fish="not_amplified")).status == "INDETERMINATE"


def test_p53_ihc_discordance_needs_review():
    result = evaluate_arm(MONO, evidence(p53="null"))
    assert result.status == "INDETERMINATE"
    assert result.reasons[0].code == "p53_ihc_discordant"
    strict = {**POLICY, "p53_ihc_discordant": "NOT_ELIGIBLE"}
    assert evaluate_arm(MONO, evidence(p53="overexpression", policy=strict)).status == "NOT_ELIGIBLE"
    assert evaluate_arm(MONO, evidence(p53="wild_type_pattern")).status == "ELIGIBLE"


def test_policy_switches():
    lenient = {**POLICY, "mdm2_ihc_negative": "INDETERMINATE", "mdm2_ihc_equivocal": "PENDING_CONFIRMATION"}
    assert evaluate_arm(MONO, evidence(ihc="negative", policy=lenient)).status == "INDETERMINATE"
    assert evaluate_arm(MONO, evidence(ihc="equivocal", policy=lenient)).status == "PENDING_CONFIRMATION"


def test_combination_arm_needs_cdk4():
    assert evaluate_arm(COMBO, evidence(cdk4=True)).status == "ELIGIBLE"
    assert evaluate_arm(COMBO, evidence(cdk4=False)).status == "NOT_ELIGIBLE"
    assert evaluate_arm(COMBO, evidence(cdk4=None)).status == "INDETERMINATE"
    assert evaluate_arm(MONO, evidence(cdk4=False)).status == "ELIGIBLE"


def test_combine_rule():
    assert combine(["met", "met"]) == "ELIGIBLE"
    assert combine(["met", "pending"]) == "PENDING_CONFIRMATION"
    assert combine(["pending", "unknown"]) == "INDETERMINATE"
    assert combine(["unknown", "not_met"]) == "NOT_ELIGIBLE"


def test_invalid_arms_file_lists_problems(tmp_path):
    bad = tmp_path / "arms.yaml"
    bad.write_text(
        "default_arm: nope\narms:\n  - id: a\n    title: A\n    criteria:\n      - {kind: gene_amplified}\n      - {kind: tumour_type_in, types: [x]}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_arms(bad)
    text = str(info.value)
    assert "gene" in text and "tumour_type_in" in text


def test_a_job_skips_the_arms_schema_check_only_while_the_file_is_unchanged(tmp_path, monkeypatch):
    import mdm2screen.criteria as criteria

    arms = tmp_path / "arms.yaml"
    arms.write_text(repo_path("config", "arms.yaml").read_text())
    planned = load_arms(arms)
    checks = []
    real = criteria._schema_problems
    monkeypatch.setattr(criteria, "_schema_problems", lambda *a: checks.append(a) or real(*a))
    assert load_arms(arms, validated_sha256=planned.sha256) == planned
    assert checks == []
    # Edited after the run was planned: checked again, and a broken file is still refused.
    arms.write_text(arms.read_text().replace("default_arm:", "default_arms:"))
    with pytest.raises(ConfigError, match="default_arm"):
        load_arms(arms, validated_sha256=planned.sha256)
    assert len(checks) == 1


def test_tumor_type_and_purity_criteria(tmp_path):
    arms = tmp_path / "arms.yaml"
    arms.write_text(
        "default_arm: a\narms:\n  - id: a\n    title: A\n    criteria:\n"
        "      - {kind: tumor_type_not_in, types: [Dedifferentiated liposarcoma]}\n      - {kind: min_purity, value: 0.3}\n"
    )
    arm = load_arms(arms).arms[0]
    ev = evidence()
    assert evaluate_arm(arm, ev).status == "ELIGIBLE"
    ev.tumor_type = "dedifferentiated liposarcoma"
    assert evaluate_arm(arm, ev).status == "NOT_ELIGIBLE"
    ev.tumor_type, ev.purity = None, None
    assert evaluate_arm(arm, ev).status == "INDETERMINATE"


GENE_STATES = st.sampled_from([True, False, None])
TP53_STATES = st.sampled_from(["wild_type", "mutated", "not_assessable"])
IHC_STATES = st.sampled_from(["positive", "negative", "equivocal", "pending", "not_done", "conflicting", "absent"])
P53_STATES = st.sampled_from(
    [
        "wild_type_pattern",
        "overexpression",
        "null",
        "cytoplasmic",
        "equivocal",
        "pending",
        "not_done",
        "absent",
        "conflicting",
    ]
)
FISH_STATES = st.sampled_from(["amplified", "not_amplified", "equivocal", "pending", "absent", "conflicting"])
POLICIES = st.fixed_dictionaries(
    {
        "mdm2_ihc_negative": st.sampled_from(["NOT_ELIGIBLE", "INDETERMINATE"]),
        "mdm2_ihc_equivocal": st.sampled_from(["INDETERMINATE", "PENDING_CONFIRMATION"]),
        "p53_ihc_discordant": st.sampled_from(["INDETERMINATE", "NOT_ELIGIBLE"]),
        "accept_fish_as_confirmation": st.booleans(),
        "newer_sample_unevaluable": st.just("INDETERMINATE"),
    }
)


@settings(max_examples=400, deadline=None)
@given(GENE_STATES, GENE_STATES, TP53_STATES, IHC_STATES, P53_STATES, FISH_STATES, POLICIES)
def test_never_eligible_unless_every_criterion_is_met(mdm2, cdk4, tp, ihc, p53, fish, policy):
    ev = evidence(mdm2=mdm2, cdk4=cdk4, tp=tp, ihc=ihc, p53=p53, fish=fish, policy=policy)
    for arm in (MONO, COMBO):
        result = evaluate_arm(arm, ev)
        states = [r.state for r in result.results]
        if result.status == "ELIGIBLE":
            assert all(s == "met" for s in states)
            assert mdm2 is True and tp == "wild_type"
            assert ihc == "positive" or (fish == "amplified" and policy["accept_fish_as_confirmation"])
            assert p53 not in ("overexpression", "null", "cytoplasmic", "conflicting")
        if mdm2 is None and tp != "mutated" and mdm2 is not False:
            assert result.status in ("INDETERMINATE", "NOT_ELIGIBLE")
        if tp == "not_assessable" and mdm2 is not False:
            assert result.status != "ELIGIBLE" and result.status != "PENDING_CONFIRMATION"
