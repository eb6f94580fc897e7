"""MDM2 FISH from signal counts: MDM2/CEP12 ratio >= 2 amplified; more than two signals of both probes with
a ratio < 2 is chromosome 12 polysomy, reported as such (Mod Pathol 2008;21:943, PMID 18500263). The IHC
table's optional columns mdm2_signals, cep12_signals (mean signals per nucleus) and nuclei_scored."""

from __future__ import annotations

import pytest

from mdm2screen.config import load_settings
from mdm2screen.criteria import Criterion, Evidence, evaluate_criterion
from mdm2screen.ihc import MarkerCall, read_ihc, resolve_marker
from mdm2screen.model import CoverageEvidence, TP53Evidence

SETTINGS = load_settings({"samples": "x.tsv"})
SCORING = SETTINGS["ihc_scoring"]
HEADER = ["patient_id", "sample_id", "marker", "result", "ratio", "mdm2_signals", "cep12_signals", "nuclei_scored"]
PATIENTS = {"P1": {"S1"}, "P2": {"S2"}}


def fish(write_tsv, *cells: str, scoring=SCORING) -> MarkerCall:
    """The MDM2 FISH call of one row: result, ratio, mdm2_signals, cep12_signals, nuclei_scored."""
    table = read_ihc(write_tsv("ihc.tsv", [HEADER, ["P1", "S1", "MDM2_FISH", *cells]]), PATIENTS)
    return resolve_marker(table.for_patient("P1"), "MDM2_FISH", "S1", scoring)


def problems(write_tsv, row: list[str]) -> list[str]:
    table = read_ihc(write_tsv("ihc.tsv", [HEADER, row]), PATIENTS)
    assert resolve_marker(table.for_patient("P1"), "MDM2_FISH", "S1", SCORING).state == "invalid"
    return table.patient_problems["P1"]


def test_ratio_from_signals_2_1_is_amplified(write_tsv) -> None:
    call = fish(write_tsv, "", "", "4.2", "2.0", "50")
    assert call.state == "amplified" and call.finding is None
    assert "MDM2 4.2 / CEP12 2 signals per nucleus, MDM2/CEP12 ratio 2.10 (amplified at >= 2)" in call.detail
    assert "50 nuclei scored" in call.detail
    row = call.rows[0]
    assert (row["mdm2_signals"], row["cep12_signals"], row["nuclei_scored"]) == (4.2, 2.0, 50)


def test_four_mdm2_and_3_8_cep12_signals_is_chromosome_12_polysomy(write_tsv) -> None:
    call = fish(write_tsv, "", "", "4", "3.8", "40")
    assert call.state == "not_amplified" and call.finding == "polysomy"
    assert "chromosome 12 polysomy, not MDM2 amplification (Mod Pathol 2008;21:943)" in call.detail
    assert call.to_dict()["finding"] == "polysomy"
    # Two signals of each probe (eusomic) with the same low ratio is plainly not amplified.
    plain = fish(write_tsv, "", "", "2", "2", "40")
    assert plain.state == "not_amplified" and plain.finding is None and "finding" not in plain.to_dict()
    # The threshold is configuration.
    strict = fish(write_tsv, "", "", "4", "3.8", "40", scoring={**SCORING, "fish_polysomy_signals": 4.0})
    assert strict.state == "not_amplified" and strict.finding is None


def test_reported_polysomy_wording_keeps_its_finding(write_tsv) -> None:
    call = fish(write_tsv, "polysomy", "", "", "", "")
    assert call.state == "not_amplified" and call.finding == "polysomy"
    assert "polysomy" in call.detail


def test_reported_ratio_checked_against_the_signals(write_tsv) -> None:
    agreeing = fish(write_tsv, "", "2.1", "4.2", "2.0", "")
    assert agreeing.state == "amplified" and "MDM2/CEP12 ratio 2.1" in agreeing.detail
    disagreeing = fish(write_tsv, "", "3.5", "4.2", "2.0", "")
    assert disagreeing.state == "invalid"
    assert "line 2: reported MDM2/CEP12 ratio 3.5 disagrees with MDM2 4.2 / CEP12 2" in disagreeing.detail
    assert "ihc_scoring.fish_ratio_agreement" in disagreeing.detail
    # Within the tolerance but on opposite sides of the cut-off: for review, never a silent choice.
    straddling = fish(write_tsv, "", "2.0", "3.9", "2.0", "")
    assert straddling.state == "equivocal" and "opposite sides of the amplification cut-off 2" in straddling.detail


def test_minimum_nuclei_when_configured(write_tsv) -> None:
    assert fish(write_tsv, "", "", "6", "2", "12").state == "amplified"  # default: the count is only reported
    few = fish(write_tsv, "", "", "6", "2", "12", scoring={**SCORING, "fish_min_nuclei": 20})
    assert (
        few.state == "equivocal" and "only 12 nuclei scored, fewer than 20 (ihc_scoring.fish_min_nuclei)" in few.detail
    )
    assert fish(write_tsv, "", "", "6", "2", "20", scoring={**SCORING, "fish_min_nuclei": 20}).state == "amplified"


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (["", "", "-1", "2", ""], "column 'mdm2_signals': expected 0 to 1000, found '-1'"),
        (["", "", "nan", "2", ""], "column 'mdm2_signals': expected a number, found 'nan'"),
        (["", "", "4", "inf", ""], "column 'cep12_signals': expected a number, found 'inf'"),
        (["", "", "4", "2", "2.5"], "column 'nuclei_scored': expected a whole number of nuclei, found '2.5'"),
        (["", "", "4", "2", "0"], "column 'nuclei_scored': expected 1 to 1e+06, found '0'"),
        (["", "", "4", "", ""], "column 'cep12_signals': empty, but the ratio needs both mean signals"),
        (["", "", "4", "0", ""], "column 'cep12_signals': 0 CEP12 signals per nucleus leaves the MDM2/CEP12 ratio"),
    ],
)
def test_bad_signal_values_make_fish_invalid(write_tsv, cells: list[str], message: str) -> None:
    found = problems(write_tsv, ["P1", "S1", "MDM2_FISH", *cells])
    assert any(message in p and "ihc.tsv, line 2" in p for p in found), found


def test_signal_counts_belong_to_fish_rows(write_tsv) -> None:
    table = read_ihc(write_tsv("ihc.tsv", [HEADER, ["P1", "S1", "p53", "wild type", "", "4", "2", ""]]), PATIENTS)
    assert resolve_marker(table.for_patient("P1"), "p53", "S1", SCORING).state == "invalid"
    assert "FISH signal counts belong to MDM2_FISH rows, found on a p53 row" in table.patient_problems["P1"][0]


def test_signals_alone_are_a_raw_score(write_tsv) -> None:
    """A table with signal columns and no result or ratio column is readable."""
    path = write_tsv(
        "ihc.tsv", [["patient_id", "marker", "mdm2_signals", "cep12_signals"], ["P1", "MDM2 FISH", "9", "2"]]
    )
    call = resolve_marker(read_ihc(path, PATIENTS).for_patient("P1"), "MDM2_FISH", "S1", SCORING)
    assert call.state == "amplified" and "ratio 4.50" in call.detail


def _evidence(fish_call: MarkerCall, ihc: str = "absent") -> Evidence:
    return Evidence(
        genes={},
        tp53=TP53Evidence("wild_type", [], CoverageEvidence(True, True, "gene_panel")),
        mdm2_ihc=MarkerCall(ihc, f"MDM2 IHC {ihc}"),
        p53_ihc=MarkerCall("absent", "no p53"),
        fish=fish_call,
        tumor_type=None,
        purity=None,
        policy=SETTINGS["policy"],
    )


def test_polysomy_in_the_criteria(write_tsv) -> None:
    polysomy = fish(write_tsv, "", "", "4", "3.8", "40")
    result = evaluate_criterion(Criterion("fish", "mdm2_fish_amplified", {}), _evidence(polysomy))
    assert result.state == "not_met" and result.reason.code == "mdm2_fish_polysomy"
    assert result.reason.message.startswith("MDM2 FISH: chromosome 12 polysomy, not amplification")
    confirmed = evaluate_criterion(Criterion("confirmed", "mdm2_confirmed", {}), _evidence(polysomy))
    assert confirmed.state == "not_met" and confirmed.reason.code == "mdm2_fish_polysomy"
    amplified = fish(write_tsv, "", "", "4.2", "2.0", "")
    assert evaluate_criterion(Criterion("fish", "mdm2_fish_amplified", {}), _evidence(amplified)).state == "met"
