"""The nightly registry (mdm2screen.registry): schema, checksums, decisions, crash safety.

These tests use the registry directly with made-up decision records; the end-to-end behaviour
(real screening of the demo cohort) is in tests/test_nightly.py.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess

import pytest

from mdm2screen.registry import (
    SCHEMA_VERSION,
    ChecksumStats,
    DecisionRecord,
    Registry,
    RegistryError,
    registry_path,
)


def record(patient: str, key: str, status: str = "ELIGIBLE", **extra) -> DecisionRecord:
    values = dict(
        patient_id=patient,
        status=status,
        arms={"mdm2_inhibitor": status, "mdm2_cdk4_combination": "NOT_ELIGIBLE"},
        reasons=[{"code": "mdm2_amplified", "message": f"{patient}: MDM2 amplified"}],
        events=[],
        inputs=[{"sample_id": f"{patient}-T1", "role": "cn_file", "path": "/data/x.cns", "sha256": "ab" * 32}],
        decision_sample=f"{patient}-T1",
        fingerprint_key=key,
        pipeline_version="0.1.0",
        config_sha256="cf" * 32,
        decided_at="2025-01-02T03:04:05+00:00",
        report_json=f"/out/patients/{patient}.json",
        report_html=f"/out/patients/{patient}.html",
        report_sha256="12" * 32,
        summary={"patient_id": patient, "status": status},
    )
    values.update(extra)
    return DecisionRecord(**values)


@pytest.fixture
def reg(tmp_path):
    with Registry(registry_path(tmp_path)) as registry:
        yield registry


def new_run(registry: Registry) -> int:
    return registry.begin_run(pipeline_version="0.1.0", config_sha256="cf" * 32, config_path="config.yaml")


def test_schema_is_created_with_wal_foreign_keys_and_version(tmp_path, reg):
    assert reg.schema_version == SCHEMA_VERSION
    assert reg.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert reg.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    # A plain sqlite3 connection (what an operator would use) sees the documented tables.
    other = sqlite3.connect(tmp_path / "registry.sqlite")
    names = {r[0] for r in other.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    other.close()
    assert {"runs", "decisions", "current", "files", "schema_version", "current_decisions"} <= names


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command-line shell is not installed")
def test_registry_is_queryable_with_the_sqlite3_shell(tmp_path, reg):
    run = new_run(reg)
    reg.record(run, [record("P1", "k1", "ELIGIBLE"), record("P2", "k2", "INDETERMINATE")])
    out = subprocess.run(
        ["sqlite3", str(tmp_path / "registry.sqlite"), "SELECT patient_id, status FROM current_decisions ORDER BY 1"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["P1|ELIGIBLE", "P2|INDETERMINATE"]


def test_foreign_keys_are_enforced(reg):
    with pytest.raises(sqlite3.IntegrityError):
        reg.record(999, [record("P1", "k1")])  # no run 999
    assert reg.count_decisions() == 0


def test_a_failing_group_is_rolled_back_whole(reg):
    run = new_run(reg)
    good = record("P1", "k1")
    bad = record("P3", "k3", status=None)  # NOT NULL constraint fails on the second insert
    with pytest.raises(sqlite3.IntegrityError):
        reg.record(run, [good, bad])
    assert reg.count_decisions() == 0
    assert reg.current() == {}


def test_same_key_adds_no_history_row_but_refreshes_the_report_checksum(reg):
    run1 = new_run(reg)
    assert reg.record(run1, [record("P1", "k1")]) == (1, 0)
    run2 = new_run(reg)
    assert reg.record(run2, [record("P1", "k1", report_sha256="34" * 32)]) == (0, 1)
    history = reg.history("P1")
    assert len(history) == 1
    assert history[0].report_sha256 == "34" * 32
    assert history[0].run_id == run1  # still the run that made the decision


def test_new_key_adds_a_row_and_moves_current(reg):
    run1 = new_run(reg)
    reg.record(run1, [record("P1", "k1", "ELIGIBLE"), record("P2", "k2", "PENDING_CONFIRMATION")])
    run2 = new_run(reg)
    reg.record(run2, [record("P1", "k1b", "NOT_ELIGIBLE")])
    history = reg.history("P1")
    assert [d.status for d in history] == ["ELIGIBLE", "NOT_ELIGIBLE"]
    current = reg.current()
    assert current["P1"].id == history[-1].id and current["P1"].status == "NOT_ELIGIBLE"
    assert current["P2"].status == "PENDING_CONFIRMATION"
    assert reg.current_keys()["P1"][0] == "k1b"
    # What stood at the end of run 1, and what was decided after it.
    assert {p: d.status for p, d in reg.decisions_as_of(run1).items()} == {
        "P1": "ELIGIBLE",
        "P2": "PENDING_CONFIRMATION",
    }
    assert {p: d.status for p, d in reg.decisions_as_of(run1, ["P1"]).items()} == {"P1": "ELIGIBLE"}
    assert {p: d.status for p, d in reg.decisions_after(run1).items()} == {"P1": "NOT_ELIGIBLE"}
    assert reg.current_summaries()["P1"] == {"patient_id": "P1", "status": "NOT_ELIGIBLE"}
    assert reg.integrity_problems() == []


def test_stale_running_runs_become_interrupted(reg):
    crashed = new_run(reg)
    reg.record(crashed, [record("P1", "k1")])
    # The process died here: no finish_run. The next run (holding the lock) cleans up.
    nxt = new_run(reg)
    assert reg.run(crashed).status == "interrupted"
    assert "ended before" in reg.run(crashed).message
    assert reg.run(nxt).status == "running"
    reg.finish_run(nxt, "ok", n_patients=1, n_screened=0, digest_json="/d.json")
    assert reg.last_completed_run().id == nxt
    assert reg.last_completed_run(before=nxt) is None
    assert reg.run(nxt).counts["n_patients"] == 1
    with pytest.raises(ValueError):
        reg.finish_run(nxt, "done")
    with pytest.raises(ValueError):
        reg.finish_run(nxt, "ok", bogus=1)


def test_checksums_reuse_while_size_and_mtime_match(tmp_path, reg):
    data = tmp_path / "seg.tsv"
    data.write_text("chrom\tstart\tend\n12\t1\t100\n")
    missing = tmp_path / "gone.vcf"
    stats = ChecksumStats()
    first = reg.checksums([data, missing], stats)
    assert (stats.hashed, stats.reused, stats.missing) == (1, 0, 1)
    assert first[str(missing)] is None
    sha = first[str(data)]

    stats = ChecksumStats()
    assert reg.checksums([data], stats)[str(data)] == sha
    assert (stats.hashed, stats.reused) == (0, 1)

    # touch: mtime changes, so the file is read again, and the content hash is the same.
    st = data.stat()
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    stats = ChecksumStats()
    assert reg.checksums([data], stats)[str(data)] == sha
    assert stats.hashed == 1

    # Content change: new hash.
    data.write_text("chrom\tstart\tend\n12\t1\t200\n")
    stats = ChecksumStats()
    changed = reg.checksums([data], stats)[str(data)]
    assert changed != sha and stats.hashed == 1


def test_checksum_reuse_trusts_size_and_mtime_as_documented(tmp_path, reg):
    # Same size and mtime restored by hand: the stored sum is reused without reading the file.
    # This is the documented contract that makes nightly runs cheap (docs/nightly.md).
    data = tmp_path / "seg.tsv"
    data.write_text("AAAA\n")
    sha = reg.checksums([data])[str(data)]
    st = data.stat()
    data.write_text("BBBB\n")
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert reg.checksums([data])[str(data)] == sha


def test_garbage_file_is_reported_not_crashed(tmp_path):
    path = tmp_path / "registry.sqlite"
    path.write_bytes(b"this is not a database, just text that happens to sit here" * 20)
    with pytest.raises(RegistryError, match="not a usable mdm2screen registry"):
        Registry(path)


def test_foreign_database_is_not_modified(tmp_path):
    path = tmp_path / "registry.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE patients (id TEXT)")
    db.commit()
    db.close()
    with pytest.raises(RegistryError, match="not an mdm2screen registry"):
        Registry(path)
    db = sqlite3.connect(path)
    assert [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["patients"]
    db.close()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "registry.sqlite"
    Registry(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (?, 'later')", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    with pytest.raises(RegistryError, match=f"schema version {SCHEMA_VERSION + 1}"):
        Registry(path)


def test_readonly_open_of_a_missing_registry_says_so(tmp_path):
    with pytest.raises(RegistryError, match="no registry here"):
        Registry(tmp_path / "registry.sqlite", readonly=True)
    assert not (tmp_path / "registry.sqlite").exists()  # a reader never creates one


def test_readonly_connection_cannot_write(tmp_path, reg):
    run = new_run(reg)
    reg.record(run, [record("P1", "k1")])
    with Registry(tmp_path / "registry.sqlite", readonly=True) as ro:
        assert ro.current()["P1"].status == "ELIGIBLE"
        with pytest.raises(sqlite3.OperationalError):
            ro.db.execute("DELETE FROM current")
