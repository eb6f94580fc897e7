"""A segment whose stated copy number its own ratio cannot give is corrupt: the gene is not assessable.

Found by the mutation property over real files (tests/test_cn_properties.py): dropping three bytes
of a DRAGEN CNV VCF sample column turned ``SM 0.69, CN 1`` into ``SM 0.69, CN 10`` and TP53 into an
"amplified" gene; the same shift on the MDM2 row would make a false ELIGIBLE.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from mdm2screen.cn import read_copy_number
from mdm2screen.cn.genelevel import gene_copy_number, stated_contradiction
from mdm2screen.config import load_settings
from mdm2screen.model import Segment
from mdm2screen.reference import gene_locus

DRAGEN = REPO / "tests" / "data" / "cn" / "spec" / "dragen_tumor.cnv.vcf"
SETTINGS = load_settings({"samples": "unused.tsv"}, "test")
RULE = SETTINGS.amplification_rule("MDM2")


def _dragen_with(tmp_path: Path, old: str, new: str) -> Path:
    text = DRAGEN.read_text()
    assert old in text
    path = tmp_path / "tumor.cnv.vcf"
    path.write_text(text.replace(old, new))
    return path


def _mdm2(path: Path):
    profile = read_copy_number(path, build="GRCh38", keep_chromosomes=["12", "17"])
    return gene_copy_number(profile, gene_locus("MDM2", "GRCh38"), RULE, purity=None, ploidy=None, purity_source=None)


def test_the_real_file_is_consistent_and_mdm2_amplified() -> None:
    assert _mdm2(DRAGEN).call == "amplified"


def test_a_loss_ratio_with_an_amplified_copy_number_is_not_evidence(tmp_path: Path) -> None:
    # MDM2's row as a loss (SM 0.69) that states 14 copies: no purity or ploidy gives both.
    path = _dragen_with(tmp_path, "1:4.720:14:200", "1:0.690:14:200")
    gene = _mdm2(path)
    assert gene.call == "not_assessable" and gene.amplified is None
    (reason,) = [r for r in gene.reasons if r.code == "cn_self_contradictory"]
    assert "line 51" in reason.message and "states 14" in reason.message


@pytest.mark.parametrize(
    ("ratio", "copy_number", "contradicts"),
    [
        (0.69, 1.0, False),  # a one-copy loss
        (0.69, 10.0, True),  # a loss can lie at most at ploidy x ratio (8 x 0.76)
        (1.0, 100.0, True),  # neutral: at most 8 x (1 + 0.1 / 0.08) = 18 copies
        (1.0, 4.0, False),  # neutral in a tetraploid tumour
        (4.72, 14.0, False),  # the real MDM2 row
        (4.72, 300.0, False),  # possible at purity 0.08
        (3.0, 0.0, True),  # a gain cannot state no copies
        (0.5, 1.0, False),  # male chrX
    ],
)
def test_bounds_of_the_stated_copy_number(ratio: float, copy_number: float, contradicts: bool) -> None:
    seg = Segment("12", 1, 1000, ratio, "fold_change", copy_number=copy_number, line=7)
    assert (stated_contradiction(seg, RULE) is not None) is contradicts


def test_segments_without_a_stated_copy_number_are_not_checked() -> None:
    assert stated_contradiction(Segment("12", 1, 1000, 0.2, "log2"), RULE) is None
