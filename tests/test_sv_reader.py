"""Structural-variant VCFs (mdm2screen.variants.sv): real caller output and files built to the callers'
documented layouts (tests/data/sv/ATTRIBUTION.md), and VCFs written here for the edge cases.

Notation follows the VCF 4.2 specification (samtools.github.io/hts-specs/VCFv4.2.pdf): section 1.4.5
(SVTYPE, END, SVLEN, CIPOS, CIEND, MATEID, IMPRECISE), 5.3 (symbolic alleles) and 5.4 (breakends). TP53
coordinates: resources/reference/tp53_exons.tsv (GRCh37 intron 1 = 7,579,941-7,590,694; GRCh38 intron 1 =
7,676,623-7,687,376).
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import shutil
from pathlib import Path

import pysam
import pytest

from mdm2screen.errors import InputError
from mdm2screen.variants.sv import (
    Breakend,
    StructuralVariant,
    choose_sv_samples,
    classify_tp53_sv,
    iter_classified,
    junction_of,
    parse_breakend,
    place,
    read_structural_variants,
    sv_region,
    tp53_exons,
)
from mdm2screen.variants.transcript import tp53_model

DATA = Path(__file__).parent / "data" / "sv"
SPEC = DATA / "spec"
HMF = DATA / "hartwigmedical_hmftools"
CALLERS = DATA / "GooglingTheCancerGenome_sv-callers"
MARGIN = 8  # tp53.splice_region_bases' default, the margin calls.py uses for SVs in the small-variant VCF
CHR17 = {"GRCh37": 81_195_210, "GRCh38": 83_257_441}


def read(path, build="GRCh37", flank=2_000, **kwargs):
    return read_structural_variants(path, build=build, region=sv_region(build, flank), **kwargs)


def kinds(source, build):
    exons = tp53_exons(build)
    return [(sv.pos, classify_tp53_sv(sv, exons, splice_margin=MARGIN).kind) for sv in source.variants]


def write_vcf(path: Path, records: list[str], *, contigs=(("17", CHR17["GRCh37"]),), samples=("TUMOR",),
              extra_header=(), fileformat="VCFv4.2") -> Path:  # fmt: skip
    header = [f"##fileformat={fileformat}"]
    header += [f"##contig=<ID={name},length={length}>" for name, length in contigs]
    header += [
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End">',
        '##INFO=<ID=SVLEN,Number=.,Type=Integer,Description="Length">',
        '##INFO=<ID=MATEID,Number=.,Type=String,Description="Mate">',
        '##INFO=<ID=CIPOS,Number=2,Type=Integer,Description="CI">',
        '##INFO=<ID=IMPRECISE,Number=0,Type=Flag,Description="Imprecise">',
        '##FORMAT=<ID=PR,Number=.,Type=Integer,Description="Pairs ref,alt">',
        '##FORMAT=<ID=SR,Number=.,Type=Integer,Description="Split reads ref,alt">',
        '##ALT=<ID=DEL,Description="Deletion">',
        *extra_header,
    ]
    columns = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"] + (
        ["FORMAT", *samples] if samples else []
    )
    path.write_text("\n".join([*header, "\t".join(columns), *records]) + "\n")
    return path


# --------------------------------------------------------------------------- real caller output


class TestRealFiles:
    def test_icgc_deletion_over_tp53_coding_exons_10_and_11(self):
        # PD4116 (ICGC BRCA-EU, REF=ALT=A, type in SVTYPE): 17:7570409 DEL END=7575064.
        source = read(HMF / "PD4116_sv.vcf.gz")
        assert source.tumour_sample == "DO224602" and source.sample_choice == "the only sample column"
        assert source.records == 256 and source.records_on_chrom == 11 and source.caller is None
        (sv,) = source.variants
        assert (sv.svtype, sv.notation, sv.chrom, sv.pos, sv.end, sv.mate) == (
            "DEL",
            "info_only",
            "17",
            7570409,
            7575064,
            None,
        )
        assert sv.filter_status == "pass" and sv.ids == ()
        result = classify_tp53_sv(sv, tp53_exons("GRCh37"), splice_margin=MARGIN)
        assert result.kind == "deletion_over_coding_exons" and result.effect == "disrupting"
        assert result.exons == (10, 11)
        assert result.breakpoints == ((7570409, "downstream (3')"), (7575064, "intron 9"))

    def test_icgc_translocation_partner_from_chr2_and_end(self):
        # 1:22672040 SVTYPE=TRA CHR2=7 END=121612622; 1:112132769 CHR2=8 END=95660232 (END below POS: htslib drops
        # it, the reader takes it from the record's text).
        for chrom, pos, origin in (("7", 121612622, 22672040), ("8", 95660232, 112132769)):
            source = read_structural_variants(
                HMF / "PD4116_sv.vcf.gz", build="GRCh37", region=(chrom, pos - 10, pos + 10)
            )
            (sv,) = source.variants
            assert (sv.chrom, sv.pos, sv.svtype, sv.svtype_stated) == ("1", origin, "BND", "TRA")
            assert sv.mate == Breakend(chrom, pos) and sv.junction == "translocation" and sv.end is None

    def test_manta_demo_never_looked_at_chromosome_17(self):
        source = read(DATA / "Illumina_manta" / "somaticSV.vcf.gz")
        assert source.variants == [] and source.records == 6 and source.records_on_chrom == 0
        assert source.chrom_declared is False and source.region_excluded is True
        assert source.run_regions == ("8:107652000-107655000", "11:94974000-94989000")
        assert source.caller == "Manta 1.4.0-1-g1f363ea-dirty"
        assert any("not on the region" in n for n in source.notes)
        # Two BAM-named columns and nothing saying which is the tumour: no support, never a guess.
        assert source.tumour_sample is None and any("nothing says which is the tumour" in n for n in source.notes)

    def test_manta_pair_is_reported_once_with_support_from_the_named_tumour(self):
        source = read_structural_variants(
            DATA / "Illumina_manta" / "somaticSV.vcf.gz", build="GRCh37", region=("8", 107653400, 107653420),
            tumor_sample="HCC1954",
        )  # fmt: skip
        (sv,) = source.variants
        assert sv.ids == ("MantaBND:0:0:2:0:0:0:1", "MantaBND:0:0:2:0:0:0:0")
        assert sv.mate == Breakend("11", 94987872) and sv.orientation == "]p]t" and sv.junction == "translocation"
        assert sv.mate_filters == ("PASS",) and sv.somatic_score == 35
        assert source.normal_sample == "HCC1954_BL"
        assert (sv.tumour.alt_pairs, sv.tumour.alt_split_reads, sv.tumour.ref_pairs, sv.tumour.ref_reads) == (
            4,
            19,
            489,
            520,
        )
        assert (sv.normal.alt_pairs, sv.normal.alt_split_reads) == (0, 0) and sv.tumour.fields == ("PR", "SR")

    def test_hcc2218_manta_multi_value_filter_and_tandem_duplication(self):
        path = DATA / "umccr_vcf_stuff" / "HCC2218_manta.vcf"
        assert read(path).variants == [] and read(path).records_on_chrom == 13  # TP53 untouched
        source = read_structural_variants(path, build="GRCh37", region=("17", 57909900, 57910000))
        # Events spanning the window are there too: a 31.8 Mb DEL and two INVs reach across it.
        assert [(v.svtype, v.pos) for v in source.variants] == [
            ("DEL", 26875648), ("INV", 47524043), ("INV", 57733045), ("BND", 57909960)
        ]  # fmt: skip
        sv = source.variants[-1]
        assert sv.filters == ("BPI_MinDepth", "BPI_PRSupportZero", "MinSomaticScore")
        assert sv.filter_status == "filtered" and sv.mate == Breakend("X", 24148804)
        assert source.caller == "Manta 1.2.1 + BPI 1.5"
        (dup,) = read_structural_variants(path, build="GRCh37", region=("14", 106471426, 106471426)).variants
        assert (dup.svtype, dup.notation, dup.end) == ("DUP", "symbolic", 107282972)

    def test_manta_pair_across_chromosomes_keeps_the_record_in_the_region(self):
        path = DATA / "umccr_vcf_stuff" / "HCC2218_manta.vcf"
        source = read_structural_variants(path, build="GRCh37", region=("17", 72663000, 72663100))
        (sv,) = [v for v in source.variants if v.svtype == "BND"]
        assert (sv.chrom, sv.pos, sv.ids[0]) == ("17", 72663037, "MantaBND:1596:0:1:0:0:0:0")
        assert sv.mate == Breakend("1", 228158942)

    def test_grch38_chr_prefixed_manta_and_build_mismatch(self):
        path = DATA / "umccr_gpgr" / "manta.vcf.gz"
        source = read(path, "GRCh38")
        assert source.variants == [] and source.records == 235 and source.records_on_chrom == 3
        assert source.tumour_sample == "CCR170115b_MH17T002P033"
        assert source.caller == "Manta 1.5.0 + BPI 1.5 + PURPLE 2.37"
        with pytest.raises(InputError) as err:
            read(path, "GRCh37")
        assert err.value.code == "build_mismatch"

    def test_esvee_breakend_notation_with_svtype_deletion(self):
        # ESVEE writes DEL/DUP/INV as breakend pairs; SVTYPE says what they are. Nearest to TP53: a PON deletion
        # at 17:6,422,501-6,422,669, 1.15 Mb away.
        path = HMF / "tumor_sample.purple.sv.vcf"
        assert read(path).variants == []
        source = read(path, flank=1_200_000, tumor_sample="tumor_sample")
        (sv,) = source.variants
        assert (sv.svtype, sv.notation, sv.junction, sv.pos, sv.mate) == (
            "DEL",
            "breakend",
            "DEL",
            6422501,
            Breakend("17", 6422669),
        )
        assert (
            sv.filter_status == "filtered"
            and sv.mate_filters == ("PON",)
            and source.caller == "ESVEE 1.0.2 + PURPLE 4.1"
        )
        assert source.normal_sample == "ref_sample" and sv.tumour is not None and sv.tumour.alt_fragments is not None
        assert classify_tp53_sv(sv, tp53_exons("GRCh37"), splice_margin=MARGIN).kind == "outside"

    def test_gridss_breakend_pair_read_as_a_deletion_and_single_breakend(self):
        path = HMF / "COLO829v003T.purple.sv.vcf.gz"
        assert read(path).variants == []
        source = read_structural_variants(
            path, build="GRCh37", region=("1", 118516000, 118517000), tumor_sample="COLO829v003T.bam"
        )
        (sv,) = source.variants
        assert sv.ids == ("gridss47fb_486o", "gridss47fb_486h") and sv.junction == "DEL" and sv.svtype == "BND"
        assert sv.qual == pytest.approx(3697.49) and sv.tumour.alt_fragments == 42 and sv.tumour.alt_split_reads == 4
        assert dict(sv.info_support)["VF"] == 42
        (single,) = read_structural_variants(
            path, build="GRCh37", region=("1", 145136259, 145136259), tumor_sample="COLO829v003T.bam"
        ).variants
        assert (single.notation, single.orientation, single.mate) == ("single_breakend", "single", None)
        assert single.tumour.alt_fragments == 36  # BVF: GRIDSS's VF is 0 for a single breakend
        assert source.caller == "GRIDSS 2.9.3-gridss + GRIPSS 1.8 + PURPLE 2.49"

    def test_delly_caller_from_svmethod_and_support(self):
        path = CALLERS / "delly.vcf"
        source = read(path, tumor_sample="COLO829T")
        assert source.variants == [] and source.records_on_chrom == 0 and source.caller == "DELLY v0.7.7"
        assert any("no record on chromosome 17" in n for n in source.notes)
        (sv,) = read_structural_variants(
            path, build="GRCh37", region=("1", 224782796, 224782796), tumor_sample="COLO829T"
        ).variants
        assert (sv.svtype, sv.end, sv.ci_pos, sv.ci_end, sv.imprecise) == ("DEL", 224786020, (-1, 1), (-1, 1), False)
        assert (sv.tumour.alt_pairs, sv.tumour.alt_split_reads, sv.tumour.ref_pairs, sv.tumour.ref_reads) == (
            107,
            26,
            201,
            101,
        )
        assert sv.tumour.sample_filter == "PASS" and dict(sv.info_support) == {"PE": 107, "SR": 10}

    def test_lumpy_without_contig_lines_near_misses(self):
        path = CALLERS / "lumpy.vcf"
        source = read(path)
        assert source.variants == [] and source.chrom_declared is None and source.region_excluded is False
        near = read(path, flank=200_000, tumor_sample="COLO829T")
        assert [(sv.pos, sv.svtype) for sv in near.variants] == [(7524011, "DEL"), (7751461, "BND")]
        deletion, breakend = near.variants
        assert deletion.imprecise and deletion.ci_end == (-846, 9) and deletion.tumour.alt_fragments == 5
        assert breakend.ids == ("4401_2", "4401_1") and breakend.mate == Breakend("2", 33141299)
        assert kinds(near, "GRCh37") == [(7524011, "outside"), (7751461, "outside")]


# --------------------------------------------------------------------------- files built to the callers' specifications


class TestSpecificationFiles:
    def test_manta_intron1_translocation_and_exon_deletions(self):
        source = read(SPEC / "manta_somatic_tp53.grch38.vcf", "GRCh38", tumor_sample="P01_T")
        assert source.normal_sample == "P01_N" and source.caller == "Manta 1.6.0"
        assert kinds(source, "GRCh38") == [
            (7674200, "deletion_over_coding_exons"),
            (7674700, "deletion_over_coding_exons"),
            (7675500, "within_intron"),
            (7680000, "breakend_in_gene"),
        ]
        exons = tp53_exons("GRCh38")
        sequence, symbolic, intronic, translocation = source.variants
        assert sequence.notation == "sequence" and sequence.end == 7674260
        assert classify_tp53_sv(sequence, exons, splice_margin=MARGIN).exons == (7,)
        assert classify_tp53_sv(symbolic, exons, splice_margin=MARGIN).exons == (5, 6)
        assert intronic.filter_status == "filtered" and intronic.imprecise and intronic.ci_pos == (-120, 120)
        result = classify_tp53_sv(translocation, exons, splice_margin=MARGIN)
        assert result.breakpoints == ((7680000, "intron 1"),) and "intron 1" in result.detail
        assert translocation.mate == Breakend("12", 68900001) and translocation.mate_filters == ("PASS",)
        assert (translocation.tumour.alt_pairs, translocation.tumour.alt_split_reads) == (11, 14)

    def test_delly_translocation_written_once_on_another_chromosome(self):
        source = read(SPEC / "delly_somatic_tp53.grch37.vcf", tumor_sample="P02T")
        assert source.caller == "DELLY v1.1.6" and source.normal_sample == "P02N"
        assert kinds(source, "GRCh37") == [
            (7560000, "duplication_of_whole_gene"),
            (7576950, "deletion_over_coding_exons"),
            (7591200, "breakend_near_gene"),
            (10000000, "breakend_in_gene"),
        ]
        translocation = source.variants[-1]
        assert (translocation.chrom, translocation.mate) == ("5", Breakend("17", 7585000))
        result = classify_tp53_sv(translocation, tp53_exons("GRCh37"), splice_margin=MARGIN)
        assert result.breakpoints == ((7585000, "intron 1"),) and result.effect == "disrupting"
        assert classify_tp53_sv(source.variants[1], tp53_exons("GRCh37"), splice_margin=MARGIN).exons == (7, 8)
        near = classify_tp53_sv(source.variants[2], tp53_exons("GRCh37"), splice_margin=MARGIN)
        assert near.effect == "uncertain" and source.variants[2].filter_status == "filtered"

    def test_gridss_deletion_as_breakend_pair_single_breakend_and_pon(self):
        source = read(SPEC / "gridss_gripss_tp53.grch37.vcf", normal_sample="P03R")
        assert source.tumour_sample == "P03T" and source.sample_choice == "the column that is not the normal (P03R)"
        assert kinds(source, "GRCh37") == [
            (7577900, "breakend_in_gene"),
            (7578300, "deletion_over_coding_exons"),
            (7579800, "breakend_in_gene"),
        ]
        single, deletion, pon = source.variants
        assert single.tumour.alt_fragments == 14 and single.notation == "single_breakend"
        assert deletion.junction == "DEL" and deletion.ids == ("gridss1_1o", "gridss1_1h")
        assert classify_tp53_sv(deletion, tp53_exons("GRCh37"), splice_margin=MARGIN).exons == (4, 5)
        assert (
            pon.filter_status == "filtered"
            and pon.mate_filters == ("PON",)
            and pon.mate == Breakend("3", 12345678, (-3, 3))
        )

    def test_svaba_tumour_column_from_its_source_line(self):
        source = read(SPEC / "svaba_somatic_tp53.grch38.vcf", "GRCh38")
        assert source.tumour_sample == "/data/P04_tumor.bam" and source.normal_sample == "/data/P04_normal.bam"
        assert source.sample_choice == "SvABA ##source -t argument" and source.caller == "SvABA 1.1.0"
        (sv,) = source.variants
        assert sv.junction == "INV" and sv.ids == ("31:1", "31:2")
        assert (sv.tumour.alt_fragments, sv.tumour.alt_pairs, sv.tumour.alt_split_reads) == (19, 11, 13)
        result = classify_tp53_sv(sv, tp53_exons("GRCh38"), splice_margin=MARGIN)
        assert result.kind == "breakend_in_gene" and result.breakpoints[0] == (7682000, "intron 1")
        wide = read(SPEC / "svaba_somatic_tp53.grch38.vcf", "GRCh38", flank=20_000)
        assert [sv.pos for sv in wide.variants] == [7682000, 7700000]
        assert wide.variants[1].filter_status == "filtered" and wide.variants[1].mate == Breakend("3", 60000000)

    def test_evidence_layer_transcript_model_classifies_the_same(self):
        source = read(SPEC / "delly_somatic_tp53.grch37.vcf")
        ours = [c.kind for _, c in iter_classified(source, tp53_exons("GRCh37"), splice_margin=MARGIN)]
        theirs = [c.kind for _, c in iter_classified(source, tp53_model("GRCh37"), splice_margin=MARGIN)]
        assert ours == theirs

    def test_results_serialise_to_json(self):
        source = read(SPEC / "manta_somatic_tp53.grch38.vcf", "GRCh38", tumor_sample="P01_T")
        text = json.dumps(source.to_dict(), allow_nan=False)
        assert '"filter_status": "pass"' in text and '"region_excluded": false' in text
        sv = source.variants[0]
        json.dumps(classify_tp53_sv(sv, tp53_exons("GRCh38"), splice_margin=MARGIN).to_dict())


# --------------------------------------------------------------------------- notation and classification


class TestNotation:
    @pytest.mark.parametrize(
        ("alt", "expected"),
        [
            ("G]17:198982]", ("t]p]", "17", 198982)),
            ("]13:123456]T", ("]p]t", "13", 123456)),
            ("C[2:321682[", ("t[p[", "2", 321682)),
            ("[17:198983[A", ("[p[t", "17", 198983)),
            ("A]HLA-A*01:01:01:01:120]", ("t]p]", "HLA-A*01:01:01:01", 120)),
            ("T[<ctg1>:7[", ("t[p[", "ctg1", 7)),
            ("<DEL>", None),
            ("ACGT", None),
        ],
    )
    def test_parse_breakend(self, alt, expected):
        assert parse_breakend(alt) == expected

    @pytest.mark.parametrize("alt", ["N[17:abc[", "N[17:100]", "N[17100[", "[17:5[N[", "N]:5]"])
    def test_malformed_breakend_is_refused(self, alt):
        with pytest.raises(ValueError, match="not breakend notation"):
            parse_breakend(alt)

    @pytest.mark.parametrize(
        ("orientation", "pos", "mate", "junction"),
        [("t[p[", 100, 500, "DEL"), ("t[p[", 500, 100, "DUP"), ("t[p[", 100, 101, "INS"), ("]p]t", 500, 100, "DEL"),
         ("]p]t", 100, 500, "DUP"), ("]p]t", 101, 100, "INS"), ("t]p]", 100, 500, "INV"), ("[p[t", 100, 500, "INV")],
    )  # fmt: skip
    def test_junction_from_orientation(self, orientation, pos, mate, junction):
        assert junction_of(orientation, pos, mate) == junction

    @pytest.mark.parametrize(
        ("pos", "where"),
        [(7590856, "exon 1"), (7585000, "intron 1"), (7579839, "exon 2"), (7571720, "exon 11"), (7600000, "upstream (5')"),
         (7571719, "downstream (3')"), (7573500, "intron 10")],
    )  # fmt: skip
    def test_place_on_the_minus_strand_gene(self, pos, where):
        assert place(pos, tp53_exons("GRCh37")) == where


def sv(**fields) -> StructuralVariant:
    base = dict(
        ids=(), svtype="DEL", svtype_stated="DEL", notation="symbolic", chrom="17", pos=1, end=None, sized=True,
        mate=None, orientation=None, junction=None, filters=("PASS",), qual=None, imprecise=False, ci_pos=None,
        ci_end=None, somatic_score=None, info_support=(), tumour=None, normal=None, event=None, line=None,
    )  # fmt: skip
    base.update(fields)
    return StructuralVariant(**base)


class TestClassification:
    exons = tp53_exons("GRCh37")

    def kind(self, variant, margin=MARGIN):
        return classify_tp53_sv(variant, self.exons, splice_margin=margin).kind

    def test_deletion_of_the_whole_gene_removes_every_coding_exon(self):
        result = classify_tp53_sv(sv(pos=7500000, end=7700000), self.exons, splice_margin=MARGIN)
        assert result.kind == "deletion_over_coding_exons" and result.exons == tuple(range(2, 12))

    def test_deletion_of_exon_1_only_is_a_breakpoint_in_the_gene(self):
        # Upstream into intron 1: no coding base, but the promoter and exon 1 are gone.
        assert self.kind(sv(pos=7589000, end=7595000)) == "breakend_in_gene"

    def test_intronic_events_and_the_splice_margin(self):
        assert self.kind(sv(pos=7580000, end=7580500)) == "within_intron"  # intron 1
        assert self.kind(sv(svtype="DUP", pos=7580000, end=7580500)) == "within_intron"
        # A deletion ending 5 bases before exon 2 (7,579,940) is inside the 8-base margin: a breakpoint in the gene.
        assert self.kind(sv(pos=7579944, end=7580500)) == "breakend_in_gene"
        assert self.kind(sv(pos=7579944, end=7580500), margin=2) == "within_intron"

    def test_insertions(self):
        assert self.kind(sv(svtype="INS", pos=7577550, end=7577550)) == "breakend_in_gene"  # exon 7
        assert self.kind(sv(svtype="INS", pos=7585000, end=7585000)) == "within_intron"

    def test_events_holding_the_whole_gene(self):
        assert self.kind(sv(svtype="DUP", pos=7500000, end=7700000)) == "duplication_of_whole_gene"
        assert self.kind(sv(svtype="INV", pos=7500000, end=7700000)) == "spans_whole_gene"

    def test_unknown_extent(self):
        assert self.kind(sv(pos=7500000, end=None, sized=False)) == "extent_unknown"
        assert self.kind(sv(pos=7580000, end=None, sized=False)) == "breakend_in_gene"
        assert self.kind(sv(pos=7700000, end=None, sized=False)) == "outside"

    def test_breakends(self):
        translocation = sv(
            svtype="BND", notation="breakend", pos=7585000, mate=Breakend("5", 100), junction="translocation"
        )
        assert self.kind(translocation) == "breakend_in_gene"
        from_elsewhere = sv(svtype="BND", chrom="5", pos=100, mate=Breakend("17", 7585000), junction="translocation")
        assert self.kind(from_elsewhere) == "breakend_in_gene"
        elsewhere = sv(svtype="BND", chrom="5", pos=100, mate=Breakend("9", 100), junction="translocation")
        assert self.kind(elsewhere) == "outside"
        # An inversion-type pair around the whole gene: both ends outside.
        around = sv(svtype="BND", pos=7500000, mate=Breakend("17", 7700000), junction="INV", orientation="t]p]")
        assert self.kind(around) == "spans_whole_gene"

    def test_confidence_interval_reaching_the_gene(self):
        assert (
            self.kind(sv(svtype="BND", pos=7591000, mate=Breakend("5", 1), ci_pos=(-200, 200))) == "breakend_near_gene"
        )
        assert self.kind(sv(svtype="BND", pos=7591000, mate=Breakend("5", 1), ci_pos=(-100, 100))) == "outside"
        assert (
            self.kind(sv(svtype="BND", chrom="5", pos=1, mate=Breakend("17", 7591000, (-200, 0))))
            == "breakend_near_gene"
        )

    def test_negative_margin_is_refused(self):
        with pytest.raises(ValueError):
            classify_tp53_sv(sv(pos=1, end=2), self.exons, splice_margin=-1)


# --------------------------------------------------------------------------- file handling and errors


class TestFiles:
    def records(self):
        return [
            "17\t7579000\tdel1\tN\t<DEL>\t.\tPASS\tSVTYPE=DEL;END=7579800\tPR:SR\t10,4:12,3",
            "17\t7585000\tbnd1\tN\tN[12:1000[\t.\tPASS\tSVTYPE=BND;MATEID=bnd2\tPR:SR\t10,4:12,3",
        ]

    def test_zero_records(self, tmp_path):
        source = read(write_vcf(tmp_path / "empty.vcf", []))
        assert source.variants == [] and source.records == 0 and source.records_on_chrom == 0
        assert source.chrom_declared is True and source.region_excluded is False

    def test_empty_and_missing_files(self, tmp_path):
        (tmp_path / "zero.vcf").write_bytes(b"")
        for name, code in (("zero.vcf", "input_empty"), ("absent.vcf", "input_missing")):
            with pytest.raises(InputError) as err:
                read(tmp_path / name)
            assert err.value.code == code

    def test_malformed_record_is_reported_with_its_line(self, tmp_path):
        path = write_vcf(
            tmp_path / "bad.vcf", [self.records()[0], "17\tabc\tx\tN\t<DEL>\t.\tPASS\tSVTYPE=DEL;END=9\tPR\t1,1"]
        )
        with pytest.raises(InputError) as err:
            read(path)
        assert err.value.code == "vcf_unreadable" and err.value.line == 14 and "abc" in str(err.value.found)

    @pytest.mark.parametrize(("alt", "info"), [("N[12:1x00[", "SVTYPE=BND"), ("<>", "END=7585100")])
    def test_malformed_alt_is_reported_with_its_line_and_field(self, tmp_path, alt, info):
        path = write_vcf(tmp_path / "bnd.vcf", [f"17\t7585000\tb\tN\t{alt}\t.\tPASS\t{info}\tPR\t1,1"])
        with pytest.raises(InputError) as err:
            read(path)
        assert (err.value.code, err.value.line, err.value.field) == ("vcf_unreadable", 13, "ALT")

    @pytest.mark.parametrize(
        ("info", "sample", "field"),
        [
            ("SVTYPE=DEL;END=7579800", "10,-4:12,3", "FORMAT/PR"),
            ("SVTYPE=DEL;END=7579800;CIPOS=10,-10", "1,1:1,1", "INFO/CIPOS"),
        ],
    )
    def test_impossible_values(self, tmp_path, info, sample, field):
        path = write_vcf(tmp_path / "v.vcf", [f"17\t7579000\td\tN\t<DEL>\t.\tPASS\t{info}\tPR:SR\t{sample}"])
        with pytest.raises(InputError) as err:
            read(path)
        assert (err.value.code, err.value.field, err.value.line) == ("vcf_value_invalid", field, 13)

    def test_translocation_without_partner_position(self, tmp_path):
        path = write_vcf(
            tmp_path / "t.vcf", ["17\t7585000\tt\tN\t<TRA>\t.\tPASS\tSVTYPE=TRA;CHR2=5\tPR\t1,1"],
            extra_header=['##INFO=<ID=CHR2,Number=1,Type=String,Description="Partner chromosome">'],
        )  # fmt: skip
        with pytest.raises(InputError) as err:
            read(path)
        assert err.value.code == "vcf_unreadable" and err.value.field == "INFO/CHR2"

    @pytest.mark.parametrize(
        ("build", "prefix"), [("GRCh37", ""), ("GRCh37", "chr"), ("GRCh38", ""), ("GRCh38", "chr")]
    )
    def test_contig_naming_in_both_builds(self, tmp_path, build, prefix):
        start = 7676000 if build == "GRCh38" else 7579000
        path = write_vcf(
            tmp_path / "n.vcf",
            [f"{prefix}17\t{start}\td\tN\t<DEL>\t.\tPASS\tSVTYPE=DEL;END={start + 500}\tPR\t3,3",
             f"{prefix}12\t1000\tb2\tN\t]{prefix}17:{start + 9000}]N\t.\tPASS\tSVTYPE=BND\tPR\t3,3"],
            contigs=((f"{prefix}17", CHR17[build]), (f"{prefix}12", 133851895 if build == "GRCh37" else 133275309)),
        )  # fmt: skip
        source = read(path, build)
        assert [(v.chrom, v.pos) for v in source.variants] == [("17", start), ("12", 1000)]
        assert source.variants[1].mate == Breakend("17", start + 9000) and source.chrom_declared is True

    def test_contigs_missing_from_the_header(self, tmp_path):
        source = read(write_vcf(tmp_path / "nc.vcf", self.records(), contigs=()))
        assert [v.pos for v in source.variants] == [7579000, 7585000] and source.chrom_declared is None

    def test_position_past_the_chromosome_end_is_a_build_mismatch(self, tmp_path):
        path = write_vcf(
            tmp_path / "p.vcf", ["17\t83000000\td\tN\t<DEL>\t.\tPASS\tSVTYPE=DEL;END=83000100\tPR\t1,1"], contigs=()
        )
        with pytest.raises(InputError) as err:
            read(path)
        assert err.value.code == "build_mismatch" and err.value.line == 12

    def test_unknown_build(self, tmp_path):
        with pytest.raises(InputError) as err:
            read_structural_variants(write_vcf(tmp_path / "u.vcf", []), build="hg18", region=("17", 1, 2))
        assert err.value.code == "build_unknown"

    def test_compressed_bom_and_bcf_forms_read_alike(self, tmp_path):
        plain = write_vcf(tmp_path / "a.vcf", self.records())
        expected = [dataclasses.replace(v, line=None) for v in read(plain).variants]
        gz = tmp_path / "a.gz.vcf.gz"
        gz.write_bytes(gzip.compress(plain.read_bytes()))
        bom = tmp_path / "bom.vcf"
        bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
        bgz = tmp_path / "b.vcf.gz"
        pysam.tabix_compress(str(plain), str(bgz))
        bcf = tmp_path / "a.bcf"
        with pysam.VariantFile(str(plain)) as vin, pysam.VariantFile(str(bcf), "wb", header=vin.header) as vout:
            for rec in vin:
                vout.write(rec)
        for path in (gz, bom, bgz, bcf):
            assert [dataclasses.replace(v, line=None) for v in read(path).variants] == expected, path

    def test_truncated_files_are_refused(self, tmp_path):
        plain = write_vcf(tmp_path / "a.vcf", self.records())
        cut = tmp_path / "cut.vcf"
        cut.write_bytes(plain.read_bytes()[:-5])
        bgz = tmp_path / "a.vcf.gz"
        pysam.tabix_compress(str(plain), str(bgz))
        short = tmp_path / "short.vcf.gz"
        short.write_bytes(bgz.read_bytes()[:-28])
        for path in (cut, short):
            with pytest.raises(InputError) as err:
                read(path)
            assert err.value.code == "vcf_truncated"


class TestIndex:
    def indexed(self, tmp_path, source: Path) -> Path:
        copy = tmp_path / source.name
        shutil.copy(source, copy)
        pysam.tabix_index(str(copy), preset="vcf", force=True)
        return tmp_path / (source.name + ".gz")

    def strip(self, source):
        return [dataclasses.replace(v, line=None, mate_filters=None) for v in source.variants]

    def test_index_reads_the_chromosome_as_the_stream_does(self, tmp_path):
        path = self.indexed(tmp_path, SPEC / "gridss_gripss_tp53.grch37.vcf")
        fast, stream = read(path, tumor_sample="P03T"), read(path, tumor_sample="P03T", use_index=False)
        assert fast.indexed and not stream.indexed and fast.records is None and stream.records == 5
        assert self.strip(fast) == self.strip(stream) and len(fast.variants) == 3
        # A spanning event with both ends outside the region is still seen: the whole chromosome is parsed.
        wide = read(path, flank=0)
        assert any(v.pos == 7578300 for v in wide.variants)

    def test_stale_index_is_not_used(self, tmp_path):
        path = self.indexed(tmp_path, SPEC / "gridss_gripss_tp53.grch37.vcf")
        index = Path(str(path) + ".tbi")
        stat = path.stat()
        os.utime(index, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**9))
        assert not read(path).indexed

    def test_corrupt_index_is_noted_and_the_file_streamed(self, tmp_path):
        path = self.indexed(tmp_path, SPEC / "gridss_gripss_tp53.grch37.vcf")
        index = Path(str(path) + ".tbi")
        index.write_bytes(b"\x1f\x8b not an index")
        os.utime(index)
        source = read(path)
        assert not source.indexed and len(source.variants) == 3 and any("index" in n for n in source.notes)

    def test_single_record_translocations_are_always_streamed(self, tmp_path):
        # DELLY declares CHR2/POS2: a translocation may be written only on the other chromosome.
        path = self.indexed(tmp_path, SPEC / "delly_somatic_tp53.grch37.vcf")
        source = read(path)
        assert not source.indexed and source.variants[-1].chrom == "5"


class TestSampleColumns:
    def header(self, tmp_path, samples, extra=()):
        path = write_vcf(tmp_path / "s.vcf", [], samples=samples, extra_header=extra)
        with pysam.VariantFile(str(path)) as vf:
            return vf.header.copy()

    def test_rules(self, tmp_path):
        assert choose_sv_samples(self.header(tmp_path, ("N", "T")), "T", None)[:3] == (
            "T",
            "N",
            "sample sheet tumor_sample",
        )
        assert choose_sv_samples(self.header(tmp_path, ("NORMAL", "TUMOR")), None, None)[:2] == ("TUMOR", "NORMAL")
        declared = self.header(tmp_path, ("a", "b"), ["##tumor_sample=b"])
        assert choose_sv_samples(declared, None, None)[:3] == ("b", "a", "##tumor_sample header line")
        tumour, normal, how, notes = choose_sv_samples(self.header(tmp_path, ("only",)), "elsewhere", "absent")
        assert (tumour, normal, how) == ("only", None, "the only sample column") and len(notes) == 2
        tumour, normal, how, notes = choose_sv_samples(self.header(tmp_path, ("a", "b", "c")), None, "a")
        assert tumour is None and normal == "a" and how == "tumour column unknown"
        assert choose_sv_samples(self.header(tmp_path, ()), None, None)[:3] == (
            None,
            None,
            "sites-only VCF: no support counts",
        )


def test_sv_region():
    assert sv_region("hg19", 0) == ("17", 7571720, 7590856)
    assert sv_region("GRCh38", 1000) == ("17", 7667402, 7688538)
    with pytest.raises(ValueError):
        sv_region("GRCh38", -1)
    with pytest.raises(ValueError):
        sv_region("hg18", 0)
