"""Screening results as cBioPortal clinical sample attributes (``mdm2screen export-cbioportal``).

The ``MDM2SCREEN_*`` columns are added to the study's own clinical sample file, the data file
its ``CLINICAL``/``SAMPLE_ATTRIBUTES`` meta file names, each with its four ``#`` definition lines
(display name, description, datatype, priority). They are not written as a second clinical
sample file: cBioPortal takes exactly one per study. Its validator (``validateData.py -s``)
fails a study with two ("Multiple sample attribute files detected"), its study importer stops
("Multiple sample attribute files found"), ``mdm2screen import-cbioportal`` refuses such a
study too, and an incremental upload (``-d``) replaces all of a sample's attributes with the
ones the file gives. The study's meta file already names the file, so no meta file is added.

What is written:

- every ``MDM2SCREEN_*`` column already in the file (an earlier export) is replaced; every other
  byte of the file (columns, rows, line endings, byte order mark) stays as it was;
- a sample of the study that mdm2screen screened (a report's ``samples`` and
  ``decision_sample``) gets its patient's result; a sample it did not screen gets ``NA`` in
  every ``MDM2SCREEN_*`` column (cBioPortal stores no value for ``NA``);
- a screened sample the study does not have, or has under another patient, stops the export,
  naming it: the results are of another study.

Attributes (IDs upper case, ``[A-Z0-9_]``):

``MDM2SCREEN_STATUS``            the patient's status in the default arm
``MDM2SCREEN_STATUS_<ARM>``      the patient's status per arm (arm id upper-cased)
``MDM2SCREEN_REASON``            code of the first reason of the default arm's decision
``MDM2SCREEN_DECISION_SAMPLE``   TRUE for the sample the decision rests on
``MDM2SCREEN_MDM2_CN``           MDM2 copy number (NUMBER; NA when not assessable)
``MDM2SCREEN_MDM2_CN_RANGE``     plausible MDM2 copy-number range when what is unknown leaves one
``MDM2SCREEN_MDM2_CALL``         MDM2 call (amplified, not_amplified, uncertain ...)
``MDM2SCREEN_TP53``              TP53 status (wild_type, mutated, not_assessable)

Copy number, range, call and TP53 are the report's for the deciding sample and the sample's own
(``samples[].mdm2``, ``samples[].tp53_status``, no range) for the patient's other samples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..fileio import atomic_write

PREFIX = "MDM2SCREEN_"
NA = "NA"
# cBioPortal's validator takes a file for a meta file when its name matches this.
META_NAME = re.compile(r"(\b|_)meta(\b|[_0-9])", re.IGNORECASE)
ATTRIBUTE_ID = re.compile(r"^[A-Z][A-Z0-9_]*$")
HEADER_LINES = 4  # display names, descriptions, datatypes, priorities
RANGE_MIN_WIDTH = 5e-3  # narrower ranges print as one value (as in the reports' evidence texts)
BOOLEAN = {True: "TRUE", False: "FALSE"}


@dataclass(frozen=True)
class Attribute:
    id: str
    display_name: str
    description: str
    datatype: str  # STRING, NUMBER or BOOLEAN
    priority: int

    def definition(self) -> tuple[str, str, str, str]:
        return (_cell(self.display_name), _cell(self.description), self.datatype, str(self.priority))


FIXED_HEAD = (
    Attribute(
        "MDM2SCREEN_STATUS",
        "MDM2screen status",
        "mdm2screen eligibility of the patient in the default arm (ELIGIBLE, PENDING_CONFIRMATION, "
        "NOT_ELIGIBLE, INDETERMINATE)",
        "STRING",
        10,
    ),
)
FIXED_TAIL = (
    Attribute(
        "MDM2SCREEN_REASON",
        "MDM2screen first reason",
        "Code of the first reason mdm2screen gives for the default-arm status",
        "STRING",
        1,
    ),
    Attribute(
        "MDM2SCREEN_DECISION_SAMPLE",
        "MDM2screen deciding sample",
        "TRUE for the sample the patient's mdm2screen decision rests on",
        "BOOLEAN",
        1,
    ),
    Attribute(
        "MDM2SCREEN_MDM2_CN",
        "MDM2screen MDM2 copy number",
        "MDM2 copy number estimated by mdm2screen (NA when not assessable)",
        "NUMBER",
        1,
    ),
    Attribute(
        "MDM2SCREEN_MDM2_CN_RANGE",
        "MDM2screen MDM2 copy number range",
        "Plausible MDM2 copy-number range (low-high) when purity or ploidy are unknown",
        "STRING",
        1,
    ),
    Attribute(
        "MDM2SCREEN_MDM2_CALL",
        "MDM2screen MDM2 call",
        "MDM2 call by mdm2screen (amplified, not_amplified, equivocal, uncertain, deleted, not_assessable)",
        "STRING",
        1,
    ),
    Attribute(
        "MDM2SCREEN_TP53",
        "MDM2screen TP53 status",
        "TP53 status by mdm2screen (wild_type, mutated, not_assessable)",
        "STRING",
        1,
    ),
)


@dataclass
class _Screened:
    """One screened sample: its patient and the attribute values written for it."""

    patient_id: str
    report: Path
    values: dict[str, str]


# --------------------------------------------------------------------------- helpers


def _cell(value: object) -> str:
    """A cell value: no tab, no line break, no surrounding blanks; empty becomes NA."""
    text = " ".join(str(value).split()) if value is not None else ""
    return text or NA


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return NA
    if abs(value) == float("inf"):
        return NA
    return f"{value:.2f}"


def _copy_number_range(gene: Mapping[str, Any]) -> str:
    threshold = gene.get("threshold")
    bounds = threshold.get("copy_number_range") if isinstance(threshold, Mapping) else None
    if not isinstance(bounds, list) or len(bounds) != 2:
        return NA
    low, high = (_number(b) for b in bounds)
    if NA in (low, high) or abs(float(bounds[1]) - float(bounds[0])) < RANGE_MIN_WIDTH:
        return NA
    return f"{low}-{high}"


def arm_attribute_id(arm_id: str) -> str:
    """``MDM2SCREEN_STATUS_<ARM>``: the arm id upper-cased, any character but [A-Z0-9_] as ``_``."""
    return f"{PREFIX}STATUS_" + re.sub(r"[^A-Z0-9_]", "_", arm_id.upper())


def _read_meta(path: Path) -> dict[str, str]:
    fields: dict[str, str] = {}
    text = path.read_text(encoding="utf-8-sig")
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#") or ":" not in line:
            continue
        key, value = line.split(":", 1)
        fields.setdefault(key.strip(), value.strip())
    return fields


def _clinical_sample_file(study: Path) -> Path:
    """The data file the study's single CLINICAL/SAMPLE_ATTRIBUTES meta file names."""
    metas = []
    for path in sorted(study.iterdir()):
        if not path.is_file() or path.name.startswith(".") or not META_NAME.search(path.name):
            continue
        try:
            fields = _read_meta(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError([f"{path}: meta file unreadable: {exc}"]) from exc
        kind = (fields.get("genetic_alteration_type", "").upper(), fields.get("datatype", "").upper())
        if kind == ("CLINICAL", "SAMPLE_ATTRIBUTES"):
            metas.append((path, fields))
    if not metas:
        raise ConfigError(
            [f"{study}: no clinical sample meta file (CLINICAL/SAMPLE_ATTRIBUTES); not a cBioPortal study"]
        )
    if len(metas) > 1:
        names = ", ".join(p.name for p, _ in metas)
        raise ConfigError(
            [f"{study}: {len(metas)} clinical sample meta files ({names}); cBioPortal takes exactly one per study"]
        )
    meta, fields = metas[0]
    name = fields.get("data_filename", "").strip()
    if not name:
        raise ConfigError([f"{meta}: no data_filename"])
    data = study / name
    if data.is_symlink():
        raise ConfigError(
            [f"{data}: a symbolic link; the clinical sample file is rewritten in place, not through a link"]
        )
    if not data.resolve().is_relative_to(study.resolve()) or data.resolve().parent != study.resolve():
        raise ConfigError([f"{meta}: data_filename '{name}' is not a file of the study folder {study}"])
    if not data.is_file():
        raise ConfigError([f"{meta}: data_filename '{name}' names a file that does not exist ({data})"])
    if str(data).endswith(".gz"):
        raise ConfigError([f"{data}: a compressed clinical file is not rewritten; unpack it first"])
    return data


# --------------------------------------------------------------------------- reports


def _load_reports(results: Path) -> list[tuple[Path, dict[str, Any]]]:
    folder = results / "patients"
    if not folder.is_dir():
        raise ConfigError([f"{results}: no patients/ folder (expected an mdm2screen results folder)"])
    reports, problems = [], []
    for path in sorted(folder.glob("*.json")):
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{path}: not a readable patient report: {exc}")
            continue
        if not (
            isinstance(report, dict)
            and isinstance(report.get("patient_id"), str)
            and isinstance(report.get("status"), str)
            and isinstance(report.get("samples"), list)
        ):
            problems.append(f"{path}: not an mdm2screen patient report (patient_id, status, samples)")
            continue
        reports.append((path, report))
    if problems:
        raise ConfigError(problems)
    if not reports:
        raise ConfigError([f"{folder}: no patient reports (*.json)"])
    return reports


def _arm_attributes(reports: Iterable[tuple[Path, dict[str, Any]]]) -> tuple[list[Attribute], dict[str, str]]:
    """One attribute per arm id seen in any report, in first-seen order; arm id -> attribute id."""
    attributes: list[Attribute] = []
    by_arm: dict[str, str] = {}
    owner: dict[str, str] = {}
    problems = []
    for path, report in reports:
        for arm in report.get("arms") or []:
            if not isinstance(arm, Mapping) or not isinstance(arm.get("id"), str) or arm["id"] in by_arm:
                continue
            attribute = arm_attribute_id(arm["id"])
            if attribute in owner:
                problems.append(
                    f"{path}: arms '{owner[attribute]}' and '{arm['id']}' both give attribute {attribute}; rename one"
                )
                continue
            if not ATTRIBUTE_ID.match(attribute):
                problems.append(f"{path}: arm '{arm['id']}' gives no valid attribute ID ({attribute})")
                continue
            owner[attribute] = arm["id"]
            by_arm[arm["id"]] = attribute
            title = arm.get("title") if isinstance(arm.get("title"), str) and arm.get("title") else arm["id"]
            attributes.append(
                Attribute(
                    attribute,
                    f"MDM2screen status: {title}",
                    f"mdm2screen eligibility of the patient in arm {arm['id']} ({title})",
                    "STRING",
                    5,
                )
            )
    if problems:
        raise ConfigError(problems)
    return attributes, by_arm


def _screened_samples(reports: list[tuple[Path, dict[str, Any]]], by_arm: Mapping[str, str]) -> dict[str, _Screened]:
    out: dict[str, _Screened] = {}
    problems = []
    for path, report in reports:
        patient = report["patient_id"]
        decision = report.get("decision_sample")
        reasons = [r for r in report.get("reasons") or [] if isinstance(r, Mapping)]
        common = {
            "MDM2SCREEN_STATUS": _cell(report.get("status")),
            "MDM2SCREEN_REASON": _cell(reasons[0].get("code")) if reasons else NA,
        }
        for arm in report.get("arms") or []:
            if isinstance(arm, Mapping) and arm.get("id") in by_arm:
                common[by_arm[arm["id"]]] = _cell(arm.get("status"))
        samples = {s["sample_id"]: s for s in report["samples"] if isinstance(s, Mapping) and s.get("sample_id")}
        if isinstance(decision, str) and decision and decision not in samples:
            samples[decision] = {"sample_id": decision}
        for sample_id, sample in samples.items():
            values = dict(common)
            if sample_id == decision:
                mdm2 = _mapping(report.get("mdm2"))
                cn_range = _copy_number_range(mdm2)
                tp53_status = _mapping(report.get("tp53")).get("status")
            else:
                mdm2 = _mapping(sample.get("mdm2"))
                cn_range = NA
                tp53_status = sample.get("tp53_status")
            call = _cell(mdm2.get("call"))
            values["MDM2SCREEN_DECISION_SAMPLE"] = BOOLEAN[sample_id == decision]
            values["MDM2SCREEN_MDM2_CN"] = NA if call == "not_assessable" else _number(mdm2.get("copy_number"))
            values["MDM2SCREEN_MDM2_CN_RANGE"] = NA if call == "not_assessable" else cn_range
            values["MDM2SCREEN_MDM2_CALL"] = call
            values["MDM2SCREEN_TP53"] = _cell(tp53_status)
            if sample_id in out:
                problems.append(
                    f"sample {sample_id} is in two reports ({out[sample_id].report.name}, {path.name}); "
                    "export one run's results"
                )
                continue
            out[sample_id] = _Screened(patient, path, values)
    if problems:
        raise ConfigError(problems)
    return out


# --------------------------------------------------------------------------- the clinical file


def _split_lines(text: str) -> tuple[list[str], str, bool]:
    """(lines without their endings, line ending, whether the text ended with one)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    ends = text.endswith(("\n", "\r"))
    lines = text.split(newline)
    if ends:
        lines.pop()
    return lines, newline, ends


def _key(cell: str) -> str:
    return cell.strip().strip('"').strip()


def _merge(path: Path, attributes: list[Attribute], screened: Mapping[str, _Screened]) -> str:
    """The clinical sample file with its MDM2SCREEN_* columns replaced by ``attributes``."""
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        text = raw[3 if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: not UTF-8 text ({exc}); not rewritten"]) from exc
    lines, newline, ends = _split_lines(text)
    content = [i for i, line in enumerate(lines) if line.strip()]
    if len(content) <= HEADER_LINES or not all(lines[i].startswith("#") for i in content[:HEADER_LINES]):
        raise ConfigError(
            [
                f"{path}: needs cBioPortal's four '#' lines (display names, descriptions, datatypes, priorities) "
                "before the column header to define new attributes; add them first"
            ]
        )
    header_index = content[HEADER_LINES]
    if lines[header_index].startswith("#"):
        raise ConfigError([f"{path}: more than four '#' lines before the column header"])
    header = [_key(c).upper() for c in lines[header_index].split("\t")]
    missing = [c for c in ("PATIENT_ID", "SAMPLE_ID") if c not in header]
    if missing:
        raise ConfigError([f"{path}: column header has no {' or '.join(missing)}"])
    width = len(header)
    keep = [i for i, name in enumerate(header) if not name.startswith(PREFIX)]
    sample_col, patient_col = header.index("SAMPLE_ID"), header.index("PATIENT_ID")

    problems: list[str] = []
    study_samples: dict[str, str] = {}
    out_lines = list(lines)
    ids = [a.id for a in attributes]

    def rebuilt(cells: list[str], number: int, extra: list[str]) -> str:
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            problems.append(f"{path}, line {number}: {len(cells)} cells, the header has {width}")
        cells = (cells + [""] * width)[:width]  # editors drop trailing empty cells
        return "\t".join([cells[i] for i in keep] + extra)

    for position, index in enumerate(content):
        cells = lines[index].split("\t")
        if position < HEADER_LINES:
            body = [cells[0][1:]] + cells[1:]  # the '#' belongs to the line, not to the first cell
            extra = [a.definition()[position] for a in attributes]
            out_lines[index] = "#" + rebuilt(body, index + 1, extra)
        elif position == HEADER_LINES:
            out_lines[index] = rebuilt(cells, index + 1, ids)
        else:
            padded = cells + [""] * width
            sample, patient = _key(padded[sample_col]), _key(padded[patient_col])
            study_samples.setdefault(sample, patient)
            found = screened.get(sample)
            if found is not None and found.patient_id != patient:
                problems.append(
                    f"{path}, line {index + 1}: sample {sample} belongs to patient {patient} in the study, "
                    f"to {found.patient_id} in {found.report}"
                )
            values = found.values if found is not None else {}
            out_lines[index] = rebuilt(cells, index + 1, [values.get(i, NA) for i in ids])

    unknown = sorted(s for s in screened if s not in study_samples)
    for sample in unknown:
        problems.append(
            f"sample {sample} (patient {screened[sample].patient_id}, {screened[sample].report}) is not in "
            f"{path.name}: these results are not of this study"
        )
    if problems:
        raise ConfigError(problems)
    return ("\ufeff" if bom else "") + newline.join(out_lines) + (newline if ends else "")


# --------------------------------------------------------------------------- API


def export_cbioportal(results: Path, study: Path) -> list[Path]:
    """Add the screening results of ``results`` to the clinical sample file of the study ``study``.

    Returns the files written (the study's clinical sample data file). Raises ConfigError listing
    every problem (not a results folder, not a study, a screened sample the study lacks ...);
    nothing is written then.
    """
    results, study = Path(results), Path(study)
    if not study.is_dir():
        raise ConfigError([f"{study}: not a folder (expected a cBioPortal study folder)"])
    reports = _load_reports(results)
    arm_attributes, by_arm = _arm_attributes(reports)
    attributes = list(FIXED_HEAD) + arm_attributes + list(FIXED_TAIL)
    screened = _screened_samples(reports, by_arm)
    target = _clinical_sample_file(study)
    text = _merge(target, attributes, screened)
    mode = target.stat().st_mode & 0o7777
    atomic_write(target, text)
    target.chmod(mode)  # the rewritten file keeps the study file's permissions
    return [target]
