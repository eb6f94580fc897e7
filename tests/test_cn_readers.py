"""Copy-number readers: format detection, every format on real files, sample selection, build checks,
caching and bad input.

Real files come from tests/data/cn/ (copies with licences, see tests/data/cn/README.md). Where no
public example exists the file was built to the caller's documentation
(tests/data/cn/spec/build_spec_files.py); the specification is cited at each test.
"""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pysam
import pytest
from conftest import CN_DATA, CNVKIT, GPGR, HMF, LACHESIS, PCGR, RTCGA_SEG, SPEC, VCFSTUFF

from mdm2screen.cn import FORMATS, detect_format, read_copy_number
from mdm2screen.cn import ascat as ascat_reader
from mdm2screen.cn.read import cache_clear, cache_info
from mdm2screen.errors import InputError

DATA = CN_DATA


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear()
    yield
    cache_clear()


def neutral_copy(src: Path, tmp_path: Path, name: str = "input.dat") -> Path:
    """Copy ``src`` to a name that says nothing about its format."""
    dst = tmp_path / name
    shutil.copyfile(src, dst)
    return dst


def write(tmp_path: Path, text: str, name: str = "input.dat") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def seg_of(profile, chrom: str, pos: int):
    hits = [s for s in profile.segments if s.chrom == chrom and s.start <= pos <= s.end]
    assert len(hits) == 1, hits
    return hits[0]


# --------------------------------------------------------------------------- detection

DETECT_CASES = [
    (CNVKIT / "tr95t.cns", "cnvkit"),
    (CNVKIT / "cl_seq.cns", "cnvkit"),
    (CNVKIT / "p2-9_2.call.cns", "cnvkit"),
    (CNVKIT / "amplicon.cns", "cnvkit"),
    (VCFSTUFF / "HCC2218_cnvkit-call.cns", "cnvkit"),
    (CNVKIT / "amplicon.cnr", "cnvkit_cnr"),
    (CNVKIT / "cw-tr-log2.seg", "seg"),
    (CNVKIT / "acgh-log10.seg", "seg"),  # log10 is never guessed: looks like seg, must be named
    (CNVKIT / "warning.seg", "seg"),
    (RTCGA_SEG, "seg"),
    (LACHESIS / "NB-S-599-T.purple.cnv.somatic.tsv", "purple_somatic"),
    (HMF / "tumor_sample.purple.cnv.somatic.tsv", "purple_somatic"),
    (GPGR / "purple.cnv.somatic.tsv", "purple_somatic"),
    (VCFSTUFF / "HCC2218_purple.cnv.tsv", "purple_somatic"),  # older PURPLE '#chromosome' header
    (HMF / "tumor_sample.purple.cnv.gene.EXCERPT_CDK4_MDM2_TP53.tsv", "purple_gene"),
    (GPGR / "purple.cnv.gene.tsv", "purple_gene"),
    (VCFSTUFF / "HCC2218_facets_cncf.tsv", "facets"),
    (LACHESIS / "S98.segments.txt", "ascat"),
    (PCGR / "T001-BRCA.grch37.cna.tsv", "ascat"),
    (PCGR / "T001-BRCA.grch38.cna.tsv", "ascat"),
    (LACHESIS / "NBE26_comb_pro_extra3.25_0.88.txt", "aceseq"),
    (SPEC / "sequenza_sample_segments.txt", "sequenza"),
    (SPEC / "gatk_tumor.modelFinal.seg", "gatk_seg"),
    (SPEC / "gatk_tumor.called.seg", "gatk_seg"),
    (SPEC / "gatk_tumor.cr.seg", "gatk_seg"),
    (SPEC / "dragen_tumor.cnv.vcf", "dragen_vcf"),
    (SPEC / "tst_sample_CopyNumberVariants.vcf", "dragen_vcf"),
    (SPEC / "bed_headerless.bed", "bed"),
    (SPEC / "bed_hash_header.bed", "bed"),
    (SPEC / "bed_one_based.tsv", "bed"),
]


@pytest.mark.parametrize("src,expected", DETECT_CASES, ids=[p.name for p, _ in DETECT_CASES])
def test_detect_format_from_content_not_name(src: Path, expected: str, tmp_path: Path) -> None:
    path = neutral_copy(src, tmp_path)
    assert detect_format(path) == expected
    # read_copy_number without fmt detects the same way
    if expected not in ("seg",) and "S98" not in src.name:
        build = (
            "GRCh38"
            if any(k in src.name for k in ("NB-S-599", "grch38", "modelFinal", "dragen")) or src.parent == GPGR
            else "GRCh37"
        )
        assert read_copy_number(path, build=build).format == expected


def test_every_format_is_detected_or_explicit_only() -> None:
    detected = {fmt for _, fmt in DETECT_CASES}
    assert set(FORMATS) - detected == {"seg_log10"}
    assert len(FORMATS) == len(set(FORMATS)) == 13


def test_detection_survives_gzip_crlf_and_bom(tmp_path: Path) -> None:
    text = (CNVKIT / "tr95t.cns").read_text()
    raw = ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8")
    path = tmp_path / "blob"
    path.write_bytes(gzip.compress(raw))
    assert detect_format(path) == "cnvkit"
    plain = read_copy_number(CNVKIT / "tr95t.cns", build="GRCh37")
    messy = read_copy_number(path, build="GRCh37")
    assert [(s.chrom, s.start, s.end, s.value) for s in messy.segments] == [
        (s.chrom, s.start, s.end, s.value) for s in plain.segments
    ]


def test_unknown_content_says_what_was_expected_without_quoting_it(tmp_path: Path) -> None:
    # An unrecognised file may hold anything; the message (copied into every report) never quotes it.
    path = write(tmp_path, "purity\tploidy\tgender\n0.99\t3.1\tMALE\n")
    with pytest.raises(InputError) as err:
        detect_format(path)
    assert err.value.code == "cn_format_unknown"
    assert "ploidy" not in str(err.value) and "MALE" not in str(err.value)
    assert "2 non-blank line(s)" in str(err.value) and "seg_log10 only when named" in str(err.value)


def test_small_variant_vcf_is_not_a_copy_number_file(tmp_path: Path) -> None:
    vcf = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n17\t7577098\t.\tT\tA\t.\tPASS\t.\n"
    with pytest.raises(InputError) as err:
        detect_format(write(tmp_path, vcf))
    assert err.value.code == "cn_format_unknown"
    assert "small-variant" in str(err.value)


# --------------------------------------------------------------------------- CNVkit


def test_cnvkit_cns_start_is_zero_based(tmp_path: Path) -> None:
    # CNVkit docs "File formats": start is 0-based (BED-like), so chr1 10500 -> 10501.
    p = read_copy_number(CNVKIT / "tr95t.cns", build="GRCh37")
    assert p.format == "cnvkit" and not p.is_bin_level
    first = p.segments[0]
    assert (first.chrom, first.start, first.end) == ("1", 10501, 2421341)
    mdm2 = seg_of(p, "12", 69201956)
    assert mdm2.value == pytest.approx(2.81701, abs=1e-4) and mdm2.value_kind == "log2"
    assert (mdm2.start, mdm2.end) == (69004448, 69669616)
    assert seg_of(p, "12", 58141510).value == pytest.approx(3.53273, abs=1e-4)
    assert all(s.copy_number is None for s in p.segments)


def test_cnvkit_call_cns_cn_column_is_absolute_copy_number() -> None:
    p = read_copy_number(CNVKIT / "p2-9_2.call.cns", build="GRCh37")
    mdm2 = seg_of(p, "12", 69201956)
    assert mdm2.copy_number == 2 and mdm2.value == pytest.approx(-0.0139775)
    assert any("'cn' column" in n for n in p.notes)


def test_cnvkit_call_with_empty_allele_fields() -> None:
    # umccr/vcf_stuff HCC2218: CNVkit writes empty baf/cn1/cn2 fields when not estimated.
    p = read_copy_number(VCFSTUFF / "HCC2218_cnvkit-call.cns", build="GRCh37")
    first = p.segments[0]
    assert first.copy_number == 3 and first.major_cn is None and first.minor_cn is None
    erbb2 = seg_of(p, "17", 37700000)
    assert erbb2.copy_number == 16 and erbb2.major_cn == 15 and erbb2.minor_cn == 1


def test_cnvkit_zero_probe_placeholders_are_skipped() -> None:
    # cnvkit test/formats/amplicon.cns line 5: 0 probes and end < start (old CNVkit placeholder).
    p = read_copy_number(CNVKIT / "amplicon.cns", build="GRCh37")
    assert all(s.end >= s.start and (s.n_probes or 0) > 0 for s in p.segments)
    assert any("8 row(s) skipped" in n and "0 probes" in n for n in p.notes)
    over_mdm2 = [s for s in p.segments if s.chrom == "12" and s.end >= 69201956 and s.start <= 69244466]
    assert [round(s.value, 3) for s in over_mdm2] == [0.29, -0.583]


def test_cnvkit_cnr_is_bin_level() -> None:
    p = read_copy_number(CNVKIT / "amplicon.cnr", build="GRCh37")
    assert p.format == "cnvkit_cnr" and p.is_bin_level
    assert len(p.segments) == 1433


def test_cnr_bins_off_the_genes_chromosomes_are_checked_but_not_kept(tmp_path: Path) -> None:
    """keep_chromosomes (the screener passes its genes' chromosomes): the real amplicon.cnr keeps
    the same chr12 bins, other bins still feed the build check and the field-count check."""
    full = read_copy_number(CNVKIT / "amplicon.cnr", build="GRCh37")
    kept = read_copy_number(CNVKIT / "amplicon.cnr", build="GRCh37", keep_chromosomes={"chr12", "17"})
    assert {s.chrom for s in kept.segments} <= {"12", "17"}
    assert kept.segments == [s for s in full.segments if s.chrom in ("12", "17")]
    other = len(full.segments) - len(kept.segments)
    assert other > 0 and any(n.startswith(f"{other} bin(s) on chromosomes") for n in kept.notes)

    header = "chromosome\tstart\tend\tgene\tlog2\tdepth\tweight\n"
    cnr = tmp_path / "x.cnr"
    cnr.write_text(header + "12\t100\t200\tA\t0.2\t10\t1\n3\t300\t400000000\tA\t0.2\t10\t1\n")
    with pytest.raises(InputError, match="past the end of chromosome 3") as err:
        read_copy_number(cnr, build="GRCh37", keep_chromosomes={"12"})
    assert err.value.code == "build_mismatch"
    cnr.write_text(header + "1\t300\t400\tA\t10\t1\n12\t100\t200\tA\t0.2\t10\t1\n")
    with pytest.raises(InputError, match="different number of fields"):
        read_copy_number(cnr, build="GRCh37", keep_chromosomes={"12"})
    cnr.write_text(header + "1\t300\t200\tA\t0.1\t10\t1\n12\t100\t200\tA\t0.2\t10\t1\n")
    with pytest.raises(InputError, match="segment ends before it starts") as err:
        read_copy_number(cnr, build="GRCh37", keep_chromosomes={"12"})
    assert err.value.line == 2
    cnr.write_text(header + "1\t100\t200\tA\t0.1\t10\t1\n")
    with pytest.raises(InputError, match="no usable segments") as err:
        read_copy_number(cnr, build="GRCh37", keep_chromosomes={"12"})
    assert err.value.code == "cn_no_segments"


@pytest.mark.parametrize("name", ["tr95t.cns", "amplicon.cnr"])
def test_lines_of_only_tabs_are_blank_lines(tmp_path: Path, name: str) -> None:
    """Spreadsheet exports end with lines of empty cells; they are neither rows nor problems."""
    text = (CNVKIT / name).read_text()
    padded = tmp_path / name
    padded.write_text(text + "\t" * (text.splitlines()[0].count("\t")) + "\n" + "\t\t\n")
    a = read_copy_number(CNVKIT / name, build="GRCh37", keep_chromosomes={"12", "17"})
    b = read_copy_number(padded, build="GRCh37", keep_chromosomes={"12", "17"})
    assert (a.segments, a.notes) == (b.segments, b.notes)


def test_explicit_format_wins_over_detection() -> None:
    # tr95t.cns is CNVkit; named as seg it must be read as seg and fail on the missing sample column.
    with pytest.raises(InputError) as err:
        read_copy_number(CNVKIT / "tr95t.cns", fmt="seg", build="GRCh37")
    assert err.value.code == "cn_unreadable"
    p = read_copy_number(CNVKIT / "amplicon.cns", fmt="cnvkit_cnr", build="GRCh37")
    assert p.format == "cnvkit_cnr" and p.is_bin_level


def test_unknown_format_name_suggests(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_copy_number(CNVKIT / "tr95t.cns", fmt="cnvkt", build="GRCh37")
    assert err.value.code == "cn_format_unknown" and "did you mean 'cnvkit'" in str(err.value)


# --------------------------------------------------------------------------- SEG


def test_seg_multi_sample_needs_a_sample() -> None:
    with pytest.raises(InputError) as err:
        read_copy_number(CNVKIT / "cw-tr-log2.seg", build="GRCh37")
    assert err.value.code == "cn_sample_not_found"
    assert "41 samples" in str(err.value) and "TR_01_T" in str(err.value)


def test_seg_exact_sample_and_close_candidates() -> None:
    p = read_copy_number(CNVKIT / "cw-tr-log2.seg", sample="TR_06_T", build="GRCh37")
    assert p.sample == "TR_06_T" and p.format == "seg"
    assert seg_of(p, "12", 69300000).value == pytest.approx(3.5292)
    with pytest.raises(InputError) as err:
        read_copy_number(CNVKIT / "cw-tr-log2.seg", sample="TR_06", build="GRCh37")
    assert err.value.code == "cn_sample_not_found" and "TR_06_T" in str(err.value)
    with pytest.raises(InputError):
        read_copy_number(CNVKIT / "cw-tr-log2.seg", sample="tr_06_t", build="GRCh37")  # no case folding


def test_seg_log10_only_when_named() -> None:
    p10 = read_copy_number(CNVKIT / "acgh-log10.seg", fmt="seg_log10", sample="TR_37_T", build="GRCh37")
    p2 = read_copy_number(CNVKIT / "acgh-log10.seg", sample="TR_37_T", build="GRCh37")
    assert p10.format == "seg_log10" and p2.format == "seg"
    assert seg_of(p10, "12", 69250000).value_kind == "log10"
    assert seg_of(p2, "12", 69250000).value_kind == "log2"
    assert seg_of(p10, "12", 69250000).value == seg_of(p2, "12", 69250000).value == pytest.approx(0.9841)


def test_warning_seg_junk_line_and_quotes() -> None:
    # cnvkit test/formats/warning.seg: an R warning before the quoted header; chr1 only.
    p = read_copy_number(CNVKIT / "warning.seg", build="GRCh37")
    assert p.sample == "MySample" and len(p.segments) == 11
    assert {s.chrom for s in p.segments} == {"1"}
    assert p.segments[0].start == 10400 and p.segments[0].value == pytest.approx(0.261269921083404)
    assert any("WARNING: ignoring environment value of R_HOME" in n for n in p.notes)


def test_firehose_seg_exact_aliquot_barcode() -> None:
    p = read_copy_number(RTCGA_SEG, sample="TCGA-06-0140-01A-01D-0214-01", build="GRCh37")
    assert seg_of(p, "12", 69210000).value == pytest.approx(3.3921)


@pytest.mark.parametrize("short", ["TCGA-06-0140-01", "TCGA-06-0140"])
def test_firehose_seg_barcode_prefix_is_never_matched(short: str) -> None:
    # 15 characters: the tumour sample barcode; 12: the patient, a prefix of the tumour AND the normal aliquot.
    with pytest.raises(InputError) as err:
        read_copy_number(RTCGA_SEG, sample=short, build="GRCh37")
    assert err.value.code == "cn_sample_not_found"
    message = str(err.value)
    assert "no prefix matching" in message and "TCGA-06-0140-01A-01D-0214-01" in message
    if short == "TCGA-06-0140":
        assert "TCGA-06-0140-10A-01D-0214-01" in message  # the matched normal is listed too


def test_seg_with_r_row_names_csv_and_scientific_positions(tmp_path: Path) -> None:
    # R write.csv(row.names=TRUE): one more field per data row than the header; 1e+05 positions.
    text = (
        '"ID","chrom","loc.start","loc.end","num.mark","seg.mean"\n'
        '"1","S1","12",1e+05,69300000,50,2.5\n"2","S1","12",69300001,1.2e+08,40,0.01\n'
    )
    p = read_copy_number(write(tmp_path, text), build="GRCh37")
    assert p.sample == "S1"
    assert [(s.start, s.end, s.value) for s in p.segments] == [(100000, 69300000, 2.5), (69300001, 120000000, 0.01)]


def test_unsorted_rows_are_sorted(tmp_path: Path) -> None:
    lines = (PCGR / "T001-BRCA.grch37.cna.tsv").read_text().splitlines()
    shuffled = [lines[0], *reversed(lines[1:])]
    p = read_copy_number(write(tmp_path, "\n".join(shuffled) + "\n"), build="GRCh37")
    keys = [(s.chrom, s.start) for s in p.segments]
    order = {str(i): i for i in range(1, 23)} | {"X": 23, "Y": 24}
    assert keys == sorted(keys, key=lambda k: (order[k[0]], k[1]))


# --------------------------------------------------------------------------- PURPLE


def test_purple_somatic_grch38_chr_prefix() -> None:
    p = read_copy_number(LACHESIS / "NB-S-599-T.purple.cnv.somatic.tsv", build="GRCh38")
    assert p.sample is None and p.purity is None  # purity is in purple.purity.tsv, not here
    s = seg_of(p, "12", 68826200)
    assert (s.start, s.end, s.copy_number) == (68826111, 68826436, pytest.approx(53.784))
    assert s.major_cn is not None and s.minor_cn is not None


def test_purple_slightly_negative_copy_number_is_clamped() -> None:
    # hmftools test run line 173: copyNumber -0.0117 (PURPLE's fit inside a homozygous deletion).
    p = read_copy_number(HMF / "tumor_sample.purple.cnv.somatic.tsv", build="GRCh37")
    s = [x for x in p.segments if x.line == 173][0]
    assert s.copy_number == 0.0 and s.chrom == "16"
    assert any("line 173" in n and "clamped" in n for n in p.notes)


def test_purple_strongly_negative_copy_number_is_rejected(tmp_path: Path) -> None:
    text = (HMF / "tumor_sample.purple.cnv.somatic.tsv").read_text().replace("\t2.8141\t", "\t-2.8141\t", 1)
    with pytest.raises(InputError) as err:
        read_copy_number(write(tmp_path, text), build="GRCh37")
    assert err.value.code == "cn_value_invalid" and err.value.line == 2 and err.value.field == "copyNumber"


def test_purple_gene_table_rows() -> None:
    p = read_copy_number(HMF / "tumor_sample.purple.cnv.gene.EXCERPT_CDK4_MDM2_TP53.tsv", build="GRCh37")
    assert p.format == "purple_gene" and p.segments == []
    row = p.gene_rows["MDM2"]
    assert (row.chrom, row.start, row.end) == ("12", 69201956, 69239214)
    assert row.min_copy_number == pytest.approx(3.0157) and row.max_copy_number == pytest.approx(3.0157)
    assert row.extra["transcriptId"] == "ENST00000462284"
    gpgr = read_copy_number(GPGR / "purple.cnv.gene.tsv", build="GRCh38")
    assert len(gpgr.gene_rows) == 240 and "MDM2" not in gpgr.gene_rows


# --------------------------------------------------------------------------- FACETS / ASCAT / ACEseq / Sequenza


def test_facets_real_cncf_table() -> None:
    # umccr/vcf_stuff HCC2218 FACETS cncf (mskcc/facets emcncf columns); chrom 23 = X; lcn.em NA.
    p = read_copy_number(VCFSTUFF / "HCC2218_facets_cncf.tsv", build="GRCh37")
    assert p.format == "facets" and len(p.segments) == 73 and p.purity is None
    x = [s for s in p.segments if s.chrom == "X"]
    assert len(x) == 1 and x[0].copy_number == 3
    s = seg_of(p, "17", 37700000)  # ERBB2 amplicon
    assert s.copy_number == 16 and s.minor_cn is None and s.n_probes == 59
    assert seg_of(p, "12", 69201956).copy_number == 2


def test_facets_purity_from_comments_and_columns(tmp_path: Path) -> None:
    text = (VCFSTUFF / "HCC2218_facets_cncf.tsv").read_text()
    p = read_copy_number(write(tmp_path, "# purity = 0.62\n# ploidy = 3.1\n" + text), build="GRCh37")
    assert (p.purity, p.ploidy) == (0.62, 3.1)
    lines = text.splitlines()
    with_cols = [lines[0] + "\tpurity\tploidy"] + [ln + "\t0.55\t2.4" for ln in lines[1:]]
    p2 = read_copy_number(write(tmp_path, "\n".join(with_cols) + "\n", "b.dat"), build="GRCh37")
    assert (p2.purity, p2.ploidy) == (0.55, 2.4)
    with_cols[5] = with_cols[5].replace("\t0.55\t", "\t0.45\t")
    with pytest.raises(InputError) as err:
        read_copy_number(write(tmp_path, "\n".join(with_cols) + "\n", "c.dat"), build="GRCh37")
    assert err.value.code == "cn_value_invalid" and "several values" in str(err.value)


def test_ascat_s98_is_hg18_and_fails_the_build_check() -> None:
    # LACHESIS ships ASCAT's S98 example; chr3 ends at 199,235,521, past chr3 in GRCh37 AND GRCh38
    # (NCBI36/hg18 coordinates). Guessing would misplace every gene, so both builds are refused.
    for build, line, end in (("GRCh37", 4, 199235521), ("GRCh38", 3, 242780855)):
        with pytest.raises(InputError) as err:
            read_copy_number(LACHESIS / "S98.segments.txt", build=build)
        assert err.value.code == "build_mismatch" and err.value.line == line and err.value.found == end
    parsed = ascat_reader.parse(
        str(LACHESIS / "S98.segments.txt"), (LACHESIS / "S98.segments.txt").read_text().splitlines(), "ascat"
    )
    assert list(parsed.samples) == ["S98"] and parsed.names_samples
    chr12 = [s for s in parsed.samples["S98"] if s.chrom == "12"]
    assert [(s.major_cn, s.minor_cn, s.copy_number) for s in chr12] == [(1, 1, 2)]


def test_ascat_sample_column_selection(tmp_path: Path) -> None:
    lines = (LACHESIS / "S98.segments.txt").read_text().splitlines()
    # Two samples in GRCh37-safe coordinates (chromosome 12 only, within both builds).
    rows = [lines[0], "S98\t12\t454504\t132332384\t1\t1", "S99\t12\t454504\t132332384\t5\t4"]
    path = write(tmp_path, "\n".join(rows) + "\n")
    assert read_copy_number(path, sample="S99", build="GRCh37").segments[0].copy_number == 9
    with pytest.raises(InputError) as err:
        read_copy_number(path, build="GRCh37")
    assert err.value.code == "cn_sample_not_found"


@pytest.mark.parametrize(
    "name,build,start",
    [("T001-BRCA.grch37.cna.tsv", "GRCh37", 9935688), ("T001-BRCA.grch38.cna.tsv", "GRCh38", 9783092)],
)
def test_pcgr_allele_specific_table(name: str, build: str, start: int) -> None:
    p = read_copy_number(PCGR / name, sample="anything", build=build)
    assert p.sample == "anything" and any("does not name its sample" in n for n in p.notes)
    s = seg_of(p, "12", 69000000 if build == "GRCh37" else 68900000)
    assert (s.start, s.major_cn, s.minor_cn, s.copy_number) == (start, 1, 1, 2)


def test_aceseq_tcn_sub_and_na_rows() -> None:
    p = read_copy_number(LACHESIS / "NBE26_comb_pro_extra3.25_0.88.txt", build="GRCh37")
    assert p.format == "aceseq"
    s = seg_of(p, "12", 69201956)
    assert s.copy_number == 3 and s.value == pytest.approx(2.9962893) and s.start == 38000003
    sub = seg_of(p, "7", 71000000)  # TCN 'sub' (subclonal): tcnMean used
    assert sub.copy_number == pytest.approx(4.86975)
    assert any("12 row(s) skipped because TCN is NA" in n for n in p.notes)
    # purity/ploidy only from content: the file name's _extra3.25_0.88 is noted, not used
    assert p.purity is None and p.ploidy is None
    assert any("ploidy 3.25 and purity 0.88" in n for n in p.notes)


def test_sequenza_segments_quoted_header() -> None:
    # cran/sequenza R/workflows.R sequenza.results(): write.table(..., sep="\t") -> quoted header/chromosome.
    p = read_copy_number(SPEC / "sequenza_sample_segments.txt", build="GRCh37")
    s = seg_of(p, "12", 69201956)
    assert (s.start, s.end, s.copy_number, s.major_cn, s.minor_cn) == (68951400, 69410876, 12, 11, 1)
    assert seg_of(p, "17", 7580000).copy_number == 0


# --------------------------------------------------------------------------- GATK


def test_gatk_model_final_seg() -> None:
    # GATK ModeledSegmentCollection: @SQ dictionary, @RG SM:, LOG2_COPY_RATIO_POSTERIOR_50; NaN posteriors
    # only where NUM_POINTS_COPY_RATIO is 0 (allele-fraction-only segment) -> skipped, not an error.
    p = read_copy_number(SPEC / "gatk_tumor.modelFinal.seg", build="GRCh38")
    assert p.sample == "TUMOR_GATK" and p.contig_lengths["12"] == 133275309
    assert len(p.segments) == 5 and any("no copy-ratio points" in n for n in p.notes)
    s = seg_of(p, "12", 68808176)
    assert (s.start, s.end, s.value, s.n_probes) == (68750001, 68900000, 2.912, 42)
    assert read_copy_number(SPEC / "gatk_tumor.modelFinal.seg", sample="TUMOR_GATK", build="GRCh38").segments


def test_gatk_called_seg_validates_call_column(tmp_path: Path) -> None:
    p = read_copy_number(SPEC / "gatk_tumor.called.seg", build="GRCh37")
    assert p.sample == "TUMOR_CALLED" and seg_of(p, "12", 69201956).value == 0.584
    bad = (SPEC / "gatk_tumor.called.seg").read_text().replace("0.584\t+", "0.584\tAMP")
    with pytest.raises(InputError) as err:
        read_copy_number(write(tmp_path, bad), build="GRCh37")
    assert err.value.code == "cn_value_invalid" and err.value.field == "CALL"


def test_gatk_nan_with_copy_ratio_points_is_corrupt(tmp_path: Path) -> None:
    bad = (SPEC / "gatk_tumor.modelFinal.seg").read_text().replace("2.851\t2.912", "2.851\tNaN")
    with pytest.raises(InputError) as err:
        read_copy_number(write(tmp_path, bad), build="GRCh38")
    assert err.value.code == "cn_value_invalid" and err.value.field == "LOG2_COPY_RATIO_POSTERIOR_50"
    assert err.value.line == 32  # 26 @SQ/@HD/@RG lines, the column header, then the rows


def test_gatk_sample_contradiction_and_missing_rg(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_copy_number(SPEC / "gatk_tumor.cr.seg", sample="OTHER", build="GRCh37")
    assert err.value.code == "cn_sample_not_found" and "TUMOR_CR" in str(err.value)
    no_rg = "\n".join(ln for ln in (SPEC / "gatk_tumor.cr.seg").read_text().splitlines() if not ln.startswith("@RG"))
    p = read_copy_number(write(tmp_path, no_rg + "\n"), sample="OTHER", build="GRCh37")
    assert p.sample == "OTHER" and any("@RG SM" in n for n in p.notes)


def test_gatk_grch38_dictionary_declared_grch37_is_build_mismatch() -> None:
    with pytest.raises(InputError) as err:
        read_copy_number(SPEC / "gatk_tumor.modelFinal.seg", build="GRCh37")
    assert err.value.code == "build_mismatch"
    assert err.value.expected == "GRCh37" and err.value.found == "GRCh38"


# --------------------------------------------------------------------------- DRAGEN / TSO


def test_dragen_somatic_cnv_vcf(tmp_path: Path) -> None:
    # DRAGEN user guide "CNV Output": ##source=DRAGEN_CNV, FORMAT SM (linear ratio) / CN, REF calls
    # with ALT '.', somatic ##EstimatedTumorPurity / ##OverallPloidy header lines.
    plain_gz, bgzf = tmp_path / "x.gz", tmp_path / "y.gz"
    plain_gz.write_bytes(gzip.compress((SPEC / "dragen_tumor.cnv.vcf").read_bytes()))
    pysam.tabix_compress(str(SPEC / "dragen_tumor.cnv.vcf"), str(bgzf))  # how DRAGEN writes *.cnv.vcf.gz
    for path in (SPEC / "dragen_tumor.cnv.vcf", plain_gz, bgzf):
        p = read_copy_number(path, build="GRCh38")
        assert p.format == "dragen_vcf" and p.sample == "TUMOR_DRAGEN"
        assert (p.purity, p.ploidy) == (0.62, 2.05)
        mdm2 = seg_of(p, "12", 68808176)
        assert (mdm2.start, mdm2.end, mdm2.value, mdm2.value_kind, mdm2.copy_number) == (
            68700001,
            68900000,
            4.72,
            "fold_change",
            14,
        )
        assert mdm2.line == 51
        assert not [s for s in p.segments if s.chrom == "1"]  # cnvQual-filtered record skipped
        ref_default = seg_of(p, "2", 5000)
        assert ref_default.value == 1.0 and ref_default.copy_number is None
        assert any("FILTER other than PASS" in n for n in p.notes)


def test_tso_fold_change_vcf() -> None:
    # TruSight Tumor 170/500 "Copy Number Variants VCF": FC = fold change; ALT '.' = reference call.
    p = read_copy_number(SPEC / "tst_sample_CopyNumberVariants.vcf", build="GRCh37")
    assert p.sample == "TST_SAMPLE"
    assert seg_of(p, "12", 69210000).value == 5.8 and seg_of(p, "12", 69210000).value_kind == "fold_change"
    assert seg_of(p, "12", 58142000).value == 1.03


def test_dragen_vcf_wrong_sample_and_contig_build(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_copy_number(SPEC / "dragen_tumor.cnv.vcf", sample="NORMAL", build="GRCh38")
    assert err.value.code == "cn_sample_not_found"
    with pytest.raises(InputError) as err:
        read_copy_number(SPEC / "dragen_tumor.cnv.vcf", build="GRCh37")
    assert err.value.code == "build_mismatch"


def test_dragen_negative_ratio_rejected(tmp_path: Path) -> None:
    bad = (SPEC / "dragen_tumor.cnv.vcf").read_text().replace("1:4.720:14", "1:-4.720:14")
    with pytest.raises(InputError) as err:
        read_copy_number(write(tmp_path, bad), build="GRCh38")
    assert err.value.code == "cn_value_invalid" and err.value.line == 51 and err.value.field == "SM"


# --------------------------------------------------------------------------- BED


def test_bed_coordinate_conventions_agree() -> None:
    # UCSC BED: 0-based chromStart without a header or with '#chrom'; a plain header is 1-based.
    profiles = [
        read_copy_number(SPEC / n, build="GRCh37")
        for n in ("bed_headerless.bed", "bed_hash_header.bed", "bed_one_based.tsv")
    ]
    spans = [[(s.chrom, s.start, s.end, s.copy_number) for s in p.segments] for p in profiles]
    assert spans[0] == spans[1] == spans[2]
    assert ("12", 69201956, 69244466, 24) in spans[0]


# --------------------------------------------------------------------------- build checks


def test_grch38_purple_declared_grch37_is_build_mismatch() -> None:
    # GRCh38 chr3 ends at 198,295,559, past GRCh37's 198,022,430 (chr17: 83,257,441 vs 81,195,210):
    # real segment ends beyond the declared build's chromosome.
    with pytest.raises(InputError) as err:
        read_copy_number(LACHESIS / "NB-S-599-T.purple.cnv.somatic.tsv", build="GRCh37")
    assert err.value.code == "build_mismatch"
    assert err.value.found == 198295559 and err.value.line == 13
    assert "another build" in str(err.value)


def test_build_aliases_and_unknown_build() -> None:
    assert read_copy_number(CNVKIT / "tr95t.cns", build="hg19").segments
    with pytest.raises(InputError) as err:
        read_copy_number(CNVKIT / "tr95t.cns", build="hg17")
    assert err.value.code == "build_unknown"


# --------------------------------------------------------------------------- caching


def test_multi_sample_file_parsed_once(tmp_path: Path) -> None:
    path = neutral_copy(RTCGA_SEG, tmp_path, "cohort.seg")
    samples = [line.split("\t")[0] for line in path.read_text().splitlines()[1:]]
    names = list(dict.fromkeys(samples))
    for i in range(200):
        p = read_copy_number(path, sample=names[i % len(names)], build="GRCh37")
        assert p.sample == names[i % len(names)]
    info = cache_info()
    assert info["misses"] == 1 and info["hits"] == 199
    # A changed file is parsed again (key includes size and mtime_ns).
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    read_copy_number(path, sample=names[0], build="GRCh37")
    assert cache_info()["misses"] == 2


def test_profiles_do_not_share_lists_with_the_cache() -> None:
    a = read_copy_number(CNVKIT / "tr95t.cns", build="GRCh37")
    a.segments.clear()
    assert read_copy_number(CNVKIT / "tr95t.cns", build="GRCh37").segments


# --------------------------------------------------------------------------- bad input


def test_missing_file() -> None:
    with pytest.raises(InputError) as err:
        read_copy_number(DATA / "no_such_file.cns", build="GRCh37")
    assert err.value.code == "cn_missing"


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_copy_number(write(tmp_path, ""), build="GRCh37")
    assert err.value.code == "input_empty"


def test_header_only(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_copy_number(write(tmp_path, "chromosome\tstart\tend\tgene\tlog2\tprobes\n"), build="GRCh37")
    assert err.value.code == "cn_no_segments" and err.value.line == 1


def test_binary_junk(tmp_path: Path) -> None:
    path = tmp_path / "junk.cns"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError) as err:
        read_copy_number(path, build="GRCh37")
    assert err.value.code == "input_binary"


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress((CNVKIT / "tr95t.cns").read_bytes())
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as err:
        read_copy_number(path, build="GRCh37")
    assert err.value.code == "input_corrupt"


@pytest.mark.parametrize(
    "token,code",
    [
        ("abc", "cn_value_invalid"),
        ("NaN", "cn_value_invalid"),
        ("inf", "cn_value_invalid"),
        ("1e999", "cn_value_invalid"),
    ],
)
def test_bad_values_name_line_and_column(tmp_path: Path, token: str, code: str) -> None:
    lines = (CNVKIT / "cw-tr-log2.seg").read_text().splitlines()
    fields = lines[7].split("\t")
    fields[5] = token
    lines[7] = "\t".join(fields)
    with pytest.raises(InputError) as err:
        read_copy_number(write(tmp_path, "\n".join(lines) + "\n"), sample="TR_01_T", build="GRCh37")
    assert err.value.code == code and err.value.line == 8 and err.value.field == "seg.mean"
    assert "line 8" in str(err.value) and token in str(err.value)


def test_na_value_is_skipped_not_zero(tmp_path: Path) -> None:
    lines = (CNVKIT / "cw-tr-log2.seg").read_text().splitlines()
    fields = lines[7].split("\t")
    fields[5] = "NA"
    lines[7] = "\t".join(fields)
    p = read_copy_number(write(tmp_path, "\n".join(lines) + "\n"), sample="TR_01_T", build="GRCh37")
    full = read_copy_number(CNVKIT / "cw-tr-log2.seg", sample="TR_01_T", build="GRCh37")
    assert len(p.segments) == len(full.segments) - 1
    assert any("1 row(s) skipped" in n for n in p.notes)


@pytest.mark.parametrize(
    "edit,code,what",
    [
        (lambda f: f.__setitem__(2, "x12"), "cn_unreadable", "start"),
        (lambda f: f.__setitem__(3, "100"), "cn_unreadable", "end"),
        (lambda f: f.__setitem__(2, "-5"), "cn_unreadable", "start"),
        (lambda f: f.pop(), "cn_unreadable", None),
    ],
)
def test_bad_structure(tmp_path: Path, edit, code: str, what: str | None) -> None:
    lines = (CNVKIT / "cw-tr-log2.seg").read_text().splitlines()
    fields = lines[3].split("\t")
    edit(fields)
    lines[3] = "\t".join(fields)
    with pytest.raises(InputError) as err:
        read_copy_number(write(tmp_path, "\n".join(lines) + "\n"), sample="TR_01_T", build="GRCh37")
    assert err.value.code == code and err.value.line == 4
    if what:
        assert err.value.field == f"loc.{what}"


def test_all_rows_missing_values(tmp_path: Path) -> None:
    text = "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS\t12\t1\t100\t3\tNA\n"
    with pytest.raises(InputError) as err:
        read_copy_number(write(tmp_path, text), build="GRCh37")
    assert err.value.code == "cn_no_segments"


def test_corrupt_vcf(tmp_path: Path) -> None:
    text = (SPEC / "dragen_tumor.cnv.vcf").read_text().replace("#CHROM\tPOS", "#CHROMOSOME\tPOS")
    with pytest.raises(InputError) as err:
        read_copy_number(write(tmp_path, text), build="GRCh38")
    assert err.value.code in ("cn_unreadable", "cn_value_invalid")
