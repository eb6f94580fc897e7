"""The workflow's logs (mdm2screen.runlog through workflow/scripts/): each batch job's log holds its
header, every warning and one line per patient, and says it completed; the onstart hook says where the
logs are and gives the jobs one run ID. Runs Snakemake: slow."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from test_runlog import PATIENT_LINE, cohort_with_an_hg18_file

from mdm2screen import __version__
from mdm2screen.pipeline import prepare

SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture(scope="module")
def workflow_run(tmp_path_factory) -> tuple[dict, subprocess.CompletedProcess]:
    folder = tmp_path_factory.mktemp("runlog_workflow")
    config = {**cohort_with_an_hg18_file(folder), "batch_size": 1}
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    result = run(
        [*SNAKEMAKE, "--cores", "2", "--configfile", str(folder / "config.yaml"), "--directory", str(REPO)], REPO
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return config, result


def test_each_batch_job_log_has_its_header_warnings_patients_and_last_line(workflow_run):
    config, _ = workflow_run
    cohort = prepare(config)
    batches = cohort.batches()
    assert len(batches) > 1
    run_ids = set()
    for batch in batches:
        path = Path(config["outdir"]) / "logs" / "screen" / f"{batch.id}.log"
        lines = path.read_text().splitlines()
        assert lines[0].startswith(f"mdm2screen {__version__} | batch {batch.id} | run "), lines[0]
        run_ids.add(re.search(r"\| run (\S+) \|", lines[0]).group(1))
        assert f"configuration sha256 {cohort.config_sha256}" in lines[1]
        assert sorted(m.group(1) for line in lines if (m := PATIENT_LINE.match(line))) == sorted(batch.patients)
        warnings = [line for line in lines if " WARNING " in line]
        if "HG18-01" in batch.patients:
            (warning,) = warnings
            assert "HG18-01: sample HG18-01-T1:" in warning and "(build_mismatch)" in warning
        else:
            assert warnings == []
        assert f" INFO batch {batch.id} complete: {len(batch.patients)} patient(s) (" in lines[-1]
    assert all(re.fullmatch(r"\d{8}T\d{6}Z-\d+", run_id) for run_id in run_ids)


def test_the_summary_job_log_says_it_completed(workflow_run):
    config, _ = workflow_run
    lines = (Path(config["outdir"]) / "logs" / "cohort_summary.log").read_text().splitlines()
    assert lines[0].startswith(f"mdm2screen {__version__} | cohort summary | run ")
    assert any(" INFO wrote summary.html: " in line for line in lines)
    assert " INFO cohort summary complete: " in lines[-1]


def test_the_onstart_hook_prints_where_the_logs_are_and_the_jobs_share_its_run_id(tmp_path):
    # A workflow of one job with the hook as the Snakefile's onstart: what Snakemake passes (`log`)
    # and that the jobs inherit the run ID.
    (tmp_path / "Snakefile").write_text(
        "from mdm2screen.workflow_hooks import start_of_run\n\n\n"
        "onstart:\n"
        '    start_of_run("results", ["samples_b0"], log)\n\n\n'
        "rule all:\n"
        "    output:\n"
        '        "run_id.txt",\n'
        "    shell:\n"
        '        "echo $MDM2SCREEN_RUN_ID > {output}"\n'
    )
    result = run([*SNAKEMAKE, "--cores", "1"], tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    assert f"mdm2screen: this run's logs are in {tmp_path / 'results' / 'logs'}: screen/<batch>.log" in result.stderr
    own_log = re.search(r"Snakemake's own log: (\S+)", result.stderr).group(1)
    assert Path(own_log).parent == tmp_path / ".snakemake" / "log"
    assert re.fullmatch(r"\d{8}T\d{6}Z-\d+\n", (tmp_path / "run_id.txt").read_text())
