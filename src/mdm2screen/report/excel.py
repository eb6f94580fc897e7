"""Cohort summary as an Excel workbook (summary.xlsx): all patients, one sheet per arm, problems.

Every sheet has a bold frozen header row, an autofilter over its data and column widths fitted
to the content. Copy numbers and sample counts that are numbers in summary.tsv are written as
numbers ('NA' stays text); every text cell goes through :func:`neutralise_formula`, exactly as
in summary.csv, so no cell can run as a formula. The workbook is built in openpyxl's
write-only mode (one pass, little memory for big cohorts) and written atomically.

The same rows always give the same bytes: openpyxl stamps the save time into the document
properties and every zip entry, so those are set to one fixed time. A rerun that changes
nothing then leaves a byte-identical workbook, as it leaves an identical summary.tsv.
"""

from __future__ import annotations

import datetime
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.core import DocumentProperties
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.xml.functions import tostring

from ..fileio import atomic_write
from .cohort import NA, neutralise_formula, summary_columns
from .svg import STATUS_ORDER

ALL_SHEET = "All patients"
PROBLEMS_SHEET = "Problems"
NO_PROBLEMS = "No problems reported."
#: Columns of each per-arm sheet; "status" stands for that arm's ``status_<arm_id>`` column.
ARM_COLUMNS: tuple[str, ...] = (
    "patient_id",
    "status",
    "mdm2_copy_number",
    "mdm2_call",
    "cdk4_copy_number",
    "tp53_status",
    "mdm2_ihc",
    "mdm2_fish",
    "p53_ihc",
    "decision_sample",
    "tumor_type",
    "reasons",
)
#: Columns whose numeric cells are written as numbers, with their Excel number format.
NUMBER_FORMATS: dict[str, str] = {"mdm2_copy_number": "0.00", "cdk4_copy_number": "0.00", "n_samples": "0"}
MAX_WIDTH = 60
MIN_WIDTH = 8
MAX_SHEET_NAME = 31
MAX_CELL_CHARS = 32767  # Excel's limit; longer text makes Excel "repair" (drop) the cell
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")  # not "1_000", "nan", "inf"
_SHEET_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=12)
#: The zip format's earliest date; stamped on every entry and as created/modified.
FIXED_TIME = datetime.datetime(1980, 1, 1)
_CORE_PROPERTIES = "docProps/core.xml"


def _text(value: object) -> str:
    """A safe text cell: no character XML cannot hold, within Excel's length, never a formula."""
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", "" if value is None else str(value))
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "\u2026"
    return neutralise_formula(text)


def _number(text: str) -> float | int | None:
    """The number a summary.tsv numeric cell holds, or None ('NA', empty, not finite)."""
    text = text.strip()
    if not _DECIMAL.fullmatch(text):
        return None
    number = float(text)
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


class _Sheet:
    """One sheet's rows as typed values, then written in a single pass (write-only mode)."""

    def __init__(self, header: Sequence[str], title: str | None = None) -> None:
        self.title = title
        self.header = [_text(h) for h in header]
        self.formats: list[str | None] = [NUMBER_FORMATS.get(h) for h in header]
        self.rows: list[list[str | float | int]] = []
        self.widths = [len(h) for h in self.header]

    def add(self, values: Iterable[str]) -> None:
        row: list[str | float | int] = []
        for i, raw in enumerate(values):
            value: str | float | int | None = None
            if self.formats[i] is not None:
                value = _number(raw)
            shown = raw if value is not None else _text(raw)
            row.append(value if value is not None else shown)
            longest = max((len(line) for line in shown.splitlines()), default=0)
            self.widths[i] = max(self.widths[i], longest)
        self.rows.append(row)

    def write(self, wb: Any, name: str) -> None:
        ws = wb.create_sheet(title=name)
        for i, width in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
        header_row = 2 if self.title is not None else 1
        last = get_column_letter(max(1, len(self.header)))
        ws.freeze_panes = f"A{header_row + 1}"
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(self.rows)}"
        if self.title is not None:
            ws.append([self._cell(ws, _text(self.title), font=_TITLE)])
        ws.append([self._cell(ws, h, font=_BOLD) for h in self.header])
        for row in self.rows:
            ws.append([self._cell(ws, v, number_format=f) for v, f in zip(row, self.formats, strict=True)])

    @staticmethod
    def _cell(ws: Any, value: str | float | int, *, font: Font | None = None, number_format: str | None = None) -> Any:
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text, whatever it looks like (it never starts with "=" anyway)
        elif number_format is not None:
            cell.number_format = number_format
        if font is not None:
            cell.font = font
        return cell


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid Excel sheet name for ``wanted`` (at most 31 characters, none of []:*?/\\, not
    starting or ending with an apostrophe), unique case-insensitively among ``taken``; adds it."""
    base = _SHEET_BAD.sub("_", wanted).strip().strip("'").strip() or "arm"
    if base.casefold() == "history":  # reserved by Excel
        base += "_"
    name = base[:MAX_SHEET_NAME].rstrip("'")
    n = 1
    while name.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: MAX_SHEET_NAME - len(suffix)].rstrip("'") + suffix
    taken.add(name.casefold())
    return name


def _arm_status_column(arm_id: str) -> str:
    """The summary column holding this arm's status (same cleaning as :func:`summary_columns`)."""
    return next(c for c in summary_columns([arm_id]) if c.startswith("status_"))


def write_summary_xlsx(
    path: Path, rows: list[dict[str, str]], *, columns: list[str], arms: list[tuple[str, str]], problems: list[str]
) -> Path:
    """Write the cohort summary workbook to ``path`` atomically and return ``path``.

    ``rows`` are summary rows (:func:`~mdm2screen.report.cohort.summary_row`, all strings),
    ``columns`` the summary.tsv columns in order (a missing cell is written as 'NA'), ``arms``
    (arm_id, title) pairs in config order, default arm first, ``problems`` the run's problems.
    Sheets: "All patients" (every column, rows as given), one per arm (patient, that arm's
    status and the evidence, ELIGIBLE first; the arm's title and id in row 1) and "Problems".
    """
    target = Path(path)
    taken = {ALL_SHEET.casefold(), PROBLEMS_SHEET.casefold()}
    order = {s: i for i, s in enumerate(STATUS_ORDER)}

    def cell(row: Mapping[str, str], column: str) -> str:
        value = row.get(column)
        return NA if value is None else str(value)

    everyone = _Sheet(columns)
    for row in rows:
        everyone.add(cell(row, c) for c in columns)

    arm_sheets: list[tuple[str, _Sheet]] = []
    for arm_id, title in arms:
        status = _arm_status_column(arm_id)
        header = [status if c == "status" else c for c in ARM_COLUMNS]
        label = f"{title} ({arm_id})" if title and title != arm_id else arm_id
        sheet = _Sheet(header, title=f"Arm: {label}")
        ranked = sorted(rows, key=lambda r: (order.get(cell(r, status), len(order)), cell(r, "patient_id")))
        for row in ranked:
            sheet.add(cell(row, c) for c in header)
        arm_sheets.append((sheet_name(arm_id, taken), sheet))

    issues = _Sheet(["problem"])
    for problem in problems or [NO_PROBLEMS]:
        issues.add([str(problem)])

    wb = Workbook(write_only=True)
    everyone.write(wb, ALL_SHEET)
    for name, sheet in arm_sheets:
        sheet.write(wb, name)
    issues.write(wb, PROBLEMS_SHEET)
    buffer = io.BytesIO()
    wb.save(buffer)
    atomic_write(target, _with_fixed_times(buffer.getvalue()))
    return target


def _with_fixed_times(workbook: bytes) -> bytes:
    """Repack a saved workbook with :data:`FIXED_TIME` on every entry and in its properties."""
    properties = DocumentProperties(creator="mdm2screen", created=FIXED_TIME, modified=FIXED_TIME)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as packed:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == _CORE_PROPERTIES:
                data = tostring(properties.to_tree())
            fixed = zipfile.ZipInfo(entry.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = entry.external_attr
            packed.writestr(fixed, data)
    return out.getvalue()
