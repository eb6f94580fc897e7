"""Possible germline TP53 (Li-Fraumeni) and clonal haematopoiesis in plasma (issue 24), screened end to end.

Germline origin is judged against the matched normal (the sample sheet's ``normal_sample``, else the VCF's
``##normal_sample`` or Strelka2's NORMAL column), else, in a tumour-only sample, by the tumour VAF against
what a heterozygous germline variant would have (0.5 +- tp53.germline_vaf_tolerance without purity; SGZ's
expectation with a stated purity and TP53 copy number). A plasma variant below tp53.ch_max_vaf without a
matched white-blood-cell sample is possibly from clonal haematopoiesis. Policies: policy.possible_germline_tp53
and policy.plasma_ch_tp53.

Files: ncsa/phyloflow's A25 Mutect2 VCF (A25 tumour, N1 normal, ##normal_sample=N1; TP53 17:7,577,098 T>A
p.Arg280Ser, tumour AF 0.331, normal AF 0.039 with AD 12,0) as written, and copies with that one record's
values changed (each test says which) for cases no public file shows; PCGR T001 (one sample column) with
PURPLE NB-S-599-T.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import DEMO, PCGR, VARIANT_DATA

from mdm2screen.paths import schema_path
from mdm2screen.pipeline import prepare
from mdm2screen.report import render_patient_html
from mdm2screen.screen import Screener
from mdm2screen.variants.tp53 import GERMLINE_FLAG, germline_expectations

SCHEMA = json.loads(schema_path("patient_report.schema.json").read_text())
A25 = VARIANT_DATA / "ncsa_phyloflow" / "A25.mutect2.filtered.snp.vcf"
TP53_RECORD = "17\t7577098\t"
TUMOUR_AS_WRITTEN = "0/1:7,3:0.331:10:6,2:1,1:0.303,0.222,0.3:0.025,0.025,0.95"
NORMAL_AS_WRITTEN = "0/0:12,0:0.039:12:6,0:6,0:.:."
SEGMETRICS = DEMO / "data" / "etal_cnvkit" / "tr95t.segmetrics.cns"  # DEMO-07 T2's copy number (GRCh37)
NB_S_599 = DEMO / "data" / "VerenaK90_LACHESIS" / "NB-S-599-T.purple.cnv.somatic.tsv"
T001_VCF38 = PCGR / "T001-BRCA.grch38.vcf.gz"  # one sample column; TP53 17:7,673,806 C>T, VAF 0.351


def derived_a25(tmp_path: Path, *, tumour: str | None = None, normal: str | None = None, filters: str | None = None,
                tumour_only: bool = False) -> Path:  # fmt: skip
    """A25 with the TP53 record's tumour/normal values or FILTER replaced; ``tumour_only`` drops the N1 column
    and the ##normal_sample line (every record), as a tumour-only Mutect2 run writes."""
    lines = []
    for line in A25.read_text().splitlines():
        if tumour_only and line.startswith("##normal_sample="):
            continue
        fields = line.split("\t")
        if line.startswith(TP53_RECORD):
            fields[9] = tumour or fields[9]
            fields[10] = normal or fields[10]
            fields[6] = filters or fields[6]
        if tumour_only and (line.startswith("#CHROM") or not line.startswith("#")):
            fields = fields[:10]
        lines.append("\t".join(fields))
    path = tmp_path / "a25.vcf"
    path.write_text("\n".join(lines) + "\n")
    return path


def screen(tmp_path: Path, vcf: Path, *, cn: Path = SEGMETRICS, build: str = "GRCh37", extra: dict | None = None,
           config: dict | None = None, patient: str = "P1") -> dict:  # fmt: skip
    columns = {"tumor_sample": "A25" if build == "GRCh37" else "", "assay": "DEMO_PANEL" if build == "GRCh37" else "",
               "gene_panel": "" if build == "GRCh37" else "WGS", **(extra or {})}  # fmt: skip
    tmp_path.mkdir(parents=True, exist_ok=True)
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(
        "patient_id\tsample_id\tbuild\tcn_file\tvcf\t" + "\t".join(columns) + "\n"
        f"{patient}\t{patient}-T1\t{build}\t{cn}\t{vcf}\t" + "\t".join(map(str, columns.values())) + "\n"
    )
    cfg = {
        "samples": str(sheet),
        "outdir": str(tmp_path / "out"),
        "ihc": None,
        "assays": {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")},
        **(config or {}),
    }
    cohort = prepare(cfg)
    report = Screener(cohort.settings, cohort.arms, cohort.ihc).screen_patient(patient, cohort.patients[patient])
    jsonschema.validate(report, SCHEMA)
    return report


def tp53_variant(report: dict) -> dict:
    return next(v for v in report["tp53"]["all_variants"] if v["pos"] == 7_577_098)


def codes(report: dict) -> list[str]:
    return [r["code"] for r in report["tp53"]["reasons"]]


# --------------------------------------------------------------------------- matched normal


def test_matched_normal_named_by_the_vcf_header_clears_the_variant(tmp_path):
    report = screen(tmp_path, A25)
    variant = tp53_variant(report)
    assert variant["normal"] == {"sample": "N1", "vaf": 0.039, "depth": 12, "alt_count": 0}
    assert variant["flags"] == [] and report["tp53"]["flags"] == []
    origin = report["tp53"]["origin"]
    assert origin["germline_check"] == "matched_normal" and "##normal_sample" in origin["detail"]
    assert report["tp53"]["status"] == "mutated"


def test_normal_sample_from_the_sheet_is_used(tmp_path):
    report = screen(tmp_path, A25, extra={"normal_sample": "N1"})
    assert report["tp53"]["origin"]["normal_sample"] == "N1"
    assert "sample sheet's normal_sample" in report["tp53"]["origin"]["detail"]


def test_variant_carried_by_the_normal_is_possible_germline_and_left_for_review(tmp_path):
    # N1 with 6 of 12 reads carrying p.Arg280Ser: a heterozygous germline variant.
    vcf = derived_a25(tmp_path, normal="0/1:6,6:0.5:12:3,3:3,3:.:.")
    report = screen(tmp_path, vcf)
    tp53 = report["tp53"]
    assert tp53["status"] == "not_assessable" and report["status"] == "INDETERMINATE"
    assert codes(report)[0] == "tp53_possible_germline"
    assert (
        GERMLINE_FLAG in tp53["reasons"][0]["message"]
        and "VAF 50.0% in the matched normal N1" in tp53["reasons"][0]["message"]
    )
    variant = tp53_variant(report)
    assert variant["category"] == "possible_germline" and not variant["decides"]
    assert variant["flags"] == ["possible_germline_tp53"]
    # A patient-level reason, naming the sample, and an alert at the top of the page.
    assert any(
        r["code"] == "tp53_possible_germline" and r["message"].startswith("sample P1-T1: ") for r in report["reasons"]
    )
    page = render_patient_html(report)
    top = page[: page.index('id="copy-number"')]
    assert "possible germline TP53 (Li-Fraumeni): genetic counselling" in top


@pytest.mark.parametrize(
    ("policy", "status"), [("mutated", "mutated"), ("as_called", "mutated"), ("unknown", "not_assessable")]
)
def test_germline_policy_decides_what_the_flag_does_and_the_flag_stays(tmp_path, policy, status):
    vcf = derived_a25(tmp_path, normal="0/1:6,6:0.5:12:3,3:3,3:.:.")
    report = screen(tmp_path, vcf, config={"policy": {"possible_germline_tp53": policy}})
    assert report["tp53"]["status"] == status
    assert [f["code"] for f in report["tp53"]["flags"]] == ["tp53_possible_germline"]
    assert f"policy.possible_germline_tp53: {policy}" in report["tp53"]["flags"][0]["message"]


def test_caller_germline_filter_is_no_longer_silently_wild_type(tmp_path):
    vcf = derived_a25(tmp_path, filters="germline")
    report = screen(tmp_path, vcf)
    assert report["tp53"]["status"] == "not_assessable" and codes(report)[0] == "tp53_possible_germline"
    assert "the caller flagged it germline (FILTER germline)" in report["tp53"]["reasons"][0]["message"]
    as_called = screen(tmp_path / "as", vcf, config={"policy": {"possible_germline_tp53": "as_called"}})
    assert as_called["tp53"]["status"] == "wild_type" and as_called["tp53"]["flags"]
    assert tp53_variant(as_called)["category"] == "germline"
    counted = screen(tmp_path / "m", vcf, config={"policy": {"possible_germline_tp53": "mutated"}})
    assert counted["tp53"]["status"] == "mutated" and tp53_variant(counted)["decides"]


def test_panel_of_normals_filter_names_no_germline_origin(tmp_path):
    report = screen(tmp_path, derived_a25(tmp_path, filters="panel_of_normals"))
    assert report["tp53"]["status"] == "wild_type" and report["tp53"]["flags"] == []


def test_shallow_normal_is_judged_as_tumour_only(tmp_path):
    # N1 with 3 reads (below tp53.germline_normal_min_depth 10), tumour AF 0.45: judged by the tumour VAF.
    vcf = derived_a25(tmp_path, tumour="0/1:11,9:0.45:20:6,2:1,1:.:.", normal="0/0:3,0:0.2:3:2,0:1,0:.:.")
    report = screen(tmp_path, vcf)
    message = report["tp53"]["flags"][0]["message"]
    assert "judged as in a tumour-only sample" in message and "the 50.0% a heterozygous germline" in message


def test_normal_sample_that_is_not_a_column_is_said_and_the_tumour_vaf_judged(tmp_path):
    report = screen(tmp_path, A25, extra={"normal_sample": "BLOOD"})
    assert "tp53_normal_not_read" in codes(report)
    assert report["tp53"]["origin"]["germline_check"] == "tumour_only"
    assert report["tp53"]["status"] == "mutated"  # VAF 0.331: not a germline heterozygote's 0.4-0.6


# --------------------------------------------------------------------------- tumour-only


def test_tumour_only_vaf_of_a_heterozygote_is_possible_germline(tmp_path):
    plain = screen(tmp_path / "a", derived_a25(tmp_path, tumour_only=True))
    assert plain["tp53"]["origin"]["germline_check"] == "tumour_only" and plain["tp53"]["status"] == "mutated"
    assert tp53_variant(plain)["germline_expected_vaf"] == [0.5]  # no purity: the heterozygous 0.5
    half = derived_a25(tmp_path, tumour="0/1:10,9:0.47:19:6,2:1,1:.:.", tumour_only=True)
    report = screen(tmp_path / "b", half)
    assert report["tp53"]["status"] == "not_assessable" and codes(report)[0] == "tp53_possible_germline"
    assert "no matched normal shows otherwise" in report["tp53"]["reasons"][0]["message"]


def test_germline_expectation_depends_on_purity_and_allele_copy_numbers(tmp_path):
    # PCGR T001's TP53 call (VAF 0.351, one sample column) on NB-S-599-T (TP53: one copy, minor allele 0.07).
    # Purity 0.5: a germline heterozygote that lost either allele in the tumour reads 0.33 or 0.67; 0.9: 0.09 or 0.91.
    at_half = screen(tmp_path / "a", T001_VCF38, cn=NB_S_599, build="GRCh38", extra={"purity": "0.5"})
    variant = next(v for v in at_half["tp53"]["all_variants"] if v["pos"] == 7_673_806)
    assert variant["germline_expected_vaf"] == [0.3333, 0.6667] and variant["flags"] == ["possible_germline_tp53"]
    at_high = screen(tmp_path / "b", T001_VCF38, cn=NB_S_599, build="GRCh38", extra={"purity": "0.9"})
    variant = next(v for v in at_high["tp53"]["all_variants"] if v["pos"] == 7_673_806)
    assert variant["germline_expected_vaf"] == [0.0909, 0.9091] and variant["flags"] == []
    assert at_high["tp53"]["status"] == "mutated"


def test_germline_expectations_follow_sgz():
    assert germline_expectations(None, 2.0, None, None)[0] == [0.5]
    assert germline_expectations(0.6, 2.0, None, None)[0] == [0.5]  # diploid, both alleles: 0.5 at any purity
    assert germline_expectations(0.6, 2.0, 0.0, 2.0)[0] == [0.2, 0.8]  # copy-neutral LOH
    assert germline_expectations(0.5, 3.0, None, None)[0] == [0.4, 0.6]  # 3 copies, 1 or 2 mutant
    assert germline_expectations(0.5, 0.2, None, None)[0] == [0.5]  # no tumour copy: the heterozygous fraction


# --------------------------------------------------------------------------- plasma


LOW_VAF = "0/1:47,3:0.06:50:6,2:1,1:.:."  # 3 of 50 reads, AF 0.06: above tp53.min_vaf, below tp53.ch_max_vaf


def test_low_vaf_plasma_variant_without_white_cells_is_possibly_clonal_haematopoiesis(tmp_path):
    vcf = derived_a25(tmp_path, tumour=LOW_VAF, tumour_only=True)
    report = screen(tmp_path, vcf, extra={"sample_type": "cfDNA"})
    assert report["tp53"]["status"] == "not_assessable" and report["status"] == "INDETERMINATE"
    assert codes(report)[0] == "tp53_possible_clonal_haematopoiesis"
    assert (
        "possibly from clonal haematopoiesis (plasma, no matched white-blood-cell sample)"
        in report["tp53"]["reasons"][0]["message"]
    )
    assert tp53_variant(report)["category"] == "possible_clonal_haematopoiesis"
    assert report["samples"][0]["sample_type"] == "plasma" and report["tp53"]["origin"]["sample_type"] == "plasma"
    counted = screen(
        tmp_path / "m", vcf, extra={"sample_type": "plasma"}, config={"policy": {"plasma_ch_tp53": "mutated"}}
    )
    assert (
        counted["tp53"]["status"] == "mutated"
        and counted["tp53"]["flags"][0]["code"] == "tp53_possible_clonal_haematopoiesis"
    )


def test_tissue_or_a_matched_white_cell_sample_raises_no_ch_flag(tmp_path):
    tissue = screen(
        tmp_path / "t", derived_a25(tmp_path, tumour=LOW_VAF, tumour_only=True), extra={"sample_type": "tissue"}
    )
    assert tissue["tp53"]["status"] == "mutated" and tissue["tp53"]["flags"] == []
    (tmp_path / "w").mkdir()  # the white-cell case's own copy of A25 goes there
    with_wbc = screen(tmp_path / "w", derived_a25(tmp_path / "w", tumour=LOW_VAF), extra={"sample_type": "plasma"})
    assert with_wbc["tp53"]["origin"]["germline_check"] == "matched_normal"
    assert with_wbc["tp53"]["status"] == "mutated" and with_wbc["tp53"]["flags"] == []


def test_ch_threshold_comes_from_the_configuration(tmp_path):
    vcf = derived_a25(tmp_path, tumour=LOW_VAF, tumour_only=True)
    report = screen(tmp_path, vcf, extra={"sample_type": "plasma"}, config={"tp53": {"ch_max_vaf": 0.05}})
    assert report["tp53"]["status"] == "mutated" and report["tp53"]["flags"] == []


def test_a_white_cell_sample_named_in_the_sheet_counts_where_its_column_is_not_read(tmp_path):
    """A MAF's normal columns are not read; the sheet's normal_sample still says the caller had the matched
    white cells, so a low-VAF plasma variant is not flagged as clonal haematopoiesis."""
    from mdm2screen.config import load_settings
    from mdm2screen.model import CoverageEvidence
    from mdm2screen.variants import read_tp53_variants
    from mdm2screen.variants.tp53 import OriginPolicy, TP53Context, TP53Settings, assess_tp53

    config = load_settings({"samples": "x"})
    settings = TP53Settings.from_config(config["tp53"])
    vcf = derived_a25(tmp_path, tumour=LOW_VAF, tumour_only=True)
    coverage = CoverageEvidence(True, True, "gene_panel")

    def judged(**context: object):
        source = read_tp53_variants(vcf, build="GRCh37", tumor_sample="A25", sample_id="S1", settings=settings)
        ctx = TP53Context(policy=OriginPolicy.from_config(config["policy"]), loh_max_minor_cn=0.5, **context)
        return assess_tp53(source, coverage, cn=None, settings=settings, build="GRCh37", context=ctx)

    assert judged(sample_type="plasma").status == "not_assessable"
    named = judged(sample_type="plasma", normal_named=True)
    assert named.status == "mutated" and named.flags == []


# --------------------------------------------------------------------------- MAF input

GLIOMA_MAF = VARIANT_DATA / "RTCGA_gbmlgg" / "GBMLGG.mutations.subset.maf.gz"
GLIOMA_TUMOUR = "TCGA-02-0003-01A-01D-1490-08"  # TP53 17:7,577,094 G>A p.Arg282Trp, normal -10A-01D-1490-08


def glioma_tp53_maf(
    tmp_path: Path, *, normal: str, alt: int, ref: int, normal_counts: tuple[int, int] | None = None
) -> Path:
    """The glioma MAF's header and this tumour's TP53 row, with Matched_Norm_Sample_Barcode and read counts set
    (the TCGA file has no count columns: t_alt_count/t_ref_count are added, as GDC MAFs carry them)."""
    import gzip

    with gzip.open(GLIOMA_MAF, "rt") as handle:
        lines = handle.read().splitlines()
    header = lines[0].split("\t")
    row = next(ln for ln in lines[1:] if ln.startswith("TP53\t") and GLIOMA_TUMOUR in ln).split("\t")
    row[header.index("Matched_Norm_Sample_Barcode")] = normal
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "tp53.maf"
    columns, values = ["t_alt_count", "t_ref_count"], [str(alt), str(ref)]
    if normal_counts is not None:  # GDC MAFs carry the matched normal's counts as n_alt_count/n_ref_count
        columns, values = [*columns, "n_alt_count", "n_ref_count"], [*values, *map(str, normal_counts)]
    path.write_text("\t".join([*header, *columns]) + "\n" + "\t".join([*row, *values]) + "\n")
    return path


def test_a_maf_without_a_matched_normal_is_judged_tumour_only(tmp_path):
    """Matched_Norm_Sample_Barcode empty on the sample's TP53 rows: a tumour-only call, so a VAF of 0.5 is
    possible germline; the same row with its normal named rests on the caller's germline filters."""
    extra = {"tumor_sample": GLIOMA_TUMOUR}
    tumour_only = screen(tmp_path / "a", glioma_tp53_maf(tmp_path / "a", normal="", alt=24, ref=26), extra=extra)
    assert tumour_only["tp53"]["origin"]["germline_check"] == "tumour_only"
    assert tumour_only["tp53"]["status"] == "not_assessable" and codes(tumour_only)[0] == "tp53_possible_germline"
    subclonal = screen(tmp_path / "b", glioma_tp53_maf(tmp_path / "b", normal="", alt=8, ref=42), extra=extra)
    assert subclonal["tp53"]["status"] == "mutated"  # VAF 0.16: not a heterozygote's
    paired = glioma_tp53_maf(tmp_path / "c", normal="TCGA-02-0003-10A-01D-1490-08", alt=24, ref=26)
    with_normal = screen(tmp_path / "c", paired, extra=extra)
    assert with_normal["tp53"]["origin"]["germline_check"] == "caller_only"
    assert with_normal["tp53"]["status"] == "mutated"


def test_a_maf_with_the_normals_read_counts_is_judged_against_the_normal(tmp_path):
    """GDC MAF n_alt_count/n_ref_count: a variant the normal carries is possible germline; one it lacks is not."""
    extra = {"tumor_sample": GLIOMA_TUMOUR}
    normal = "TCGA-02-0003-10A-01D-1490-08"
    in_normal = glioma_tp53_maf(tmp_path / "a", normal=normal, alt=30, ref=30, normal_counts=(14, 16))
    carried = screen(tmp_path / "a", in_normal, extra=extra)
    assert carried["tp53"]["origin"]["germline_check"] == "matched_normal"
    assert carried["tp53"]["status"] == "not_assessable" and codes(carried)[0] == "tp53_possible_germline"
    absent = glioma_tp53_maf(tmp_path / "b", normal=normal, alt=30, ref=30, normal_counts=(0, 40))
    somatic = screen(tmp_path / "b", absent, extra=extra)
    assert somatic["tp53"]["origin"]["germline_check"] == "matched_normal" and somatic["tp53"]["status"] == "mutated"
