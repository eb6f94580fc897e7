"""The VCF reader's one fast path gives what its one read path gives.

* Indexed bgzipped VCFs: once the index is shown to match the file, htslib parses the header and TP53's
  chromosome's lines from a temporary file (vcf._read_indexed). Each case is compared with the same VCF
  streamed (line numbers aside, which only streaming knows); whatever the fast path declines is streamed.
* Streamed VCFs decide "on TP53's chromosome" once per contig id and count header lines only when
  a line number is needed; line numbers in results and errors are checked against the file.

Test VCFs are built here from tests/data/variants (provenance in its README.md) with pysam:
records sorted for tabix, written plain, bgzipped and indexed (.tbi or .csi).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

import pysam
import pytest
from conftest import GPGR, LACHESIS, PCGR, PHYLOFLOW

from mdm2screen.config import load_settings
from mdm2screen.errors import InputError
from mdm2screen.variants import TP53Settings, read_tp53_variants
from mdm2screen.variants import vcf as vcf_module


def tp53_settings(**changes) -> TP53Settings:
    """The configuration's tp53 section (its defaults), with ``changes``."""
    return dataclasses.replace(TP53Settings.from_config(load_settings({"samples": "x"})["tp53"]), **changes)


DATA = Path(__file__).parent / "data" / "variants"
SETTINGS = tp53_settings()
INDEX_NOTE = "the index next to the VCF could not be used; the file was streamed"

# (name, source file, build): '17' and 'chr17' names, sites-only and tumour/normal VCFs, CSQ annotation.
SOURCES = [
    ("coad37", PCGR / "T001-COAD.grch37.vcf.gz", "GRCh37"),
    ("brca38", PCGR / "T001-BRCA.grch38.vcf.gz", "GRCh38"),
    ("umccr_chr17", GPGR / "somatic-ensemble-PASS.vcf.gz", "GRCh38"),
    ("a25_vep", PHYLOFLOW / "VEP_raw.A25.mutect2.filtered.snp.vcf", "GRCh37"),
    ("a25_strelka", PHYLOFLOW / "A25.strelka2.vcf", "GRCh37"),
    ("lachesis_strelka", LACHESIS / "strelka2.somatic.snvs.vcf.gz", "GRCh37"),
]


def read(path: Path, build: str = "GRCh37") -> object:
    return read_tp53_variants(path, build=build, tumor_sample=None, sample_id=None, settings=SETTINGS)


def sorted_plain(src: Path, dst: Path, edit=None) -> Path:
    """``src`` rewritten by pysam with records sorted for tabix; ``edit(lines)`` may change the text."""
    previous = pysam.set_verbosity(0)  # the sources lack contig lines: htslib warns per contig
    try:
        with pysam.VariantFile(str(src)) as vin:
            records = list(vin)
            order: dict[str, int] = {}
            for rec in records:
                order.setdefault(rec.chrom, len(order))
            records.sort(key=lambda r: (order[r.chrom], r.pos))
            with pysam.VariantFile(str(dst), "w", header=vin.header) as out:
                for rec in records:
                    out.write(rec)
    finally:
        pysam.set_verbosity(previous)
    if edit is not None:
        dst.write_bytes(b"".join(edit(dst.read_bytes().splitlines(keepends=True))))
    return dst


def bgzip(plain: Path, index: str | None = "tbi") -> Path:
    gz = plain.with_name(plain.name + ".gz")
    pysam.tabix_compress(str(plain), str(gz), force=True)
    if index:
        pysam.tabix_index(str(gz), preset="vcf", force=True, csi=index == "csi")
    return gz


def first_record_on(lines: list[bytes], names: tuple[bytes, ...]) -> int:
    return next(i for i, line in enumerate(lines) if line.split(b"\t", 1)[0] in names)


def spy_on(monkeypatch, shortcut: str) -> list[bool]:
    """Per call of the reader's ``shortcut``: True when it gave the result, False when it declined."""
    used: list[bool] = []
    real = getattr(vcf_module, shortcut)

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        used.append(result is not None)
        return result

    monkeypatch.setattr(vcf_module, shortcut, spy)
    return used


@pytest.fixture
def fast_path(monkeypatch):
    """Per read of an indexed VCF: did the single-index-load path give the result?"""
    return spy_on(monkeypatch, "_read_indexed")


def without_lines(source) -> list:
    return [dataclasses.replace(call, line=None) for call in source.variants]


def same_reading(indexed, streamed) -> bool:
    """The same result but for what only the way of reading decides (line numbers, the indexed flag)."""
    return (indexed.sample, indexed.records_on_tp53_chrom, without_lines(indexed), indexed.notes) == (
        streamed.sample,
        streamed.records_on_tp53_chrom,
        without_lines(streamed),
        streamed.notes,
    )


# --------------------------------------------------------------------------- indexed bgzipped VCFs


@pytest.mark.parametrize("index", ["tbi", "csi"])
@pytest.mark.parametrize(("name", "src", "build"), SOURCES, ids=[s[0] for s in SOURCES])
def test_indexed_read_equals_the_streamed_read(tmp_path, fast_path, name, src, build, index):
    plain = sorted_plain(src, tmp_path / f"{name}.vcf")
    gz = bgzip(plain, index)
    assert Path(f"{gz}.{index}").exists()

    indexed = read(gz, build)
    assert fast_path == [True]
    streamed = read(plain, build)
    assert indexed.indexed is True and streamed.indexed is False
    assert indexed.path == str(gz) and indexed.sample == streamed.sample
    assert indexed.records_on_tp53_chrom == streamed.records_on_tp53_chrom > 0
    assert without_lines(indexed) == without_lines(streamed)
    assert all(call.line is None for call in indexed.variants)  # no line numbers through an index
    assert indexed.notes == streamed.notes  # neither has an index note


def test_known_tp53_variants_and_chr17_counts_through_the_index(tmp_path, fast_path):
    coad = read(bgzip(sorted_plain(SOURCES[0][1], tmp_path / "coad.vcf")))
    assert [c.hgvs_c for c in coad.variants] == ["c.216del"]
    umccr = read(bgzip(sorted_plain(SOURCES[2][1], tmp_path / "umccr.vcf")), "GRCh38")
    assert umccr.records_on_tp53_chrom == 174 and umccr.variants == []  # 'chr17' names, no TP53 record
    vep = read(bgzip(sorted_plain(SOURCES[3][1], tmp_path / "vep.vcf")))
    assert [(c.key(), c.hgvs_p, c.annotation_source) for c in vep.variants] == [
        (("17", 7577098, "T", "A"), "p.Arg280Ser", "VEP")
    ]
    assert fast_path == [True, True, True]


def test_contig_in_the_index_but_not_in_the_header(tmp_path, fast_path):
    def drop_contig_17(lines):
        # pysam writes the contigs it met while reading as "##contig=<ID=17>" (PCGR declares none).
        return [line for line in lines if not line.startswith((b"##contig=<ID=17>", b"##contig=<ID=17,"))]

    plain = sorted_plain(SOURCES[0][1], tmp_path / "coad.vcf", edit=drop_contig_17)
    gz = bgzip(plain)
    with pysam.VariantFile(str(plain)) as check:
        assert "17" not in check.header.contigs
    with pysam.TabixFile(str(gz)) as check:
        assert "17" in check.contigs
    indexed = read(gz)
    assert fast_path == [True]
    assert same_reading(indexed, read(plain))
    assert [c.hgvs_c for c in indexed.variants] == ["c.216del"]
    assert indexed.records_on_tp53_chrom == read(plain).records_on_tp53_chrom


def test_stale_index_is_not_used(tmp_path, fast_path):
    plain = sorted_plain(SOURCES[0][1], tmp_path / "coad.vcf")
    gz = bgzip(plain)
    later = os.stat(gz).st_mtime_ns + 10**9
    os.utime(gz, ns=(later, later))  # the VCF is now newer than its index
    stale = read(gz)
    assert fast_path == []  # an index older than the file is not even tried
    assert stale.indexed is False
    assert dataclasses.asdict(stale) == dataclasses.asdict(read(bgzip(plain, index=None)))
    assert INDEX_NOTE not in stale.notes
    assert stale.variants[0].line is not None  # streamed: line numbers again


def test_a_fresh_tbi_does_not_vouch_for_the_stale_csi_htslib_would_load(tmp_path, fast_path):
    plain = sorted_plain(SOURCES[0][1], tmp_path / "coad.vcf")
    gz = bgzip(plain, "csi")
    csi = Path(str(gz) + ".csi")
    # The VCF is rewritten without its TP53 records after the .csi was made; a new .tbi is made.
    kept = [line for line in plain.read_bytes().splitlines(keepends=True) if not line.startswith(b"17\t")]
    trimmed = tmp_path / "trimmed.vcf"
    trimmed.write_bytes(b"".join(kept))
    pysam.tabix_compress(str(trimmed), str(gz), force=True)
    pysam.tabix_index(str(gz), preset="vcf", force=True, keep_original=True)
    old = os.stat(gz).st_mtime_ns - 10**9
    os.utime(csi, ns=(old, old))
    assert vcf_module._htslib_index(gz) == csi
    source = read(gz)
    assert fast_path == []  # the stale .csi is not used, whatever the .tbi says
    assert source.indexed is False
    assert source.records_on_tp53_chrom == 0 and source.variants == []


@pytest.mark.parametrize("suffix", [".tbi", ".csi"])
def test_unloadable_index_falls_back_to_streaming_with_its_note(tmp_path, fast_path, suffix):
    plain = sorted_plain(SOURCES[0][1], tmp_path / "coad.vcf")
    gz = bgzip(plain, index=None)
    Path(str(gz) + suffix).write_bytes(b"not an index")
    source = read(gz)
    assert fast_path == []  # an index that cannot be verified is not used
    assert source.indexed is False and INDEX_NOTE in source.notes
    assert [c.hgvs_c for c in source.variants] == ["c.216del"]
    assert source.records_on_tp53_chrom == read(plain).records_on_tp53_chrom


def test_htslib_prefers_the_csi_and_so_does_the_fast_path(tmp_path, fast_path):
    plain = sorted_plain(SOURCES[0][1], tmp_path / "coad.vcf")
    gz = bgzip(plain, "tbi")
    Path(str(gz) + ".csi").write_bytes(b"not an index")  # htslib looks for .csi first and fails on it
    assert vcf_module._htslib_index(gz) == Path(str(gz) + ".csi")
    source = read(gz)
    assert fast_path == []  # the .csi cannot be read, so it is not verified and the fast path is not tried
    assert source.indexed is False and INDEX_NOTE in source.notes
    assert without_lines(source) == without_lines(read(plain))


def test_malformed_chr17_record_in_an_indexed_file_is_vcf_unreadable_with_its_line(tmp_path, fast_path):
    def cut_sample_column(lines):
        at = first_record_on(lines, (b"17",))
        lines[at] = lines[at].rstrip(b"\n").rsplit(b"\t", 1)[0] + b"\n"
        return lines

    plain = sorted_plain(SOURCES[0][1], tmp_path / "coad.vcf", edit=cut_sample_column)
    gz = bgzip(plain)
    lines = plain.read_bytes().splitlines()
    bad = first_record_on(lines, (b"17",))
    records_before = sum(1 for line in lines[:bad] if not line.startswith(b"#"))
    for path in (gz, plain):
        with pytest.raises(InputError) as err:
            read(path)
        assert err.value.code == "vcf_unreadable" and err.value.line == bad + 1
        assert f"malformed VCF record after record {records_before}:" in str(err.value)
    assert fast_path == [False]  # declined: the stream reports it with its line


def test_two_names_for_chromosome_17_are_streamed(tmp_path, fast_path):
    def add_chr17_copies(lines):
        return lines + [b"chr" + line for line in lines if line.startswith(b"17\t")]

    plain = sorted_plain(SOURCES[0][1], tmp_path / "coad.vcf", edit=add_chr17_copies)
    gz = bgzip(plain)
    source = read(gz)
    assert fast_path == [False]
    assert source.indexed is False and dataclasses.asdict(source) == {
        **dataclasses.asdict(read(plain)),
        "path": str(gz),
    }


def test_indexed_bcf_is_streamed(tmp_path, fast_path):
    plain = sorted_plain(SOURCES[0][1], tmp_path / "coad.vcf")
    bcf = tmp_path / "coad.bcf"
    with pysam.VariantFile(str(plain)) as vin, pysam.VariantFile(str(bcf), "wb", header=vin.header) as out:
        for rec in vin:
            out.write(rec)
    pysam.tabix_index(str(bcf), preset="vcf", force=True, csi=True)
    source = read(bcf)
    assert fast_path == []  # a BCF has no text lines to verify against the index
    assert source.indexed is False and without_lines(source) == without_lines(read(plain))


def test_crlf_vcf_through_the_index(tmp_path, fast_path):
    plain = sorted_plain(
        SOURCES[3][1], tmp_path / "vep.vcf", edit=lambda lines: [line.replace(b"\n", b"\r\n") for line in lines]
    )
    gz = bgzip(plain)
    source = read(gz)
    assert fast_path == [True]
    assert same_reading(source, read(plain))
    assert [c.hgvs_p for c in source.variants] == ["p.Arg280Ser"]


def test_temporary_files_leave_no_trace(tmp_path, fast_path, monkeypatch):
    gz = bgzip(sorted_plain(SOURCES[0][1], tmp_path / "coad.vcf"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    source = read(gz)
    assert fast_path == [True]
    assert list(scratch.iterdir()) == []
    shown = repr(dataclasses.asdict(source))
    assert str(scratch) not in shown and "mdm2screen-vcf-" not in shown
    assert source.path == str(gz)


# --------------------------------------------------------------------------- streamed VCFs


def test_streamed_line_numbers_in_results(tmp_path):
    src = PHYLOFLOW / "VEP_raw.A25.mutect2.filtered.snp.vcf"
    lines = src.read_bytes().splitlines()
    expected = 1 + next(i for i, line in enumerate(lines) if line.startswith(b"17\t7577098\t"))
    assert read(src).variants[0].line == expected
    bgzf = bgzip(sorted_plain(src, tmp_path / "vep.vcf"), index=None)
    sorted_lines = (tmp_path / "vep.vcf").read_bytes().splitlines()
    assert read(bgzf).variants[0].line == 1 + next(
        i for i, line in enumerate(sorted_lines) if line.startswith(b"17\t7577098\t")
    )


def test_streamed_line_numbers_count_a_blank_line_inside_the_header(tmp_path):
    """htslib skips a blank line among the ## lines; the record's line number still counts it."""
    src = PHYLOFLOW / "VEP_raw.A25.mutect2.filtered.snp.vcf"
    lines = src.read_bytes().splitlines(keepends=True)
    blank = tmp_path / "blank_in_header.vcf"
    blank.write_bytes(b"".join([lines[0], b"\n", *lines[1:]]))
    expected = 2 + next(i for i, line in enumerate(lines) if line.startswith(b"17\t7577098\t"))
    assert read(blank).variants[0].line == expected


@pytest.mark.parametrize("compressed", [False, True])
def test_streamed_malformed_record_off_chromosome_17_names_its_line(tmp_path, compressed):
    def cut_sample_column(lines):
        at = first_record_on(lines, (b"1",)) + 3
        lines[at] = lines[at].rstrip(b"\n").rsplit(b"\t", 1)[0] + b"\n"
        return lines

    plain = sorted_plain(SOURCES[0][1], tmp_path / "coad.vcf", edit=cut_sample_column)
    lines = plain.read_bytes().splitlines()
    bad = first_record_on(lines, (b"1",)) + 3
    path = bgzip(plain, index=None) if compressed else plain
    with pytest.raises(InputError) as err:
        read(path)
    records_before = sum(1 for line in lines[:bad] if not line.startswith(b"#"))
    assert err.value.code == "vcf_unreadable" and err.value.line == bad + 1
    assert f"malformed VCF record after record {records_before}:" in str(err.value)
    assert err.value.found == lines[bad][:120].decode()


def _small_vcf(path: Path, records: list[tuple[str, int, str, str, float]], contigs=("1", "17", "X")) -> Path:
    header = pysam.VariantHeader()
    for contig in contigs:
        header.contigs.add(contig)
    header.formats.add("AF", "A", "Float", "allele fraction")
    header.formats.add("DP", "1", "Integer", "depth")
    header.add_sample("TUMOR")
    with pysam.VariantFile(str(path), "w", header=header) as out:
        for chrom, pos, ref, alt, af in records:
            if chrom not in out.header.contigs:
                out.header.contigs.add(chrom)
            rec = out.new_record(contig=chrom, start=pos - 1, alleles=(ref, alt))
            rec.samples["TUMOR"]["AF"] = af
            rec.samples["TUMOR"]["DP"] = 50
            out.write(rec)
    return path


def test_streamed_unsorted_contigs_and_a_contig_missing_from_the_header(tmp_path):
    # Chromosome 17 interleaved with others (not sortable for tabix, fine for streaming), and 'chr17'
    # records under a contig the header does not declare: htslib adds it while reading.
    records = [
        ("1", 100, "A", "G", 0.2),
        ("17", 7_000_000, "A", "G", 0.3),
        ("X", 500, "C", "T", 0.4),
        ("17", 7578406, "C", "T", 0.45),  # TP53 c.524G>A p.Arg175His (GRCh37)
        ("1", 200, "A", "G", 0.2),
        ("17", 8_000_000, "G", "A", 0.3),
        ("X", 600, "C", "T", 0.4),
    ]
    path = _small_vcf(tmp_path / "unsorted.vcf", records)
    source = read(path)
    assert source.records_on_tp53_chrom == 3
    header_lines = sum(1 for line in path.read_bytes().splitlines() if line.startswith(b"#"))
    (call,) = source.variants
    assert (call.hgvs_p, call.line) == ("p.Arg175His", header_lines + 4)

    text = path.read_bytes().replace(b"##contig=<ID=17>\n", b"")
    missing = tmp_path / "missing_contig.vcf"
    missing.write_bytes(text)
    again = read(missing)
    assert again.records_on_tp53_chrom == 3 and [c.hgvs_p for c in again.variants] == ["p.Arg175His"]
    assert again.variants[0].line == header_lines - 1 + 4


def test_streamed_value_error_on_chr17_names_its_line(tmp_path):
    path = _small_vcf(tmp_path / "af.vcf", [("1", 100, "A", "G", 0.2), ("17", 7578406, "C", "T", 1.5)])
    header_lines = sum(1 for line in path.read_bytes().splitlines() if line.startswith(b"#"))
    with pytest.raises(InputError) as err:
        read(path)
    assert err.value.code == "vcf_value_invalid" and err.value.line == header_lines + 2


def test_streamed_file_without_chr17_records(tmp_path):
    path = _small_vcf(tmp_path / "no17.vcf", [("1", 100, "A", "G", 0.2), ("X", 600, "C", "T", 0.4)])
    source = read(path)
    assert source.records_on_tp53_chrom == 0 and source.variants == []
    assert source.notes[-1] == "no record on chromosome 17 in the VCF"
