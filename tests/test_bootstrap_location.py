"""Where scripts/bootstrap.sh puts the virtual environment: `.venv` in the checkout, except under a
path with a space, which Snakemake's rule scripts cannot run from (the interpreter path is not quoted)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import REPO


def venv_for(root: Path, home: Path) -> str:
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "bootstrap.sh", root / "scripts" / "bootstrap.sh")
    env = {k: v for k, v in os.environ.items() if k not in ("MDM2SCREEN_VENV", "XDG_CACHE_HOME")}
    env.update(HOME=str(home), MDM2SCREEN_PRINT_VENV="1")
    out = subprocess.run(["bash", str(root / "scripts" / "bootstrap.sh")], capture_output=True, text=True,
                         env=env, check=True, timeout=60)  # fmt: skip
    return out.stdout.strip()


def test_plain_path_keeps_the_venv_in_the_checkout(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    assert venv_for(root, tmp_path / "home") == str(root / ".venv")


def test_path_with_a_space_puts_the_venv_in_the_users_cache(tmp_path: Path) -> None:
    root = tmp_path / "with space" / "checkout"
    venv = venv_for(root, tmp_path / "home")
    assert venv.startswith(str(tmp_path / "home" / ".cache" / "mdm2screen" / "venv-")) and " " not in venv
    # One per checkout: another folder gets another environment.
    assert venv_for(tmp_path / "other space" / "checkout", tmp_path / "home") != venv


def test_a_home_with_a_space_falls_back_to_the_temporary_folder(tmp_path: Path) -> None:
    venv = venv_for(tmp_path / "a b" / "checkout", tmp_path / "home with space")
    assert " " not in venv and "mdm2screen-venv-" in venv
