"""Screening an existing cohort: the TCGA glioma MAF and multi-sample SNP6 segment file.

Every tumour of samples_overview.tsv (computed from the same two files by the data's curator)
must get the MDM2, CDK4 and TP53 evidence those files show. The sheet names exact aliquot
barcodes, as a user must: mdm2screen never matches by prefix.
"""

from __future__ import annotations

import csv
import gzip
import math

import pytest
from conftest import REPO

from mdm2screen.pipeline import prepare
from mdm2screen.screen import Screener

DATA = REPO / "tests" / "data"
SEG = DATA / "cn" / "RTCGA_gbmlgg" / "GBMLGG.snp6.minus_germline_cnv.hg19.subset.seg"
MAF = DATA / "variants" / "RTCGA_gbmlgg" / "GBMLGG.mutations.subset.maf.gz"
OVERVIEW = DATA / "variants" / "RTCGA_gbmlgg" / "samples_overview.tsv"


def _tumour_aliquots(barcodes, sample):
    # Sample type 01/02 = tumour; the overview's 15-character ID is barcode[:15].
    return sorted(b for b in barcodes if b[:15] == sample and b[13:15] in ("01", "02"))


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    with open(SEG) as handle:
        seg_barcodes = {row["Sample"] for row in csv.DictReader(handle, delimiter="\t")}
    with gzip.open(MAF, "rt") as handle:
        lines = (ln for ln in handle if not ln.startswith("#"))
        maf_barcodes = {row["Tumor_Sample_Barcode"] for row in csv.DictReader(lines, delimiter="\t")}
    with open(OVERVIEW) as handle:
        overview = list(csv.DictReader(handle, delimiter="\t"))
    tmp = tmp_path_factory.mktemp("rtcga")
    sheet = tmp / "samples.tsv"
    with open(sheet, "w") as out:
        out.write("patient_id\tsample_id\tbuild\tcn_file\tvcf\tcn_sample\ttumor_sample\tgene_panel\n")
        for row in overview:
            sample = row["sample"]
            seg_aliquot = _tumour_aliquots(seg_barcodes, sample)[0]
            maf_aliquot = _tumour_aliquots(maf_barcodes, sample)[0]
            out.write(f"{sample[:12]}\t{sample}\tGRCh37\t{SEG}\t{MAF}\t{seg_aliquot}\t{maf_aliquot}\tWES\n")
    cohort = prepare({"samples": str(sheet), "outdir": str(tmp / "out")})
    screener = Screener(cohort.settings, cohort.arms, cohort.ihc)
    reports = {pid: screener.screen_patient(pid, rows) for pid, rows in cohort.patients.items()}
    return overview, reports


def test_every_tumour_is_screened(screened):
    overview, reports = screened
    assert len(reports) == len(overview) == 64


def test_tp53_status_matches_the_maf(screened):
    overview, reports = screened
    for row in overview:
        report = reports[row["sample"][:12]]
        expected = "mutated" if row["tp53_nonsilent_in_maf"] == "True" else "wild_type"
        tp53 = report["tp53"]
        if expected == "wild_type" and tp53["status"] == "not_assessable":
            # No purity in TCGA segment files: a TP53 loss that would be homozygous at purity 0.2 (copy
            # number <= 0.5, i.e. ratio <= 1 - 0.75 x 0.2 = 0.85) cannot be called wild type.
            assert tp53["reasons"][0]["code"] == "tp53_possible_homozygous_deletion", row["sample"]
            assert tp53["copy_number"]["raw_value"] <= math.log2(0.85) + 1e-9, row["sample"]
            continue
        assert tp53["status"] == expected, (row["sample"], tp53["reasons"])


def test_mdm2_and_cdk4_values_match_the_segments(screened):
    overview, reports = screened
    for row in overview:
        report = reports[row["sample"][:12]]
        for gene in ("mdm2", "cdk4"):
            top = float(row[f"{gene}_max_log2"])
            call = report[gene]
            assert call["raw_kind"] == "log2"
            # The estimate summarises the segments over the gene: never above their maximum.
            assert call["raw_value"] <= top + 1e-3, (row["sample"], gene, call["raw_value"], top)
            # Purity unknown: the range runs from a pure tumour to purity 0.2, CN = 2 x (1 + (R - 1) / p).
            if top < math.log2(1.4):  # below copy number 6 (gain) even at purity 0.2
                assert call["amplified"] is False, (row["sample"], gene)
            if top < 1.0:  # below 4 copies if pure: never amplified over the whole range
                assert call["amplified"] is not True, (row["sample"], gene)
            if call["amplified"]:
                assert top >= 2.0  # CN >= 8 from a log2 ratio means log2 >= 2 in a pure tumour


def test_cohort_shows_the_mutual_exclusivity(screened):
    _, reports = screened
    amplified = {p for p, r in reports.items() if r["mdm2"]["amplified"]}
    mutated = {p for p, r in reports.items() if r["tp53"]["status"] == "mutated"}
    assert len(amplified) >= 10
    assert len(amplified & mutated) <= 1
    eligible_molecularly = [p for p in amplified - mutated if reports[p]["status"] == "PENDING_CONFIRMATION"]
    assert eligible_molecularly, "MDM2-amplified TP53-wt tumours await IHC confirmation"
