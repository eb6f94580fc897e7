"""The copy-number caller's own purity, ploidy, QC status and version, from the files it writes beside
its copy numbers (the "sidecars").

A sidecar is found only by the caller's own naming convention, next to the copy-number file as
the sample sheet names it (no search, no other folder), and only when the file's format is that
caller's: a renamed file, or a PURPLE-named file read as another format, gets none. Values come
from the sidecar's content, never from a file name (ACEseq puts purity and ploidy into its file
name; that is not read, see ``aceseq.py``).

Conventions, each checked against the tool's own writer:

* **PURPLE** (hartwigmedical/hmftools ``purple/README.md`` "Purity Files";
  ``hmf-common/.../purple/PurplePurity.java`` and ``PurpleQCFile.java``, snapshot f292edd5):
  beside ``<tumor>.purple.cnv.somatic.tsv`` / ``<tumor>.purple.cnv.gene.tsv`` (older releases
  ``<tumor>.purple.cnv``; umccr pipelines drop ``<tumor>.``) PURPLE writes

  - ``<tumor>.purple.purity.tsv``: a header and one row; ``purity``, ``ploidy``, ``status`` (the
    fit method: NORMAL, HIGHLY_DIPLOID, SOMATIC or NO_TUMOR; PURPLE sets purity to its minimum
    0.08 when it finds no tumour) and, in older releases (2.39 in gpgr), ``version``;
  - ``<tumor>.purple.qc``: ``key<TAB>value`` lines; ``QCStatus`` (PASS, or comma-separated
    WARN_*/FAIL_*: FAIL_NO_TUMOR, FAIL_CONTAMINATION, FAIL_TINC), ``Method``, ``Purity`` (older
    releases: ``Ploidy``);
  - ``purple.version`` in the output folder: ``version=`` and ``build.date=``
    (``VersionInfo.write``).

  Real examples: hmftools ``orange/src/test/resources/test_run/purple/`` and umccr/gpgr
  ``inst/extdata/purple/`` (whose ``purple.qc`` states purity 0.86 against the purity file's
  0.75: files of two runs, which is exactly what a disagreement check is for).
* **Sequenza** (cran/sequenza ``R/workflows.R``, ``sequenza.results()``): beside
  ``<sample>_segments.txt``, ``<sample>_confints_CP.txt`` is written with ``write.table(res.tab,
  col.names = TRUE, row.names = FALSE, sep = "\\t")`` (quoted header in 2.x, unquoted in 3.x):
  columns ``cellularity ploidy.estimate ploidy.mean.cn`` and three rows, the lower confidence
  bound, the point estimate (``max.cellularity``/``max.ploidy``, the values Sequenza used for its
  copy numbers) and the upper bound. The middle row is used; rows out of that order are refused.
  ``<sample>_sequenza_log.txt`` holds ``Sequenza version: x``.
* **FACETS** (mskcc/facets-suite ``inst/Rscript/run-facets-wrapper.R`` and the legacy
  ``doFacets.R``): each run writes ``<prefix>.out`` beside ``<prefix>.cncf.txt``
  (``<prefix>`` = ``<sample>``, or ``<sample>_purity`` / ``<sample>_hisens`` in two-pass mode)
  with ``Purity = x``, ``Ploidy = y`` and ``Facets version = z`` lines (legacy: prefixed ``# ``;
  ``NA`` when FACETS did not fit). The older top-level ``run-facets-wrapper.R`` writes
  ``<sample>.txt`` instead: columns ``sample purity ploidy ... facets_version``, one row, or two
  in two-pass mode (purity pass first, then hisens), matched to the ``.cncf.txt`` read.
* **ASCAT** (nf-core/modules ``modules/nf-core/ascat/main.nf``, used by nf-core/sarek): beside
  ``<prefix>.segments.txt``, ``<prefix>.purityploidy.txt`` with columns
  ``AberrantCellFraction Ploidy`` (the wrapper writes ``0 0`` when ASCAT found no solution:
  refused) and ``<prefix>.metrics.txt`` (``ascat.metrics()``: ``purity``, ``ploidy`` columns,
  ``NA`` without a solution).

A value is used only when it is a finite number, purity in [``min_plausible_purity``, 1] and
ploidy in (0, :data:`mdm2screen.sheet.MAX_PLOIDY`] (the sample sheet's own limits); several
statements of one value (two sidecars, or a sidecar and the copy-number file itself) must agree
at the precision the coarser of them is written with; files that disagree may come from two runs,
so then none of the caller's values is used (``evidence.py``). A caller QC failure (PURPLE
FAIL_* or fit method NO_TUMOR) is reported, never silently passed over: the evidence layer makes
the sample's copy numbers not assessable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from ..errors import InputError
from ..fileio import open_input, read_text, split_tsv_line
from ..model import Reason
from ..sheet import MAX_PLOIDY
from ..variants.headers import FileSoftware, ToolRecord, clean, vcf_header_software

Kind = Literal["purity", "ploidy"]
MAX_SIDECAR_BYTES = 1024 * 1024  # sidecars are a few hundred bytes; anything this large is not one
MISSING = frozenset({"", "na", "nan", "null", "none", "."})

PURPLE_FORMATS = ("purple_somatic", "purple_gene")
_PURPLE_NAME = re.compile(r"^(?P<prefix>(?:.+\.)?)purple\.cnv(?:\.somatic\.tsv|\.gene\.tsv)?$")
_SEQUENZA_NAME = re.compile(r"^(?P<sample>.+)_segments\.txt$")
_FACETS_NAME = re.compile(r"^(?P<prefix>(?P<sample>.+?)(?P<pass>_purity|_hisens)?)\.cncf\.txt$")
_ASCAT_NAME = re.compile(r"^(?P<prefix>.+)\.segments\.txt$")
_FACETS_LINE = re.compile(r"^#?\s*(Purity|Ploidy|Facets version)\s*=\s*(.*?)\s*$")


@dataclass(frozen=True)
class StatedValue:
    """One purity or ploidy statement: the number, its text as written, and where it was read."""

    kind: Kind
    value: float
    text: str
    file: str
    where: str  # "line 2, column 'purity'"

    @property
    def decimals(self) -> int:
        try:
            exponent = Decimal(self.text).as_tuple().exponent
        except InvalidOperation:
            return 15
        return max(0, -exponent) if isinstance(exponent, int) else 15

    def describe(self) -> str:
        return f"{self.text} ({Path(self.file).name} {self.where})"


@dataclass
class CallerPurity:
    """What the caller's sidecars say: every usable statement, its QC status, what was refused and why."""

    caller: str  # "PURPLE", "Sequenza", "FACETS", "ASCAT"
    files: list[str] = field(default_factory=list)  # sidecars read (also those with a problem)
    purity: list[StatedValue] = field(default_factory=list)
    ploidy: list[StatedValue] = field(default_factory=list)
    qc_status: str | None = None
    qc_failed: bool = False
    problems: list[Reason] = field(default_factory=list)  # values refused, sidecars unreadable, fits failed
    software: FileSoftware | None = None

    def stated(self, kind: Kind) -> list[StatedValue]:
        return self.purity if kind == "purity" else self.ploidy


def same_value(a: StatedValue, b: StatedValue) -> bool:
    """Whether two statements agree at the precision of the coarser text (facets-suite writes 2
    significant digits in one file and full precision in another; PURPLE writes 4 decimals)."""
    places = Decimal(1).scaleb(-min(a.decimals, b.decimals))
    try:
        return Decimal(a.text).quantize(places, ROUND_HALF_UP) == Decimal(b.text).quantize(places, ROUND_HALF_UP)
    except InvalidOperation:
        return a.value == b.value


def agreed(values: Sequence[StatedValue]) -> tuple[StatedValue | None, Reason | None]:
    """The statement to use among several of one value: all must agree (:func:`same_value`); the most
    precise is used. Disagreement: none, with the reason."""
    if not values:
        return None, None
    best = max(values, key=lambda v: v.decimals)
    if all(same_value(v, best) for v in values):
        return best, None
    listed = "; ".join(x.describe() for x in values)
    return None, Reason(
        f"caller_{best.kind}_conflict",
        f"the copy-number caller's files state different {best.kind} values ({listed}): they cannot all "
        "come from the run that made the copy numbers, so none of the caller's values is used; state purity "
        "and ploidy in the sample sheet or keep only the run's own files beside the copy-number file",
    )


# --------------------------------------------------------------------------- values


class _Reader:
    """Collects statements and problems for one copy-number file's sidecars."""

    def __init__(self, caller: str, min_plausible_purity: float, max_ploidy: float) -> None:
        self.result = CallerPurity(caller)
        self.min_purity = min_plausible_purity
        self.max_ploidy = max_ploidy
        self.software = FileSoftware("")
        self.result.software = self.software

    def problem(self, code: str, message: str) -> None:
        self.result.problems.append(Reason(code, message))

    def lines(self, path: Path) -> list[str] | None:
        """The sidecar's lines, or None (and a problem) when it cannot be read."""
        self.result.files.append(str(path))
        try:
            text = read_text(
                path, code="cn_sidecar_missing", max_bytes=MAX_SIDECAR_BYTES, too_large_code="cn_too_large"
            )
        except InputError as exc:
            self.problem("caller_file_unreadable", f"{self.result.caller} file beside the copy numbers not used: {exc}")
            return None
        return list(text)

    def value(self, kind: Kind, text: str, path: Path, where: str) -> None:
        """Validate one statement (see the module docstring) and keep it, or record why not."""
        raw = text.strip().strip('"')
        name = f"{self.result.caller} {kind} {raw!r} ({path.name} {where})"
        if raw.lower() in MISSING:
            self.problem(
                f"caller_{kind}_not_estimated",
                f"{name}: the caller did not estimate it (missing value); its {kind} is unknown",
            )
            return
        try:
            number = float(raw)
        except ValueError:
            self.problem(f"caller_{kind}_rejected", f"{name} is not a number; not used")
            return
        if not math.isfinite(number):
            self.problem(f"caller_{kind}_rejected", f"{name} is not a finite number; not used")
            return
        if kind == "purity" and not self.min_purity <= number <= 1.0:
            self.problem(
                "caller_purity_rejected",
                f"{name} is outside the plausible range {self.min_purity:g}-1 "
                "(copy_number.min_plausible_purity to a pure tumour); not used",
            )
            return
        if kind == "ploidy" and not 0.0 < number <= self.max_ploidy:
            self.problem(
                "caller_ploidy_rejected",
                f"{name} is outside the plausible range above 0 and up to {self.max_ploidy:g} "
                "(the sample sheet's limit); not used",
            )
            return
        self.result.stated(kind).append(StatedValue(kind, number, raw, str(path), where))

    def version(self, record: ToolRecord) -> None:
        self.software.add(record)


def _table(reader: _Reader, path: Path, lines: list[str]) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """Header (lower-case, unquoted) and data rows (line number, fields) of a small tab-separated table."""
    body = [(i, line) for i, line in enumerate(lines, start=1) if line.strip()]
    if not body:
        reader.problem("caller_file_unreadable", f"{reader.result.caller} file {path} is empty; not used")
        return None
    header = [c.strip().strip('"').lower() for c in split_tsv_line(body[0][1])]
    rows = [(i, [f.strip() for f in split_tsv_line(line)]) for i, line in body[1:]]
    for i, fields in rows:
        if len(fields) != len(header):
            reader.problem(
                "caller_file_unreadable",
                f"{reader.result.caller} file {path}, line {i}: {len(fields)} fields under a header of "
                f"{len(header)}; not used",
            )
            return None
    return header, rows


def _columns(reader: _Reader, path: Path, header: list[str], *names: str) -> list[int] | None:
    missing = [n for n in names if n.lower() not in header]
    if missing:
        reader.problem(
            "caller_file_unreadable",
            f"{reader.result.caller} file {path} has no column {', '.join(repr(m) for m in missing)}; not used",
        )
        return None
    return [header.index(n.lower()) for n in names]


def _single_row(
    reader: _Reader, path: Path, *names: str, rows_are: str = "rows"
) -> tuple[list[str], int, list[str], list[int]] | None:
    """The one data row of a small table with the columns ``names``: (header, its line, its fields, the
    columns' indexes). None when the file is absent or unusable (the problem is noted)."""
    if not path.exists() or (lines := reader.lines(path)) is None:
        return None
    table = _table(reader, path, lines)
    if table is None:
        return None
    header, rows = table
    cols = _columns(reader, path, header, *names)
    if cols is None:
        return None
    if len(rows) != 1:
        reader.problem(
            "caller_file_unreadable",
            f"{reader.result.caller} file {path} has {len(rows)} {rows_are}, not one; not used",
        )
        return None
    at, fields = rows[0]
    return header, at, fields, cols


# --------------------------------------------------------------------------- PURPLE


def _purple(cn: Path, reader: _Reader) -> None:
    m = _PURPLE_NAME.match(cn.name)
    assert m is not None
    prefix = m.group("prefix")
    purity_file = cn.with_name(f"{prefix}purple.purity.tsv")
    if (row := _single_row(reader, purity_file, "purity", "ploidy")) is not None:
        header, at, fields, cols = row
        reader.value("purity", fields[cols[0]], purity_file, f"line {at}, column 'purity'")
        reader.value("ploidy", fields[cols[1]], purity_file, f"line {at}, column 'ploidy'")
        if "status" in header:
            method = fields[header.index("status")]
            if method == "NO_TUMOR":
                _qc(reader, "NO_TUMOR", f"{purity_file.name} fit method (column 'status')")
        if "version" in header and fields[header.index("version")]:
            reader.version(
                ToolRecord("PURPLE", clean(fields[header.index("version")]), f"{purity_file.name} column 'version'")
            )
    qc_file = cn.with_name(f"{prefix}purple.qc")
    if qc_file.exists() and (lines := reader.lines(qc_file)) is not None:
        for i, line in enumerate(lines, start=1):
            key, _, value = line.partition("\t")
            value = value.strip()
            if key == "QCStatus":
                _qc(reader, value, f"{qc_file.name} QCStatus")
            elif key == "Method" and value == "NO_TUMOR":
                _qc(reader, "NO_TUMOR", f"{qc_file.name} Method")
            elif key == "Purity":
                reader.value("purity", value, qc_file, f"line {i}, {key}")
            elif key == "Ploidy":
                reader.value("ploidy", value, qc_file, f"line {i}, {key}")
    version_file = cn.with_name("purple.version")
    if version_file.exists() and (lines := reader.lines(version_file)) is not None:
        found = dict(line.split("=", 1) for line in lines if "=" in line)
        if found.get("version"):
            date = clean(found.get("build.date"))
            reader.version(
                ToolRecord("PURPLE", clean(found["version"]), "purple.version", f"build date {date}" if date else None)
            )


def _qc(reader: _Reader, status: str, where: str) -> None:
    """PURPLE's QC status: FAIL_* (or no tumour found) fails the copy numbers; WARN_* is noted."""
    statuses = [s.strip() for s in status.split(",") if s.strip()]
    shown = clean(",".join(statuses), 120) or "?"
    failed = [s for s in statuses if s.startswith("FAIL") or s == "NO_TUMOR"]
    result = reader.result
    result.qc_status = shown if result.qc_status is None else f"{result.qc_status}; {shown}"
    if failed:
        result.qc_failed = True
        why = (
            "PURPLE found no tumour in the sample"
            if any(s in ("FAIL_NO_TUMOR", "NO_TUMOR") for s in failed)
            else "PURPLE's quality control failed"
        )
        reader.problem(
            "caller_qc_failed",
            f"{why} ({', '.join(clean(s, 60) or '?' for s in failed)} in {where}): its copy numbers and purity are "
            "not evidence; review the PURPLE run or sequence again",
        )
    warnings = [s for s in statuses if s.startswith("WARN")]
    if warnings:
        reader.problem(
            "caller_qc_warning",
            f"PURPLE quality control warning ({', '.join(clean(s, 60) or '?' for s in warnings)} in {where})",
        )


# --------------------------------------------------------------------------- Sequenza


def _sequenza(cn: Path, reader: _Reader) -> None:
    m = _SEQUENZA_NAME.match(cn.name)
    assert m is not None
    sample = m.group("sample")
    cint = cn.with_name(f"{sample}_confints_CP.txt")
    if cint.exists() and (lines := reader.lines(cint)) is not None:
        table = _table(reader, cint, lines)
        if table is not None:
            header, rows = table
            cols = _columns(reader, cint, header, "cellularity", "ploidy.estimate")
            if cols is not None and len(rows) != 3:
                reader.problem(
                    "caller_file_unreadable",
                    f"Sequenza file {cint} has {len(rows)} rows, not three (lower bound, estimate, upper bound); not used",
                )
            elif cols is not None:
                kinds: tuple[Kind, Kind] = ("purity", "ploidy")
                for kind, col in zip(kinds, cols, strict=True):
                    texts = [fields[col].strip('"') for _, fields in rows]
                    try:
                        lo, point, hi = (float(t) for t in texts)
                        ordered = lo <= point <= hi
                    except ValueError:
                        ordered = True  # the value check below names the bad number
                    if not ordered:
                        reader.problem(
                            f"caller_{kind}_rejected",
                            f"Sequenza file {cint}, column {header[col]!r}: rows are not lower bound <= estimate <= "
                            f"upper bound ({', '.join(texts)}); not used",
                        )
                        continue
                    reader.value(kind, texts[1], cint, f"line {rows[1][0]}, column {header[col]!r} (point estimate)")
    log = cn.with_name(f"{sample}_sequenza_log.txt")
    if log.exists() and (lines := reader.lines(log)) is not None:
        for line in lines:
            if line.startswith("Sequenza version:"):
                reader.version(ToolRecord("Sequenza", clean(line.split(":", 1)[1]), log.name))


# --------------------------------------------------------------------------- FACETS


def _facets(cn: Path, reader: _Reader) -> None:
    m = _FACETS_NAME.match(cn.name)
    assert m is not None
    out = cn.with_name(f"{m.group('prefix')}.out")
    if out.exists() and (lines := reader.lines(out)) is not None:
        for i, line in enumerate(lines, start=1):
            found = _FACETS_LINE.match(line)
            if found is None:
                continue
            key, value = found.groups()
            if key == "Facets version":
                reader.version(ToolRecord("FACETS", clean(value), out.name))
            else:
                reader.value("purity" if key == "Purity" else "ploidy", value, out, f"line {i}, {key}")
    summary = cn.with_name(f"{m.group('sample')}.txt")
    if summary.exists() and _is_facets_summary(summary) and (lines := reader.lines(summary)) is not None:
        table = _table(reader, summary, lines)
        if table is None:
            return
        header, rows = table
        cols = _columns(reader, summary, header, "purity", "ploidy")
        if cols is None:
            return
        if len(rows) == 1:
            chosen = rows[0]
        elif len(rows) == 2 and m.group("pass"):
            chosen = rows[0] if m.group("pass") == "_purity" else rows[1]
        else:
            reader.problem(
                "caller_file_unreadable",
                f"FACETS file {summary} has {len(rows)} rows and the copy-number file is not one of the two "
                "passes (_purity / _hisens) they describe; not used",
            )
            return
        at, fields = chosen
        reader.value("purity", fields[cols[0]], summary, f"line {at}, column 'purity'")
        reader.value("ploidy", fields[cols[1]], summary, f"line {at}, column 'ploidy'")
        version = fields[header.index("facets_version")]
        if version:
            reader.version(ToolRecord("FACETS", clean(version), f"{summary.name} column 'facets_version'"))


def _is_facets_summary(path: Path) -> bool:
    """Whether ``<sample>.txt`` is facets-suite's run summary (its header names ``facets_version``): any
    other ``<sample>.txt`` in the folder is none of FACETS' business and is not read."""
    try:
        with open_input(path) as handle:  # a FIFO or device is refused, never opened for reading
            first = handle.readline(65536).decode("utf-8", "replace")
    except (InputError, OSError):
        return False
    return "facets_version" in [c.strip().strip('"') for c in first.rstrip("\r\n").split("\t")]


# --------------------------------------------------------------------------- ASCAT


def _ascat(cn: Path, reader: _Reader) -> None:
    m = _ASCAT_NAME.match(cn.name)
    assert m is not None
    prefix = m.group("prefix")
    pp = cn.with_name(f"{prefix}.purityploidy.txt")
    if (row := _single_row(reader, pp, "AberrantCellFraction", "Ploidy")) is not None:
        _, at, fields, cols = row
        purity, ploidy = fields[cols[0]], fields[cols[1]]
        if _is_zero(purity) and _is_zero(ploidy):
            reader.problem(
                "caller_purity_not_estimated",
                f"ASCAT found no solution ({pp.name} line {at}: 0 and 0, what the nf-core ASCAT module "
                "writes then); purity and ploidy unknown",
            )
        else:
            reader.value("purity", purity, pp, f"line {at}, column 'AberrantCellFraction'")
            reader.value("ploidy", ploidy, pp, f"line {at}, column 'Ploidy'")
    metrics = cn.with_name(f"{prefix}.metrics.txt")
    if (row := _single_row(reader, metrics, "purity", "ploidy", rows_are="rows (samples)")) is not None:
        _, at, fields, cols = row
        reader.value("purity", fields[cols[0]], metrics, f"line {at}, column 'purity'")
        reader.value("ploidy", fields[cols[1]], metrics, f"line {at}, column 'ploidy'")


def _is_zero(text: str) -> bool:
    try:
        return float(text) == 0.0
    except ValueError:
        return False


# --------------------------------------------------------------------------- entry points

# caller name, copy-number formats it writes, file-name pattern, sidecar reader
_CALLERS: tuple[tuple[str, tuple[str, ...], re.Pattern[str], Callable[[Path, _Reader], None]], ...] = (
    ("PURPLE", PURPLE_FORMATS, _PURPLE_NAME, _purple),
    ("Sequenza", ("sequenza",), _SEQUENZA_NAME, _sequenza),
    ("FACETS", ("facets",), _FACETS_NAME, _facets),
    ("ASCAT", ("ascat",), _ASCAT_NAME, _ascat),
)


def caller_of(cn_file: str | Path, cn_format: str) -> str | None:
    """The caller whose naming convention and format the copy-number file has, or None."""
    name = Path(cn_file).name
    for caller, formats, pattern, _ in _CALLERS:
        if cn_format in formats and pattern.match(name):
            return caller
    return None


def find_caller_purity(
    cn_file: str | Path, cn_format: str, *, min_plausible_purity: float, max_ploidy: float = MAX_PLOIDY
) -> CallerPurity | None:
    """Read the caller's sidecars beside ``cn_file`` (see the module docstring).

    None when the file is no caller's by name and format, or no sidecar of its caller exists.
    Never raises for a sidecar: each problem is a :class:`Reason` in ``problems``.
    """
    cn = Path(cn_file)
    for caller, formats, pattern, read in _CALLERS:
        if cn_format in formats and pattern.match(cn.name):
            reader = _Reader(caller, min_plausible_purity, max_ploidy)
            read(cn, reader)
            result = reader.result
            if not result.files:
                return None
            reader.software.path = ", ".join(result.files)
            return result
    return None


def cn_file_software(cn_file: str | Path, cn_format: str) -> FileSoftware | None:
    """Versions a copy-number file states itself: a DRAGEN CNV VCF's header, GATK ``@PG`` lines.

    CNVkit, PURPLE, ASCAT, FACETS, Sequenza and ACEseq tables state none (their sidecars may:
    :func:`find_caller_purity`). Never raises: a problem becomes a note.
    """
    path = Path(cn_file)
    try:
        if cn_format == "dragen_vcf":
            return vcf_header_software(path)
        if cn_format == "gatk_seg":
            return _sam_program_lines(path)
    except InputError as exc:
        return FileSoftware(str(path), notes=[f"header not read: {exc.detail}"])
    except OSError as exc:
        return FileSoftware(str(path), notes=[f"header not read: {exc.strerror or exc}"])
    return None


def _sam_program_lines(path: Path) -> FileSoftware | None:
    """``@PG`` lines of a GATK CNV table's SAM-style header (SAM specification 1.3: ID, PN, VN, CL)."""
    software = FileSoftware(str(path))
    size = 0
    with open_input(path) as handle:
        for raw in handle:
            size += len(raw)
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if not line.startswith("@") or size > MAX_SIDECAR_BYTES * 8:
                break
            if line.startswith("@PG\t"):
                tags = dict(t.split(":", 1) for t in line.split("\t")[1:] if ":" in t)
                name = tags.get("PN") or tags.get("ID")
                if name:
                    software.add(
                        ToolRecord(clean(name, 80) or "?", clean(tags.get("VN")), "@PG", clean(tags.get("CL")))
                    )
    return software if software.tools else None


def sidecar_paths(cn_file: str | Path) -> list[Path]:
    """The caller files that exist beside ``cn_file`` under any caller's naming convention, found by
    name alone (no file is read, no format needed): what a fingerprint of a sample's inputs should
    include, so that a changed purity file makes the sample be screened again."""
    cn = Path(cn_file)
    name = cn.name
    candidates: list[str] = []
    if m := _PURPLE_NAME.match(name):
        candidates += [f"{m.group('prefix')}purple.purity.tsv", f"{m.group('prefix')}purple.qc", "purple.version"]
    if m := _SEQUENZA_NAME.match(name):
        candidates += [f"{m.group('sample')}_confints_CP.txt", f"{m.group('sample')}_sequenza_log.txt"]
    if m := _FACETS_NAME.match(name):
        candidates += [f"{m.group('prefix')}.out", f"{m.group('sample')}.txt"]
    if m := _ASCAT_NAME.match(name):
        candidates += [f"{m.group('prefix')}.purityploidy.txt", f"{m.group('prefix')}.metrics.txt"]
    return [cn.with_name(c) for c in dict.fromkeys(candidates) if cn.with_name(c).is_file()]


def stated_in_file(kind: Kind, value: float | None, cn_file: str | Path) -> StatedValue | None:
    """A purity/ploidy the copy-number file states itself (DRAGEN header, FACETS columns, comments)."""
    if value is None:
        return None
    return StatedValue(kind, value, repr(float(value)), str(cn_file), "(stated in the file itself)")
