"""MDM2: focal amplification, not polysomy. The amplicon around a gene, its chromosome arm's baseline and
``focal`` (cn/genelevel.py ``estimate_amplicon``), and ``require_focal`` deciding an arm (criteria.py).

Real segment files (sources and licences: tests/data/cn/README.md, resources/demo/README.md): CNVkit
tr95t.cns (a liposarcoma-like 12q13-15 amplification, GRCh37), LACHESIS NB-S-599-T PURPLE segments
(GRCh38), a TCGA glioblastoma SNP6 segmentation, and Hartwig's COLO829-like PURPLE run (ploidy 3.1, whole-
genome doubled: 12q at 3 copies). Synthetic CNVkit files (written per test) give the edges: a whole
chromosome 12 at 8 copies, an arm at 5 copies, amplicons of 9.9 and 10.1 Mb, a purity range straddling.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import CNVKIT, HMF, LACHESIS, RTCGA_SEG

from mdm2screen.cn import read_copy_number
from mdm2screen.cn.genelevel import (
    FocalRule,
    amplicon_of,
    chromosome_arm,
    gene_copy_number,
)
from mdm2screen.config import load_settings
from mdm2screen.criteria import Evidence, evaluate_arm, load_arms
from mdm2screen.errors import ConfigError
from mdm2screen.ihc import MarkerCall
from mdm2screen.model import CoverageEvidence, GeneCopyNumber, TP53Evidence
from mdm2screen.reference import gene_locus

SETTINGS = load_settings({"samples": "x.tsv"})
FOCAL = FocalRule.from_config(SETTINGS["copy_number"]["focal"])
RULE = SETTINGS.amplification_rule("MDM2")
CNS_HEADER = "chromosome\tstart\tend\tgene\tlog2\tcn\tprobes\n"
RATIO_HEADER = "chromosome\tstart\tend\tgene\tlog2\tprobes\n"
Q12_START_37 = 38_200_000  # UCSC hg19 cytoBand: 12q11 (acen) ends at 38,200,000
CHR12_END_37 = 133_851_895


def estimate(path, gene="MDM2", *, build="GRCh37", sample=None, purity=None, ploidy=None, rule=RULE, focal=FOCAL):
    profile = read_copy_number(path, build=build, sample=sample)
    if purity is None:
        purity = profile.purity
    if ploidy is None:
        ploidy = profile.ploidy
    return gene_copy_number(
        profile, gene_locus(gene, build), rule, purity=purity, ploidy=ploidy, purity_source=None, focal=focal
    )


def write_cns(tmp_path: Path, name: str, segments: list[tuple[int, int, float]], *, absolute: bool = True) -> Path:
    """A CNVkit .cns of chromosome 12 (GRCh37), 0-based starts as CNVkit writes them.

    ``absolute``: the third value is the ``cn`` column (copy number); else it is the log2 ratio.
    """
    import math

    lines = [CNS_HEADER if absolute else RATIO_HEADER]
    for start, end, value in segments:
        if absolute:
            log2 = math.log2(max(value, 0.01) / 2)
            lines.append(f"chr12\t{start}\t{end}\t-\t{log2:.4f}\t{int(value)}\t20\n")
        else:
            lines.append(f"chr12\t{start}\t{end}\t-\t{value:.4f}\t20\n")
    path = tmp_path / name
    path.write_text("".join(lines))
    return path


def amplicon(gene: GeneCopyNumber) -> dict:
    found = amplicon_of(gene)
    assert found is not None
    return found


def codes(found: dict) -> list[str]:
    return [r["code"] for r in found["reasons"]]


# --------------------------------------------------------------------------- reference: chromosome arms


def test_chromosome_arms_from_ucsc_acen_bands() -> None:
    mdm2 = gene_locus("MDM2", "GRCh37")
    arm = chromosome_arm("GRCh37", "chr12", mdm2.start, mdm2.end)
    assert arm is not None and arm.name == "12q" and (arm.start, arm.end) == (38_200_001, CHR12_END_37)
    arm38 = chromosome_arm("GRCh38", "12", *(lambda x: (x.start, x.end))(gene_locus("MDM2", "GRCh38")))
    assert arm38 is not None and (arm38.start, arm38.end) == (37_800_001, 133_275_309)
    twist1 = gene_locus("TWIST1", "GRCh38")
    arm7 = chromosome_arm("GRCh38", "7", twist1.start, twist1.end)
    assert arm7 is not None and arm7.name == "7p" and arm7.end == 58_100_000  # 7p11.1 acen starts at 58.1 Mb
    assert chromosome_arm("GRCh37", "12", 35_000_000, 36_000_000) is None  # inside the centromere
    assert chromosome_arm("GRCh37", "X", 1, 10) is None  # no arm table for X: focality unknown, never assumed


# --------------------------------------------------------------------------- real files


def test_liposarcoma_like_12q15_amplicon_is_focal() -> None:
    """tr95t.cns: MDM2 log2 2.82 in a 2.6 Mb amplicon (67.95-70.54 Mb), 12q otherwise near log2 0; purity unknown."""
    mdm2 = estimate(CNVKIT / "tr95t.cns")
    assert mdm2.amplicon is not None and mdm2.call == "amplified"
    found = amplicon(mdm2)
    assert found["focal"] is True and codes(found) == ["focal_amplification"]
    assert (found["start"], found["end"]) == (67_954_875, 70_541_066)  # CNVkit 0-based start + 1
    assert found["size_bp"] == 2_586_192 and found["n_segments"] == 3 and found["edges_measured"] == [True, True]
    assert found["max_size_bp"] == 2_586_692  # up to the flanking segments below the gain level (500 bp gaps)
    assert found["arm"]["name"] == "12q"
    assert found["baseline"]["copy_number"] == pytest.approx(2.02, abs=0.01)
    low, high = found["ratio_range"]
    assert low == pytest.approx(14.09 / 2.023, rel=0.01) and high > low  # purity unknown: a range
    cdk4 = amplicon(estimate(CNVKIT / "tr95t.cns", "CDK4"))
    assert cdk4["focal"] is True and (cdk4["start"], cdk4["end"]) == (57_607_769, 60_916_332)
    assert amplicon(estimate(CNVKIT / "tr95t.cns", "HMGA2"))["state"] == "no_amplicon"  # between the two amplicons
    # The amplicon is part of the gene's JSON.
    assert mdm2.to_dict()["amplicon"] == found and mdm2.to_dict()["amplicon"] is not found


def test_purple_segments_and_tcga_snp6_focal() -> None:
    nb = amplicon(estimate(LACHESIS / "NB-S-599-T.purple.cnv.somatic.tsv", build="GRCh38"))
    assert (
        nb["focal"] is True
        and nb["size_bp"] == 563_663
        and nb["baseline"]["copy_number"] == pytest.approx(2.0, abs=0.01)
    )
    gbm = amplicon(estimate(RTCGA_SEG, sample="TCGA-06-0140-01A-01D-0214-01"))
    assert gbm["focal"] is True and gbm["size_bp"] < 400_000
    # A glioma whose possible amplicon reaches 10.68 Mb only at low purity: unknown, purity needed.
    wide = amplicon(estimate(RTCGA_SEG, sample="TCGA-32-4208-01A-01D-1224-01"))
    assert wide["focal"] is None and codes(wide) == ["focal_unknown_size_straddles"]
    assert "possibly over 10.68 Mb" in wide["reasons"][0]["message"]


def test_whole_genome_doubled_hyperdiploid_gain_is_not_focal() -> None:
    """COLO829-like PURPLE run, ploidy 3.1: 12q at 3.02 copies. Even under a lenient rule that calls it
    amplified (>= 3), the level spans 54 Mb of 12q: a gain, never a focal amplification."""
    hmf = HMF / "tumor_sample.purple.cnv.somatic.tsv"
    plain = amplicon(estimate(hmf, purity=0.99, ploidy=3.1))
    assert plain["state"] == "no_amplicon" and plain["focal"] is None
    lenient = dataclasses.replace(RULE, amplified_at=3.0, gain_at=2.5)
    mdm2 = estimate(hmf, purity=0.99, ploidy=3.1, rule=lenient)
    found = amplicon(mdm2)
    assert mdm2.call == "amplified" and found["focal"] is False and codes(found) == ["not_focal_large_amplicon"]
    assert found["core_size_bp"] == 53_961_147 and "not a focal amplification" in found["reasons"][0]["message"]


def test_gene_level_and_bin_level_files_leave_focality_unknown() -> None:
    table = amplicon(estimate(HMF / "tumor_sample.purple.cnv.gene.EXCERPT_CDK4_MDM2_TP53.tsv"))
    assert table["focal"] is None and codes(table) == ["focal_unknown_gene_level"]
    bins = amplicon(estimate(CNVKIT / "amplicon.cnr"))
    assert bins["focal"] is None and codes(bins) == ["focal_unknown_bin_level"]


def test_without_a_focal_rule_the_estimate_is_unchanged() -> None:
    """The evidence layer passes copy_number.focal; without it the gene is the plain estimate it always was."""
    plain = estimate(CNVKIT / "tr95t.cns", focal=None)
    assert amplicon_of(plain) is None and plain.to_dict()["amplicon"] is None
    with_focal = {k: v for k, v in estimate(CNVKIT / "tr95t.cns").to_dict().items() if k != "amplicon"}
    assert {k: v for k, v in plain.to_dict().items() if k != "amplicon"} == with_focal


# --------------------------------------------------------------------------- synthetic edges


def arm_with(amplicon_segments: list[tuple[int, int, float]], rest: float = 2.0) -> list[tuple[int, int, float]]:
    """12p and 12q at ``rest`` copies around the given segments (adjacent, no gaps)."""
    segments = [(0, 33_300_000, rest)]
    position = Q12_START_37
    for start, end, value in amplicon_segments:
        if start > position:
            segments.append((position, start, rest))
        segments.append((start, end, value))
        position = end
    segments.append((position, CHR12_END_37, rest))
    return segments


def test_whole_chromosome_at_eight_copies_is_polysomy_not_focal(tmp_path: Path) -> None:
    path = write_cns(tmp_path, "poly.cns", arm_with([(60_000_000, 69_000_000, 8), (69_000_000, 69_300_000, 8)], 8))
    mdm2 = estimate(path, purity=0.9, ploidy=2.0)
    found = amplicon(mdm2)
    assert mdm2.call == "amplified" and found["focal"] is False and codes(found) == ["not_focal_large_amplicon"]
    assert "whole arm 12q (polysomy or an arm-level gain)" in found["reasons"][0]["message"]


def test_high_level_that_is_the_arm_level_is_not_focal(tmp_path: Path) -> None:
    """12q at 5 copies, MDM2 at 7: a small region above the gain level, but only 1.4x the arm (< 2x)."""
    path = write_cns(tmp_path, "arm5.cns", arm_with([(69_100_000, 69_300_000, 7)], 5))
    found = amplicon(estimate(path, purity=0.9, ploidy=2.0))
    assert found["focal"] is False and codes(found) == ["not_focal_arm_level"]
    assert found["baseline"]["copy_number"] == 5 and found["ratio_range"] == [pytest.approx(1.4), pytest.approx(1.4)]
    assert "polysomy or whole-genome doubling" in found["reasons"][0]["message"]


@pytest.mark.parametrize(("start", "end", "focal"), [(64_300_000, 74_200_000, True), (64_200_000, 74_300_000, False)])
def test_amplicon_of_9_9_and_10_1_megabases(tmp_path: Path, start: int, end: int, focal: bool) -> None:
    path = write_cns(tmp_path, "size.cns", arm_with([(start, end, 20)]))
    found = amplicon(estimate(path, purity=0.9, ploidy=2.0))
    assert found["size_bp"] == end - start and found["max_size_bp"] == end - start
    assert found["focal"] is focal
    assert codes(found) == (["focal_amplification"] if focal else ["not_focal_large_amplicon"])
    # The limit is configuration: 12 Mb makes the larger one focal too.
    wider = FocalRule.from_config({**SETTINGS["copy_number"]["focal"], "max_size_mb": 12})
    assert amplicon(estimate(path, purity=0.9, ploidy=2.0, focal=wider))["focal"] is True


def test_purity_range_straddling_the_gain_level_leaves_focality_unknown(tmp_path: Path) -> None:
    """Log2 ratios: a 4 Mb core at log2 2 flanked by 4 Mb at log2 0.6 (3.0 copies in a pure tumour, 7.2 at
    purity 0.2): the amplicon is 4 or 12 Mb depending on purity."""
    segments = arm_with(
        [(62_000_000, 66_000_000, 0.6), (66_000_000, 70_000_000, 2.0), (70_000_000, 74_000_000, 0.6)], 0.0
    )
    path = write_cns(tmp_path, "ratio.cns", segments, absolute=False)
    unknown = amplicon(estimate(path))
    assert unknown["focal"] is None and codes(unknown) == ["focal_unknown_size_straddles"]
    assert unknown["core_size_bp"] == 4_000_000 and unknown["size_bp"] == 12_000_000
    assert amplicon(estimate(path, purity=0.9))["focal"] is True  # the flanks stay below 6 copies
    impure = amplicon(estimate(path, purity=0.2))
    assert impure["focal"] is False and impure["core_size_bp"] == 12_000_000


def test_unmeasured_edge_and_sparse_arm_leave_focality_unknown(tmp_path: Path) -> None:
    # A 2.5 Mb gap (larger than copy_number.max_gap_bridged) right of the amplicon: its right edge is unknown.
    gap = [
        (0, 33_300_000, 2),
        (Q12_START_37, 69_000_000, 2),
        (69_000_000, 69_500_000, 20),
        (72_000_000, CHR12_END_37, 2),
    ]
    edge = amplicon(estimate(write_cns(tmp_path, "gap.cns", gap), purity=0.9, ploidy=2.0))
    assert edge["focal"] is None and codes(edge) == ["focal_unknown_edge_not_observed"]
    assert edge["edges_measured"] == [True, False] and edge["max_size_bp"] is None
    # Only 1 Mb of 12q measured around the amplicon: no baseline.
    sparse = [(68_500_000, 69_000_000, 2), (69_000_000, 69_500_000, 20), (69_500_000, 70_000_000, 2)]
    thin = amplicon(estimate(write_cns(tmp_path, "sparse.cns", sparse), purity=0.9, ploidy=2.0))
    assert thin["focal"] is None and codes(thin) == ["focal_unknown_sparse_arm"]
    assert "copy_number.focal.min_arm_measured_fraction" in thin["reasons"][0]["message"]


# --------------------------------------------------------------------------- an arm with require_focal


def tp53_wild_type() -> TP53Evidence:
    return TP53Evidence("wild_type", [], CoverageEvidence(True, True, "gene_panel"))


def evidence(mdm2: GeneCopyNumber) -> Evidence:
    return Evidence(
        genes={"MDM2": mdm2},
        tp53=tp53_wild_type(),
        mdm2_ihc=MarkerCall("positive", "MDM2 positive"),
        p53_ihc=MarkerCall("absent", "no p53"),
        fish=MarkerCall("absent", "no FISH"),
        tumor_type=None,
        purity=None,
        policy=SETTINGS["policy"],
        rules={"MDM2": RULE},
    )


ARMS_YAML = """
default_arm: focal
arms:
  - id: focal
    title: MDM2 focally amplified, TP53 wild type
    criteria:
      - {kind: gene_amplified, gene: MDM2, require_focal: true}
      - {kind: tp53_wild_type}
  - id: any
    title: MDM2 amplified, TP53 wild type
    criteria:
      - {kind: gene_amplified, gene: MDM2}
      - {kind: tp53_wild_type}
"""


@pytest.fixture
def arms(tmp_path: Path):
    path = tmp_path / "arms.yaml"
    path.write_text(ARMS_YAML)
    loaded = load_arms(path)
    return {a.id: a for a in loaded.arms}


def test_require_focal_decides_the_arm(tmp_path: Path, arms) -> None:
    focal_case = estimate(CNVKIT / "tr95t.cns", purity=0.8)
    assert evaluate_arm(arms["focal"], evidence(focal_case)).status == "ELIGIBLE"
    polysomy = estimate(write_cns(tmp_path, "poly.cns", arm_with([], 8)), purity=0.9, ploidy=2.0)
    assert evaluate_arm(arms["any"], evidence(polysomy)).status == "ELIGIBLE"  # 8 copies: amplified
    result = evaluate_arm(arms["focal"], evidence(polysomy))
    assert result.status == "NOT_ELIGIBLE"
    reason = result.reasons[0]
    assert reason.code == "mdm2_not_focal"
    assert reason.message.startswith("MDM2: high-level gain of the whole arm (polysomy), not focal amplification")
    criterion = result.results[0].to_dict()
    assert criterion["description"] == "MDM2 focally amplified by NGS"
    assert criterion["rule"]["require_focal"] is True and criterion["rule"]["focal"] is False


def test_require_focal_with_unknown_focality_is_unknown(tmp_path: Path, arms) -> None:
    # A gene-level table stating MDM2 at 20 copies: amplified, but focality cannot be known.
    excerpt = (HMF / "tumor_sample.purple.cnv.gene.EXCERPT_CDK4_MDM2_TP53.tsv").read_text().splitlines()
    header = excerpt[0].split("\t")
    rows = [line.split("\t") for line in excerpt[1:]]
    for row in rows:
        if row[header.index("gene")] == "MDM2":
            row[header.index("minCopyNumber")] = row[header.index("maxCopyNumber")] = "20.0"
    table = tmp_path / "sample.purple.cnv.gene.tsv"
    table.write_text("\n".join(["\t".join(header), *("\t".join(r) for r in rows)]) + "\n")
    mdm2 = estimate(table, purity=0.9, ploidy=2.0)
    assert mdm2.call == "amplified"
    result = evaluate_arm(arms["focal"], evidence(mdm2))
    assert result.status == "INDETERMINATE"
    assert result.reasons[0].code == "mdm2_focality_unknown" and "gene-level table" in result.reasons[0].message
    assert evaluate_arm(arms["any"], evidence(mdm2)).status == "ELIGIBLE"
    # A gene estimated without amplicon evidence (no focal rule passed) is never assumed focal.
    plain = estimate(CNVKIT / "tr95t.cns", purity=0.8, focal=None)
    unknown = evaluate_arm(arms["focal"], evidence(plain))
    assert unknown.status == "INDETERMINATE" and "focality not assessed" in unknown.reasons[0].message
    # Not amplified stays not met whatever the focality.
    low = estimate(write_cns(tmp_path, "flat.cns", arm_with([])), purity=0.9, ploidy=2.0)
    assert evaluate_arm(arms["focal"], evidence(low)).results[0].state == "not_met"


def test_require_focal_is_only_for_gene_amplified(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "default_arm: a\narms:\n  - id: a\n    title: t\n    criteria:\n"
        "      - {kind: tp53_wild_type, require_focal: true}\n"
    )
    with pytest.raises(ConfigError, match="require_focal|gene_amplified"):
        load_arms(path)
