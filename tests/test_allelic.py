"""Allele-specific copy number (mdm2screen.cn.allelic): what each reader puts in Segment.major_cn /
minor_cn, the readers' checks of those values, and loss of heterozygosity over TP53.

Real files (tests/data/cn/README.md, resources/demo/data): PURPLE somatic segments (hmftools ORANGE test
run, LACHESIS NB-S-599-T, umccr/gpgr; old-style .purple.cnv without alleles), ASCAT-shaped PCGR cna.tsv,
FACETS and CNVkit `call` output for HCC2218 (umccr/vcf_stuff), and the Sequenza file built to
sequenza.results() (tests/data/cn/spec). LOH threshold 0.5: hmftools purple LohCalcs.MIN_LOH_CN
(minorAlleleCopyNumber < 0.5 is LOH).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import CNVKIT, GPGR, HMF, LACHESIS, PCGR, SPEC, VCFSTUFF

from mdm2screen.cn import read_copy_number
from mdm2screen.cn.allelic import AlleleChecks, loh_over
from mdm2screen.cn.read import cache_clear
from mdm2screen.model import Segment
from mdm2screen.reference import gene_locus

PURPLE_LOH = 0.5  # hmftools purple LohCalcs.MIN_LOH_CN


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear()
    yield
    cache_clear()


def tp53_loh(path: Path, build: str, **kwargs):
    profile = read_copy_number(path, build=build, **kwargs)
    locus = gene_locus("TP53", build)
    return profile, loh_over(profile.segments, locus.chrom, locus.start, locus.end, max_minor_cn=PURPLE_LOH)


def segment(start: int, end: int, minor: float | None, major: float | None = 1.0, chrom: str = "17", line=None):
    total = (major or 0) + (minor or 0)
    return Segment(chrom, start, end, total, "copy_number", total, None, major, minor, line)


# --------------------------------------------------------------------------- real files, one per caller


class TestRealFiles:
    def test_purple_retained(self):
        profile, call = tp53_loh(HMF / "tumor_sample.purple.cnv.somatic.tsv", "GRCh37")
        assert call.state == "no_loh" and call.min_minor_cn == pytest.approx(0.9795)
        assert call.retained_bp == call.length == 19137 and [s.line for s in call.segments] == [177]
        # Line 173 (a homozygous deletion): majorAlleleCopyNumber -0.0117 is clamped, and said so once.
        clamped = [s for s in profile.segments if s.line == 173][0]
        assert (clamped.major_cn, clamped.minor_cn) == (0.0, 0.0)
        assert any("clamped to 0 on 1 row(s) (line 173)" in n for n in profile.notes)

    def test_purple_fractional_minor_allele_below_half_is_loh(self):
        # LACHESIS NB-S-599-T (GRCh38): chr17:1-24,849,829 copyNumber 1.07, minor 0.0679.
        _, call = tp53_loh(LACHESIS / "NB-S-599-T.purple.cnv.somatic.tsv", "GRCh38")
        assert call.state == "loh" and call.min_minor_cn == pytest.approx(0.0679) and call.homozygous_loss_bp == 0
        _, retained = tp53_loh(GPGR / "purple.cnv.somatic.tsv", "GRCh38")
        assert retained.state == "no_loh" and retained.min_minor_cn == pytest.approx(0.9655)

    @pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
    def test_ascat_shaped_copy_neutral_loh(self, build):
        # PCGR T001-BRCA cna.tsv: TP53 in 17:1,948,601-8,604,495 (GRCh37), nMajor 2, nMinor 0.
        profile, call = tp53_loh(PCGR / f"T001-BRCA.{build.lower()}.cna.tsv", build)
        assert profile.format == "ascat" and call.state == "loh" and call.min_minor_cn == 0
        (used,) = call.segments
        assert (used.major_cn, used.minor_cn, used.copy_number) == (2, 0, 2)

    def test_facets_loh_and_na_lesser_copy_number(self):
        profile, call = tp53_loh(VCFSTUFF / "HCC2218_facets_cncf.tsv", "GRCh37")
        assert call.state == "loh" and [s.line for s in call.segments] == [43]
        assert (call.segments[0].major_cn, call.segments[0].minor_cn) == (1, 0)
        na = [s for s in profile.segments if s.line == 42][0]  # lcn.em NA: unknown, never 0
        assert na.copy_number == 2 and na.minor_cn is None and na.major_cn is None
        unknown = loh_over(profile.segments, "17", 6157, 456737, max_minor_cn=PURPLE_LOH)
        assert unknown.state == "unknown" and unknown.no_allele_data_bp == 456737 - 6157 + 1

    def test_cnvkit_call_alleles(self):
        profile, call = tp53_loh(VCFSTUFF / "HCC2218_cnvkit-call.cns", "GRCh37")
        assert call.state == "loh" and [s.line for s in call.segments] == [101]
        assert profile.segments[0].minor_cn is None  # empty cn1/cn2 where CNVkit had no BAF

    def test_sequenza_gap_makes_loh_unknown(self):
        # Built to sequenza.results(): 17:7,578,100-7,585,000 CNt 0, A 0, B 0, with gaps on both sides.
        _, call = tp53_loh(SPEC / "sequenza_sample_segments.txt", "GRCh37")
        assert call.state == "unknown" and call.unobserved_bp == 148
        assert call.loh_bp == call.homozygous_loss_bp == 6901 and call.retained_bp == 12088
        assert "148 bp covered by no segment" in call.reason
        assert [p.state for p in call.pieces] == ["retained", "unobserved", "loh", "unobserved", "retained"]

    @pytest.mark.parametrize(
        "path", [VCFSTUFF / "HCC2218_purple.cnv.tsv", CNVKIT / "cl_seq.cns"], ids=["old-purple", "cnvkit-without-call"]
    )
    def test_files_without_allele_values_give_unknown(self, path):
        _, call = tp53_loh(path, "GRCh37")
        assert call.state == "unknown" and call.min_minor_cn is None and call.no_allele_data_bp == call.length


# --------------------------------------------------------------------------- reader checks


class TestReaderChecks:
    def test_purple_row_whose_alleles_contradict_its_copy_number(self, tmp_path):
        text = (HMF / "tumor_sample.purple.cnv.somatic.tsv").read_text().splitlines()
        fields = text[176].split("\t")  # line 177, chromosome 17
        fields[14], fields[15] = "2.5", "0.4"  # minor above major
        text[176] = "\t".join(fields)
        path = tmp_path / "p.purple.cnv.somatic.tsv"
        path.write_text("\n".join(text) + "\n")
        profile, call = tp53_loh(path, "GRCh37")
        row = [s for s in profile.segments if s.line == 177][0]
        assert row.copy_number == pytest.approx(2.9946) and row.major_cn is None and row.minor_cn is None
        assert call.state == "unknown"
        assert any(
            "not used on 1 row(s) (line 177): the minor allele's copy number is above the major's" in n
            for n in profile.notes
        )

    def test_facets_lesser_copy_number_above_half_the_total(self, tmp_path):
        text = (
            (VCFSTUFF / "HCC2218_facets_cncf.tsv")
            .read_text()
            .replace("463696\t21828401\t0.958261957063053\t1\t0", "463696\t21828401\t0.958261957063053\t1\t1", 1)
        )
        path = tmp_path / "f_cncf.tsv"
        path.write_text(text)
        profile, call = tp53_loh(path, "GRCh37")
        assert call.state == "unknown" and call.segments[0].copy_number == 1
        assert any("(line 43): the minor allele's copy number is above the major's" in n for n in profile.notes)

    def test_sequenza_alleles_not_adding_up_to_cnt(self, tmp_path):
        text = (SPEC / "sequenza_sample_segments.txt").read_text().replace("-0.0001", "x")
        text = text.replace('"17"\t6128\t7578000\t0.4801\t420\t0.0902\t0.9912\t5312\t0.2511\t2\t1\t1', '"17"\t6128\t7578000\t0.4801\t420\t0.0902\t0.9912\t5312\t0.2511\t2\t3\t1')  # fmt: skip
        path = tmp_path / "s_segments.txt"
        path.write_text(text)
        profile = read_copy_number(path, build="GRCh37")
        row = [s for s in profile.segments if s.line == 5][0]
        assert row.copy_number == 2 and row.minor_cn is None
        assert any("major + minor allele copy numbers are not the total" in n for n in profile.notes)

    def test_cnvkit_alleles_not_adding_up_to_cn(self, tmp_path):
        lines = (VCFSTUFF / "HCC2218_cnvkit-call.cns").read_text().splitlines()
        fields = lines[100].split("\t")
        assert fields[:2] == ["17", "505032"]
        fields[7], fields[8] = "3", "0"  # cn is 1
        lines[100] = "\t".join(fields)
        path = tmp_path / "c.call.cns"
        path.write_text("\n".join(lines) + "\n")
        _, call = tp53_loh(path, "GRCh37")
        assert call.state == "unknown" and call.segments[0].copy_number == 1

    def test_ascat_minor_above_major_keeps_the_total(self, tmp_path):
        text = (
            (PCGR / "T001-BRCA.grch37.cna.tsv")
            .read_text()
            .replace("17\t1948601\t8604495\t2\t0", "17\t1948601\t8604495\t0\t2")
        )
        path = tmp_path / "a.cna.tsv"
        path.write_text(text)
        _, call = tp53_loh(path, "GRCh37")
        assert call.state == "unknown" and call.segments[0].copy_number == 2

    def test_allele_checks(self):
        checks = AlleleChecks()
        assert checks.check(1, 2.0, 0.0, total=2.0) == (2.0, 0.0)
        assert checks.check(2, -0.2, 0.0) == (0.0, 0.0)
        assert checks.check(3, 1.0, -0.7) == (None, None)
        assert checks.check(4, 1.0, 2.0) == (None, None)
        assert checks.check(5, 1.0, 1.0, total=4.0) == (None, None)
        assert checks.check(6, None, 0.0) == (None, 0.0)
        assert checks.check(7, 1.0, None, total=1.0) == (1.0, None)
        notes = checks.notes()
        assert notes[0].startswith("allele copy numbers slightly below 0 clamped to 0 on 1 row(s) (line 2)")
        assert len(notes) == 4 and all("LOH there is unknown" in n for n in notes[1:])


# --------------------------------------------------------------------------- loh_over itself


class TestLohOver:
    def test_threshold_is_strict(self):
        at = loh_over([segment(1, 100, 0.5)], "17", 1, 100, max_minor_cn=0.5)
        below = loh_over([segment(1, 100, 0.49)], "17", 1, 100, max_minor_cn=0.5)
        assert (at.state, below.state) == ("no_loh", "loh")

    def test_mixed(self):
        call = loh_over(
            [segment(1, 60, 0.0, 2.0, line=5), segment(61, 100, 1.0, line=6)], "chr17", 1, 100, max_minor_cn=0.5
        )
        assert call.state == "mixed" and (call.loh_bp, call.retained_bp) == (60, 40) and call.chrom == "17"
        assert [(p.start, p.end, p.state, p.lines) for p in call.pieces] == [
            (1, 60, "loh", (5,)),
            (61, 100, "retained", (6,)),
        ]

    def test_unobserved_or_unknown_parts_make_it_unknown(self):
        gap = loh_over([segment(1, 40, 0.0), segment(51, 100, 0.0)], "17", 1, 100, max_minor_cn=0.5)
        assert gap.state == "unknown" and gap.unobserved_bp == 10 and gap.loh_bp == 90
        missing = loh_over([segment(1, 50, 0.0), segment(51, 100, None)], "17", 1, 100, max_minor_cn=0.5)
        assert missing.state == "unknown" and missing.no_allele_data_bp == 50
        nan = loh_over([segment(1, 100, math.nan)], "17", 1, 100, max_minor_cn=0.5)
        assert nan.state == "unknown" and nan.min_minor_cn is None
        nothing = loh_over([segment(1, 100, 0.0, chrom="12")], "17", 1, 100, max_minor_cn=0.5)
        assert nothing.state == "unknown" and nothing.unobserved_bp == 100 and nothing.segments == ()

    def test_overlapping_segments_that_disagree(self):
        call = loh_over([segment(1, 80, 0.0), segment(50, 100, 1.0)], "17", 1, 100, max_minor_cn=0.5)
        assert call.state == "unknown" and call.no_allele_data_bp == 31
        assert "31 bp where overlapping segments disagree" in call.reason

    def test_homozygous_loss_is_loh_counted_apart(self):
        call = loh_over([segment(1, 30, 0.0, 0.0), segment(31, 100, 0.0, 1.0)], "17", 1, 100, max_minor_cn=0.5)
        assert call.state == "loh" and call.homozygous_loss_bp == 30

    def test_clipped_to_the_region(self):
        call = loh_over([segment(1, 10_000, 0.0)], "17", 500, 600, max_minor_cn=0.5)
        assert call.loh_bp == 101 and call.pieces[0].start == 500 and call.pieces[0].end == 600
        json.dumps(call.to_dict(), allow_nan=False)

    @pytest.mark.parametrize(
        ("start", "end", "threshold"), [(0, 10, 0.5), (10, 9, 0.5), (1, 10, 0.0), (1, 10, math.inf)]
    )
    def test_bad_arguments(self, start, end, threshold):
        with pytest.raises(ValueError):
            loh_over([], "17", start, end, max_minor_cn=threshold)
