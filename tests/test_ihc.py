import pytest

from mdm2screen.errors import ConfigError
from mdm2screen.ihc import read_ihc, resolve_marker

SCORING = {"mdm2_min_percent": 10, "mdm2_min_intensity": 2, "mdm2_min_h_score": None, "fish_ratio_amplified": 2.0}
HEADER = [
    "patient_id",
    "sample_id",
    "marker",
    "result",
    "percent_positive",
    "intensity",
    "h_score",
    "ratio",
    "method",
    "date",
]
PATIENTS = {"P1": {"S1", "S2"}, "P2": {"S3"}}


def _table(write_tsv, rows):
    return read_ihc(write_tsv("ihc.tsv", [HEADER, *rows]), PATIENTS)


@pytest.mark.parametrize(
    ("percent", "intensity", "expected"),
    [
        ("80", "3", "positive"),
        ("10", "2", "positive"),
        ("9", "3", "negative"),
        ("50", "1", "negative"),
        ("0", "0", "negative"),
    ],
)
def test_mdm2_scored_from_percent_and_intensity(write_tsv, percent, intensity, expected):
    t = _table(write_tsv, [["P1", "S1", "MDM2", "", percent, intensity, "", "", "", ""]])
    assert resolve_marker(t.rows, "MDM2", "S1", SCORING).state == expected


def test_h_score_needs_a_configured_cut_off(write_tsv):
    t = _table(write_tsv, [["P1", "S1", "MDM2", "", "", "", "150", "", "", ""]])
    assert resolve_marker(t.rows, "MDM2", "S1", SCORING).state == "equivocal"
    assert resolve_marker(t.rows, "MDM2", "S1", {**SCORING, "mdm2_min_h_score": 100}).state == "positive"
    assert resolve_marker(t.rows, "MDM2", "S1", {**SCORING, "mdm2_min_h_score": 200}).state == "negative"


def test_fish_ratio(write_tsv):
    t = _table(
        write_tsv,
        [
            ["P1", "S1", "MDM2_FISH", "", "", "", "", "2.0", "", ""],
            ["P2", "S3", "MDM2_FISH", "", "", "", "", "1.4", "", ""],
        ],
    )
    assert resolve_marker(t.for_patient("P1"), "MDM2_FISH", "S1", SCORING).state == "amplified"
    assert resolve_marker(t.for_patient("P2"), "MDM2_FISH", "S3", SCORING).state == "not_amplified"


def test_bad_rows_are_reported_and_ignored(write_tsv):
    t = _table(
        write_tsv,
        [
            ["P1", "S1", "MDM2", "", "120", "2", "", "", "", ""],  # percent out of range
            ["P1", "S1", "MDM2", "", "50", "4", "", "", "", ""],  # intensity out of range
            ["P1", "S9", "MDM2", "positive", "", "", "", "", "", ""],  # sample of another patient
            ["P1", "S1", "MDM3", "positive", "", "", "", "", "", ""],  # unknown marker
            ["P1", "S1", "p53", "mutant", "", "", "", "", "", ""],  # unknown p53 pattern
            ["NOBODY", "", "MDM2", "positive", "", "", "", "", "", ""],  # unknown patient
        ],
    )
    assert t.rows == []
    problems = " ".join(t.patient_problems["P1"])
    assert "percent_positive" in problems and "intensity" in problems and "'S9'" in problems
    assert "MDM3" in problems and "mutant" in problems and "row ignored" in problems
    assert any("NOBODY" in p for p in t.orphan_problems)
    assert resolve_marker(t.rows, "MDM2", "S1", SCORING).state == "absent"


def test_disagreeing_rows_conflict_unless_a_later_date_settles_them(write_tsv):
    t = _table(
        write_tsv,
        [
            ["P1", "S1", "MDM2", "positive", "", "", "", "", "", ""],
            ["P1", "S1", "MDM2", "negative", "", "", "", "", "", ""],
        ],
    )
    assert resolve_marker(t.rows, "MDM2", "S1", SCORING).state == "conflicting"
    t = _table(
        write_tsv,
        [
            ["P1", "S1", "MDM2", "negative", "", "", "", "", "", "2024-01-01"],
            ["P1", "S1", "MDM2", "positive", "", "", "", "", "", "2024-02-01"],
        ],
    )
    assert resolve_marker(t.rows, "MDM2", "S1", SCORING).state == "positive"


def test_rows_for_the_decision_sample_win(write_tsv):
    t = _table(
        write_tsv,
        [
            ["P1", "S1", "MDM2", "negative", "", "", "", "", "", ""],
            ["P1", "S2", "MDM2", "positive", "", "", "", "", "", ""],
        ],
    )
    assert resolve_marker(t.rows, "MDM2", "S2", SCORING).state == "positive"
    call = resolve_marker(t.rows, "MDM2", "S1", SCORING)
    assert call.state == "negative"


def test_broken_table_stops_the_run(write_tsv, tmp_path):
    with pytest.raises(ConfigError, match="required column 'marker'"):
        read_ihc(write_tsv("x.tsv", [["patient_id", "result"], ["P1", "positive"]]), PATIENTS)
    with pytest.raises(ConfigError, match="does not exist"):
        read_ihc(tmp_path / "missing.tsv", PATIENTS)
