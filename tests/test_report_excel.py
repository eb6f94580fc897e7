"""Cohort summary workbook (summary.xlsx): sheets, header, frozen panes, filters, numbers, formula injection."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest
import report_fixtures as rf

openpyxl = pytest.importorskip("openpyxl")

from mdm2screen.report import summary_columns, summary_row  # noqa: E402
from mdm2screen.report.excel import (  # noqa: E402
    ARM_COLUMNS,
    MAX_WIDTH,
    NO_PROBLEMS,
    sheet_name,
    write_summary_xlsx,
)

HOSTILE_TUMOUR = '=HYPERLINK("http://x")'
LONG_ARM = "mdm2_inhibitor_with_cdk4_combination_and_a_very_long_name"
ARMS = [(a["id"], a["title"]) for a in rf.ARMS]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return [summary_row(r) for r in rf.all_reports().values()]


def _columns(arm_ids: list[str]) -> list[str]:
    return list(summary_columns(arm_ids))


def _hostile(rows: list[dict[str, str]], arm_ids: list[str]) -> dict[str, str]:
    row = dict(
        rows[0],
        patient_id="PT-HOSTILE",
        tumor_type=HOSTILE_TUMOUR,
        reasons="+cmd|' /C calc'!A0 | @SUM(1+1)",
        decision_sample="-2+3",
        mdm2_copy_number="NA",
        cdk4_copy_number="1e3",
        build="bad\x01char",
    )
    for arm in arm_ids:
        row[f"status_{arm}"] = "ELIGIBLE"
    return row


@pytest.fixture()
def book(tmp_path: Path, rows: list[dict[str, str]]) -> tuple[Path, list[dict[str, str]], list[str]]:
    arm_ids = [a for a, _ in ARMS]
    table = [*rows, _hostile(rows, arm_ids)]
    columns = _columns(arm_ids)
    problems = ["ihc.tsv, line 14: patient 'PT-9999' is not in the sample sheet; row ignored", "=1+1 sneaky"]
    path = write_summary_xlsx(
        tmp_path / "cohort" / "summary.xlsx", table, columns=columns, arms=ARMS, problems=problems
    )
    return path, table, columns


def _values(ws: object) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]  # type: ignore[attr-defined]


def test_sheets_header_freeze_filter(book: tuple[Path, list[dict[str, str]], list[str]]) -> None:
    path, table, columns = book
    assert path.name == "summary.xlsx" and path.is_file()
    assert not [p for p in path.parent.iterdir() if p != path], "temporary files left behind"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "All patients" and wb.sheetnames[-1] == "Problems"
    assert len(wb.sheetnames) == len(ARMS) + 2

    ws = wb["All patients"]
    values = _values(ws)
    assert values[0] == columns
    assert [r[0] for r in values[1:]] == [r["patient_id"] for r in table]  # rows as given
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(columns))}{len(table) + 1}"
    for letter, dim in ws.column_dimensions.items():
        assert 0 < dim.width <= MAX_WIDTH, letter
    reasons = openpyxl.utils.get_column_letter(columns.index("reasons") + 1)
    pid = openpyxl.utils.get_column_letter(columns.index("patient_id") + 1)
    assert ws.column_dimensions[reasons].width > ws.column_dimensions[pid].width  # fitted, not uniform

    for arm_id, title in ARMS:
        ws = wb[sheet_name(arm_id, set())]
        values = _values(ws)
        assert title in str(values[0][0]) and arm_id in str(values[0][0])
        assert values[1] == [f"status_{arm_id}" if c == "status" else c for c in ARM_COLUMNS]
        assert all(c.font.bold for c in ws[2])
        assert ws.freeze_panes == "A3"
        assert ws.auto_filter.ref == f"A2:{openpyxl.utils.get_column_letter(len(ARM_COLUMNS))}{len(table) + 2}"
        statuses = [r[1] for r in values[2:]]
        assert statuses[0] == "ELIGIBLE"
        ranks = [0 if s == "ELIGIBLE" else 1 for s in statuses]
        assert ranks == sorted(ranks), statuses
        assert sorted(r[0] for r in values[2:]) == sorted(r["patient_id"] for r in table)

    ws = wb["Problems"]
    values = _values(ws)
    assert values == [
        ["problem"],
        ["ihc.tsv, line 14: patient 'PT-9999' is not in the sample sheet; row ignored"],
        ["'=1+1 sneaky"],
    ]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:A3" and ws["A1"].font.bold


def test_numbers_are_numbers_na_is_text(book: tuple[Path, list[dict[str, str]], list[str]]) -> None:
    path, table, columns = book
    ws = openpyxl.load_workbook(path)["All patients"]
    values = _values(ws)
    by_id = {r[columns.index("patient_id")]: r for r in values[1:]}
    seen_number = False
    for row in table:
        got = by_id[row["patient_id"]]
        for column in ("mdm2_copy_number", "cdk4_copy_number", "n_samples"):
            cell, text = got[columns.index(column)], row[column]
            if text == "NA":
                assert cell == "NA"
            else:
                assert isinstance(cell, int | float) and not isinstance(cell, bool), (column, cell)
                assert cell == pytest.approx(float(text))
                seen_number = True
    assert seen_number
    cn = columns.index("mdm2_copy_number") + 1
    number_cell = next(c for c in ws.iter_cols(min_col=cn, max_col=cn, min_row=2).__next__() if c.data_type == "n")
    assert number_cell.number_format == "0.00"
    # Text that merely looks numeric elsewhere stays text (patient IDs, samples).
    assert all(isinstance(r[columns.index("patient_id")], str) for r in values[1:])


def test_formula_injection_neutralised(book: tuple[Path, list[dict[str, str]], list[str]]) -> None:
    path, _, columns = book
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.startswith(("=", "+", "-", "@")), (ws.title, c.coordinate, c.value)
    ws = wb["All patients"]
    hostile = next(r for r in _values(ws) if r[0] == "PT-HOSTILE")
    assert hostile[columns.index("tumor_type")] == "'" + HOSTILE_TUMOUR
    assert hostile[columns.index("reasons")] == "'+cmd|' /C calc'!A0 | @SUM(1+1)"
    assert hostile[columns.index("decision_sample")] == "'-2+3"
    assert hostile[columns.index("cdk4_copy_number")] == 1000  # a number, not text
    assert hostile[columns.index("build")] == "bad\ufffdchar"  # a control character cannot break the file
    arm_ws = wb[sheet_name(ARMS[0][0], set())]
    arm_row = next(r for r in _values(arm_ws) if r[0] == "PT-HOSTILE")
    assert arm_row[ARM_COLUMNS.index("tumor_type")] == "'" + HOSTILE_TUMOUR
    # The raw XML holds no formula element at all.
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


def test_long_and_awkward_arm_ids_give_valid_unique_sheet_names(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    arms = [
        (LONG_ARM, "Long one"),
        (LONG_ARM + "_b", "Long two"),  # same first 31 characters
        ("a/b:c*d?[e]\\f", "Odd characters"),
        ("problems", "Clashes with the Problems sheet"),
        ("'quoted'", "Apostrophes"),
    ]
    arm_ids = [a for a, _ in arms]
    table = [dict(r, **{f"status_{a}": r["status"] for a in arm_ids}) for r in rows]
    path = write_summary_xlsx(tmp_path / "summary.xlsx", table, columns=_columns(arm_ids), arms=arms, problems=[])
    wb = openpyxl.load_workbook(path)
    names = wb.sheetnames
    assert len(names) == len(arms) + 2
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        assert 1 <= len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name), name
        assert not name.startswith("'") and not name.endswith("'"), name
    assert names[1] == LONG_ARM[:31] and names[2] != names[1]
    # Each arm sheet keeps its full id and title in row 1 and its own status column.
    for (arm_id, title), name in zip(arms, names[1:-1], strict=True):
        values = _values(wb[name])
        assert values[0][0] == f"Arm: {title} ({arm_id})"
        assert values[1][1] == f"status_{arm_id}"
        assert len(values) == len(table) + 2
    assert _values(wb["Problems"]) == [["problem"], [NO_PROBLEMS]]


def test_sheet_name_helper() -> None:
    taken: set[str] = {"all patients", "problems"}
    assert sheet_name("Problems", taken) == "Problems (2)"
    assert sheet_name("x" * 40, taken) == "x" * 31
    assert sheet_name("x" * 40, taken) == "x" * 27 + " (2)"
    assert sheet_name("", taken) == "arm"
    assert sheet_name("History", taken) == "History_"
    assert sheet_name("[]", taken) == "__"


def test_empty_cohort_and_missing_cells(tmp_path: Path) -> None:
    columns = _columns(["arm1"])
    path = write_summary_xlsx(tmp_path / "summary.xlsx", [], columns=columns, arms=[("arm1", "Arm one")], problems=[])
    wb = openpyxl.load_workbook(path)
    assert _values(wb["All patients"]) == [columns]
    assert wb["All patients"].auto_filter.ref.startswith("A1:")
    path = write_summary_xlsx(
        tmp_path / "summary.xlsx", [{"patient_id": "PT-1"}], columns=columns, arms=[("arm1", "Arm one")], problems=[]
    )  # overwrites in place
    values = _values(openpyxl.load_workbook(path)["All patients"])
    assert values[1][0] == "PT-1" and set(values[1][1:]) == {"NA"}
    assert sorted(os.listdir(tmp_path)) == ["summary.xlsx"]


def test_same_rows_give_the_same_bytes_at_any_time(
    tmp_path: Path, rows: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl stamps the save time into core.xml and every zip entry; the summary job and the
    full summary (or a rerun a second later) must still write identical workbooks."""
    import time

    from mdm2screen.report.excel import FIXED_TIME

    arm_ids = [a for a, _ in ARMS]
    first = write_summary_xlsx(tmp_path / "a.xlsx", rows, columns=_columns(arm_ids), arms=ARMS, problems=[])
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3671.0)  # zip entries take time.time()
    second = write_summary_xlsx(tmp_path / "b.xlsx", rows, columns=_columns(arm_ids), arms=ARMS, problems=[])
    assert first.read_bytes() == second.read_bytes()
    book = openpyxl.load_workbook(first)
    assert book.properties.created == FIXED_TIME and book.properties.modified == FIXED_TIME
    with zipfile.ZipFile(first) as archive:
        assert archive.testzip() is None
        assert {info.date_time for info in archive.infolist()} == {FIXED_TIME.timetuple()[:6]}
