"""Nightly incremental screening end to end on a copy of the demo cohort (mdm2screen.nightly).

The demo cohort (resources/demo, real caller output of public projects; see its README) is
copied into a temporary folder for every test and its sample sheet is written into a folder
of sheets with absolute paths, the way a site with one sheet per sequencing run would keep it.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from conftest import DEMO_STATUSES

from mdm2screen import nightly
from mdm2screen.cli import main
from mdm2screen.nightly import (
    LockHeld,
    NightlyLock,
    decision_key,
    digest_paths,
    run_nightly,
)
from mdm2screen.pipeline import prepare, run_batch, summarize
from mdm2screen.registry import Registry, registry_path

DEMO = Path(__file__).resolve().parent.parent / "resources" / "demo"
DATE = "2025-03-01"
PYTHON = sys.executable


class Site:
    """A demo cohort copied under tmp_path, with helpers to change it between runs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.demo = root / "demo"
        shutil.copytree(DEMO, self.demo)
        self.sheets = root / "sheets"
        self.sheets.mkdir()
        self.outdir = root / "out"
        self.config = {
            "samples": str(self.sheets),
            "ihc": str(self.demo / "ihc.tsv"),
            "outdir": str(self.outdir),
            "assays": {"DEMO_PANEL": str(self.demo / "demo_panel_targets.bed")},
        }
        with open(self.demo / "samples.tsv", newline="") as handle:
            self.rows = list(csv.DictReader(handle, delimiter="\t"))
        self.columns = list(self.rows[0])
        self.write_sheet("run01.tsv", self.rows)

    def data(self, relative: str) -> str:
        return str(self.demo / relative)

    def write_sheet(self, name: str, rows: list[dict[str, str]]) -> Path:
        path = self.sheets / name
        lines = ["\t".join(self.columns)]
        for row in rows:
            row = dict(row)
            for column in ("cn_file", "vcf"):
                if row.get(column) and not row[column].startswith("/"):
                    row[column] = self.data(row[column])
            lines.append("\t".join(row.get(c, "") for c in self.columns))
        path.write_text("\n".join(lines) + "\n")
        return path

    def config_file(self, **overrides) -> Path:
        path = self.root / "config.yaml"
        path.write_text(yaml.safe_dump({**self.config, **overrides}))
        return path

    def run(self, **kwargs) -> nightly.NightlyResult:
        kwargs.setdefault("date", DATE)
        return run_nightly(dict(self.config), **kwargs)

    def registry(self) -> Registry:
        return Registry(registry_path(self.outdir), readonly=True)

    def report(self, patient: str) -> dict:
        return json.loads((self.outdir / "patients" / f"{patient}.json").read_text())

    def report_mtimes(self) -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in sorted((self.outdir / "patients").iterdir())}

    def set_ihc(self, patient: str, marker: str, **values: str) -> None:
        path = self.demo / "ihc.tsv"
        with open(path, newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        columns = list(rows[0])
        for row in rows:
            if row["patient_id"] == patient and row["marker"] == marker:
                row.update(values)
        path.write_text("\n".join(["\t".join(columns)] + ["\t".join(r[c] for c in columns) for r in rows]) + "\n")


def without_run_fields(report: dict) -> dict:
    """A report minus its documented run-time fields (provenance.run)."""
    report = json.loads(json.dumps(report))
    report["provenance"].pop("run")
    return report


def statuses(site: Site) -> dict[str, str]:
    with site.registry() as registry:
        return {p: d.status for p, d in registry.current().items()}


def check_registry(site: Site) -> None:
    """The registry is consistent and every current decision's JSON report is the one recorded."""
    with site.registry() as registry:
        assert registry.integrity_problems() == []
        for pid, decision in registry.current().items():
            path = Path(decision.report_json)
            assert path.is_file() and Path(decision.report_html).is_file(), pid
            assert nightly.sha256_file(path) == decision.report_sha256, pid
            assert json.loads(path.read_text())["status"] == decision.status, pid


@pytest.fixture
def site(tmp_path) -> Site:
    return Site(tmp_path)


@pytest.fixture
def screened(site) -> Site:
    """The demo cohort after a first nightly run."""
    site.run(date="2025-02-28")
    return site


# --------------------------------------------------------------------------- first run, rerun


def test_first_run_screens_everyone_and_files_a_digest(site):
    result = site.run()
    assert result.n_patients == 12 and result.n_screened == 12 and result.n_new_rows == 12
    assert statuses(site) == DEMO_STATUSES
    check_registry(site)
    digest = json.loads((site.outdir / "digests" / f"{DATE}.json").read_text())
    assert result.digest_json == site.outdir / "digests" / f"{DATE}.json"
    assert not digest["no_changes"] and digest["counts"]["decided"] == 12 and digest["counts"]["new_patients"] == 12
    assert [e["patient_id"] for e in digest["newly_eligible"]] == ["DEMO-01", "DEMO-08", "DEMO-10"]
    assert [e["patient_id"] for e in digest["ihc_to_request"]] == ["DEMO-05"]
    indeterminate = {e["patient_id"]: e["action"] for e in digest["new_indeterminate"]}
    assert sorted(indeterminate) == ["DEMO-06", "DEMO-09", "DEMO-11"]
    # The action is the report's first reason.
    assert indeterminate["DEMO-11"] == site.report("DEMO-11")["reasons"][0]["message"]
    assert "not assessable" in indeterminate["DEMO-11"] or "not measured" in indeterminate["DEMO-11"]
    assert digest["status_changes"] == []  # nobody had a status before
    # The cohort summary was rebuilt from the registry's stored rows: the same table as one made
    # by screening the cohort in one go (`mdm2screen screen`).
    summary = (site.outdir / "cohort" / "summary.tsv").read_text()
    assert all(f"DEMO-{i:02d}" in summary for i in range(1, 13))
    direct = prepare({**site.config, "outdir": str(site.root / "direct")})
    table = site.root / "direct" / "rows.tsv"
    run_batch(direct, sorted(direct.patients), table)
    summarize(direct, [table])
    assert (site.root / "direct" / "cohort" / "summary.tsv").read_text() == summary
    with site.registry() as registry:
        run = registry.run(result.run_id)
        assert run.status == "ok" and run.counts["n_screened"] == 12
        assert run.digest_json == str(result.digest_json)


def test_rerun_on_unchanged_inputs_changes_nothing(screened):
    before = screened.report_mtimes()
    with screened.registry() as registry:
        rows_before = registry.count_decisions()
    result = screened.run()
    assert result.n_screened == 0 and result.n_new_rows == 0
    assert result.plan.checksums.hashed == 0  # no data file was read again
    assert not result.summary_rebuilt
    assert screened.report_mtimes() == before  # no report rewritten
    with screened.registry() as registry:
        assert registry.count_decisions() == rows_before
    digest = json.loads(result.digest_json.read_text())
    assert digest["no_changes"] is True and digest["counts"]["decided"] == 0
    assert "No changes" in result.digest_html.read_text()


def test_a_second_digest_the_same_day_never_overwrites_the_first(screened):
    first = screened.run()
    second = screened.run()
    assert first.digest_json.name == f"{DATE}.json"
    assert second.digest_json.name == f"{DATE}.2.json" and second.digest_html.name == f"{DATE}.2.html"
    assert first.digest_json.is_file() and json.loads(first.digest_json.read_text())["run_id"] == first.run_id
    assert digest_paths(first.digest_json.parent, DATE)[0].name == f"{DATE}.3.json"


# --------------------------------------------------------------------------- what triggers a re-decision


def test_a_new_sheet_screens_only_its_patients(screened):
    before = screened.report_mtimes()
    new = dict(screened.rows[0], patient_id="DEMO-13", sample_id="DEMO-13-T1")
    screened.write_sheet("run02.tsv", [new])
    result = screened.run()
    assert result.n_screened == 1 and [p.patient_id for p in result.plan.todo] == ["DEMO-13"]
    assert result.plan.todo[0].why == "new"
    after = screened.report_mtimes()
    assert {k: v for k, v in after.items() if not k.startswith("DEMO-13")} == before
    digest = result.digest
    assert [e["patient_id"] for e in digest["newly_eligible"]] == []  # no IHC row for DEMO-13 yet
    assert [e["patient_id"] for e in digest["ihc_to_request"]] == ["DEMO-13"]
    assert digest["new_patients"] == ["DEMO-13"]
    assert "DEMO-13" in (screened.outdir / "cohort" / "summary.tsv").read_text()
    check_registry(screened)


def test_an_ihc_row_change_re_decides_that_patient_only(screened):
    screened.set_ihc("DEMO-05", "MDM2", result="positive", percent_positive="60", intensity="3")
    result = screened.run()
    assert [p.patient_id for p in result.plan.todo] == ["DEMO-05"]
    assert result.plan.todo[0].why == "changed"
    assert statuses(screened)["DEMO-05"] == "ELIGIBLE"
    change = result.digest["status_changes"]
    assert [(c["patient_id"], c["old_status"], c["new_status"]) for c in change] == [
        ("DEMO-05", "PENDING_CONFIRMATION", "ELIGIBLE")
    ]
    assert [e["patient_id"] for e in result.digest["newly_eligible"]] == ["DEMO-05"]
    with screened.registry() as registry:
        assert [d.status for d in registry.history("DEMO-05")] == ["PENDING_CONFIRMATION", "ELIGIBLE"]


def test_touch_alone_does_not_re_decide_but_a_content_change_does(screened):
    seg = screened.demo / "data" / "etal_cnvkit" / "warning.seg"  # DEMO-11's copy-number file only
    st = seg.stat()
    os.utime(seg, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000_000))
    result = screened.run()
    assert result.plan.checksums.hashed == 1  # mtime changed: read again ...
    assert result.n_screened == 0  # ... same content: same key, no re-decision
    assert result.digest["no_changes"]

    lines = seg.read_text().splitlines()
    seg.write_text("\n".join(lines + [lines[-1]]) + "\n")  # one more (duplicate) segment line
    result = screened.run()
    assert [(p.patient_id, p.why) for p in result.plan.todo] == [("DEMO-11", "changed")]
    assert result.n_new_rows == 1
    assert result.digest["rescreened_status_unchanged"] == ["DEMO-11"]
    with screened.registry() as registry:
        history = registry.history("DEMO-11")
    assert len(history) == 2 and history[0].fingerprint_key != history[1].fingerprint_key
    old_sums = {i["path"]: i["sha256"] for i in history[0].inputs}
    new_sums = {i["path"]: i["sha256"] for i in history[1].inputs}
    assert old_sums[str(seg)] != new_sums[str(seg)]


def test_a_threshold_change_re_decides_everyone(screened):
    with screened.registry() as registry:
        old_config = {d.config_sha256 for d in registry.current().values()}
    # MANTRA-2's protocol cut-off (config schema): MDM2 >= 12 copies.
    screened.config["copy_number"] = {"thresholds": {"default": {"mode": "absolute", "amplified_at": 12, "gain_at": 6}}}
    result = screened.run()
    assert result.n_screened == 12
    with screened.registry() as registry:
        new_config = {d.config_sha256 for d in registry.current().values()}
        assert registry.count_decisions() == 24
    assert len(new_config) == 1 and new_config.isdisjoint(old_config)
    assert all(
        r["provenance"]["config"]["copy_number"]["thresholds"]["default"]["amplified_at"] == 12
        for r in (screened.report(f"DEMO-{i:02d}") for i in range(1, 13))
    )


def test_a_lost_report_is_rewritten_without_a_new_history_row(screened):
    (screened.outdir / "patients" / "DEMO-03.json").unlink()
    result = screened.run()
    assert [(p.patient_id, p.why) for p in result.plan.todo] == [("DEMO-03", "report_missing")]
    assert result.n_new_rows == 0
    with screened.registry() as registry:
        assert len(registry.history("DEMO-03")) == 1
    check_registry(screened)


# --------------------------------------------------------------------------- the digest


def test_eligible_to_not_eligible_by_acquired_tp53_mutation_is_first_and_flagged(screened):
    # A later biopsy of the eligible DEMO-01, with the real Mutect2/VEP calls of ncsa/phyloflow
    # sample A25 (TP53 p.R280S), and in the same night DEMO-05's IHC turns positive.
    later = dict(
        screened.rows[0],
        sample_id="DEMO-01-T2",
        vcf="data/ncsa_phyloflow/VEP_raw.A25.mutect2.filtered.snp.vcf",
        tumor_sample="A25",
        collection_date="2025-01-15",
    )
    screened.write_sheet("run02.tsv", [later])
    screened.set_ihc("DEMO-05", "MDM2", result="positive", percent_positive="60", intensity="3")
    result = screened.run()
    assert sorted(p.patient_id for p in result.plan.todo) == ["DEMO-01", "DEMO-05"]
    changes = result.digest["status_changes"]
    assert [(c["patient_id"], c["old_status"], c["new_status"]) for c in changes] == [
        ("DEMO-01", "ELIGIBLE", "NOT_ELIGIBLE"),
        ("DEMO-05", "PENDING_CONFIRMATION", "ELIGIBLE"),
    ]
    first = changes[0]
    assert first["flagged"] is True
    assert len(first["acquired_tp53_mutation"]) == 1
    assert "p.Arg280Ser" in first["acquired_tp53_mutation"][0] and "DEMO-01-T2" in first["acquired_tp53_mutation"][0]
    html = result.digest_html.read_text()
    assert html.index("No longer eligible") < html.index("DEMO-05")
    assert "acquired TP53 mutation p.Arg280Ser" in html
    assert statuses(screened)["DEMO-01"] == "NOT_ELIGIBLE"
    check_registry(screened)

    # history and list tell the same story.
    rc, out, _ = call("history", ["DEMO-01", "--outdir", str(screened.outdir), "--format", "tsv"])
    assert rc == 0
    rows = list(csv.DictReader(out.splitlines(), delimiter="\t"))
    assert [r["status"] for r in rows] == ["ELIGIBLE", "NOT_ELIGIBLE"]
    assert [r["current"] for r in rows] == ["", "*"]
    assert rows[1]["decision_sample"] == "DEMO-01-T2" and rows[1]["first_reason"].startswith("TP53 mutated")


def test_a_bad_new_sheet_is_skipped_and_reported(screened, capsys):
    bad = screened.sheets / "run02.tsv"
    bad.write_text(
        "\t".join(screened.columns)
        + "\n"
        + "DEMO-20\tDEMO-20-T1\thg-unknown<script>alert(1)</script>\t"
        + screened.data("data/etal_cnvkit/tr95t.cns")
        + "\t"
        + screened.data("data/VerenaK90_LACHESIS/strelka2.somatic.snvs.vcf.gz")
        + "\t" * (len(screened.columns) - 5)
        + "\n"
    )
    good = dict(screened.rows[0], patient_id="DEMO-21", sample_id="DEMO-21-T1")
    screened.write_sheet("run03.tsv", [good])
    config = screened.config_file()
    rc, out, err = call("nightly", ["--config", str(config), "--date", DATE])
    assert rc == 0
    assert "run02.tsv was skipped" in err and "build" in err
    digest = json.loads((screened.outdir / "digests" / f"{DATE}.json").read_text())
    assert [s["path"] for s in digest["skipped_sheets"]] == [str(bad)]
    assert any("column 'build'" in p for p in digest["skipped_sheets"][0]["problems"])
    assert digest["new_patients"] == ["DEMO-21"]  # the good new sheet was still screened
    html = (screened.outdir / "digests" / f"{DATE}.html").read_text()
    assert "run02.tsv" in html
    assert "<script>" not in html and "&lt;script&gt;" in html  # autoescaped
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # self-contained: no external resources
    assert "DEMO-20" not in statuses(screened)


def test_ihc_rows_naming_unknown_patients_are_in_the_digest(screened):
    path = screened.demo / "ihc.tsv"
    path.write_text(path.read_text() + "DEMO-99\tDEMO-99-T1\tMDM2\tpositive\t80\t3\t\t\tIHC (synthetic)\t2024-12-01\n")
    result = screened.run()
    assert any("DEMO-99" in p and "not in the sample sheet" in p for p in result.digest["cohort_problems"])
    assert "DEMO-99" in result.digest_html.read_text()
    assert result.n_screened == 0  # an orphan row changes no patient's decision


def test_a_patient_that_fails_internally_is_retried_next_run(site, monkeypatch, capsys):
    real = nightly._screen_one

    def flaky(cohort, screener, item):
        if item.patient_id == "DEMO-04":
            raise RuntimeError("simulated bug")
        return real(cohort, screener, item)

    monkeypatch.setattr(nightly, "_screen_one", flaky)
    config = site.config_file()
    rc, _, err = call("nightly", ["--config", str(config), "--date", DATE])
    assert rc == 1  # an internal error is reported as such ...
    assert "DEMO-04 could not be screened: RuntimeError: simulated bug" in err
    assert "DEMO-04" not in statuses(site) and len(statuses(site)) == 11  # ... the others were decided
    digest = json.loads((site.outdir / "digests" / f"{DATE}.json").read_text())
    assert digest["failed"] == [{"patient_id": "DEMO-04", "message": "RuntimeError: simulated bug"}]
    monkeypatch.setattr(nightly, "_screen_one", real)
    result = site.run()
    assert [p.patient_id for p in result.plan.todo] == ["DEMO-04"] and not result.failures
    assert statuses(site)["DEMO-04"] == "NOT_ELIGIBLE"


# --------------------------------------------------------------------------- crashes and concurrency


CRASHING_RUN = textwrap.dedent(
    """
    import os, sys
    from mdm2screen import nightly
    nightly.COMMIT_EVERY = 2          # commit in pairs so that a crash leaves some decisions behind
    real, done = nightly._screen_one, []
    def dying(cohort, screener, item):
        if len(done) == 5:
            os._exit(137)             # like SIGKILL: no cleanup, no finally, lock freed by the kernel
        record = real(cohort, screener, item)
        done.append(item.patient_id)
        return record
    nightly._screen_one = dying
    from mdm2screen.cli import main
    sys.exit(main(["nightly", "--config", sys.argv[1], "--date", sys.argv[2]]))
    """
)


def test_a_run_killed_midway_is_completed_by_the_next_run(site, tmp_path):
    config = site.config_file()
    proc = subprocess.run([PYTHON, "-c", CRASHING_RUN, str(config), DATE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 137, proc.stderr
    assert not (site.outdir / "digests").exists()
    with site.registry() as registry:
        runs = registry.runs()
        assert [r.status for r in runs] == ["running"]
        kept = registry.current()
    assert len(kept) == 4  # two committed pairs; the fifth report was written but not recorded
    check_registry(site)  # consistent even though the process died

    result = site.run()
    assert result.n_screened == 8
    assert sorted(p.patient_id for p in result.plan.todo) == sorted(
        set(f"DEMO-{i:02d}" for i in range(1, 13)) - set(kept)
    )
    check_registry(site)
    with site.registry() as registry:
        assert [r.status for r in registry.runs()] == ["interrupted", "ok"]
        assert registry.count_decisions() == 12
    # The digest covers the interrupted run too: nothing decided then goes unreported.
    assert result.digest["runs_covered"] == [1, 2]
    assert [e["patient_id"] for e in result.digest["newly_eligible"]] == ["DEMO-01", "DEMO-08", "DEMO-10"]
    assert result.digest["counts"]["decided"] == 12

    # Same reports as an uninterrupted run over the same inputs, apart from the run-time fields.
    clean_out = tmp_path / "clean"
    run_nightly({**site.config, "outdir": str(clean_out)}, date=DATE)
    for i in range(1, 13):
        pid = f"DEMO-{i:02d}"
        clean = json.loads((clean_out / "patients" / f"{pid}.json").read_text())
        assert without_run_fields(site.report(pid)) == without_run_fields(clean), pid


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from mdm2screen.nightly import NightlyLock
    lock = NightlyLock(sys.argv[1])
    lock.acquire()
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    """
)


def hold_lock(outdir: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([PYTHON, "-c", HOLD_LOCK, str(outdir), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_run_exits_3_naming_the_lock_and_its_holder(screened):
    holder = hold_lock(screened.outdir, 30)
    try:
        rc, _, err = call("nightly", ["--config", str(screened.config_file()), "--date", DATE])
        assert rc == 3
        assert str(screened.outdir / ".nightly.lock") in err
        assert f"pid {holder.pid}" in err and "--wait" in err
        with pytest.raises(LockHeld):
            screened.run()
    finally:
        holder.kill()
        holder.wait()
    with screened.registry() as registry:
        assert len(registry.runs()) == 1  # the refused runs left no trace


def test_wait_queues_behind_the_running_run(screened):
    holder = hold_lock(screened.outdir, 1.5)
    start = time.monotonic()
    try:
        result = screened.run(wait=True)
    finally:
        holder.wait()
    assert time.monotonic() - start >= 1.0
    assert result.digest["no_changes"]


def test_the_lock_dies_with_a_killed_holder(tmp_path):
    holder = hold_lock(tmp_path, 30)
    holder.kill()
    holder.wait()
    with NightlyLock(tmp_path) as lock:
        lock.acquire()  # no stale lock left behind
        assert f"pid {os.getpid()}" in (tmp_path / ".nightly.lock").read_text()


def test_worker_processes_give_the_same_decisions(site, monkeypatch):
    monkeypatch.setattr(nightly, "PARALLEL_MIN_PATIENTS", 1)
    monkeypatch.setattr(nightly, "COMMIT_EVERY", 3)
    result = site.run(jobs=2)
    assert result.n_screened == 12 and result.n_new_rows == 12
    assert statuses(site)["DEMO-01"] == "ELIGIBLE" and statuses(site)["DEMO-11"] == "INDETERMINATE"
    pids = {site.report(f"DEMO-{i:02d}")["provenance"]["run"]["pid"] for i in range(1, 13)}
    assert os.getpid() not in pids  # screened in worker processes
    check_registry(site)


# --------------------------------------------------------------------------- commands and exit codes


def call(command, argv):
    """Run ``mdm2screen COMMAND ARGV...`` in this process, returning (exit code, stdout, stderr)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main([command, *argv])
        except SystemExit as exc:  # argparse refusing an argument
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


def test_list_filters_by_status_arm_and_date(screened):
    outdir = str(screened.outdir)
    rc, out, _ = call("list", ["--outdir", outdir, "--status", "eligible", "--format", "tsv"])
    assert rc == 0
    assert [r["patient_id"] for r in csv.DictReader(out.splitlines(), delimiter="\t")] == [
        "DEMO-01",
        "DEMO-08",
        "DEMO-10",
    ]
    rc, out, _ = call(
        "list", ["--outdir", outdir, "--arm", "mdm2_cdk4_combination", "--status", "ELIGIBLE", "--format", "tsv"]
    )
    assert [r["patient_id"] for r in csv.DictReader(out.splitlines(), delimiter="\t")] == ["DEMO-01", "DEMO-08"]
    rc, out, _ = call("list", ["--outdir", outdir, "--since", "2999-01-01", "--format", "tsv"])
    assert rc == 0 and out.strip().splitlines() == [out.strip().splitlines()[0]]  # header only
    rc, out, err = call("list", ["--outdir", outdir])
    assert rc == 0 and out.splitlines()[0].split()[:2] == ["patient_id", "status"] and "12 patient(s)" in err
    rc, _, err = call("list", ["--outdir", outdir, "--arm", "no_such_arm"])
    assert rc == 2 and "mdm2_inhibitor" in err
    rc, _, err = call("list", ["--outdir", outdir, "--status", "MAYBE"])
    assert rc == 2
    # --config finds the registry through the configuration's outdir.
    rc, out, _ = call(
        "list", ["--config", str(screened.config_file()), "--status", "PENDING_CONFIRMATION", "--format", "tsv"]
    )
    assert rc == 0 and "DEMO-05" in out


def test_history_and_list_exit_2_for_unknown_patient_or_missing_registry(screened, tmp_path):
    rc, _, err = call("history", ["DEMO-99", "--outdir", str(screened.outdir)])
    assert rc == 2 and "not in the registry" in err
    rc, out, _ = call("history", ["DEMO-07", "--outdir", str(screened.outdir)])
    assert rc == 0 and "NOT_ELIGIBLE" in out and "DEMO-07-T2" in out
    empty = tmp_path / "nothing"
    for command, argv in (("history", ["DEMO-01", "--outdir", str(empty)]), ("list", ["--outdir", str(empty)])):
        rc, _, err = call(command, argv)
        assert rc == 2 and "no registry" in err
    assert not empty.exists()


def test_nightly_exit_codes_for_broken_config_and_arguments(site, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("samples: x\nbatch_sise: 3\n")
    rc, _, err = call("nightly", ["--config", str(broken)])
    assert rc == 2 and "batch_sise" in err and "did you mean 'batch_size'" in err
    rc, _, err = call("nightly", ["--config", str(site.config_file()), "--date", "yesterday"])
    assert rc == 2 and "YYYY-MM-DD" in err
    rc, _, err = call("nightly", ["--config", str(site.config_file()), "--jobs", "0"])
    assert rc == 2
    (site.sheets / "run01.tsv").write_text("not\ta\tsheet\n")  # the only sheet broken: nothing to screen
    rc, _, err = call("nightly", ["--config", str(site.config_file())])
    assert rc == 2 and "no usable sample sheet" in err


def test_cli_dispatches_to_the_nightly_commands(screened):
    env = dict(os.environ)
    proc = subprocess.run(
        [
            PYTHON,
            "-m",
            "mdm2screen.cli",
            "list",
            "--outdir",
            str(screened.outdir),
            "--status",
            "INDETERMINATE",
            "--format",
            "tsv",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert [r["patient_id"] for r in csv.DictReader(proc.stdout.splitlines(), delimiter="\t")] == [
        "DEMO-06",
        "DEMO-09",
        "DEMO-11",
    ]


# --------------------------------------------------------------------------- the key


def test_decision_key_depends_on_contents_and_not_on_order():
    a = {"sample_id": "S1", "role": "cn_file", "path": "/d/a.cns", "sha256": "aa"}
    b = {"sample_id": "S1", "role": "vcf", "path": "/d/b.vcf", "sha256": "bb"}
    key = decision_key("fp", [a, b], "0.1.0")
    assert key == decision_key("fp", [b, a], "0.1.0")
    assert key != decision_key("fp", [a, {**b, "sha256": "cc"}], "0.1.0")  # content changed
    assert key != decision_key("fp", [a, {**b, "sha256": None}], "0.1.0")  # file gone
    assert key != decision_key("fp2", [a, b], "0.1.0")  # sheet row, IHC row or config changed
    assert key != decision_key("fp", [a, b], "0.2.0")  # new pipeline version
