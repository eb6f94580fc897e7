"""VCF reading for TP53: real caller outputs (tests/data/variants) and VCFs written here with pysam.

Real files (provenance in tests/data/variants/README.md): phyloflow A25 Mutect2 (VEP-annotated,
unannotated, unfiltered) and Strelka2; PCGR T001 BRCA/COAD in both builds; LACHESIS Strelka2 and
Mutect2; umccr/gpgr bcbio ensemble and PURPLE VCFs. Built VCFs follow the VCF 4.2 specification
(samtools.github.io/hts-specs/VCFv4.2.pdf) and the callers' documented fields: Strelka2 user guide
(github.com/Illumina/strelka/blob/master/docs/userGuide/README.md, "somatic allele frequencies"),
VarScan2 (FREQ as "NN.N%", AD = alt reads, RD = ref reads), Mutect2 (##tumor_sample, FORMAT/AF
Number=A), VEP CSQ (ensembl.org/info/docs/tools/vep/vep_formats.html) and SnpEff ANN
(pcingola.github.io/SnpEff/adds/VCFannotationformat_v1.0.pdf).
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import shutil
from pathlib import Path

import pysam
import pytest
from conftest import GPGR, LACHESIS, PCGR, PHYLOFLOW, RTCGA_MAF

from mdm2screen.config import load_settings
from mdm2screen.errors import InputError
from mdm2screen.model import CoverageEvidence
from mdm2screen.variants import TP53Settings, assess_tp53, detect_variant_format, read_tp53_variants


def tp53_settings(**changes) -> TP53Settings:
    """The configuration's tp53 section (its defaults), with ``changes``."""
    return dataclasses.replace(TP53Settings.from_config(load_settings({"samples": "x"})["tp53"]), **changes)


DATA = Path(__file__).parent / "data" / "variants"
PHYLO = PHYLOFLOW  # each real file has one copy (tests/conftest.py finds it)
UMCCR = GPGR
# Coverage is not what these tests judge: wild type without coverage evidence (tp53_coverage_not_required).
SETTINGS = tp53_settings(require_coverage=False)
UNVERIFIED = CoverageEvidence(verified=False, adequate=None, method=None)
CHR17 = {"GRCh37": 81_195_210, "GRCh38": 83_257_441}


def read(path, build="GRCh37", tumor_sample=None, settings=SETTINGS):
    return read_tp53_variants(path, build=build, tumor_sample=tumor_sample, sample_id=None, settings=settings)


def status(path, build="GRCh37", **kwargs):
    source = read(path, build, **kwargs)
    return source, assess_tp53(source, UNVERIFIED, cn=None, settings=SETTINGS, build=build)


def write_vcf(
    path: Path,
    records: list[dict],
    *,
    samples: tuple[str, ...] = ("TUMOR",),
    contig: str = "17",
    build: str = "GRCh37",
    meta: dict[str, str] | None = None,
    formats: tuple[tuple[str, str, str], ...] = (
        ("GT", "1", "String"),
        ("AF", "A", "Float"),
        ("AD", "R", "Integer"),
        ("DP", "1", "Integer"),
    ),
    infos: tuple[tuple[str, str, str, str], ...] = (),
    mode: str = "w",
) -> Path:
    """Write a VCF with pysam; each record: pos, ref, alts, filter, info, samples={name: {field: value}}."""
    header = pysam.VariantHeader()
    header.contigs.add(contig, length=CHR17[build])
    for key, value in (meta or {}).items():
        header.add_meta(key, value)
    for name in ("germline_risk", "panel_of_normals", "LowEVS", "weak_evidence", "normal_artifact"):
        header.filters.add(name, None, None, name)
    for fid, number, kind in formats:
        header.formats.add(fid, number, kind, fid)
    for iid, number, kind, description in infos:
        header.info.add(iid, number, kind, description)
    for sample in samples:
        header.add_sample(sample)
    with pysam.VariantFile(str(path), mode, header=header) as vcf:
        for r in records:
            rec = vcf.new_record(contig=contig, start=r["pos"] - 1, alleles=(r["ref"], *r["alts"]), id=r.get("id"))
            flt = r.get("filter", "PASS")
            if flt != ".":
                for f in flt.split(";"):
                    rec.filter.add(f)
            for key, value in r.get("info", {}).items():
                rec.info[key] = value
            for sample, values in r.get("samples", {}).items():
                for key, value in values.items():
                    rec.samples[sample][key] = value
            vcf.write(rec)
    return path


R175H = {"pos": 7578406, "ref": "C", "alts": ("T",)}  # GRCh37, c.524G>A p.Arg175His
FILLER = {"pos": 7_000_000, "ref": "A", "alts": ("G",)}  # chr17 outside TP53


# --------------------------------------------------------------------------- real files


class TestPhyloflowA25:
    def test_vep_annotated_mutect2(self):
        source, evidence = status(PHYLO / "VEP_raw.A25.mutect2.filtered.snp.vcf")
        assert source.format == "vcf" and source.sample == "A25"
        assert source.records_on_tp53_chrom == 54
        (call,) = source.variants
        assert call.key() == ("17", 7577098, "T", "A")
        assert call.vaf == pytest.approx(0.331)
        assert (call.depth, call.alt_count, call.filters) == (10, 3, ["PASS"])
        assert (call.consequence, call.hgvs_c, call.hgvs_p) == ("missense", "c.840A>T", "p.Arg280Ser")
        assert call.annotation_source == "VEP"  # HGVSc is empty in the CSQ: c. is computed, p. taken from VEP
        assert evidence.status == "mutated"
        assert call.decides and call.category == "deciding"
        assert evidence.reasons[0].code == "tp53_mutated"

    def test_unannotated_file_gets_the_same_computed_annotation(self):
        source, evidence = status(PHYLO / "A25.mutect2.filtered.snp.vcf")
        (call,) = source.variants
        assert call.annotation_source == "computed"
        assert (call.consequence, call.hgvs_c, call.hgvs_p) == ("missense", "c.840A>T", "p.Arg280Ser")
        assert evidence.status == "mutated"

    def test_unfiltered_mutect2_dot_filter_decides(self):
        source, evidence = status(PHYLO / "A25.mutect2.vcf")
        (call,) = source.variants
        assert call.filters == ["."]
        assert call.decides
        assert source.records_on_tp53_chrom == 73
        assert evidence.status == "mutated"

    def test_strelka2_normal_then_tumour_uses_tier1_counts(self):
        source, evidence = status(PHYLO / "A25.strelka2.vcf")
        assert source.sample == "TUMOR"
        calls = {c.pos: c for c in source.variants}
        r280s = calls[7577098]
        assert r280s.vaf == pytest.approx(0.30)  # AU 3 / (AU 3 + TU 7), tumour tier 1
        assert (r280s.alt_count, r280s.depth) == (3, 10)
        assert r280s.decides
        low = calls[7572977]
        assert low.filters == ["LowEVS"]
        assert low.vaf == pytest.approx(2 / 11)  # GU 2 / (AU 9 + GU 2): the tumour, not the normal's 4/36
        assert not low.decides and low.category == "filtered"
        assert "LowEVS" in low.why
        assert evidence.status == "mutated" and len(evidence.deciding) == 1


class TestPCGR:
    @pytest.mark.parametrize(
        ("name", "build", "pos"),
        [("T001-BRCA.grch37.vcf.gz", "GRCh37", 7577124), ("T001-BRCA.grch38.vcf.gz", "GRCh38", 7673806)],
    )
    def test_brca_missense_in_both_builds(self, name, build, pos):
        source, evidence = status(PCGR / name, build)
        (call,) = source.variants
        assert call.pos == pos
        assert call.vaf == pytest.approx(0.351, abs=5e-4)  # FORMAT/ADT 61,33 (TVAF 0.351 in INFO agrees)
        assert (call.hgvs_c, call.hgvs_p) == ("c.814G>A", "p.Val272Met")
        assert evidence.status == "mutated"

    @pytest.mark.parametrize(
        ("name", "build", "pos"),
        [("T001-COAD.grch37.vcf.gz", "GRCh37", 7579470), ("T001-COAD.grch38.vcf.gz", "GRCh38", 7676152)],
    )
    def test_coad_one_base_deletion_is_a_frameshift(self, name, build, pos):
        source, evidence = status(PCGR / name, build)
        (call,) = source.variants
        assert (call.pos, call.ref, call.alt) == (pos, "CG", "C")
        assert call.consequence == "frameshift"
        assert (call.hgvs_c, call.hgvs_p) == ("c.216del", "p.Val73TrpfsTer50")
        assert call.vaf == pytest.approx(0.784, abs=5e-4)
        assert source.records_on_tp53_chrom == 186
        assert evidence.status == "mutated"

    def test_grch37_file_declared_grch38_is_never_wild_type(self):
        # No ##contig lines to catch it: the TP53 record lies outside TP53 in GRCh38 coordinates.
        source, evidence = status(PCGR / "T001-BRCA.grch37.vcf.gz", "GRCh38")
        assert source.variants == []
        assert evidence.status == "not_assessable"
        assert evidence.reasons[0].code == "tp53_build_suspect"


class TestWildTypeAndAbsentChromosome:
    def test_lachesis_strelka2_chr17_covered_no_tp53(self):
        source, evidence = status(LACHESIS / "strelka2.somatic.snvs.vcf.gz")
        assert source.records_on_tp53_chrom == 230 and source.variants == []
        assert evidence.status == "wild_type"
        assert [r.code for r in evidence.reasons] == ["tp53_no_deciding_variant", "tp53_coverage_not_required"]
        assert evidence.reasons[1].message == (
            "the configuration accepts TP53 as wild type without evidence that it was sequenced (tp53.require_coverage: false)."
        )

    def test_umccr_ensemble_grch38_tumour_first(self):
        source, evidence = status(UMCCR / "somatic-ensemble-PASS.vcf.gz", "GRCh38")
        assert source.sample == "CCR170115b_MH17T002P033"
        assert source.records_on_tp53_chrom == 174
        assert evidence.status == "wild_type"

    @pytest.mark.parametrize(
        ("path", "build"), [(LACHESIS / "mutect.somatic.vcf.gz", "GRCh37"), (UMCCR / "purple.somatic.vcf.gz", "GRCh38")]
    )
    def test_no_chromosome_17_is_not_assessable(self, path, build):
        source, evidence = status(path, build)
        assert source.records_on_tp53_chrom == 0
        assert evidence.status == "not_assessable"
        assert evidence.reasons[0].code == "tp53_chromosome_absent"
        assert "no record on chromosome 17" in evidence.reasons[0].message

    def test_lachesis_mutect2_tumour_is_the_second_column(self):
        assert read(LACHESIS / "mutect.somatic.vcf.gz").sample == "sample_tumor_XI003_10023"

    def test_purple_header_tumour_name_without_column_falls_back_to_the_single_sample(self):
        source = read(UMCCR / "purple.somatic.vcf.gz", "GRCh38")
        assert source.sample == "SEQCII_50pc__T_SRR7890936_50pc"
        assert any("names no column" in n for n in source.notes)


def test_contig_lengths_of_another_build_are_a_build_mismatch():
    with pytest.raises(InputError) as err:
        read(PHYLO / "A25.mutect2.filtered.snp.vcf", "GRCh38")
    assert err.value.code == "build_mismatch"


def test_position_past_chromosome_end_is_a_build_mismatch():
    with pytest.raises(InputError) as err:
        read(PCGR / "T001-COAD.grch38.vcf.gz", "GRCh37")
    assert err.value.code == "build_mismatch" and err.value.line is not None


# --------------------------------------------------------------------------- file handling


class TestFileHandling:
    def test_format_detected_from_content_not_name(self, tmp_path):
        renamed = tmp_path / "calls.maf"
        shutil.copy(PHYLO / "A25.mutect2.filtered.snp.vcf", renamed)
        assert detect_variant_format(renamed) == "vcf"
        assert detect_variant_format(PCGR / "T001-BRCA.grch37.vcf.gz") == "vcf"
        assert detect_variant_format(RTCGA_MAF) == "maf"
        text = tmp_path / "notes.vcf"
        text.write_text("sample\tvalue\nA\t1\n")
        with pytest.raises(InputError) as err:
            detect_variant_format(text)
        assert err.value.code == "variants_format_unknown"

    def test_plain_gzip_is_decompressed_for_pysam(self, tmp_path):
        plain_gz = tmp_path / "a25.vcf.gz"
        plain_gz.write_bytes(gzip.compress((PHYLO / "A25.mutect2.filtered.snp.vcf").read_bytes()))
        source = read(plain_gz)
        assert [c.hgvs_p for c in source.variants] == ["p.Arg280Ser"]
        assert source.indexed is False

    def test_bom_and_crlf(self, tmp_path):
        text = (PHYLO / "A25.mutect2.filtered.snp.vcf").read_bytes()
        bom = tmp_path / "bom.vcf"
        bom.write_bytes(b"\xef\xbb\xbf" + text.replace(b"\n", b"\r\n"))
        source = read(bom)
        assert [c.key() for c in source.variants] == [("17", 7577098, "T", "A")]
        assert source.variants[0].vaf == pytest.approx(0.331)
        assert source.variants[0].line == 1263  # the record's line in the file (grep -n), BOM/CRLF or not

    def test_truncated_bgzip_is_refused(self, tmp_path):
        whole = (LACHESIS / "strelka2.somatic.snvs.vcf.gz").read_bytes()
        cut = tmp_path / "cut.vcf.gz"
        cut.write_bytes(whole[: len(whole) // 2])
        with pytest.raises(InputError) as err:
            read(cut)
        assert err.value.code == "vcf_truncated"

    def test_truncated_plain_gzip_is_refused(self, tmp_path):
        whole = gzip.compress((PHYLO / "A25.mutect2.vcf").read_bytes())
        cut = tmp_path / "cut.vcf.gz"
        cut.write_bytes(whole[: len(whole) // 2])
        with pytest.raises(InputError) as err:
            read(cut)
        assert err.value.code == "input_corrupt"

    def test_indexed_fetch_matches_streaming_and_stale_index_is_ignored(self, tmp_path):
        copy = tmp_path / "ensemble.vcf.gz"
        shutil.copy(UMCCR / "somatic-ensemble-PASS.vcf.gz", copy)
        pysam.tabix_index(str(copy), preset="vcf", force=True)
        indexed = read(copy, "GRCh38")
        assert indexed.indexed is True
        assert indexed.records_on_tp53_chrom == 174
        later = os.stat(copy).st_mtime_ns + 10**9
        os.utime(copy, ns=(later, later))  # the VCF is now newer than its index
        stale = read(copy, "GRCh38")
        assert stale.indexed is False and stale.records_on_tp53_chrom == 174

    def test_indexed_fetch_finds_tp53_variant(self, tmp_path):
        copy = tmp_path / "coad.vcf.gz"
        shutil.copy(PCGR / "T001-COAD.grch37.vcf.gz", copy)
        pysam.tabix_index(str(copy), preset="vcf", force=True)
        source = read(copy)
        assert source.indexed and [c.hgvs_c for c in source.variants] == ["c.216del"]
        assert source.variants[0].line is None  # no line numbers through an index

    def test_corrupt_index_falls_back_to_streaming(self, tmp_path):
        copy = tmp_path / "brca.vcf.gz"
        shutil.copy(PCGR / "T001-BRCA.grch37.vcf.gz", copy)
        (tmp_path / "brca.vcf.gz.tbi").write_bytes(b"not an index")
        source = read(copy)
        assert source.indexed is False and source.records_on_tp53_chrom == 10
        assert [c.hgvs_p for c in source.variants] == ["p.Val272Met"]
        assert any("could not be used" in n for n in source.notes)

    def test_missing_and_empty_files(self, tmp_path):
        with pytest.raises(InputError):
            read(tmp_path / "absent.vcf")
        (tmp_path / "empty.vcf").write_bytes(b"")
        with pytest.raises(InputError) as err:
            read(tmp_path / "empty.vcf")
        assert err.value.code == "input_empty"

    @pytest.mark.parametrize("contig", ["17", "chr17"])
    def test_chr_prefix_or_not(self, tmp_path, contig):
        rec = {**R175H, "samples": {"TUMOR": {"AF": (0.4,), "AD": (60, 40), "DP": 100}}}
        path = write_vcf(tmp_path / "c.vcf", [rec], contig=contig)
        (call,) = read(path).variants
        assert call.key() == ("17", 7578406, "C", "T")
        assert call.hgvs_p == "p.Arg175His"

    def test_bcf_is_read(self, tmp_path):
        rec = {**R175H, "samples": {"TUMOR": {"AF": (0.4,), "AD": (60, 40), "DP": 100}}}
        path = write_vcf(tmp_path / "c.bcf", [rec], mode="wb")
        assert detect_variant_format(path) == "vcf"
        assert [c.hgvs_c for c in read(path).variants] == ["c.524G>A"]


# --------------------------------------------------------------------------- tumour column


def _pair(tmp_path, samples, meta=None, name="pair.vcf"):
    """R175H with a distinct AF per column: the tumour's is 0.4, the normal's 0.01."""
    afs = {s: (0.4 if s.lower().startswith("t") else 0.01) for s in samples}
    rec = {**R175H, "samples": {s: {"AF": (afs[s],)} for s in samples}}
    return write_vcf(tmp_path / name, [rec], samples=samples, meta=meta)


class TestTumourColumn:
    @pytest.mark.parametrize("order", [("NORMAL", "TUMOR"), ("TUMOR", "NORMAL")])
    def test_strelka2_names_in_both_orders(self, tmp_path, order):
        source = read(_pair(tmp_path, order))
        assert source.sample == "TUMOR"
        assert source.variants[0].vaf == pytest.approx(0.4)

    @pytest.mark.parametrize("order", [("n_blood", "t_biopsy"), ("t_biopsy", "n_blood")])
    def test_mutect2_tumor_sample_header_in_both_orders(self, tmp_path, order):
        source = read(_pair(tmp_path, order, meta={"tumor_sample": "t_biopsy", "normal_sample": "n_blood"}))
        assert source.sample == "t_biopsy"
        assert source.variants[0].vaf == pytest.approx(0.4)

    def test_normal_sample_header_alone_excludes_the_normal(self, tmp_path):
        source = read(_pair(tmp_path, ("n_blood", "t_biopsy"), meta={"normal_sample": "n_blood"}))
        assert source.sample == "t_biopsy"

    def test_ambiguous_pair_is_an_error_that_says_how_to_fix_it(self, tmp_path):
        path = _pair(tmp_path, ("t_biopsy", "n_blood"))
        with pytest.raises(InputError) as err:
            read(path)
        assert err.value.code == "vcf_tumor_sample_ambiguous"
        assert "tumor_sample" in str(err.value) and "t_biopsy, n_blood" in str(err.value)

    def test_sample_sheet_tumor_sample_wins_and_must_exist(self, tmp_path):
        path = _pair(tmp_path, ("n_blood", "t_biopsy", "t_relapse"))
        assert read(path, tumor_sample="t_relapse").sample == "t_relapse"
        with pytest.raises(InputError) as err:
            read(path, tumor_sample="tumour")
        assert err.value.code == "vcf_sample_not_found"
        assert "n_blood, t_biopsy, t_relapse" in str(err.value)


# --------------------------------------------------------------------------- VAF fields


class TestVaf:
    def test_multiallelic_second_alt_is_the_tp53_mutation(self, tmp_path):
        # c.637C>A keeps Arg213 (AGA); c.637C>T makes TGA: each ALT keeps its own AF/AD index.
        rec = {
            "pos": 7578212,
            "ref": "G",
            "alts": ("T", "A"),
            "samples": {"TUMOR": {"AF": (0.02, 0.3), "AD": (58, 2, 40), "DP": 100}},
        }
        path = write_vcf(tmp_path / "multi.vcf", [rec])
        source, evidence = status(path)
        first, second = source.variants
        assert (first.alt, first.consequence, first.hgvs_p, first.vaf) == ("T", "synonymous", "p.Arg213=", 0.02)
        assert (second.alt, second.consequence, second.hgvs_p, second.vaf) == ("A", "nonsense", "p.Arg213Ter", 0.3)
        assert (first.alt_count, second.alt_count) == (2, 40)
        assert not first.decides and second.decides
        assert evidence.status == "mutated"

    def test_allele_depths_without_af(self, tmp_path):
        rec = {**R175H, "samples": {"TUMOR": {"AD": (75, 25)}}}
        path = write_vcf(tmp_path / "ad.vcf", [rec], formats=(("AD", "R", "Integer"),))
        (call,) = read(path).variants
        assert (call.vaf, call.depth, call.alt_count) == (0.25, 100, 25)

    def test_varscan2_freq_percent(self, tmp_path):
        fmts = (("FREQ", "1", "String"), ("AD", "1", "Integer"), ("RD", "1", "Integer"), ("DP", "1", "Integer"))
        rec = {**R175H, "samples": {"TUMOR": {"FREQ": "33.1%", "AD": 33, "RD": 67, "DP": 100}}}
        path = write_vcf(tmp_path / "varscan.vcf", [rec], formats=fmts)
        (call,) = read(path).variants
        assert call.vaf == pytest.approx(0.331)
        assert (call.alt_count, call.depth) == (33, 100)

    def test_strelka2_indel_tier1_tir_tar(self, tmp_path):
        fmts = (("DP", "1", "Integer"), ("TAR", "2", "Integer"), ("TIR", "2", "Integer"))
        rec = {
            "pos": 7579470,
            "ref": "CG",
            "alts": ("C",),
            "samples": {"NORMAL": {"TAR": (30, 31), "TIR": (0, 0)}, "TUMOR": {"TAR": (18, 20), "TIR": (6, 7)}},
        }
        path = write_vcf(tmp_path / "indel.vcf", [rec], samples=("NORMAL", "TUMOR"), formats=fmts)
        (call,) = read(path).variants
        assert call.vaf == pytest.approx(6 / 24)
        assert call.consequence == "frameshift"

    def test_sites_only_vcf_with_pcgr_tvaf(self, tmp_path):
        infos = (("TVAF", ".", "Float", "tumour VAF"), ("TDP", ".", "Integer", "tumour depth"))
        rec = {**R175H, "info": {"TVAF": (0.351,), "TDP": (94,)}}
        path = write_vcf(tmp_path / "sites.vcf", [rec], samples=(), formats=(), infos=infos)
        source = read(path)
        assert source.sample is None
        assert (source.variants[0].vaf, source.variants[0].depth) == (0.351, 94)

    def test_bcbio_tumor_af_info_fallback(self, tmp_path):
        infos = (("TUMOR_AF", "1", "Float", "AF in tumor sample"),)
        rec = {**R175H, "info": {"TUMOR_AF": 0.16}, "samples": {"TUMOR": {"GT": "0/1"}}}
        path = write_vcf(tmp_path / "bcbio.vcf", [rec], formats=(("GT", "1", "String"),), infos=infos)
        assert read(path).variants[0].vaf == pytest.approx(0.16)

    @pytest.mark.parametrize(
        ("values", "field"), [({"AF": (1.7,)}, "AF"), ({"AF": (-0.2,)}, "AF"), ({"AD": (10, -3)}, "AD")]
    )
    def test_impossible_values_are_input_errors(self, tmp_path, values, field):
        path = write_vcf(tmp_path / "bad.vcf", [FILLER, {**R175H, "samples": {"TUMOR": values}}])
        with pytest.raises(InputError) as err:
            read(path)
        assert err.value.code == "vcf_value_invalid"
        assert err.value.field == field
        assert err.value.line is not None

    def test_no_counts_at_all_leaves_vaf_unknown(self, tmp_path):
        path = write_vcf(
            tmp_path / "gt.vcf", [{**R175H, "samples": {"TUMOR": {"GT": "0/1"}}}], formats=(("GT", "1", "String"),)
        )
        (call,) = read(path).variants
        assert call.vaf is None and call.depth is None


# --------------------------------------------------------------------------- annotations


# SnpEff's ANN header (VCF annotation format v1.0).
SNPEFF_FIELDS = (
    "Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID", "Feature_Type", "Feature_ID",
    "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p", "cDNA.pos / cDNA.length", "CDS.pos / CDS.length",
    "AA.pos / AA.length", "Distance", "ERRORS / WARNINGS / INFO",
)  # fmt: skip
CSQ_FORMAT = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|CANONICAL"


class TestAnnotations:
    def test_snpeff_ann_with_a_non_canonical_transcript_first(self, tmp_path):
        ann = (
            "T|intron_variant|MODIFIER|TP53|ENSG00000141510|transcript|ENST00000413465.6|protein_coding|4/6|c.374-30G>A||||||",
            "T|missense_variant|MODERATE|TP53|ENSG00000141510|transcript|ENST00000269305.8|protein_coding|5/11|c.524G>A|p.Arg175His||||||",
        )
        desc = "Functional annotations: '" + " | ".join(SNPEFF_FIELDS) + "' "
        rec = {**R175H, "info": {"ANN": ann}, "samples": {"TUMOR": {"AF": (0.3,)}}}
        path = write_vcf(tmp_path / "snpeff.vcf", [rec], infos=(("ANN", ".", "String", desc),))
        (call,) = read(path).variants
        assert (call.annotation_source, call.consequence) == ("SnpEff", "missense")
        assert (call.hgvs_c, call.hgvs_p) == ("c.524G>A", "p.Arg175His")

    def test_vep_csq_picks_the_canonical_transcript_and_decodes_hgvs(self, tmp_path):
        csq = (
            "T|upstream_gene_variant|MODIFIER|WRAP53|ENSG00000141499|Transcript|ENST00000316024|protein_coding|||||",
            "T|splice_region_variant&synonymous_variant|LOW|TP53|ENSG00000141510|Transcript|ENST00000269305|protein_coding|4/11||ENST00000269305.4:c.216C>T|ENSP00000269305.4:p.Pro72%3D|YES",
        )
        rec = {"pos": 7579471, "ref": "G", "alts": ("A",), "info": {"CSQ": csq}, "samples": {"TUMOR": {"AF": (0.3,)}}}
        path = write_vcf(
            tmp_path / "vep.vcf",
            [rec],
            infos=(("CSQ", ".", "String", f"Consequence annotations from Ensembl VEP. Format: {CSQ_FORMAT}"),),
        )
        source = read(path)
        (call,) = source.variants
        assert call.annotation_source == "VEP"
        assert call.consequence == "splice_region"  # the most severe of the '&' terms
        assert (call.hgvs_c, call.hgvs_p) == ("c.216C>T", "p.Pro72=")
        # The model disagrees (c.216 is not next to an intron): the disagreement is noted, VEP wins.
        assert any("VEP annotation says splice_region" in n for n in source.notes)

    def test_annotation_without_the_canonical_transcript_is_recomputed(self, tmp_path):
        csq = (
            "T|missense_variant|MODERATE|TP53|ENSG00000141510|Transcript|ENST00000413465|protein_coding|5/7||ENST00000413465.6:c.393G>A|ENSP00000410739.2:p.Arg131His|",
        )
        rec = {**R175H, "info": {"CSQ": csq}, "samples": {"TUMOR": {"AF": (0.3,)}}}
        path = write_vcf(tmp_path / "vep.vcf", [rec], infos=(("CSQ", ".", "String", f"Format: {CSQ_FORMAT}"),))
        (call,) = read(path).variants
        assert call.annotation_source == "computed"
        assert (call.hgvs_c, call.hgvs_p) == ("c.524G>A", "p.Arg175His")

    def test_symbolic_allele_of_unknown_extent_starting_inside_tp53_is_a_breakpoint_in_the_gene(self, tmp_path):
        # No END or SVLEN: the extent is unknown, but the deletion starts inside TP53 (intron 5), a breakpoint in
        # the gene. One classification judges SVs of either file (sv.classify_tp53_sv: breakend_in_gene).
        rec = {"pos": 7578000, "ref": "A", "alts": ("<DEL>",), "samples": {"TUMOR": {"AF": (0.5,)}}}
        source, evidence = status(write_vcf(tmp_path / "sv.vcf", [rec]))
        (call,) = source.variants
        assert call.consequence == "structural_rearrangement" and call.decides
        assert any("unknown extent starting inside the gene" in n for n in source.notes)
        assert evidence.status == "mutated"
