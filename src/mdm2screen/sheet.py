"""Sample sheets: read, validate every row, report every problem at once.

A sheet is a TSV with one row per tumour sample. Relative file paths are resolved against
the sheet's own folder. Lines end at "\n" only (a lone "\r" ends lines only in a file without
any "\n"): a Unicode line separator, NEL, VT or FF inside a field stays in the field, so the
line numbers in messages are those an editor shows.

Optional column ``variants_profiled`` (yes/no/true/false, or empty for unknown): the source of
the sample's MAF states that this sample was profiled for mutations, so a sample without MAF
rows had no mutation called (rather than a barcode that matches nothing).

Optional columns for what else can make p53 non-functional, and for resistance over time:
``sv_vcf`` (a structural-variant VCF, a path like ``vcf``), ``sample_type`` (``tissue`` or
``plasma``; ``cfDNA``/``ctDNA`` (also ``cf-DNA``, ``ct DNA``) are read as plasma, case ignored; empty: not
stated), ``normal_sample`` (the matched normal's column in the VCFs, never the same as
``tumor_sample``) and ``treatment_start`` (the MDM2-inhibitor start date, YYYY-MM-DD). The start
date belongs to the patient: every row of a patient gives the same date, or none on every row,
in one sheet and across sheets; a sample collected after it is fine (that is what it is for).

Per-sample *files* are not opened here: a missing or broken data file makes only that patient
INDETERMINATE at screening time. Structural problems (missing columns, bad IDs, duplicate samples,
unknown builds, out-of-range values) stop the run.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from .config import schema_default
from .errors import ConfigError
from .fileio import split_tsv_line
from .genome import BUILDS, canonical_build
from .paths import ID_PATTERN_TEXT, is_valid_id, where_relative

REQUIRED_COLUMNS = ("patient_id", "sample_id", "build", "cn_file", "vcf")
OPTIONAL_COLUMNS = (
    "cn_format",
    "cn_sample",
    "tumor_sample",
    "purity",
    "ploidy",
    "assay",
    "collection_date",
    "tumor_type",
    "bam",
    "coverage",
    "gene_panel",
    "gistic_cna",
    "variants_profiled",
    "sv_vcf",
    "sample_type",
    "normal_sample",
    "treatment_start",
)
PATH_COLUMNS = ("cn_file", "vcf", "bam", "coverage", "gistic_cna", "sv_vcf")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_PLOIDY = 12.0
GENE_PANEL_KEYWORDS = ("WES", "WGS")
BOOLEAN_VALUES = {"yes": True, "true": True, "no": False, "false": False}
SAMPLE_TYPES = ("tissue", "plasma")
# sample_type, case ignored: cell-free / circulating tumour DNA is plasma ("cfDNA", "ct-DNA", "ct DNA").
_SAMPLE_TYPE = re.compile(r"(tissue|plasma|c[ft][\s_-]*dna)", re.IGNORECASE)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Used when no configuration is at hand (copy_number.min_plausible_purity's schema default).
# A plain decimal number: float() also takes "1_0", "infinity", "nan" and surrounding blanks.
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


@dataclass(frozen=True)
class SampleRow:
    patient_id: str
    sample_id: str
    build: str
    cn_file: Path | None
    vcf: Path | None
    sheet: Path
    line: int
    cn_format: str | None = None
    cn_sample: str | None = None
    tumor_sample: str | None = None
    purity: float | None = None
    ploidy: float | None = None
    assay: str | None = None
    collection_date: dt.date | None = None
    tumor_type: str | None = None
    bam: Path | None = None
    coverage: Path | None = None
    gene_panel: str | None = None  # WES / WGS, or a resolved path to a gene panel file
    gistic_cna: Path | None = None
    # True: the MAF's source says this sample was profiled for mutations (no rows = none called).
    variants_profiled: bool | None = None
    sv_vcf: Path | None = None  # structural-variant VCF
    sample_type: str | None = None  # "tissue" or "plasma" (cfDNA/ctDNA); None: not stated
    normal_sample: str | None = None  # the matched normal's column in the VCFs
    treatment_start: dt.date | None = None  # the patient's MDM2-inhibitor start date (same on all their rows)
    raw: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def fingerprint(self) -> str:
        """Hash of the row's own text (not of the files it names)."""
        return hashlib.sha256(repr(sorted(self.raw)).encode()).hexdigest()

    def files(self) -> list[tuple[str, Path]]:
        """(role, path) of every data file this row names."""
        out = []
        for role in PATH_COLUMNS:
            value = getattr(self, role)
            if value is not None:
                out.append((role, value))
        if self.gene_panel and self.gene_panel not in GENE_PANEL_KEYWORDS:
            out.append(("gene_panel", Path(self.gene_panel)))
        return out


@dataclass
class SheetResult:
    path: Path
    rows: list[SampleRow]
    problems: list[str]
    # (sample ID, line) of every data row that names one, rows with other problems included, so
    # that a duplicate is reported in the same run as the row's other problems.
    sample_ids: list[tuple[str, int]] = field(default_factory=list)
    # (patient ID, treatment_start or None, line) of every row naming a patient whose treatment_start
    # is empty or a valid date, rows with other problems included: the date must agree across sheets.
    treatment_starts: list[tuple[str, dt.date | None, int]] = field(default_factory=list)


def _cn_formats() -> tuple[str, ...]:
    # Local import, measured: the copy-number package (every parser, pysam) adds ~60 ms to the ~60 ms
    # this module takes to import (python -X importtime), which sheet-only commands would pay.
    from .cn.formats import FORMATS

    return FORMATS


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


def _parse_float(
    value: str, column: str, where: str, problems: list[str], low: float, high: float, low_open: bool
) -> float | None:
    if not _NUMBER.match(value):
        problems.append(f"{where}, column '{column}': expected a number, found {value!r}")
        return None
    number = float(value)
    if math.isnan(number) or math.isinf(number) or number > high or number < low or (low_open and number == low):
        bound = f"{'>' if low_open else '>='} {low} and <= {high}"
        problems.append(f"{where}, column '{column}': expected a value {bound}, found {value!r}")
        return None
    return number


def _parse_sample_type(value: str, where: str, problems: list[str]) -> str | None:
    if not value:
        return None
    found = _SAMPLE_TYPE.fullmatch(value)
    sample_type = None if found is None else "tissue" if found.group(1).lower() == "tissue" else "plasma"
    if sample_type is None:
        problems.append(
            f"{where}, column 'sample_type': expected {' or '.join(SAMPLE_TYPES)} (cfDNA and ctDNA are read as "
            f"plasma), found {value!r}; a matched blood (white-cell) normal is not a row of its own: name its VCF "
            "column in normal_sample"
        )
    return sample_type


def _parse_day(value: str, column: str, where: str, problems: list[str]) -> dt.date | None:
    """A YYYY-MM-DD date (date.fromisoformat alone also takes 20240102 and week dates)."""
    try:
        if _ISO_DAY.match(value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    problems.append(f"{where}, column '{column}': expected a date as YYYY-MM-DD, found {value!r}")
    return None


def _shown_day(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "none"


def _treatment_start_problems(sheet: Path, starts: list[tuple[str, dt.date | None, int]]) -> list[str]:
    """A row whose treatment_start differs from the patient's first row in the same sheet."""
    problems = []
    first: dict[str, tuple[dt.date | None, int]] = {}
    for patient, day, line in starts:
        seen = first.setdefault(patient, (day, line))
        if seen[0] != day:
            problems.append(
                f"{sheet}, line {line}, column 'treatment_start': patient {patient!r} has {_shown_day(day)} here "
                f"but {_shown_day(seen[0])} on line {seen[1]}; the MDM2-inhibitor start date is the patient's: give "
                "the same date on every row of the patient"
            )
    return problems


def split_lines(text: str) -> list[str]:
    """Lines of a table, ended by "\n" (CRLF included) only; see the module docstring."""
    if "\n" not in text and "\r" in text:  # classic Mac line ends
        return text.split("\r")
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def read_sheet(
    path: str | Path, patients: Collection[str] | None = None, *, min_plausible_purity: float | None = None
) -> SheetResult:
    """Read one sample sheet; never raises for content problems (they are returned).

    ``patients`` limits the rows read to those patients' (a batch job, after the whole sheet was
    checked by the process that planned the batches): other rows are skipped unchecked.
    ``min_plausible_purity``: a purity below it is a problem (``Settings.min_plausible_purity()``;
    None: the schema default, 0.08).
    """
    if min_plausible_purity is None:
        min_plausible_purity = float(schema_default("copy_number", "min_plausible_purity"))
    sheet = Path(path)
    problems: list[str] = []
    if not sheet.is_file():
        return SheetResult(sheet, [], [f"{sheet}: sample sheet does not exist{where_relative(sheet)}"])
    try:
        text = sheet.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return SheetResult(sheet, [], [f"{sheet}: not a UTF-8 text file ({exc})"])
    if "\x00" in text:
        return SheetResult(sheet, [], [f"{sheet}: binary content, expected a tab-separated sample sheet"])
    lines = split_lines(text)
    # Leading '#' lines are comments.
    first = 0
    while first < len(lines) and (lines[first].startswith("#") or not lines[first].strip()):
        first += 1
    if first >= len(lines):
        return SheetResult(sheet, [], [f"{sheet}: no header line; expected columns {', '.join(REQUIRED_COLUMNS)}"])
    # One line at a time: a field that opens a double quote and never closes it must not swallow
    # the following lines (rows silently lost, line numbers shifted).
    reader = (split_tsv_line(line) for line in lines[first:])
    header = [h.strip() for h in next(reader)]
    if len(header) == 1 and ("," in header[0] or " " in header[0]):
        problems.append(
            f"{sheet}, line {first + 1}: the header has one column ({header[0]!r}); a sample sheet is tab-separated"
        )
        return SheetResult(sheet, [], problems)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    for column in missing:
        problems.append(
            f"{sheet}, line {first + 1}: required column '{column}' is missing (found: {', '.join(header)})"
        )
    for column in header:
        if column not in KNOWN_COLUMNS:
            close = difflib.get_close_matches(column, KNOWN_COLUMNS, n=1, cutoff=0.75)
            if close:
                problems.append(f"{sheet}, line {first + 1}: unknown column '{column}'; did you mean '{close[0]}'?")
    duplicates = {c for c in header if header.count(c) > 1}
    for column in sorted(duplicates):
        problems.append(f"{sheet}, line {first + 1}: column '{column}' appears more than once")
    if missing or duplicates:
        return SheetResult(sheet, [], problems)

    formats = None
    rows: list[SampleRow] = []
    other_rows = 0
    sample_ids: list[tuple[str, int]] = []
    starts: list[tuple[str, dt.date | None, int]] = []
    base = sheet.parent
    for offset, cells in enumerate(reader, start=first + 2):
        if not cells or all(not c.strip() for c in cells) or cells[0].startswith("#"):
            continue
        where = f"{sheet}, line {offset}"
        if len(cells) != len(header):
            problems.append(f"{where}: expected {len(header)} tab-separated fields, found {len(cells)}")
            continue
        record = {h: c.strip() for h, c in zip(header, cells, strict=True)}
        if patients is not None and record["patient_id"] not in patients:
            other_rows += 1
            continue
        row_problems: list[str] = []
        if record["sample_id"]:
            sample_ids.append((record["sample_id"], offset))
        for column in ("patient_id", "sample_id"):
            value = record[column]
            if not value:
                row_problems.append(f"{where}, column '{column}': empty; every row needs one")
            elif not is_valid_id(value):
                row_problems.append(f"{where}, column '{column}': {value!r} is not a valid ID ({ID_PATTERN_TEXT})")
        build = canonical_build(record["build"])
        if build is None:
            row_problems.append(
                f"{where}, column 'build': expected one of {', '.join(BUILDS)}, found {record['build']!r}"
            )
        cn_format = record.get("cn_format") or None
        if cn_format is not None:
            formats = formats if formats is not None else _cn_formats()
            if cn_format not in formats:
                close = difflib.get_close_matches(cn_format, formats, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                row_problems.append(
                    f"{where}, column 'cn_format': unknown format {cn_format!r} (known: {', '.join(formats)}){hint}"
                )
        purity = ploidy = None
        if record.get("purity"):
            purity = _parse_float(record["purity"], "purity", where, row_problems, 0.0, 1.0, low_open=True)
            if purity is not None and purity < min_plausible_purity:
                row_problems.append(
                    f"{where}, column 'purity': purity {record['purity']} is below the plausible minimum "
                    f"{min_plausible_purity:g} (copy_number.min_plausible_purity)"
                )
                purity = None
        if record.get("ploidy"):
            ploidy = _parse_float(record["ploidy"], "ploidy", where, row_problems, 0.0, MAX_PLOIDY, low_open=True)
        date = None
        if record.get("collection_date"):
            try:
                date = dt.date.fromisoformat(record["collection_date"])
            except ValueError:
                row_problems.append(
                    f"{where}, column 'collection_date': expected an ISO date (YYYY-MM-DD), found {record['collection_date']!r}"
                )
        profiled = None
        if record.get("variants_profiled"):
            profiled = BOOLEAN_VALUES.get(record["variants_profiled"].lower())
            if profiled is None:
                row_problems.append(
                    f"{where}, column 'variants_profiled': expected yes, no, true, false or empty, "
                    f"found {record['variants_profiled']!r}"
                )
        sample_type = _parse_sample_type(record.get("sample_type", ""), where, row_problems)
        normal_sample = record.get("normal_sample") or None
        if normal_sample is not None and normal_sample == record.get("tumor_sample"):
            row_problems.append(
                f"{where}, column 'normal_sample': {normal_sample!r} is also the tumor_sample; the matched normal's "
                "column must be another one"
            )
        treatment_start = None
        if record.get("treatment_start"):
            treatment_start = _parse_day(record["treatment_start"], "treatment_start", where, row_problems)
            if treatment_start is not None and record["patient_id"]:
                starts.append((record["patient_id"], treatment_start, offset))
        elif record["patient_id"]:
            starts.append((record["patient_id"], None, offset))
        panel = record.get("gene_panel") or None
        if panel is not None and panel.upper() in GENE_PANEL_KEYWORDS:
            panel = panel.upper()
        elif panel is not None:
            panel = str(_resolve(base, panel))
        if row_problems:
            problems.extend(row_problems)
            continue
        paths = {c: (_resolve(base, record[c]) if record.get(c) else None) for c in PATH_COLUMNS}
        rows.append(
            SampleRow(
                patient_id=record["patient_id"],
                sample_id=record["sample_id"],
                build=build or "",
                cn_file=paths["cn_file"],
                vcf=paths["vcf"],
                sheet=sheet,
                line=offset,
                cn_format=cn_format,
                cn_sample=record.get("cn_sample") or None,
                tumor_sample=record.get("tumor_sample") or None,
                purity=purity,
                ploidy=ploidy,
                assay=record.get("assay") or None,
                collection_date=date,
                tumor_type=record.get("tumor_type") or None,
                bam=paths["bam"],
                coverage=paths["coverage"],
                gene_panel=panel,
                gistic_cna=paths["gistic_cna"],
                variants_profiled=profiled,
                sv_vcf=paths["sv_vcf"],
                sample_type=sample_type,
                normal_sample=normal_sample,
                treatment_start=treatment_start,
                raw=tuple(sorted(record.items())),
            )
        )
    problems.extend(_treatment_start_problems(sheet, starts))
    if not rows and not problems and not other_rows:
        problems.append(f"{sheet}: the sample sheet has a header but no sample rows")
    return SheetResult(sheet, rows, problems, sample_ids, starts)


def sheet_paths(samples: str | Path) -> list[Path]:
    """The sheets named by the config's ``samples``: one file, or every *.tsv in a folder."""
    p = Path(samples)
    if p.is_dir():
        return sorted(x for x in p.glob("*.tsv") if x.is_file() and not x.name.startswith("."))
    return [p]


def cross_sheet_problems(results: list[SheetResult]) -> list[str]:
    """Problems spanning rows: a sample ID used twice, one sample under two patients, a patient whose
    treatment_start differs between sheets (within one sheet, read_sheet reports it)."""
    problems = []
    seen: dict[str, tuple[Path, int]] = {}
    for result in results:
        for sample_id, line in result.sample_ids:
            first = seen.get(sample_id)
            if first is not None:
                problems.append(
                    f"{result.path}, line {line}, column 'sample_id': duplicate sample ID {sample_id!r} "
                    f"(first at {first[0]}, line {first[1]})"
                )
            else:
                seen[sample_id] = (result.path, line)
    started: dict[str, tuple[dt.date | None, Path, int]] = {}
    for result in results:
        reported: set[str] = set()  # one problem per sheet and patient is enough to find it
        for patient, day, line in result.treatment_starts:
            first_start = started.setdefault(patient, (day, result.path, line))
            if first_start[1] != result.path and first_start[0] != day and patient not in reported:
                reported.add(patient)
                problems.append(
                    f"{result.path}, line {line}, column 'treatment_start': patient {patient!r} has "
                    f"{_shown_day(day)} here but {_shown_day(first_start[0])} in {first_start[1]}, line "
                    f"{first_start[2]}; the MDM2-inhibitor start date is the patient's: give the same date on "
                    "every row of the patient, in every sheet"
                )
    return problems


def load_samples(samples: str | Path, *, min_plausible_purity: float | None = None) -> list[SampleRow]:
    """Read every sheet; raise ConfigError listing every problem when any sheet is broken."""
    paths = sheet_paths(samples)
    if not paths:
        raise ConfigError([f"{samples}: the folder holds no *.tsv sample sheet"])
    results = [read_sheet(p, min_plausible_purity=min_plausible_purity) for p in paths]
    problems = [p for r in results for p in r.problems] + cross_sheet_problems(results)
    if problems:
        raise ConfigError(problems)
    return [row for r in results for row in r.rows]


def group_by_patient(rows: list[SampleRow]) -> dict[str, list[SampleRow]]:
    patients: dict[str, list[SampleRow]] = {}
    for row in rows:
        patients.setdefault(row.patient_id, []).append(row)
    return patients
