"""Screen one patient ad hoc (``mdm2screen patient``), through exactly the cohort's code path.

The patient's files and values become a real one-row sample sheet (and, when IHC or FISH results
are given, a one-patient IHC table) under ``OUT/input/``, next to the configuration used; then
``pipeline.prepare`` validates them as it validates any cohort and ``pipeline.run_batch`` screens
the patient and writes ``OUT/patients/<patient>.json`` and ``.html``. So:

- a value the sheet or IHC reader refuses (a purity of 1.5, an IHC result it does not know) stops
  the run with that reader's own message, naming the command-line option it came from (ConfigError,
  exit 2). In a cohort an unreadable IHC row only makes that marker unknown; here the value was just
  typed, so it is refused rather than screened as "unknown";
- a data file that cannot be used (missing, unreadable, the wrong build) is not an error: the
  patient is INDETERMINATE with the reason, as in a cohort;
- the report is the one a cohort run of ``OUT/input/<patient>.config.yaml`` writes, byte for byte
  apart from ``provenance.run`` (time, host, process).

``screen_one`` is the API; ``summary_text`` is the terminal summary ``mdm2screen patient`` prints.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from .app import load_config
from .config import load_settings
from .criteria import load_arms
from .errors import ConfigError
from .fileio import atomic_write
from .ihc import read_ihc
from .paths import ID_PATTERN_TEXT, is_valid_id, output_folder_problem, safe_child
from .pipeline import prepare, report_paths, run_batch
from .runlog import run_log
from .sheet import KNOWN_COLUMNS, PATH_COLUMNS

# Sample sheet column -> the command-line option that fills it (for messages and validation).
SHEET_OPTIONS = {
    "patient_id": "--patient-id",
    "sample_id": "--sample-id",
    "build": "--build",
    "cn_file": "--cn",
    "vcf": "--vcf",
    "cn_format": "--cn-format",
    "cn_sample": "--cn-sample",
    "tumor_sample": "--tumor-sample",
    "purity": "--purity",
    "ploidy": "--ploidy",
    "assay": "--assay",
    "collection_date": "--collection-date",
    "tumor_type": "--tumor-type",
    "bam": "--bam",
    "coverage": "--coverage",
    "gene_panel": "--gene-panel",
}
# IHC table fields -> option. Marker names as ihc.py reads them.
IHC_OPTIONS = {
    "ihc_mdm2": ("--ihc-mdm2", "MDM2", "result"),
    "ihc_p53": ("--ihc-p53", "p53", "result"),
    "fish": ("--fish", "MDM2_FISH", "result"),
    "fish_ratio": ("--fish-ratio", "MDM2_FISH", "ratio"),
}
IHC_COLUMNS = (
    "patient_id", "sample_id", "marker", "result", "ratio", "mdm2_signals", "cep12_signals", "nuclei_scored", "method"
)  # fmt: skip
# Keys this command sets itself: the sheet and IHC table it writes, the folder given with --out.
OWN_CONFIG_KEYS = {
    "samples": "--cn/--vcf and the other sample options",
    "ihc": "--ihc-mdm2/--ihc-p53/--fish/--fish-ratio/--fish-signals",
    "outdir": "--out",
}
# A table cell cannot hold these: the readers split fields at tabs and lines at "\n" (or a lone "\r").
_UNWRITABLE = re.compile(r"[\t\n\r\x00]")
_NOT_ID = re.compile(r"[^A-Za-z0-9._-]+")
NO_CONFIG_FILE = "defaults (no configuration file)"
_COLUMN = re.compile(r"column '([a-z_]+)'")


@dataclass(frozen=True)
class PatientInput:
    """One patient's tumour sample as the command line gives it. Values are text (numbers included) so
    that the sample sheet and IHC readers validate them and quote them as typed; None = not given."""

    cn_file: str
    vcf: str
    build: str
    patient_id: str | None = None  # default: derived from the copy-number file's name
    sample_id: str | None = None  # default: the patient ID
    cn_format: str | None = None
    cn_sample: str | None = None
    tumor_sample: str | None = None
    purity: str | None = None
    ploidy: str | None = None
    assay: str | None = None
    collection_date: str | None = None
    tumor_type: str | None = None
    bam: str | None = None
    coverage: str | None = None
    gene_panel: str | None = None
    ihc_mdm2: str | None = None
    ihc_p53: str | None = None
    fish: str | None = None
    fish_ratio: str | None = None
    fish_signals: str | None = None  # "MDM2,CEP12": mean signals per nucleus
    fish_nuclei: str | None = None


@dataclass(frozen=True)
class OneResult:
    """A screened patient: the report as written, where it and the inputs written for it are."""

    report: dict[str, Any]
    json_report: Path
    html_report: Path
    sample_sheet: Path
    ihc_table: Path | None
    config_file: Path  # OUT/input/<patient>.config.yaml: `mdm2screen screen --config` it to rerun
    config_source: str  # the configuration file the settings came from, or NO_CONFIG_FILE
    arms: list[dict[str, Any]] = field(default_factory=list)  # the report's arms asked for (all by default)

    @property
    def patient_id(self) -> str:
        return str(self.report["patient_id"])

    @property
    def status(self) -> str:
        return str(self.report["status"])


def derive_patient_id(cn_file: str) -> str:
    """A patient ID from the copy-number file's name: the part before the first dot, with anything an ID
    cannot hold made '_' ("NB-S-599-T.purple.cnv.somatic.tsv" -> "NB-S-599-T"). ConfigError when nothing
    usable is left."""
    stem = Path(cn_file).name.split(".", 1)[0]
    candidate = _NOT_ID.sub("_", stem).lstrip("._-")[:128]
    if not is_valid_id(candidate):
        raise ConfigError(
            [
                f"option --patient-id: no patient ID can be derived from the file name {Path(cn_file).name!r}; give --patient-id"
            ]
        )
    return candidate


def screen_one(
    patient: PatientInput,
    out: str | Path,
    *,
    config: str | Path | None = None,
    overrides: Sequence[str] = (),
    arms: Sequence[str] = (),
) -> OneResult:
    """Screen one patient with the cohort's code path and write its reports under ``out``.

    ``config``: the configuration file (None: every default), with ``overrides`` (``--set KEY=VALUE``,
    as ``app.load_config``); ``samples``, ``ihc`` and ``outdir`` are this function's own. ``arms``
    limits ``OneResult.arms`` (the terminal summary) to those arm IDs; the report holds every arm.

    ConfigError (nothing screened) lists every problem: options a sheet cannot hold, a broken
    configuration or arms file, an unknown arm, an output folder that cannot be written, and whatever
    the sample sheet and IHC readers refuse, each naming its option.
    """
    _check_cells(patient)
    for item in overrides:
        key = item.partition("=")[0].strip()
        if key in OWN_CONFIG_KEYS:
            raise ConfigError([f"option --set {item!r}: '{key}' is set by this command; use {OWN_CONFIG_KEYS[key]}"])
    patient_id = patient.patient_id if patient.patient_id is not None else derive_patient_id(patient.cn_file)
    if not is_valid_id(patient_id):
        # Checked here too: the ID names the input files written before the sheet is read.
        raise ConfigError([f"option --patient-id: {patient_id!r} is not a valid ID ({ID_PATTERN_TEXT})"])
    sample_id = patient.sample_id if patient.sample_id is not None else patient_id

    out_dir = Path(out).expanduser().absolute()
    input_dir = out_dir / "input"
    sheet_path = safe_child(input_dir, patient_id, ".samples.tsv")
    ihc_rows = _ihc_rows(patient, patient_id, sample_id)
    ihc_path = safe_child(input_dir, patient_id, ".ihc.tsv") if ihc_rows else None
    config_path = safe_child(input_dir, patient_id, ".config.yaml")

    source = str(config) if config is not None else NO_CONFIG_FILE
    # No file: an empty one, so that --set is read exactly as for the other commands.
    raw = load_config(os.fspath(config) if config is not None else None, list(overrides))
    raw.pop("ihc", None)
    raw.update({"samples": str(sheet_path), "outdir": str(out_dir)})
    if ihc_path is not None:
        raw["ihc"] = str(ihc_path)
    # The configuration and arms before anything is written: an unknown --arm or a broken config
    # leaves no files behind.
    settings = load_settings(raw, source)
    known = [a.id for a in load_arms(settings.arms_file, trials=settings["trials"]).arms]
    unknown = [a for a in arms if a not in known]
    if unknown:
        raise ConfigError([f"option --arm: unknown arm {a!r} (known arms: {', '.join(known)})" for a in unknown])
    unwritable = output_folder_problem(out_dir)
    if unwritable is not None:
        raise ConfigError([f"option --out: {unwritable}"])

    atomic_write(sheet_path, _tsv(KNOWN_COLUMNS, [_sheet_row(patient, patient_id, sample_id)]))
    if ihc_path is not None:
        atomic_write(ihc_path, _tsv(IHC_COLUMNS, [row for _, row in ihc_rows]))
    atomic_write(config_path, _config_text(raw, source))

    # Data line n of the IHC table (line 1 is the header) came from this option.
    ihc_lines = {line: option for line, (option, _) in enumerate(ihc_rows, start=2)}
    try:
        cohort = prepare(raw, source=source)
    except ConfigError as exc:
        problems = list(exc.problems)
        if ihc_path is not None:
            # A refused sheet leaves prepare no patient to read the IHC rows for: read them for this
            # one, so that every mistyped option is listed in the same run.
            problems += _patient_ihc_problems(ihc_path, patient_id, sample_id)
        raise ConfigError([_name_option(p, sheet_path, ihc_path, ihc_lines) for p in problems]) from None
    typed_wrong = cohort.ihc.patient_problems.get(patient_id, [])
    if typed_wrong:
        raise ConfigError([_name_option(p, sheet_path, ihc_path, ihc_lines) for p in typed_wrong])

    with run_log(cohort.outdir, "patient", config_sha256=cohort.config_sha256) as job:
        run_batch(cohort, [patient_id])
        job.complete(f"{patient_id}: reports in {cohort.outdir / 'patients'}")
    json_path, html_path = report_paths(cohort.outdir, patient_id)
    report = json.loads(json_path.read_text())
    wanted = set(arms)
    return OneResult(
        report=report,
        json_report=json_path,
        html_report=html_path,
        sample_sheet=sheet_path,
        ihc_table=ihc_path,
        config_file=config_path,
        config_source=source,
        arms=[a for a in report["arms"] if not wanted or a["id"] in wanted],
    )


def _check_cells(patient: PatientInput) -> None:
    problems = []
    for f in fields(patient):
        value = getattr(patient, f.name)
        if value is not None and _UNWRITABLE.search(value):
            option = SHEET_OPTIONS.get(f.name) or IHC_OPTIONS[f.name][0]
            problems.append(f"option {option}: {value!r} holds a tab or line break, which a table cell cannot")
    if problems:
        raise ConfigError(problems)


def _sheet_row(patient: PatientInput, patient_id: str, sample_id: str) -> dict[str, str]:
    row = {c: getattr(patient, c, None) for c in KNOWN_COLUMNS}
    row.update(patient_id=patient_id, sample_id=sample_id)
    for column in PATH_COLUMNS:
        # Absolute: the sheet's relative paths would be read from OUT/input/, not from where the user is.
        if row.get(column):
            row[column] = str(Path(str(row[column])).expanduser().absolute())
    if patient.gene_panel and patient.gene_panel.upper() not in ("WES", "WGS"):
        row["gene_panel"] = str(Path(patient.gene_panel).expanduser().absolute())
    return {c: v for c, v in row.items() if v is not None}


def _ihc_rows(patient: PatientInput, patient_id: str, sample_id: str) -> list[tuple[str, dict[str, str]]]:
    """(option, IHC table row) per IHC/FISH option given, in the order of IHC_OPTIONS."""
    if patient.fish is not None and patient.fish_ratio is not None:
        # One FISH result, read one way: ihc.py scores a row with a ratio by the ratio alone.
        raise ConfigError(
            ["options --fish and --fish-ratio: give one (the ratio is scored against ihc_scoring.fish_ratio_amplified)"]
        )
    rows = []
    for name, (option, marker, column) in IHC_OPTIONS.items():
        value = getattr(patient, name)
        if value is None:
            continue
        rows.append(
            (
                option,
                {
                    "patient_id": patient_id,
                    "sample_id": sample_id,
                    "marker": marker,
                    column: value,
                    "method": f"entered with mdm2screen patient {option}",
                },
            )
        )
    return _with_fish_counts(patient, rows, patient_id, sample_id)


def _with_fish_counts(
    patient: PatientInput, rows: list[tuple[str, dict[str, str]]], patient_id: str, sample_id: str
) -> list[tuple[str, dict[str, str]]]:
    """Signal counts and nuclei go on the FISH row (made when only counts are given: ihc.py computes
    the ratio from them). Their values are checked by the IHC reader, as a table's would be."""
    if patient.fish_signals is None and patient.fish_nuclei is None:
        return rows
    fish = next((row for option, row in rows if row["marker"] == "MDM2_FISH"), None)
    if fish is None:
        fish = {"patient_id": patient_id, "sample_id": sample_id, "marker": "MDM2_FISH",
                "method": "entered with mdm2screen patient --fish-signals"}  # fmt: skip
        rows.append(("--fish-signals", fish))
    if patient.fish_signals is not None:
        parts = [p.strip() for p in patient.fish_signals.split(",")]
        if len(parts) != 2 or not all(parts):
            raise ConfigError(
                [f"option --fish-signals: expected MDM2,CEP12 mean signals per nucleus (e.g. 4.1,3.9), found "
                 f"{patient.fish_signals!r}"]
            )  # fmt: skip
        fish["mdm2_signals"], fish["cep12_signals"] = parts
    if patient.fish_nuclei is not None:
        fish["nuclei_scored"] = patient.fish_nuclei
    return rows


def _patient_ihc_problems(ihc_path: Path, patient_id: str, sample_id: str) -> list[str]:
    try:
        return read_ihc(ihc_path, {patient_id: {sample_id}}).patient_problems.get(patient_id, [])
    except ConfigError as exc:
        return exc.problems


def _tsv(columns: Iterable[str], rows: list[dict[str, str]]) -> str:
    """A table with the columns any row fills, in ``columns``' order; csv quotes a field with a '"' as
    the readers (``fileio.split_tsv_line``) expect."""
    used = [c for c in columns if any(c in r for r in rows)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=used, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _config_text(raw: dict[str, Any], source: str) -> str:
    header = (
        "# The configuration `mdm2screen patient` screened this patient with: "
        f"{source}, its --set options and the files written\n"
        "# beside this one. `mdm2screen screen --config <this file>` screens the patient again (relative\n"
        f"# paths, if any, are relative to the folder the command ran in: {Path.cwd()}).\n"
    )
    return header + yaml.safe_dump(raw, sort_keys=False)


def _name_option(problem: str, sheet: Path, ihc: Path | None, ihc_lines: dict[int, str]) -> str:
    """A reader's message, with the command-line option the offending value came from."""
    if problem.startswith(str(sheet)):
        column = _COLUMN.search(problem)
        option = SHEET_OPTIONS.get(column.group(1)) if column else None
        return f"{problem} (option {option})" if option else problem
    if ihc is not None and problem.startswith(str(ihc)):
        line = re.match(re.escape(str(ihc)) + r", line (\d+)", problem)
        option = ihc_lines.get(int(line.group(1))) if line else None
        return f"{problem} (option {option})" if option else problem
    return problem


# --------------------------------------------------------------------------- the terminal summary

CRITERION_STATES = {"met": "met", "not_met": "NOT MET", "unknown": "unknown", "pending": "pending"}


def _printable(value: object) -> str:
    """Text from the report for a terminal: control characters (from a file's content) escaped."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(value))


def _criterion_lines(criterion: dict[str, Any], indent: str) -> list[str]:
    state = CRITERION_STATES.get(criterion["state"], criterion["state"])
    lines = [f"{indent}{state:<8} {_printable(criterion['description'])}: {_printable(criterion['evidence'])}"]
    for child in criterion.get("any_of", []):
        lines += _criterion_lines(child, indent + "  ")
    return lines


def summary_text(result: OneResult) -> str:
    """The patient's decision for a terminal: overall status, each arm asked for with every criterion's
    state and evidence, problems with the files, then where the reports and inputs are."""
    report = result.report
    chosen = next((s for s in report["samples"] if s["used_for_decision"]), report["samples"][0])
    lines = [
        f"Patient {_printable(report['patient_id'])}, sample {_printable(report['decision_sample'])} "
        f"({_printable(chosen['build'])})",
        f"Status: {report['status']} (default arm {_printable(report['default_arm'])})",
    ]
    for arm in result.arms:
        trial = f", trial {_printable(arm['trial'])}" if arm.get("trial") else ""
        lines += ["", f"Arm {_printable(arm['id'])}: {arm['status']}", f"  {_printable(arm['title'])}{trial}"]
        for criterion in arm["criteria"]:
            lines += _criterion_lines(criterion, "  ")
    problems = [f"{e['code']}: {e['message']}" for s in report["samples"] for e in s["errors"]]
    problems += report["ihc"]["problems"]
    if problems:
        lines += ["", "Problems with the input files:"] + [f"  {_printable(p)}" for p in problems]
    written = [result.sample_sheet, *([result.ihc_table] if result.ihc_table else []), result.config_file]
    lines += [
        "",
        f"Configuration: {_printable(result.config_source)}",
        "Inputs written: " + ", ".join(_printable(p) for p in written),
        f"Report (HTML): {_printable(result.html_report)}",
        f"Report (JSON): {_printable(result.json_report)}",
    ]
    return "\n".join(lines) + "\n"
