"""TP53 status: per-variant categories and the status rules (missing evidence is never wild type).

VCFs are written here with pysam (VCF 4.2, samtools.github.io/hts-specs/VCFv4.2.pdf); the benign
polymorphisms are those of resources/reference/tp53_benign_germline.tsv (P72R rs1042522 at GRCh37
17:7579472 G>C / GRCh38 7676154; P47S rs1800371 at 7579548 G>A / 7676230).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pysam
import pytest

from mdm2screen.config import load_settings
from mdm2screen.model import CoverageEvidence, GeneCopyNumber, VariantCall, VariantSource
from mdm2screen.variants import TP53Settings, assess_tp53, read_tp53_variants


def tp53_settings(**changes) -> TP53Settings:
    """The configuration's tp53 section (its defaults), with ``changes``."""
    return dataclasses.replace(TP53Settings.from_config(load_settings({"samples": "x"})["tp53"]), **changes)


# Coverage is not what these tests judge: wild type without coverage evidence (tp53_coverage_not_required).
SETTINGS = tp53_settings(require_coverage=False)
UNVERIFIED = CoverageEvidence(verified=False, adequate=None, method=None)
ADEQUATE = CoverageEvidence(
    verified=True, adequate=True, method="bam", fraction_covered=1.0, min_depth=100, detail="all exons"
)
INADEQUATE = CoverageEvidence(
    verified=True, adequate=False, method="bam", fraction_covered=0.46, min_depth=100, detail="exons 2-4 missing"
)
OFFSET_38 = 96_682
CHR17 = {"GRCh37": 81_195_210, "GRCh38": 83_257_441}


def write_vcf(path: Path, records: list[dict], build: str = "GRCh37") -> Path:
    """Single-tumour VCF: each record pos/ref/alt/filter/af (AF Number=A; AD derived from AF x 200)."""
    header = pysam.VariantHeader()
    header.contigs.add("17", length=CHR17[build])
    for name in ("germline", "germline_risk", "panel_of_normals", "normal_artifact", "LowEVS", "weak_evidence"):
        header.filters.add(name, None, None, name)
    header.formats.add("AF", "A", "Float", "allele fraction")
    header.formats.add("AD", "R", "Integer", "allele depths")
    header.add_sample("TUMOR")
    shift = OFFSET_38 if build == "GRCh38" else 0
    with pysam.VariantFile(str(path), "w", header=header) as vcf:
        for r in sorted(records, key=lambda r: r["pos"]):
            rec = vcf.new_record(contig="17", start=r["pos"] + shift - 1, alleles=(r["ref"], r["alt"]))
            for f in r.get("filter", "PASS").split(";"):
                if f != ".":
                    rec.filter.add(f)
            if r.get("af") is not None:
                alt = round(r["af"] * 200)
                rec.samples["TUMOR"]["AF"] = (r["af"],)
                rec.samples["TUMOR"]["AD"] = (200 - alt, alt)
            vcf.write(rec)
    return path


def assess(tmp_path, records, build="GRCh37", coverage=UNVERIFIED, settings=SETTINGS, cn=None):
    source = read_tp53_variants(
        write_vcf(tmp_path / "calls.vcf", records, build),
        build=build,
        tumor_sample=None,
        sample_id=None,
        settings=settings,
    )
    return assess_tp53(source, coverage, cn=cn, settings=settings, build=build)


def by_pos(evidence, pos, build="GRCh37"):
    target = pos + (OFFSET_38 if build == "GRCh38" else 0)
    return next(v for v in evidence.variants if v.pos == target)


FILLER = {"pos": 7_000_000, "ref": "A", "alt": "G", "af": 0.4}  # chr17, outside TP53
P72R = {"pos": 7579472, "ref": "G", "alt": "C", "af": 0.5}
P47S = {"pos": 7579548, "ref": "G", "alt": "A", "af": 0.98}
R175H = {"pos": 7578406, "ref": "C", "alt": "T", "af": 0.4}


def tp53_cn(call: str, copy_number: float | None) -> GeneCopyNumber:
    return GeneCopyNumber(
        gene="TP53", build="GRCh37", chrom="17", start=7571720, end=7590856, call=call,
        amplified=False if call != "not_assessable" else None, copy_number=copy_number, raw_value=copy_number,
        raw_kind="copy_number", method="max over overlapping segments", threshold={"deletion_at": 0.5},
        covered_fraction=1.0, segments=[],
    )  # fmt: skip


class TestCategories:
    @pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
    def test_p72r_and_p47s_never_decide(self, tmp_path, build):
        evidence = assess(tmp_path, [FILLER, P72R, P47S], build)
        for pos, protein, rsid in ((7579472, "p.Pro72Arg", "rs1042522"), (7579548, "p.Pro47Ser", "rs1800371")):
            call = by_pos(evidence, pos, build)
            assert not call.decides and call.category == "benign_polymorphism"
            assert protein in call.why and rsid in call.why and "VERIFIED" in call.why
        assert evidence.status == "wild_type"

    def test_unverified_benign_rows_keep_their_status_in_the_why(self, tmp_path):
        # c.704A>G p.Asn235Ser: classification verified, rsID not (tp53_benign_germline.tsv).
        evidence = assess(tmp_path, [FILLER, {"pos": 7577577, "ref": "T", "alt": "C", "af": 0.5}])
        call = evidence.variants[0]
        assert call.category == "benign_polymorphism"
        assert "rsID unverified" in call.why and "UNVERIFIED" in call.why

    @pytest.mark.parametrize("flt", ["germline_risk", "panel_of_normals", "normal_artifact", "germline"])
    def test_germline_filtered_calls_never_decide(self, tmp_path, flt):
        evidence = assess(tmp_path, [FILLER, {**R175H, "filter": flt}])
        call = evidence.variants[0]
        assert call.category == "germline" and not call.decides
        assert flt in call.why
        assert evidence.status == "wild_type"

    def test_failed_filter_is_filtered(self, tmp_path):
        evidence = assess(tmp_path, [FILLER, {**R175H, "filter": "weak_evidence"}])
        assert evidence.variants[0].category == "filtered"
        assert "weak_evidence" in evidence.variants[0].why

    def test_below_vaf_is_listed_as_subclonal(self, tmp_path):
        evidence = assess(tmp_path, [FILLER, {**R175H, "af": 0.031}])
        call = evidence.variants[0]
        assert call.category == "below_vaf" and not call.decides
        assert "subclonal, below threshold: VAF 3.1% < 5%" in call.why
        assert evidence.status == "wild_type"

    def test_vaf_at_the_threshold_decides(self, tmp_path):
        evidence = assess(tmp_path, [FILLER, {**R175H, "af": 0.05}])
        assert evidence.variants[0].decides and evidence.status == "mutated"

    def test_unknown_vaf_decides_unless_configured_otherwise(self, tmp_path):
        records = [FILLER, {**R175H, "af": None}]
        evidence = assess(tmp_path, records)
        assert evidence.variants[0].decides and "VAF unknown" in evidence.variants[0].why
        strict = tp53_settings(unknown_vaf_decides=False, require_coverage=False)
        evidence = assess(tmp_path, records, settings=strict)
        assert evidence.variants[0].category == "vaf_unknown" and evidence.status == "wild_type"

    def test_non_deciding_consequences(self, tmp_path):
        records = [
            FILLER,
            {"pos": 7579471, "ref": "G", "alt": "A", "af": 0.4},  # synonymous p.Pro72=
            {"pos": 7579250, "ref": "A", "alt": "G", "af": 0.4},  # intronic c.375+62
            {"pos": 7579307, "ref": "C", "alt": "T", "af": 0.4},  # splice region c.375+5
            {"pos": 7572926, "ref": "T", "alt": "G", "af": 0.4},  # 3' UTR
        ]
        evidence = assess(tmp_path, records)
        assert {v.consequence for v in evidence.variants} == {"synonymous", "intronic", "splice_region", "utr3"}
        assert all(v.category == "non_deciding_consequence" for v in evidence.variants)
        assert evidence.status == "wild_type"
        wider = tp53_settings(deciding_consequences=(*SETTINGS.deciding_consequences, "splice_region"))
        evidence = assess(tmp_path, records, settings=wider)
        assert [v.consequence for v in evidence.deciding] == ["splice_region"]

    @pytest.mark.parametrize(
        ("record", "klass"),
        [
            ({"pos": 7578212, "ref": "G", "alt": "A"}, "nonsense"),
            ({"pos": 7579470, "ref": "CG", "alt": "C"}, "frameshift"),
            ({"pos": 7577557, "ref": "AGGAACTGTT", "alt": "A"}, "inframe_deletion"),
            ({"pos": 7577536, "ref": "T", "alt": "TCCG"}, "inframe_insertion"),
            ({"pos": 7579911, "ref": "A", "alt": "G"}, "start_lost"),
            ({"pos": 7572927, "ref": "T", "alt": "G"}, "stop_lost"),
            ({"pos": 7579311, "ref": "C", "alt": "T"}, "splice_donor"),
            ({"pos": 7578555, "ref": "C", "alt": "T"}, "splice_acceptor"),
            ({"pos": 7579913, "ref": "C", "alt": "A"}, "utr5"),
        ],
    )
    @pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
    def test_each_class_from_a_vcf_decides_as_configured(self, tmp_path, record, klass, build):
        evidence = assess(tmp_path, [FILLER, {**record, "af": 0.3}], build)
        (call,) = evidence.variants
        assert call.consequence == klass
        assert call.decides == (klass in SETTINGS.deciding_consequences)
        assert evidence.status == ("mutated" if call.decides else "wild_type")


class TestStatusRules:
    def test_deciding_variant_is_mutated_even_with_poor_coverage(self, tmp_path):
        evidence = assess(tmp_path, [FILLER, R175H], coverage=INADEQUATE)
        assert evidence.status == "mutated"
        assert evidence.reasons[0].code == "tp53_mutated" and "p.Arg175His" in evidence.reasons[0].message

    def test_homozygous_deletion_is_mutated_without_any_variant_file(self):
        evidence = assess_tp53(None, UNVERIFIED, cn=tp53_cn("deleted", 0.1), settings=SETTINGS, build="GRCh37")
        assert evidence.status == "mutated"
        assert evidence.reasons[0].code == "tp53_homozygous_deletion"
        assert "p53 non-functional" in evidence.reasons[0].message
        assert evidence.copy_number is not None and evidence.copy_number.call == "deleted"

    def test_missing_variant_file_is_not_assessable(self):
        evidence = assess_tp53(None, ADEQUATE, cn=tp53_cn("not_amplified", 2.0), settings=SETTINGS, build="GRCh37")
        assert evidence.status == "not_assessable"
        assert evidence.reasons[0].code == "variants_missing"
        assert evidence.source is None

    def test_insufficient_coverage_is_not_assessable(self, tmp_path):
        evidence = assess(tmp_path, [FILLER], coverage=INADEQUATE)
        assert evidence.status == "not_assessable"
        assert evidence.reasons[0].code == "tp53_coverage_insufficient"
        assert "46.0%" in evidence.reasons[0].message

    def test_no_chr17_record_without_coverage_evidence_is_not_assessable(self):
        source = VariantSource(path="x.vcf", format="vcf", sample="T", variants=[], records_on_tp53_chrom=0)
        evidence = assess_tp53(source, UNVERIFIED, cn=None, settings=SETTINGS, build="GRCh37")
        assert evidence.status == "not_assessable"
        assert evidence.reasons[0].code == "tp53_chromosome_absent"
        assert "`coverage` (mosdepth), `bam` or `assay`" in evidence.reasons[0].message

    def test_no_chr17_record_with_adequate_coverage_is_wild_type(self):
        source = VariantSource(path="x.vcf", format="vcf", sample="T", variants=[], records_on_tp53_chrom=0)
        evidence = assess_tp53(source, ADEQUATE, cn=None, settings=SETTINGS, build="GRCh37")
        assert evidence.status == "wild_type"
        assert [r.code for r in evidence.reasons] == ["tp53_no_deciding_variant", "tp53_coverage_verified"]

    def test_require_coverage(self, tmp_path):
        strict = tp53_settings()  # the default: coverage evidence required
        assert strict.require_coverage is True
        evidence = assess(tmp_path, [FILLER], settings=strict)
        assert evidence.status == "not_assessable"
        assert evidence.reasons[0].code == "tp53_coverage_not_verified"
        assert assess(tmp_path, [FILLER], settings=strict, coverage=ADEQUATE).status == "wild_type"

    def test_wild_type_without_coverage_says_the_configuration_allowed_it(self, tmp_path):
        evidence = assess(tmp_path, [FILLER, P72R])
        assert evidence.status == "wild_type"
        assert [r.code for r in evidence.reasons] == ["tp53_no_deciding_variant", "tp53_coverage_not_required"]
        assert evidence.reasons[1].message == (
            "the configuration accepts TP53 as wild type without evidence that it was sequenced (tp53.require_coverage: false)."
        )

    def test_reference_mismatch_is_reported(self, tmp_path):
        # c.524 is G (plus strand C): a REF of A means the file does not match this build's sequence.
        evidence = assess(tmp_path, [FILLER, {**R175H, "ref": "A"}])
        assert any(r.code == "tp53_reference_mismatch" for r in evidence.reasons)

    def test_evidence_serialises_to_json(self, tmp_path):
        evidence = assess(tmp_path, [FILLER, R175H, {**P72R, "af": 0.5}], cn=tp53_cn("not_amplified", 2.0))
        data = json.loads(json.dumps(evidence.to_dict()))
        assert data["status"] == "mutated"
        assert [v["hgvs_p"] for v in data["variants"]] == ["p.Arg175His"]
        assert {v["category"] for v in data["all_variants"]} == {"deciding", "benign_polymorphism"}

    def test_categories_are_recomputed_for_new_settings(self):
        call = VariantCall(chrom="17", pos=7578406, ref="C", alt="T", filters=["PASS"], vaf=0.04, depth=100,
                           alt_count=4, consequence="missense", hgvs_c="c.524G>A", hgvs_p="p.Arg175His",
                           annotation_source="computed")  # fmt: skip
        source = VariantSource(path="x.vcf", format="vcf", sample="T", variants=[call], records_on_tp53_chrom=5)
        assert assess_tp53(source, UNVERIFIED, cn=None, settings=SETTINGS, build="GRCh37").status == "wild_type"
        lower = tp53_settings(min_vaf=0.02)
        assert assess_tp53(source, UNVERIFIED, cn=None, settings=lower, build="GRCh37").status == "mutated"
