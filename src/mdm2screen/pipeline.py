"""Cohort-level orchestration shared by the Snakemake rules and the ``mdm2screen`` command.

``prepare`` validates the configuration, sample sheet(s), IHC table and arms file together
and raises one ConfigError listing every problem before any work. ``run_batch`` screens a
batch of patients (the Snakemake batch job) and writes one JSON and one HTML report per patient
plus a batch TSV of summary rows; ``summarize`` merges batch TSVs into the cohort summary.
Worker processes come from ``runner``; logs and progress from ``runlog`` (a log per batch under
``OUTDIR/logs/screen/``, one line per patient).

``check_config`` and ``screen_config`` are the API of ``mdm2screen check`` and ``mdm2screen screen``.

``screen`` (the screening stack) is imported where first used: Snakemake's planning process and
summary job import this module and never screen; importing it up front cost each 74 ms
(``python -X importtime``; Snakemake's own imports take 0.7 s), and ``mdm2screen check`` as much.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import math
import os
import re
import time
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import runlog
from .cn.caller_meta import sidecar_paths
from .concordance import gistic_concordance, write_concordance_tsv
from .config import Settings, load_settings
from .criteria import Arms, load_arms
from .errors import ConfigError
from .fileio import atomic_write, sync_files
from .ihc import IHCTable, read_ihc
from .paths import output_folder_problem, safe_child, where_relative
from .report import SUMMARY_COLUMNS, render_patient_html, render_patient_pdf, summary_row, write_cohort_summary
from .report.html import preload_patient_template
from .runner import run_in_workers
from .sheet import SampleRow, SheetResult, cross_sheet_problems, group_by_patient, read_sheet, sheet_paths

if TYPE_CHECKING:  # imported where first used (see the module docstring)
    from .screen import Screener

log = logging.getLogger("mdm2screen")


@dataclass
class Batch:
    id: str  # "<sheet label>_b<n>", e.g. "run_2026_11_24_b0"
    patients: list[str]
    fingerprint: str  # changes when a row, IHC row, data file (size/mtime) or the config of this batch changes


@dataclass
class Cohort:
    settings: Settings
    arms: Arms
    ihc: IHCTable
    rows: list[SampleRow]
    patients: dict[str, list[SampleRow]]
    sheets: list[Path]
    problems: list[str] = field(default_factory=list)  # cohort-level, non-fatal (orphan IHC rows)
    skipped_sheets: dict[str, list[str]] = field(default_factory=dict)  # nightly: broken sheets left out

    @property
    def outdir(self) -> Path:
        return self.settings.outdir

    @cached_property
    def shared_sources(self) -> list[str]:
        """The cohort files several rows read (:func:`shared_sources`), found once: each is sniffed."""
        return shared_sources(self.rows)

    @cached_property
    def config_sha256(self) -> str:
        """The decision-relevant configuration with the arms file (``Settings.sha256``), hashed once:
        every patient fingerprint holds it (0.2 s of a 10,000-sample parse when each hashed it)."""
        return self.settings.sha256(self.arms.text)

    def patient_fingerprint(self, patient_id: str) -> str:
        """What a decision for this patient depends on, apart from file contents."""
        parts = [self.config_sha256]
        parts += [r.fingerprint() for r in self.patients[patient_id]]
        parts += [json.dumps(r.to_dict(), sort_keys=True) for r in self.ihc.for_patient(patient_id)]
        parts += self.ihc.patient_problems.get(patient_id, [])
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def batches(self) -> list[Batch]:
        """Split the cohort into batch jobs, stable under the usual ways a cohort grows.

        Patients are grouped by their *home sheet* first: the last sheet (in file-name order, the
        order sheets are read) holding one of their samples. A new sequencing run's sheet thus
        forms batches of its own and leaves every earlier batch as it was, except those of
        patients who have a new sample in it (they move to the new sheet's batches). Within a
        sheet, patients go to one of a power-of-two number of batches by a stable hash of their
        ID, so a sheet that grows keeps every patient in its batch until the sheet doubles.
        """
        size = self.settings["batch_size"]
        order = {path: i for i, path in enumerate(self.sheets)}
        by_sheet: dict[Path, list[str]] = {}
        for pid in sorted(self.patients):
            home = max((row.sheet for row in self.patients[pid]), key=lambda p: order.get(p, -1))
            by_sheet.setdefault(home, []).append(pid)
        labels = _sheet_labels([p for p in self.sheets if p in by_sheet])
        out = []
        for sheet, sheet_patients in by_sheet.items():
            n = 1 << max(0, math.ceil(math.log2(len(sheet_patients) / size)))
            width = len(str(n - 1))
            members: dict[int, list[str]] = {i: [] for i in range(n)}
            for pid in sheet_patients:
                members[zlib.crc32(pid.encode()) % n].append(pid)
            for i, pids in members.items():
                if not pids:
                    continue
                # Sorted as text: comparing Path objects part by part cost 0.15 s at 10,000 samples.
                files = sorted(
                    {os.fspath(p) for pid in pids for row in self.patients[pid] for _, p in sample_input_files(row)}
                )
                parts = [self.patient_fingerprint(p) for p in pids] + [_stat_signature(f) for f in files]
                digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
                out.append(Batch(f"{labels[sheet]}_b{i:0{width}d}", pids, digest))
        return out


def sample_input_files(row: SampleRow) -> list[tuple[str, Path]]:
    """(role, path) of every file a sample's evidence reads: the sheet's files and the copy-number
    caller's purity/ploidy files beside ``cn_file`` (a changed purity file re-decides the sample)."""
    files = list(row.files())
    if row.cn_file is not None:
        files += [("caller_estimate", path) for path in sidecar_paths(row.cn_file)]
    return files


# --------------------------------------------------------------------------- shared files (sharedfiles.py)

SHARED_FOLDER = "shared"


# Cohort formats: one file holds many samples (cBioPortal/GENIE/TCGA segment files).
_COHORT_CN_FORMATS = frozenset({"seg", "seg_log10"})


def shared_sources(rows: Iterable[SampleRow]) -> list[str]:
    """Cohort files several sample rows read: a MAF in ``vcf`` or a segment (SEG) file in ``cn_file``.

    Each is parsed once per run into an extract (``sharedfiles``). Which files qualify is read from
    their first lines, not from how often a sheet names them alone: a single-sample file that two
    samples happen to share gains nothing from an extract, and a file that becomes shared when a
    new sheet arrives would change the inputs of batches that did not change. A VCF named by
    several rows has no extract either: its reader fetches each sample's region from the index.
    """
    cn: Counter[str] = Counter()
    cn_formats: dict[str, set[str | None]] = {}
    variants: Counter[str] = Counter()
    for row in rows:
        if row.cn_file is not None:
            path = os.fspath(row.cn_file)
            cn[path] += 1
            cn_formats.setdefault(path, set()).add(row.cn_format)
        if row.vcf is not None:
            variants[os.fspath(row.vcf)] += 1
    found = {path for path, n in cn.items() if n > 1 and _is_cohort_cn(path, cn_formats[path])}
    found |= {path for path, n in variants.items() if n > 1 and _is_maf(path)}
    return sorted(found)


def _is_maf(path: str) -> bool:
    from .errors import InputError
    from .variants import detect_variant_format

    try:
        return detect_variant_format(path) == "maf"
    except InputError:  # unreadable: each sample reports it when screened
        return False


def _is_cohort_cn(path: str, declared: set[str | None]) -> bool:
    """Whether the copy-number file is a segment file, from the sheet's ``cn_format`` or its first lines."""
    from itertools import islice

    from .cn.detect import detect_from_lines
    from .errors import InputError
    from .fileio import iter_text_lines

    named = {fmt for fmt in declared if fmt}
    if named:
        return named <= _COHORT_CN_FORMATS
    try:
        return detect_from_lines(path, list(islice(iter_text_lines(path), 200))) in _COHORT_CN_FORMATS
    except (InputError, OSError, UnicodeError):  # unreadable: each sample reports it when screened
        return False


def shared_extract_path(outdir: Path, source: str | os.PathLike[str]) -> Path:
    from .sharedfiles import extract_path

    return extract_path(Path(outdir) / SHARED_FOLDER, source)


@dataclass(frozen=True)
class SharedFile:
    """A file several sample rows read, and the extract it is parsed into once per run."""

    source: str
    extract: Path
    patients: list[str]  # one patient per (build, copy-number format) naming it: whose reads the extract holds


def shared_files(cohort: Cohort) -> list[SharedFile]:
    """The cohort's shared files (:func:`shared_sources`) with their extracts and representative patients."""
    out = []
    for source in cohort.shared_sources:
        out.append(
            SharedFile(
                source, shared_extract_path(cohort.outdir, source), sorted(_representatives(cohort.rows, source))
            )
        )
    return out


def _representatives(rows: Iterable[SampleRow], source: str) -> dict[str, SampleRow]:
    """Patient ID -> the first row naming ``source`` for each distinct (build, copy-number format)."""
    chosen: dict[tuple[str, str | None], SampleRow] = {}
    for row in rows:
        if source in (os.fspath(row.cn_file) if row.cn_file else None, os.fspath(row.vcf) if row.vcf else None):
            chosen.setdefault((row.build, row.cn_format), row)
    return {row.patient_id: row for row in chosen.values()}


def write_shared_extract(cohort: Cohort, source: str) -> Path:
    """Parse the shared file ``source`` as screening reads it and write its extract; return its path.

    The parse is the evidence layer's own: one sample naming the file is assembled for each distinct
    (build, copy-number format) that names it, which leaves the readers' parses in their caches.
    """
    from .errors import InputError
    from .sharedfiles import write_extract, write_unusable_extract

    representatives = _representatives(cohort.rows, source)
    screener = _screener(cohort)

    def parse() -> None:
        for row in representatives.values():
            screener.evidence.assemble(row, row.patient_id)

    dest = shared_extract_path(cohort.outdir, source)
    try:
        write_extract(source, dest, parse)
    except (InputError, OSError) as exc:
        # An unreadable shared file must not stop the run: the extract says so, batches ignore it,
        # and every sample naming the file gets the reader's own error when screened.
        log.warning("shared file %s: no extract (%s); its samples read it themselves", source, exc)
        write_unusable_extract(dest, str(exc))
    return dest


def ensure_shared_extracts(cohort: Cohort, sources: Iterable[str] | None = None) -> list[Path]:
    """The extract of every shared file (``sources``, default all of the cohort's), written where it is
    missing or stale: what ``screen`` and ``nightly`` do before screening (Snakemake has a rule each)."""
    from .sharedfiles import SourceStamp, read_header

    paths = []
    for source in cohort.shared_sources if sources is None else sources:
        dest = shared_extract_path(cohort.outdir, source)
        header = read_header(dest)
        try:
            fresh = header is not None and header.usable_for(SourceStamp.of(source)) is None
        except OSError:
            continue  # gone: each sample naming it reports that when screened
        paths.append(dest if fresh else write_shared_extract(cohort, source))
    return paths


def shared_slice_digests(cohort: Cohort) -> dict[str, dict[str, str]]:
    """Absolute path of each shared file -> sample name -> digest of that sample's slice (from the
    current extracts; a file without a usable extract is absent). Nightly keys patients on these."""
    from .sharedfiles import sample_digests

    return {
        str(Path(source).absolute()): digests
        for source in cohort.shared_sources
        if (digests := sample_digests(shared_extract_path(cohort.outdir, source)))
    }


def slice_name(row: SampleRow, role: str) -> str | None:
    """The name by which a shared file's reader finds ``row``'s sample: the MAF barcode or the
    segment file's sample (as the readers look them up: sheet column, else sample_id)."""
    if role == "vcf":
        return row.tumor_sample or row.sample_id
    if role == "cn_file":
        return row.cn_sample or row.sample_id
    return None


def load_shared_extracts(cohort: Cohort, patient_ids: Iterable[str] | None = None) -> list[str]:
    """Load the extracts in ``OUTDIR/shared/`` of the files these patients' samples read (None: every
    patient, every sample slice) into the readers' caches; return the sources now answered from them."""
    from .sharedfiles import load_extracts

    rows = cohort.rows if patient_ids is None else [r for pid in patient_ids for r in cohort.patients[pid]]
    sources = {os.fspath(p) for r in rows for p in (r.cn_file, r.vcf) if p is not None}
    extract_of = {source: shared_extract_path(cohort.outdir, source) for source in sorted(sources)}
    extracts = [path for path in extract_of.values() if path.is_file()]
    if not extracts:
        return []
    names = None if patient_ids is None else {n for r in rows for n in (r.sample_id, r.tumor_sample, r.cn_sample) if n}
    used = load_extracts(extracts, names).used
    _remember_source_checksums(extract_of, set(used))
    return used


def _remember_source_checksums(extract_of: dict[str, Path], used: set[str]) -> None:
    """Hand the sources' SHA-256 from their extracts to the audit block's checksums (``evidence.file_sha256``)."""
    from .evidence import remember_sha256
    from .sharedfiles import SourceStamp, read_header

    for source, extract in extract_of.items():
        if os.path.realpath(source) not in used:
            continue
        header = read_header(extract)
        if header is not None and header.source == SourceStamp.of(source):
            remember_sha256(source, header.source.size, header.source.mtime_ns, header.source_sha256)


def _sheet_labels(sheets: list[Path]) -> dict[Path, str]:
    """A readable, unique label per sheet for batch IDs (rule names and file names): its file
    name reduced to letters, digits and '_', with a short hash of the path when two collide."""
    plain = {p: re.sub(r"[^A-Za-z0-9_]", "_", p.stem) or "sheet" for p in sheets}
    counts: dict[str, int] = {}
    for label in plain.values():
        counts[label] = counts.get(label, 0) + 1
    return {
        p: label if counts[label] == 1 else f"{label}_{zlib.crc32(str(p).encode()):08x}" for p, label in plain.items()
    }


def _stat_signature(path: str) -> str:
    """Size and modification time of a data file (or its absence): cheap change detection for Snakemake."""
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}\tmissing"
    return f"{path}\t{st.st_size}\t{st.st_mtime_ns}"


def prepare(
    config: dict[str, Any],
    *,
    source: str = "config",
    skip_bad_sheets: bool = False,
    patients: Collection[str] | None = None,
    validated_arms_sha256: str | None = None,
) -> Cohort:
    """Validate everything up front; ConfigError lists every problem found.

    With ``skip_bad_sheets`` (nightly mode, ``samples`` a folder of sheets) a broken sheet is
    left out and reported in ``Cohort.skipped_sheets`` instead of stopping the run; a sample ID
    that collides with an earlier sheet's also skips the later sheet.

    ``patients`` builds only those patients (a batch job: the process that planned the batches
    has validated the whole cohort, and re-reading 10,000 rows in each of 64 jobs was a tenth of
    the run). Cohort-level problems (IHC rows of unknown patients) are then not collected.

    ``validated_arms_sha256`` (a job of a planned run, with ``Arms.sha256`` of the planning process):
    that process has validated ``config`` and the arms file, so they are not schema-checked again
    unless the arms file has changed since.
    """
    problems: list[str] = []
    try:
        settings = load_settings(config, source, validated=validated_arms_sha256 is not None)
    except ConfigError as exc:
        # Read the sheet(s) the config names anyway, so one run lists every problem, not the config's first.
        samples = config.get("samples") if isinstance(config, dict) else None
        sheet_problems: list[str] = []
        if isinstance(samples, str) and samples:
            results = [read_sheet(p) for p in sheet_paths(samples)]
            sheet_problems = [p for r in results for p in r.problems] + cross_sheet_problems(results)
        raise ConfigError([*exc.problems, *sheet_problems]) from None
    arms = None
    try:
        arms = load_arms(settings.arms_file, trials=settings["trials"], validated_sha256=validated_arms_sha256)
    except ConfigError as exc:
        problems.extend(exc.problems)
    for name, bed in settings["assays"].items():
        if not Path(bed).is_file():
            problems.append(
                f"{source}: config key 'assays.{name}': target BED {bed} does not exist{where_relative(bed)}"
            )
    for build, fasta in settings["reference_fasta"].items():
        if not Path(fasta).is_file():
            problems.append(
                f"{source}: config key 'reference_fasta.{build}': FASTA {fasta} does not exist{where_relative(fasta)}"
            )
    paths = sheet_paths(settings["samples"])
    if not paths:
        problems.append(f"{settings['samples']}: the folder holds no *.tsv sample sheet")
    wanted = frozenset(patients) if patients is not None else None
    results = [read_sheet(p, wanted, min_plausible_purity=settings.min_plausible_purity()) for p in paths]
    skipped: dict[str, list[str]] = {}
    if skip_bad_sheets:
        kept: list[SheetResult] = []
        for result in results:
            issues = result.problems or cross_sheet_problems([*kept, result])
            if issues:
                skipped[str(result.path)] = issues
            else:
                kept.append(result)
        results = kept
        if not results:
            problems.append(f"{settings['samples']}: no usable sample sheet ({len(skipped)} skipped)")
            problems.extend(p for issues in skipped.values() for p in issues)
    else:
        problems.extend(p for r in results for p in r.problems)
        problems.extend(cross_sheet_problems(results))
    rows = [row for r in results for row in r.rows]
    by_patient = group_by_patient(rows)
    ihc = IHCTable(None)
    try:
        ihc = read_ihc(settings["ihc"], {p: {r.sample_id for r in rs} for p, rs in by_patient.items()})
    except ConfigError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    assert arms is not None
    sheets = [r.path for r in results]
    orphans = list(ihc.cohort_problems()) if wanted is None else []
    return Cohort(settings, arms, ihc, rows, by_patient, sheets, problems=orphans, skipped_sheets=skipped)


def report_paths(outdir: Path, patient_id: str) -> tuple[Path, Path]:
    base = Path(outdir) / "patients"
    return safe_child(base, patient_id, ".json"), safe_child(base, patient_id, ".html")


def write_patient_outputs(
    report: dict[str, Any], outdir: Path, title: str, *, sync: bool = True, fhir: bool = False
) -> tuple[Path, Path]:
    """Write the patient's HTML (and FHIR bundle when ``fhir``), then JSON, each atomically. JSON last:
    its presence means complete.

    ``sync=False`` leaves flushing to disk to the caller (``fileio.sync_files``).
    """
    json_path, html_path = report_paths(outdir, report["patient_id"])
    atomic_write(html_path, render_patient_html(report, title=title), sync=sync)
    if fhir:
        # Imported only when asked for: the FHIR models take a while to import.
        from .report.fhir import build_fhir_bundle

        fhir_path = safe_child(Path(outdir) / "patients", report["patient_id"], ".fhir.json")
        atomic_write(fhir_path, json.dumps(build_fhir_bundle(report), separators=(",", ":")) + "\n", sync=sync)
    # Compact: only indent=None uses the C encoder (5x faster); `python -m json.tool` pretty-prints.
    atomic_write(json_path, json.dumps(report, separators=(",", ":")) + "\n", sync=sync)
    return json_path, html_path


def write_patient_pdf(html_path: Path) -> bool:
    """PDF next to the HTML when a PDF engine (Chromium) is installed; False when there is none."""
    if not render_patient_pdf(html_path, html_path.with_suffix(".pdf")):  # written atomically
        log.warning("report.pdf is set but no PDF engine (chromium) is installed: %s has no PDF", html_path.name)
        return False
    return True


def run_batch(
    cohort: Cohort,
    patient_ids: Iterable[str],
    rows_path: Path | None = None,
    *,
    jobs: int = 1,
    job_log: runlog.JobLog | None = None,
    progress: runlog.Progress | None = None,
    shared_extracts: bool = True,
) -> list[dict[str, str]]:
    """Screen the given patients, write their reports, return (and optionally write) summary rows.

    ``shared_extracts``: first load the slices of these patients' samples from the extracts of the
    shared files they read (``OUTDIR/shared/``, written before the batches); False when the caller
    has loaded them already.

    ``jobs`` > 1 screens them in that many worker processes (see ``_screen_in_workers``); the
    reports, the rows and their order are the same as with one. ``job_log``: the batch's log
    (``runlog.job_log``), which gets the batch line first and its completion line once the batch
    table is written. ``progress`` is told of each patient done.
    """
    patient_ids = list(patient_ids)
    gone = [pid for pid in patient_ids if pid not in cohort.patients]
    if gone:
        # The sheets changed between planning the batches and running this one.
        raise ConfigError(
            [f"patient(s) {', '.join(gone[:10])} planned for this batch are no longer in the sample sheets; run again"]
        )
    started = time.monotonic()
    if job_log is not None:
        job_log.info("%s: %s", job_log.title, batch_opening(cohort, len(patient_ids)))
    if shared_extracts:
        load_shared_extracts(cohort, patient_ids)  # before any worker forks: they inherit the caches
    if jobs > 1 and len(patient_ids) > 1:
        ((summary, written),) = _screen_in_workers(cohort, [patient_ids], jobs, progress=progress)
    else:
        summary, written = _screen_patients(cohort, _screener(cohort), patient_ids, progress)
    # One flush for the batch's reports, before the batch table that marks the batch complete.
    sync_files(written)
    if rows_path is not None:
        write_rows(rows_path, summary, SUMMARY_COLUMNS)
    if job_log is not None:
        job_log.complete(batch_outcome(summary, time.monotonic() - started))
    return summary


def log_cohort_problems(cohort: Cohort) -> None:
    """The cohort's problems that belong to no patient (IHC rows of unknown patients) as warnings; a
    patient's own are logged with the patient (``runlog.log_patient``)."""
    own = {p for problems in cohort.ihc.patient_problems.values() for p in problems}
    for problem in cohort.problems:
        if problem not in own:
            log.warning("%s", problem)


def batch_opening(cohort: Cohort, n_patients: int) -> str:
    """A batch log's first line after its header: what the batch screens, with which configuration."""
    return (
        f"{n_patients} patient(s) to screen; configuration sha256 {cohort.config_sha256}; output folder {cohort.outdir}"
    )


def batch_outcome(rows: list[dict[str, str]], seconds: float) -> str:
    """A batch log's completion line: patients per status and the time taken."""
    counts = Counter(row.get("status", "") for row in rows)
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
    return f"{len(rows)} patient(s) ({statuses or 'none'}) in {seconds:.1f} s"


def _screener(cohort: Cohort) -> Screener:
    from .screen import Screener

    return Screener(cohort.settings, cohort.arms, cohort.ihc)


def _screen_patients(
    cohort: Cohort, screener: Screener, patient_ids: list[str], progress: runlog.Progress | None = None
) -> tuple[list[dict[str, str]], list[Path]]:
    """Screen patients one after another: their summary rows, and the report files written (not yet flushed).

    Each patient's warnings and line go to the log (``runlog.log_patient``); ``progress`` is told of each.
    """
    title = cohort.settings["report"]["title"]
    want_pdf = cohort.settings["report"]["pdf"]
    summary: list[dict[str, str]] = []
    written: list[Path] = []
    for pid in patient_ids:
        report = screener.screen_patient(pid, cohort.patients[pid])
        json_path, html_path = write_patient_outputs(
            report, cohort.outdir, title, sync=False, fhir=cohort.settings["outputs"]["fhir"]
        )
        written += [html_path, json_path]
        if want_pdf:
            write_patient_pdf(html_path)
        summary.append(summary_row(report))
        runlog.log_patient(report)
        if progress is not None:
            progress.advance()
    return summary, written


def _worker_context(cohort: Cohort) -> tuple[Cohort, Screener]:
    """A worker's context (``runner.run_in_workers``): the cohort it inherited and its own screener."""
    return cohort, _screener(cohort)


def _worker_chunk(context: tuple[Cohort, Screener], patient_ids: list[str]) -> tuple[list[dict[str, str]], list[Path]]:
    return _screen_patients(*context, patient_ids)


GroupDone = Callable[[int, list[dict[str, str]], list[Path]], None]


def _screen_in_workers(
    cohort: Cohort,
    groups: list[list[str]],
    jobs: int,
    *,
    progress: runlog.Progress | None = None,
    route: Callable[[int], str] | None = None,
    on_group: GroupDone | None = None,
) -> list[tuple[list[dict[str, str]], list[Path]]]:
    """Screen each group of patients (a batch) in ``jobs`` worker processes; per group, the summary
    rows in the group's order and the report files written (not yet flushed).

    Patients go out in small chunks, each to the next free worker, so the workers finish within a
    chunk of each other (~0.1 s) however unevenly slow files (e.g. CNVkit .cnr bins) fall; with
    one chunk per worker the slowest decided. What every patient needs on first use (the
    screening modules, the report template) is loaded before the workers fork, once.

    As chunks complete (in this process): what the workers logged goes to the log of group i's
    ``route(i)`` (``runlog.replay``), ``progress`` advances, and ``on_group(i, rows, written)`` runs
    once group i is done.
    """
    from . import screen  # noqa: F401 - loaded here for the workers to inherit

    preload_patient_template()
    total = sum(len(g) for g in groups)
    size = max(1, min(50, total // (jobs * 32)))
    chunks = [
        (index, ids[start : start + size]) for index, ids in enumerate(groups) for start in range(0, len(ids), size)
    ]
    done: list[tuple[list[dict[str, str]], list[Path]] | None] = [None] * len(chunks)
    positions: list[list[int]] = [[] for _ in groups]
    for position, (index, _) in enumerate(chunks):
        positions[index].append(position)
    waiting = [len(p) for p in positions]
    results: list[tuple[list[dict[str, str]], list[Path]]] = [([], []) for _ in groups]

    def keep(position: int, result: tuple[list[dict[str, str]], list[Path]]) -> None:
        done[position] = result
        if progress is not None:
            progress.advance(len(result[0]))
        index = chunks[position][0]
        waiting[index] -= 1
        if waiting[index]:
            return
        # In chunk order, so each group's rows come in its own order, as one process gives them.
        rows, written = results[index]
        for p in positions[index]:
            chunk_result = done[p]
            assert chunk_result is not None
            rows.extend(chunk_result[0])
            written.extend(chunk_result[1])
            done[p] = None
        if on_group is not None:
            on_group(index, rows, written)

    run_in_workers(
        [ids for _, ids in chunks],
        _worker_chunk,
        keep,
        jobs=jobs,
        setup=_worker_context,
        setup_args=(cohort,),
        log_route=(lambda position: route(chunks[position][0])) if route is not None else None,
    )
    return results


def screen_cohort(cohort: Cohort, *, jobs: int = 1, batches: list[Batch] | None = None) -> list[Path]:
    """Screen every batch in this process (``jobs`` 1) or in ``jobs`` worker processes.

    The same batches, batch tables and batch logs (``OUTDIR/logs/screen/<batch>.log``) as the
    Snakemake workflow. With workers, every batch is cut into small chunks of patients that go to
    whichever worker is free (``_screen_in_workers``), so a slow batch does not leave a core idle;
    each batch table is written, and its log completed, as soon as all its chunks are done.
    Progress is shown when a command line configured the console (``runlog.Progress``). Returns
    the batch tables. ``batches``: ``cohort.batches()`` when the caller has them already.
    """
    batches = cohort.batches() if batches is None else batches
    tables = [cohort.outdir / "batches" / f"{b.id}.tsv" for b in batches]
    # Each shared file parsed once, before the batches; loaded whole here, before workers fork.
    ensure_shared_extracts(cohort)
    load_shared_extracts(cohort)
    with runlog.Progress(sum(len(b.patients) for b in batches), batches=len(batches)) as progress:
        if jobs <= 1:
            for batch, table in zip(batches, tables, strict=True):
                with runlog.job_log(runlog.batch_log_path(cohort.outdir, batch.id), f"batch {batch.id}") as job:
                    run_batch(cohort, batch.patients, table, job_log=job, progress=progress, shared_extracts=False)
                progress.batch_done()
            return tables
        logs = _BatchLogs(cohort, batches)
        started = time.monotonic()

        def finish(index: int, rows: list[dict[str, str]], written: list[Path]) -> None:
            # One flush for the batch's reports, before the batch table that marks the batch complete.
            sync_files(written)
            write_rows(tables[index], rows, SUMMARY_COLUMNS)
            logs.complete(index, batch_outcome(rows, time.monotonic() - started))
            progress.batch_done()

        try:
            # The workers fork before any batch log is open: they must log patient lines all the same.
            with runlog.passing_info():
                _screen_in_workers(
                    cohort, [b.patients for b in batches], jobs, progress=progress, route=logs.route, on_group=finish
                )
        except BaseException as exc:
            logs.abandon(exc)
            raise
    return tables


class _BatchLogs:
    """The logs of batches screened in workers: a batch's log is opened when its first chunk is done
    (``route``) and closed when its last is (``complete``), so only the few batches with chunks under
    way have a file open, whatever the number of batches (e.g. a small ``batch_size``)."""

    def __init__(self, cohort: Cohort, batches: list[Batch]) -> None:
        self.cohort = cohort
        self.batches = batches
        self.open: dict[int, tuple[contextlib.ExitStack, runlog.JobLog]] = {}

    def route(self, index: int) -> str:
        """Batch ``index``'s route for its records (its ID), its log opened if it is not yet."""
        if index not in self.open:
            batch = self.batches[index]
            stack = contextlib.ExitStack()
            job = stack.enter_context(
                runlog.job_log(runlog.batch_log_path(self.cohort.outdir, batch.id), f"batch {batch.id}", route=batch.id)
            )
            job.info("%s: %s", job.title, batch_opening(self.cohort, len(batch.patients)))
            self.open[index] = (stack, job)
        return self.batches[index].id

    def complete(self, index: int, detail: str) -> None:
        self.route(index)  # the log is open by now (each chunk logs a line per patient), unless logging is off
        stack, job = self.open.pop(index)
        job.complete(detail)
        stack.close()

    def abandon(self, exc: BaseException) -> None:
        """Each open log's last line says its batch did not complete, and why."""
        for stack, _ in self.open.values():
            try:
                stack.__exit__(type(exc), exc, exc.__traceback__)
            except BaseException:  # noqa: S110 - the log re-raises the run's own error; the caller raises it
                pass
        self.open.clear()


def write_rows(path: Path, rows: list[dict[str, str]], columns: Iterable[str]) -> None:
    columns = list(columns)
    extra = sorted({k for r in rows for k in r} - set(columns))
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=columns + extra, delimiter="\t", lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(path, buffer.getvalue())


def read_rows(paths: Iterable[Path]) -> Iterable[dict[str, str]]:
    for path in paths:
        with open(path, newline="") as handle:
            yield from csv.DictReader(handle, delimiter="\t")


def gistic_samples(rows: Iterable[SampleRow]) -> list[tuple[str, str, str]]:
    """(patient, sample, GISTIC table) of each sample row naming a GISTIC table, for the summary."""
    return [(r.patient_id, r.sample_id, str(r.gistic_cna)) for r in rows if r.gistic_cna is not None]


def summarize(cohort: Cohort, batch_tables: Iterable[Path]) -> dict[str, Path]:
    """The cohort summary of a prepared cohort from its batch tables."""
    return write_summary(
        cohort.settings, cohort.arms, batch_tables, problems=cohort.problems, gistic=gistic_samples(cohort.rows)
    )


def summarize_planned(
    config: dict[str, Any],
    batch_tables: Iterable[Path],
    *,
    arms_sha256: str,
    problems: list[str],
    gistic: Iterable[Sequence[str]],
) -> dict[str, Path]:
    """The summary job of a planned run: the planning process validated the configuration and the
    arms file (``arms_sha256``) and passes the cohort's problems and ``gistic_samples``, so the
    sample sheets and IHC table are not read again (a second or more at 10,000 samples)."""
    settings = load_settings(config, "config", validated=True)
    arms = load_arms(settings.arms_file, trials=settings["trials"], validated_sha256=arms_sha256)
    return write_summary(settings, arms, batch_tables, problems=problems, gistic=[(g[0], g[1], g[2]) for g in gistic])


def write_summary(
    settings: Settings,
    arms: Arms,
    batch_tables: Iterable[Path],
    *,
    problems: list[str],
    gistic: list[tuple[str, str, str]],
) -> dict[str, Path]:
    """Merge batch tables into the cohort summary (TSV, CSV, HTML, plots), with GISTIC concordance
    for the decision samples listed in ``gistic`` (see ``gistic_samples``)."""
    rows = sorted(read_rows(batch_tables), key=lambda r: r["patient_id"])
    concordance = None
    if gistic:
        calls = []
        by_patient = {r["patient_id"]: r for r in rows}
        for patient_id, sample_id, _ in gistic:
            summary = by_patient.get(patient_id)
            if summary is None or summary.get("decision_sample") != sample_id:
                continue
            for gene in ("MDM2", "CDK4"):
                cn = summary.get(f"{gene.lower()}_copy_number", "NA")
                calls.append(
                    {
                        "sample_id": sample_id,
                        "gene": gene,
                        "call": summary.get(f"{gene.lower()}_call", "not_assessable"),
                        "copy_number": None if cn in ("", "NA") else float(cn),
                    }
                )
        concordance = gistic_concordance(calls, min(path for _, _, path in gistic))
        write_concordance_tsv(concordance, settings.outdir / "cohort" / "gistic_concordance.tsv")
    arm_list = [{"id": a.id, "title": a.title} for a in sorted(arms.arms, key=lambda a: a.id != arms.default_arm)]
    return write_cohort_summary(
        rows,
        settings.outdir,
        title=settings["report"]["title"],
        arms=arm_list,
        concordance=concordance,
        problems=problems,
        thresholds=settings["copy_number"]["thresholds"],
    )


# --------------------------------------------------------------------------- API of `check` and `screen`


@dataclass
class CheckResult:
    """What ``check_config`` found: a cohort that can be screened, and its non-fatal problems."""

    n_patients: int
    n_samples: int
    n_batches: int
    outdir: Path
    warnings: list[str]


def check_config(config: dict[str, Any], *, source: str = "config") -> CheckResult:
    """Validate the configuration, sample sheet(s), IHC table and arms; ConfigError lists every problem.

    IHC values that make a patient's marker invalid do not stop a run, but are all listed in ``warnings``.
    """
    cohort = prepare(config, source=source)
    warnings = list(cohort.problems)
    listed = set(warnings)
    warnings += [p for p in cohort.ihc.cohort_problems() if p not in listed]
    return CheckResult(len(cohort.patients), len(cohort.rows), len(cohort.batches()), cohort.outdir, warnings)


@dataclass
class ScreenResult:
    n_patients: int
    reports: Path  # the folder of patient reports
    summary: Path  # the cohort summary page
    log: Path  # the run's log (OUTDIR/logs/mdm2screen_screen_<time>.log); batch logs are in OUTDIR/logs/screen/


def screen_config(config: dict[str, Any], *, source: str = "config", jobs: int = 1) -> ScreenResult:
    """Screen a whole cohort without Snakemake: the same batches, reports and summary, in this
    process (``jobs`` 1) or in ``jobs`` worker processes. ConfigError for a broken input or an
    output folder that cannot be written, before anything is written."""
    cohort = prepare(config, source=source)
    unwritable = output_folder_problem(cohort.outdir)
    if unwritable is not None:
        raise ConfigError([unwritable])
    with runlog.run_log(cohort.outdir, "screen", config_sha256=cohort.config_sha256) as job:
        batches = cohort.batches()
        job.info(
            "%d patient(s), %d sample(s) in %d batch(es), %d worker process(es); configuration %s; output folder %s",
            len(cohort.patients),
            len(cohort.rows),
            len(batches),
            jobs,
            source,
            cohort.outdir,
        )
        log_cohort_problems(cohort)
        tables = screen_cohort(cohort, jobs=jobs, batches=batches)
        written = summarize(cohort, tables)
        summary = written.get("summary.html", cohort.outdir / "cohort")
        job.complete(f"{len(cohort.patients)} patient(s) in {len(batches)} batch(es); summary {summary}")
    return ScreenResult(len(cohort.patients), cohort.outdir / "patients", summary, job.path)
