"""The workflow as a user runs it: lint, formatting, a dry run and a full run on the demo cohort."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import DEMO_STATUSES, REPO

SNAKEMAKE = [sys.executable, "-m", "snakemake"]
EXPECTED = DEMO_STATUSES


def run(cmd: list[str], cwd: Path = REPO, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def batches_to_screen(base: list[str]) -> set[str]:
    """The screen_<batch> jobs a run would do now (a dry run's job-stats rows, "screen_<batch>   1")."""
    dry = run([*base, "--dry-run", "--quiet", "rules"])
    assert dry.returncode == 0, dry.stderr[-2000:]
    return set(re.findall(r"^(screen_\S+)\s+\d+$", dry.stdout, re.MULTILINE))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    """Run the whole workflow once on the demo cohort into a fresh outdir."""
    outdir = tmp_path_factory.mktemp("demo") / "results"
    config = outdir.parent / "config.yaml"
    config.write_text(
        f"samples: {REPO / 'resources/demo/samples.tsv'}\nihc: {REPO / 'resources/demo/ihc.tsv'}\noutdir: {outdir}\n"
        f"assays:\n  DEMO_PANEL: {REPO / 'resources/demo/demo_panel_targets.bed'}\nbatch_size: 5\n"
    )
    result = run([*SNAKEMAKE, "--cores", "2", "--configfile", str(config), "--directory", str(REPO)])
    assert result.returncode == 0, result.stderr[-4000:]
    return outdir


def test_batch_jobs_ask_for_batch_threads_cores(tmp_path):
    """Each batch job screens with `batch_threads` worker processes, so it asks Snakemake (and Slurm)
    for that many cores; Snakemake lowers it to --cores."""
    config = tmp_path / "config.yaml"
    config.write_text(f"samples: {REPO / 'resources/demo/samples.tsv'}\noutdir: {tmp_path / 'out'}\nbatch_size: 5\n")
    base = [*SNAKEMAKE, "--dry-run", "--configfile", str(config)]
    for cores, threads, expected in (("8", 3, 3), ("8", 1, 1), ("2", 3, 2)):
        dry = run([*base, "--cores", cores, "--config", f"batch_threads={threads}"])
        assert dry.returncode == 0, dry.stderr[-2000:]
        # One block per job; Snakemake prints "threads: N" only when N > 1.
        blocks = [b for b in dry.stdout.split("rule ")[1:] if b.startswith("screen_")]
        threads_seen = {int(m.group(1)) if (m := re.search(r"threads: (\d+)", b)) else 1 for b in blocks}
        assert len(blocks) == 4 and threads_seen == {expected}, dry.stdout[-3000:]


def test_snakemake_lint_is_clean():
    """The workflow as Snakemake finds it in the clone (workflow/Snakefile, the module snakedeploy deploys)."""
    result = run([*SNAKEMAKE, "--lint"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lints for" not in result.stdout, result.stdout


def test_snakefmt_clean():
    if shutil.which("snakefmt") is None and not (Path(sys.executable).parent / "snakefmt").exists():
        pytest.fail("snakefmt is not installed: it is part of the test extras (pip install -e .[test])")
    exe = (
        str(Path(sys.executable).parent / "snakefmt")
        if (Path(sys.executable).parent / "snakefmt").exists()
        else "snakefmt"
    )
    result = run([exe, "--check", "workflow/Snakefile", "workflow/rules"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_dry_run_of_the_demo_config(tmp_path):
    cmd = [
        *SNAKEMAKE,
        "--dry-run",
        "--quiet",
        "rules",
        "--configfile",
        "config/config.yaml",
        "--config",
        f"outdir={tmp_path}",
    ]
    result = run(cmd)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "cohort_summary" in result.stdout


def test_broken_sheet_stops_before_any_work(tmp_path):
    sheet = tmp_path / "s.tsv"
    sheet.write_text("patient_id\tsample_id\tbuild\tcn_file\tvcf\n../x\tS1\tGRCh99\ta\tb\nP2\tS1\tGRCh38\ta\tb\n")
    config = tmp_path / "c.yaml"
    config.write_text(f"samples: {sheet}\noutdir: {tmp_path / 'out'}\nbatchsize: 3\n")
    result = run([*SNAKEMAKE, "--cores", "1", "--configfile", str(config)])
    assert result.returncode != 0
    text = result.stdout + result.stderr
    assert "did you mean 'batch_size'" in text
    assert not (tmp_path / "out").exists()


def test_demo_statuses(demo_run):
    for pid, expected in EXPECTED.items():
        report = json.loads((demo_run / "patients" / f"{pid}.json").read_text())
        assert report["status"] == expected, (pid, report["reasons"])
        assert (demo_run / "patients" / f"{pid}.html").stat().st_size > 1000


def test_every_report_validates_against_the_published_schema(demo_run):
    schema = json.loads((REPO / "workflow/schemas/patient_report.schema.json").read_text())
    for path in sorted((demo_run / "patients").glob("*.json")):
        jsonschema.validate(json.loads(path.read_text()), schema)


def test_summary_has_one_row_per_patient(demo_run):
    lines = (demo_run / "cohort" / "summary.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    for column in (
        "patient_id",
        "status",
        "mdm2_copy_number",
        "mdm2_amplified",
        "tp53_status",
        "mdm2_ihc",
        "cdk4_amplified",
        "reasons",
    ):
        assert column in header
    rows = {line.split("\t")[0]: dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]}
    assert {pid: r["status"] for pid, r in rows.items()} == EXPECTED
    assert (demo_run / "cohort" / "summary.html").exists()


def test_snakemake_report_bundles_summary_and_patient_reports(demo_run):
    config = demo_run.parent / "config.yaml"
    report = demo_run.parent / "report.zip"
    result = run([*SNAKEMAKE, "--configfile", str(config), "--report", str(report)])
    assert result.returncode == 0, result.stderr[-3000:]
    import zipfile

    names = zipfile.ZipFile(report).namelist()
    assert any(n.endswith("summary.html") for n in names)
    # Every patient's HTML report, found through rule all's folder input (not the batch outputs).
    assert {Path(n).stem for n in names if n.endswith(".html") and "DEMO-" in n} == set(EXPECTED)
    assert not any(n.endswith(".json") and "DEMO-" in n for n in names)
    assert any(n.endswith("mdm2_cn_by_tp53.svg") for n in names)


def test_fhir_bundles_are_written_and_bundled_in_the_report_when_asked_for(tmp_path):
    import zipfile

    config = tmp_path / "c.yaml"
    config.write_text(
        f"samples: {json.dumps(str(REPO / 'resources/demo/samples.tsv'))}\n"
        f"ihc: {json.dumps(str(REPO / 'resources/demo/ihc.tsv'))}\n"
        f"outdir: {json.dumps(str(tmp_path / 'out'))}\n"
        f"assays: {{DEMO_PANEL: {json.dumps(str(REPO / 'resources/demo/demo_panel_targets.bed'))}}}\n"
        "outputs: {fhir: true}\n"
    )
    assert run([*SNAKEMAKE, "--cores", "2", "--configfile", str(config)]).returncode == 0
    bundles = sorted((tmp_path / "out" / "patients").glob("*.fhir.json"))
    assert [b.name.split(".")[0] for b in bundles] == sorted(EXPECTED)
    assert json.loads(bundles[0].read_text())["resourceType"] == "Bundle"
    report = tmp_path / "report.zip"
    result = run([*SNAKEMAKE, "--configfile", str(config), "--report", str(report)])
    assert result.returncode == 0, result.stderr[-3000:]
    names = zipfile.ZipFile(report).namelist()
    assert sum(n.endswith(".fhir.json") for n in names) == len(EXPECTED)


def test_other_cohort_config_needs_only_samples(tmp_path):
    """`--configfile other.yaml` with just `samples:` and `outdir:`: no demo IHC leaks in."""
    sheet = tmp_path / "samples.tsv"
    lines = (REPO / "resources/demo/samples.tsv").read_text().splitlines()
    data = REPO / "resources/demo"
    rows = [lines[0]] + [ln for ln in lines[1:] if ln.startswith(("DEMO-01\t", "DEMO-02\t"))]
    sheet.write_text("\n".join(r.replace("\tdata/", f"\t{data}/data/") for r in rows) + "\n")
    config = tmp_path / "other.yaml"
    config.write_text(f"samples: {sheet}\noutdir: {tmp_path / 'out'}\n")
    result = run([*SNAKEMAKE, "--cores", "2", "--configfile", str(config)])
    assert result.returncode == 0, result.stderr[-3000:]
    first = json.loads((tmp_path / "out/patients/DEMO-01.json").read_text())
    # Without the `assays:` mapping nothing shows TP53 was sequenced: never wild type by default.
    assert first["status"] == "INDETERMINATE"
    assert first["tp53"]["reasons"][0]["code"] == "tp53_coverage_not_verified"
    # No IHC table: confirmation is still to come, never taken from the demo's table.
    assert first["ihc"]["rows"] == []
    confirmation = next(c for c in first["arms"][0]["criteria"] if c["kind"] == "mdm2_confirmed")
    assert confirmation["state"] == "pending"
    assert json.loads((tmp_path / "out/patients/DEMO-02.json").read_text())["status"] == "NOT_ELIGIBLE"


def test_an_ihc_edit_reruns_only_that_patients_batch(tmp_path):
    demo = tmp_path / "demo"
    shutil.copytree(REPO / "resources/demo", demo)
    config = tmp_path / "c.yaml"
    config.write_text(
        f"samples: {demo / 'samples.tsv'}\nihc: {demo / 'ihc.tsv'}\noutdir: {tmp_path / 'out'}\nbatch_size: 2\n"
        f"assays:\n  DEMO_PANEL: {demo / 'demo_panel_targets.bed'}\n"
    )
    base = [*SNAKEMAKE, "--configfile", str(config), "--directory", str(tmp_path)]
    assert run([*base, "--cores", "2"]).returncode == 0
    ihc = demo / "ihc.tsv"
    ihc.write_text(ihc.read_text().replace("DEMO-05\tDEMO-05-T1\tMDM2\tpending", "DEMO-05\tDEMO-05-T1\tMDM2\tpositive"))
    assert len(batches_to_screen(base)) == 1
    assert run([*base, "--cores", "2"]).returncode == 0
    assert json.loads((tmp_path / "out/patients/DEMO-05.json").read_text())["status"] == "ELIGIBLE"


def test_an_edited_assay_bed_or_arms_file_reruns_every_batch_and_a_touch_reruns_none(tmp_path):
    """Assay target BEDs are tracked by content (params.assay_files), the arms file by its text in
    every patient's fingerprint; neither is an input."""
    demo = tmp_path / "demo"
    shutil.copytree(REPO / "resources/demo", demo)
    bed = demo / "demo_panel_targets.bed"
    arms = tmp_path / "arms.yaml"
    shutil.copy(REPO / "config/arms.yaml", arms)
    config = tmp_path / "c.yaml"
    config.write_text(
        f"samples: {demo / 'samples.tsv'}\noutdir: {tmp_path / 'out'}\nbatch_size: 2\n"
        f"assays:\n  DEMO_PANEL: {bed}\narms_file: {arms}\n"
    )
    base = [*SNAKEMAKE, "--configfile", str(config), "--directory", str(tmp_path)]
    assert run([*base, "--cores", "2"]).returncode == 0
    batches = {p.stem for p in (tmp_path / "out/batches").glob("*.tsv")}
    assert len(batches) > 1

    bed.write_text(bed.read_text())  # same content, newer modification time
    assert batches_to_screen(base) == set()

    arms.write_text(arms.read_text())
    assert batches_to_screen(base) == set()

    def screened_after(edit) -> set[str]:
        edit()
        return batches_to_screen(base)

    everyone = {f"screen_{b}" for b in batches}
    original_bed = bed.read_text()
    assert screened_after(lambda: bed.write_text(original_bed + "17\t1\t2\textra_target\n")) == everyone
    bed.write_text(original_bed)
    assert screened_after(lambda: arms.write_text(arms.read_text() + "# edited\n")) == everyone


def test_a_new_sheet_in_the_samples_folder_screens_only_its_patients(tmp_path):
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    shutil.copytree(REPO / "resources/demo/data", tmp_path / "data")
    lines = (REPO / "resources/demo/samples.tsv").read_text().replace("\tdata/", "\t../data/").splitlines()
    (sheets / "run1.tsv").write_text("\n".join(lines[:7]) + "\n")
    config = tmp_path / "c.yaml"
    config.write_text(f"samples: {sheets}\noutdir: {tmp_path / 'out'}\nbatch_size: 2\n")
    base = [*SNAKEMAKE, "--configfile", str(config), "--directory", str(tmp_path)]
    assert run([*base, "--cores", "2"]).returncode == 0
    (sheets / "run2.tsv").write_text("\n".join([lines[0], *lines[7:9]]) + "\n")  # DEMO-07, two samples
    assert batches_to_screen(base) == {"screen_run2_b0"}  # the new sheet's own batch, nothing else
    assert run([*base, "--cores", "2"]).returncode == 0
    assert json.loads((tmp_path / "out/patients/DEMO-07.json").read_text())["status"] == "NOT_ELIGIBLE"
    summary = (tmp_path / "out/cohort/summary.tsv").read_text()
    assert "DEMO-07" in summary and len(summary.splitlines()) == 8


def test_a_deleted_patient_report_is_written_again_by_its_batch_alone(tmp_path):
    demo = tmp_path / "demo"
    shutil.copytree(REPO / "resources/demo", demo)
    config = tmp_path / "c.yaml"
    config.write_text(f"samples: {demo / 'samples.tsv'}\noutdir: {tmp_path / 'out'}\nbatch_size: 2\n")
    base = [*SNAKEMAKE, "--configfile", str(config), "--directory", str(tmp_path)]
    assert run([*base, "--cores", "2"]).returncode == 0
    assert batches_to_screen(base) == set()
    # An HTML and a JSON report: a batch declares whichever of its reports are missing.
    for deleted in ("DEMO-03.html", "DEMO-08.json"):
        (tmp_path / "out/patients" / deleted).unlink()
        assert len(batches_to_screen(base)) == 1
        assert run([*base, "--cores", "2"]).returncode == 0
        assert (tmp_path / "out/patients" / deleted).is_file()
        assert batches_to_screen(base) == set()
