"""Evidence as ranges, decided per arm: unknown purity/ploidy, arm-specific rules, any_of, the trial catalogue.

The property at the end runs the whole screener (sample sheet -> reports) on generated inputs and
checks every arm's status against a brute-force evaluation of CNVkit's rescaling formula written
here independently of the code under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from conftest import CNVKIT, DEMO, REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdm2screen.cn import gene_copy_number, read_copy_number
from mdm2screen.cn.genelevel import judge
from mdm2screen.criteria import TRIALS_DIR, load_arms
from mdm2screen.errors import ConfigError
from mdm2screen.model import AmplificationRule, CopyNumberProfile, Segment
from mdm2screen.pipeline import prepare
from mdm2screen.reference import gene_locus
from mdm2screen.screen import Screener

DEFAULT = AmplificationRule(mode="absolute", amplified_at=8, gain_at=6)
VCF = REPO / "tests" / "corpus" / "base" / "VerenaK90_LACHESIS" / "strelka2.somatic.snvs.excerpt.vcf"
MDM2 = gene_locus("MDM2", "GRCh37")
TP53 = gene_locus("TP53", "GRCh37")


def profile(segments: list[Segment], fmt: str = "cnvkit") -> CopyNumberProfile:
    return CopyNumberProfile(path="synthetic", format=fmt, sample="S", segments=segments)


def log2_over(locus, value: float, chrom: str = "12", line: int = 1) -> Segment:
    return Segment(chrom, locus.start - 5000, locus.end + 5000, value, "log2", line=line)


def cnvkit_cn(log2: float, purity: float, ploidy: float) -> float:
    """cnvkit.py call: ncopies = (ref_copies * 2**log2 - expect_copies * (1 - purity)) / purity, both = ploidy."""
    return max(0.0, (ploidy * 2**log2 - ploidy * (1 - purity)) / purity)


# --------------------------------------------------------------------------- ranges


def test_unknown_purity_is_not_not_amplified() -> None:
    """The dedifferentiated liposarcoma case: log2 1.23, no purity. 4.7 copies if pure, 8+ below purity ~0.29."""
    r = gene_copy_number(profile([log2_over(MDM2, 1.23)]), MDM2, DEFAULT, purity=None, ploidy=None, purity_source=None)
    assert r.copy_number == pytest.approx(2 * 2**1.23)
    assert r.call == "uncertain" and r.amplified is None
    message = next(x.message for x in r.reasons if x.code == "copy_number_range_straddles")
    crossing = (2 * 2**1.23 - 2) / (8 - 2)  # solve (2R - 2(1 - p)) / p = 8 for p
    assert f"purity {crossing:.2f} or less: purity needed" in message and "4.69 at purity 1.00" in message
    lo, hi = r.threshold["copy_number_range"]
    assert lo == pytest.approx(cnvkit_cn(1.23, 1.0, 2)) and hi == pytest.approx(cnvkit_cn(1.23, 0.2, 2))
    # A stated purity removes the uncertainty either way.
    assert gene_copy_number(profile([log2_over(MDM2, 1.23)]), MDM2, DEFAULT, purity=0.9, ploidy=None,
                            purity_source="sample sheet").call == "not_amplified"  # fmt: skip
    assert gene_copy_number(profile([log2_over(MDM2, 1.23)]), MDM2, DEFAULT, purity=0.25, ploidy=None,
                            purity_source="sample sheet").call == "amplified"  # fmt: skip


def test_real_acgh_file_read_as_log2_is_uncertain_without_purity() -> None:
    p = read_copy_number(CNVKIT / "acgh-log10.seg", sample="TR_06_T", build="GRCh37")
    r = gene_copy_number(p, MDM2, DEFAULT, purity=None, ploidy=None, purity_source=None)
    assert r.call == "uncertain" and "purity needed" in r.reasons[-1].message


def test_known_ploidy_converts_as_cnvkit_call() -> None:
    r = gene_copy_number(profile([log2_over(MDM2, 1.0)]), MDM2, DEFAULT, purity=0.5, ploidy=3.0,
                         purity_source="sample sheet")  # fmt: skip
    assert r.copy_number == pytest.approx(cnvkit_cn(1.0, 0.5, 3.0))  # 9.0, where a diploid reference gives 6.0
    assert r.call == "amplified" and "reference copies = ploidy 3" in r.method
    diploid = gene_copy_number(profile([log2_over(MDM2, 1.0)]), MDM2, DEFAULT, purity=0.5, ploidy=None,
                               purity_source="sample sheet")  # fmt: skip
    assert diploid.copy_number == pytest.approx(6.0) and diploid.call == "equivocal"


def test_unknown_ploidy_range_is_configurable() -> None:
    wide = AmplificationRule(mode="absolute", amplified_at=8, gain_at=6, unknown_ploidy=(2.0, 4.0))
    r = gene_copy_number(profile([log2_over(MDM2, 1.2)]), MDM2, wide, purity=1.0, ploidy=None,
                         purity_source="sample sheet")  # fmt: skip
    assert r.call == "uncertain" and "ploidy needed" in r.reasons[-1].message


def test_implausible_stated_purity_is_never_amplified() -> None:
    # purity 0.000001 turns log2 0.05 (copy neutral) into ~70,000 copies with the formula alone.
    r = gene_copy_number(profile([log2_over(MDM2, 0.05)]), MDM2, DEFAULT, purity=1e-6, ploidy=None,
                         purity_source="copy-number file")  # fmt: skip
    assert r.call == "not_assessable" and r.amplified is None and r.estimate is None
    assert [x.code for x in r.reasons][-1] == "implausible_purity" and "0.08" in r.reasons[-1].message
    odd = gene_copy_number(profile([log2_over(MDM2, 0.05)]), MDM2, DEFAULT, purity=0.5, ploidy=40.0,
                           purity_source="sample sheet")  # fmt: skip
    assert odd.call == "not_assessable" and odd.reasons[-1].code == "implausible_ploidy"


# --------------------------------------------------------------------------- TP53 deletion evidence


def _coding():
    from mdm2screen.variants.transcript import tp53_model

    return tuple((e.cds_start, e.cds_end) for e in tp53_model("GRCh37").exons if e.cds_start is not None)


def tp53_cn(segments: list[Segment], purity: float | None = None):
    rule = AmplificationRule(mode="absolute", amplified_at=8, gain_at=6)
    return gene_copy_number(profile(segments, fmt="seg"), TP53, rule, purity=purity, ploidy=None,
                            purity_source="sample sheet" if purity else None, coding=_coding())  # fmt: skip


def test_deep_loss_at_unknown_purity_can_be_homozygous() -> None:
    seg = Segment("17", TP53.start - 10_000, TP53.end + 10_000, -1.0, "log2", line=1)
    unknown = tp53_cn([seg])
    assert unknown.deletion["state"] == "possible" and unknown.call != "deleted"
    assert "possible_homozygous_deletion" in [r.code for r in unknown.reasons]
    assert tp53_cn([seg], purity=0.9).deletion is None  # one copy lost in a 90 % pure tumour: not homozygous
    assert tp53_cn([Segment("17", 1, 20_000_000, -8.0, "log2", line=1)], purity=0.9).call == "deleted"


def test_interpolated_bases_never_make_a_tp53_deletion() -> None:
    """73 bp of 3' UTR assigned across a probe gap to a deep deletion ending outside the gene."""
    deep = Segment("17", TP53.start - 400_000, TP53.start - 147, -6.0, "log2", line=10)
    normal = Segment("17", TP53.start + 1, TP53.end + 300_000, 0.02, "log2", line=11)
    r = tp53_cn([deep, normal], purity=0.8)
    assert any(s.get("interpolated_bp") for s in r.segments)
    assert r.call != "deleted" and r.deletion is None and r.covered_fraction == 1.0


def test_intronic_deep_deletion_is_flagged_not_counted() -> None:
    coding = sorted(_coding())
    (a_start, a_end), (b_start, _b_end) = coding[-2], coding[-1]  # the last intron between two coding exons
    left = Segment("17", TP53.start - 100_000, a_end + 10, 0.0, "log2", line=1)
    deep = Segment("17", a_end + 11, b_start - 11, -7.0, "log2", line=2)
    right = Segment("17", b_start - 10, TP53.end + 100_000, 0.0, "log2", line=3)
    r = tp53_cn([left, deep, right], purity=0.9)
    assert r.deletion["state"] == "outside_coding" and r.call != "deleted"
    assert "deletion_outside_coding" in [x.code for x in r.reasons]
    hit = Segment("17", a_start, b_start - 11, -7.0, "log2", line=2)  # reaches into a coding exon: measured there
    r2 = tp53_cn([Segment("17", TP53.start - 100_000, a_start - 1, 0.0, "log2", line=1), hit,
                  Segment("17", b_start - 10, TP53.end + 100_000, 0.0, "log2", line=3)], purity=0.9)  # fmt: skip
    assert r2.call == "deleted" and r2.deletion["deleted_bp"] > 0


# --------------------------------------------------------------------------- arms and the catalogue


def test_every_catalogue_trial_loads_and_names_its_sources() -> None:
    names = sorted(p.stem for p in TRIALS_DIR.glob("*.yaml"))
    assert {"mantra2", "master_key_intimal_sarcoma", "brightline2", "brightline4", "tp53_wild_type_only",
            "mdm2_cdk4_coamplification"} <= set(names)  # fmt: skip
    arms = load_arms(REPO / "config" / "arms.yaml", trials=names)
    catalogue = [a for a in arms.arms if a.trial]
    assert len(catalogue) >= 6
    for arm in catalogue:
        for c in arm.criteria:
            assert c.source or c.children, f"{arm.id}/{c.id}: every criterion names its source"
    for name in names:
        raw = yaml.safe_load((TRIALS_DIR / f"{name}.yaml").read_text())
        assert raw["trial"]["name"] and raw["trial"]["sources"], name


def test_arms_file_errors_are_listed_at_load(tmp_path: Path) -> None:
    bad = tmp_path / "arms.yaml"
    bad.write_text(
        "default_arm: a\narms:\n  - id: a\n    title: A\n    criteria:\n"
        "      - {kind: gene_amplified, gene: mdm2}\n      - {kind: gene_amplified, gene: FOO}\n"
        "      - {kind: gene_amplified, gene: CDK4, amplified_at: 5, gain_at: 9}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_arms(bad, trials=["no_such_trial"])
    text = "\n".join(info.value.problems)
    assert "no_such_trial" in text
    with pytest.raises(ConfigError) as info:
        load_arms(bad)
    text = "\n".join(info.value.problems)
    assert "gene 'mdm2'" in text and "did you mean 'MDM2'" in text and "gene 'FOO'" in text
    assert "gain_at (9) must not exceed amplified_at (5)" in text


def test_arms_file_rejects_yaml_aliases(tmp_path: Path) -> None:
    bomb = tmp_path / "arms.yaml"
    bomb.write_text("a: &a [x, x]\nb: &b [*a, *a]\ndefault_arm: a\narms: []\n")
    with pytest.raises(ConfigError, match="anchors"):
        load_arms(bomb)


# --------------------------------------------------------------------------- the whole screener


def cohort(tmp_path: Path, log2: float, *, purity: float | None = None, ploidy: float | None = None,
           arms: str | None = None, config: dict | None = None, tumor_type: str = "Intimal sarcoma",
           ihc: str | None = "positive", fish: str | None = None, ihc_sample: str = "P1-T1"):  # fmt: skip
    cns = tmp_path / "s.cns"
    cns.write_text(
        "chromosome\tstart\tend\tgene\tlog2\tprobes\tweight\tdepth\n"
        f"chr12\t{MDM2.start - 300_000}\t{MDM2.end + 300_000}\tMDM2\t{log2}\t40\t30.1\t1.2\n"
        f"chr12\t{MDM2.end + 300_000}\t{MDM2.end + 20_000_000}\tCDK4\t{log2}\t40\t30.1\t1.2\n"
        f"chr17\t1\t20000000\tTP53\t0.0\t300\t200.5\t1.0\n"
    )
    sheet = tmp_path / "samples.tsv"
    lines = ["patient_id\tsample_id\tbuild\tcn_file\tvcf\tassay\tpurity\tploidy\ttumor_type\tcollection_date"]
    lines.append(f"P1\tP1-T1\tGRCh37\t{cns}\t{VCF}\tDEMO_PANEL\t{'' if purity is None else purity}\t"
                 f"{'' if ploidy is None else ploidy}\t{tumor_type}\t2024-06-01")  # fmt: skip
    if ihc_sample != "P1-T1":  # an older sample of the same patient, where the IHC was done
        lines.append(f"P1\t{ihc_sample}\tGRCh37\t{cns}\t{VCF}\tDEMO_PANEL\t\t\t{tumor_type}\t2023-01-01")
    sheet.write_text("\n".join(lines) + "\n")
    ihc_path = tmp_path / "ihc.tsv"
    rows = [f"P1\t{ihc_sample}\tMDM2\t{ihc}\t\t\t\t\t\t2024-01-01"] if ihc else []
    if fish:
        rows.append(f"P1\tP1-T1\tMDM2_FISH\t{fish}\t\t\t\t\t\t2024-01-01")
    ihc_path.write_text("patient_id\tsample_id\tmarker\tresult\tpercent_positive\tintensity\th_score\tratio\tmethod"
                        "\tdate\n" + "\n".join(rows) + "\n")  # fmt: skip
    cfg = {"samples": str(sheet), "ihc": str(ihc_path), "outdir": str(tmp_path / "out"),
           "assays": {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")}}  # fmt: skip
    if arms is not None:
        (tmp_path / "arms.yaml").write_text(arms)
        cfg["arms_file"] = str(tmp_path / "arms.yaml")
    cfg.update(config or {})
    c = prepare(cfg)
    return Screener(c.settings, c.arms, c.ihc).screen_patient("P1", c.patients["P1"])


def statuses(report: dict) -> dict[str, str]:
    return {a["id"]: a["status"] for a in report["arms"]}


ARMS_TWO_RULES = """
default_arm: at8
arms:
  - id: at8
    title: copy number 8
    criteria: [{kind: gene_amplified, gene: MDM2}, {kind: tp53_wild_type}, {kind: mdm2_confirmed}]
  - id: at12
    title: copy number 12
    criteria: [{kind: gene_amplified, gene: MDM2, mode: absolute, amplified_at: 12, gain_at: 10},
               {kind: tp53_wild_type}, {kind: mdm2_confirmed}]
  - id: by_any_route
    title: IHC or FISH or NGS
    criteria:
      - kind: any_of
        id: mdm2_any
        criteria: [{kind: mdm2_ihc_positive}, {kind: mdm2_fish_amplified}, {kind: gene_amplified, gene: MDM2}]
      - {kind: tumor_type_in, types: [intimal sarcoma, INTS]}
"""


def test_each_arm_applies_its_own_rule(tmp_path: Path) -> None:
    # log2 2.4 at purity 1: 10.6 copies -> amplified at 8, equivocal (gain) at 12.
    report = cohort(tmp_path, 2.4, purity=1.0, arms=ARMS_TWO_RULES)
    assert statuses(report) == {"at8": "ELIGIBLE", "at12": "INDETERMINATE", "by_any_route": "ELIGIBLE"}
    at12 = next(a for a in report["arms"] if a["id"] == "at12")
    gene = next(c for c in at12["criteria"] if c["kind"] == "gene_amplified")
    assert gene["rule"]["amplified_at"] == 12 and gene["rule"]["source"] == "arm"
    assert gene["rule"]["value_range"] == pytest.approx([2 * 2**2.4, 2 * 2**2.4])


def test_any_of_confirms_by_ihc_without_ngs_and_tumour_types_ignore_case(tmp_path: Path) -> None:
    report = cohort(tmp_path, 0.0, purity=0.9, arms=ARMS_TWO_RULES, tumor_type="INTIMAL-SARCOMA")
    assert statuses(report) == {"at8": "NOT_ELIGIBLE", "at12": "NOT_ELIGIBLE", "by_any_route": "ELIGIBLE"}
    route = next(a for a in report["arms"] if a["id"] == "by_any_route")["criteria"][0]
    assert [c["state"] for c in route["any_of"]] == ["met", "pending", "not_met"]


def test_unknown_purity_makes_the_patient_indeterminate_not_ineligible(tmp_path: Path) -> None:
    report = cohort(tmp_path, 1.23, arms=ARMS_TWO_RULES)
    assert report["status"] == "INDETERMINATE"
    assert any("purity needed" in r["message"] for r in report["reasons"])


def test_catalogue_trials_are_screened_when_selected(tmp_path: Path) -> None:
    report = cohort(tmp_path, 3.0, purity=0.8, config={"trials": ["mantra2", "brightline4"]},
                    tumor_type="Dedifferentiated liposarcoma")  # fmt: skip
    s = statuses(report)
    assert s["mantra2_local"] == "NOT_ELIGIBLE"  # DDLPS is excluded from MANTRA-2
    assert s["brightline4_ddlps"] == "ELIGIBLE"
    arm = next(a for a in report["arms"] if a["id"] == "mantra2_local")
    assert arm["trial"] == "MANTRA-2"
    assert any(c.get("unverified") for c in arm["criteria"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    log2=st.floats(-1.5, 4.0),
    purity=st.one_of(st.none(), st.floats(0.08, 1.0)),
    ploidy=st.one_of(st.none(), st.floats(1.0, 8.0)),
    amplified_at=st.floats(3.0, 20.0),
    gain_fraction=st.floats(0.5, 1.0),
    min_purity=st.floats(0.1, 0.5),
)
def test_no_arm_decides_beyond_its_range(tmp_path_factory, log2, purity, ploidy, amplified_at, gain_fraction,
                                         min_purity) -> None:  # fmt: skip
    """ELIGIBLE only when every plausible purity/ploidy gives amplification; NOT_ELIGIBLE only when none
    reaches the gain band. Checked against an independent brute-force evaluation of the formula."""
    gain_at = amplified_at * gain_fraction
    arms = ARMS_TWO_RULES.replace("amplified_at: 12, gain_at: 10", f"amplified_at: {amplified_at}, gain_at: {gain_at}")
    tmp = tmp_path_factory.mktemp("prop")
    report = cohort(tmp, round(log2, 4), purity=purity, ploidy=ploidy, arms=arms,
                    config={"copy_number": {"min_purity": min_purity}})  # fmt: skip
    purities = [purity] if purity is not None else [min_purity + (1 - min_purity) * i / 400 for i in range(401)]
    ploidies = [ploidy] if ploidy is not None else [2.0]
    if purity is not None and purity < min_purity:
        return  # a stated purity below min_purity cannot exclude: covered by test_low_purity
    values = [cnvkit_cn(round(log2, 4), p, q) for p in purities for q in ploidies]
    for arm_id, threshold, gain in (("at8", 8.0, 6.0), ("at12", amplified_at, gain_at)):
        status = statuses(report)[arm_id]
        if status == "ELIGIBLE":
            assert all(v >= threshold - 1e-6 for v in values), (arm_id, min(values))
        if status == "NOT_ELIGIBLE":
            assert all(v < gain + 1e-6 for v in values), (arm_id, max(values))
        if all(v >= threshold + 1e-6 for v in values):
            assert status == "ELIGIBLE", (arm_id, status, min(values))
        if all(v < gain - 1e-6 for v in values):
            assert status == "NOT_ELIGIBLE", (arm_id, status, max(values))
    assert math.isfinite(report["mdm2"]["copy_number"])


def test_judge_is_the_same_for_the_report_and_the_arm() -> None:
    r = gene_copy_number(profile([log2_over(MDM2, 2.0)]), MDM2, DEFAULT, purity=None, ploidy=None, purity_source=None)
    assert judge(r, DEFAULT).call == r.call == "amplified"


def test_html_shows_ranges_rules_and_fish_only_confirmation(tmp_path: Path) -> None:
    from mdm2screen.report import render_patient_html

    report = cohort(tmp_path, 1.23, arms=ARMS_TWO_RULES, ihc=None, fish="amplified")
    html = render_patient_html(report)
    assert "MDM2 FISH</div><div class=\"v\">amplified" in html  # the tile says FISH, not "MDM2 IHC: no result"
    assert "Copy number range" in html and "purity unknown: 0.20-1.00 considered" in html
    assert "Rule applied (this arm): absolute &ge; 12" in html and "purity needed" in html


def test_html_flags_ihc_from_another_sample(tmp_path: Path) -> None:
    from mdm2screen.report import render_patient_html

    report = cohort(tmp_path, 3.0, purity=0.8, ihc_sample="P1-T0")
    assert report["decision_sample"] == "P1-T1" and report["ihc"]["mdm2"]["state"] == "positive"
    html = render_patient_html(report)
    assert "on another sample than the deciding one" in html and 'class="card unclear"' in html


def test_schema_accepts_the_new_report(tmp_path: Path) -> None:
    import json

    import jsonschema

    schema = json.loads((REPO / "workflow" / "schemas" / "patient_report.schema.json").read_text())
    report = cohort(tmp_path, 1.23, arms=ARMS_TWO_RULES, fish="amplified")
    jsonschema.validate(json.loads(json.dumps(report)), schema)
    assert report["mdm2"]["call"] == "uncertain" and report["mdm2"]["estimate"]["purity_range"] == [0.2, 1.0]


def test_the_audit_block_records_the_software_versions(tmp_path: Path) -> None:
    import pysam

    from mdm2screen import __version__
    from mdm2screen.report import render_patient_html

    report = cohort(tmp_path, 3.0, purity=0.8)
    software = report["provenance"]["software"]
    assert software["mdm2screen"] == __version__ and software["pysam"] == pysam.__version__
    assert software["htslib"] and software["snakemake"]
    assert f"pysam {pysam.__version__}" in render_patient_html(report)
