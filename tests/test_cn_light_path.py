"""The light path for rows off the screened genes' chromosomes (``keep_chromosomes``).

With ``keep_chromosomes`` every tabular segment format builds segments only for the kept
chromosomes; rows elsewhere are checked for field count and coordinates and feed the genome-build
check, but their values are not read (src/mdm2screen/cn/_common.py, ``OffChromosomes``). These
tests hold the light path to the full read: the same gene-level results on the real files in
tests/data/cn, and the same errors (code, message, line) for broken structure, coordinates, build
and values on the genes' chromosomes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CN_DATA, CNVKIT, GPGR, HMF, LACHESIS, PCGR, RTCGA_SEG, SPEC, VCFSTUFF

from mdm2screen.cn import chromosome_profile, gene_copy_number, read_copy_number
from mdm2screen.cn._common import CHROM_KEYS, END_KEYS, START_KEYS, norm_key, split_fields
from mdm2screen.cn.read import cache_clear, cache_info
from mdm2screen.errors import InputError
from mdm2screen.model import AmplificationRule
from mdm2screen.reference import gene_locus

DATA = CN_DATA

KEEP = {"12", "17"}  # what the screener passes for MDM2, CDK4 and TP53
GENES = ("MDM2", "CDK4", "TP53")
RULES = (
    AmplificationRule(mode="absolute", amplified_at=8, gain_at=6, summary="weighted"),
    AmplificationRule(mode="log2", amplified_at=1.0, gain_at=0.5, summary="max"),
)
BUILDS = ("GRCh37", "GRCh38")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear()
    yield
    cache_clear()


def outcome(path: Path, keep, *, build: str, sample: str | None = None, fmt: str | None = None):
    """Everything a screen takes from one read: gene results, the chr12 plot data, the segments
    on the genes' chromosomes, purity/ploidy; or the error (code, message, line) it raised."""
    try:
        p = read_copy_number(path, fmt=fmt, sample=sample, build=build, keep_chromosomes=keep)
    except InputError as exc:
        return ("error", exc.code, str(exc), exc.line)
    genes = [
        gene_copy_number(
            p, gene_locus(g, build), rule, purity=p.purity, ploidy=p.ploidy, purity_source="file" if p.purity else None
        ).to_dict()
        for g in GENES
        for rule in RULES
    ]
    chr12 = chromosome_profile(p, "12", purity=p.purity, ploidy=p.ploidy)
    on_genes_chromosomes = [s for s in p.segments if s.chrom in KEEP]
    return (p.format, p.sample, p.purity, p.ploidy, p.is_bin_level, genes, chr12, on_genes_chromosomes)


def assert_same(path: Path, **kw) -> None:
    light, full = outcome(path, KEEP, **kw), outcome(path, None, **kw)
    assert light == full


def write(tmp_path: Path, lines: list[str], name: str = "input.dat") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


# --------------------------------------------------------------------------- real files, every format

SINGLE = [
    (CNVKIT / "tr95t.cns", None),
    (CNVKIT / "cl_seq.cns", None),
    (CNVKIT / "amplicon.cns", None),  # 0-probe placeholders, some with end < start
    (CNVKIT / "p2-9_2.call.cns", None),
    (VCFSTUFF / "HCC2218_cnvkit-call.cns", None),
    (CNVKIT / "amplicon.cnr", None),
    (LACHESIS / "NB-S-599-T.purple.cnv.somatic.tsv", None),
    (HMF / "tumor_sample.purple.cnv.somatic.tsv", None),
    (GPGR / "purple.cnv.somatic.tsv", None),
    (VCFSTUFF / "HCC2218_purple.cnv.tsv", None),
    (VCFSTUFF / "HCC2218_facets_cncf.tsv", None),
    (LACHESIS / "S98.segments.txt", None),  # hg18: a build mismatch under both builds
    (PCGR / "T001-BRCA.grch37.cna.tsv", None),
    (PCGR / "T001-BRCA.grch38.cna.tsv", None),
    (LACHESIS / "NBE26_comb_pro_extra3.25_0.88.txt", None),
    (SPEC / "sequenza_sample_segments.txt", None),
    (SPEC / "gatk_tumor.modelFinal.seg", None),
    (SPEC / "gatk_tumor.called.seg", None),
    (SPEC / "gatk_tumor.cr.seg", None),
    (SPEC / "bed_headerless.bed", None),
    (SPEC / "bed_hash_header.bed", None),
    (SPEC / "bed_one_based.tsv", None),
    (CNVKIT / "warning.seg", None),  # quoted: read row by row, the light path only drops segments
    (CNVKIT / "acgh-log10.seg", "seg_log10"),
    # The same files under the screen's other genes' formats, explicitly named.
    (HMF / "tumor_sample.purple.cnv.gene.EXCERPT_CDK4_MDM2_TP53.tsv", None),  # read in full (gene table)
    (SPEC / "dragen_tumor.cnv.vcf", None),  # read in full (VCF)
]


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("path,fmt", SINGLE, ids=[p.name for p, _ in SINGLE])
def test_same_gene_results_with_and_without_the_light_path(path: Path, fmt: str | None, build: str) -> None:
    sample = "TR_01_T" if path.name == "acgh-log10.seg" else None
    assert_same(path, build=build, sample=sample, fmt=fmt)


def test_the_light_path_sets_rows_aside_and_keeps_only_the_genes_chromosomes() -> None:
    for path, build in (
        (CNVKIT / "tr95t.cns", "GRCh37"),
        (HMF / "tumor_sample.purple.cnv.somatic.tsv", "GRCh37"),
        (PCGR / "T001-BRCA.grch37.cna.tsv", "GRCh37"),
        (VCFSTUFF / "HCC2218_facets_cncf.tsv", "GRCh37"),
        (LACHESIS / "NBE26_comb_pro_extra3.25_0.88.txt", "GRCh37"),
        (SPEC / "gatk_tumor.modelFinal.seg", "GRCh38"),
        (RTCGA_SEG, "GRCh37"),
    ):
        sample = "TCGA-02-0003-10A-01D-0182-01" if path == RTCGA_SEG else None
        full = read_copy_number(path, build=build, sample=sample)
        light = read_copy_number(path, build=build, sample=sample, keep_chromosomes=KEEP)
        assert light.segments == [s for s in full.segments if s.chrom in KEEP], path.name
        others = {s.chrom for s in full.segments} - KEEP
        assert others, path.name
        assert any("on chromosomes the screened genes do not lie on" in n for n in light.notes), path.name


# --------------------------------------------------------------------------- multi-sample SEG


def seg_samples(path: Path) -> list[str]:
    rows = [line.split("\t") for line in path.read_text().splitlines()[1:] if line.strip()]
    return list(dict.fromkeys(r[0] for r in rows))


def test_multi_sample_seg_every_sample_the_same_and_parsed_once() -> None:
    names = seg_samples(RTCGA_SEG)
    assert len(names) > 10
    for name in names:
        assert outcome(RTCGA_SEG, KEEP, build="GRCh37", sample=name) == outcome(
            RTCGA_SEG, None, build="GRCh37", sample=name
        ), name
    # One parse per keep_chromosomes value, however many samples are read from the file.
    assert cache_info()["misses"] == 2
    # Without a sample the error lists the names in the file's order, as a full read does.
    assert_same(RTCGA_SEG, build="GRCh37")
    assert_same(RTCGA_SEG, build="GRCh37", sample=names[3][:12])  # prefix: never matched, candidates listed


@pytest.mark.parametrize("name", ["TR_01_T", "TR_101_T", None])
def test_cnvkit_seg_samples(name: str | None) -> None:
    assert_same(CNVKIT / "cw-tr-log2.seg", build="GRCh37", sample=name)


def test_sample_measured_only_on_other_chromosomes_reads_as_without_the_light_path(tmp_path: Path) -> None:
    """S2 has rows on chromosome 1 only: a full read gives a profile whose genes are not covered,
    and so does the light path (S2's rows were set aside, not missing)."""
    path = write(
        tmp_path,
        [
            "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean",
            "S1\t12\t68000000\t70000000\t50\t3.2",  # S1 is first seen on a row that is read in full
            "S1\t1\t1000\t2000000\t20\t0.1",
            "S2\t1\t1000\t2000000\t20\t-0.1",
            "S2\t3\t1000\t2000000\t20\t0.0",
        ],
    )
    for sample in ("S1", "S2", None):  # None: the error lists S1, S2 in the file's order
        assert_same(path, build="GRCh37", sample=sample)
    p = read_copy_number(path, build="GRCh37", sample="S2", keep_chromosomes=KEEP)
    assert p.segments == []
    mdm2 = gene_copy_number(p, gene_locus("MDM2", "GRCh37"), RULES[0], purity=None, ploidy=None, purity_source=None)
    assert mdm2.call == "not_assessable" and [r.code for r in mdm2.reasons] == ["gene_not_covered"]


def test_comment_and_empty_lines_in_a_seg_are_not_rows(tmp_path: Path) -> None:
    """A '#' line shaped like a row, and a line of only tabs, are a comment and a blank line, never a
    sample, a row or a coordinate for the build check."""
    path = write(
        tmp_path,
        [
            "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean",
            "#S9\t1\t1000\t400000000\t20\t0.1",
            "S1\t1\t1000\t2000000\t20\t0.1",
            "\t\t\t\t\t",
            "S1\t12\t68000000\t70000000\t50\t3.2",
        ],
    )
    assert_same(path, build="GRCh37")
    p = read_copy_number(path, build="GRCh37", keep_chromosomes=KEEP)
    assert p.sample == "S1"


# --------------------------------------------------------------------------- broken files, per format family


def _is_header(fields: list[str]) -> bool:
    keys = {norm_key(f) for f in fields}
    return bool(keys & set(CHROM_KEYS)) and bool(keys & set(START_KEYS)) and bool(keys & set(END_KEYS))


class Layout:
    """Where the header and the coordinate/value columns of a template file are (found by name)."""

    def __init__(self, lines: list[str], value: str) -> None:
        self.header = next(
            (
                i
                for i, t in enumerate(lines)
                if not t.startswith(("@", "##")) and t.strip() and _is_header(split_fields(t, "\t"))
            ),
            None,
        )
        if self.header is None:  # headerless BED: chrom, start, end, copy number
            self.chrom, self.start, self.end, self.value = 0, 1, 2, 3
            return
        keys = [norm_key(f) for f in split_fields(lines[self.header], "\t")]
        self.chrom = next(i for i, k in enumerate(keys) if k in CHROM_KEYS)
        self.start = next(i for i, k in enumerate(keys) if k in START_KEYS)
        self.end = next(i for i, k in enumerate(keys) if k in END_KEYS)
        self.value = keys.index(value)

    def data(self, lines: list[str]) -> list[int]:
        first = 0 if self.header is None else self.header + 1
        return [i for i in range(first, len(lines)) if lines[i].strip() and not lines[i].startswith("#")]

    def chrom_of(self, line: str) -> str:
        return line.split("\t")[self.chrom].strip('"').removeprefix("chr")

    def find(self, lines: list[str], want, *, last: bool = False) -> int:
        """Index of the first (or last) data line whose chromosome satisfies ``want`` and whose value
        is a number."""
        for i in reversed(self.data(lines)) if last else self.data(lines):
            fields = lines[i].split("\t")
            try:
                float(fields[self.value].strip('"'))
            except ValueError:
                continue
            if want(self.chrom_of(lines[i])):
                return i
        raise AssertionError("no such line in the template")


def _set(line: str, index: int, value: str) -> str:
    fields = line.split("\t")
    fields[index] = value
    return "\t".join(fields)


# (template, build, sample, value column, needs an added row on chromosome 1)
FAMILIES = {
    "cnvkit_cns": (CNVKIT / "tr95t.cns", None, "log2", False),
    "cnvkit_cnr": (CNVKIT / "amplicon.cnr", None, "log2", False),
    "seg": (CNVKIT / "cw-tr-log2.seg", "TR_01_T", "seg.mean", False),
    "seg_multi": (RTCGA_SEG, "TCGA-02-0003-10A-01D-0182-01", "segment_mean", False),
    "purple_somatic": (VCFSTUFF / "HCC2218_purple.cnv.tsv", None, "copynumber", False),
    "ascat": (PCGR / "T001-BRCA.grch37.cna.tsv", None, "nmajor", False),
    "ascat_samples": (LACHESIS / "S98.segments.txt", "S98", "nmajor", False),
    "aceseq": (LACHESIS / "NBE26_comb_pro_extra3.25_0.88.txt", None, "tcnmean", False),
    "facets": (VCFSTUFF / "HCC2218_facets_cncf.tsv", None, "tcn.em", False),
    "gatk_seg": (SPEC / "gatk_tumor.called.seg", None, "mean_log2_copy_ratio", True),
    "sequenza_quoted": (SPEC / "sequenza_sample_segments.txt", None, "cnt", True),
    "sequenza_plain": (SPEC / "sequenza_sample_segments.txt", None, "cnt", True),
    "bed_headerless": (SPEC / "bed_headerless.bed", None, "copy_number", True),
    "bed_hash_header": (SPEC / "bed_hash_header.bed", None, "copy_number", True),
    "bed_one_based": (SPEC / "bed_one_based.tsv", None, "copy_number", True),
}


def template(family: str) -> tuple[list[str], Layout, str | None]:
    src, sample, value, add_row = FAMILIES[family]
    lines = src.read_text().splitlines()
    if family == "sequenza_plain":
        lines = [t.replace('"', "") for t in lines]
    if family == "ascat_samples":  # S98 is hg18; shorten its chromosome 2 and 3 ends to fit GRCh37
        lines = [_set(t, 3, "190000000") if t.split("\t")[1] in ("2", "3") else t for t in lines]
    layout = Layout(lines, value)
    if add_row:  # spec files with rows on the genes' chromosomes only: add one on chromosome 1
        row = lines[layout.data(lines)[0]]
        raw = row.split("\t")[layout.chrom]
        row = _set(row, layout.chrom, raw.replace("17", "1").replace("12", "1"))
        lines.append(_set(_set(row, layout.start, "1000"), layout.end, "2000000"))
    return lines, layout, sample


@pytest.mark.parametrize("family", FAMILIES)
def test_template_reads_the_same(family: str, tmp_path: Path) -> None:
    lines, _, sample = template(family)
    assert_same(write(tmp_path, lines), build="GRCh37", sample=sample)


@pytest.mark.parametrize("family", FAMILIES)
def test_build_mismatch_off_the_genes_chromosomes_is_still_found(family: str, tmp_path: Path) -> None:
    lines, layout, sample = template(family)
    i = layout.find(lines, lambda c: c not in KEEP)
    lines[i] = _set(lines[i], layout.end, "400000000")  # past the end of every chromosome in GRCh37
    path = write(tmp_path, lines)
    light = outcome(path, KEEP, build="GRCh37", sample=sample)
    assert light[:2] == ("error", "build_mismatch") and light[3] == i + 1
    assert light == outcome(path, None, build="GRCh37", sample=sample)


@pytest.mark.parametrize("family", FAMILIES)
def test_short_row_off_the_genes_chromosomes_is_still_reported(family: str, tmp_path: Path) -> None:
    lines, layout, sample = template(family)
    i = layout.find(lines, lambda c: c not in KEEP)
    lines[i] = lines[i].rsplit("\t", 1)[0]  # truncated: the last field is gone
    path = write(tmp_path, lines)
    light = outcome(path, KEEP, build="GRCh37", sample=sample)
    assert light[:2] == ("error", "cn_unreadable") and light[3] == i + 1
    assert "different number of fields" in light[2]
    assert light == outcome(path, None, build="GRCh37", sample=sample)


@pytest.mark.parametrize("family", FAMILIES)
def test_corrupt_value_on_chromosome_12_is_still_reported(family: str, tmp_path: Path) -> None:
    lines, layout, sample = template(family)
    i = layout.find(lines, lambda c: c == "12", last=True)  # not the first line: headerless BED is detected by it
    lines[i] = _set(lines[i], layout.value, "abc")
    path = write(tmp_path, lines)
    light = outcome(path, KEEP, build="GRCh37", sample=sample)
    assert light[:2] == ("error", "cn_value_invalid") and light[3] == i + 1
    assert light == outcome(path, None, build="GRCh37", sample=sample)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("start,end", [("x12", "2000000"), ("-5", "2000000"), ("5000", "4000"), ("0", "2000000")])
def test_bad_coordinates_off_the_genes_chromosomes_as_a_full_read(
    family: str, start: str, end: str, tmp_path: Path
) -> None:
    """Coordinates the light path does not accept go to the normal path: same error, same line
    (start 0 is an error in a 1-based file and fine in a 0-based one, as in a full read)."""
    lines, layout, sample = template(family)
    i = layout.find(lines, lambda c: c not in KEEP)
    lines[i] = _set(_set(lines[i], layout.start, start), layout.end, end)
    path = write(tmp_path, lines)
    light = outcome(path, KEEP, build="GRCh37", sample=sample)
    assert light == outcome(path, None, build="GRCh37", sample=sample)
    if start != "0":
        assert light[:2] == ("error", "cn_unreadable") and light[3] == i + 1


def test_zero_and_one_based_conventions_for_a_one_base_row(tmp_path: Path) -> None:
    """A row with start == end is one base in a 1-based file and empty (an error) in a 0-based one."""
    cns = (CNVKIT / "tr95t.cns").read_text().splitlines()
    cns[1] = _set(cns[1], 2, cns[1].split("\t")[1])
    light = outcome(write(tmp_path, cns, "a.cns"), KEEP, build="GRCh37")
    assert light[:2] == ("error", "cn_unreadable") and light[3] == 2 and "ends before it starts" in light[2]
    seg = (CNVKIT / "cw-tr-log2.seg").read_text().splitlines()
    seg[1] = _set(seg[1], 3, seg[1].split("\t")[2])
    assert_same(write(tmp_path, seg, "b.seg"), build="GRCh37", sample="TR_01_T")


# --------------------------------------------------------------------------- rows left to the normal path


def test_unusual_rows_off_the_genes_chromosomes_are_read_in_full(tmp_path: Path) -> None:
    """An unrecognised contig, a missing chromosome or an R-style '1e+05' coordinate: the full
    read's checks apply, including the value (a corrupt value there is still reported)."""
    base = (CNVKIT / "cw-tr-log2.seg").read_text().splitlines()
    cases = {
        "contig": _set(base[1], 1, "GL000192.1"),
        "contig_bad_value": _set(_set(base[1], 1, "GL000192.1"), 5, "abc"),
        "missing_chrom": _set(base[1], 1, "NA"),
        "scientific": _set(_set(base[1], 2, "1e+05"), 5, "0.3"),
    }
    for name, line in cases.items():
        path = write(tmp_path, [base[0], line, *base[1:]], f"{name}.seg")
        light = outcome(path, KEEP, build="GRCh37", sample="TR_01_T")
        assert light == outcome(path, None, build="GRCh37", sample="TR_01_T"), name
        if name in ("contig_bad_value", "missing_chrom"):
            assert light[0] == "error" and light[3] == 2, name


def test_row_names_column_after_a_first_row_set_aside(tmp_path: Path) -> None:
    """The first data row decides whether R wrote row names; when the light path takes that row,
    a later row with one field too many is still an error, as in a full read."""
    lines = (CNVKIT / "tr95t.cns").read_text().splitlines()
    i = Layout(lines, "log2").find(lines, lambda c: c == "12")
    lines[i] = "7\t" + lines[i]
    path = write(tmp_path, lines)
    light = outcome(path, KEEP, build="GRCh37")
    assert light[:2] == ("error", "cn_unreadable") and light[3] == i + 1
    assert light == outcome(path, None, build="GRCh37")


def test_facets_purity_columns_are_read_on_every_row(tmp_path: Path) -> None:
    """Purity/ploidy columns state one file-level value on each row; a disagreement on another
    chromosome is still found, so such files are read in full."""
    lines = (VCFSTUFF / "HCC2218_facets_cncf.tsv").read_text().splitlines()
    lines = [lines[0] + "\tpurity\tploidy"] + [t + "\t0.55\t2.4" for t in lines[1:]]
    assert_same(write(tmp_path, lines, "a.tsv"), build="GRCh37")
    assert outcome(write(tmp_path, lines, "a.tsv"), KEEP, build="GRCh37")[2:4] == (0.55, 2.4)
    lines[2] = lines[2].replace("\t0.55\t", "\t0.45\t")
    assert lines[2].split("\t")[0] not in KEEP
    light = outcome(write(tmp_path, lines, "b.tsv"), KEEP, build="GRCh37")
    assert light[:2] == ("error", "cn_value_invalid") and "several values" in light[2]


def test_build_check_reports_the_same_chromosome_first(tmp_path: Path) -> None:
    """With several chromosomes past their end, the build check names the first in chromosome order,
    whether the offending rows were set aside or read in full."""
    lines = (CNVKIT / "tr95t.cns").read_text().splitlines()
    layout = Layout(lines, "log2")
    for chrom in ("13", "12"):
        i = layout.find(lines, lambda c, chrom=chrom: c == chrom, last=True)
        lines[i] = _set(lines[i], layout.end, "400000000")
    path = write(tmp_path, lines)
    light = outcome(path, KEEP, build="GRCh37")
    assert light[:2] == ("error", "build_mismatch") and "chromosome 12 " in light[2]
    assert light == outcome(path, None, build="GRCh37")
