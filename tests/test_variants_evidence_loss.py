"""Evidence that used to be lost or invented on the way from a VCF/MAF to the TP53 status.

Each test fails on the reader as it was before the fix it covers: duplicate records (first record
won), structural variants (listed as "other"), MAF samples without rows (cBioPortal's
``#sequenced_samples``), stale indexes (judged by modification time), the build named in the VCF
header, error messages (temporary file names, quoted content) and unreadable inputs.

Structural-variant VCFs follow the VCF 4.2 specification (samtools.github.io/hts-specs/VCFv4.2.pdf),
section 5.3 "Encoding Structural Variants" (symbolic <DEL>/<DUP>/<INV>/<INS> with INFO END, SVLEN,
SVTYPE, the padding base at POS) and section 5.4 "Specifying complex rearrangements with breakends"
(ALT ``t]p]`` / ``[p[t`` with p = chrom:pos, SVTYPE=BND). TP53 in GRCh37 (NM_000546): transcript
17:7,571,720-7,590,856, coding exons 11 (7,572,927-7,573,008) to 2 (7,579,839-7,579,912), intron 1
between exon 2 and exon 1 (7,579,941-7,590,694).
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import shutil
import stat
from pathlib import Path

import pysam
import pytest
from conftest import LACHESIS

import mdm2screen.variants as variants_module
from mdm2screen.config import load_settings
from mdm2screen.errors import InputError
from mdm2screen.model import CoverageEvidence
from mdm2screen.variants import TP53Settings, assess_coverage, assess_tp53, read_tp53_variants
from mdm2screen.variants import maf as maf_module
from mdm2screen.variants import vcf as vcf_module


def tp53_settings(**changes) -> TP53Settings:
    """The configuration's tp53 section (its defaults), with ``changes``."""
    return dataclasses.replace(TP53Settings.from_config(load_settings({"samples": "x"})["tp53"]), **changes)


DATA = Path(__file__).parent / "data" / "variants"
LACHESIS_GZ = LACHESIS / "strelka2.somatic.snvs.vcf.gz"
GDC_MAF = Path(__file__).parent / "corpus" / "base" / "spec" / "gdc_counts.maf"
SETTINGS = tp53_settings()
ADEQUATE = CoverageEvidence(verified=True, adequate=True, method="bam", fraction_covered=1.0, min_depth=100)

HEADER = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=germline,Description="germline">
##FILTER=<ID=weak_evidence,Description="weak evidence">
##contig=<ID=2,length=243199373>
##contig=<ID=17,length=81195210>
##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant described in this record">
##INFO=<ID=SVLEN,Number=.,Type=Integer,Description="Difference in length between REF and ALT alleles">
##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">
##ALT=<ID=DEL,Description="Deletion">
##ALT=<ID=DUP,Description="Duplication">
##ALT=<ID=INV,Description="Inversion">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR
"""
# A chromosome-17 record far from TP53, so that the file is not "without chromosome 17".
FILLER = "17\t100268\t.\tT\tC\t.\tPASS\t.\tGT:AF\t0/1:0.3"
R175H = "17\t7578406\t.\tC\tT\t.\t{filter}\t.\tGT:AF\t0/1:{af}"  # c.524G>A p.Arg175His, missense


def write(path: Path, *records: str, header: str = HEADER) -> Path:
    path.write_text(header + "".join(r + "\n" for r in records))
    return path


def bgzip(plain: Path, index: str | None = "tbi") -> Path:
    gz = plain.with_name(plain.name + ".gz")
    pysam.tabix_compress(str(plain), str(gz), force=True)
    if index:
        pysam.tabix_index(str(gz), preset="vcf", force=True, csi=index == "csi")
    return gz


def read(path: Path, build: str = "GRCh37", tumor_sample: str | None = None):
    return read_tp53_variants(path, build=build, tumor_sample=tumor_sample, sample_id=None, settings=SETTINGS)


def judged(path: Path, coverage: CoverageEvidence = ADEQUATE, **kwargs):
    source = read(path, **kwargs)
    return source, assess_tp53(source, coverage, cn=None, settings=SETTINGS, build="GRCh37")


def every_way(tmp_path: Path, *records: str) -> dict[str, Path]:
    """The same records as plain VCF, bgzip with .tbi, bgzip with .csi, bgzip without index, plain gzip."""
    plain = write(tmp_path / "sv.vcf", *records)
    files = {"plain": plain}
    for kind in ("tbi", "csi", None):
        folder = tmp_path / str(kind)
        folder.mkdir()
        files[f"bgzip-{kind}"] = bgzip(shutil.copy(plain, folder / "sv.vcf"), kind)
    gz = tmp_path / "gzip.vcf.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    files["gzip"] = gz
    return files


# --------------------------------------------------------------------------- 1. duplicate records


class TestDuplicateRecords:
    def test_germline_then_pass_duplicate_is_not_assessable_naming_both_lines(self, tmp_path):
        path = write(
            tmp_path / "dup.vcf", FILLER, R175H.format(filter="germline", af=0.45), R175H.format(filter="PASS", af=0.45)
        )
        source, evidence = judged(path)
        assert len(source.variants) == 2  # every record kept
        assert evidence.status == "not_assessable"
        reason = evidence.reasons[0]
        assert reason.code == "tp53_duplicate_records"
        assert "line 17" in reason.message and "line 18" in reason.message and "FILTER" in reason.message
        assert "fix the VCF so each variant appears once" in reason.message
        assert not evidence.deciding

    def test_subclonal_then_clonal_duplicate_is_not_assessable(self, tmp_path):
        path = write(
            tmp_path / "dup.vcf", FILLER, R175H.format(filter="PASS", af=0.02), R175H.format(filter="PASS", af=0.45)
        )
        _, evidence = judged(path)
        assert evidence.status == "not_assessable"
        assert evidence.reasons[0].code == "tp53_duplicate_records" and "VAF" in evidence.reasons[0].message

    def test_duplicates_that_all_decide_are_mutated_with_the_reason(self, tmp_path):
        path = write(
            tmp_path / "dup.vcf", FILLER, R175H.format(filter="PASS", af=0.30), R175H.format(filter="PASS", af=0.45)
        )
        _, evidence = judged(path)
        assert evidence.status == "mutated"
        assert [r.code for r in evidence.reasons] == ["tp53_mutated", "tp53_duplicate_records"]
        assert evidence.reasons[0].message.count("p.Arg175His") == 1

    def test_identical_duplicates_are_a_note_not_a_conflict(self, tmp_path):
        path = write(
            tmp_path / "dup.vcf", FILLER, R175H.format(filter="PASS", af=0.45), R175H.format(filter="PASS", af=0.45)
        )
        source, evidence = judged(path)
        assert evidence.status == "mutated"
        assert "tp53_duplicate_records" not in [r.code for r in evidence.reasons]
        assert any("duplicate record" in n and "lines 17 and 18" in n for n in source.notes)

    def test_another_deciding_variant_still_decides(self, tmp_path):
        r248q = "17\t7577538\t.\tC\tT\t.\tPASS\t.\tGT:AF\t0/1:0.4"  # c.743G>A p.Arg248Gln
        path = write(
            tmp_path / "dup.vcf",
            FILLER,
            r248q,
            R175H.format(filter="germline", af=0.45),
            R175H.format(filter="PASS", af=0.45),
        )
        _, evidence = judged(path)
        assert evidence.status == "mutated"
        assert [r.code for r in evidence.reasons] == ["tp53_mutated", "tp53_duplicate_records"]

    def test_indexed_file_names_the_lines_too(self, tmp_path):
        plain = write(
            tmp_path / "dup.vcf", FILLER, R175H.format(filter="germline", af=0.45), R175H.format(filter="PASS", af=0.45)
        )
        _, evidence = judged(bgzip(plain))
        assert evidence.status == "not_assessable"
        assert "line 17" in evidence.reasons[0].message and "line 18" in evidence.reasons[0].message

    def test_maf_duplicate_rows_disagreeing(self, tmp_path):
        lines = GDC_MAF.read_text().splitlines(keepends=True)
        header_at = next(i for i, line in enumerate(lines) if line.startswith("Hugo_Symbol"))
        columns = lines[header_at].rstrip("\n").split("\t")
        row = next(line for line in lines[header_at + 1 :] if line.startswith("TP53\t"))
        fields = row.rstrip("\n").split("\t")
        # The same p.Val272Met again, subclonal: 2 of 94 reads instead of 33.
        fields[columns.index("t_ref_count")], fields[columns.index("t_alt_count")] = "92", "2"
        maf = tmp_path / "dup.maf"
        maf.write_text("".join(lines) + "\t".join(fields) + "\n")
        barcode = fields[columns.index("Tumor_Sample_Barcode")]
        maf_module.clear_cache()
        source, evidence = judged(maf, tumor_sample=barcode)
        assert len(source.variants) == 2
        assert evidence.status == "not_assessable"
        assert evidence.reasons[0].code == "tp53_duplicate_records"
        assert "fix the MAF" in evidence.reasons[0].message and "line 5" in evidence.reasons[0].message


# --------------------------------------------------------------------------- 2. structural variants

# VCF 4.2 section 5.3, record 2 ("an imprecise deletion") moved to TP53: POS upstream of the collected region.
DEL_FROM_UPSTREAM = "17\t7560000\t.\tT\t<DEL>\t.\tPASS\tSVTYPE=DEL;END=7578000;SVLEN=-18000\tGT:AF\t0/1:."
DEL_SVLEN_ONLY = (
    "17\t7570000\t.\tT\t<DEL>\t.\tPASS\tSVTYPE=DEL;SVLEN=-3000\tGT:AF\t0/1:."  # 7,570,001-7,573,000: exon 11
)
DUP_INTO_GENE = "17\t7560000\t.\tA\t<DUP>\t.\tPASS\tSVTYPE=DUP;END=7578000;SVLEN=18000\tGT:AF\t0/1:."
INV_IN_INTRON_1 = "17\t7582000\t.\tA\t<INV>\t.\tPASS\tSVTYPE=INV;END=7584000\tGT:AF\t0/1:."
DEL_IN_INTRON_1 = "17\t7582000\t.\tA\t<DEL>\t.\tPASS\tSVTYPE=DEL;END=7584000;SVLEN=-2000\tGT:AF\t0/1:."
# VCF 4.2 section 5.4 breakends: one inside intron 4, one outside TP53 whose mate lies in intron 4.
BND_IN_GENE = "17\t7578900\tbnd_Y\tA\tA]2:321681]\t.\tPASS\tSVTYPE=BND\tGT:AF\t0/1:."
BND_MATE_IN_GENE = "17\t7400000\tbnd_Z\tC\t[17:7578900[C\t.\tPASS\tSVTYPE=BND\tGT:AF\t0/1:."


class TestStructuralVariants:
    def test_new_classes_decide_by_default(self):
        assert {"structural_deletion", "structural_rearrangement"} <= set(SETTINGS.deciding_consequences)

    @pytest.mark.parametrize(
        ("record", "consequence"),
        [
            (DEL_FROM_UPSTREAM, "structural_deletion"),
            (DEL_SVLEN_ONLY, "structural_deletion"),
            (DUP_INTO_GENE, "structural_rearrangement"),
            (BND_IN_GENE, "structural_rearrangement"),
            (BND_MATE_IN_GENE, "structural_rearrangement"),
        ],
        ids=["del-upstream-pos", "del-svlen-only", "dup-into-gene", "bnd-in-gene", "bnd-mate-in-gene"],
    )
    def test_sv_disrupting_tp53_makes_it_mutated_on_every_read_path(self, tmp_path, record, consequence):
        records = sorted([FILLER, record], key=lambda r: int(r.split("\t")[1]))
        for kind, path in every_way(tmp_path, *records).items():
            source, evidence = judged(path)
            calls = [c for c in source.variants if c.alt.startswith(("<", "[", "A]"))]
            assert [c.consequence for c in calls] == [consequence], kind
            assert evidence.status == "mutated", kind
            assert calls[0].decides, kind

    @pytest.mark.parametrize("record", [INV_IN_INTRON_1, DEL_IN_INTRON_1], ids=["inv", "del"])
    def test_sv_wholly_inside_an_intron_is_listed_not_counted(self, tmp_path, record):
        source, evidence = judged(write(tmp_path / "sv.vcf", FILLER, record))
        assert len(source.variants) == 1 and not source.variants[0].decides
        assert evidence.status == "wild_type"
        assert any("listed, not counted" in n for n in source.notes)

    def test_filtered_sv_does_not_decide(self, tmp_path):
        record = DEL_FROM_UPSTREAM.replace("PASS", "weak_evidence")
        source, evidence = judged(write(tmp_path / "sv.vcf", FILLER, record))
        assert source.variants[0].consequence == "structural_deletion"
        assert source.variants[0].category == "filtered" and evidence.status == "wild_type"


# --------------------------------------------------------------------------- 4. stale index

# A Strelka2 C>T record of this file moved to TP53 c.524G>A (p.Arg175His, 17:7,578,406), 20 of 99 reads.
TP53_RECORD = (
    b"17\t7578406\t.\tC\tT\t.\tPASS\tSOMATIC;QSS=122;TQSS=1;NT=ref;QSS_NT=122;TQSS_NT=1;SGT=CC->CT;DP=206;MQ=59.56;"
    b"MQ0=1;ReadPosRankSum=0;SNVSB=0;SomaticEVS=17.27\tDP:FDP:SDP:SUBDP:AU:CU:GU:TU\t100:3:0:0:0,0:97,101:0,0:0,0\t"
    b"99:5:0:0:0,0:74,81:0,0:20,21\n"
)


def _chrom_pos(line: bytes) -> tuple[bytes, int]:
    chrom, pos, _ = line.split(b"\t", 2)
    return chrom, int(pos)


def insert_tp53_variant(lines: list[bytes]) -> list[bytes]:
    at = next(i for i, line in enumerate(lines) if line.startswith(b"17\t") and _chrom_pos(line)[1] > 7578406)
    return lines[:at] + [TP53_RECORD] + lines[at:]


def insert_before_chr17(lines: list[bytes]) -> list[bytes]:
    # Ten more chromosome-1 records (copies moved by one base): everything after them shifts.
    records = [i for i, line in enumerate(lines) if line.startswith(b"1\t")][:10]
    added = []
    for i in records:
        chrom, pos, rest = lines[i].split(b"\t", 2)
        added.append((i, b"\t".join((chrom, str(int(pos) + 1).encode(), rest))))
    for i, line in reversed(added):
        lines = lines[: i + 1] + [line] + lines[i + 1 :]
    return lines


def remove_records(lines: list[bytes]) -> list[bytes]:
    # Every fifth record of chromosomes 16 and 17 gone.
    return [line for i, line in enumerate(lines) if not (line.startswith((b"16\t", b"17\t")) and i % 5 == 0)]


def remove_then_add_tp53(lines: list[bytes]) -> list[bytes]:
    # Net length almost unchanged: one chromosome-2 record out, the TP53 record in.
    at = next(i for i, line in enumerate(lines) if line.startswith(b"2\t"))
    return insert_tp53_variant(lines[:at] + lines[at + 1 :])


class TestStaleIndex:
    @pytest.fixture
    def original(self, tmp_path) -> Path:
        plain = tmp_path / "orig.vcf"
        plain.write_bytes(gzip.decompress(LACHESIS_GZ.read_bytes()))
        return plain

    def indexed_copy(self, plain: Path, folder: Path, kind: str) -> Path:
        folder.mkdir()
        return bgzip(shutil.copy(plain, folder / "calls.vcf"), kind)

    @staticmethod
    def comparable(source) -> dict:
        result = dataclasses.asdict(source)
        result["notes"] = [n for n in result["notes"] if not n.startswith("the index next to the VCF")]
        result.pop("indexed")
        result.pop("path")
        return result

    @pytest.mark.parametrize("kind", ["tbi", "csi"])
    @pytest.mark.parametrize(
        "rewrite",
        [insert_tp53_variant, insert_before_chr17, remove_records, remove_then_add_tp53],
        ids=lambda f: f.__name__,
    )
    def test_rewritten_vcf_with_its_old_index_copied_back_equals_streaming(self, tmp_path, original, kind, rewrite):
        gz = self.indexed_copy(original, tmp_path / "vcf", kind)
        index = Path(f"{gz}.{kind}")
        old_index = index.read_bytes()
        lines = original.read_bytes().splitlines(keepends=True)
        rewritten = tmp_path / "rewritten.vcf"
        rewritten.write_bytes(b"".join(rewrite(lines)))
        pysam.tabix_compress(str(rewritten), str(gz), force=True)
        index.write_bytes(old_index)  # copied back afterwards: newer than the VCF
        assert index.stat().st_mtime_ns >= gz.stat().st_mtime_ns
        streamed = read(self.indexed_copy(rewritten, tmp_path / "plain", None))
        source = read(gz)
        assert source.indexed is False
        assert self.comparable(source) == self.comparable(streamed)
        assert any(n.startswith("the index next to the VCF does not match the file") for n in source.notes)
        if rewrite in (insert_tp53_variant, remove_then_add_tp53):
            assert [c.hgvs_p for c in source.variants] == ["p.Arg175His"]

    @pytest.mark.parametrize("kind", ["tbi", "csi"])
    def test_a_matching_index_is_still_used(self, tmp_path, original, kind, monkeypatch):
        used = []
        real = vcf_module._read_indexed
        monkeypatch.setattr(vcf_module, "_read_indexed", lambda *a, **k: used.append(real(*a, **k)) or used[-1])
        edited = tmp_path / "edited.vcf"
        edited.write_bytes(b"".join(insert_tp53_variant(original.read_bytes().splitlines(keepends=True))))
        source = read(self.indexed_copy(edited, tmp_path / "vcf", kind))
        assert used and used[0] is not None and source.indexed is True
        streamed = read(self.indexed_copy(edited, tmp_path / "plain", None))
        assert source.records_on_tp53_chrom == streamed.records_on_tp53_chrom == 231
        assert [c.hgvs_p for c in source.variants] == ["p.Arg175His"]


# --------------------------------------------------------------------------- 3. MAF samples without rows


class TestMafSequencedSamples:
    def maf(self, tmp_path: Path, comment: str) -> Path:
        path = tmp_path / "study.maf"
        text = GDC_MAF.read_text()
        path.write_text(text.replace("#version gdc-1.0.0\n", f"#version gdc-1.0.0\n{comment}\n"))
        maf_module.clear_cache()
        return path

    @pytest.mark.parametrize("separator", [" ", "\t"])
    def test_listed_sample_without_rows_is_an_empty_source_with_the_note(self, tmp_path, separator):
        path = self.maf(tmp_path, f"#sequenced_samples:{separator}TCGA-A2-A04W-01A{separator}TCGA-XX-0001-01")
        source = read(path, tumor_sample="TCGA-XX-0001-01")
        assert source.format == "maf" and source.variants == [] and source.records_on_tp53_chrom == 0
        assert source.notes[0].startswith("sequenced, no rows: ") and "line 2" in source.notes[0]

    def test_unlisted_sample_still_raises_with_the_closest_barcodes(self, tmp_path):
        path = self.maf(tmp_path, "#sequenced_samples: TCGA-A2-A04W-01A TCGA-XX-0001-01")
        with pytest.raises(InputError) as err:
            read(path, tumor_sample="TCGA-XX-0001-02")
        assert err.value.code == "maf_sample_not_found" and "TCGA-XX-0001-01" in str(err.value)


# --------------------------------------------------------------------------- 5. genome build in the header

# TP53 c.376-2A>G (intron 4 splice acceptor, GRCh37 17:7,578,556 T>C): outside the coding bases the
# other-build check compares.
SPLICE = "17\t7578556\t.\tT\tC\t.\tPASS\t.\tGT:AF\t0/1:0.4"
NO_CONTIG_HEADER = HEADER.replace("##contig=<ID=2,length=243199373>\n##contig=<ID=17,length=81195210>\n", "")


class TestHeaderBuild:
    @pytest.mark.parametrize(
        "line",
        [
            "##reference=file:///refs/GRCh38_full_analysis_set_plus_decoy_hla.fa",
            "##reference=file:///bcbio/genomes/Hsapiens/hg38/seq/hg38.fa",
            "##contig=<ID=17,assembly=GRCh38>",
            "##contig=<ID=17,length=83257441>",
        ],
        ids=["reference-grch38", "reference-hg38", "assembly", "length"],
    )
    def test_header_of_the_other_build_is_rejected(self, tmp_path, line):
        header = NO_CONTIG_HEADER.replace("##fileformat=VCFv4.2\n", f"##fileformat=VCFv4.2\n{line}\n")
        path = write(tmp_path / "calls.vcf", FILLER, SPLICE, header=header)
        with pytest.raises(InputError) as err:
            read(path)
        assert err.value.code.startswith("build_") and "GRCh37" in str(err.value)

    def test_header_of_the_declared_build_is_read(self, tmp_path):
        header = NO_CONTIG_HEADER.replace(
            "##fileformat=VCFv4.2\n", "##fileformat=VCFv4.2\n##reference=file:///data/b37/human_g1k_v37.fasta\n"
        )
        source = read(write(tmp_path / "calls.vcf", FILLER, SPLICE, header=header))
        assert [c.consequence for c in source.variants] == ["splice_acceptor"]


# --------------------------------------------------------------------------- 6. coverage not required


def test_wild_type_without_coverage_evidence_says_the_configuration_allowed_it(tmp_path):
    source = read(write(tmp_path / "calls.vcf", FILLER))
    unverified = CoverageEvidence(verified=False, adequate=None, method=None)
    default = assess_tp53(source, unverified, cn=None, settings=tp53_settings(), build="GRCh37")
    assert default.status == "not_assessable" and default.reasons[0].code == "tp53_coverage_not_verified"
    lenient = assess_tp53(source, unverified, cn=None, settings=tp53_settings(require_coverage=False), build="GRCh37")
    assert lenient.status == "wild_type"
    assert "tp53_coverage_not_required" in [r.code for r in lenient.reasons]


# --------------------------------------------------------------------------- 7. messages


class TestMessages:
    @pytest.mark.parametrize("kind", ["bom", "gzip"])
    def test_broken_header_names_the_users_file_not_the_temporary_copy(self, tmp_path, kind):
        text = b"##fileformat=VCFv4.2\n##INFO=<ID=X,Number=1,Type=Integer\n" + FILLER.encode() + b"\n"
        path = tmp_path / ("calls.vcf" if kind == "bom" else "calls.vcf.gz")
        path.write_bytes(b"\xef\xbb\xbf" + text if kind == "bom" else gzip.compress(text))
        with pytest.raises(InputError) as err:
            read(path)
        assert str(path) in str(err.value) and "mdm2screen-vcf-" not in str(err.value)

    def test_content_of_an_unrecognised_file_is_never_quoted(self, tmp_path):
        path = tmp_path / "calls.vcf"
        path.write_text("DB_PASSWORD=correct-horse-battery-staple\nDB_HOST=db.internal\n")
        with pytest.raises(InputError) as err:
            read(path)
        assert err.value.code == "variants_format_unknown"
        assert "DB_PASSWORD" not in str(err.value) and "correct-horse" not in str(err.value)
        assert str(path) in str(err.value)


# --------------------------------------------------------------------------- 8. unreadable inputs


def _coverage(path: Path):
    return assess_coverage(build="GRCh37", coverage=str(path), settings=SETTINGS)


class TestUnreadableInputs:
    def test_folder(self, tmp_path):
        for call in (read, _coverage):
            with pytest.raises(InputError) as err:
                call(tmp_path)
            assert err.value.code == "input_not_a_file"

    def test_fifo_is_refused_without_being_opened(self, tmp_path):
        fifo = tmp_path / "calls.vcf"
        os.mkfifo(fifo)
        assert stat.S_ISFIFO(fifo.stat().st_mode)
        for call in (read, _coverage):  # opening it would block until a writer appears
            with pytest.raises(InputError) as err:
                call(fifo)
            assert err.value.code == "input_not_a_file" and "named pipe" in str(err.value)

    def test_no_read_permission(self, tmp_path, monkeypatch):
        path = write(tmp_path / "calls.vcf", FILLER)
        real = os.access
        # Root reads any file, so the permission check is shown the answer a normal user would get.
        monkeypatch.setattr(os, "access", lambda p, mode, **k: False if Path(p) == path else real(p, mode, **k))
        for call in (read, _coverage):
            with pytest.raises(InputError) as err:
                call(path)
            assert err.value.code == "input_unreadable" and "permission denied" in str(err.value)

    def test_open_refused_after_the_check(self, tmp_path, monkeypatch):
        path = write(tmp_path / "calls.vcf", FILLER)
        real = open

        def refusing(file, *args, **kwargs):
            if Path(file) == path if isinstance(file, (str, Path)) else False:
                raise PermissionError(13, "Permission denied", str(file))
            return real(file, *args, **kwargs)

        monkeypatch.setattr("builtins.open", refusing)
        with pytest.raises(InputError) as err:
            read(path)
        assert err.value.code == "input_unreadable"

    def test_file_vanishing_between_check_and_read(self, tmp_path, monkeypatch):
        path = write(tmp_path / "calls.vcf", FILLER)
        detect = variants_module.detect_variant_format

        def detect_then_vanish(p):
            fmt = detect(p)
            os.unlink(path)  # e.g. a clean-up job between the sheet check and the read
            return fmt

        monkeypatch.setattr(variants_module, "detect_variant_format", detect_then_vanish)
        with pytest.raises(InputError) as err:
            read(path)
        assert err.value.code == "input_missing" and str(path) in str(err.value)
        with pytest.raises(InputError) as err:
            _coverage(path)
        assert err.value.code == "input_missing"
