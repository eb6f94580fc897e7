"""Cohort orchestration: demo cohort in one process, multi-sample decisions, PDF option, batching."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from cbioportal_study import write_study
from conftest import DEMO

from mdm2screen.cbioportal import import_study
from mdm2screen.cli import main
from mdm2screen.errors import ConfigError
from mdm2screen.pipeline import gistic_samples, prepare, run_batch, screen_cohort, summarize, summarize_planned
from mdm2screen.report.html import find_chromium
from mdm2screen.screen import Screener

DEMO_CONFIG = {
    "samples": str(DEMO / "samples.tsv"),
    "ihc": str(DEMO / "ihc.tsv"),
    "assays": {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")},
}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    return prepare({**DEMO_CONFIG, "outdir": str(tmp_path_factory.mktemp("out"))})


def test_bad_ihc_rows_are_reported_and_make_the_marker_unusable(cohort):
    screener = Screener(cohort.settings, cohort.arms, cohort.ihc)
    report = screener.screen_patient("DEMO-03", cohort.patients["DEMO-03"])
    assert any("percent_positive" in p and "150" in p for p in report["ihc"]["problems"])
    # An impossible value is never evidence, and never silently dropped either: confirmation is unknown.
    assert report["ihc"]["mdm2"]["state"] == "invalid"
    confirmation = next(c for c in report["arms"][0]["criteria"] if c["kind"] == "mdm2_confirmed")
    assert confirmation["state"] == "unknown"
    assert report["status"] == "NOT_ELIGIBLE"  # not amplified decides first
    assert any("DEMO-99" in p for p in cohort.problems)


def test_acquired_tp53_mutation_in_the_later_sample(cohort):
    screener = Screener(cohort.settings, cohort.arms, cohort.ihc)
    report = screener.screen_patient("DEMO-07", cohort.patients["DEMO-07"])
    assert report["decision_sample"] == "DEMO-07-T2"
    assert [s["sample_id"] for s in report["samples"]] == ["DEMO-07-T1", "DEMO-07-T2"]
    assert [s["status"] for s in report["samples"]] == ["ELIGIBLE", "NOT_ELIGIBLE"]
    (event,) = report["history"]["events"]
    assert event["code"] == "acquired_tp53_mutation"
    assert event["variant"] == "p.Arg280Ser" and event["later_vaf"] == pytest.approx(0.331, abs=1e-3)
    assert any(r["code"] == "acquired_tp53_mutation" for r in report["reasons"])


def test_newer_unevaluable_sample_blocks_an_older_eligible_one(tmp_path):
    sheet = tmp_path / "s.tsv"
    lines = (DEMO / "samples.tsv").read_text().splitlines()
    header, rows = lines[0], [ln for ln in lines[1:] if ln.startswith("DEMO-01\t")]
    cols = header.split("\t")
    newer = rows[0].split("\t")
    newer[cols.index("sample_id")] = "DEMO-01-T2"
    newer[cols.index("cn_file")] = "data/does_not_exist.cns"
    newer[cols.index("collection_date")] = "2025-01-01"
    shutil.copytree(DEMO / "data", tmp_path / "data")
    sheet.write_text("\n".join([header, rows[0], "\t".join(newer)]) + "\n")
    base = {**DEMO_CONFIG, "samples": str(sheet), "outdir": str(tmp_path / "out")}
    for policy, expected in (("INDETERMINATE", "INDETERMINATE"), ("use_older", "ELIGIBLE")):
        cohort = prepare({**base, "policy": {"newer_sample_unevaluable": policy}})
        report = Screener(cohort.settings, cohort.arms, cohort.ihc).screen_patient(
            "DEMO-01", cohort.patients["DEMO-01"]
        )
        assert report["status"] == expected
        assert report["decision_sample"] == "DEMO-01-T1"
        assert any(
            r["code"] == "newer_sample_not_evaluable" and "does_not_exist.cns" in r["message"]
            for r in report["reasons"]
        )


def test_batches_are_stable_when_patients_are_added(tmp_path):
    def cohort_of(n):
        sheet = tmp_path / "samples.tsv"  # the same sheet, grown
        rows = [f"P{i:05d}\tS{i:05d}\tGRCh37\ta.cns\tb.vcf" for i in range(n)]
        sheet.write_text("patient_id\tsample_id\tbuild\tcn_file\tvcf\n" + "\n".join(rows) + "\n")
        return prepare({"samples": str(sheet), "outdir": str(tmp_path / "out"), "batch_size": 100})

    before = {pid: b.id for b in cohort_of(600).batches() for pid in b.patients}
    after = {pid: b.id for b in cohort_of(650).batches() for pid in b.patients}
    assert len(set(before.values())) == 8  # 600 / 100 rounded up to a power of two
    assert sorted(before) == sorted(f"P{i:05d}" for i in range(600))
    assert all(after[pid] == batch for pid, batch in before.items())
    assert max(len([p for p in after if after[p] == b]) for b in set(after.values())) <= 200


def test_a_new_sheet_forms_its_own_batches_and_leaves_earlier_ones_alone(tmp_path):
    """Nightly growth through Snakemake: yesterday's batches keep their patients and fingerprints;
    only the new sheet's batches, and the batch of a patient with a new sample, change."""
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    header = "patient_id\tsample_id\tbuild\tcn_file\tvcf\n"
    (sheets / "run-01.tsv").write_text(
        header + "".join(f"P{i:04d}\tP{i:04d}-T1\tGRCh37\ta.cns\tb.vcf\n" for i in range(300))
    )
    config = {"samples": str(sheets), "outdir": str(tmp_path / "out"), "batch_size": 100}
    before = {b.id: b for b in prepare(config).batches()}
    assert sorted(before) == [f"run_01_b{i}" for i in range(4)]

    # A new run: 50 new patients and a second biopsy of P0007.
    (sheets / "run-02.tsv").write_text(
        header
        + "".join(f"N{i:04d}\tN{i:04d}-T1\tGRCh37\ta.cns\tb.vcf\n" for i in range(50))
        + "P0007\tP0007-T2\tGRCh37\ta.cns\tb.vcf\n"
    )
    after = {b.id: b for b in prepare(config).batches()}
    assert sorted(after) == [*(f"run_01_b{i}" for i in range(4)), "run_02_b0"]
    assert sorted(after["run_02_b0"].patients) == sorted(["P0007", *(f"N{i:04d}" for i in range(50))])
    moved_from = next(b for b in before.values() if "P0007" in b.patients).id
    for batch_id, batch in before.items():
        if batch_id == moved_from:
            assert after[batch_id].patients == [p for p in batch.patients if p != "P0007"]
            assert after[batch_id].fingerprint != batch.fingerprint
        else:
            assert (after[batch_id].patients, after[batch_id].fingerprint) == (batch.patients, batch.fingerprint)


def test_batch_labels_of_colliding_sheet_names_stay_unique(tmp_path):
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    header = "patient_id\tsample_id\tbuild\tcn_file\tvcf\n"
    (sheets / "run-1.tsv").write_text(header + "A\tA-T1\tGRCh37\ta.cns\tb.vcf\n")
    (sheets / "run_1.tsv").write_text(header + "B\tB-T1\tGRCh37\ta.cns\tb.vcf\n")
    ids = [b.id for b in prepare({"samples": str(sheets), "outdir": str(tmp_path / "out")}).batches()]
    assert len(set(ids)) == 2 and all(i.startswith("run_1_") and i.isidentifier() for i in ids)


def test_a_batch_job_builds_only_its_patients(tmp_path):
    cohort = prepare({**DEMO_CONFIG, "outdir": str(tmp_path / "out")}, patients=["DEMO-01"])
    assert list(cohort.patients) == ["DEMO-01"] and {r.patient_id for r in cohort.rows} == {"DEMO-01"}
    with pytest.raises(ConfigError, match="no longer in the sample sheets"):
        run_batch(cohort, ["DEMO-01", "DEMO-02"])


def test_a_job_of_a_planned_run_does_not_schema_check_again(tmp_path, monkeypatch):
    import sys

    import mdm2screen.config as config_module
    import mdm2screen.criteria as criteria

    config = {**DEMO_CONFIG, "outdir": str(tmp_path / "out")}
    planned = prepare(config)
    checks = []
    monkeypatch.setattr(config_module, "validation_problems", lambda *a: checks.append("config") or [])
    monkeypatch.setattr(criteria, "_schema_problems", lambda *a: checks.append("arms") or [])
    job = prepare(config, patients=["DEMO-01"], validated_arms_sha256=planned.arms.sha256)
    assert checks == []
    assert job.settings == planned.settings and job.arms == planned.arms
    # jsonschema is imported for validation only; a fresh interpreter shows a job never imports it.
    code = (
        "import sys; from mdm2screen.pipeline import prepare; "
        f"c = prepare({config!r}, patients=['DEMO-01'], validated_arms_sha256={planned.arms.sha256!r}); "
        "print('jsonschema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_planned_summary_job_writes_what_the_full_summary_writes(tmp_path):
    """The Snakemake summary job gets problems and GISTIC rows from the planning process and
    reads no sample sheet; its output must be the same as summarize() over the prepared cohort."""
    study = write_study(tmp_path / "study", variant="good")
    sheet = tmp_path / "sheet.tsv"
    import_study(study, sheet)
    cohort = prepare({"samples": str(sheet), "ihc": None, "outdir": str(tmp_path / "full")})
    tables = screen_cohort(cohort)
    assert gistic_samples(cohort.rows)
    full = summarize(cohort, tables)
    config = {"samples": str(sheet), "ihc": None, "outdir": str(tmp_path / "planned")}
    planned = summarize_planned(
        config,
        tables,
        arms_sha256=cohort.arms.sha256,
        problems=cohort.problems,
        gistic=[list(g) for g in gistic_samples(cohort.rows)],  # as Snakemake hands params over
    )
    assert set(planned) == set(full)
    written = [*full.values(), tmp_path / "full" / "cohort" / "gistic_concordance.tsv"]
    for path in written:
        twin = tmp_path / "planned" / path.relative_to(tmp_path / "full")
        assert twin.read_bytes() == path.read_bytes(), path.name


def test_a_batch_in_worker_processes_gives_what_one_process_gives(tmp_path):
    """run_batch(jobs=N), as a Snakemake batch job with `batch_threads` runs it: the same rows in
    the same order, the same table, the same reports (their run block aside)."""
    outs = []
    for jobs in (1, 3):
        cohort = prepare({**DEMO_CONFIG, "outdir": str(tmp_path / f"out{jobs}")})
        patients = sorted(cohort.patients, reverse=True)  # not the sheet's order: order must be kept
        rows = run_batch(cohort, patients, tmp_path / f"out{jobs}" / "batch.tsv", jobs=jobs)
        assert [r["patient_id"] for r in rows] == patients
        outs.append((tmp_path / f"out{jobs}", rows))
    (one, rows_one), (three, rows_three) = outs
    assert rows_one == rows_three
    assert (one / "batch.tsv").read_bytes() == (three / "batch.tsv").read_bytes()
    reports = sorted((one / "patients").glob("*"))
    assert len(reports) == 2 * len(rows_one)
    for report in reports:
        twin = three / "patients" / report.name
        if report.suffix == ".json":
            a, b = json.loads(report.read_text()), json.loads(twin.read_text())
            a["provenance"].pop("run"), b["provenance"].pop("run")
            assert a == b, report.name
        else:
            assert twin.exists(), report.name


def test_cli_check_and_screen(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps({**DEMO_CONFIG, "outdir": str(tmp_path / "out")}))
    assert main(["check", "--config", str(config)]) == 0
    assert "12 patients, 13 samples" in capsys.readouterr().out
    assert main(["screen", "--config", str(config)]) == 0
    assert len(list((tmp_path / "out" / "patients").glob("*.json"))) == 12
    bad = tmp_path / "bad.yaml"
    bad.write_text("samples: [\n")
    assert main(["check", "--config", str(bad)]) == 2
    assert "malformed YAML" in capsys.readouterr().err


@pytest.mark.browser
def test_pdf_reports_when_chromium_is_installed(tmp_path):
    if find_chromium() is None:
        pytest.skip("no PDF engine: Chromium is not installed (apt-get install chromium)")
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps({**DEMO_CONFIG, "outdir": str(tmp_path / "out"), "report": {"pdf": True}}))
    sheet = tmp_path / "one.tsv"
    lines = (DEMO / "samples.tsv").read_text().splitlines()
    sheet.write_text("\n".join([lines[0], lines[1]]) + "\n")
    shutil.copytree(DEMO / "data", tmp_path / "data")
    config.write_text(
        json.dumps({**DEMO_CONFIG, "samples": str(sheet), "outdir": str(tmp_path / "out"), "report": {"pdf": True}})
    )
    assert main(["screen", "--config", str(config)]) == 0
    pdf = tmp_path / "out" / "patients" / "DEMO-01.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_empty_vcf_with_only_assay_targets_is_not_wild_type(tmp_path):
    """Targets say TP53 was meant to be sequenced; an empty VCF may be a failed caller run."""
    vcf = tmp_path / "empty.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    sheet = tmp_path / "s.tsv"
    cn = DEMO / "data" / "etal_cnvkit" / "tr95t.cns"
    sheet.write_text(f"patient_id\tsample_id\tbuild\tcn_file\tvcf\tassay\nP1\tS1\tGRCh37\t{cn}\t{vcf}\tDEMO_PANEL\n")
    cohort = prepare({**DEMO_CONFIG, "samples": str(sheet), "ihc": None, "outdir": str(tmp_path / "out")})
    report = Screener(cohort.settings, cohort.arms, cohort.ihc).screen_patient("P1", cohort.patients["P1"])
    assert report["tp53"]["status"] == "not_assessable"
    assert report["tp53"]["reasons"][0]["code"] == "tp53_chromosome_absent"
    assert "read-depth evidence" in report["tp53"]["reasons"][0]["message"]
    assert report["status"] == "INDETERMINATE"


def test_screen_with_worker_processes_writes_what_one_process_writes(tmp_path):
    """`mdm2screen screen --jobs 2` splits batches into chunks over workers: the batch tables and
    summary are byte-identical to a one-process run, and so is every report but its run block."""
    outs = []
    for jobs in ("1", "2"):
        config = tmp_path / f"c{jobs}.yaml"
        config.write_text(json.dumps({**DEMO_CONFIG, "outdir": str(tmp_path / f"out{jobs}"), "batch_size": 4}))
        assert main(["screen", "--config", str(config), "--jobs", jobs]) == 0
        outs.append(tmp_path / f"out{jobs}")
    one, two = outs
    tables = sorted(p.name for p in (one / "batches").glob("*.tsv"))
    assert len(tables) == 4 and tables == sorted(p.name for p in (two / "batches").glob("*.tsv"))
    for name in tables:
        assert (one / "batches" / name).read_bytes() == (two / "batches" / name).read_bytes()
    assert (one / "cohort/summary.tsv").read_bytes() == (two / "cohort/summary.tsv").read_bytes()
    for report in sorted((one / "patients").glob("*.json")):
        a, b = json.loads(report.read_text()), json.loads((two / "patients" / report.name).read_text())
        a["provenance"].pop("run"), b["provenance"].pop("run")
        assert a == b, report.name
