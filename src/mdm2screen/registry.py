"""The nightly registry: a SQLite database of runs, decisions and input-file checksums.

One file, ``{outdir}/registry.sqlite``, readable with the ``sqlite3`` shell. Tables:

``runs``
    one row per nightly run (started/finished, status ``running|ok|failed|interrupted``,
    pipeline version, config hash, counts, digest paths).
``decisions``
    one row per decision ever made: status, per-arm statuses, reasons, history events, the
    input checksums and change-detection key it was made from, the report files and the
    SHA-256 of the JSON report, and the cohort-summary row. Rows are never updated except to
    refresh the report checksum when a lost report is rewritten for the same key.
``current``
    patient_id -> the decision that stands now (plus the last run whose sheets held the patient).
``files``
    path, size, mtime_ns -> SHA-256, so unchanged files are not hashed again every night.
``schema_version``
    the schema's version, so a newer pipeline can migrate an older registry.

A decision row is written only after its JSON and HTML reports are completely on disk, in one
transaction with the ``current`` update, so a crash leaves the registry consistent: the next
run simply screens every patient that has no current decision for its key.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Mdm2ScreenError
from .fileio import sha256_file

SCHEMA_VERSION = 1
REGISTRY_NAME = "registry.sqlite"
RUN_STATUSES = ("running", "ok", "failed", "interrupted")

_SCHEMA = """
CREATE TABLE schema_version (
    version     INTEGER NOT NULL,
    applied_at  TEXT NOT NULL
);
CREATE TABLE runs (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at          TEXT NOT NULL,
    finished_at         TEXT,
    status              TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
    pipeline_version    TEXT NOT NULL,
    config_path         TEXT,
    config_sha256       TEXT NOT NULL,
    host                TEXT,
    pid                 INTEGER,
    n_patients          INTEGER,
    n_screened          INTEGER,
    n_changed           INTEGER,
    n_failed            INTEGER,
    n_skipped_sheets    INTEGER,
    digest_json         TEXT,
    digest_html         TEXT,
    summary_rows_sha256 TEXT,
    message             TEXT
);
CREATE TABLE decisions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id           INTEGER NOT NULL REFERENCES runs(id),
    patient_id       TEXT NOT NULL,
    status           TEXT NOT NULL,
    arms_json        TEXT NOT NULL,  -- {"arm id": "STATUS", ...}, default arm first
    reasons_json     TEXT NOT NULL,  -- [{"code": ..., "message": ...}, ...] as in the report
    events_json      TEXT NOT NULL,  -- report["history"]["events"]
    inputs_json      TEXT NOT NULL,  -- [{"sample_id", "role", "path", "sha256"}, ...]
    decision_sample  TEXT,
    fingerprint_key  TEXT NOT NULL,
    pipeline_version TEXT NOT NULL,
    config_sha256    TEXT NOT NULL,
    decided_at       TEXT NOT NULL,
    report_json      TEXT NOT NULL,
    report_html      TEXT NOT NULL,
    report_sha256    TEXT NOT NULL,
    summary_json     TEXT NOT NULL   -- the patient's cohort-summary row
);
CREATE INDEX decisions_by_patient ON decisions (patient_id, id);
CREATE INDEX decisions_by_run ON decisions (run_id);
CREATE TABLE current (
    patient_id     TEXT PRIMARY KEY,
    decision_id    INTEGER NOT NULL UNIQUE REFERENCES decisions(id),
    last_seen_run  INTEGER REFERENCES runs(id)
);
CREATE TABLE files (
    path      TEXT PRIMARY KEY,
    size      INTEGER NOT NULL,
    mtime_ns  INTEGER NOT NULL,
    sha256    TEXT NOT NULL,
    hashed_at TEXT NOT NULL
);
-- For people querying with the sqlite3 shell: the decisions that stand now.
CREATE VIEW current_decisions AS
    SELECT d.patient_id, d.status, d.arms_json, d.decided_at, d.run_id, d.config_sha256,
           d.pipeline_version, d.report_json, d.report_html, c.last_seen_run, d.id AS decision_id
    FROM current c JOIN decisions d ON d.id = c.decision_id;
"""


class RegistryError(Mdm2ScreenError):
    """The registry file is missing, corrupt or from an incompatible pipeline version."""


def now_utc() -> str:
    """Current time as ISO 8601 UTC with seconds (what the registry stores)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


@dataclass
class DecisionRecord:
    """Everything the registry keeps about one decision (built after the reports are written)."""

    patient_id: str
    status: str
    arms: dict[str, str]
    reasons: list[dict[str, Any]]
    events: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    decision_sample: str | None
    fingerprint_key: str
    pipeline_version: str
    config_sha256: str
    decided_at: str
    report_json: str
    report_html: str
    report_sha256: str
    summary: dict[str, Any]


@dataclass(kw_only=True)
class StoredDecision(DecisionRecord):
    """A decision row read back from the registry: the record plus where it sits in the history."""

    id: int
    run_id: int
    last_seen_run: int | None = None

    @property
    def first_reason(self) -> str:
        return self.reasons[0]["message"] if self.reasons else ""


@dataclass
class RunRow:
    id: int
    started_at: str
    finished_at: str | None
    status: str
    pipeline_version: str
    config_sha256: str
    counts: dict[str, int | None] = field(default_factory=dict)
    digest_json: str | None = None
    digest_html: str | None = None
    summary_rows_sha256: str | None = None
    message: str | None = None


@dataclass
class ChecksumStats:
    """How many file checksums were reused, computed, or impossible (file missing)."""

    reused: int = 0
    hashed: int = 0
    missing: int = 0


_DECISION_COLUMNS = (
    "id, run_id, patient_id, status, arms_json, reasons_json, events_json, inputs_json, decision_sample, "
    "fingerprint_key, pipeline_version, config_sha256, decided_at, report_json, report_html, report_sha256, "
    "summary_json"
)


def _decision_from_row(row: sqlite3.Row, last_seen: int | None = None, *, light: bool = False) -> StoredDecision:
    """A stored decision; ``light`` leaves out its input checksums and summary row (empty), which
    listings of thousands of decisions (a first night's digest) do not need."""
    return StoredDecision(
        id=row["id"],
        run_id=row["run_id"],
        patient_id=row["patient_id"],
        status=row["status"],
        arms=json.loads(row["arms_json"]),
        reasons=json.loads(row["reasons_json"]),
        events=json.loads(row["events_json"]),
        inputs=[] if light else json.loads(row["inputs_json"]),
        decision_sample=row["decision_sample"],
        fingerprint_key=row["fingerprint_key"],
        pipeline_version=row["pipeline_version"],
        config_sha256=row["config_sha256"],
        decided_at=row["decided_at"],
        report_json=row["report_json"],
        report_html=row["report_html"],
        report_sha256=row["report_sha256"],
        summary={} if light else json.loads(row["summary_json"]),
        last_seen_run=last_seen,
    )


def _run_from_row(row: sqlite3.Row) -> RunRow:
    counts = {k: row[k] for k in ("n_patients", "n_screened", "n_changed", "n_failed", "n_skipped_sheets")}
    return RunRow(
        id=row["id"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        pipeline_version=row["pipeline_version"],
        config_sha256=row["config_sha256"],
        counts=counts,
        digest_json=row["digest_json"],
        digest_html=row["digest_html"],
        summary_rows_sha256=row["summary_rows_sha256"],
        message=row["message"],
    )


class Registry:
    """A connection to ``registry.sqlite``. Use as a context manager; writers hold the nightly lock."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if readonly and not self.path.is_file():
            raise RegistryError(f"{self.path}: no registry here (run 'mdm2screen nightly' first, or check --outdir)")
        try:
            if readonly:
                self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None, timeout=30)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                self.db.execute("PRAGMA journal_mode = WAL")
                # FULL: a committed decision survives a power cut, not only a crash.
                self.db.execute("PRAGMA synchronous = FULL")
            self._check_schema()
        except sqlite3.DatabaseError as exc:
            raise RegistryError(f"{self.path}: not a usable mdm2screen registry ({exc})") from exc

    # ------------------------------------------------------------------ plumbing

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _check_schema(self) -> None:
        has_table = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        if has_table is None:
            if self.readonly:
                raise RegistryError(f"{self.path}: not an mdm2screen registry (no schema_version table)")
            others = self.db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            if others:
                raise RegistryError(
                    f"{self.path}: an SQLite database that is not an mdm2screen registry; refusing to modify it"
                )
            # One script, one transaction: a crash cannot leave half a schema behind.
            # (executescript commits any open transaction first, so it carries its own BEGIN.)
            self.db.executescript(
                "BEGIN IMMEDIATE;"
                + _SCHEMA
                + f"INSERT INTO schema_version (version, applied_at) VALUES ({SCHEMA_VERSION}, '{now_utc()}');"
                + "COMMIT;"
            )
            return
        version = self.db.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        if version is None or version > SCHEMA_VERSION:
            raise RegistryError(
                f"{self.path}: registry schema version {version} is not supported by this mdm2screen "
                f"(expected <= {SCHEMA_VERSION}); use the pipeline version that created it"
            )
        # Future schema versions migrate here, one step at a time, inside a transaction.

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("SELECT max(version) FROM schema_version").fetchone()[0])

    # ------------------------------------------------------------------ runs

    def begin_run(self, *, pipeline_version: str, config_sha256: str, config_path: str | None) -> int:
        """Start a run; runs left 'running' by a crashed process become 'interrupted'.

        Only call this while holding the nightly lock: then no other run can be alive.
        """
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = coalesce(finished_at, ?), "
                "message = coalesce(message, 'the process ended before the run finished') WHERE status = 'running'",
                (now_utc(),),
            )
            cur = db.execute(
                "INSERT INTO runs (started_at, status, pipeline_version, config_path, config_sha256, host, pid) "
                "VALUES (?, 'running', ?, ?, ?, ?, ?)",
                (now_utc(), pipeline_version, config_path, config_sha256, socket.gethostname(), os.getpid()),
            )
            assert cur.lastrowid is not None  # an INSERT always sets it
            return cur.lastrowid

    def finish_run(self, run_id: int, status: str, *, message: str | None = None, **values: Any) -> None:
        """Close a run with its final status and counts / digest paths."""
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}")
        allowed = {
            "n_patients",
            "n_screened",
            "n_changed",
            "n_failed",
            "n_skipped_sheets",
            "digest_json",
            "digest_html",
            "summary_rows_sha256",
        }
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"unknown run fields: {sorted(unknown)}")
        sets = ", ".join(f"{k} = ?" for k in values)
        sql = f"UPDATE runs SET status = ?, finished_at = ?, message = ?{', ' + sets if sets else ''} WHERE id = ?"
        with self.transaction() as db:
            db.execute(sql, (status, now_utc(), message, *values.values(), run_id))

    def run(self, run_id: int) -> RunRow | None:
        row = self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _run_from_row(row) if row else None

    def runs(self) -> list[RunRow]:
        return [_run_from_row(r) for r in self.db.execute("SELECT * FROM runs ORDER BY id")]

    def last_completed_run(self, before: int | None = None) -> RunRow | None:
        """The latest run that finished 'ok' (optionally before run id ``before``)."""
        sql = "SELECT * FROM runs WHERE status = 'ok'"
        args: tuple[Any, ...] = ()
        if before is not None:
            sql += " AND id < ?"
            args = (before,)
        row = self.db.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return _run_from_row(row) if row else None

    # ------------------------------------------------------------------ file checksums

    def checksums(self, paths: Iterable[str | Path], stats: ChecksumStats | None = None) -> dict[str, str | None]:
        """SHA-256 of each file (None when missing), reusing stored sums while size and mtime match.

        Keys are the absolute paths as given (resolved). A ``touch`` changes mtime_ns, so the
        file is hashed again, but the content checksum (and so any decision key) stays the same.
        """
        stats = stats if stats is not None else ChecksumStats()
        wanted = sorted({str(Path(p).absolute()) for p in paths})
        known: dict[str, tuple[int, int, str]] = {}
        # Look up in slices: SQLite limits the number of bound parameters.
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(
                f"SELECT path, size, mtime_ns, sha256 FROM files WHERE path IN ({marks})", chunk
            ):
                known[row["path"]] = (row["size"], row["mtime_ns"], row["sha256"])
        result: dict[str, str | None] = {}
        updates: list[tuple[str, int, int, str, str]] = []
        for path in wanted:
            try:
                st = os.stat(path)
            except OSError:
                result[path] = None
                stats.missing += 1
                continue
            if not os.path.isfile(path):
                result[path] = None
                stats.missing += 1
                continue
            old = known.get(path)
            if old is not None and old[0] == st.st_size and old[1] == st.st_mtime_ns:
                result[path] = old[2]
                stats.reused += 1
                continue
            try:
                digest = sha256_file(path)
            except OSError:
                result[path] = None
                stats.missing += 1
                continue
            result[path] = digest
            stats.hashed += 1
            updates.append((path, st.st_size, st.st_mtime_ns, digest, now_utc()))
        if updates and not self.readonly:
            with self.transaction() as db:
                db.executemany(
                    "INSERT INTO files (path, size, mtime_ns, sha256, hashed_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
                    "sha256 = excluded.sha256, hashed_at = excluded.hashed_at",
                    updates,
                )
        return result

    # ------------------------------------------------------------------ decisions

    def current(self) -> dict[str, StoredDecision]:
        """patient_id -> the decision that stands now."""
        rows = self.db.execute(
            f"SELECT {', '.join('d.' + c.strip() for c in _DECISION_COLUMNS.split(','))}, c.last_seen_run "
            "FROM current c JOIN decisions d ON d.id = c.decision_id"
        )
        return {r["patient_id"]: _decision_from_row(r, r["last_seen_run"]) for r in rows}

    def current_keys(self) -> dict[str, tuple[str, str, str]]:
        """patient_id -> (key, report JSON path, report HTML path): the light view change detection needs."""
        rows = self.db.execute(
            "SELECT d.patient_id, d.fingerprint_key, d.report_json, d.report_html "
            "FROM current c JOIN decisions d ON d.id = c.decision_id"
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def record(self, run_id: int, records: Iterable[DecisionRecord]) -> tuple[int, int]:
        """Store decisions in one transaction; returns (new decision rows, refreshed rows).

        A record whose key equals the current decision's key is the same decision (e.g. its lost
        report was rewritten): it adds no history row, only the report checksum is refreshed.
        """
        inserted = refreshed = 0
        with self.transaction() as db:
            for rec in records:
                cur = db.execute(
                    "SELECT d.id, d.fingerprint_key FROM current c JOIN decisions d ON d.id = c.decision_id "
                    "WHERE c.patient_id = ?",
                    (rec.patient_id,),
                ).fetchone()
                if cur is not None and cur["fingerprint_key"] == rec.fingerprint_key:
                    db.execute(
                        "UPDATE decisions SET report_json = ?, report_html = ?, report_sha256 = ? WHERE id = ?",
                        (rec.report_json, rec.report_html, rec.report_sha256, cur["id"]),
                    )
                    db.execute("UPDATE current SET last_seen_run = ? WHERE patient_id = ?", (run_id, rec.patient_id))
                    refreshed += 1
                    continue
                new = db.execute(
                    "INSERT INTO decisions (run_id, patient_id, status, arms_json, reasons_json, events_json, "
                    "inputs_json, decision_sample, fingerprint_key, pipeline_version, config_sha256, decided_at, "
                    "report_json, report_html, report_sha256, summary_json) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        run_id,
                        rec.patient_id,
                        rec.status,
                        json.dumps(rec.arms),
                        json.dumps(rec.reasons),
                        json.dumps(rec.events),
                        json.dumps(rec.inputs),
                        rec.decision_sample,
                        rec.fingerprint_key,
                        rec.pipeline_version,
                        rec.config_sha256,
                        rec.decided_at,
                        rec.report_json,
                        rec.report_html,
                        rec.report_sha256,
                        json.dumps(rec.summary, default=str),
                    ),
                )
                db.execute(
                    "INSERT INTO current (patient_id, decision_id, last_seen_run) VALUES (?, ?, ?) "
                    "ON CONFLICT(patient_id) DO UPDATE SET decision_id = excluded.decision_id, "
                    "last_seen_run = excluded.last_seen_run",
                    (rec.patient_id, new.lastrowid, run_id),
                )
                inserted += 1
        return inserted, refreshed

    def mark_seen(self, run_id: int, patient_ids: Iterable[str]) -> None:
        """Note that these patients were in this run's sample sheets."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE current SET last_seen_run = ? WHERE patient_id = ?", ((run_id, p) for p in patient_ids)
            )

    def history(self, patient_id: str) -> list[StoredDecision]:
        """Every decision for a patient, oldest first."""
        rows = self.db.execute(
            f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE patient_id = ? ORDER BY id", (patient_id,)
        )
        return [_decision_from_row(r) for r in rows]

    def decisions_after(self, run_id: int, *, light: bool = False) -> dict[str, StoredDecision]:
        """patient_id -> latest decision made in runs with id > ``run_id`` (``light``: see _decision_from_row)."""
        rows = self.db.execute(
            f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE id IN "
            "(SELECT max(id) FROM decisions WHERE run_id > ? GROUP BY patient_id)",
            (run_id,),
        )
        return {r["patient_id"]: _decision_from_row(r, light=light) for r in rows}

    def decisions_as_of(
        self, run_id: int, patient_ids: Iterable[str] | None = None, *, light: bool = False
    ) -> dict[str, StoredDecision]:
        """patient_id -> the decision that stood at the end of run ``run_id`` (latest with run id <= it).

        ``patient_ids`` limits the answer to those patients (the digest needs only the changed ones).
        """
        sql = (
            f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE id IN "
            "(SELECT max(id) FROM decisions WHERE run_id <= ? {} GROUP BY patient_id)"
        )
        if patient_ids is None:
            rows = self.db.execute(sql.format(""), (run_id,))
            return {r["patient_id"]: _decision_from_row(r, light=light) for r in rows}
        wanted = sorted(set(patient_ids))
        out: dict[str, StoredDecision] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            query = sql.format(f"AND patient_id IN ({','.join('?' * len(chunk))})")
            out.update(
                (r["patient_id"], _decision_from_row(r, light=light)) for r in self.db.execute(query, (run_id, *chunk))
            )
        return out

    def current_summaries(self) -> dict[str, dict[str, Any]]:
        """patient_id -> the cohort-summary row of the current decision (all the summary needs)."""
        rows = self.db.execute(
            "SELECT c.patient_id, d.summary_json FROM current c JOIN decisions d ON d.id = c.decision_id"
        )
        return {r[0]: json.loads(r[1]) for r in rows}

    def count_decisions(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM decisions").fetchone()[0])

    def integrity_problems(self) -> list[str]:
        """SQLite's own integrity and foreign-key checks plus the registry's invariants."""
        problems = [r[0] for r in self.db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key violation in {r[0]} row {r[1]}" for r in self.db.execute("PRAGMA foreign_key_check")]
        for r in self.db.execute(
            "SELECT c.patient_id, d.patient_id FROM current c JOIN decisions d ON d.id = c.decision_id "
            "WHERE c.patient_id != d.patient_id"
        ):
            problems.append(f"current row for {r[0]} points at a decision of {r[1]}")
        for r in self.db.execute(
            "SELECT c.patient_id FROM current c "
            "WHERE c.decision_id != (SELECT max(id) FROM decisions d WHERE d.patient_id = c.patient_id)"
        ):
            problems.append(f"current decision of {r[0]} is not its latest decision")
        return problems


def registry_path(outdir: str | Path) -> Path:
    return Path(outdir) / REGISTRY_NAME
