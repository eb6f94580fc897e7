"""Import a cBioPortal (or AACR GENIE) study folder into an mdm2screen sample sheet.

Every file is read the way cBioPortal's "File Formats" page defines it
(https://docs.cbioportal.org/file-formats/):

- meta files (``key: value`` lines; found by name as cBioPortal's ``validateData.py`` does) name
  their data file in ``data_filename`` and their kind in ``genetic_alteration_type``/``datatype``;
  data files are never guessed from their names;
- ``meta_study.txt`` gives ``cancer_study_identifier`` and ``reference_genome`` (hg19 when absent,
  cBioPortal's default);
- clinical tables start with four ``#`` lines (display names, descriptions, datatypes,
  priorities) before the column header;
- the MAF's ``Tumor_Sample_Barcode`` and the SEG file's first column hold the clinical
  ``SAMPLE_ID`` exactly;
- the gene panel matrix (``SAMPLE_ID`` plus one column per profile, ``mutations`` for the MAF)
  names a panel per sample; panel files have ``stable_id``/``description``/``gene_list`` lines
  ("Import Gene Panels" page); ``WXS``/``WGS`` stand for whole exome/genome;
- case lists (``case_lists/*.txt``): a sample in the ``<study>_sequenced`` list without a gene
  panel counts, for cBioPortal, as profiled for every gene (whole exome).

Every file read (meta files, the data files they name, case lists, gene panel files) must
resolve, symbolic links followed, to a path inside the study folder: a ``data_filename`` such as
``../../outside.maf`` stops the import, naming the meta file and key.

``variants_profiled`` is ``yes`` for a sample in the ``_sequenced`` case list or with a gene
panel in the matrix's mutation profile (no MAF rows then means no mutation called), else empty.

Missing evidence stays missing: a sample without segments gets an empty ``cn_file``, a sample
not profiled for mutations an empty ``vcf``, and each gap is reported as a per-sample problem.
Nothing is sanitised or invented: invalid IDs skip the sample, purity/ploidy are copied only when
the clinical table states them.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, InputError
from .fileio import atomic_write, iter_text_lines, read_text_lines
from .genome import canonical_build
from .paths import ID_PATTERN_TEXT, is_valid_id

# Sheet columns written, required ones first (the order mdm2screen.sheet documents).
SHEET_COLUMNS = (
    "patient_id",
    "sample_id",
    "build",
    "cn_file",
    "vcf",
    "cn_format",
    "cn_sample",
    "tumor_sample",
    "purity",
    "ploidy",
    "tumor_type",
    "gene_panel",
    "gistic_cna",
    "variants_profiled",
)

# cBioPortal's validator treats a file as a meta file when its name matches this.
META_NAME = re.compile(r"(\b|_)meta(\b|[_0-9])", re.IGNORECASE)

# Cell values that mean "no value" in cBioPortal/TCGA/GENIE clinical exports.
NULL_VALUES = frozenset(
    {
        "",
        "na",
        "n/a",
        "nan",
        "null",
        "none",
        "unknown",
        "[unknown]",
        "[not available]",
        "[not applicable]",
        "[not evaluated]",
        "[not reported]",
        "[not collected]",
        "[discrepancy]",
    }
)

TUMOR_TYPE_COLUMNS = ("CANCER_TYPE_DETAILED", "CANCER_TYPE", "ONCOTREE_CODE")
# Purity/ploidy attributes seen in cBioPortal/GENIE studies, in order of preference.
PURITY_COLUMNS = (
    "TUMOR_PURITY",
    "PURITY",
    "ABSOLUTE_PURITY",
    "FACETS_PURITY",
    "PURPLE_PURITY",
    "TUMOR_CONTENT",
    "TUMOR_CELLULARITY",
)
PLOIDY_COLUMNS = ("PLOIDY", "TUMOR_PLOIDY", "ABSOLUTE_PLOIDY", "FACETS_PLOIDY", "PURPLE_PLOIDY")
MAX_PLOIDY = 12.0  # the sample sheet's upper bound (mdm2screen.sheet)

# Gene panel matrix values meaning "every gene profiled" (cBioPortal validator accepts these).
WHOLE_EXOME = frozenset({"WXS", "WES", "WXS/WGS"})
WHOLE_GENOME = frozenset({"WGS"})
TP53_IDS = frozenset({"TP53", "7157"})  # Hugo symbol, Entrez gene ID


@dataclass
class ImportResult:
    sheet_path: Path
    n_samples: int
    mapped: list[str]  # human lines: what was mapped from where
    problems: dict[str, list[str]]  # sample_id -> what could not be mapped and why
    study_problems: list[str]  # study-level problems that did not stop the import


@dataclass
class _Meta:
    path: Path
    fields: dict[str, str]

    @property
    def kind(self) -> tuple[str, str]:
        return (self.fields.get("genetic_alteration_type", "").upper(), self.fields.get("datatype", "").upper())

    def is_study(self) -> bool:
        return (
            "genetic_alteration_type" not in self.fields
            and "type_of_cancer" in self.fields
            and ("cancer_study_identifier" in self.fields)
        )


@dataclass
class _Table:
    """A tab-separated table: upper-cased column names and (line number, cells) rows."""

    path: Path
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]


@dataclass
class _Study:
    """What was read from the study folder before samples are mapped."""

    folder: Path
    study_id: str = ""
    build: str = ""
    maf: Path | None = None
    maf_meta: _Meta | None = None
    maf_samples: set[str] = field(default_factory=set)
    seg: Path | None = None
    seg_samples: set[str] = field(default_factory=set)
    gistic: Path | None = None
    gistic_samples: set[str] = field(default_factory=set)
    sample_table: _Table | None = None
    patient_table: _Table | None = None
    panel_matrix: dict[str, str] | None = None  # sample -> raw `mutations` value
    panels: dict[str, Path] = field(default_factory=dict)  # stable_id -> panel file
    panel_has_tp53: dict[str, bool] = field(default_factory=dict)
    sequenced: set[str] | None = None  # None: no _sequenced case list in the study


# --------------------------------------------------------------------------- low-level readers


def _clean(cell: str) -> str:
    """A cell without surrounding blanks or stray quotes (csv already removed proper quoting)."""
    return cell.strip().strip('"').strip()


def _is_null(value: str | None) -> bool:
    return value is None or value.strip().lower() in NULL_VALUES


def read_meta_file(path: Path) -> dict[str, str]:
    """Parse a cBioPortal meta file (or case list / gene panel file): ``key: value`` lines.

    Raises InputError naming the line for a line without ``:`` or a key given twice with
    different values.
    """
    fields: dict[str, str] = {}
    for number, line in enumerate(read_text_lines(path), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if ":" not in line:
            raise InputError(path, "not a meta-file line", line=number, expected="'key: value'", found=line)
        key, value = line.split(":", 1)
        key, value = key.strip(), value.strip()
        if key in fields and fields[key] != value:
            raise InputError(path, f"key '{key}' given twice with different values", line=number, found=value)
        fields[key] = value
    return fields


def _split_rows(path: Path, lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """Tab-separated cells per line (quoted cells unquoted), with 1-based line numbers.

    Each line is split on its own so an unbalanced quote cannot swallow the following lines.
    """
    for number, line in enumerate(lines, start=1):
        try:
            cells = next(csv.reader(io.StringIO(line), delimiter="\t"), [])
        except csv.Error as exc:
            raise InputError(path, f"cannot split the line into tab-separated cells: {exc}", line=number) from exc
        yield number, cells


def _read_table(path: Path, required: tuple[str, ...], what: str) -> _Table:
    """Read a cBioPortal tab-separated table whose header follows optional ``#`` lines."""
    columns: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in _split_rows(path, read_text_lines(path)):
        if not cells or all(not c.strip() for c in cells):
            continue
        if columns is None:
            if cells[0].startswith("#"):
                continue  # the four clinical metadata lines, or any leading comment
            columns = [_clean(c).upper() for c in cells]
            dupes = sorted({c for c in columns if c and columns.count(c) > 1})
            if dupes:
                raise InputError(path, f"column(s) {', '.join(dupes)} appear more than once", line=number)
            missing = [c for c in required if c not in columns]
            if missing:
                raise InputError(
                    path,
                    f"{what}: required column(s) {', '.join(missing)} missing from the header",
                    line=number,
                    expected=", ".join(required),
                    found="\t".join(cells),
                )
            continue
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
            raise InputError(
                path, "more cells than header columns", line=number, expected=f"{len(columns)} cells", found=len(cells)
            )
        # Editors drop trailing empty cells; an absent cell is an empty value.
        cells = cells + [""] * (len(columns) - len(cells))
        rows.append((number, {col: _clean(cells[i]) for i, col in enumerate(columns)}))
    if columns is None:
        raise InputError(path, f"{what}: no header line", expected=", ".join(required))
    return _Table(path, columns, rows)


def _header_index(header_cells: list[str]) -> dict[str, int]:
    return {_clean(c).upper(): i for i, c in enumerate(header_cells)}


def _scan_maf(path: Path) -> tuple[set[str], dict[str, int]]:
    """Tumor_Sample_Barcode values of a MAF, plus NCBI_Build values with their first line.

    Streams the file: GENIE MAFs run to gigabytes and only two columns are needed here.
    """
    samples: set[str] = set()
    builds: dict[str, int] = {}
    index: dict[str, int] | None = None
    for number, line in enumerate(iter_text_lines(path), start=1):
        if not line.strip() or (index is None and line.startswith("#")):
            continue
        cells = line.split("\t")
        if index is None:
            index = _header_index(cells)
            if "TUMOR_SAMPLE_BARCODE" not in index:
                raise InputError(
                    path,
                    "MAF header has no Tumor_Sample_Barcode column",
                    line=number,
                    expected="Tumor_Sample_Barcode",
                    found=line,
                )
            continue
        column = index["TUMOR_SAMPLE_BARCODE"]
        if column >= len(cells):
            raise InputError(path, "row shorter than the header", line=number, field="Tumor_Sample_Barcode")
        barcode = _clean(cells[column])
        if barcode:
            samples.add(barcode)
        build_column = index.get("NCBI_BUILD")
        if build_column is not None and build_column < len(cells):
            builds.setdefault(_clean(cells[build_column]), number)
    if index is None:
        raise InputError(path, "MAF has no header line", expected="a header with Tumor_Sample_Barcode")
    return samples, builds


def _scan_seg(path: Path) -> set[str]:
    """Sample IDs (first column) of a SEG file, whatever the header calls that column."""
    samples: set[str] = set()
    header_seen = False
    for number, line in enumerate(iter_text_lines(path), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not header_seen:
            header_seen = True
            if len(cells) < 4:
                raise InputError(
                    path,
                    "SEG header needs at least ID, chrom, loc.start, loc.end",
                    line=number,
                    expected="ID<TAB>chrom<TAB>loc.start<TAB>loc.end<TAB>num.mark<TAB>seg.mean",
                    found=line,
                )
            continue
        sample = _clean(cells[0])
        if sample:
            samples.add(sample)
    if not header_seen:
        raise InputError(path, "SEG file has no header line", expected="ID, chrom, loc.start, loc.end, ...")
    return samples


def _gistic_columns(path: Path) -> set[str]:
    """Sample columns of a discrete CNA table (everything but the gene columns)."""
    for line in iter_text_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        columns = [_clean(c) for c in line.split("\t")]
        gene_columns = {"HUGO_SYMBOL", "ENTREZ_GENE_ID", "CYTOBAND", "GENE SYMBOL", "GENE ID", "LOCUS ID"}
        if not gene_columns & {c.upper() for c in columns}:
            raise InputError(
                path, "discrete CNA header has no gene column", expected="Hugo_Symbol and/or Entrez_Gene_Id", found=line
            )
        return {c for c in columns if c and c.upper() not in gene_columns}
    raise InputError(path, "discrete CNA table has no header line", expected="Hugo_Symbol, then one column per sample")


# --------------------------------------------------------------------------- study reading


def _study_build(meta: _Meta, mapped: list[str], fatal: list[str]) -> str:
    value = meta.fields.get("reference_genome", "").strip()
    if not value:
        mapped.append(
            f"build: {meta.path.name} has no reference_genome; cBioPortal then uses its default hg19 -> GRCh37"
        )
        return "GRCh37"
    build = canonical_build(value)
    if build is None:
        fatal.append(
            f"{meta.path}: reference_genome '{value}' is not a human build mdm2screen supports (hg19/GRCh37, "
            "hg38/GRCh38)"
        )
        return ""
    mapped.append(f"build: reference_genome {value} in {meta.path.name} -> {build}")
    return build


def _outside(path: Path, folder: Path) -> Path | None:
    """Where ``path`` really is (links followed) when that is outside ``folder``; None when inside."""
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop
        return path
    return None if target.is_relative_to(folder.resolve()) else target


def _data_path(meta: _Meta, fatal: list[str]) -> Path | None:
    name = meta.fields.get("data_filename", "").strip()
    if not name:
        fatal.append(f"{meta.path}: no data_filename (expected the name of its data file)")
        return None
    path = meta.path.parent / name
    # Meta files sit in the study folder itself: their folder is the study folder.
    target = _outside(path, meta.path.parent)
    if target is not None:
        fatal.append(
            f"{meta.path}: data_filename '{name}' points outside the study folder ({target}); every data file "
            "must be inside the study folder"
        )
        return None
    if not path.is_file():
        fatal.append(f"{meta.path}: data_filename '{name}' names a file that does not exist ({path})")
        return None
    return path


def _read_case_lists(study: _Study, mapped: list[str], study_problems: list[str], fatal: list[str]) -> None:
    folder = study.folder / "case_lists"
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name.endswith("~"):
            continue
        target = _outside(path, study.folder)
        if target is not None:
            fatal.append(f"case list {path} points outside the study folder ({target})")
            continue
        try:
            fields = read_meta_file(path)
        except InputError as exc:
            study_problems.append(f"case list not read: {exc}")
            continue
        stable_id = fields.get("stable_id", "")
        category = fields.get("case_list_category", "").strip().lower()
        if stable_id.endswith("_sequenced") or category == "all_cases_with_mutation_data":
            ids = {_clean(x) for x in re.split(r"\s+", fields.get("case_list_ids", "")) if _clean(x)}
            study.sequenced = (study.sequenced or set()) | ids
            mapped.append(f"case list {path.name} ({stable_id}): {len(ids)} samples profiled for mutations")


def _read_gene_panels(study: _Study, matrix_path: Path | None, study_problems: list[str], fatal: list[str]) -> None:
    """Find gene panel files by their ``stable_id``, in the study folder and a ``gene_panels/`` subfolder."""
    candidates: list[Path] = []
    for folder in (study.folder, study.folder / "gene_panels"):
        if folder.is_dir():
            candidates += [
                p
                for p in sorted(folder.iterdir())
                if p.is_file()
                and "gene_panel" in p.name.lower()
                and not META_NAME.search(p.name)
                and p != matrix_path
                and not p.name.startswith(".")
            ]
    for path in candidates:
        target = _outside(path, study.folder)
        if target is not None:
            fatal.append(f"gene panel file {path} points outside the study folder ({target})")
            continue
        try:
            fields = read_meta_file(path)
        except InputError as exc:
            study_problems.append(f"gene panel file not read: {exc}")
            continue
        stable_id = fields.get("stable_id", "").strip()
        if not stable_id or "gene_list" not in fields:
            study_problems.append(f"{path}: not a gene panel file (needs stable_id and gene_list lines)")
            continue
        if stable_id in study.panels:
            study_problems.append(
                f"{path}: gene panel {stable_id} also defined in {study.panels[stable_id]}; the first is used"
            )
            continue
        genes = {g.strip().upper() for g in re.split(r"[\s,]+", fields["gene_list"]) if g.strip()}
        study.panels[stable_id] = path
        study.panel_has_tp53[stable_id] = bool(genes & TP53_IDS)


def _read_study(folder: Path) -> tuple[_Study, list[str], list[str]]:
    """Read every file the import needs; returns (study, mapped, study problems).

    Raises ConfigError with every fatal problem found.
    """
    mapped: list[str] = []
    study_problems: list[str] = []
    fatal: list[str] = []
    study = _Study(folder=folder)

    meta_paths = [
        p
        for p in sorted(folder.iterdir())
        if p.is_file() and META_NAME.search(p.name) and not p.name.startswith(".") and not p.name.endswith("~")
    ]
    if not meta_paths:
        raise ConfigError([f"{folder}: no meta files (meta_*.txt) found; not a cBioPortal study folder"])
    metas: list[_Meta] = []
    for path in meta_paths:
        target = _outside(path, folder)
        if target is not None:
            fatal.append(f"meta file {path} points outside the study folder ({target})")
            continue
        try:
            metas.append(_Meta(path, read_meta_file(path)))
        except InputError as exc:
            fatal.append(f"meta file unreadable: {exc}")

    study_metas = [m for m in metas if m.is_study()]
    if len(study_metas) != 1:
        found = ", ".join(m.path.name for m in study_metas) or "none"
        fatal.append(
            f"{folder}: expected exactly one meta_study file (type_of_cancer, cancer_study_identifier); found {found}"
        )
        raise ConfigError(fatal)
    study_meta = study_metas[0]
    study.study_id = study_meta.fields.get("cancer_study_identifier", "")
    mapped.append(f"study: {study.study_id} ('{study_meta.fields.get('name', '')}') in {folder}")
    study.build = _study_build(study_meta, mapped, fatal)

    by_kind: dict[tuple[str, str], list[_Meta]] = {}
    for meta in metas:
        if meta is study_meta:
            continue
        other_id = meta.fields.get("cancer_study_identifier")
        if other_id and other_id != study.study_id:
            study_problems.append(
                f"{meta.path.name}: cancer_study_identifier '{other_id}' differs from meta_study's '{study.study_id}'"
            )
        # Any data file a meta file names must exist: a half-copied study is not imported.
        if "data_filename" in meta.fields:
            _data_path(meta, fatal)
        if "genetic_alteration_type" in meta.fields:  # cancer type / resource meta files: nothing to import
            by_kind.setdefault(meta.kind, []).append(meta)

    def single(kind: tuple[str, str], label: str) -> _Meta | None:
        found = by_kind.get(kind, [])
        if len(found) > 1:
            fatal.append(
                f"more than one {label} meta file ({', '.join(m.path.name for m in found)}); cBioPortal "
                "loads one per study"
            )
            return None
        return found[0] if found else None

    sample_meta = single(("CLINICAL", "SAMPLE_ATTRIBUTES"), "clinical sample")
    patient_meta = single(("CLINICAL", "PATIENT_ATTRIBUTES"), "clinical patient")
    maf_meta = single(("MUTATION_EXTENDED", "MAF"), "mutation (MUTATION_EXTENDED/MAF)")
    seg_meta = single(("COPY_NUMBER_ALTERATION", "SEG"), "segment (COPY_NUMBER_ALTERATION/SEG)")
    matrix_meta = single(("GENE_PANEL_MATRIX", "GENE_PANEL_MATRIX"), "gene panel matrix")
    gistic_metas = by_kind.get(("COPY_NUMBER_ALTERATION", "DISCRETE"), [])
    if by_kind.get(("COPY_NUMBER_ALTERATION", "DISCRETE_LONG")):
        study_problems.append("discrete CNA in long format (DISCRETE_LONG) is not used for the GISTIC concordance")

    if not by_kind.get(("CLINICAL", "SAMPLE_ATTRIBUTES")):
        fatal.append(f"{folder}: no clinical sample meta file (CLINICAL/SAMPLE_ATTRIBUTES); cBioPortal requires one")
    if not by_kind.get(("MUTATION_EXTENDED", "MAF")) and not by_kind.get(("COPY_NUMBER_ALTERATION", "SEG")):
        fatal.append(f"{folder}: no mutation (MAF) and no segment (SEG) data: nothing mdm2screen can screen")

    if seg_meta is not None and study.build:
        genome_id = seg_meta.fields.get("reference_genome_id", "").strip()
        if not genome_id:
            study_problems.append(
                f"{seg_meta.path.name}: no reference_genome_id; assumed to be the study's {study.build}"
            )
        elif canonical_build(genome_id) != study.build:
            fatal.append(
                f"{seg_meta.path.name}: reference_genome_id '{genome_id}' disagrees with meta_study's "
                f"reference_genome ({study.build}); segment coordinates would be read in the wrong build"
            )

    if fatal:
        raise ConfigError(fatal)

    def load(what: str, reader: Callable[..., Any], *args: Any) -> Any:
        """Run a data-file reader; its InputError becomes one of the listed fatal problems."""
        try:
            return reader(*args)
        except InputError as exc:
            fatal.append(f"{what}: {exc}")
            return None

    assert sample_meta is not None  # checked above
    sample_path = _data_path(sample_meta, fatal)
    if sample_path is not None:
        study.sample_table = load(
            "clinical sample table", _read_table, sample_path, ("PATIENT_ID", "SAMPLE_ID"), "clinical sample table"
        )
    if patient_meta is not None and (patient_path := _data_path(patient_meta, fatal)) is not None:
        study.patient_table = load(
            "clinical patient table", _read_table, patient_path, ("PATIENT_ID",), "clinical patient table"
        )

    if maf_meta is not None and (maf_path := _data_path(maf_meta, fatal)) is not None:
        scanned = load("MAF", _scan_maf, maf_path)
        if scanned is not None:
            study.maf, study.maf_meta = maf_path, maf_meta
            study.maf_samples, builds = scanned
            for value, line in builds.items():
                if value and canonical_build(value) is not None and canonical_build(value) != study.build:
                    fatal.append(
                        f"{maf_path}, line {line}: NCBI_Build '{value}' disagrees with meta_study's "
                        f"reference_genome ({study.build})"
                    )
            mapped.append(
                f"mutations: {maf_path.name} (named by {maf_meta.path.name}) -> vcf, tumor_sample = "
                f"SAMPLE_ID; {len(study.maf_samples)} samples have rows"
            )
    if seg_meta is not None and (seg_path := _data_path(seg_meta, fatal)) is not None:
        samples = load("SEG", _scan_seg, seg_path)
        if samples is not None:
            study.seg, study.seg_samples = seg_path, samples
            mapped.append(
                f"copy number: {seg_path.name} (named by {seg_meta.path.name}) -> cn_file, cn_format = seg "
                f"(log2 ratio), cn_sample = SAMPLE_ID; {len(samples)} samples have segments"
            )
    if gistic_metas:
        chosen = next((m for m in gistic_metas if m.fields.get("stable_id") == "gistic"), gistic_metas[0])
        if len(gistic_metas) > 1:
            study_problems.append(
                f"{len(gistic_metas)} discrete CNA profiles; {chosen.path.name} used for the GISTIC concordance"
            )
        if (gistic_path := _data_path(chosen, fatal)) is not None:
            columns = load("discrete CNA table", _gistic_columns, gistic_path)
            if columns is not None:
                study.gistic, study.gistic_samples = gistic_path, columns
                mapped.append(
                    f"GISTIC: {gistic_path.name} (named by {chosen.path.name}) -> gistic_cna, used only "
                    f"for the concordance comparison; {len(columns)} sample columns"
                )

    matrix_path = None
    if matrix_meta is not None and (matrix_path := _data_path(matrix_meta, fatal)) is not None:
        matrix = load("gene panel matrix", _read_table, matrix_path, ("SAMPLE_ID",), "gene panel matrix")
        # The matrix has one column per profile, named by the profile's stable_id ("mutations" for the MAF).
        profile = (maf_meta.fields.get("stable_id", "").strip() if maf_meta is not None else "") or "mutations"
        if matrix is not None:
            if profile.upper() in matrix.columns:
                column = profile.upper()
                study.panel_matrix = {row["SAMPLE_ID"]: row[column] for _, row in matrix.rows if row["SAMPLE_ID"]}
                mapped.append(
                    f"gene panels: {matrix_path.name} column '{profile}' gives the panel of "
                    f"{len(study.panel_matrix)} samples"
                )
            else:
                study_problems.append(
                    f"{matrix_path.name}: no '{profile}' column; gene panels come from the "
                    "mutation meta file or the _sequenced case list"
                )
    _read_gene_panels(study, matrix_path, study_problems, fatal)
    if study.panels:
        mapped.append("gene panel files: " + ", ".join(f"{k} -> {v.name}" for k, v in sorted(study.panels.items())))
    _read_case_lists(study, mapped, study_problems, fatal)
    if fatal:
        raise ConfigError(fatal)
    return study, mapped, study_problems


# --------------------------------------------------------------------------- per-sample mapping


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _percent_columns(table: _Table | None, columns: tuple[str, ...]) -> set[str]:
    """Purity columns holding percentages: any value above 1 means the column is 0-100."""
    if table is None:
        return set()
    out = set()
    for column in columns:
        if column in table.columns:
            values = [_number(row[column]) for _, row in table.rows if not _is_null(row[column])]
            if any(v is not None and v > 1 for v in values):
                out.add(column)
    return out


@dataclass
class _Mapper:
    study: _Study
    sheet_dir: Path
    mapped: list[str]
    problems: dict[str, list[str]] = field(default_factory=dict)
    type_sources: dict[str, int] = field(default_factory=dict)
    purity_sources: dict[str, int] = field(default_factory=dict)
    ploidy_sources: dict[str, int] = field(default_factory=dict)
    wes_by_case_list: int = 0
    whole_by_matrix: dict[str, int] = field(default_factory=dict)
    profiled_without_rows: int = 0

    def problem(self, sample: str, text: str) -> None:
        self.problems.setdefault(sample, []).append(text)

    def rel(self, path: Path) -> str:
        """A path relative to the sheet's folder when possible (the sheet resolves it from there)."""
        try:
            return os.path.relpath(path.resolve(), self.sheet_dir)
        except ValueError:  # another drive on Windows
            return str(path.resolve())

    def tumor_type(self, sample_row: dict[str, str], patient_row: dict[str, str] | None) -> str:
        # Sample-level attributes first: a patient-level cancer type is the fallback.
        for row, table in ((sample_row, self.study.sample_table), (patient_row, self.study.patient_table)):
            if row is None or table is None:
                continue
            for column in TUMOR_TYPE_COLUMNS:
                if column in row and not _is_null(row[column]):
                    key = f"{column} ({table.path.name})"
                    self.type_sources[key] = self.type_sources.get(key, 0) + 1
                    return " ".join(row[column].split())  # no tabs/newlines from quoted cells
        return ""

    def purity(self, sample: str, row: dict[str, str], line: int, percent: set[str], table: _Table) -> str:
        for column in PURITY_COLUMNS:
            if column not in row or _is_null(row[column]):
                continue
            value = _number(row[column])
            where = f"{column} = {row[column]!r} ({table.path.name}, line {line})"
            if value is None:
                self.problem(sample, f"purity not used: {where} is not a number")
                return ""
            if column in percent:
                if 0 < value <= 1:
                    # In a percent column 0.8 could mean 0.8 % or a fraction typed by mistake.
                    self.problem(
                        sample, f"purity not used: {where} is ambiguous in a column holding percentages (0-100)"
                    )
                    return ""
                value = value / 100.0
            if not 0 < value <= 1:
                self.problem(sample, f"purity not used: {where} is outside 0-1 (or 0-100 %), or zero")
                return ""
            key = f"{column} ({table.path.name}{', percent scaled to 0-1' if column in percent else ''})"
            self.purity_sources[key] = self.purity_sources.get(key, 0) + 1
            return f"{value:.6g}"
        return ""

    def ploidy(self, sample: str, row: dict[str, str], line: int, table: _Table) -> str:
        for column in PLOIDY_COLUMNS:
            if column not in row or _is_null(row[column]):
                continue
            value = _number(row[column])
            if value is None or not 0 < value <= MAX_PLOIDY:
                self.problem(
                    sample,
                    f"ploidy not used: {column} = {row[column]!r} ({table.path.name}, line {line}) "
                    f"is not a number > 0 and <= {MAX_PLOIDY:g}",
                )
                return ""
            key = f"{column} ({table.path.name})"
            self.ploidy_sources[key] = self.ploidy_sources.get(key, 0) + 1
            return f"{value:.6g}"
        return ""

    def panel_value(self, sample: str, profiled_by: str) -> str:
        """The sheet's gene_panel for a sample profiled for mutations."""
        study = self.study
        raw = study.panel_matrix.get(sample) if study.panel_matrix is not None else None
        source = f"gene panel matrix value '{raw}'"
        if _is_null(raw):
            # The meta file's gene_panel property covers every sample of the mutation profile.
            raw = study.maf_meta.fields.get("gene_panel", "").strip() or None if study.maf_meta is not None else None
            source = f"gene_panel '{raw}' in the mutation meta file"
        if raw is not None:
            if raw.upper() in WHOLE_EXOME | WHOLE_GENOME:
                value = "WES" if raw.upper() in WHOLE_EXOME else "WGS"
                key = f"{raw} ({'gene panel matrix' if source.startswith('gene panel matrix') else 'meta gene_panel'})"
                self.whole_by_matrix[f"{key} -> {value}"] = self.whole_by_matrix.get(f"{key} -> {value}", 0) + 1
                return value
            path = study.panels.get(raw)
            if path is None:
                self.problem(
                    sample,
                    f"{source}: no gene panel file with stable_id '{raw}' in the study folder; "
                    "TP53 assessability unknown (gene_panel left empty)",
                )
                return ""
            if not study.panel_has_tp53.get(raw, False):
                self.problem(
                    sample,
                    f"gene panel {raw} ({path.name}) does not list TP53: TP53 was not sequenced "
                    "and cannot be called wild type",
                )
            return self.rel(path)
        if study.sequenced is not None and sample in study.sequenced:
            self.wes_by_case_list += 1
            return "WES"
        self.problem(
            sample,
            f"{profiled_by}, but no gene panel matrix entry, mutation meta gene_panel or _sequenced "
            "case list says which genes were sequenced: TP53 assessability unknown "
            "(gene_panel left empty)",
        )
        return ""

    def profiled(self, sample: str) -> bool:
        """Profiled for mutations even if no mutation was called (cBioPortal semantics)."""
        study = self.study
        if study.panel_matrix is not None and not _is_null(study.panel_matrix.get(sample)):
            return True
        return study.sequenced is not None and sample in study.sequenced


def _row_for(
    mapper: _Mapper,
    line: int,
    row: dict[str, str],
    patients: dict[str, dict[str, str]],
    samples_per_patient: dict[str, int],
    percent: dict[str, set[str]],
) -> dict[str, str] | None:
    study = mapper.study
    sample, patient = row["SAMPLE_ID"], row["PATIENT_ID"]
    table = study.sample_table
    assert table is not None
    bad = [
        f"{name} {value!r}"
        for name, value in (("SAMPLE_ID", sample), ("PATIENT_ID", patient))
        if not is_valid_id(value)
    ]
    if bad:
        mapper.problem(
            sample,
            f"{' and '.join(bad)} ({table.path.name}, line {line}) not a valid ID "
            f"({ID_PATTERN_TEXT}); IDs are never rewritten, sample skipped",
        )
        return None

    in_maf = study.maf is not None and sample in study.maf_samples
    has_mut = study.maf is not None and (in_maf or mapper.profiled(sample))
    has_cn = study.seg is not None and sample in study.seg_samples
    if not has_mut and not has_cn:
        mapper.problem(sample, "no mutation and no copy-number data in the study: nothing to screen, sample skipped")
        return None

    out = dict.fromkeys(SHEET_COLUMNS, "")
    out.update(patient_id=patient, sample_id=sample, build=study.build)
    if has_cn:
        assert study.seg is not None
        out.update(cn_file=mapper.rel(study.seg), cn_format="seg", cn_sample=sample)
    else:
        where = f"not in {study.seg.name}" if study.seg is not None else "the study has no SEG data"
        mapper.problem(sample, f"no copy number ({where}): cn_file left empty, MDM2/CDK4 cannot be assessed")
    if has_mut:
        assert study.maf is not None
        out.update(vcf=mapper.rel(study.maf), tumor_sample=sample)
        if not in_maf:
            mapper.profiled_without_rows += 1
        profiled_by = "has rows in the MAF" if in_maf else "listed as profiled"
        out["gene_panel"] = mapper.panel_value(sample, f"{sample} {profiled_by}")
        # The study says it was profiled: no MAF rows for it means no mutation called.
        out["variants_profiled"] = "yes" if mapper.profiled(sample) else ""
    else:
        where = (
            f"no rows in {study.maf.name} and not listed as profiled for mutations"
            if study.maf is not None
            else "the study has no MAF"
        )
        mapper.problem(sample, f"no mutation data ({where}): vcf left empty, TP53 cannot be assessed")
    if study.gistic is not None and sample in study.gistic_samples:
        out["gistic_cna"] = mapper.rel(study.gistic)

    patient_row = patients.get(patient)
    out["tumor_type"] = mapper.tumor_type(row, patient_row)
    out["purity"] = mapper.purity(sample, row, line, percent["sample"], table)
    out["ploidy"] = mapper.ploidy(sample, row, line, table)
    ptable = study.patient_table
    if patient_row is not None and ptable is not None and (not out["purity"] or not out["ploidy"]):
        # Patient-level purity/ploidy describe a tumour only when the patient has a single sample.
        stated = [c for c in PURITY_COLUMNS + PLOIDY_COLUMNS if c in patient_row and not _is_null(patient_row[c])]
        if stated and samples_per_patient.get(patient, 0) != 1:
            mapper.problem(
                sample,
                f"{', '.join(stated)} given per patient in {ptable.path.name} but patient {patient} "
                f"has {samples_per_patient.get(patient, 0)} samples: not used",
            )
        elif stated:
            pline = next((n for n, r in ptable.rows if r is patient_row), 0)
            if not out["purity"]:
                out["purity"] = mapper.purity(sample, patient_row, pline, percent["patient"], ptable)
            if not out["ploidy"]:
                out["ploidy"] = mapper.ploidy(sample, patient_row, pline, ptable)
    return out


def _unknown_data_samples(mapper: _Mapper, clinical_ids: set[str]) -> None:
    """Samples in the MAF or SEG file that the clinical table does not define: reported, skipped."""
    study = mapper.study
    for label, path, ids in (("MAF", study.maf, study.maf_samples), ("SEG", study.seg, study.seg_samples)):
        if path is None:
            continue
        for sample in sorted(ids - clinical_ids):
            hint = ""
            # A TCGA-style aliquot barcode extends its sample id (TCGA-06-0140-01 -> TCGA-06-0140-01A-01D-...).
            prefix = next((sample[:i] for i in range(len(sample) - 1, 0, -1) if sample[:i] in clinical_ids), None)
            if prefix:
                hint = (
                    f" (it starts with clinical sample {prefix}: an aliquot barcode? cBioPortal requires the exact "
                    "SAMPLE_ID; fix the data file, mdm2screen does not guess)"
                )
            mapper.problem(
                sample,
                f"has {label} data in {path.name} but is not in the clinical sample table: a "
                f"sample without clinical identity cannot be screened, skipped{hint}",
            )


def import_study(study_dir: str | Path, out_sheet: str | Path) -> ImportResult:
    """Write an mdm2screen sample sheet for a cBioPortal study folder.

    Raises ConfigError listing every problem at once when the study cannot be imported at all
    (no meta_study, a data file a meta file names is missing, builds disagree, no MAF and no
    SEG, no sample could be mapped). Per-sample gaps are returned in ``problems``.
    """
    folder = Path(study_dir)
    if not folder.is_dir():
        raise ConfigError([f"{folder}: not a folder (expected a cBioPortal study folder with meta_*.txt files)"])
    sheet = Path(out_sheet).expanduser().resolve()
    study, mapped, study_problems = _read_study(folder)
    assert study.sample_table is not None

    mapper = _Mapper(study, sheet.parent, mapped)
    table = study.sample_table
    patients: dict[str, dict[str, str]] = {}
    if study.patient_table is not None:
        for _, prow in study.patient_table.rows:
            patients.setdefault(prow["PATIENT_ID"], prow)
    samples_per_patient: dict[str, int] = {}
    first_line: dict[str, tuple[int, str]] = {}
    for line, row in table.rows:
        sample = row["SAMPLE_ID"]
        if not sample:
            study_problems.append(f"{table.path.name}, line {line}: empty SAMPLE_ID; row ignored")
            continue
        if sample in first_line:
            earlier, earlier_patient = first_line[sample]
            if earlier_patient != row["PATIENT_ID"]:
                mapper.problem(
                    sample,
                    f"{table.path.name} lines {earlier} and {line} give different patients "
                    f"({earlier_patient}, {row['PATIENT_ID']}): identity ambiguous, sample skipped",
                )
            else:
                study_problems.append(f"{table.path.name}, line {line}: repeats sample {sample}; line {earlier} used")
            continue
        first_line[sample] = (line, row["PATIENT_ID"])
        samples_per_patient[row["PATIENT_ID"]] = samples_per_patient.get(row["PATIENT_ID"], 0) + 1
    ambiguous = {s for s, texts in mapper.problems.items() if any("identity ambiguous" in t for t in texts)}
    percent = {
        "sample": _percent_columns(table, PURITY_COLUMNS),
        "patient": _percent_columns(study.patient_table, PURITY_COLUMNS),
    }

    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for line, row in table.rows:
        sample = row["SAMPLE_ID"]
        if not sample or sample in seen or sample in ambiguous:
            continue
        seen.add(sample)
        out = _row_for(mapper, line, row, patients, samples_per_patient, percent)
        if out is not None:
            rows.append(out)
    _unknown_data_samples(mapper, set(first_line))

    for label, count in sorted(mapper.whole_by_matrix.items()):
        mapped.append(f"gene_panel: {label} for {count} sample(s) (every gene sequenced)")
    if mapper.wes_by_case_list:
        mapped.append(
            f"gene_panel: {mapper.wes_by_case_list} samples are in the _sequenced case list without a gene "
            "panel; cBioPortal treats a sample profiled without a panel as whole exome (every gene "
            "sequenced), written as WES"
        )
    if mapper.profiled_without_rows:
        mapped.append(
            f"vcf: {mapper.profiled_without_rows} samples are profiled for mutations but have no MAF rows "
            "(no mutation called); their vcf is still the MAF"
        )
    for label, sources in (
        ("tumor_type", mapper.type_sources),
        ("purity", mapper.purity_sources),
        ("ploidy", mapper.ploidy_sources),
    ):
        for source, count in sorted(sources.items()):
            mapped.append(f"{label}: {source} for {count} sample(s)")
    if not mapper.purity_sources:
        mapped.append("purity/ploidy: not stated in the clinical tables; left empty (never estimated)")

    if not rows:
        details = [f"{s}: {'; '.join(t)}" for s, t in sorted(mapper.problems.items())][:50]
        raise ConfigError([f"{folder}: no sample could be mapped to a sample-sheet row"] + details)

    buffer = io.StringIO()
    buffer.write(f"# mdm2screen sample sheet imported from cBioPortal study {study.study_id} ({folder.resolve()})\n")
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(SHEET_COLUMNS)
    writer.writerows([row[c] for c in SHEET_COLUMNS] for row in rows)
    atomic_write(sheet, buffer.getvalue())
    mapped.append(f"sheet: {len(rows)} rows written to {sheet}")
    return ImportResult(sheet, len(rows), mapped, mapper.problems, study_problems)
