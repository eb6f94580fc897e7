"""The test suite and the demo work wherever the checkout lives (issue 28).

The checkout is cloned into a folder whose path has spaces, inside a fresh temporary folder of
mode 0700 that no other user can enter (what ``mktemp -d`` gives). From that clone, with this
test run's virtual environment (``MDM2SCREEN_VENV``, which scripts/bootstrap.sh honours), the
path-sensitive tests run through ``scripts/test.sh`` and the demo through ``scripts/demo.sh``.

The clone is of the committed history, overlaid with this working tree's uncommitted changes
(tracked and new files, deletions), so that it tests the code in front of the developer; in CI
(a fresh clone) the two are the same. ``PYTHONPATH`` puts the clone's own ``src`` first: the
environment's editable install points at this checkout's.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import DEMO_STATUSES, REPO

# Tests that depend on where the checkout is: run as another user, write paths into configs,
# run Snakemake or the scripts from the checkout.
PATH_SENSITIVE_TESTS = [
    "tests/test_slurm.py::test_script_usage_and_status_of_an_unused_state_folder",
    "tests/test_slurm.py::test_script_refuses_to_start_without_root",
    "tests/test_workflow.py::test_dry_run_of_the_demo_config",
    "tests/test_workflow.py::test_demo_statuses",
]


def git(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-c", "safe.directory=*", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def clone_working_tree(target: Path) -> None:
    """``git clone --local`` of this checkout, then its uncommitted changes copied over."""
    cloned = git("clone", "--quiet", "--local", "--no-hardlinks", str(REPO), str(target))
    assert cloned.returncode == 0, cloned.stderr
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    assert listed.returncode == 0, listed.stderr
    for name in filter(None, listed.stdout.split("\0")):
        source, copy = REPO / name, target / name
        if source.is_file() and not source.is_symlink():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
        elif not source.exists() and not source.is_symlink():  # deleted in the working tree
            copy.unlink(missing_ok=True)


def environment(clone: Path, venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["MDM2SCREEN_VENV"] = str(venv)
    env["PYTHONPATH"] = str(clone / "src")
    return env


@pytest.mark.slow
def test_tests_and_demo_run_from_a_private_folder_with_spaces(tmp_path):
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout to clone")
    venv = Path(sys.prefix)
    stamp = venv / ".mdm2screen-installed"
    want = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.is_file() or stamp.read_text().strip() != want:
        # bootstrap.sh would reinstall the package into this environment, from the temporary clone.
        pytest.skip(f"{venv} is not a scripts/bootstrap.sh environment up to date with pyproject.toml")

    top = Path(tempfile.mkdtemp(prefix="private checkout ", dir=tmp_path))
    assert stat.S_IMODE(top.stat().st_mode) == 0o700
    clone = top / "mdm2screen with spaces"
    clone_working_tree(clone)
    if (REPO.parent / "shared").is_dir():  # the project's shared folder, beside the checkout
        (top / "shared").symlink_to(REPO.parent / "shared")
    env = environment(clone, venv)

    tests = subprocess.run(
        [
            "bash",
            "scripts/test.sh",
            "--rootdir",
            str(clone),
            "--basetemp",
            str(top / "pytest temp"),
            "-p",
            "no:cacheprovider",
            "-q",
            *PATH_SENSITIVE_TESTS,
        ],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = tests.stdout + tests.stderr
    assert tests.returncode == 0, output[-4000:]
    passed = re.search(r"(\d+) passed", output)
    assert passed and int(passed.group(1)) >= 3, output[-2000:]  # the refusal test may skip (not root)
    assert "Installing mdm2screen" not in output

    # The demo as the README runs it, started from elsewhere.
    demo = subprocess.run(
        ["bash", str(clone / "scripts" / "demo.sh"), "--cores", "2"],
        cwd=top,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, (demo.stdout + demo.stderr)[-4000:]
    assert f"{clone}/results/patients/" in demo.stdout
    reports = clone / "results" / "patients"
    assert sorted(p.stem for p in reports.glob("*.json")) == sorted(DEMO_STATUSES)
    assert (clone / "results" / "cohort" / "summary.html").is_file()
