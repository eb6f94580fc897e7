"""IHC and FISH results: read the table, score raw values, resolve one state per marker.

Markers: ``MDM2`` (IHC), ``p53`` (IHC pattern) and ``MDM2_FISH`` (MDM2/CEP12 ratio). A row
with an out-of-range value, or naming a patient or sample not in the sample sheet, is
reported and ignored: it never changes a decision silently. Rows for one marker that
disagree without a later date to settle them make that marker ``conflicting``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .fileio import split_tsv_line

REQUIRED_COLUMNS = ("patient_id", "marker")
OPTIONAL_COLUMNS = ("sample_id", "result", "percent_positive", "intensity", "h_score", "ratio", "method", "date")
MARKERS = {"mdm2": "MDM2", "p53": "p53", "mdm2_fish": "MDM2_FISH"}
MDM2_RESULTS = ("positive", "negative", "equivocal", "pending", "not_done")
P53_RESULTS = ("wild_type_pattern", "overexpression", "null", "cytoplasmic", "equivocal", "pending", "not_done")
P53_ABERRANT = ("overexpression", "null", "cytoplasmic")
FISH_RESULTS = ("amplified", "not_amplified", "positive", "negative", "equivocal", "pending", "not_done")


@dataclass
class IHCRow:
    patient_id: str
    sample_id: str | None
    marker: str
    result: str | None
    percent_positive: float | None
    intensity: int | None
    h_score: float | None
    ratio: float | None
    method: str | None
    date: dt.date | None
    line: int
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "patient_id": self.patient_id,
            "sample_id": self.sample_id,
            "marker": self.marker,
            "result": self.result,
            "percent_positive": self.percent_positive,
            "intensity": self.intensity,
            "h_score": self.h_score,
            "ratio": self.ratio,
            "method": self.method,
            "date": self.date.isoformat() if self.date else None,
        }


@dataclass
class IHCTable:
    path: Path | None
    rows: list[IHCRow] = field(default_factory=list)
    # Problems tied to one patient (shown in that patient's report) and to none (cohort summary).
    patient_problems: dict[str, list[str]] = field(default_factory=dict)
    orphan_problems: list[str] = field(default_factory=list)

    def for_patient(self, patient_id: str) -> list[IHCRow]:
        # Indexed once: fingerprinting 10,000 patients must not scan every row per patient.
        index = self.__dict__.get("_by_patient")
        if index is None or self.__dict__.get("_indexed_rows") != len(self.rows):
            index = {}
            for row in self.rows:
                index.setdefault(row.patient_id, []).append(row)
            self.__dict__["_by_patient"] = index
            self.__dict__["_indexed_rows"] = len(self.rows)
        return list(index.get(patient_id, ()))


@dataclass
class MarkerCall:
    """One marker's resolved state for the decision sample."""

    state: str  # MDM2: positive|negative|equivocal|pending|not_done|conflicting|absent; p53/FISH similarly
    detail: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "detail": self.detail, "rows": self.rows}


def _number(value: str, column: str, where: str, low: float, high: float, problems: list[str]) -> float | None:
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        problems.append(f"{where}, column '{column}': expected a number, found {value!r}")
        return None
    if math.isnan(number) or number < low or number > high:
        problems.append(f"{where}, column '{column}': expected {low:g} to {high:g}, found {value!r}")
        return None
    return number


def read_ihc(path: str | Path | None, patients: dict[str, set[str]]) -> IHCTable:
    """Read the IHC table. ``patients`` maps patient_id -> its sample IDs from the sheet.

    A structurally broken table (missing file or columns) raises ConfigError; bad rows are
    reported per patient and skipped.
    """
    if path is None:
        return IHCTable(None)
    p = Path(path)
    if not p.is_file():
        raise ConfigError([f"{p}: IHC table does not exist"])
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{p}: IHC table is not UTF-8 text ({exc})"]) from exc
    lines = [ln for ln in text.splitlines()]
    first = 0
    while first < len(lines) and (lines[first].startswith("#") or not lines[first].strip()):
        first += 1
    if first >= len(lines):
        raise ConfigError(
            [f"{p}: IHC table has no header line; expected columns {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}"]
        )
    # One line at a time: a field that opens a double quote and never closes it must not swallow
    # the following lines (rows silently lost, line numbers shifted).
    reader = (split_tsv_line(line) for line in lines[first:])
    header = [h.strip() for h in next(reader)]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ConfigError(
            [f"{p}, line {first + 1}: required column '{c}' is missing (found: {', '.join(header)})" for c in missing]
        )
    if "result" not in header and not {"percent_positive", "h_score", "ratio"} & set(header):
        raise ConfigError(
            [
                f"{p}, line {first + 1}: needs a 'result' column or raw scores (percent_positive/intensity, h_score, ratio)"
            ]
        )
    table = IHCTable(p)
    for number, cells in enumerate(reader, start=first + 2):
        if not cells or all(not c.strip() for c in cells) or cells[0].startswith("#"):
            continue
        where = f"{p}, line {number}"
        if len(cells) != len(header):
            table.orphan_problems.append(
                f"{where}: expected {len(header)} tab-separated fields, found {len(cells)}; row ignored"
            )
            continue
        rec = {h: c.strip() for h, c in zip(header, cells, strict=True)}
        patient = rec["patient_id"]
        problems: list[str] = []
        marker = MARKERS.get(rec["marker"].lower())
        if marker is None:
            problems.append(
                f"{where}, column 'marker': expected one of {', '.join(MARKERS.values())}, found {rec['marker']!r}"
            )
        result = rec.get("result", "").lower().replace(" ", "_") or None
        allowed = {"MDM2": MDM2_RESULTS, "p53": P53_RESULTS, "MDM2_FISH": FISH_RESULTS}.get(marker or "", ())
        if result is not None and marker is not None and result not in allowed:
            problems.append(
                f"{where}, column 'result': expected one of {', '.join(allowed)} for {marker}, found {rec.get('result')!r}"
            )
        percent = _number(rec.get("percent_positive", ""), "percent_positive", where, 0, 100, problems)
        intensity_f = _number(rec.get("intensity", ""), "intensity", where, 0, 3, problems)
        if intensity_f is not None and intensity_f != int(intensity_f):
            problems.append(f"{where}, column 'intensity': expected a whole number 0-3, found {rec.get('intensity')!r}")
            intensity_f = None
        h_score = _number(rec.get("h_score", ""), "h_score", where, 0, 300, problems)
        ratio = _number(rec.get("ratio", ""), "ratio", where, 0, 1000, problems)
        date = None
        if rec.get("date"):
            try:
                date = dt.date.fromisoformat(rec["date"])
            except ValueError:
                problems.append(f"{where}, column 'date': expected an ISO date (YYYY-MM-DD), found {rec['date']!r}")
        sample = rec.get("sample_id") or None
        if patient not in patients:
            table.orphan_problems.append(f"{where}: patient {patient!r} is not in the sample sheet; row ignored")
            continue
        if sample is not None and sample not in patients[patient]:
            problems.append(f"{where}: sample {sample!r} is not a sample of patient {patient!r} in the sample sheet")
        if (
            result is None
            and marker is not None
            and percent is None
            and h_score is None
            and ratio is None
            and not problems
        ):
            problems.append(f"{where}: no result and no raw score")
        if problems:
            table.patient_problems.setdefault(patient, []).extend(f"{m}; row ignored" for m in problems)
            continue
        table.rows.append(
            IHCRow(
                patient_id=patient,
                sample_id=sample,
                marker=marker or "",
                result=result,
                percent_positive=percent,
                intensity=int(intensity_f) if intensity_f is not None else None,
                h_score=h_score,
                ratio=ratio,
                method=rec.get("method") or None,
                date=date,
                line=number,
                source=str(p),
            )
        )
    return table


def score_mdm2(row: IHCRow, scoring: dict[str, Any]) -> tuple[str, str]:
    """State of one MDM2 IHC row and how it was reached."""
    if row.result is not None:
        return row.result, f"reported {row.result}"
    if row.percent_positive is not None and row.intensity is not None:
        positive = (
            row.percent_positive >= scoring["mdm2_min_percent"] and row.intensity >= scoring["mdm2_min_intensity"]
        )
        rule = f">= {scoring['mdm2_min_percent']:g}% nuclei at intensity >= {scoring['mdm2_min_intensity']}"
        return (
            "positive" if positive else "negative"
        ), f"{row.percent_positive:g}% nuclei at intensity {row.intensity} ({rule})"
    if row.h_score is not None:
        threshold = scoring.get("mdm2_min_h_score")
        if threshold is None:
            return (
                "equivocal",
                f"H-score {row.h_score:g} reported without a configured H-score cut-off (ihc_scoring.mdm2_min_h_score)",
            )
        return (
            "positive" if row.h_score >= threshold else "negative"
        ), f"H-score {row.h_score:g} (positive at >= {threshold:g})"
    if row.percent_positive is not None:
        return "equivocal", f"{row.percent_positive:g}% nuclei reported without an intensity"
    return "equivocal", "no usable score"


def score_fish(row: IHCRow, scoring: dict[str, Any]) -> tuple[str, str]:
    if row.ratio is not None:
        cut = scoring["fish_ratio_amplified"]
        state = "amplified" if row.ratio >= cut else "not_amplified"
        return state, f"MDM2/CEP12 ratio {row.ratio:g} (amplified at >= {cut:g})"
    mapping = {"positive": "amplified", "negative": "not_amplified"}
    result = row.result or "equivocal"
    return mapping.get(result, result), f"reported {result}"


def _applicable(rows: list[IHCRow], sample_id: str | None) -> tuple[list[IHCRow], str]:
    """Rows for the decision sample, else rows without a sample, else the patient's other samples."""
    same = [r for r in rows if r.sample_id == sample_id and sample_id is not None]
    if same:
        return same, ""
    unspecified = [r for r in rows if r.sample_id is None]
    if unspecified:
        return unspecified, ""
    if rows:
        others = sorted({r.sample_id or "" for r in rows})
        return rows, f" (on sample {', '.join(others)}, not the decision sample)"
    return [], ""


def resolve_marker(rows: Iterable[IHCRow], marker: str, sample_id: str | None, scoring: dict[str, Any]) -> MarkerCall:
    marker_rows = [r for r in rows if r.marker == marker]
    chosen, note = _applicable(marker_rows, sample_id)
    if not chosen:
        return MarkerCall("absent", f"no {marker} result in the IHC table")
    scorer = {"MDM2": score_mdm2, "MDM2_FISH": score_fish}.get(marker)
    scored = []
    for row in chosen:
        state, how = scorer(row, scoring) if scorer else ((row.result or "equivocal"), f"reported {row.result}")
        scored.append((row, state, how))
    # A later-dated result supersedes earlier ones (re-staining, re-testing).
    dated = [s for s in scored if s[0].date is not None]
    if dated and len(dated) == len(scored):
        latest = max(r.date for r, _, _ in dated)  # type: ignore[type-var]
        scored = [s for s in scored if s[0].date == latest]
    states = {state for _, state, _ in scored}
    rows_out = [dict(r.to_dict(), state=state, how=how) for r, state, how in scored]
    if len(states) > 1:
        listing = "; ".join(f"line {r.line}: {state}" for r, state, _ in scored)
        return MarkerCall("conflicting", f"{marker} rows disagree ({listing}){note}", rows_out)
    row, state, how = scored[0]
    return MarkerCall(state, f"{marker}: {how} (line {row.line}){note}", rows_out)
