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


def test_bad_rows_are_reported_and_make_the_marker_invalid(write_tsv):
    t = _table(
        write_tsv,
        [
            ["P1", "S1", "MDM2", "", "120", "2", "", "", "", ""],  # percent out of range
            ["P1", "S1", "MDM2", "", "50", "4", "", "", "", ""],  # intensity out of range
            ["P1", "S9", "MDM2", "positive", "", "", "", "", "", ""],  # sample of another patient
            ["P1", "S1", "p53", "mutatn", "", "", "", "", "", ""],  # unknown p53 pattern
            ["P2", "S3", "MDM2_FISH", "", "", "", "", "nan", "", ""],  # not a number
            ["NOBODY", "", "MDM2", "positive", "", "", "", "", "", ""],  # unknown patient
        ],
    )
    problems = " ".join(t.patient_problems["P1"])
    assert "percent_positive" in problems and "intensity" in problems and "'S9'" in problems
    assert "mutatn" in problems and "invalid" in problems
    assert any("NOBODY" in p for p in t.orphan_problems)
    mdm2 = resolve_marker(t.for_patient("P1"), "MDM2", "S1", SCORING)
    assert mdm2.state == "invalid"
    assert "ihc.tsv, line 2, column 'percent_positive'" in mdm2.detail and "'120'" in mdm2.detail
    p53 = resolve_marker(t.for_patient("P1"), "p53", "S1", SCORING)
    assert p53.state == "invalid" and "line 5, column 'result'" in p53.detail and "'mutatn'" in p53.detail
    assert resolve_marker(t.for_patient("P1"), "MDM2_FISH", "S1", SCORING).state == "absent"
    assert resolve_marker(t.for_patient("P2"), "MDM2_FISH", "S3", SCORING).state == "invalid"
    assert resolve_marker(t.for_patient("P2"), "MDM2", "S3", SCORING).state == "absent"
    # Everything is listed for check and the cohort summary, unknown patients first.
    listed = t.cohort_problems()
    assert "NOBODY" in listed[0] and len(listed) == len(t.orphan_problems) + 5


def test_an_invalid_row_is_not_outvoted_by_a_valid_one(write_tsv):
    t = _table(
        write_tsv,
        [
            ["P1", "S1", "p53", "wild-type pattern", "", "", "", "", "", "2024-05-01"],
            ["P1", "S1", "p53", "mutnat", "", "", "", "", "", "2024-01-01"],  # the older row, mis-typed
        ],
    )
    assert resolve_marker(t.for_patient("P1"), "p53", "S1", SCORING).state == "invalid"


def test_an_unreadable_marker_makes_every_marker_of_the_patient_invalid(write_tsv):
    t = _table(write_tsv, [["P1", "S1", "MDM3", "positive", "", "", "", "", "", ""]])
    for marker in ("MDM2", "p53", "MDM2_FISH"):
        call = resolve_marker(t.for_patient("P1"), marker, "S1", SCORING)
        assert call.state == "invalid" and "column 'marker'" in call.detail and "'MDM3'" in call.detail


def test_a_row_of_a_known_patient_with_missing_fields_is_not_dropped(write_tsv, tmp_path):
    path = tmp_path / "short.tsv"
    path.write_text("\t".join(HEADER) + "\nP1\tS1\tp53\taberrant\n")
    t = read_ihc(path, PATIENTS)
    assert resolve_marker(t.for_patient("P1"), "p53", "S1", SCORING).state == "invalid"
    assert "line 2: expected 10 tab-separated fields, found 4" in t.patient_problems["P1"][0]
    assert t.orphan_problems == [] and t.cohort_problems() == t.patient_problems["P1"]


@pytest.mark.parametrize(
    ("marker", "written", "state"),
    [
        ("p53", "wild-type pattern", "wild_type_pattern"),
        ("p53", "Wild type", "wild_type_pattern"),
        ("p53", "wildtype", "wild_type_pattern"),
        ("p53", "normal", "wild_type_pattern"),
        ("p53", "aberrant", "aberrant"),
        ("p53", "Abnormal", "aberrant"),
        ("p53", "mutant", "aberrant"),
        ("p53", "mutant-type pattern", "aberrant"),
        ("p53", "mutation-type", "aberrant"),
        ("p53", "overexpressed", "overexpression"),
        ("p53", "OVEREXPRESSION", "overexpression"),
        ("p53", "null", "null"),
        ("p53", "absent", "null"),
        ("p53", "complete absence", "null"),
        ("p53", "cytoplasmic", "cytoplasmic"),
        ("p53", "not done", "not_done"),
        ("MDM2", "Pos", "positive"),
        ("MDM2", "overexpressed", "positive"),
        ("MDM2", "neg", "negative"),
        ("MDM2", "Equivocal", "equivocal"),
        ("MDM2_FISH", "amp", "amplified"),
        ("MDM2_FISH", "positive", "amplified"),
        ("MDM2_FISH", "not amplified", "not_amplified"),
        ("MDM2_FISH", "non-amplified", "not_amplified"),
        ("MDM2_FISH", "negative", "not_amplified"),
        ("MDM2_FISH", "Polysomy", "not_amplified"),
        ("MDM2 FISH", "amplified", "amplified"),
        ("TP53", "aberrant", "aberrant"),
    ],
)
def test_common_laboratory_wording_is_accepted(write_tsv, marker, written, state):
    t = _table(write_tsv, [["P1", "S1", marker, written, "", "", "", "", "", ""]])
    assert t.patient_problems == {}
    canonical = {"MDM2 FISH": "MDM2_FISH", "TP53": "p53"}.get(marker, marker)
    call = resolve_marker(t.for_patient("P1"), canonical, "S1", SCORING)
    assert call.state == state
    if written.lower() == "polysomy":
        assert "polysomy" in call.detail


def test_aberrant_is_an_aberrant_p53_pattern():
    from mdm2screen.ihc import P53_ABERRANT

    assert "aberrant" in P53_ABERRANT


def test_intensity_written_with_a_plus(write_tsv):
    t = _table(write_tsv, [["P1", "S1", "MDM2", "", "40", "2+", "", "", "", ""]])
    assert resolve_marker(t.for_patient("P1"), "MDM2", "S1", SCORING).state == "positive"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\r"])
def test_line_numbers_count_newlines_only(tmp_path, separator):
    path = tmp_path / "ihc.tsv"
    rows = [
        HEADER,
        ["P1", "S1", "MDM2", "positive", "", "", "", "", f"clone{separator}SMP14", ""],
        ["P1", "S1", "p53", "mutatn", "", "", "", "", "", ""],
    ]
    path.write_text("".join("\t".join(r) + "\n" for r in rows), newline="")
    t = read_ihc(path, PATIENTS)
    assert [r.line for r in t.rows if r.problem is None] == [2]
    assert "line 3, column 'result'" in t.patient_problems["P1"][0]


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
