"""Coverage evidence for TP53: a BAM written here with pysam, mosdepth BED files, assay BEDs, gene panels.

mosdepth files follow its README (github.com/brentp/mosdepth): ``{prefix}.per-base.bed.gz`` rows
``chrom start end depth`` (0-based, half-open; adjacent bases of equal depth merged; bgzipped with
a .csi index), ``{prefix}.regions.bed.gz`` rows ``chrom start end [name] mean_depth``. BED is 0-based
half-open (genome.ucsc.edu/FAQ/FAQformat.html#format1). TP53 coding exons are those of
resources/reference/tp53_exons.tsv (GRCh37: exon 10 coding = 7573927-7574033).
"""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import pysam
import pytest
from conftest import LACHESIS

from mdm2screen.config import load_settings
from mdm2screen.errors import InputError
from mdm2screen.variants import TP53Settings, assess_coverage, assess_tp53, read_tp53_variants


def tp53_settings(**changes) -> TP53Settings:
    """The configuration's tp53 section (its defaults), with ``changes``."""
    return dataclasses.replace(TP53Settings.from_config(load_settings({"samples": "x"})["tp53"]), **changes)


SETTINGS = tp53_settings()
CHR17_37 = 81_195_210
DATA = Path(__file__).parent / "data" / "variants"
# GRCh37 coding extents per exon (tp53_exons.tsv): exon -> (start, end), 1-based inclusive.
CODING = {
    2: (7579839, 7579912), 3: (7579700, 7579721), 4: (7579312, 7579590), 5: (7578371, 7578554),
    6: (7578177, 7578289), 7: (7577499, 7577608), 8: (7577019, 7577155), 9: (7576853, 7576926),
    10: (7573927, 7574033), 11: (7572927, 7573008),
}  # fmt: skip
CODING_BASES = sum(e - s + 1 for s, e in CODING.values())


def make_bam(path: Path, exons: list[int], depth: int = 120, read_len: int = 100, contig: str = "17") -> Path:
    """Sorted, indexed BAM whose reads tile the given coding exons at ``depth`` (every start position)."""
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": contig, "LN": CHR17_37}]}
    copies = -(-depth // read_len)  # every start position, repeated: each base gets read_len * copies reads
    starts = sorted(p for n in exons for p in range(CODING[n][0] - read_len, CODING[n][1]))
    unsorted = path.with_suffix(".unsorted.bam")
    with pysam.AlignmentFile(str(unsorted), "wb", header=header) as bam:
        for i, start in enumerate(starts):
            for copy in range(copies):
                read = pysam.AlignedSegment(bam.header)
                read.query_name = f"r{i}_{copy}"
                read.reference_id = 0
                read.reference_start = start  # 0-based
                read.cigartuples = [(0, read_len)]
                read.query_sequence = "A" * read_len
                read.query_qualities = pysam.qualitystring_to_array("I" * read_len)
                read.mapping_quality = 60
                bam.write(read)
    pysam.sort("-o", str(path), str(unsorted))
    pysam.index(str(path))
    return path


@pytest.fixture(scope="module")
def deep_bam(tmp_path_factory) -> Path:
    return make_bam(tmp_path_factory.mktemp("bam") / "deep.bam", list(CODING))


@pytest.fixture(scope="module")
def partial_bam(tmp_path_factory) -> Path:
    return make_bam(tmp_path_factory.mktemp("bam") / "partial.bam", [5, 6, 7, 8])


class TestBam:
    def test_deep_everywhere_is_adequate(self, deep_bam):
        cov = assess_coverage(build="GRCh37", bam=str(deep_bam), settings=SETTINGS)
        assert (cov.verified, cov.adequate, cov.method) == (True, True, "bam")
        assert cov.fraction_covered == 1.0 and cov.min_depth == 100
        assert "1182/1182" in cov.detail

    def test_a_few_exons_only_is_inadequate_and_tp53_not_assessable(self, partial_bam, deep_bam):
        cov = assess_coverage(build="GRCh37", bam=str(partial_bam), settings=SETTINGS)
        expected = sum(CODING[n][1] - CODING[n][0] + 1 for n in (5, 6, 7, 8)) / CODING_BASES
        assert cov.verified and cov.adequate is False
        assert cov.fraction_covered == pytest.approx(expected, abs=1e-4)
        assert cov.fraction_covered < 0.95
        assert "exon 2 0%" in cov.detail
        # A VCF with chr17 records but no TP53 variant: with this BAM it is not wild type.
        source = read_tp53_variants(
            LACHESIS / "strelka2.somatic.snvs.vcf.gz",
            build="GRCh37",
            tumor_sample=None,
            sample_id=None,
            settings=SETTINGS,
        )
        evidence = assess_tp53(source, cov, cn=None, settings=SETTINGS, build="GRCh37")
        assert evidence.status == "not_assessable"
        assert evidence.reasons[0].code == "tp53_coverage_insufficient"
        deep = assess_coverage(build="GRCh37", bam=str(deep_bam), settings=SETTINGS)
        assert assess_tp53(source, deep, cn=None, settings=SETTINGS, build="GRCh37").status == "wild_type"

    def test_higher_depth_requirement_fails_the_same_bam(self, deep_bam):
        cov = assess_coverage(build="GRCh37", bam=str(deep_bam), settings=tp53_settings(min_depth=500))
        assert cov.adequate is False and cov.fraction_covered == 0.0

    def test_index_is_required(self, tmp_path):
        bam = make_bam(tmp_path / "x.bam", [7])
        Path(str(bam) + ".bai").unlink()
        with pytest.raises(InputError) as err:
            assess_coverage(build="GRCh37", bam=str(bam), settings=SETTINGS)
        assert err.value.code == "coverage_index_missing"

    def test_bam_header_of_another_build(self, deep_bam):
        with pytest.raises(InputError) as err:
            assess_coverage(build="GRCh38", bam=str(deep_bam), settings=SETTINGS)
        assert err.value.code == "build_mismatch"

    def test_cram_is_decoded_with_the_configured_reference_only(self, tmp_path, deep_bam, monkeypatch):
        """A CRAM needs its reference: given (config `reference_fasta`) the depth is read as from
        the BAM; not given and not findable, TP53 coverage is unusable, never adequate."""
        written = tmp_path / "written_with.fa"
        with open(written, "w") as fasta:  # chromosome 17 of GRCh37's length, all N
            fasta.write(">17\n")
            line = "N" * 60 + "\n"
            fasta.write(line * (CHR17_37 // 60) + "N" * (CHR17_37 % 60) + "\n")
        pysam.faidx(str(written))
        cram = tmp_path / "deep.cram"
        pysam.view("-C", "-T", str(written), "-o", str(cram), str(deep_bam), catch_stdout=False)
        pysam.index(str(cram))
        # The reference moves: the CRAM header's UR no longer finds it, and REF_PATH (set to an
        # empty folder) keeps htslib from asking the network.
        elsewhere = tmp_path / "ref" / "GRCh37.fa"
        elsewhere.parent.mkdir()
        written.rename(elsewhere)
        Path(str(written) + ".fai").rename(str(elsewhere) + ".fai")
        monkeypatch.setenv("REF_PATH", str(tmp_path / "no_cache" / "%s"))
        monkeypatch.delenv("REF_CACHE", raising=False)

        from_bam = assess_coverage(build="GRCh37", bam=str(deep_bam), settings=SETTINGS)
        from_cram = assess_coverage(build="GRCh37", bam=str(cram), settings=SETTINGS, reference=str(elsewhere))
        assert from_cram.adequate is True and from_cram.detail == from_bam.detail
        with pytest.raises(InputError) as err:
            assess_coverage(build="GRCh37", bam=str(cram), settings=SETTINGS)
        assert err.value.code == "coverage_bam_unreadable"
        assert "set reference_fasta.GRCh37 in the configuration" in str(err.value)

    def test_not_a_bam(self, tmp_path):
        junk = tmp_path / "junk.bam"
        junk.write_bytes(b"this is not a BAM file\n")
        with pytest.raises(InputError):
            assess_coverage(build="GRCh37", bam=str(junk), settings=SETTINGS)


def per_base_rows(low_exon: int | None = None, contig: str = "17") -> list[str]:
    """mosdepth per-base rows: depth 0 up to TP53, 150x over the locus (20x over ``low_exon``), 0 after."""
    lo, hi = 7571000, 7591000  # 0-based half-open span around TP53
    rows = [f"{contig}\t0\t{lo}\t0"]
    if low_exon is None:
        rows.append(f"{contig}\t{lo}\t{hi}\t150")
    else:
        s, e = CODING[low_exon]
        rows += [f"{contig}\t{lo}\t{s - 1}\t150", f"{contig}\t{s - 1}\t{e}\t20", f"{contig}\t{e}\t{hi}\t150"]
    rows.append(f"{contig}\t{hi}\t{CHR17_37}\t0")
    return rows


def write_bgzip_bed(path: Path, rows: list[str], csi: bool = True) -> Path:
    plain = path.with_suffix("")  # x.per-base.bed
    plain.write_text("\n".join(rows) + "\n")
    out = pysam.tabix_index(str(plain), preset="bed", force=True, csi=csi)
    return Path(out)


class TestMosdepth:
    def test_indexed_per_base(self, tmp_path):
        path = write_bgzip_bed(tmp_path / "s.per-base.bed.gz", per_base_rows())
        assert Path(str(path) + ".csi").exists()
        cov = assess_coverage(build="GRCh37", coverage=str(path), settings=SETTINGS)
        assert (cov.method, cov.adequate, cov.fraction_covered) == ("mosdepth", True, 1.0)
        assert "150x" in cov.detail

    def test_unindexed_plain_gzip_with_a_shallow_exon(self, tmp_path):
        path = tmp_path / "s.per-base.bed.gz"
        path.write_bytes(gzip.compress(("\n".join(per_base_rows(low_exon=7, contig="chr17")) + "\n").encode()))
        cov = assess_coverage(build="GRCh37", coverage=str(path), settings=SETTINGS)
        assert cov.adequate is False
        assert cov.fraction_covered == pytest.approx((CODING_BASES - 110) / CODING_BASES, abs=1e-4)
        assert "exon 7 0%" in cov.detail  # 97.4% of coding bases overall, but exon 7 is at 20x

    def test_regions_file_with_names(self, tmp_path):
        exons = sorted(CODING.items(), key=lambda item: item[1])
        rows = [f"17\t{s - 1}\t{e}\tTP53_exon{n}\t{180.25 if n != 3 else 35.5}" for n, (s, e) in exons]
        path = write_bgzip_bed(tmp_path / "s.regions.bed.gz", rows, csi=False)
        cov = assess_coverage(build="GRCh37", coverage=str(path), settings=SETTINGS)
        assert cov.adequate is False and "exon 3 0%" in cov.detail and "regions" in cov.detail

    def test_malformed_row_names_the_line(self, tmp_path):
        path = tmp_path / "bad.per-base.bed"
        path.write_text("17\t7571000\t7591000\tdeep\n")
        with pytest.raises(InputError) as err:
            assess_coverage(build="GRCh37", coverage=str(path), settings=SETTINGS)
        assert err.value.line == 1 and err.value.code == "coverage_unreadable"

    def test_a_bed_without_a_depth_column_is_refused(self, tmp_path):
        """A 3-column BED's last column is the end coordinate: read as a depth, every base would be covered."""
        path = tmp_path / "targets.per-base.bed"
        path.write_text("17\t7571000\t7591000\n")
        with pytest.raises(InputError) as err:
            assess_coverage(build="GRCh37", coverage=str(path), settings=SETTINGS)
        assert err.value.line == 1 and err.value.code == "coverage_unreadable" and "no depth column" in str(err.value)


def assay_bed(path: Path, skip: tuple[int, ...] = (), pad: int = 10, header: bool = True) -> Path:
    lines = ["track name=assay_targets", "# TP53 coding exons, padded"] if header else []
    lines += [f"chr17\t{s - 1 - pad}\t{e + pad}\tTP53_{n}" for n, (s, e) in CODING.items() if n not in skip]
    lines.append("chr12\t69201955\t69244466\tMDM2")
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


class TestAssayAndPanel:
    def test_assay_missing_exon_10_makes_tp53_not_assessable(self, tmp_path):
        cov = assess_coverage(
            build="GRCh37", assay_targets=str(assay_bed(tmp_path / "a.bed", skip=(10,))), settings=SETTINGS
        )
        assert cov.method == "assay_targets" and cov.adequate is False
        assert cov.fraction_covered == pytest.approx((CODING_BASES - 107) / CODING_BASES, abs=1e-4)
        assert "exon 10 0%" in cov.detail
        source = read_tp53_variants(
            LACHESIS / "strelka2.somatic.snvs.vcf.gz",
            build="GRCh37",
            tumor_sample=None,
            sample_id=None,
            settings=SETTINGS,
        )
        evidence = assess_tp53(source, cov, cn=None, settings=SETTINGS, build="GRCh37")
        assert evidence.status == "not_assessable"
        assert evidence.reasons[0].code == "tp53_coverage_insufficient"

    def test_full_assay_is_adequate(self, tmp_path):
        cov = assess_coverage(build="GRCh37", assay_targets=str(assay_bed(tmp_path / "a.bed")), settings=SETTINGS)
        assert cov.adequate is True and cov.fraction_covered == 1.0 and cov.min_depth is None

    def test_assay_missing_only_exon_3_still_fails(self, tmp_path):
        # 22 of 1182 bases: 98% overall, but a whole coding exon is not examined.
        cov = assess_coverage(
            build="GRCh37", assay_targets=str(assay_bed(tmp_path / "a.bed", skip=(3,))), settings=SETTINGS
        )
        assert cov.fraction_covered > 0.95 and cov.adequate is False

    def test_gene_panel(self):
        assert assess_coverage(build="GRCh37", panel_genes={"MDM2", "tp53"}, settings=SETTINGS).adequate is True
        cov = assess_coverage(build="GRCh37", panel_genes={"MDM2", "CDK4"}, settings=SETTINGS)
        assert cov.verified and cov.adequate is False and "not among the 2 genes" in cov.detail

    def test_all_evidence_must_agree(self, tmp_path, deep_bam):
        both = assess_coverage(
            build="GRCh37",
            bam=str(deep_bam),
            assay_targets=str(assay_bed(tmp_path / "a.bed", skip=(10,))),
            settings=SETTINGS,
        )
        assert both.method == "bam+assay_targets" and both.adequate is False
        assert both.fraction_covered == pytest.approx((CODING_BASES - 107) / CODING_BASES, abs=1e-4)
        good = assess_coverage(build="GRCh37", bam=str(deep_bam), panel_genes={"TP53"}, settings=SETTINGS)
        assert good.adequate is True and good.method == "bam+gene_panel"

    def test_no_evidence_is_unverified(self):
        cov = assess_coverage(build="GRCh37", settings=SETTINGS)
        assert (cov.verified, cov.adequate, cov.method) == (False, None, None)

    def test_bed_coordinates_past_the_chromosome_end(self, tmp_path):
        bed = tmp_path / "wrong.bed"
        bed.write_text("17\t83000000\t83257000\tX\n")
        with pytest.raises(InputError) as err:
            assess_coverage(build="GRCh37", assay_targets=str(bed), settings=SETTINGS)
        assert err.value.code == "build_mismatch"
