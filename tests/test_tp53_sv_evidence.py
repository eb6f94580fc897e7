"""TP53 disrupted by structural variants (issue 24): the sample sheet's ``sv_vcf`` read around TP53, each SV
placed in the gene and judged (mdm2screen.variants.sv_evidence), and the TP53 status, the reasons, the JSON
report (schema) and the HTML page that follow, screened end to end.

Files: real SV caller output where a public file exists (tests/data/sv: PD4116, the ICGC BRCA-EU deletion of
TP53 coding exons 10-11; HCC2218 Manta, chr17 without a TP53 event; the Manta demo run restricted to two
regions elsewhere), and the specification-built files of tests/data/sv/spec (a Manta intron 1 translocation
and deletions of coding exons, GRCh38) where none does. Small VCFs written here follow the VCF 4.2
specification (section 5.3, symbolic alleles; 5.4, breakends).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
from conftest import DEMO, LACHESIS, TEST_DATA

from mdm2screen.config import load_settings
from mdm2screen.paths import schema_path
from mdm2screen.pipeline import prepare
from mdm2screen.report import render_patient_html
from mdm2screen.screen import Screener
from mdm2screen.variants.sv import read_structural_variants, sv_region
from mdm2screen.variants.sv_evidence import judge_structural_variants, judge_sv
from mdm2screen.variants.tp53 import TP53Settings
from mdm2screen.variants.transcript import tp53_model

SV = TEST_DATA / "sv"
SPEC = SV / "spec"
PD4116 = SV / "hartwigmedical_hmftools" / "PD4116_sv.vcf.gz"  # real: 17:7,570,409-7,575,064 DEL, exons 10-11
HCC2218 = SV / "umccr_vcf_stuff" / "HCC2218_manta.vcf"  # real Manta: chr17 records, none near TP53
MANTA_DEMO = SV / "Illumina_manta" / "somaticSV.vcf.gz"  # real Manta demo: --region on chr8 and chr11 only
MANTA_SPEC = SPEC / "manta_somatic_tp53.grch38.vcf"  # built to the Manta user guide: intron 1 BND, exon DELs
SCHEMA = json.loads(schema_path("patient_report.schema.json").read_text())
SETTINGS = TP53Settings.from_config(load_settings({"samples": "x"})["tp53"])

# DEMO-01 (resources/demo): CNVkit tr95t.cns with MDM2 amplified, Strelka2 T/N without a TP53 call, the demo
# panel's targets over TP53, IHC in resources/demo/ihc.tsv: ELIGIBLE, TP53 wild type, GRCh37.
GRCH37_WILD_TYPE = [
    "DEMO-01", "DEMO-01-T1", "GRCh37", DEMO / "data/etal_cnvkit/tr95t.cns",
    LACHESIS / "strelka2.somatic.snvs.vcf.gz", "DEMO_PANEL",
]  # fmt: skip
# DEMO-08: PURPLE NB-S-599-T (MDM2 and CDK4 amplified), umccrise ensemble T/N without a TP53 call, WGS.
GRCH38_WILD_TYPE = [
    "DEMO-08", "DEMO-08-T1", "GRCh38", DEMO / "data/VerenaK90_LACHESIS/NB-S-599-T.purple.cnv.somatic.tsv",
    DEMO / "data/umccr_gpgr/somatic-ensemble-PASS.vcf.gz", "",
]  # fmt: skip


def screen(tmp_path: Path, base: list, sv_vcf: Path | str, *, extra: dict[str, str] | None = None,
           config: dict | None = None) -> dict:  # fmt: skip
    columns = ["patient_id", "sample_id", "build", "cn_file", "vcf", "assay", "gene_panel", "sv_vcf", *(extra or {})]
    values = [*base[:5], base[5], "" if base[5] else "WGS", sv_vcf, *(extra or {}).values()]
    tmp_path.mkdir(parents=True, exist_ok=True)
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("\t".join(columns) + "\n" + "\t".join(map(str, values)) + "\n")
    cfg = {
        "samples": str(sheet),
        "outdir": str(tmp_path / "out"),
        "ihc": str(DEMO / "ihc.tsv"),
        "assays": {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")},
        **(config or {}),
    }
    cohort = prepare(cfg)
    report = Screener(cohort.settings, cohort.arms, cohort.ihc).screen_patient(base[0], cohort.patients[base[0]])
    jsonschema.validate(report, SCHEMA)
    return report


def codes(report: dict) -> list[str]:
    return [r["code"] for r in report["tp53"]["reasons"]]


# --------------------------------------------------------------------------- through the screen


def test_intron_1_translocation_and_coding_exon_deletions_make_tp53_mutated(tmp_path):
    report = screen(tmp_path, GRCH38_WILD_TYPE, MANTA_SPEC)
    tp53 = report["tp53"]
    assert tp53["status"] == "mutated" and report["status"] == "NOT_ELIGIBLE"
    found = {v["label"]: (v["category"], v["classification"]["kind"]) for v in tp53["structural_variants"]["variants"]}
    assert found == {
        "DEL 17:7,674,200-7,674,260": ("deciding", "deletion_over_coding_exons"),
        "DEL 17:7,674,700-7,675,400": ("deciding", "deletion_over_coding_exons"),
        "DEL 17:7,675,500-7,675,700": ("filtered", "within_intron"),  # FILTER MinSomaticScore: listed only
        "BND 17:7,680,000 joined to 12:68,900,001": ("deciding", "breakend_in_gene"),
    }  # the chr17:10,000,000 deletion lies 2.3 Mb away, outside structural_variants.flank
    sv_reasons = [r["message"] for r in tp53["reasons"] if r["code"] == "tp53_structural_variant"]
    assert any("intron 1" in m and "translocation breakend" in m for m in sv_reasons)
    assert any("exon(s) 5, 6" in m for m in sv_reasons)
    # The arm's criterion names the SV (not "see variants"), and the JSON keeps the caller and the flank.
    tp53_criterion = next(c for c in report["arms"][0]["criteria"] if c["kind"] == "tp53_wild_type")
    assert tp53_criterion["state"] == "not_met" and "intron 1" in tp53_criterion["evidence"]
    assert tp53["structural_variants"]["caller"] == "Manta 1.6.0" and tp53["structural_variants"]["flank"] == 10_000
    page = render_patient_html(report)
    section = page[page.index('id="tp53-sv"') : page.index('id="criteria"')]
    assert "DECIDES" in section and "intron 1 at 7,680,000" in section and "MinSomaticScore" in section


def test_real_icgc_deletion_of_coding_exons_10_and_11_makes_an_eligible_patient_not_eligible(tmp_path):
    assert screen(tmp_path / "without", GRCH37_WILD_TYPE, "")["status"] == "ELIGIBLE"
    report = screen(tmp_path, GRCH37_WILD_TYPE, PD4116)
    assert report["status"] == "NOT_ELIGIBLE" and report["tp53"]["status"] == "mutated"
    (deciding,) = [v for v in report["tp53"]["structural_variants"]["variants"] if v["decides"]]
    assert deciding["classification"]["exons"] == [10, 11]
    assert deciding["classification"]["kind"] == "deletion_over_coding_exons"
    sample_files = {f["role"]: f for f in report["samples"][0]["files"]}
    assert sample_files["sv_vcf"]["path"] == str(PD4116) and sample_files["sv_vcf"]["sha256"]


def test_real_sv_file_without_a_tp53_event_leaves_tp53_wild_type(tmp_path):
    report = screen(tmp_path, GRCH37_WILD_TYPE, HCC2218)
    assert report["status"] == "ELIGIBLE" and report["tp53"]["status"] == "wild_type"
    structural = report["tp53"]["structural_variants"]
    assert structural["variants"] == [] and structural["records_on_chrom"] > 0 and structural["problem"] is None


def test_sv_file_of_a_run_that_never_looked_at_tp53_is_no_evidence(tmp_path):
    # Manta's demo ran with --region on chromosomes 8 and 11: "no SV" there says nothing about TP53.
    report = screen(tmp_path, GRCH37_WILD_TYPE, MANTA_DEMO)
    assert report["tp53"]["status"] == "not_assessable" and report["status"] == "INDETERMINATE"
    assert codes(report)[0] == "tp53_sv_region_not_examined"
    assert (
        "--region" in report["tp53"]["reasons"][0]["message"] or "##contig" in report["tp53"]["reasons"][0]["message"]
    )
    assert report["tp53"]["structural_variants"]["region_excluded"] is True


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("missing.vcf", None, "input_missing"),
        ("empty.vcf", b"", "input_empty"),
        (
            "cut.vcf",
            b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n17\t7578000",
            "vcf_truncated",
        ),
    ],
)
def test_unreadable_sv_file_makes_tp53_not_assessable_never_wild_type(tmp_path, name, content, code):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    report = screen(tmp_path, GRCH37_WILD_TYPE, path)
    assert report["tp53"]["status"] == "not_assessable" and report["status"] == "INDETERMINATE"
    assert codes(report)[0] == code
    assert "structural-variant file unusable" in report["tp53"]["reasons"][0]["message"]
    assert [e["code"] for e in report["samples"][0]["errors"]] == [code]


def _sv_vcf(path: Path, *records: str) -> Path:
    header = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=17,length=81195210>",
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant">',
        '##INFO=<ID=SVLEN,Number=.,Type=Integer,Description="Difference in length between REF and ALT alleles">',
        '##INFO=<ID=CIPOS,Number=2,Type=Integer,Description="Confidence interval around POS">',
        '##ALT=<ID=DEL,Description="Deletion">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    path.write_text("\n".join([*header, *records]) + "\n")
    return path


def test_sv_that_may_reach_tp53_keeps_it_from_wild_type(tmp_path):
    # VCF 4.2 5.3: a <DEL> without END or SVLEN starting 5 kb before TP53's first base (GRCh37 7,571,720; the
    # gene's 3' end, minus strand): whether it reaches the gene is unknown.
    path = _sv_vcf(tmp_path / "sv.vcf", "17\t7566000\tdel1\tN\t<DEL>\t.\tPASS\tSVTYPE=DEL")
    report = screen(tmp_path, GRCH37_WILD_TYPE, path)
    assert report["tp53"]["status"] == "not_assessable"
    assert codes(report)[0] == "tp53_sv_uncertain" and "no END or SVLEN" in report["tp53"]["reasons"][0]["message"]
    (finding,) = report["tp53"]["structural_variants"]["variants"]
    assert (finding["category"], finding["classification"]["kind"]) == ("uncertain", "extent_unknown")


def test_uncertain_sv_does_not_undo_a_mutation_found_otherwise(tmp_path):
    # DEMO-02: PURPLE NB-S-599-T with the PCGR T001 TP53 call 17:7,673,806 C>T (GRCh38): TP53 mutated. The SV
    # VCF adds a <DEL> of unknown extent starting 5 kb before TP53's first base (GRCh38 7,668,402).
    base = [
        "DEMO-02", "DEMO-02-T1", "GRCh38", DEMO / "data/VerenaK90_LACHESIS/NB-S-599-T.purple.cnv.somatic.tsv",
        DEMO / "data/sigven_pcgr/T001-BRCA.grch38.vcf.gz", "",
    ]  # fmt: skip
    grch38 = _sv_vcf(tmp_path / "sv38.vcf", "17\t7663400\tdel1\tN\t<DEL>\t.\tPASS\tSVTYPE=DEL")
    grch38.write_text(grch38.read_text().replace("length=81195210", "length=83257441"))
    report = screen(tmp_path, base, grch38)
    assert report["tp53"]["status"] == "mutated"
    assert codes(report)[0] == "tp53_mutated" and "tp53_sv_uncertain" in codes(report)


def test_filtered_sv_over_coding_exons_is_listed_not_counted(tmp_path):
    path = _sv_vcf(tmp_path / "sv.vcf", "17\t7570000\tdel1\tN\t<DEL>\t.\tMinSomaticScore\tSVTYPE=DEL;END=7576000")
    report = screen(tmp_path, GRCH37_WILD_TYPE, path)
    assert report["tp53"]["status"] == "wild_type"
    (finding,) = report["tp53"]["structural_variants"]["variants"]
    assert finding["category"] == "filtered" and finding["classification"]["effect"] == "disrupting"


def test_germline_filtered_sv_disrupting_tp53_is_flagged_and_left_for_review(tmp_path):
    path = _sv_vcf(tmp_path / "sv.vcf", "17\t7570000\tdel1\tN\t<DEL>\t.\tgermline\tSVTYPE=DEL;END=7576000")
    report = screen(tmp_path, GRCH37_WILD_TYPE, path)
    assert report["tp53"]["status"] == "not_assessable"
    assert codes(report)[0] == "tp53_possible_germline"
    assert "possible germline TP53 (Li-Fraumeni): genetic counselling" in report["tp53"]["flags"][0]["message"]
    assert any(r["code"] == "tp53_possible_germline" for r in report["reasons"])
    as_mutated = screen(
        tmp_path / "m", GRCH37_WILD_TYPE, path, config={"policy": {"possible_germline_tp53": "mutated"}}
    )
    assert as_mutated["tp53"]["status"] == "mutated" and as_mutated["tp53"]["flags"]


# --------------------------------------------------------------------------- one classification for both files


def test_a_deletion_reads_the_same_from_the_sv_vcf_and_the_small_variant_vcf(tmp_path):
    """calls.py judges symbolic records of the small-variant VCF with sv.classify_tp53_sv, as the SV VCF is."""
    record = "17\t7570408\tdel1\tN\t<DEL>\t.\tPASS\tSVTYPE=DEL;END=7575064"  # PD4116's deletion, written symbolically
    sv_file = _sv_vcf(tmp_path / "sv.vcf", record)
    small = tmp_path / "small.vcf"
    small.write_text(sv_file.read_text())
    cohort_base = [*GRCH37_WILD_TYPE[:4], small, GRCH37_WILD_TYPE[5]]
    from_small = screen(tmp_path / "a", cohort_base, "")
    from_sv = screen(tmp_path / "b", GRCH37_WILD_TYPE, sv_file)
    (call,) = from_small["tp53"]["variants"]
    (finding,) = from_sv["tp53"]["structural_variants"]["variants"]
    assert call["consequence"] == "structural_deletion" and finding["classification"]["exons"] == [10, 11]
    assert from_small["tp53"]["status"] == from_sv["tp53"]["status"] == "mutated"


def test_uncertain_sv_in_the_small_variant_vcf_keeps_tp53_from_wild_type(tmp_path):
    # A <DEL> without END or SVLEN 4 bases before TP53's first base (GRCh37 7,571,720), inside the region the
    # small-variant reader collects (the gene and the splice margin): its extent is unknown.
    small = _sv_vcf(tmp_path / "small.vcf", "17\t7571716\tdel1\tN\t<DEL>\t.\tPASS\tSVTYPE=DEL")
    report = screen(tmp_path, [*GRCH37_WILD_TYPE[:4], small, GRCH37_WILD_TYPE[5]], "")
    assert report["tp53"]["status"] == "not_assessable" and codes(report)[0] == "tp53_sv_uncertain"


# --------------------------------------------------------------------------- judging one SV


def _spec_svs(path: Path, build: str):
    region = sv_region(build, 10_000)
    source = read_structural_variants(path, build=build, region=region)
    return source, judge_structural_variants(source, tp53_model(build), region=region, flank=10_000, settings=SETTINGS)


def test_gridss_pairs_single_breakends_and_pon_filtered_pairs():
    _, judged = _spec_svs(SPEC / "gridss_gripss_tp53.grch37.vcf", "GRCh37")
    by_pos = {f.sv.pos: f.category for f in judged.findings}
    # A PASS pair inside TP53 decides, a PASS single breakend inside it too; the translocation filtered by the
    # panel of normals (PON, in tp53.germline_filters) is listed and, naming no germline origin, flags nothing.
    assert by_pos == {7577900: "deciding", 7578300: "deciding", 7579800: "germline"}


def test_a_breakend_pair_whose_records_disagree_on_filter_is_uncertain():
    source, _ = _spec_svs(SPEC / "manta_somatic_tp53.grch38.vcf", "GRCh38")
    pair = next(sv for sv in source.variants if sv.mate is not None and sv.mate.chrom == "12")
    disagreeing = dataclasses.replace(pair, mate_filters=("MinSomaticScore",))
    finding = judge_sv(disagreeing, tp53_model("GRCh38"), SETTINGS)
    assert finding.category == "uncertain" and "disagree on FILTER" in finding.why
    both_failed = dataclasses.replace(pair, filters=("MinSomaticScore",), mate_filters=("MinSomaticScore",))
    assert judge_sv(both_failed, tp53_model("GRCh38"), SETTINGS).category == "filtered"


def test_flank_comes_from_the_configuration(tmp_path):
    wide = screen(tmp_path, GRCH38_WILD_TYPE, MANTA_SPEC, config={"structural_variants": {"flank": 2_400_000}})
    labels = [v["label"] for v in wide["tp53"]["structural_variants"]["variants"]]
    assert "DEL 17:10,000,000-10,005,000" in labels  # 2.3 Mb from TP53: read with the wider flank, outside it
    assert next(v for v in wide["tp53"]["structural_variants"]["variants"] if v["pos"] == 10_000_000)["category"] == (
        "not_disrupting"
    )


def test_text_from_the_sv_file_is_escaped_in_the_page(tmp_path):
    hostile = tmp_path / "<img src=x onerror=alert(1)>.vcf"
    hostile.write_text(
        MANTA_SPEC.read_text().replace(
            "PASS\tSVTYPE=BND;MATEID=MantaBND:100:0:1:0:0:0:1", "<b>x</b>\tSVTYPE=BND;MATEID=MantaBND:100:0:1:0:0:0:1"
        )
    )
    report = screen(tmp_path, GRCH38_WILD_TYPE, hostile)
    page = render_patient_html(report)
    assert "<img src=x" not in page and "<b>x</b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.vcf" in page and "&lt;b&gt;x&lt;/b&gt;" in page
