"""The Slurm profile (profiles/slurm) proven on a real single-node Slurm.

scripts/slurm_local.sh starts slurm-wlm + munge on this machine (installing them with apt-get
when missing, as root). The demo cohort then runs through ``snakemake --profile profiles/slurm``
with the local-test overrides of /work/shared/slurm/NOTES.md (job status via squeue, partition
``debug``, a short first status wait), and every patient's JSON report must equal a local run's
apart from the documented run-time fields (``provenance.run``, patient_report.schema.json).

When Slurm cannot be installed or started here (not root, no apt-get, daemons failing) the test
is skipped with the script's own reason; it never passes without having run on Slurm.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEMO, REPO

SCRIPT = REPO / "scripts" / "slurm_local.sh"
PROFILE = REPO / "profiles" / "slurm"
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "workflow" / "Snakefile")]
# Local-test overrides (NOTES.md): no slurmdbd here, so sacct cannot report job states.
SLURM_TEST_OVERRIDES = [
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "5",
    "--default-resources",
    "slurm_partition=debug",
    "--slurm-keep-successful-logs",
]
RUN_TIMEOUT = 280  # seconds; a hung plugin ignores SIGTERM, hence `timeout -k`


def existing_slurm_is_usable() -> bool:
    """A Slurm already answering with a 'debug' partition (e.g. started by CI): use it, leave it running."""
    if shutil.which("sinfo") is None:
        return False
    try:
        out = subprocess.run(["sinfo", "-h", "-p", "debug", "-o", "%T"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and any(s.strip() in ("idle", "mixed") for s in out.stdout.splitlines())


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        pytest.skip("snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]')")
    if existing_slurm_is_usable():
        yield None
        return
    state = tmp_path_factory.mktemp("slurm-state")
    start = subprocess.run(["bash", str(SCRIPT), "start", str(state)], capture_output=True, text=True, timeout=900)
    if start.returncode in (3, 4):  # documented: cannot install / cannot start
        reason = start.stderr.strip().splitlines()[-1] if start.stderr.strip() else f"exit {start.returncode}"
        pytest.skip(f"no single-node Slurm on this machine: {reason}")
    assert start.returncode == 0, start.stderr
    try:
        yield state
    finally:
        stop = subprocess.run(["bash", str(SCRIPT), "stop", str(state)], capture_output=True, text=True, timeout=120)
        assert stop.returncode == 0, stop.stderr


def cohort_config(path: Path, outdir: Path) -> Path:
    # batch_size 4: the twelve demo patients in four batches (a power of two), bundled into one Slurm group job.
    # Paths as JSON strings (valid YAML): the checkout's path may hold spaces, '#' or ': '.
    def q(p: Path) -> str:
        return json.dumps(str(p))

    path.write_text(
        f"samples: {q(DEMO / 'samples.tsv')}\nihc: {q(DEMO / 'ihc.tsv')}\noutdir: {q(outdir)}\n"
        f"assays:\n  DEMO_PANEL: {q(DEMO / 'demo_panel_targets.bed')}\nbatch_size: 4\n"
    )
    return path


def without_run_fields(report: dict) -> dict:
    report = json.loads(json.dumps(report))
    report["provenance"].pop("run")
    return report


@pytest.mark.slurm
@pytest.mark.slow
def test_demo_cohort_through_slurm_matches_a_local_run(slurm, tmp_path):
    work = tmp_path / "slurm"
    work.mkdir()
    config = cohort_config(tmp_path / "slurm.yaml", work / "results")
    cmd = [*SNAKEMAKE, "--directory", str(work), "--profile", str(PROFILE), "--cores", "2", "--configfile", str(config)]
    run = subprocess.run(
        ["timeout", "-k", "15", str(RUN_TIMEOUT), *cmd, *SLURM_TEST_OVERRIDES],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT + 60,
    )
    log = run.stdout + run.stderr
    assert run.returncode != 124, f"snakemake on Slurm did not finish within {RUN_TIMEOUT} s:\n{log[-4000:]}"
    assert run.returncode == 0, log[-4000:]

    # Jobs really went through Slurm: sbatch job ids in the log, completed in Slurm's own view.
    job_ids = re.findall(r"submitted with SLURM jobid (\d+)", log)
    assert job_ids, log[-3000:]
    assert 2 <= len(job_ids) <= 5, f"expected a handful of Slurm jobs (one screen group + the summary), got {job_ids}"
    assert "Group job screen" in log
    states = subprocess.run(
        ["squeue", "-h", "-t", "all", "-o", "%i %T", "-j", ",".join(job_ids)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert states.returncode == 0, states.stderr
    assert {line.split()[1] for line in states.stdout.splitlines()} == {"COMPLETED"}, states.stdout
    slurm_logs = list((work / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert len(slurm_logs) == len(job_ids)

    local_work = tmp_path / "local"
    local_work.mkdir()
    local_config = cohort_config(tmp_path / "local.yaml", local_work / "results")
    local = subprocess.run(
        [
            "timeout",
            "-k",
            "15",
            "240",
            *SNAKEMAKE,
            "--directory",
            str(local_work),
            "--cores",
            "2",
            "--configfile",
            str(local_config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert local.returncode == 0, (local.stdout + local.stderr)[-4000:]

    on_slurm = sorted((work / "results" / "patients").glob("*.json"))
    assert [p.name for p in on_slurm] == [f"DEMO-{i:02d}.json" for i in range(1, 13)]
    for path in on_slurm:
        theirs = json.loads((local_work / "results" / "patients" / path.name).read_text())
        assert without_run_fields(json.loads(path.read_text())) == without_run_fields(theirs), path.name
    assert (work / "results" / "cohort" / "summary.tsv").read_text() == (
        local_work / "results" / "cohort" / "summary.tsv"
    ).read_text()


# --------------------------------------------------------------------------- the script itself (no Slurm needed)


def test_script_usage_and_status_of_an_unused_state_folder(tmp_path):
    usage = subprocess.run(["bash", str(SCRIPT), "restart"], capture_output=True, text=True, timeout=30)
    assert usage.returncode == 2 and "usage:" in usage.stderr
    status = subprocess.run(["bash", str(SCRIPT), "status", str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert status.returncode == 0
    assert "slurmctld: not running" in status.stdout and "slurmd: not running" in status.stdout
    stop = subprocess.run(
        ["bash", str(SCRIPT), "stop", str(tmp_path / "never-started")], capture_output=True, text=True, timeout=30
    )
    assert stop.returncode == 0 and "nothing to stop" in stop.stderr


def test_script_env_names_an_absolute_state_folder_quoted_for_the_shell(tmp_path):
    """A relative state folder becomes absolute; spaces survive `eval "$(slurm_local.sh env DIR)"`."""
    shell = f'eval "$(bash {shlex.quote(str(SCRIPT))} env "state with space")" && printf %s "$SLURM_CONF"'
    env = subprocess.run(["bash", "-c", shell], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert env.returncode == 0, env.stderr
    assert env.stdout == str(tmp_path / "state with space" / "etc" / "slurm.conf")
    quote = subprocess.run(
        ["bash", str(SCRIPT), "env", str(tmp_path / 'a"b')], capture_output=True, text=True, timeout=30
    )
    assert quote.returncode == 2 and "double quote" in quote.stderr


def folder_nobody_can_use(user: str) -> tuple[Path | None, str]:
    """A fresh folder holding a copy of the script, which ``user`` can read and write.

    The checkout may live where other users cannot go (a clone in ``mktemp -d``, mode 0700, or a
    home folder), and so may pytest's tmp_path: bash then fails to open the script (exit 126)
    before the script can refuse. So the script is copied to a folder made and opened here, in
    the first temporary folder whose every parent ``user`` can enter. Returns (folder, "") or
    (None, why not).
    """
    import tempfile

    tried = []
    for parent in dict.fromkeys([tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"]):
        if not Path(parent).is_dir():
            continue
        try:
            folder = Path(tempfile.mkdtemp(prefix="mdm2screen-slurm-as-user-", dir=parent))
        except OSError as exc:
            tried.append(f"{parent}: {exc}")
            continue
        shutil.copy(SCRIPT, folder / SCRIPT.name)
        (folder / SCRIPT.name).chmod(0o755)
        (folder / "state").mkdir()
        folder.chmod(0o755)
        (folder / "state").chmod(0o777)
        probe = subprocess.run(
            ["runuser", "-u", user, "--", "test", "-r", str(folder / SCRIPT.name), "-a", "-w", str(folder / "state")],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if probe.returncode == 0:
            return folder, ""
        tried.append(f"{parent} (a parent folder is closed to {user})")
        shutil.rmtree(folder, ignore_errors=True)
    return None, "; ".join(tried) or "no temporary folder"


def test_script_refuses_to_start_without_root():
    import os
    import pwd

    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root and runuser to run the script as an unprivileged user")
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("there is no user 'nobody' to run the script as")
    folder, why = folder_nobody_can_use("nobody")
    if folder is None:
        pytest.skip(f"no folder that user 'nobody' can read and write: {why}")
    state = folder / "state"
    try:
        result = subprocess.run(
            ["runuser", "-u", "nobody", "--", "bash", str(folder / SCRIPT.name), "start", str(state)],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode in (3, 4), result.stderr  # the codes the fixture above turns into a skip reason
        assert "root" in result.stderr
        assert not (state / "run" / "slurmctld.pid").exists()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
