"""Pre-flight of the data files a cohort names (``mdm2screen check``): would a run screen everyone?

``pipeline.check_config`` validates the configuration and the sample sheets' structure without
opening a data file. ``preflight`` then opens every data file the sheets name, **once** however many
rows name it (a cohort MAF or SEG shared by 10,000 rows is read once), and asks of it what screening
will ask, with the screening's own readers wherever they can be bounded:

* every file: it exists, is a regular file (a FIFO or device is never opened), is not empty, and
  this user can open and read it (``fileio.open_input``, as the readers do).
* ``cn_file``: the format detected from the content by the screening's detection (``cn.detect``);
  a ``cn_format`` in the sheet wins, as in screening, and must agree with it (``seg_log10`` is
  detected as ``seg``: the base of a ratio cannot be seen). A file whose text fits in
  :data:`HEAD_BYTES` is read in full by ``cn.read_copy_number``, exactly as screening reads it
  (format, values, build, sample). A larger one: the format's own parser reads the header and first
  :data:`PARSE_LINES` lines (values, coordinates; contig lengths and coordinates against the row's
  build), and in a file naming its samples (SEG, an ASCAT/FACETS sample column) the row's
  ``cn_sample`` (else ``sample_id``) is looked up exactly, scanning on until it is found; a plain
  file (or gzip, by its size trailer) past the readers' text limit is refused as screening would.
* ``vcf``: VCF or MAF from the content (``variants.detect_variant_format``). A file whose text fits
  in the head (:data:`VCF_HEAD_BYTES` for a VCF, :data:`HEAD_BYTES` for a MAF) is read in full by
  ``variants.read_tp53_variants``, exactly as screening reads it. A larger VCF: a bgzip file ends in
  the BGZF end-of-file block and a plain one in a line end (``variants.vcf``'s checks); htslib parses
  the header and the first :data:`FIRST_RECORDS` records (positions on TP53's chromosome against the
  build); contig lengths, ``##reference`` and ``assembly=`` are checked against the row's build and
  the tumour column is chosen as screening chooses it (``choose_tumour_sample``). A larger MAF: its
  header, then the row's ``tumor_sample`` (else ``sample_id``) among the ``Tumor_Sample_Barcode``
  values (exact; a barcode only found as a prefix of others is named as such) and their
  ``NCBI_Build``. An absent barcode of a row with ``variants_profiled`` is a warning: screening
  accepts it when the coverage evidence shows TP53 was sequenced.
* ``bam``: htslib reads the header; an index must be present; contig lengths against the build;
  a CRAM without ``reference_fasta`` for its build is a warning.
* ``coverage``: the text is intact as far as it is read and its first record is a BED row; with a
  tabix/CSI index, TP53's rows are read as screening reads them (``variants.coverage``).
* ``gene_panel``: the gene list as screening reads it; TP53 absent is a warning.
* ``gistic_cna`` (summary only): the header (a gene column, named unique sample columns); a sample
  missing from it, or a second table (the summary compares with one), is a warning.

Bounds: at most :data:`HEAD_BYTES` of text are read at once per file; what goes further (a sample
or barcode looked up in a multi-sample file, a long VCF header) stops at the first match, at the
end of the file, or after ``time_per_file`` seconds spent on that file. What the budget left
unverified is a **warning** ("not verified within N s"), never an error and never a pass.

An **error** is a problem a run would turn into an INDETERMINATE patient (or, for ``gistic_cna``,
a failed cohort summary): ``mdm2screen check`` exits 0 only when there is none. Values past the
first records of a large file (a large MAF's TP53 rows among them), and a compressed file past the
readers' line or text limits, are judged at screening time. On the bad-input corpus
(tests/corpus) this finds 66 of the 67 cases screening reports as an error (the one left: a small
gzip that inflates past the line limit) and none of the 21 it reads without one.
"""

from __future__ import annotations

import difflib
import gzip
import itertools
import os
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import InputError
from .fileio import GZIP_MAGIC, open_input, split_text_lines
from .genome import canonical_build, check_contig_lengths, check_position, normalize_contig

if TYPE_CHECKING:  # the readers are imported where used: `mdm2screen --help` reads this module's defaults
    import pysam

    from .cn._common import Layout, Table
    from .config import Settings
    from .pipeline import Cohort
    from .sheet import SampleRow

Severity = Literal["error", "warning"]

# Text read from a file at once: enough for any copy-number header, a VCF header of a few thousand
# contigs, and the whole of a usual per-sample file (a CNVkit .cns is 10-50 KB), which is then read
# by the screening's own reader in full.
HEAD_BYTES = 256 * 1024
# Lines of a larger copy-number file handed to its parser: the header (found within 400 lines, as
# detection and the parsers look) and the first records.
PARSE_LINES = 2000
# VCF records htslib parses after the header, and the text read at once for them (a VCF header is
# usually 5-50 KB; a longer one is streamed on). Parsing 1,000 records doubled the time per VCF.
FIRST_RECORDS = 100
VCF_HEAD_BYTES = 64 * 1024
# Bytes streamed per step when scanning on; the time budget is looked at between steps.
SCAN_CHUNK = 1 << 20
DEFAULT_TIME_PER_FILE = 5.0
# Sheet columns naming data files, in the order problems are listed (other path columns after them).
COLUMNS = ("cn_file", "vcf", "bam", "coverage", "gene_panel", "gistic_cna")
_COLUMN_RANK = {column: i for i, column in enumerate(COLUMNS)}
# pysam/htslib raise these for unreadable or malformed input (as variants.vcf.PYSAM_ERRORS).
_PYSAM_ERRORS = (
    OSError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    UnicodeDecodeError,
    NotImplementedError,
    RuntimeError,
)


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class FileProblem:
    """One problem of one data file, for one sample-sheet row."""

    patient_id: str
    sample_id: str
    column: str  # the sample-sheet column naming the file
    path: str  # as resolved (absolute)
    problem: str  # what is wrong, with the file's line and field when known
    expected: str | None
    found: str | None
    severity: Severity
    code: str  # the readers' error code (docs/error_model.md), or preflight_* for what only this checks
    sheet: str
    sheet_line: int
    location: str = ""  # where a relative path was resolved from (missing or unreadable files)

    def __str__(self) -> str:
        text = f"{self.sample_id}, column {self.column} (sheet line {self.sheet_line}): {self.path}: {self.problem}"
        if self.expected is not None or self.found is not None:
            text += f" (expected {self.expected or '-'}, found {self.found or '-'})"
        if self.location:
            text += f"; {self.location}"
        return text


@dataclass
class PreflightResult:
    problems: list[FileProblem]
    files_checked: int
    rows_checked: int
    seconds: float
    time_per_file: float

    @property
    def errors(self) -> list[FileProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[FileProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when a run would read every file of every patient (warnings allowed)."""
        return not self.errors

    def by_patient(self) -> dict[str, list[FileProblem]]:
        """Problems per patient (patients in order, errors first within each)."""
        grouped: dict[str, list[FileProblem]] = {}
        for problem in sorted(
            self.problems,
            key=lambda p: (
                p.patient_id,
                p.severity != "error",
                p.sample_id,
                _COLUMN_RANK.get(p.column, len(COLUMNS)),
                p.column,
                p.problem,
            ),
        ):
            grouped.setdefault(problem.patient_id, []).append(problem)
        return grouped

    def patients_with_errors(self) -> list[str]:
        return sorted({p.patient_id for p in self.errors})

    def format(self, *, warnings: bool = True) -> str:
        """Every problem (``warnings`` False: every error), grouped per patient, for people."""
        lines = []
        for patient, problems in self.by_patient().items():
            if not warnings:
                problems = [p for p in problems if p.severity == "error"]
                if not problems:
                    continue
            n_errors = sum(p.severity == "error" for p in problems)
            counts = [f"{n_errors} error(s)"] if n_errors else []
            if len(problems) > n_errors:
                counts.append(f"{len(problems) - n_errors} warning(s)")
            lines.append(f"{patient}: {', '.join(counts)}")
            lines.extend(f"  {p.severity}: {p}" for p in problems)
        return "\n".join(lines) + ("\n" if lines else "")


@dataclass(frozen=True)
class _Issue:
    """A problem before it is attached to a row: what the checks return."""

    severity: Severity
    problem: str
    code: str
    expected: str | None = None
    found: str | None = None
    access: bool = False  # the file could not be opened at all: say where a relative path was looked for


def _from_input_error(exc: InputError) -> _Issue:
    where = []
    if exc.line is not None:
        where.append(f"line {exc.line}")
    if exc.field:
        where.append(f"field '{exc.field}'")
    problem = (", ".join(where) + ": " if where else "") + exc.detail
    found = None if exc.found is None else _shorten(str(exc.found))
    return _Issue("error", problem, exc.code, exc.expected, found)


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error(problem: str, code: str, expected: str | None = None, found: str | None = None) -> _Issue:
    return _Issue("error", problem, code, expected, found)


def _not_verified(what: str, budget: float, text: _Text | None = None) -> _Issue:
    read = f" ({text.bytes_read / 1e6:.1f} MB of text read)" if text is not None else ""
    return _Issue(
        "warning",
        f"{what} not verified within {budget:g} s{read}; screening will read the whole file "
        "(raise --time-per-file to verify it now)",
        "preflight_not_verified",
    )


# Issues of one file: for every row naming it (key None) or for one row (its index in the rows given).
_Found = list[tuple[int | None, _Issue]]


# --------------------------------------------------------------------------- reading text, bounded


class _Text:
    """A data file's text: its first HEAD_BYTES read at once, the rest streamed on demand until a
    deadline (gzip/bgzip inflated as the readers do). Raises InputError as ``fileio.read_text`` does
    for a file that cannot be opened, binary content or a corrupt compressed stream."""

    def __init__(self, path: Path, deadline: float, head_bytes: int = HEAD_BYTES) -> None:
        self.path = path
        self.deadline = deadline
        self.timed_out = False
        self._raw = open_input(path)
        try:
            self.compressed = self._raw.read(2) == GZIP_MAGIC
            self._raw.seek(0)
            self._stream: Any = gzip.GzipFile(fileobj=self._raw, mode="rb") if self.compressed else self._raw
            data = self._read(head_bytes + 1)
        except BaseException:
            self._raw.close()
            raise
        self.bytes_read = len(data)
        self.complete = len(data) <= head_bytes  # the whole text is in the head
        self.exhausted = self.complete
        if b"\x00" in data[:65536]:
            self.close()
            raise InputError(path, "binary content where text was expected", code="input_binary")
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        self._pending = b""
        if not self.complete:  # only whole lines; the cut-off one starts the rest
            cut = data.rfind(b"\n") + 1
            data, self._pending = data[:cut], data[cut:]
        self.encoding = _encoding(data)
        self.lines = split_text_lines(data[bom:].decode(self.encoding, errors="replace"))

    def __enter__(self) -> _Text:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._raw.close()

    def _read(self, size: int) -> bytes:
        chunks, wanted = [], size
        try:
            while wanted > 0:
                block = self._stream.read(wanted)
                if not block:
                    break
                chunks.append(block)
                wanted -= len(block)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError(
                self.path, f"compressed file is truncated or corrupt: {exc}", code="input_corrupt"
            ) from exc
        except OSError as exc:
            if self.compressed and not isinstance(exc, PermissionError | FileNotFoundError):
                raise InputError(
                    self.path, f"compressed file is truncated or corrupt: {exc}", code="input_corrupt"
                ) from exc
            raise InputError(self.path, f"file cannot be read: {exc.strerror or exc}", code="input_unreadable") from exc
        return b"".join(chunks)

    def rest(self) -> Iterator[str]:
        """The lines after the head, until the end of the file (``exhausted``) or the deadline (``timed_out``)."""
        pending = self._pending
        while not self.exhausted:
            if time.perf_counter() > self.deadline:
                self.timed_out = True
                return
            block = self._read(SCAN_CHUNK)
            self.bytes_read += len(block)
            if not block:
                self.exhausted = True
                block, pending = pending, b""
                if not block:
                    return
            else:
                block, pending = pending + block, b""
                cut = block.rfind(b"\n") + 1
                block, pending = block[:cut], block[cut:]
            if b"\x00" in block:
                raise InputError(self.path, "binary content where text was expected", code="input_binary")
            text = block.decode(_encoding(block), errors="replace")
            for line in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"):
                yield line[:-1] if line.endswith("\r") else line

    def all_lines(self) -> Iterator[str]:
        return itertools.chain(self.lines, self.rest())


def _encoding(data: bytes) -> str:
    """As ``fileio.read_text``: UTF-8 when the bytes are valid UTF-8, else Latin-1 (decodes any byte)."""
    if data.isascii():
        return "latin-1"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _is_bgzf(path: Path) -> bool:
    from .variants.vcf import _is_bgzf as is_bgzf_header

    with open(path, "rb") as handle:
        return is_bgzf_header(handle.read(64))


def _bgzf_ends_properly(path: Path) -> bool:
    """Whether a bgzip file ends in the 28-byte BGZF end-of-file block (an incomplete copy does not)."""
    from .variants.vcf import BGZF_EOF

    size = path.stat().st_size
    with open(path, "rb") as handle:
        handle.seek(max(0, size - len(BGZF_EOF)))
        return handle.read() == BGZF_EOF


# --------------------------------------------------------------------------- the checks


@dataclass
class _Context:
    settings: Settings
    genes: tuple[str, ...]  # screened genes and TP53 (their chromosomes are what a profile keeps)
    time_per_file: float
    _chromosomes: dict[str, frozenset[str]] = field(default_factory=dict)

    def chromosomes(self, build: str) -> frozenset[str]:
        found = self._chromosomes.get(build)
        if found is None:
            from .reference import gene_locus

            found = frozenset(gene_locus(g, build).chrom for g in self.genes)
            self._chromosomes[build] = found
        return found


def _access(path: Path, missing_code: str) -> _Issue | None:
    """None when ``path`` is a non-empty regular file this user can open and read."""
    try:
        with open_input(path, code=missing_code) as handle:
            handle.read(1)
    except InputError as exc:
        return _Issue("error", exc.detail, exc.code, exc.expected, None, access=True)
    except OSError as exc:
        return _Issue("error", f"file cannot be read: {exc.strerror or exc}", "input_unreadable", access=True)
    return None


def _check_cn(path: Path, rows: list[SampleRow], ctx: _Context) -> _Found:
    from .cn import read_copy_number
    from .cn.detect import detect_from_lines
    from .cn.formats import BY_NAME

    found: _Found = []
    with _Text(path, time.perf_counter() + ctx.time_per_file) as text:
        try:
            detected: str | None = detect_from_lines(str(path), text.lines)
            undetected: InputError | None = None
        except InputError as exc:
            detected, undetected = None, exc
        formats: dict[str | None, list[int]] = {}
        for i, row in enumerate(rows):
            formats.setdefault(row.cn_format, []).append(i)
        for declared, indices in formats.items():
            if declared is None and undetected is not None:
                found += [(i, _from_input_error(undetected)) for i in indices]
                continue
            if declared is not None and detected is not None and _compatible(declared) != detected:
                issue = _error(
                    f"cn_format says {declared!r} but the content is a {detected!r} file (detected from its header); "
                    f"screening would read it as {declared!r}",
                    "preflight_cn_format_mismatch",
                    expected=f"a {declared} file, or cn_format {detected!r} (or empty, to detect it)",
                    found=detected,
                )
                found += [(i, issue) for i in indices]
                continue
            fmt = declared or detected
            assert fmt is not None
            if text.complete or fmt == "dragen_vcf":
                # The whole text is at hand (or the parser reads the file itself): screening's own read.
                for i in indices:
                    row = rows[i]
                    try:
                        read_copy_number(
                            path,
                            fmt=row.cn_format,
                            sample=row.cn_sample,
                            build=row.build,
                            keep_chromosomes=ctx.chromosomes(row.build),
                            fallback_sample=row.sample_id,
                        )
                    except InputError as exc:
                        found.append((i, _from_input_error(exc)))
            else:
                too_large = _past_text_limit(path, text)
                if too_large is not None:
                    found += [(i, _from_input_error(too_large)) for i in indices]
                    continue
                found += _check_cn_head(path, text, BY_NAME[fmt], [(i, rows[i]) for i in indices], ctx)
    return found


def _past_text_limit(path: Path, text: _Text) -> InputError | None:
    """The per-file text limit of the copy-number readers (``cn._common.MAX_TEXT_BYTES``), where the size
    of the text is known without reading it: a plain file's size, a gzip file's ISIZE trailer. A bgzip
    file's trailer holds only its last block's size, and is not used."""
    from .cn._common import MAX_TEXT_BYTES

    if not text.compressed:
        size = path.stat().st_size
    elif not _is_bgzf(path):
        with open(path, "rb") as handle:
            handle.seek(-4, os.SEEK_END)
            size = int.from_bytes(handle.read(4), "little")  # the text's size modulo 4 GiB: never too high
    else:
        return None
    if size <= MAX_TEXT_BYTES:
        return None
    return InputError(
        path,
        f"file is too large to screen (limit {MAX_TEXT_BYTES:,} bytes of text)",
        expected=f"at most {MAX_TEXT_BYTES:,} bytes",
        found=f"{size:,} bytes",
        code="cn_too_large",
    )


def _compatible(declared: str) -> str:
    """The format detection returns for a file of the ``declared`` format."""
    return "seg" if declared == "seg_log10" else declared


def _check_cn_head(path: Path, text: _Text, entry: Any, rows: list[tuple[int, SampleRow]], ctx: _Context) -> _Found:
    """A copy-number file larger than the head: its parser on the first lines, then its samples."""
    from .cn._common import OffChromosomes

    found: _Found = []
    head = text.lines[:PARSE_LINES]
    seen: dict[str, Any] = {}
    for build in sorted({row.build for _, row in rows}):
        keep = ctx.chromosomes(build)
        try:
            if entry.coordinates is not None:
                sieve = OffChromosomes(keep, _observing(entry.coordinates, seen))
                parsed = entry.parse(str(path), head, entry.name, sieve=sieve)
                ends = {**sieve.max_end}
            else:
                sieve, ends = None, {}
                parsed = entry.parse(str(path), head, entry.name)
        except InputError as exc:
            if exc.code == "cn_no_segments":
                continue  # only comments among the first lines: the records come later
            found += [(i, _from_input_error(exc)) for i, row in rows if row.build == build]
            continue
        try:
            if parsed.contig_lengths:
                check_contig_lengths(str(path), parsed.contig_lengths, build)
            for chrom, (end, line) in [*parsed.max_end.items(), *ends.items()]:
                check_position(str(path), chrom, end, build, line)
        except InputError as exc:
            found += [(i, _from_input_error(exc)) for i, row in rows if row.build == build]
            continue
        if parsed.names_samples:
            names = dict.fromkeys(n for n in [*parsed.samples, *(sieve.samples if sieve else ())] if n)
            seen["names"] = names
            seen["parsed_lines"] = len(head)
    if "names" in seen:
        samples = _SampleScan(text, seen)
        for i, row in rows:
            issue = samples.verdict(row, ctx.time_per_file)
            if issue is not None:
                found.append((i, issue))
    return found


def _observing(layout: Callable[[Table], Layout | None], seen: dict[str, Any]) -> Callable[[Table], Layout | None]:
    """``layout`` that also notes the table it was asked about: where the parser found the header,
    its delimiter and the sample column, for scanning on past the lines parsed."""

    def observed(table: Table) -> Layout | None:
        result = layout(table)
        seen["table"], seen["layout"] = table, result
        return result

    return observed


class _SampleScan:
    """The sample names of a multi-sample copy-number file: those of the lines parsed, then the rest of
    the file's sample column, read on only as far as a lookup needs (first match, end of file, deadline)."""

    def __init__(self, text: _Text, seen: dict[str, Any]) -> None:
        self.text = text
        self.names: dict[str, None] = seen["names"]
        self.column: int | None = None
        self.delimiter: str | None = None
        table, layout = seen.get("table"), seen.get("layout")
        if table is not None:
            from .cn._common import SAMPLE_KEYS

            self.delimiter = table.delimiter
            if layout is not None and layout.sample is not None:
                self.column = layout.sample
            elif table.keys and table.keys[0] in SAMPLE_KEYS:  # FACETS' optional ID column (read in full)
                self.column = 0
        # Lines after the ones parsed: the rest of the head, then the stream.
        self._lines = itertools.chain(text.lines[seen["parsed_lines"] :], text.rest())
        # Names from the header (GATK @RG SM:), not from a column, are all there are; names from a
        # column are all only once the whole file is read (it is larger than its head).
        self.complete = layout is not None and self.column is None

    def find(self, name: str) -> bool | None:
        """True when the file names the sample, False when it does not (whole file read), None: not known."""
        if name in self.names:
            return True
        if self.complete:
            return False
        if self.column is None:
            return None  # the parser's table was not seen (a quoted body): only the lines parsed are known
        column, delimiter, names = self.column, self.delimiter, self.names
        for line in self._lines:
            if not line.strip() or line[0] == "#":
                continue
            fields = line.split(delimiter, column + 1) if delimiter is not None else line.split(None, column + 1)
            if len(fields) <= column:
                continue
            sample = fields[column].strip().strip('"').strip()
            if sample and sample not in names:
                names[sample] = None
                if sample == name:
                    return True
        if self.text.exhausted:
            self.complete = True
            return False
        return None

    def verdict(self, row: SampleRow, budget: float) -> _Issue | None:
        """As ``cn.read``'s sample selection: ``cn_sample`` exactly, else the file's only sample, else
        ``sample_id`` exactly."""
        wanted = row.cn_sample or row.sample_id
        present = self.find(wanted)
        if present:
            return None
        if present is None:
            return _not_verified(
                f"sample {wanted!r} ({'cn_sample' if row.cn_sample else 'sample_id'})", budget, self.text
            )
        names = list(self.names)
        if row.cn_sample:
            return _error(
                f"sample {wanted!r} not found among the {len(names)} sample(s) in the file (exact match required, "
                f"no prefix matching); candidates: {_candidates(wanted, names)}",
                "cn_sample_not_found",
                expected="a sample name exactly as in the file",
                found=wanted,
            )
        if len(names) == 1:
            return None  # the file's only sample is used
        return _error(
            f"file holds {len(names)} samples and none is named {wanted!r}, the sample sheet's sample_id (exact match "
            f"required, no prefix matching); closest: {_candidates(wanted, names)}; put the sample's name in cn_sample",
            "cn_sample_not_found",
            expected="cn_sample, or a sample_id exactly as in the file",
            found=wanted,
        )


def _candidates(wanted: str, names: list[str]) -> str:
    """Names starting with ``wanted`` (or that it starts with), then the closest ones."""
    prefixed = [n for n in names if n.startswith(wanted) or wanted.startswith(n)]
    close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.5)
    shown = list(dict.fromkeys(prefixed[:5] + close)) or sorted(names)[:5]
    return ", ".join(_shorten(n, 60) for n in shown)


def _check_variants(path: Path, rows: list[SampleRow], ctx: _Context) -> _Found:
    from .variants import detect_variant_format

    try:
        kind = detect_variant_format(path)
    except InputError as exc:
        return [(None, _from_input_error(exc))]
    if kind == "maf":
        return _check_maf(path, rows, ctx)
    return _check_vcf(path, rows, ctx)


def _check_vcf(path: Path, rows: list[SampleRow], ctx: _Context) -> _Found:
    """What ``variants.vcf.read_vcf`` checks before and while reading: an intact file, a header htslib
    parses, the build and tumour column, well-formed records (the first FIRST_RECORDS)."""
    from .variants.vcf import _check_last_line

    shown = str(path)
    try:
        bgzf = _is_bgzf(path)
        if bgzf and not _bgzf_ends_properly(path):
            issue = _error(
                "bgzip file has no end-of-file block: it is truncated (an incomplete copy or download)",
                "vcf_truncated",
                expected="the 28-byte BGZF end-of-file marker",
                found="missing",
            )
            return [(None, issue)]
        if _starts_with(path, b"BCF"):  # binary: htslib reads its header itself
            return _with_quiet_htslib(lambda: _check_vcf_file(shown, shown, rows))
        with open(path, "rb") as handle:
            plain = handle.read(2) != GZIP_MAGIC
        if plain:
            _check_last_line(path, shown)
        with _Text(path, time.perf_counter() + ctx.time_per_file, VCF_HEAD_BYTES) as text:
            if text.complete:  # a small VCF: screening's own read, every record and value included
                return _read_variants_in_full(path, rows, ctx)
            header, records, ended = _vcf_head(text)
            if not ended and text.timed_out:
                return [(None, _not_verified("the VCF header ('#CHROM' line)", ctx.time_per_file, text))]
    except InputError as exc:
        return [(None, _from_input_error(exc))]
    except OSError as exc:
        return [(None, _error(f"file cannot be read: {exc.strerror or exc}", "input_unreadable"))]
    if not ended:
        issue = _error(
            "not a readable VCF: no '#CHROM' header line before the first record",
            "vcf_unreadable",
            expected="'##fileformat=VCF' header lines ending in the '#CHROM' line",
            found=f"a record on line {records[0][0]}" if records else "end of file",
        )
        return [(None, issue)]
    with tempfile.NamedTemporaryFile(prefix="mdm2screen-preflight-", suffix=".vcf") as tmp:
        # The header and first records as a plain VCF: htslib cannot seek in plain gzip, nor read past a BOM.
        tmp.write(("\n".join([*header, *(t for _, t in records)]) + "\n").encode("utf-8", errors="replace"))
        tmp.flush()
        return _with_quiet_htslib(lambda: _check_vcf_file(shown, tmp.name, rows, records))


def _read_variants_in_full(path: Path, rows: list[SampleRow], ctx: _Context) -> _Found:
    """Each row's TP53 records read as screening reads them (``variants.read_tp53_variants``)."""
    from .variants import TP53Settings, read_tp53_variants

    settings = TP53Settings.from_config(ctx.settings["tp53"])
    found: _Found = []
    for i, row in enumerate(rows):
        try:
            read_tp53_variants(
                path, build=row.build, tumor_sample=row.tumor_sample, sample_id=row.sample_id, settings=settings
            )
        except InputError as exc:
            if exc.code == "maf_sample_not_found" and row.variants_profiled:
                found.append((i, _profiled_without_rows(exc.detail)))
            else:
                found.append((i, _from_input_error(exc)))
    return found


def _profiled_without_rows(message: str) -> _Issue:
    # evidence.py accepts an absent barcode of a sample its study says was profiled, once the coverage
    # evidence shows TP53 was sequenced: that is for screening to judge.
    return _Issue(
        "warning",
        message + "; variants_profiled says the sample was profiled, so screening reads this as no mutation "
        "called only if the coverage evidence shows TP53 was sequenced",
        "maf_sample_not_found",
    )


def _starts_with(path: Path, magic: bytes) -> bool:
    """Whether the (decompressed) content of ``path`` starts with ``magic``."""
    with open(path, "rb") as handle:
        head = handle.read(len(magic))
        if head[:2] != GZIP_MAGIC:
            return head == magic
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(len(magic)) == magic
    except (OSError, EOFError, zlib.error):
        return False  # reported when the text is read


def _with_quiet_htslib(check: Callable[[], _Found]) -> _Found:
    import pysam

    previous = pysam.set_verbosity(0)  # htslib's stderr warnings (missing contig lines, odd records)
    try:
        return check()
    finally:
        pysam.set_verbosity(previous)


def _check_vcf_file(
    shown: str, source: str, rows: list[SampleRow], records: list[tuple[int, str]] | None = None
) -> _Found:
    """Open ``source`` (the VCF, or its head as a plain VCF) with htslib: header checks, then its records
    when ``records`` (their line numbers and text in the original file) are given."""
    import pysam

    from .reference import gene_locus

    try:
        vf = pysam.VariantFile(source)
    except _PYSAM_ERRORS as exc:
        detail = str(exc).replace(repr(source.encode()), shown).replace(source, shown)
        return [
            (
                None,
                _error(
                    f"not a readable VCF/BCF: {detail}",
                    "vcf_unreadable",
                    expected="a VCF (plain, gzip or bgzip) or BCF",
                ),
            )
        ]
    with vf:
        found = _check_vcf_header(shown, vf, rows)
        if records is None:
            return found
        ordinal = 0  # records read without error
        # Screening checks the positions of records on TP53's chromosome against the build.
        tp53_chromosomes = {gene_locus("TP53", row.build).chrom for row in rows}
        on_tp53_chromosome: list[tuple[str, int, int]] = []
        try:
            for rec in vf:
                chrom, pos, _ = rec.chrom, rec.pos, rec.alts  # htslib parses the record on reading it
                if normalize_contig(chrom) in tp53_chromosomes:
                    on_tp53_chromosome.append((chrom, pos, records[ordinal][0]))
                ordinal += 1
        except _PYSAM_ERRORS as exc:
            line, text = records[ordinal] if ordinal < len(records) else (None, "")
            issue = _error(
                (f"line {line}: " if line else "") + f"malformed VCF record after record {ordinal}: {exc}",
                "vcf_unreadable",
                expected="tab-separated VCF columns with values of the types the header declares",
                found=_shorten(text) if text else None,
            )
            found.append((None, issue))
        for i, row in enumerate(rows):
            try:
                for chrom, pos, line in on_tp53_chromosome:
                    check_position(shown, chrom, pos, row.build, line)
            except InputError as exc:
                found.append((i, _from_input_error(exc)))
    return found


def _vcf_head(text: _Text) -> tuple[list[str], list[tuple[int, str]], bool]:
    """(header lines through '#CHROM', up to FIRST_RECORDS (line number, record) after it, whether the
    header ended as htslib requires). A record before '#CHROM' is returned alone."""
    header: list[str] = []
    records: list[tuple[int, str]] = []
    ended = False
    for number, line in enumerate(text.all_lines(), start=1):
        if ended:
            if line.strip():
                records.append((number, line))
                if len(records) >= FIRST_RECORDS:
                    break
        elif line.startswith("#"):
            header.append(line)
            ended = not line.startswith("##")  # htslib's rule: '#CHROM' ends the header
        elif line.strip():
            records.append((number, line))  # a record before the header ended: htslib refuses the file
            break
        else:
            header.append(line)
    return header, records, ended


def _check_vcf_header(shown: str, vf: pysam.VariantFile, rows: list[SampleRow]) -> _Found:
    """Build and tumour column, as ``variants.vcf`` checks them before reading any record."""
    from .variants.vcf import _check_header_build, choose_tumour_sample

    found: _Found = []
    header = vf.header
    try:
        lengths = {normalize_contig(name): c.length for name, c in header.contigs.items() if c.length}
    except _PYSAM_ERRORS as exc:
        return [(None, _error(f"malformed VCF header: {exc}", "vcf_unreadable"))]
    for i, row in enumerate(rows):
        try:
            check_contig_lengths(shown, lengths, row.build)
            _check_header_build(shown, header, row.build)
            choose_tumour_sample(shown, header, row.tumor_sample)
        except InputError as exc:
            found.append((i, _from_input_error(exc)))
        except _PYSAM_ERRORS as exc:
            found.append((i, _error(f"malformed VCF header: {exc}", "vcf_unreadable")))
    return found


def _check_maf(path: Path, rows: list[SampleRow], ctx: _Context) -> _Found:
    """The header and Tumor_Sample_Barcode / NCBI_Build columns of a MAF, as ``variants.maf`` reads them."""
    from .variants.maf import ALLELES, MISSING, REQUIRED, SEQUENCED_PREFIX

    wanted = {row.tumor_sample or row.sample_id for row in rows}
    barcodes: dict[str, dict[str, int]] = {}  # barcode -> NCBI_Build value -> first line
    sequenced: dict[str, int] = {}
    columns: list[str] | None = None
    barcode_i = build_i = -1
    try:
        with _Text(path, time.perf_counter() + ctx.time_per_file) as text:
            small = text.complete
            for number, line in enumerate([] if small else text.all_lines(), start=1):
                if not line.strip():
                    continue
                if line.startswith(SEQUENCED_PREFIX):
                    for name in line[len(SEQUENCED_PREFIX) :].split():
                        sequenced.setdefault(name, number)
                    continue
                if line[0] == "#":
                    continue
                if columns is None:
                    columns = [f.strip().strip('"').strip().lower() for f in line.split("\t")]
                    missing = [c for c in REQUIRED if c not in columns]
                    if not any(a in columns for a in ALLELES):
                        missing.append("tumor_seq_allele2")
                    if missing:
                        return [
                            (
                                None,
                                _error(
                                    f"line {number}: not a MAF header: column(s) {', '.join(missing)} missing "
                                    "(names are matched case-insensitively)",
                                    "maf_header_invalid",
                                    expected="tab-separated columns including "
                                    + ", ".join(REQUIRED)
                                    + " and Tumor_Seq_Allele2",
                                    found=_shorten(line),
                                ),
                            )
                        ]
                    barcode_i = columns.index("tumor_sample_barcode")
                    build_i = columns.index("ncbi_build") if "ncbi_build" in columns else -1
                    continue
                fields = line.split("\t", max(barcode_i, build_i) + 1)
                if fields[0].strip().strip('"').lower() == "hugo_symbol" or len(fields) <= barcode_i:
                    continue  # a repeated header (concatenated MAFs), or a short row screening skips too
                barcode = fields[barcode_i].strip().strip('"').strip()
                if not barcode:
                    continue
                builds = barcodes.setdefault(barcode, {})
                if 0 <= build_i < len(fields):
                    value = fields[build_i].strip().strip('"').strip()
                    if value not in MISSING:
                        builds.setdefault(value, number)
                if barcode in wanted:
                    wanted.discard(barcode)
                    if not wanted:
                        break  # every row's barcode found: stop at the first match
            scanned = text
    except InputError as exc:
        return [(None, _from_input_error(exc))]
    if small:  # the whole MAF in the head: screening's own read, TP53 rows and values included
        return _read_variants_in_full(path, rows, ctx)
    if columns is None:
        return [
            (
                None,
                _error(
                    "no MAF header line found",
                    "maf_header_invalid",
                    expected="a header with Hugo_Symbol ... Tumor_Sample_Barcode",
                    found="only comments or empty lines",
                ),
            )
        ]
    found: _Found = []
    for i, row in enumerate(rows):
        issue = _maf_verdict(row, barcodes, sequenced, scanned.exhausted, ctx.time_per_file, scanned)
        if issue is not None:
            found.append((i, issue))
    return found


def _maf_verdict(
    row: SampleRow,
    barcodes: dict[str, dict[str, int]],
    sequenced: dict[str, int],
    complete: bool,
    budget: float,
    text: _Text,
) -> _Issue | None:
    """As ``variants.maf.read_maf`` decides about a row's barcode (and ``evidence`` about a profiled sample)."""
    barcode = row.tumor_sample or row.sample_id
    how = "sample sheet tumor_sample" if row.tumor_sample else "sample_id"
    if barcode in barcodes:
        for value, line in barcodes[barcode].items():
            if canonical_build(value) != row.build:
                return _error(
                    f"line {line}, field 'NCBI_Build': NCBI_Build of this sample's rows differs from the build the "
                    "sample sheet declares",
                    "build_mismatch",
                    expected=row.build,
                    found=value,
                )
        return None
    if not complete:
        return _not_verified(f"Tumor_Sample_Barcode {barcode!r} ({how})", budget, text)
    longer = sorted(b for b in barcodes if b != barcode and b.startswith(barcode))
    if longer:
        return _error(
            f"no MAF row has Tumor_Sample_Barcode {barcode!r} ({how}), but {len(longer)} barcode(s) start with it: "
            f"{', '.join(longer[:5])}; barcodes are matched exactly, never by prefix; put the full barcode in the "
            "sample sheet's tumor_sample column",
            "maf_sample_prefix_only",
            expected=f"{barcode} exactly",
            found=", ".join(longer[:5]),
        )
    if barcode in sequenced:
        return None  # listed as sequenced without rows: no mutation called
    close = difflib.get_close_matches(barcode, list(dict.fromkeys([*barcodes, *sequenced])), n=5, cutoff=0.5)
    message = (
        f"no MAF row has Tumor_Sample_Barcode {barcode!r} ({how}); barcodes are matched exactly, never by prefix"
        + (f"; closest barcodes: {', '.join(close)}" if close else "")
    )
    if row.variants_profiled:
        return _profiled_without_rows(message)
    return _error(
        message + "; put the full barcode in the sample sheet's tumor_sample column",
        "maf_sample_not_found",
        expected=f"{barcode} exactly",
        found=f"{len(barcodes)} other barcode(s)",
    )


def _check_bam(path: Path, rows: list[SampleRow], ctx: _Context) -> _Found:
    """What ``variants.coverage.bam_coverage`` requires before it reads depth: a header, an index, the build."""
    import pysam

    found: _Found = []
    previous = pysam.set_verbosity(0)
    try:
        try:
            aln = pysam.AlignmentFile(str(path))
        except _PYSAM_ERRORS as exc:
            return [
                (
                    None,
                    _error(
                        f"not a readable BAM/CRAM: {exc}", "coverage_bam_unreadable", expected="an indexed BAM or CRAM"
                    ),
                )
            ]
        with aln:
            if not aln.has_index():
                found.append(
                    (
                        None,
                        _error(
                            "BAM/CRAM has no index: TP53 depth cannot be read without one",
                            "coverage_index_missing",
                            expected=f"{path.name}.bai, .csi or .crai next to the file (samtools index)",
                            found="no index",
                        ),
                    )
                )
            lengths = {
                normalize_contig(name): int(size) for name, size in zip(aln.references, aln.lengths, strict=True)
            }
            for i, row in enumerate(rows):
                try:
                    check_contig_lengths(str(path), lengths, row.build)
                except InputError as exc:
                    found.append((i, _from_input_error(exc)))
                if aln.is_cram and not ctx.settings["reference_fasta"].get(row.build):
                    found.append(
                        (
                            i,
                            _Issue(
                                "warning",
                                f"a CRAM is decoded with its reference, and the configuration names none for "
                                f"{row.build} (reference_fasta.{row.build}); htslib then looks in REF_PATH / "
                                "REF_CACHE or downloads it",
                                "preflight_cram_reference",
                            ),
                        )
                    )
    finally:
        pysam.set_verbosity(previous)
    return found


def _check_coverage(path: Path, rows: list[SampleRow], ctx: _Context) -> _Found:
    """A mosdepth BED: text intact as far as read, a BED first record; indexed: TP53's rows as screening reads them."""
    from .variants import TP53Settings
    from .variants.coverage import _index_for, mosdepth_coverage
    from .variants.transcript import tp53_model

    found: _Found = []
    try:
        if _is_bgzf(path) and not _bgzf_ends_properly(path):
            found.append(
                (
                    None,
                    _Issue(
                        "warning",
                        "bgzip file has no end-of-file block: it may be truncated (an incomplete copy)",
                        "preflight_bgzf_eof_missing",
                    ),
                )
            )
        with _Text(path, time.perf_counter() + ctx.time_per_file) as text:
            small = text.complete
            first = next(
                (
                    (n, t)
                    for n, t in enumerate(text.lines, start=1)
                    if t.strip() and not t.startswith(("#", "track", "browser"))
                ),
                None,
            )
        if first is None:
            return [(None, _error("no BED record", "coverage_unreadable", expected="chrom, start, end, depth rows"))]
        number, line = first
        fields = line.split("\t") if "\t" in line else line.split()
        # Screening takes the last column as the depth: in a three-column BED that is the end coordinate.
        if len(fields) < 4 or not fields[1].strip().isdigit() or not fields[2].strip().isdigit():
            return [
                (
                    None,
                    _error(
                        f"line {number}: not a mosdepth BED row",
                        "coverage_unreadable",
                        expected="chrom, 0-based start, end, [name,] depth (tab-separated)",
                        found=_shorten(line),
                    ),
                )
            ]
        if small or _index_for(path) is not None:  # screening's own read: the whole small file, or via the index
            settings = TP53Settings.from_config(ctx.settings["tp53"])
            for build in sorted({row.build for row in rows}):
                try:
                    mosdepth_coverage(path, tp53_model(build), settings)
                except InputError as exc:
                    found += [(i, _from_input_error(exc)) for i, row in enumerate(rows) if row.build == build]
    except InputError as exc:
        found.append((None, _from_input_error(exc)))
    return found


def _check_gene_panel(path: Path, rows: list[SampleRow], ctx: _Context) -> _Found:
    from .evidence import read_gene_panel

    try:
        with _Text(path, time.perf_counter() + ctx.time_per_file) as text:
            complete = text.complete
        if not complete:
            return [
                (
                    None,
                    _Issue(
                        "warning",
                        f"larger than {HEAD_BYTES // 1024} KB of text, which no gene panel is; not read",
                        "preflight_not_verified",
                    ),
                )
            ]
        genes = read_gene_panel(str(path))
    except InputError as exc:
        return [(None, _from_input_error(exc))]
    if not genes:
        return [
            (
                None,
                _error(
                    "the gene panel lists no gene",
                    "coverage_unreadable",
                    expected="a 'gene_list:' line (cBioPortal) or one gene per line",
                    found="no gene",
                ),
            )
        ]
    if "TP53" not in genes:
        return [
            (
                None,
                _Issue(
                    "warning",
                    f"TP53 is not among the {len(genes)} genes of the panel: TP53 is not shown to be sequenced, "
                    "so it will not be called wild type",
                    "preflight_panel_without_tp53",
                ),
            )
        ]
    return []


def _check_gistic(path: Path, rows: list[SampleRow], ctx: _Context) -> _Found:
    """The header of a discrete CNA table, as ``concordance.read_discrete_cna`` reads it."""
    import csv
    import io

    from .concordance import ENTREZ_HEADERS, HUGO_HEADERS, IGNORED_HEADERS

    try:
        with _Text(path, time.perf_counter() + ctx.time_per_file) as text:
            first = next(
                ((n, t) for n, t in enumerate(text.all_lines(), start=1) if t.strip() and not t.startswith("#")), None
            )
    except InputError as exc:
        return [(None, _from_input_error(exc))]
    if first is None:
        return [
            (None, _error("no header line", "gistic_unreadable", expected="Hugo_Symbol, then one column per sample"))
        ]
    number, line = first
    header = [c.strip().strip('"').strip() for c in next(csv.reader(io.StringIO(line), delimiter="\t"), [])]
    upper = [h.upper() for h in header]
    gene_columns = {i for i, h in enumerate(upper) if h in (*HUGO_HEADERS, *ENTREZ_HEADERS, *IGNORED_HEADERS)}
    if not any(h in (*HUGO_HEADERS, *ENTREZ_HEADERS) for h in upper):
        return [
            (
                None,
                _error(
                    f"line {number}: no gene column in the header",
                    "gistic_unreadable",
                    expected="Hugo_Symbol and/or Entrez_Gene_Id, then one column per sample",
                    found=_shorten(line),
                ),
            )
        ]
    names = [h for i, h in enumerate(header) if i not in gene_columns]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates or "" in names:
        return [
            (
                None,
                _error(
                    f"line {number}: sample columns must be named and unique",
                    "gistic_unreadable",
                    found=", ".join(duplicates) or "an empty column name",
                ),
            )
        ]
    columns = set(names)
    return [
        (
            i,
            _Issue(
                "warning",
                f"sample {row.sample_id!r} is not a column of the GISTIC table: it is left out of the summary's comparison",
                "preflight_gistic_sample_missing",
            ),
        )
        for i, row in enumerate(rows)
        if row.sample_id not in columns
    ]


_CHECKS: dict[str, Callable[[Path, list[SampleRow], _Context], _Found]] = {
    "cn_file": _check_cn,
    "vcf": _check_variants,
    "bam": _check_bam,
    "coverage": _check_coverage,
    "gene_panel": _check_gene_panel,
    "gistic_cna": _check_gistic,
}


# --------------------------------------------------------------------------- the cohort


def _location(row: SampleRow, column: str) -> str:
    """Where a relative path was looked for: the sheet's folder and, for a sheet named by a relative
    path, the working directory (configuration paths are relative to it, Snakemake's convention)."""
    raw = dict(row.raw).get(column, "")
    if not raw or Path(raw).expanduser().is_absolute():
        return ""
    text = f"the sample sheet gives {raw!r}, relative to the sheet's folder {os.path.abspath(row.sheet.parent)}"
    if not row.sheet.is_absolute():
        text += f" (the configuration names the sheet as {str(row.sheet)!r}, relative to the working directory {os.getcwd()})"
    return text


def preflight(cohort: Cohort, *, time_per_file: float = DEFAULT_TIME_PER_FILE) -> PreflightResult:
    """Open every data file of ``cohort`` (from ``pipeline.prepare``) once and list what would stop a
    run from reading it, per patient (see the module docstring). ``time_per_file``: seconds one file
    may take to scan on past its head; what is left unverified is a warning."""
    from .decision import arm_genes

    if not time_per_file > 0:
        raise ValueError(f"time_per_file must be > 0 seconds, found {time_per_file!r}")
    began = time.perf_counter()
    settings = cohort.settings
    genes = tuple(dict.fromkeys([*settings.genes(), *arm_genes(cohort.arms), "TP53"]))
    ctx = _Context(settings, genes, time_per_file)
    # One entry per (column, file): a file many rows name is opened once.
    uses: dict[tuple[str, str], list[SampleRow]] = {}
    for row in cohort.rows:
        for column, path in row.files():  # gene_panel: a file, not WES/WGS
            uses.setdefault((column, os.path.abspath(path)), []).append(row)
    access: dict[tuple[str, str], _Issue | None] = {}
    problems: list[FileProblem] = []
    # The summary compares with the GISTIC table whose name, as the sheet resolves it, sorts first.
    gistic_tables = sorted({str(row.gistic_cna) for row in cohort.rows if row.gistic_cna is not None})
    gistic_used = os.path.abspath(gistic_tables[0]) if gistic_tables else None
    for (column, resolved), rows in uses.items():
        path = Path(resolved)
        # The code screening gives a missing file of this column (docs/error_model.md).
        missing_code = "cn_missing" if column == "cn_file" else "input_missing"
        if (missing_code, resolved) not in access:
            access[missing_code, resolved] = _access(path, missing_code)
        unusable = access[missing_code, resolved]
        content_check = _CHECKS.get(column)  # a path column without one (a new reader): access only
        found: _Found
        if unusable is not None:
            found = [(None, unusable)]
        elif content_check is not None:
            try:
                found = content_check(path, rows, ctx)
            except InputError as exc:
                found = [(None, _from_input_error(exc))]
            except Exception as exc:  # noqa: BLE001 - one odd file never stops the check of the others
                found = [
                    (
                        None,
                        _error(
                            f"could not be checked ({type(exc).__name__}: {_shorten(str(exc), 200)}); screening is "
                            "likely to fail on it too",
                            "preflight_unexpected_error",
                        ),
                    )
                ]
            if column == "gistic_cna" and resolved != gistic_used:
                found.append(
                    (
                        None,
                        _Issue(
                            "warning",
                            f"the cohort summary compares with one GISTIC table, {gistic_used}; this one is not used",
                            "preflight_gistic_not_used",
                        ),
                    )
                )
        else:
            found = []
        for index, issue in found:
            for row in rows if index is None else [rows[index]]:
                problems.append(
                    FileProblem(
                        patient_id=row.patient_id,
                        sample_id=row.sample_id,
                        column=column,
                        path=resolved,
                        problem=issue.problem,
                        expected=issue.expected,
                        found=issue.found,
                        severity=issue.severity,
                        code=issue.code,
                        sheet=str(row.sheet),
                        sheet_line=row.line,
                        location=_location(row, column) if issue.access else "",
                    )
                )
    return PreflightResult(problems, len(uses), len(cohort.rows), time.perf_counter() - began, time_per_file)
