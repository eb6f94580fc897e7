"""Loss of heterozygosity at TP53 from allele-specific copy number (issue 24): reported over TP53's coding
region, and a TP53 variant at a position with LOH is shown as biallelic, screened end to end on real files.

Copy number: PURPLE NB-S-599-T (LACHESIS; TP53 one copy, minorAlleleCopyNumber 0.068: LOH), PCGR T001-BRCA
``cna.tsv`` (nMajor 2 / nMinor 0 over TP53: copy-neutral LOH; the same tumour as the PCGR T001 VCF with TP53
17:7,577,124 C>T), the hmftools ORANGE test sample (minor 0.98: both alleles retained) and CNVkit tr95t.cns
(no allele-specific values). Threshold: copy_number.loh_max_minor_cn (PURPLE LohCalcs.MIN_LOH_CN 0.5).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from conftest import CN_DATA, DEMO, LACHESIS, PCGR, VARIANT_DATA

from mdm2screen.paths import schema_path
from mdm2screen.pipeline import prepare
from mdm2screen.report import render_patient_html
from mdm2screen.screen import Screener

SCHEMA = json.loads(schema_path("patient_report.schema.json").read_text())
NB_S_599 = DEMO / "data" / "VerenaK90_LACHESIS" / "NB-S-599-T.purple.cnv.somatic.tsv"
T001_VCF38 = PCGR / "T001-BRCA.grch38.vcf.gz"
T001_VCF37 = VARIANT_DATA / "sigven_pcgr" / "T001-BRCA.grch37.vcf.gz"
T001_CNA37 = CN_DATA / "sigven_pcgr" / "T001-BRCA.grch37.cna.tsv"
COLO829_LIKE = DEMO / "data" / "hartwigmedical_hmftools" / "tumor_sample.purple.cnv.somatic.tsv"
TR95T = DEMO / "data" / "etal_cnvkit" / "tr95t.cns"
STRELKA = LACHESIS / "strelka2.somatic.snvs.vcf.gz"


def screen(tmp_path: Path, patient: str, build: str, cn: Path, vcf: Path, *, assay: str = "",
           config: dict | None = None) -> dict:  # fmt: skip
    tmp_path.mkdir(parents=True, exist_ok=True)
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(
        "patient_id\tsample_id\tbuild\tcn_file\tvcf\tassay\tgene_panel\n"
        f"{patient}\t{patient}-T1\t{build}\t{cn}\t{vcf}\t{assay}\t{'' if assay else 'WGS'}\n"
    )
    cfg = {
        "samples": str(sheet),
        "outdir": str(tmp_path / "out"),
        "ihc": str(DEMO / "ihc.tsv"),
        "assays": {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")},
        **(config or {}),
    }
    cohort = prepare(cfg)
    report = Screener(cohort.settings, cohort.arms, cohort.ihc).screen_patient(patient, cohort.patients[patient])
    jsonschema.validate(report, SCHEMA)
    return report


def test_purple_loh_makes_the_tp53_mutation_biallelic(tmp_path):
    report = screen(tmp_path, "DEMO-02", "GRCh38", NB_S_599, T001_VCF38)
    tp53 = report["tp53"]
    assert tp53["status"] == "mutated" and report["status"] == "NOT_ELIGIBLE"
    loh = tp53["loh"]
    assert loh["state"] == "loh" and loh["max_minor_cn"] == 0.5 and loh["min_minor_cn"] == 0.0679
    # Over TP53's coding region (GRCh38 c.1 at 7,676,594 to the stop at 7,669,609, minus strand).
    assert (loh["chrom"], loh["start"], loh["end"]) == ("17", 7_669_609, 7_676_594)
    (variant,) = tp53["variants"]
    assert (variant["pos"], variant["loh"], variant["biallelic"]) == (7_673_806, "loh", True)
    mutated = next(r["message"] for r in tp53["reasons"] if r["code"] == "tp53_mutated")
    assert "biallelic (loss of heterozygosity at TP53)" in mutated
    assert "tp53_loh" in [r["code"] for r in tp53["reasons"]]
    assert report["timeline"]["samples"][0]["tp53_variants"][0]["biallelic"] is True
    page = render_patient_html(report)
    tp53_section = page[page.index('id="tp53"') : page.index('id="criteria"')]
    assert "biallelic (LOH)" in tp53_section and "Loss of heterozygosity:</strong> loh" in tp53_section


def test_copy_neutral_loh_of_the_same_tumour_ascat_style_columns(tmp_path):
    # PCGR's cna.tsv (nMajor/nMinor, as ASCAT) for T001, whose PCGR VCF carries TP53 17:7,577,124 C>T.
    report = screen(tmp_path, "T001", "GRCh37", T001_CNA37, T001_VCF37)
    tp53 = report["tp53"]
    assert tp53["loh"]["state"] == "loh" and tp53["loh"]["min_minor_cn"] == 0
    assert tp53["loh"]["homozygous_loss_bp"] == 0  # nMajor 2: copy-neutral, not a deletion
    (variant,) = tp53["variants"]
    assert variant["pos"] == 7_577_124 and variant["biallelic"] is True


def test_both_alleles_retained_is_reported_without_a_reason(tmp_path):
    report = screen(tmp_path, "DEMO-03", "GRCh37", COLO829_LIKE, STRELKA, assay="DEMO_PANEL")
    tp53 = report["tp53"]
    assert tp53["status"] == "wild_type" and tp53["loh"]["state"] == "no_loh"
    assert tp53["loh"]["min_minor_cn"] == 0.9795
    assert "tp53_loh" not in [r["code"] for r in tp53["reasons"]]


def test_copy_number_without_allele_specific_values_leaves_loh_unknown(tmp_path):
    report = screen(tmp_path, "DEMO-01", "GRCh37", TR95T, STRELKA, assay="DEMO_PANEL")
    loh = report["tp53"]["loh"]
    assert loh["state"] == "unknown" and "without a minor-allele copy number" in loh["reason"]
    assert report["status"] == "ELIGIBLE"  # LOH is reported, it decides nothing


def test_a_variant_without_loh_is_not_shown_as_biallelic(tmp_path):
    # TP53 17:7,577,124 C>T of T001 with a copy number that retains both alleles there (the ORANGE sample). At
    # its purity (0.99) the VAF is also what a germline variant would have: the caller's call stands here
    # (test_tp53_germline_ch.py covers that flag).
    report = screen(
        tmp_path, "T001", "GRCh37", COLO829_LIKE, T001_VCF37, config={"policy": {"possible_germline_tp53": "as_called"}}
    )
    (variant,) = report["tp53"]["variants"]
    assert variant["loh"] == "no_loh" and variant["biallelic"] is None
    assert "biallelic" not in next(r["message"] for r in report["tp53"]["reasons"] if r["code"] == "tp53_mutated")


def test_the_threshold_comes_from_the_configuration(tmp_path):
    # NB-S-599-T's minor allele copy number at TP53 is 0.0679: LOH below 0.5, not below 0.05.
    report = screen(
        tmp_path, "DEMO-02", "GRCh38", NB_S_599, T001_VCF38, config={"copy_number": {"loh_max_minor_cn": 0.05}}
    )
    assert report["tp53"]["loh"]["state"] == "no_loh" and report["tp53"]["variants"][0]["biallelic"] is None


def test_without_a_copy_number_file_loh_is_not_assessed(tmp_path):
    report = screen(tmp_path, "DEMO-02", "GRCh38", tmp_path / "missing.tsv", T001_VCF38)
    assert report["tp53"]["loh"] is None and report["tp53"]["variants"][0]["loh"] is None
