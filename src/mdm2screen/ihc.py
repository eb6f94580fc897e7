"""IHC and FISH results: read the table, score raw values, resolve one state per marker.

Markers: ``MDM2`` (IHC), ``p53`` (IHC pattern) and ``MDM2_FISH`` (MDM2/CEP12 ratio). Rows for
one marker that disagree without a later date to settle them make that marker ``conflicting``.

Accepted ``result`` wording (case-insensitive; spaces, ``-``, ``_`` and ``/`` are alike, so
"Wild-type pattern", "wild type" and "WILD_TYPE_PATTERN" are the same):

========== ========================================================= ==========================
marker     written in the table                                      read as
========== ========================================================= ==========================
p53        wild-type pattern, wild type, wildtype, normal            ``wild_type_pattern``
p53        aberrant, abnormal, mutant, mutant-type pattern,          ``aberrant``
           mutation-type (pattern), mutant pattern
p53        overexpression, overexpressed                             ``overexpression``
p53        null, absent, complete absence                            ``null``
p53        cytoplasmic                                               ``cytoplasmic``
MDM2       positive, pos, overexpressed, overexpression              ``positive``
MDM2       negative, neg                                             ``negative``
MDM2_FISH  amplified, amp, positive                                  ``amplified``
MDM2_FISH  not amplified, non-amplified, negative                    ``not_amplified``
MDM2_FISH  polysomy                                                  ``not_amplified``, finding
                                                                     ``polysomy``
all        equivocal, pending, not done                              the same
========== ========================================================= ==========================

FISH raw scores (``MDM2_FISH`` rows only; Mod Pathol 2008;21:943, PMID 18500263):

================= ======================================================= =======================
column            meaning, accepted values                                 used as
================= ======================================================= =======================
``ratio``         MDM2/CEP12 ratio, 0-1000                                 >= ``fish_ratio_amplified``
                                                                           (2.0) amplified
``mdm2_signals``  mean MDM2 signals per nucleus, 0-1000 (amplified         ratio = mdm2 / cep12 when
                  nuclei can hold clusters of dozens)                      no ratio is given
``cep12_signals`` mean CEP12 signals per nucleus, above 0 to 1000          (both or neither)
                  (a disomic nucleus has 2; more than a few is rare)
``nuclei_scored`` nuclei counted, a whole number >= 1                      shown; below
                                                                           ``fish_min_nuclei`` (when
                                                                           set) equivocal
================= ======================================================= =======================

A ratio below the cut-off with both mean signals above ``fish_polysomy_signals`` (2: more than two
signals of both probes) is **chromosome 12 polysomy**: ``not_amplified`` with the finding
``polysomy``, reported as such. A reported ratio that differs from mdm2_signals / cep12_signals by
more than ``fish_ratio_agreement`` (5%) makes the marker ``invalid``; ratios agreeing within it but
on opposite sides of the cut-off make it ``equivocal``.

Markers: ``MDM2`` (also ``MDM2 IHC``), ``p53`` (also ``TP53``, ``p53 IHC``), ``MDM2_FISH``
(also ``MDM2 FISH``). ``aberrant``, ``overexpression``, ``null`` and ``cytoplasmic`` are the
aberrant p53 patterns (``P53_ABERRANT``). ``intensity`` is 0-3, ``2+`` accepted.

A row that cannot be read as evidence is never dropped silently: an unrecognised marker or
result, a score out of range (percent 0-100, intensity 0-3, H-score 0-300, ratio 0-1000), FISH signal
counts on a row of another marker or only one of the two given, a bad date, a sample that is not one
of the patient's, a row with no result and no score, or a row of
a known patient with the wrong number of fields is listed (``IHCTable.patient_problems``, and
all of them in ``IHCTable.cohort_problems()``) and makes that patient's marker ``invalid``
(every marker, when the marker itself cannot be read): confirmation unknown until the row is
fixed. Only a row naming a patient who is not in the sample sheet is merely reported.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .fileio import split_tsv_line
from .paths import where_relative
from .sheet import split_lines

REQUIRED_COLUMNS = ("patient_id", "marker")
OPTIONAL_COLUMNS = (
    "sample_id", "result", "percent_positive", "intensity", "h_score", "ratio", "mdm2_signals", "cep12_signals",
    "nuclei_scored", "method", "date",
)  # fmt: skip
# FISH raw scores that only MDM2_FISH rows may carry (module docstring).
FISH_SIGNAL_COLUMNS = ("mdm2_signals", "cep12_signals", "nuclei_scored")
MAX_FISH_SIGNALS = 1000.0  # mean signals per nucleus; the same cap as the ratio's
MAX_NUCLEI_SCORED = 1_000_000
MARKERS = {
    "mdm2": "MDM2",
    "mdm2_ihc": "MDM2",
    "p53": "p53",
    "p53_ihc": "p53",
    "tp53": "p53",
    "mdm2_fish": "MDM2_FISH",
}
MDM2_RESULTS = ("positive", "negative", "equivocal", "pending", "not_done")
P53_RESULTS = (
    "wild_type_pattern",
    "aberrant",
    "overexpression",
    "null",
    "cytoplasmic",
    "equivocal",
    "pending",
    "not_done",
)
P53_ABERRANT = ("aberrant", "overexpression", "null", "cytoplasmic")
FISH_RESULTS = ("amplified", "not_amplified", "equivocal", "pending", "not_done")
# The state of a marker with a row that cannot be read (see the module docstring).
INVALID = "invalid"
_COMMON = {"equivocal": "equivocal", "pending": "pending", "not_done": "not_done"}
# Normalised wording (see normalise_wording) -> state, per marker.
RESULT_WORDS: dict[str, dict[str, str]] = {
    "p53": {
        **dict.fromkeys(("wild_type_pattern", "wild_type", "wildtype", "normal"), "wild_type_pattern"),
        **dict.fromkeys(
            (
                "aberrant",
                "aberrant_pattern",
                "abnormal",
                "mutant",
                "mutant_pattern",
                "mutant_type",
                "mutant_type_pattern",
                "mutation_type",
                "mutation_type_pattern",
            ),
            "aberrant",
        ),
        **dict.fromkeys(("overexpression", "overexpressed", "over_expression", "over_expressed"), "overexpression"),
        **dict.fromkeys(("null", "null_pattern", "absent", "complete_absence"), "null"),
        **dict.fromkeys(("cytoplasmic", "cytoplasmic_pattern"), "cytoplasmic"),
        **_COMMON,
    },
    "MDM2": {
        **dict.fromkeys(("positive", "pos", "overexpressed", "overexpression", "over_expressed"), "positive"),
        **dict.fromkeys(("negative", "neg"), "negative"),
        **_COMMON,
    },
    "MDM2_FISH": {
        **dict.fromkeys(("amplified", "amp", "positive"), "amplified"),
        **dict.fromkeys(("not_amplified", "non_amplified", "nonamplified", "negative", "polysomy"), "not_amplified"),
        **_COMMON,
    },
}
_SEPARATORS = re.compile(r"[\s_/-]+")


def normalise_wording(value: str) -> str:
    """Lower case, every run of blanks, '-', '_' and '/' one '_' ("Wild-type pattern" -> "wild_type_pattern")."""
    return _SEPARATORS.sub("_", value.strip().lower()).strip("_")


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
    # The result as written in the table, when it differs from the state it was read as.
    reported: str | None = None
    # Why this row cannot be evidence (file, line, column, value): the marker becomes invalid.
    # Such a row has marker "" when the marker itself could not be read (then every marker).
    problem: str | None = None
    # MDM2_FISH raw scores: mean signals per nucleus of each probe and the nuclei counted.
    mdm2_signals: float | None = None
    cep12_signals: float | None = None
    nuclei_scored: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
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
        # Only when set: the fingerprints of unchanged, valid rows stay what they were.
        if self.reported is not None:
            out["reported"] = self.reported
        if self.problem is not None:
            out["problem"] = self.problem
        for column in FISH_SIGNAL_COLUMNS:
            if getattr(self, column) is not None:
                out[column] = getattr(self, column)
        return out


@dataclass
class IHCTable:
    path: Path | None
    rows: list[IHCRow] = field(default_factory=list)
    # Problems tied to one patient (shown in that patient's report) and to none (cohort summary).
    patient_problems: dict[str, list[str]] = field(default_factory=dict)
    orphan_problems: list[str] = field(default_factory=list)

    def cohort_problems(self) -> list[str]:
        """Every problem for the cohort summary and ``check``: rows of unknown patients, then each
        patient's (in patient order), which made that patient's marker invalid."""
        return [
            *self.orphan_problems,
            *(p for pid in sorted(self.patient_problems) for p in self.patient_problems[pid]),
        ]

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

    # MDM2: positive|negative|equivocal|pending|not_done|conflicting|absent|invalid; p53/FISH similarly
    # (p53 adds wild_type_pattern and the P53_ABERRANT patterns; FISH amplified|not_amplified).
    state: str
    detail: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    # What the result shows beyond its state: "polysomy" (MDM2 FISH: chromosome 12 polysomy, not amplified).
    finding: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"state": self.state, "detail": self.detail, "rows": self.rows}
        if self.finding is not None:
            out["finding"] = self.finding
        return out


_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def _number(
    value: str, column: str, where: str, low: float, high: float, problems: list[str], shown: str | None = None
) -> float | None:
    shown = value if shown is None else shown
    if value == "" and shown == "":
        return None
    # float() would also take "nan", "inf", "1_0" and blanks: only plain decimals are scores.
    if not _PLAIN_NUMBER.match(value):
        problems.append(f"{where}, column '{column}': expected a number, found {_quote(shown)}")
        return None
    number = float(value)
    if not math.isfinite(number) or number < low or number > high:
        problems.append(f"{where}, column '{column}': expected {low:g} to {high:g}, found {_quote(shown)}")
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
        raise ConfigError([f"{p}: IHC table does not exist{where_relative(p)}"])
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{p}: IHC table is not UTF-8 text ({exc})"]) from exc
    lines = split_lines(text)  # "\n" only: a U+2028 in a field must not shift line numbers
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
    if "result" not in header and not {"percent_positive", "h_score", "ratio", "mdm2_signals"} & set(header):
        raise ConfigError(
            [
                f"{p}, line {first + 1}: needs a 'result' column or raw scores (percent_positive/intensity, h_score, "
                "ratio, mdm2_signals/cep12_signals)"
            ]
        )
    table = IHCTable(p)
    patient_column = header.index("patient_id")
    for number, cells in enumerate(reader, start=first + 2):
        if not cells or all(not c.strip() for c in cells) or cells[0].startswith("#"):
            continue
        where = f"{p}, line {number}"
        if len(cells) != len(header):
            message = f"{where}: expected {len(header)} tab-separated fields, found {len(cells)}"
            patient = cells[patient_column].strip() if patient_column < len(cells) else ""
            if patient in patients:
                # Its fields cannot be trusted, not even the marker: every marker of the patient.
                _invalid_row(table, patient, "", number, p, f"{message}; every marker of {patient!r} invalid")
            else:
                table.orphan_problems.append(f"{message}; row ignored")
            continue
        rec = {h: c.strip() for h, c in zip(header, cells, strict=True)}
        patient = rec["patient_id"]
        if patient not in patients:
            table.orphan_problems.append(f"{where}: patient {patient!r} is not in the sample sheet; row ignored")
            continue
        problems: list[str] = []
        marker = MARKERS.get(normalise_wording(rec["marker"]))
        if marker is None:
            problems.append(
                f"{where}, column 'marker': expected one of {', '.join(dict.fromkeys(MARKERS.values()))}, "
                f"found {_quote(rec['marker'])}"
            )
        raw_result = rec.get("result", "")
        result = None
        if raw_result and marker is not None:
            result = RESULT_WORDS[marker].get(normalise_wording(raw_result))
            if result is None:
                allowed = {"MDM2": MDM2_RESULTS, "p53": P53_RESULTS, "MDM2_FISH": FISH_RESULTS}[marker]
                problems.append(
                    f"{where}, column 'result': unrecognised {marker} result {_quote(raw_result)} "
                    f"(expected one of {', '.join(allowed)}, or wording listed in the README)"
                )
        percent = _number(rec.get("percent_positive", ""), "percent_positive", where, 0, 100, problems)
        intensity_text = rec.get("intensity", "")
        intensity_f = _number(intensity_text.removesuffix("+"), "intensity", where, 0, 3, problems, intensity_text)
        if intensity_f is not None and intensity_f != int(intensity_f):
            problems.append(f"{where}, column 'intensity': expected a whole number 0-3, found {_quote(intensity_text)}")
            intensity_f = None
        h_score = _number(rec.get("h_score", ""), "h_score", where, 0, 300, problems)
        ratio = _number(rec.get("ratio", ""), "ratio", where, 0, 1000, problems)
        mdm2_signals, cep12_signals, nuclei = _fish_signals(rec, marker, where, problems)
        date = None
        if rec.get("date"):
            try:
                date = dt.date.fromisoformat(rec["date"])
            except ValueError:
                problems.append(
                    f"{where}, column 'date': expected an ISO date (YYYY-MM-DD), found {_quote(rec['date'])}"
                )
        sample = rec.get("sample_id") or None
        if sample is not None and sample not in patients[patient]:
            problems.append(
                f"{where}, column 'sample_id': sample {_quote(sample)} is not a sample of patient {patient!r} "
                "in the sample sheet"
            )
        if (
            not raw_result
            and marker is not None
            and percent is None
            and h_score is None
            and ratio is None
            and mdm2_signals is None
        ):
            if not problems:
                problems.append(f"{where}: no result and no raw score")
        if problems:
            what = f"{marker} invalid" if marker is not None else "every marker invalid"
            for message in problems:
                _invalid_row(table, patient, marker or "", number, p, f"{message}; {what} for {patient!r}", sample)
            continue
        reported = raw_result if raw_result and normalise_wording(raw_result) != result else None
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
                reported=reported,
                mdm2_signals=mdm2_signals,
                cep12_signals=cep12_signals,
                nuclei_scored=nuclei,
            )
        )
    return table


def _fish_signals(
    rec: dict[str, str], marker: str | None, where: str, problems: list[str]
) -> tuple[float | None, float | None, int | None]:
    """The FISH raw scores of one row (module docstring), each problem named by column."""
    given = [c for c in FISH_SIGNAL_COLUMNS if rec.get(c, "")]
    if given and marker is not None and marker != "MDM2_FISH":
        problems.append(
            f"{where}, column '{given[0]}': FISH signal counts belong to MDM2_FISH rows, found on a {marker} row"
        )
        return None, None, None
    before = len(problems)
    mdm2 = _number(rec.get("mdm2_signals", ""), "mdm2_signals", where, 0, MAX_FISH_SIGNALS, problems)
    cep12 = _number(rec.get("cep12_signals", ""), "cep12_signals", where, 0, MAX_FISH_SIGNALS, problems)
    nuclei_text = rec.get("nuclei_scored", "")
    nuclei = _number(nuclei_text, "nuclei_scored", where, 1, MAX_NUCLEI_SCORED, problems)
    if nuclei is not None and nuclei != int(nuclei):
        problems.append(
            f"{where}, column 'nuclei_scored': expected a whole number of nuclei, found {_quote(nuclei_text)}"
        )
        nuclei = None
    if len(problems) > before:
        return None, None, None
    if (mdm2 is None) != (cep12 is None):
        missing = "cep12_signals" if cep12 is None else "mdm2_signals"
        problems.append(
            f"{where}, column '{missing}': empty, but the ratio needs both mean signals (mdm2_signals and cep12_signals)"
        )
        return None, None, None
    if cep12 == 0:
        problems.append(
            f"{where}, column 'cep12_signals': 0 CEP12 signals per nucleus leaves the MDM2/CEP12 ratio undefined "
            "(expected above 0)"
        )
        return None, None, None
    return mdm2, cep12, int(nuclei) if nuclei is not None else None


def _quote(value: str, limit: int = 120) -> str:
    """A table value quoted for a message, at most ``limit`` characters."""
    text = repr(value if len(value) <= limit else value[:limit])
    return text if len(value) <= limit else text + "..."


def _invalid_row(
    table: IHCTable, patient: str, marker: str, line: int, path: Path, message: str, sample: str | None = None
) -> None:
    """Record a row that cannot be evidence: listed for the patient, and kept so that the
    patient's marker (every marker when ``marker`` is "") resolves to ``invalid``."""
    table.patient_problems.setdefault(patient, []).append(message)
    table.rows.append(
        IHCRow(
            patient_id=patient,
            sample_id=sample,
            marker=marker,
            result=None,
            percent_positive=None,
            intensity=None,
            h_score=None,
            ratio=None,
            method=None,
            date=None,
            line=line,
            source=str(path),
            problem=message,
        )
    )


def score_mdm2(row: IHCRow, scoring: dict[str, Any]) -> tuple[str, str]:
    """State of one MDM2 IHC row and how it was reached."""
    if row.result is not None:
        return row.result, _reported(row)
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
    """State of one MDM2 FISH row and how it was reached (ratio, or mean signals, or the reported result)."""
    cut = scoring["fish_ratio_amplified"]
    ratio = row.ratio
    nuclei = f", {row.nuclei_scored:,} nuclei scored" if row.nuclei_scored is not None else ""
    signals = ""
    if row.mdm2_signals is not None and row.cep12_signals is not None:
        computed = row.mdm2_signals / row.cep12_signals
        signals = f"MDM2 {row.mdm2_signals:g} / CEP12 {row.cep12_signals:g} signals per nucleus"
        if ratio is not None:
            agreement = scoring["fish_ratio_agreement"]
            if abs(ratio - computed) > agreement * max(ratio, computed):
                return INVALID, (
                    f"{row.source}, line {row.line}: reported MDM2/CEP12 ratio {ratio:g} disagrees with {signals} "
                    f"= {computed:.2f} (more than {agreement:.0%} apart, ihc_scoring.fish_ratio_agreement): fix the row"
                )
            if (ratio >= cut) != (computed >= cut):
                return "equivocal", (
                    f"reported ratio {ratio:g} and {signals} = {computed:.2f} fall on opposite sides of the "
                    f"amplification cut-off {cut:g}{nuclei}: review"
                )
            signals += f" ({computed:.2f})"
        else:
            ratio = computed
    if ratio is None:
        if row.result is None:
            return "equivocal", "reported equivocal"
        return row.result, _reported(row)
    shown = (
        f"{signals}, MDM2/CEP12 ratio {ratio:.2f}"
        if signals and row.ratio is None
        else (f"MDM2/CEP12 ratio {ratio:g}" + (f", {signals}" if signals else ""))
    )
    minimum = scoring.get("fish_min_nuclei")
    if minimum is not None and row.nuclei_scored is not None and row.nuclei_scored < minimum:
        return "equivocal", (
            f"{shown}: only {row.nuclei_scored:,} nuclei scored, fewer than {minimum:,} (ihc_scoring.fish_min_nuclei)"
        )
    if ratio >= cut:
        return "amplified", f"{shown} (amplified at >= {cut:g}){nuclei}"
    if fish_finding(row, scoring) == "polysomy":
        return "not_amplified", (
            f"{shown} (amplified at >= {cut:g}) with more than {scoring['fish_polysomy_signals']:g} signals of both "
            f"probes: chromosome 12 polysomy, not MDM2 amplification (Mod Pathol 2008;21:943){nuclei}"
        )
    return "not_amplified", f"{shown} (amplified at >= {cut:g}){nuclei}"


def fish_finding(row: IHCRow, scoring: dict[str, Any]) -> str | None:
    """ "polysomy" when a FISH row shows chromosome 12 polysomy and no amplification: reported so, or a ratio
    below the cut-off with both probes' mean signals above ``fish_polysomy_signals`` (Mod Pathol 2008;21:943)."""
    ratio = row.ratio
    if ratio is None and row.mdm2_signals is not None and row.cep12_signals is not None:
        ratio = row.mdm2_signals / row.cep12_signals
    if ratio is not None and ratio >= scoring["fish_ratio_amplified"]:
        return None
    if row.reported is not None and normalise_wording(row.reported) == "polysomy":
        return "polysomy"
    if ratio is None or row.mdm2_signals is None or row.cep12_signals is None:
        return None
    above = scoring["fish_polysomy_signals"]
    return "polysomy" if row.mdm2_signals > above and row.cep12_signals > above else None


def _reported(row: IHCRow) -> str:
    """How a reported result reads in a detail: the lab's wording too when it was translated."""
    if row.reported is None:
        return f"reported {row.result}"
    if normalise_wording(row.reported) == "polysomy":
        return f"reported {row.reported!r}: polysomy, read as {row.result} (MDM2 not amplified relative to CEP12)"
    return f"reported {row.reported!r}, read as {row.result}"


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
    rows = list(rows)
    # A row of this marker (or of an unreadable marker) that cannot be evidence makes the marker
    # unknown, whatever the other rows say: the mis-typed row could be the deciding one.
    broken = [r for r in rows if r.problem is not None and r.marker in (marker, "")]
    if broken:
        return MarkerCall(
            INVALID,
            f"{marker} unknown: " + "; ".join(r.problem or "" for r in broken),
            [r.to_dict() for r in broken],
        )
    marker_rows = [r for r in rows if r.marker == marker]
    chosen, note = _applicable(marker_rows, sample_id)
    if not chosen:
        return MarkerCall("absent", f"no {marker} result in the IHC table")
    scorer = {"MDM2": score_mdm2, "MDM2_FISH": score_fish}.get(marker)
    scored = []
    for row in chosen:
        state, how = scorer(row, scoring) if scorer else ((row.result or "equivocal"), _reported(row))
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
    finding = None
    if marker == "MDM2_FISH":
        findings = {fish_finding(r, scoring) for r, _, _ in scored}
        finding = findings.pop() if len(findings) == 1 else None
    return MarkerCall(state, f"{marker}: {how} (line {row.line}){note}", rows_out, finding)
