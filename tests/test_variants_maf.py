"""MAF reading for TP53: the TCGA GBMLGG cohort MAF (Oncotator, no read counts) and GDC-style MAFs.

Built MAFs follow the GDC MAF specification (docs.gdc.cancer.gov/Data/File_Formats/MAF_Format/):
``#version`` line, 1-based Start_Position/End_Position, ``-`` for an empty allele, an insertion
between Start_Position and End_Position, Tumor_Seq_Allele1/2, HGVSc/HGVSp/HGVSp_Short on
Transcript_ID, t_depth/t_ref_count/t_alt_count, FILTER.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import os
import shutil
from pathlib import Path

import pytest

from mdm2screen.config import load_settings
from mdm2screen.errors import InputError
from mdm2screen.model import CoverageEvidence
from mdm2screen.variants import TP53Settings, assess_tp53, detect_variant_format, maf, read_tp53_variants


def tp53_settings(**changes) -> TP53Settings:
    """The configuration's tp53 section (its defaults), with ``changes``."""
    return dataclasses.replace(TP53Settings.from_config(load_settings({"samples": "x"})["tp53"]), **changes)


DATA = Path(__file__).parent / "data" / "variants" / "RTCGA_gbmlgg"
MAF = DATA / "GBMLGG.mutations.subset.maf.gz"
# Coverage is not what these tests judge: wild type without coverage evidence (tp53_coverage_not_required).
SETTINGS = tp53_settings(require_coverage=False)
UNVERIFIED = CoverageEvidence(verified=False, adequate=None, method=None)


def read(path, barcode=None, sample_id=None, build="GRCh37", settings=SETTINGS):
    return read_tp53_variants(path, build=build, tumor_sample=barcode, sample_id=sample_id, settings=settings)


def full_barcodes() -> list[str]:
    with gzip.open(MAF, "rt") as handle:
        return sorted({row["Tumor_Sample_Barcode"] for row in csv.DictReader(handle, delimiter="\t")})


def overview() -> list[dict[str, str]]:
    with open(DATA / "samples_overview.tsv", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


class TestTcgaCohortMaf:
    def test_tp53_status_matches_the_overview_for_all_64_tumours_with_one_read(self):
        maf.clear_cache()
        before = maf.cache_info()["misses"]
        barcodes = full_barcodes()
        rows = overview()
        assert len(rows) == 64
        for row in rows:
            # The overview uses 15-character sample IDs; the MAF full aliquot barcodes. Exact
            # matching applies, so the test names the full barcode (as a sample sheet must).
            (barcode,) = [b for b in barcodes if b.startswith(row["sample"] + "A") or b.startswith(row["sample"] + "B")]
            source = read(MAF, barcode=barcode, sample_id=row["sample"])
            evidence = assess_tp53(source, UNVERIFIED, cn=None, settings=SETTINGS, build="GRCh37")
            mutated = row["tp53_nonsilent_in_maf"] == "True"
            assert (evidence.status == "mutated") == mutated, row
            if not mutated:
                expected = "wild_type" if source.records_on_tp53_chrom else "not_assessable"
                assert evidence.status == expected
            for call in source.variants:
                assert call.vaf is None  # no read counts in this MAF
                assert call.annotation_source == "MAF"
            for call in evidence.deciding:
                assert "VAF unknown" in call.why
        assert maf.cache_info()["misses"] - before == 1  # one parse for 64 samples

    def test_oncotator_text_is_shown_and_indels_are_keyed(self):
        source = read(MAF, barcode="TCGA-06-0128-01A-01D-1490-08")
        (call,) = source.variants
        # HGVS is computed for every input alike (Oncotator wrote c.936delC, p.T312fs): the 3' rule
        # puts the first changed amino acid at Ser313.
        assert (call.consequence, call.hgvs_c, call.hgvs_p) == ("frameshift", "c.936del", "p.Ser313AlafsTer32")
        assert call.annotation_source == "MAF"  # the consequence class is still the file's
        # Anchored with c.937 (A, plus strand T) from the CDS: the same key a VCF would have.
        assert (call.pos, call.ref, call.alt) == (7576909, "TG", "T")
        (inframe,) = read(MAF, barcode="TCGA-06-0238-01A-02D-1492-08").variants
        assert (inframe.consequence, inframe.hgvs_p) == ("inframe_deletion", "p.Asn239_Ser241del")  # file: p.NSS239del
        calls = read(MAF, barcode="TCGA-HT-7884-01B-11D-2395-08").variants
        insertion = next(c for c in calls if c.consequence == "frameshift")
        assert insertion.hgvs_c == "c.861dup"  # the row has no cDNA_Change: computed from positions
        assert len(insertion.alt) == len(insertion.ref) + 1

    def test_silent_row_is_listed_but_does_not_decide(self):
        source = read(MAF, barcode="TCGA-DU-6395-01A-12D-1705-08")
        evidence = assess_tp53(source, UNVERIFIED, cn=None, settings=SETTINGS, build="GRCh37")
        silent = next(c for c in source.variants if c.consequence == "synonymous")
        assert silent.category == "non_deciding_consequence" and not silent.decides
        assert evidence.status == "mutated"  # two missense rows in the same tumour

    def test_barcode_without_chr17_rows_is_not_assessable(self):
        source = read(MAF, barcode="TCGA-14-1450-01B-01D-1845-08")
        assert source.records_on_tp53_chrom == 0
        assert any("lists only what was found" in n for n in source.notes)
        evidence = assess_tp53(source, UNVERIFIED, cn=None, settings=SETTINGS, build="GRCh37")
        assert evidence.status == "not_assessable"
        assert evidence.reasons[0].code == "tp53_chromosome_absent"
        assert "MAF" in evidence.reasons[0].message

    def test_sample_id_is_matched_exactly_never_by_prefix(self):
        with pytest.raises(InputError) as err:
            read(MAF, sample_id="TCGA-02-0003-01")
        # A prefix of a barcode in the file gets its own code, so screening never reads it as "no mutation".
        assert err.value.code == "maf_sample_prefix_only"
        assert "TCGA-02-0003-01A-01D-1490-08" in str(err.value)  # the longer barcodes are listed
        assert "tumor_sample" in str(err.value)

    def test_ncbi_build_is_checked_against_the_sheet(self):
        with pytest.raises(InputError) as err:
            read(MAF, barcode="TCGA-02-0003-01A-01D-1490-08", build="GRCh38")
        assert err.value.code == "build_mismatch" and err.value.field == "NCBI_Build"
        assert read(MAF, barcode="TCGA-02-0003-01A-01D-1490-08", build="hg19").sample  # 37 == hg19

    def test_changed_file_is_read_again(self, tmp_path):
        copy = tmp_path / "cohort.maf.gz"
        shutil.copy(MAF, copy)
        maf.clear_cache()
        before = maf.cache_info()["misses"]
        read(copy, barcode="TCGA-02-0003-01A-01D-1490-08")
        read(copy, barcode="TCGA-02-0033-01A-01D-1490-08")
        assert maf.cache_info()["misses"] - before == 1
        later = os.stat(copy).st_mtime_ns + 10**9
        os.utime(copy, ns=(later, later))
        read(copy, barcode="TCGA-02-0003-01A-01D-1490-08")
        assert maf.cache_info()["misses"] - before == 2


GDC_COLUMNS = [
    "Hugo_Symbol", "Entrez_Gene_Id", "Center", "NCBI_Build", "Chromosome", "Start_Position", "End_Position", "Strand",
    "Variant_Classification", "Variant_Type", "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2",
    "dbSNP_RS", "Tumor_Sample_Barcode", "Matched_Norm_Sample_Barcode", "HGVSc", "HGVSp", "HGVSp_Short",
    "Transcript_ID", "t_depth", "t_ref_count", "t_alt_count", "FILTER",
]  # fmt: skip


def gdc_row(**values: str) -> dict[str, str]:
    row = {c: "" for c in GDC_COLUMNS}
    row.update({"Hugo_Symbol": "TP53", "NCBI_Build": "GRCh38", "Chromosome": "chr17", "Strand": "+"})
    row.update({"Transcript_ID": "ENST00000269305", "FILTER": "PASS"})
    row.update(values)
    return row


def write_maf(
    path: Path, rows: list[dict[str, str]], *, crlf: bool = False, quote: bool = False, gz: bool = False
) -> Path:
    def cell(v: str) -> str:
        return f'"{v}"' if quote and v else v

    lines = ["#version gdc-1.0.0", "#annotation.spec gdc-1.0.1-public", "\t".join(GDC_COLUMNS)]
    lines += ["\t".join(cell(r[c]) for c in GDC_COLUMNS) for r in rows]
    text = ("\r\n" if crlf else "\n").join(lines) + "\n"
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return path


# GRCh38 TP53 hotspots (= GRCh37 + 96,682 across TP53).
SNV = {
    "Variant_Classification": "Missense_Mutation",
    "Variant_Type": "SNP",
    "Reference_Allele": "C",
    "Tumor_Seq_Allele1": "C",
}
R175H_38 = {
    **SNV,
    "Start_Position": "7675088",
    "End_Position": "7675088",
    "Tumor_Seq_Allele2": "T",
    "HGVSc": "c.524G>A",
    "HGVSp": "p.Arg175His",
    "HGVSp_Short": "p.R175H",
}
R248Q_38 = {**SNV, "Start_Position": "7674220", "End_Position": "7674220", "Tumor_Seq_Allele2": "T"}


class TestGdcMaf:
    @pytest.mark.parametrize(("crlf", "quote", "gz"), [(False, False, False), (True, True, True)])
    def test_counts_give_vaf_and_messy_text_is_accepted(self, tmp_path, crlf, quote, gz):
        rows = [
            gdc_row(Tumor_Sample_Barcode="PT1-T", t_depth="100", t_ref_count="70", t_alt_count="30", **R175H_38),
            gdc_row(Tumor_Sample_Barcode="PT2-T", t_depth="100", t_ref_count="NA", t_alt_count="NA", **R175H_38),
            gdc_row(Tumor_Sample_Barcode="PT3-T", t_depth="200", t_ref_count=".", t_alt_count="4", **R248Q_38),
        ]
        path = write_maf(tmp_path / "cohort.maf", rows, crlf=crlf, quote=quote, gz=gz)
        assert detect_variant_format(path) == "maf"
        (call,) = read(path, barcode="PT1-T", build="GRCh38").variants
        assert (call.vaf, call.alt_count, call.depth) == (0.3, 30, 100)
        assert (call.hgvs_c, call.hgvs_p) == ("c.524G>A", "p.Arg175His")  # the MAF's text
        assert call.key() == ("17", 7675088, "C", "T")
        unknown = read(path, sample_id="PT2-T", build="GRCh38").variants[0]
        assert unknown.vaf is None
        low = read(path, barcode="PT3-T", build="GRCh38")
        evidence = assess_tp53(low, UNVERIFIED, cn=None, settings=SETTINGS, build="GRCh38")
        assert low.variants[0].vaf == 0.02  # t_alt_count / t_depth when t_ref_count is missing
        assert low.variants[0].hgvs_p == "p.Arg248Gln"  # computed: the row has no HGVSp
        assert low.variants[0].category == "below_vaf" and evidence.status == "wild_type"

    def test_gdc_filters_and_other_transcripts(self, tmp_path):
        other_transcript = {**R175H_38, "HGVSc": "c.393G>A", "HGVSp": "p.Arg131His", "Transcript_ID": "ENST00000413465"}
        rows = [
            gdc_row(
                Tumor_Sample_Barcode="PT1-T", FILTER="panel_of_normals", t_ref_count="50", t_alt_count="50", **R175H_38
            ),
            gdc_row(
                Tumor_Sample_Barcode="PT2-T", FILTER="PASS", t_ref_count="60", t_alt_count="40", **other_transcript
            ),
        ]
        path = write_maf(tmp_path / "f.maf", rows)
        germline = read(path, barcode="PT1-T", build="GRCh38")
        evidence = assess_tp53(germline, UNVERIFIED, cn=None, settings=SETTINGS, build="GRCh38")
        assert germline.variants[0].category == "germline" and evidence.status == "wild_type"
        other = read(path, barcode="PT2-T", build="GRCh38").variants[0]
        assert (other.hgvs_c, other.hgvs_p) == ("c.524G>A", "p.Arg175His")  # not the other transcript's text

    def test_splice_site_class_resolved_against_the_model(self, tmp_path):
        row = gdc_row(Tumor_Sample_Barcode="PT1-T", Start_Position="7675993", End_Position="7675993",
                      Variant_Classification="Splice_Site", Variant_Type="SNP", Reference_Allele="C",
                      Tumor_Seq_Allele1="C", Tumor_Seq_Allele2="T")  # fmt: skip
        (call,) = read(write_maf(tmp_path / "s.maf", [row]), barcode="PT1-T", build="GRCh38").variants
        assert (call.consequence, call.hgvs_c, call.annotation_source) == ("splice_donor", "c.375+1G>A", "MAF")

    def test_bad_counts_are_input_errors_with_line(self, tmp_path):
        rows = [gdc_row(Tumor_Sample_Barcode="PT1-T", t_ref_count="10", t_alt_count="ten", **R175H_38)]
        with pytest.raises(InputError) as err:
            read(write_maf(tmp_path / "b.maf", rows), barcode="PT1-T", build="GRCh38")
        assert (err.value.code, err.value.line, err.value.field) == ("maf_value_invalid", 4, "t_alt_count")
        rows = [gdc_row(Tumor_Sample_Barcode="PT1-T", t_depth="10", t_alt_count="12", **R175H_38)]
        with pytest.raises(InputError):
            read(write_maf(tmp_path / "c.maf", rows), barcode="PT1-T", build="GRCh38")

    def test_bad_start_position_only_fails_that_sample(self, tmp_path):
        rows = [
            gdc_row(Tumor_Sample_Barcode="PT1-T", **{**R175H_38, "Start_Position": "7,675,088"}),
            gdc_row(Tumor_Sample_Barcode="PT2-T", **R175H_38),
        ]
        path = write_maf(tmp_path / "p.maf", rows)
        with pytest.raises(InputError) as err:
            read(path, barcode="PT1-T", build="GRCh38")
        assert err.value.field == "Start_Position"
        assert read(path, barcode="PT2-T", build="GRCh38").variants[0].hgvs_p == "p.Arg175His"

    def test_header_without_required_columns(self, tmp_path):
        bad = tmp_path / "x.maf"
        bad.write_text("Hugo_Symbol\tTumor_Sample_Barcode\tChromosome\nTP53\tPT1\t17\n")
        with pytest.raises(InputError) as err:
            read(bad, barcode="PT1")
        assert err.value.code == "maf_header_invalid"
        assert "Start_Position".lower() in str(err.value).lower()
