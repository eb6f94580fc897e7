"""docs/recovery.md, followed to the letter after a ``kill -9`` of Snakemake (issue 22).

The demo cohort runs in a copy of the workflow (so that its ``.snakemake`` folder is nobody
else's) from a configuration named ``my_cohort.yaml``, the placeholder the document uses: once
to completion (the reference), then again from scratch in the same folder. Once
a batch job has started, Snakemake's own process is killed with SIGKILL, as a user's ``kill -9``
does; its job finishes on its own (docs/recovery.md, section 1, says to wait for it). Then the
commands of the document's tested block run exactly as written, and every patient's report must
exist and equal a clean run's apart from ``provenance.run``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DEMO_STATUSES, REPO

RECOVERY = REPO / "docs" / "recovery.md"
MARKER = "# recovery: snakemake"
PLACEHOLDER = "my_cohort.yaml"
WORKFLOW_FILES = (
    "environment.yml",
    "pyproject.toml",
    "workflow",
    "src",
    "config",
    "resources",
    "profiles",
)
WAIT = 60  # seconds, for each bounded wait


def documented_commands() -> list[str]:
    """The command lines of the ```bash block that starts with the marker comment."""
    blocks = re.findall(r"^```bash\n(.*?)^```", RECOVERY.read_text(), re.MULTILINE | re.DOTALL)
    marked = [b for b in blocks if b.startswith(MARKER)]
    assert len(marked) == 1, f"expected one ```bash block starting with {MARKER!r} in {RECOVERY}"
    lines = [line.strip() for line in marked[0].splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands and all(PLACEHOLDER in c for c in commands), commands
    return commands


def workflow_copy(where: Path) -> Path:
    """The workflow, its package and the demo cohort, with the demo config as my_cohort.yaml."""
    where.mkdir()
    for name in WORKFLOW_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, where / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, where / name)
    # The demo config (relative paths, outdir results), in four batches: several batch jobs.
    (where / PLACEHOLDER).write_text((REPO / "config" / "config.yaml").read_text() + "batch_size: 4\n")
    return where


def environment(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(tree / "src")  # the copy's package, for the Snakefile as for its jobs
    return env


def alive_in_group(pgid: int) -> list[int]:
    """Processes of the process group that have not ended (zombies do not count)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def reports_without_run_fields(outdir: Path) -> dict[str, dict]:
    reports = {}
    for path in sorted((outdir / "patients").glob("*.json")):
        report = json.loads(path.read_text())
        report["provenance"].pop("run")
        reports[path.stem] = report
    return reports


@pytest.mark.slow
def test_a_killed_snakemake_run_is_finished_by_following_docs_recovery(tmp_path):
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to follow the killed run's processes")
    if shutil.which("snakemake", path=str(Path(sys.executable).parent)) is None:
        pytest.skip(f"no snakemake command beside {sys.executable}")
    commands = documented_commands()

    # The clean run, in the same folder: reports name their input files by absolute path.
    tree = workflow_copy(tmp_path / "workflow")
    run = subprocess.run(
        ["snakemake", "--cores", "2", "--configfile", PLACEHOLDER],
        cwd=tree,
        env=environment(tree),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    clean = tmp_path / "clean"
    (tree / "results").rename(clean)
    shutil.rmtree(tree / ".snakemake")

    log = tmp_path / "killed.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["snakemake", "--cores", "2", "--configfile", PLACEHOLDER],
            cwd=tree,
            env=environment(tree),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: its jobs can be followed (and cleaned up)
        )
    try:
        # A batch job has started: Snakemake holds its lock and the job has opened its log.
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and proc.poll() is None:
            if any((tree / ".snakemake" / "locks").glob("*")) and any((tree / "results/logs/screen").glob("*.log")):
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the run ended before a batch job started:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no batch job started within {WAIT} s:\n{log.read_text()[-3000:]}"
        proc.send_signal(signal.SIGKILL)  # Snakemake itself, as `kill -9 <pid>`
        proc.wait(timeout=WAIT)

        # docs/recovery.md, section 1: wait until nothing of the killed run is left.
        deadline = time.monotonic() + WAIT
        while alive_in_group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive_in_group(proc.pid), f"the killed run's jobs did not end within {WAIT} s"
    finally:
        if alive_in_group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    # What the issue is about: the killed run left its lock behind.
    assert any((tree / ".snakemake" / "locks").glob("*")), "the killed run left no lock: nothing to recover from"

    for command in commands:  # exactly as documented; my_cohort.yaml is the config's real name here
        step = subprocess.run(
            ["bash", "-c", command],
            cwd=tree,
            env=environment(tree),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert step.returncode == 0, f"{command}\n{(step.stdout + step.stderr)[-3000:]}"

    assert not any((tree / ".snakemake" / "locks").glob("*"))
    patients = tree / "results" / "patients"
    for pid in DEMO_STATUSES:
        assert (patients / f"{pid}.json").is_file() and (patients / f"{pid}.html").is_file(), pid
    recovered = reports_without_run_fields(tree / "results")
    assert sorted(recovered) == sorted(DEMO_STATUSES)
    assert recovered == reports_without_run_fields(clean)
    assert (tree / "results/cohort/summary.tsv").read_text() == (clean / "cohort/summary.tsv").read_text()
