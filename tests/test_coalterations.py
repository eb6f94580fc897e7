"""Co-alterations reported next to MDM2 amplification (modifiers that gate nothing unless an arm names them):
CDK4, HMGA2, FRS2 and TWIST1 amplification, CDKN2A homozygous deletion (Cancer Discov 2023;13:1814), the
gene_deleted / gene_not_deleted criteria, and their frequency among MDM2-amplified patients in the cohort
summary."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from conftest import CNVKIT

from mdm2screen.cn import read_copy_number
from mdm2screen.cn.genelevel import CO_ALTERATIONS, FocalRule, co_alterations, gene_copy_number
from mdm2screen.config import load_settings
from mdm2screen.criteria import Criterion, Evidence, evaluate_criterion, load_arms
from mdm2screen.decision import arm_genes
from mdm2screen.errors import ConfigError
from mdm2screen.ihc import MarkerCall
from mdm2screen.model import CoverageEvidence, GeneCopyNumber, TP53Evidence
from mdm2screen.reference import gene_locus
from mdm2screen.report import SUMMARY_COLUMNS, summary_columns, summary_row, write_cohort_summary
from mdm2screen.report.cohort import co_alteration_frequencies

SETTINGS = load_settings({"samples": "x.tsv"})
FOCAL = FocalRule.from_config(SETTINGS["copy_number"]["focal"])
GENES = ["MDM2", "CDK4", "HMGA2", "FRS2", "TWIST1", "CDKN2A"]
CDKN2A_37 = (21_967_752, 21_975_097)  # genes.tsv, GRCh37


def genes_of(path: Path, *, purity: float | None = None, ploidy: float | None = None) -> dict[str, GeneCopyNumber]:
    profile = read_copy_number(path, build="GRCh37")
    return {
        g: gene_copy_number(
            profile,
            gene_locus(g, "GRCh37"),
            SETTINGS.amplification_rule(g),
            purity=purity,
            ploidy=ploidy,
            purity_source=None,
            focal=FOCAL,
        )  # fmt: skip
        for g in GENES
    }


def chr9_cns(tmp_path: Path, name: str, deleted: tuple[int, int], value: float, *, absolute: bool = True) -> Path:
    """Chromosome 9 at 2 copies (log2 0) but for ``deleted`` (0-based start, end) at ``value`` (cn, or log2)."""
    header = (
        "chromosome\tstart\tend\tgene\tlog2\tcn\tprobes\n"
        if absolute
        else "chromosome\tstart\tend\tgene\tlog2\tprobes\n"
    )
    rows = [(0, deleted[0], 2.0), (deleted[0], deleted[1], value), (deleted[1], 141_213_431, 2.0)]
    lines = [header]
    for start, end, v in rows:
        if absolute:
            lines.append(f"chr9\t{start}\t{end}\t-\t{math.log2(max(v, 0.01) / 2):.4f}\t{int(v)}\t30\n")
        else:
            lines.append(f"chr9\t{start}\t{end}\t-\t{0.0 if v == 2.0 else v:.4f}\t30\n")
    path = tmp_path / name
    path.write_text("".join(lines))
    return path


def by_gene(entries: list[dict]) -> dict[str, dict]:
    return {e["gene"]: e for e in entries}


def test_twist1_has_coordinates_and_is_screened_by_default() -> None:
    assert gene_locus("TWIST1", "GRCh37").start == 19_155_091 and gene_locus("TWIST1", "GRCh38").end == 19_117_672
    assert "TWIST1" in SETTINGS.genes()
    assert [g for g, _ in CO_ALTERATIONS] == ["CDK4", "HMGA2", "FRS2", "TWIST1", "CDKN2A"]


def test_co_alterations_of_a_liposarcoma_like_sample() -> None:
    found = by_gene(co_alterations(genes_of(CNVKIT / "tr95t.cns", purity=0.8)))
    assert found["CDK4"]["present"] is True and found["FRS2"]["present"] is True  # the 12q13-15 amplicons
    assert found["HMGA2"]["present"] is False and found["TWIST1"]["present"] is False
    assert found["CDKN2A"]["present"] is False and found["CDKN2A"]["alteration"] == "homozygous_deletion"
    assert "no homozygous deletion" in found["CDKN2A"]["detail"]
    missing = by_gene(co_alterations({}))
    assert missing["TWIST1"]["present"] is None and "add it to copy_number.genes" in missing["TWIST1"]["detail"]


def test_cdkn2a_homozygous_deletion_whole_partial_and_possible(tmp_path: Path) -> None:
    whole = chr9_cns(tmp_path, "whole.cns", (21_900_000, 22_100_000), 0)
    assert by_gene(co_alterations(genes_of(whole, purity=0.9, ploidy=2.0)))["CDKN2A"]["present"] is True
    partial = chr9_cns(tmp_path, "partial.cns", (21_971_000, 22_100_000), 0)
    entry = by_gene(co_alterations(genes_of(partial, purity=0.9, ploidy=2.0)))["CDKN2A"]
    assert entry["present"] is None and "part of the gene is homozygously deleted" in entry["detail"]
    # A ratio loss (log2 -1.5) is homozygous only at low purity: unknown until purity is known.
    possible = chr9_cns(tmp_path, "possible.cns", (21_900_000, 22_100_000), -1.5, absolute=False)
    entry = by_gene(co_alterations(genes_of(possible)))["CDKN2A"]
    assert entry["present"] is None and "purity needed" in entry["detail"]


def _evidence(genes: dict[str, GeneCopyNumber]) -> Evidence:
    return Evidence(
        genes=genes,
        tp53=TP53Evidence("wild_type", [], CoverageEvidence(True, True, "gene_panel")),
        mdm2_ihc=MarkerCall("positive", "MDM2 positive"),
        p53_ihc=MarkerCall("absent", "no p53"),
        fish=MarkerCall("absent", "no FISH"),
        tumor_type=None,
        purity=None,
        policy=SETTINGS["policy"],
    )


@pytest.mark.parametrize(
    ("segment", "value", "deleted", "not_deleted"),
    [
        ((21_900_000, 22_100_000), 0, "met", "not_met"),
        ((21_900_000, 22_100_000), 1, "not_met", "met"),
        ((21_971_000, 22_100_000), 0, "unknown", "unknown"),
    ],
)
def test_gene_deleted_criteria(tmp_path: Path, segment, value, deleted, not_deleted) -> None:
    ev = _evidence(genes_of(chr9_cns(tmp_path, "c.cns", segment, value), purity=0.9, ploidy=2.0))
    got = evaluate_criterion(Criterion("d", "gene_deleted", {"gene": "CDKN2A"}), ev)
    assert got.state == deleted
    assert evaluate_criterion(Criterion("n", "gene_not_deleted", {"gene": "CDKN2A"}), ev).state == not_deleted
    if deleted == "met":
        assert got.reason.code == "cdkn2a_homozygous_deletion" and "homozygous deletion" in got.reason.message
    not_evaluated = evaluate_criterion(Criterion("d", "gene_deleted", {"gene": "CDKN2A"}), _evidence({}))
    assert not_evaluated.state == "unknown"


def test_arms_can_name_co_alterations(tmp_path: Path) -> None:
    path = tmp_path / "arms.yaml"
    path.write_text(
        "default_arm: a\narms:\n  - id: a\n    title: intimal sarcoma, TWIST1 amplified, CDKN2A kept\n    criteria:\n"
        "      - {kind: gene_amplified, gene: MDM2}\n"
        "      - {kind: gene_amplified, gene: TWIST1}\n"
        "      - {kind: gene_not_deleted, gene: CDKN2A}\n"
    )
    arms = load_arms(path)
    assert arm_genes(arms) == ["MDM2", "TWIST1", "CDKN2A"]  # evaluated even when not configured
    assert arms.arms[0].criteria[2].describe() == "CDKN2A not homozygously deleted by NGS"
    path.write_text("default_arm: a\narms:\n  - id: a\n    title: t\n    criteria:\n      - {kind: gene_deleted}\n")
    with pytest.raises(ConfigError, match="gene"):
        load_arms(path)


# --------------------------------------------------------------------------- cohort summary


def _report(pid: str, genes: dict[str, GeneCopyNumber], fish: dict | None = None) -> dict:
    return {
        "patient_id": pid,
        "status": "ELIGIBLE",
        "mdm2": genes["MDM2"].to_dict(),
        "cdk4": genes["CDK4"].to_dict(),
        "genes": {g: genes[g].to_dict() for g in GENES if g not in ("MDM2", "CDK4")},
        "ihc": {"fish": fish or {"state": "absent"}},
        "arms": [{"id": "mdm2_inhibitor", "status": "ELIGIBLE"}],
    }


def test_summary_rows_and_frequency_among_mdm2_amplified(tmp_path: Path) -> None:
    lipo = genes_of(CNVKIT / "tr95t.cns", purity=0.8)
    cdkn2a_loss = genes_of(chr9_cns(tmp_path, "c.cns", (21_900_000, 22_100_000), 0), purity=0.9, ploidy=2.0)
    # A second MDM2-amplified patient: tr95t's chromosome 12 with the chromosome 9 deletion.
    second = {**lipo, "CDKN2A": cdkn2a_loss["CDKN2A"]}
    polysomy = {"state": "not_amplified", "finding": "polysomy"}
    reports = [_report("P1", lipo), _report("P2", second, polysomy), _report("P3", cdkn2a_loss)]
    rows = [summary_row(r) for r in reports]
    first = rows[0]
    assert (first["mdm2_focal"], first["mdm2_amplicon_mb"], first["mdm2_arm_baseline"]) == ("true", "2.59", "2.03")
    assert (first["hmga2_amplified"], first["frs2_amplified"], first["twist1_amplified"]) == ("false", "true", "false")
    assert first["cdkn2a_deleted"] == "false" and first["mdm2_fish_finding"] == "NA"
    assert rows[1]["cdkn2a_deleted"] == "true" and rows[1]["mdm2_fish_finding"] == "polysomy"
    # Chromosome 12 is not in P3's file: MDM2 not measured, so neither "not amplified" nor counted below.
    assert rows[2]["mdm2_amplified"] == "NA" and rows[2]["mdm2_focal"] == "NA"
    freq = co_alteration_frequencies(rows)
    assert freq["n"] == 2  # P3 is not MDM2-amplified
    table = {r["column"]: r for r in freq["rows"]}
    assert (table["cdkn2a_deleted"]["present"], table["cdkn2a_deleted"]["assessed"]) == (1, 2)
    assert table["cdkn2a_deleted"]["percent"] == 50.0
    assert (
        table["mdm2_focal"]["present"],
        table["cdk4_amplified"]["present"],
        table["twist1_amplified"]["present"],
    ) == (2, 2, 0)
    unknown = co_alteration_frequencies([dict(rows[0], hmga2_amplified="NA")])
    hmga2 = next(r for r in unknown["rows"] if r["column"] == "hmga2_amplified")
    assert (hmga2["present"], hmga2["assessed"], hmga2["unknown"], hmga2["percent"]) == (0, 0, 1, None)

    written = write_cohort_summary(iter(rows), tmp_path, title="t", arms=[{"id": "mdm2_inhibitor", "title": "Mono"}])
    header = next(csv.reader(written["summary.tsv"].open(), delimiter="\t"))
    assert header == list(summary_columns(["mdm2_inhibitor"]))
    assert header[17] == "status_mdm2_inhibitor" and header[18:26] == list(SUMMARY_COLUMNS[17:25])
    page = written["summary.html"].read_text()
    assert "Co-alterations among MDM2-amplified patients" in page
    assert '<tr><td>CDKN2A homozygous deletion</td><td class="num">1/2</td><td class="num">50%</td>' in page
    assert "amp, focal" in page and "CDK4 amp, FRS2 amp, CDKN2A del" in page and "(chr12 polysomy)" in page
