"""Nightly incremental screening: the API of ``mdm2screen nightly`` (``run_nightly``).

``mdm2screen nightly`` is meant for cron. Each run:

1. validates the configuration and loads every sample sheet, leaving broken sheets out
   (reported in the digest) so one bad sequencing run cannot stop the others;
2. takes an exclusive lock on ``{outdir}/.nightly.lock`` (a second run exits 3, or waits
   with ``--wait``);
3. computes a change-detection key per patient: the patient's sheet rows, IHC rows and
   decision-relevant configuration (``Cohort.patient_fingerprint``), the content SHA-256 of
   every data file of the patient's samples (stored per path, size and mtime so unchanged
   files are not read again) and the pipeline version;
4. screens only patients whose key differs from their current decision (or who have none,
   or whose report files are gone), several processes at a time when there are many;
5. records each decision in ``{outdir}/registry.sqlite`` after its reports are on disk;
6. rebuilds the cohort summary from the registry and writes the digest
   ``{outdir}/digests/<date>.json`` / ``.html``: what changed since the last completed run.

Each run writes its log, ``{outdir}/logs/mdm2screen_nightly_<UTC time>.log`` (``runlog.run_log``):
one line per patient screened, every warning, and a last line once the run is complete.

See docs/nightly.md for operation (cron, exit codes, recovering from a crash). The registry
queries of ``mdm2screen history`` and ``list`` are in ``app``; the command line is ``cli.nightly``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from . import __version__, runlog
from .errors import ConfigError
from .fileio import atomic_write, sha256_file
from .paths import output_folder_problem
from .pipeline import (
    Cohort,
    ensure_shared_extracts,
    load_shared_extracts,
    log_cohort_problems,
    prepare,
    sample_input_files,
    shared_slice_digests,
    slice_name,
    summarize,
    write_patient_outputs,
    write_rows,
)
from .registry import ChecksumStats, DecisionRecord, Registry, StoredDecision, now_utc, registry_path
from .report import SUMMARY_COLUMNS, summary_row
from .runner import run_in_workers
from .screen import Screener
from .sheet import SampleRow

log = logging.getLogger("mdm2screen")

LOCK_NAME = ".nightly.lock"
KEY_VERSION = "mdm2screen-decision-key/1"
# Fewer changed patients than this are screened in this process: starting workers costs more.
PARALLEL_MIN_PATIENTS = 50
# Decisions are committed in small groups: a crash loses at most this much finished work.
COMMIT_EVERY = 20
COMMIT_SECONDS = 2.0
SUMMARY_ROWS_NAME = "nightly/summary_rows.tsv"


# --------------------------------------------------------------------------- lock


class LockHeld(Exception):
    """Another nightly run holds the lock on this output folder."""

    def __init__(self, path: Path, holder: str) -> None:
        self.path = path
        self.holder = holder
        super().__init__(
            f"another nightly run holds the lock {path} ({holder}); "
            "it will release the lock when it finishes. Try again later, or pass --wait to queue behind it"
        )


class NightlyLock:
    """An exclusive ``fcntl.flock`` on ``{outdir}/.nightly.lock``; the file records the holder's pid.

    flock locks die with the process holding them, so a crashed run never leaves a stale lock.
    """

    def __init__(self, outdir: str | Path) -> None:
        self.path = Path(outdir) / LOCK_NAME
        self.fd: int | None = None

    def holder(self) -> str:
        try:
            text = self.path.read_text().strip()
        except OSError:
            return "holder unknown"
        return text or "holder unknown"

    def acquire(self, wait: bool = False, on_wait: Callable[[str], None] | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_APPEND-free open without truncation: the holder's pid must survive until we own the lock.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not wait:
                    raise LockHeld(self.path, self.holder()) from None
                if on_wait is not None:
                    on_wait(f"waiting for the nightly lock {self.path} ({self.holder()})")
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} on {os.uname().nodename}, since {now_utc()}\n".encode())
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)
        except OSError:
            pass
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None

    def __enter__(self) -> NightlyLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# --------------------------------------------------------------------------- change detection


def decision_key(fingerprint: str, inputs: Iterable[dict[str, Any]], pipeline_version: str = __version__) -> str:
    """SHA-256 over everything a decision depends on: fingerprint, input contents, pipeline version.

    ``inputs`` are ``{"sample_id", "role", "path", "sha256"}`` dicts; a missing file has sha256
    None, so a file appearing later changes the key.
    """
    digest = hashlib.sha256(f"{KEY_VERSION}\n{pipeline_version}\n{fingerprint}\n".encode())
    for item in sorted(inputs, key=lambda i: (str(i["sample_id"]), i["role"], i["path"])):
        digest.update(f"{item['sample_id']}\t{item['role']}\t{item['path']}\t{item['sha256'] or 'MISSING'}\n".encode())
    return digest.hexdigest()


@dataclass
class PatientPlan:
    patient_id: str
    key: str
    inputs: list[dict[str, Any]]
    why: str  # "new", "changed", "report_missing", "forced"


@dataclass
class Plan:
    todo: list[PatientPlan]
    unchanged: list[str]
    checksums: ChecksumStats


def patient_input_paths(cohort: Cohort, patient_id: str) -> list[tuple[str, str, str]]:
    """(sample_id, role, absolute path) of every data file a patient's decision reads.

    Besides each sample's own files and its caller's purity files (``pipeline.sample_input_files``)
    this includes the target BED of the sample's assay: it is the evidence that TP53 was examined.
    """
    assays = cohort.settings["assays"]
    out = []
    for row in cohort.patients[patient_id]:
        for role, path in sample_input_files(row):
            out.append((row.sample_id, role, str(Path(path).absolute())))
        if row.assay and assays.get(row.assay):
            out.append((row.sample_id, "assay_targets", str(Path(assays[row.assay]).absolute())))
    return out


def plan_run(cohort: Cohort, registry: Registry, *, force: bool = False) -> Plan:
    """Decide which patients need screening; file checksums are refreshed as a side effect."""
    paths = {pid: patient_input_paths(cohort, pid) for pid in cohort.patients}
    stats = ChecksumStats()
    sums = registry.checksums((p for items in paths.values() for _, _, p in items), stats)
    # A shared cohort file (MAF, SEG) counts by each sample's own slice of it, not the whole file:
    # rows appended for new samples must not re-decide everyone else.
    ensure_shared_extracts(cohort)
    slices = shared_slice_digests(cohort)
    current = registry.current_keys()
    todo: list[PatientPlan] = []
    unchanged: list[str] = []
    for pid in sorted(cohort.patients):
        rows = {row.sample_id: row for row in cohort.patients[pid]}
        inputs = [
            {"sample_id": s, "role": r, "path": p, "sha256": _input_digest(p, rows[s], r, sums, slices)}
            for s, r, p in paths[pid]
        ]
        key = decision_key(cohort.patient_fingerprint(pid), inputs)
        stored = current.get(pid)
        if stored is None:
            why = "new"
        elif stored[0] != key:
            why = "changed"
        elif not (Path(stored[1]).is_file() and Path(stored[2]).is_file()):
            why = "report_missing"
        elif force:
            why = "forced"
        else:
            unchanged.append(pid)
            continue
        todo.append(PatientPlan(pid, key, inputs, why))
    return Plan(todo, unchanged, stats)


def _input_digest(
    path: str, row: SampleRow, role: str, sums: dict[str, str | None], slices: dict[str, dict[str, str]]
) -> str | None:
    """The file's SHA-256, or for a shared file the digest of this sample's slice (``slice:<hex>``)."""
    name = slice_name(row, role)
    digest = slices.get(path, {}).get(name) if name else None
    return f"slice:{digest}" if digest else sums.get(path)


# --------------------------------------------------------------------------- screening


@dataclass
class PatientFailure:
    """A patient whose screening raised an unexpected error: no decision, retried next run."""

    patient_id: str
    message: str
    traceback: str = ""


def _screen_one(cohort: Cohort, screener: Screener, item: PatientPlan) -> DecisionRecord:
    """Screen one patient, write its reports (HTML then JSON), and describe the decision."""
    report = screener.screen_patient(item.patient_id, cohort.patients[item.patient_id])
    json_path, html_path = write_patient_outputs(
        report, cohort.outdir, cohort.settings["report"]["title"], fhir=cohort.settings["outputs"]["fhir"]
    )
    record = DecisionRecord(
        patient_id=item.patient_id,
        status=report["status"],
        arms={a["id"]: a["status"] for a in report["arms"]},
        reasons=list(report["reasons"]),
        events=list(report.get("history", {}).get("events", [])),
        inputs=item.inputs,
        decision_sample=report.get("decision_sample"),
        fingerprint_key=item.key,
        pipeline_version=report["provenance"]["pipeline_version"],
        config_sha256=report["provenance"]["config_sha256"],
        decided_at=now_utc(),
        report_json=str(json_path),
        report_html=str(html_path),
        # Hash of the file as written: lets anyone check the report was not altered later.
        report_sha256=sha256_file(json_path),
        summary=summary_row(report),
    )
    # Logged once the reports are written: a patient line means a decision on disk.
    runlog.log_patient(report)
    return record


def _screen_items(
    cohort: Cohort, screener: Screener, items: Sequence[PatientPlan]
) -> list[DecisionRecord | PatientFailure]:
    out: list[DecisionRecord | PatientFailure] = []
    for item in items:
        try:
            out.append(_screen_one(cohort, screener, item))
        except Exception as exc:  # one patient's bug must not stop the night; it is retried next run
            log.error("%s: screening failed: %s", item.patient_id, exc)
            out.append(PatientFailure(item.patient_id, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    return out


def _worker_context(cohort: Cohort, lock_fd: int | None) -> tuple[Cohort, Screener]:
    """A worker's context (``runner.run_in_workers``): the cohort it inherited and its own screener."""
    # A forked worker inherits the lock's descriptor; closing our copy keeps a worker orphaned
    # by a killed parent from holding the lock (the parent's own descriptor keeps it meanwhile).
    if lock_fd is not None:
        try:
            os.close(lock_fd)
        except OSError:
            pass
    return cohort, Screener(cohort.settings, cohort.arms, cohort.ihc)


def _worker_chunk(context: tuple[Cohort, Screener], items: list[PatientPlan]) -> list[DecisionRecord | PatientFailure]:
    return _screen_items(*context, items)


def screen_patients(
    cohort: Cohort,
    items: list[PatientPlan],
    on_results: Callable[[list[DecisionRecord | PatientFailure]], None],
    *,
    jobs: int = 2,
    lock_fd: int | None = None,
) -> None:
    """Screen ``items``, handing results to ``on_results`` in small groups as they complete.

    In this process for few patients; in ``jobs`` worker processes for many. Results are
    handed over only after the patient's reports are written.
    """
    if not items:
        return
    # Shared files (a cohort MAF, a multi-sample SEG) parsed once, or not at all while their
    # extract is current; loaded here, before any worker forks.
    ensure_shared_extracts(cohort)
    load_shared_extracts(cohort, [item.patient_id for item in items])
    if jobs <= 1 or len(items) < PARALLEL_MIN_PATIENTS:
        screener = Screener(cohort.settings, cohort.arms, cohort.ihc)
        buffer: list[DecisionRecord | PatientFailure] = []
        last = time.monotonic()
        for item in items:
            buffer.extend(_screen_items(cohort, screener, [item]))
            if len(buffer) >= COMMIT_EVERY or time.monotonic() - last >= COMMIT_SECONDS:
                on_results(buffer)
                buffer, last = [], time.monotonic()
        if buffer:
            on_results(buffer)
        return
    # Chunks small enough to spread the load and commit often, large enough to keep IPC cheap.
    size = max(1, min(COMMIT_EVERY, len(items) // (jobs * 4) or 1))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    # Each chunk's results are committed as it completes and then let go (runner.run_in_workers).
    run_in_workers(
        chunks,
        _worker_chunk,
        lambda _, results: on_results(results),
        jobs=jobs,
        setup=_worker_context,
        setup_args=(cohort, lock_fd),
    )


# --------------------------------------------------------------------------- summary


def rebuild_summary(cohort: Cohort, registry: Registry, previous_sha: str | None) -> tuple[str, bool]:
    """Rebuild the cohort summary from the registry's current summary rows.

    Returns (hash of the rows, whether the summary was rewritten). Skipped when the rows and
    cohort problems are what the last completed run summarised and the summary files exist.
    """
    current = registry.current_summaries()
    rows = [current[pid] for pid in sorted(cohort.patients) if pid in current]
    table = cohort.outdir / SUMMARY_ROWS_NAME
    write_rows(table, rows, SUMMARY_COLUMNS)
    del current, rows  # summarize() reads the table back; one copy of the rows at a time
    digest = hashlib.sha256(table.read_bytes())
    digest.update(json.dumps({"problems": cohort.problems, "arms": cohort.arms.text}, sort_keys=True).encode())
    sha = digest.hexdigest()
    summary_dir = cohort.outdir / "cohort"
    if sha == previous_sha and (summary_dir / "summary.html").is_file() and (summary_dir / "summary.tsv").is_file():
        return sha, False
    summarize(cohort, [table])
    return sha, True


# --------------------------------------------------------------------------- digest


def _change_rank(old: str | None, new: str) -> int:
    """Order of status changes in the digest: lost eligibility first."""
    if old == "ELIGIBLE" and new == "NOT_ELIGIBLE":
        return 0
    if old == "ELIGIBLE":
        return 1
    if new == "ELIGIBLE":
        return 2
    return 3


def _entry(d: StoredDecision, digest_dir: Path) -> dict[str, Any]:
    return {
        "patient_id": d.patient_id,
        "status": d.status,
        "arms": d.arms,
        "first_reason": d.first_reason,
        "first_reason_code": d.reasons[0]["code"] if d.reasons else None,
        "decided_at": d.decided_at,
        "decision_sample": d.decision_sample,
        "report_html": d.report_html,
        "report_json": d.report_json,
        "report_link": os.path.relpath(d.report_html, digest_dir),
    }


def build_digest(
    registry: Registry,
    run_id: int,
    cohort: Cohort,
    *,
    date: str,
    digest_dir: Path,
    failures: Sequence[PatientFailure] = (),
    config_path: str | None = None,
) -> dict[str, Any]:
    """What changed since the last completed run (decisions of interrupted runs included)."""
    since = registry.last_completed_run(before=run_id)
    since_id = since.id if since else 0
    new = registry.decisions_after(since_id, light=True)
    old = registry.decisions_as_of(since_id, new, light=True) if since_id else {}
    changes, newly_eligible, ihc_to_request, new_indeterminate, unchanged_status, new_patients = [], [], [], [], [], []
    for pid in sorted(new):
        d = new[pid]
        before = old.get(pid)
        old_status = before.status if before else None
        entry = _entry(d, digest_dir)
        if before is None:
            new_patients.append(pid)
        if d.status == "ELIGIBLE" and old_status != "ELIGIBLE":
            newly_eligible.append(entry)
        if d.status == "PENDING_CONFIRMATION" and old_status != "PENDING_CONFIRMATION":
            ihc_to_request.append(entry)
        if d.status == "INDETERMINATE" and old_status != "INDETERMINATE":
            new_indeterminate.append({**entry, "action": d.first_reason or "see the report"})
        if before is not None and (before.status != d.status or before.arms != d.arms):
            acquired = [e["message"] for e in d.events if e.get("code") == "acquired_tp53_mutation"]
            changes.append(
                {
                    **entry,
                    "old_status": before.status,
                    "new_status": d.status,
                    "old_arms": before.arms,
                    "old_decided_at": before.decided_at,
                    "flagged": old_status == "ELIGIBLE" and d.status == "NOT_ELIGIBLE",
                    "acquired_tp53_mutation": acquired,
                }
            )
        elif before is not None:
            unchanged_status.append(pid)
    changes.sort(key=lambda c: (_change_rank(c["old_status"], c["new_status"]), c["patient_id"]))
    not_in_cohort = sorted(pid for pid in registry.current_keys() if pid not in cohort.patients)
    runs_covered = [r.id for r in registry.runs() if r.id > since_id]
    return {
        "date": date,
        "run_id": run_id,
        "generated_at": now_utc(),
        "since_run_id": since_id or None,
        "since": since.finished_at if since else None,
        "runs_covered": runs_covered,
        "pipeline_version": __version__,
        "config": config_path,
        "config_sha256": cohort.config_sha256,
        "outdir": str(cohort.outdir),
        "counts": {
            "patients": len(cohort.patients),
            "decided": len(new),
            "new_patients": len(new_patients),
            "status_changes": len(changes),
            "failed": len(failures),
            "skipped_sheets": len(cohort.skipped_sheets),
        },
        "no_changes": not new,
        "status_changes": changes,
        "newly_eligible": newly_eligible,
        "ihc_to_request": ihc_to_request,
        "new_indeterminate": new_indeterminate,
        "rescreened_status_unchanged": unchanged_status,
        "new_patients": new_patients,
        "failed": [{"patient_id": f.patient_id, "message": f.message} for f in failures],
        "skipped_sheets": [{"path": p, "problems": list(v)} for p, v in sorted(cohort.skipped_sheets.items())],
        "cohort_problems": list(cohort.problems),
        "not_in_cohort": not_in_cohort,
    }


DIGEST_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}: nightly digest {{ d.date }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:70rem;
  padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
.meta{color:#555;font-size:.9rem}table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e3e3;vertical-align:top}th{background:#f4f4f4}
.st{font-weight:600;white-space:nowrap}.ELIGIBLE{color:#0a6b2b}.NOT_ELIGIBLE{color:#8a1c1c}
.PENDING_CONFIRMATION{color:#7a5a00}.INDETERMINATE{color:#4a4a8a}
tr.flag td{background:#fde8e8}.alert{font-weight:700;color:#8a1c1c}
.none{padding:1rem;background:#eef6ee;border:1px solid #b9d8b9}
.warn{padding:.6rem;background:#fff6e0;border:1px solid #e6cf8f;margin-bottom:.5rem}
code{font-size:.88rem}ul.p{margin:.2rem 0 .2rem 1.2rem;padding:0}
</style></head><body>
<h1>{{ title }}: nightly digest {{ d.date }}</h1>
<p class="meta">Run {{ d.run_id }} (covers run{{ 's' if d.runs_covered|length > 1 }} {{ d.runs_covered|join(', ') }}),
generated {{ d.generated_at }}; changes since {{ d.since or 'the first run' }}.
Pipeline {{ d.pipeline_version }}, configuration <code>{{ d.config_sha256[:12] }}</code>.
{{ d.counts.patients }} patients in the cohort, {{ d.counts.decided }} (re)decided.</p>
{% if d.no_changes %}
<p class="none">No changes: no patient needed to be screened again since the last run.</p>
{% endif %}
{% if d.failed %}
<h2>Could not be screened (internal error, retried next run)</h2>
<table><tr><th>patient</th><th>error</th></tr>
{% for f in d.failed %}<tr><td>{{ f.patient_id }}</td><td>{{ f.message }}</td></tr>{% endfor %}
</table>
{% endif %}
{% if d.status_changes %}
<h2>Status changes</h2>
<table><tr><th>patient</th><th>was</th><th>now</th><th>arms now</th><th>why</th></tr>
{% for c in d.status_changes %}
<tr{% if c.flagged %} class="flag"{% endif %}>
<td><a href="{{ c.report_link }}">{{ c.patient_id }}</a></td>
<td class="st {{ c.old_status }}">{{ c.old_status }}</td><td class="st {{ c.new_status }}">{{ c.new_status }}</td>
<td>{% for a, s in c.arms.items() %}{{ a }}: <span class="{{ s }}">{{ s }}</span>
{% if c.old_arms.get(a) != s %} (was {{ c.old_arms.get(a, 'not screened') }}){% endif %}<br>{% endfor %}</td>
<td>{% if c.flagged %}<span class="alert">No longer eligible.</span> {% endif %}
{% for e in c.acquired_tp53_mutation %}<span class="alert">{{ e }}</span><br>{% endfor %}
{{ c.first_reason }}</td></tr>
{% endfor %}
</table>
{% endif %}
{% if d.newly_eligible %}
<h2>Newly ELIGIBLE</h2>
<table><tr><th>patient</th><th>decision sample</th><th>arms</th></tr>
{% for e in d.newly_eligible %}
<tr><td><a href="{{ e.report_link }}">{{ e.patient_id }}</a></td><td>{{ e.decision_sample or '' }}</td>
<td>{% for a, s in e.arms.items() %}{{ a }}: <span class="{{ s }}">{{ s }}</span><br>{% endfor %}</td></tr>
{% endfor %}
</table>
{% endif %}
{% if d.ihc_to_request %}
<h2>IHC to request (newly PENDING_CONFIRMATION)</h2>
<table><tr><th>patient</th><th>decision sample</th><th>what is pending</th></tr>
{% for e in d.ihc_to_request %}
<tr><td><a href="{{ e.report_link }}">{{ e.patient_id }}</a></td><td>{{ e.decision_sample or '' }}</td>
<td>{{ e.first_reason }}</td></tr>
{% endfor %}
</table>
{% endif %}
{% if d.new_indeterminate %}
<h2>Newly INDETERMINATE: action needed</h2>
<table><tr><th>patient</th><th>action needed</th></tr>
{% for e in d.new_indeterminate %}
<tr><td><a href="{{ e.report_link }}">{{ e.patient_id }}</a></td><td>{{ e.action }}</td></tr>
{% endfor %}
</table>
{% endif %}
{% if d.rescreened_status_unchanged %}
<h2>Screened again, status unchanged</h2>
<p>{{ d.rescreened_status_unchanged|join(', ') }}</p>
{% endif %}
{% if d.skipped_sheets %}
<h2>Sample sheets skipped (their patients were not screened)</h2>
{% for s in d.skipped_sheets %}
<div class="warn"><code>{{ s.path }}</code>
<ul class="p">{% for p in s.problems %}<li>{{ p }}</li>{% endfor %}</ul></div>
{% endfor %}
{% endif %}
{% if d.cohort_problems %}
<h2>IHC table problems</h2>
<ul class="p">{% for p in d.cohort_problems %}<li>{{ p }}</li>{% endfor %}</ul>
{% endif %}
{% if d.not_in_cohort %}
<h2>In the registry but in no usable sample sheet tonight</h2>
<p>Their last decision still stands in the registry: {{ d.not_in_cohort|join(', ') }}</p>
{% endif %}
</body></html>
"""


def render_digest_html(digest: dict[str, Any], title: str = "MDM2 inhibitor eligibility screening") -> str:
    """The digest as one self-contained HTML page (no external resources; everything escaped)."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(DIGEST_TEMPLATE).render(d=digest, title=title)


def digest_paths(digest_dir: Path, date: str) -> tuple[Path, Path]:
    """``<date>.json``/``.html``, or ``<date>.2`` ... when an earlier run that day wrote one."""
    n = 1
    while True:
        stem = date if n == 1 else f"{date}.{n}"
        json_path, html_path = digest_dir / f"{stem}.json", digest_dir / f"{stem}.html"
        if not json_path.exists() and not html_path.exists():
            return json_path, html_path
        n += 1


def write_digest(digest: dict[str, Any], digest_dir: Path, title: str) -> tuple[Path, Path]:
    json_path, html_path = digest_paths(digest_dir, digest["date"])
    digest["digest_json"], digest["digest_html"] = str(json_path), str(html_path)
    atomic_write(html_path, render_digest_html(digest, title))
    atomic_write(json_path, json.dumps(digest, indent=1) + "\n")
    return json_path, html_path


# --------------------------------------------------------------------------- the run


@dataclass
class NightlyResult:
    run_id: int
    n_patients: int
    n_screened: int
    n_new_rows: int
    failures: list[PatientFailure]
    skipped_sheets: dict[str, list[str]]
    digest: dict[str, Any]
    digest_json: Path
    digest_html: Path
    summary_rebuilt: bool
    plan: Plan = field(repr=False)
    log: Path | None = None  # the run's log, {outdir}/logs/mdm2screen_nightly_<time>.log


def run_nightly(
    config: dict[str, Any],
    *,
    source: str = "config",
    date: str | None = None,
    wait: bool = False,
    jobs: int = 2,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> NightlyResult:
    """One nightly run (see the module docstring). Raises ConfigError, LockHeld or RegistryError.

    ``progress`` receives what the run is doing (counts, waiting for the lock, sheets skipped);
    without it those lines go to the log and the console (``runlog.status``).
    """
    say = progress or runlog.status
    # The command line lists skipped sheets once the run is done: in the log only, unless asked.
    say_skipped = progress or (lambda message: log.warning("%s", message, extra={"console": False}))
    date = date or dt.date.today().isoformat()
    # Everything is validated before anything is written: a run refused for a broken input leaves
    # no output folder and no lock file behind.
    cohort = prepare(config, source=source, skip_bad_sheets=True)
    unwritable = output_folder_problem(cohort.outdir)
    if unwritable is not None:
        raise ConfigError([unwritable])
    waited: list[str] = []

    def on_wait(message: str) -> None:
        waited.append(message)
        say(message)

    # Opened before the lock is taken: a run refused by another run's lock says so in its log.
    with runlog.run_log(cohort.outdir, "nightly", config_sha256=cohort.config_sha256) as job:
        log_cohort_problems(cohort)
        result = _locked_run(cohort, config, source, date, wait, jobs, force, say, say_skipped, on_wait, waited)
        job.complete(
            f"run {result.run_id}: {result.n_patients} patient(s), {result.n_screened} screened, "
            f"{len(result.failures)} failed, {len(result.skipped_sheets)} sample sheet(s) skipped; "
            f"digest {result.digest_html}"
        )
    result.log = job.path
    return result


def _locked_run(
    cohort: Cohort,
    config: dict[str, Any],
    source: str,
    date: str,
    wait: bool,
    jobs: int,
    force: bool,
    say: Callable[[str], None],
    say_skipped: Callable[[str], None],
    on_wait: Callable[[str], None],
    waited: list[str],
) -> NightlyResult:
    with NightlyLock(cohort.outdir) as lock:
        lock.acquire(wait=wait, on_wait=on_wait)
        if waited:  # the inputs may have changed while the other run held the lock: read them again
            cohort = prepare(config, source=source, skip_bad_sheets=True)
        for sheet, problems in cohort.skipped_sheets.items():
            say_skipped(f"sample sheet {sheet} skipped: {'; '.join(problems)}")
        with Registry(registry_path(cohort.outdir)) as registry:
            run_id = registry.begin_run(
                pipeline_version=__version__, config_sha256=cohort.config_sha256, config_path=source
            )
            try:
                result = _run(
                    cohort, registry, run_id, date=date, jobs=jobs, force=force, lock_fd=lock.fd, say=say, source=source
                )
            except BaseException as exc:
                try:
                    registry.finish_run(run_id, "failed", message=f"{type(exc).__name__}: {exc}")
                except sqlite3.Error:  # never hide the original error; the next run marks this one interrupted
                    log.exception("could not mark run %s as failed", run_id)
                raise
    return result


def _run(
    cohort: Cohort,
    registry: Registry,
    run_id: int,
    *,
    date: str,
    jobs: int,
    force: bool,
    lock_fd: int | None,
    say: Callable[[str], None],
    source: str,
) -> NightlyResult:
    plan = plan_run(cohort, registry, force=force)
    say(
        f"run {run_id}: {len(cohort.patients)} patients, {len(plan.todo)} to screen, {len(plan.unchanged)} unchanged "
        f"(files: {plan.checksums.hashed} hashed, {plan.checksums.reused} unchanged, {plan.checksums.missing} missing)"
    )
    failures: list[PatientFailure] = []
    counts = {"inserted": 0, "done": 0}

    with runlog.Progress(len(plan.todo)) as progress:

        def commit(results: list[DecisionRecord | PatientFailure]) -> None:
            records = [r for r in results if isinstance(r, DecisionRecord)]
            failures.extend(r for r in results if isinstance(r, PatientFailure))
            inserted, _ = registry.record(run_id, records)
            counts["inserted"] += inserted
            counts["done"] += len(results)
            progress.advance(len(results))

        screen_patients(cohort, plan.todo, commit, jobs=jobs, lock_fd=lock_fd)
    registry.mark_seen(run_id, cohort.patients)
    previous = registry.last_completed_run(before=run_id)
    summary_sha, rebuilt = rebuild_summary(cohort, registry, previous.summary_rows_sha256 if previous else None)
    digest_dir = cohort.outdir.absolute() / "digests"
    digest = build_digest(
        registry, run_id, cohort, date=date, digest_dir=digest_dir, failures=failures, config_path=source
    )
    json_path, html_path = write_digest(digest, digest_dir, cohort.settings["report"]["title"])
    registry.finish_run(
        run_id,
        "ok",
        message=f"{len(failures)} patient(s) failed" if failures else None,
        n_patients=len(cohort.patients),
        n_screened=counts["done"],
        n_changed=digest["counts"]["status_changes"],
        n_failed=len(failures),
        n_skipped_sheets=len(cohort.skipped_sheets),
        digest_json=str(json_path),
        digest_html=str(html_path),
        summary_rows_sha256=summary_sha,
    )
    return NightlyResult(
        run_id=run_id,
        n_patients=len(cohort.patients),
        n_screened=counts["done"],
        n_new_rows=counts["inserted"],
        failures=failures,
        skipped_sheets=dict(cohort.skipped_sheets),
        digest=digest,
        digest_json=json_path,
        digest_html=html_path,
        summary_rebuilt=rebuilt,
        plan=plan,
    )
