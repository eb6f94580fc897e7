"""An installed (non-editable) mdm2screen reads its schemas, arms and reference data from itself.

``pip install`` of a copy of the package source into a fresh virtual environment (dependencies
from this one; pip fetches the build backend, setuptools, so the test skips without an index), then, from a folder outside any
checkout and with ``PYTHONPATH`` unset, the configuration schema, the default arms file, every
catalogue trial, the report schema and the reference files are read: all from the installed
package's ``data/`` folder. Marked slow (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import REPO

CHECK = """
import json, mdm2screen
from mdm2screen.config import CONFIG_SCHEMA, load_settings
from mdm2screen.criteria import load_arms
from mdm2screen.genome import chrom_sizes
from mdm2screen.paths import TRIALS_DIR, reference_path, schema_path
from mdm2screen.reference import gene_locus
from mdm2screen.variants.tp53 import benign_variants
from mdm2screen.variants.transcript import tp53_model

settings = load_settings({"samples": "samples.tsv", "outdir": "out"})
trials = sorted(p.stem for p in TRIALS_DIR.glob("*.yaml"))
arms = load_arms(settings.arms_file, trials=trials)
print(json.dumps({
    "package": mdm2screen.__file__,
    "config_schema": str(CONFIG_SCHEMA),
    "arms_file": str(settings.arms_file),
    "trials": trials,
    "arms": len(arms.arms),
    "report_schema": json.loads(schema_path("patient_report.schema.json").read_text())["$id"],
    "genes": str(reference_path("genes.tsv")),
    "mdm2": gene_locus("MDM2", "GRCh37").start,
    "chromosomes": len(chrom_sizes("GRCh38")),
    "benign": len(benign_variants()),
    "tp53": type(tp53_model("GRCh37")).__name__,
}))
"""


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, **kwargs)
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
    return done


def pip_install(python: Path, source: Path, env: dict[str, str]) -> None:
    cmd = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", str(source)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, env=env)
    if done.returncode != 0 and "satisfies the requirement setuptools" in done.stderr:
        pytest.skip(f"pip cannot fetch the build backend (no package index?): {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"


def test_installed_package_reads_its_data_from_any_folder(tmp_path):
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ there
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    # This environment's packages as dependencies; its editable mdm2screen is not seen (a plain
    # path line does not run the .pth files of the folder it adds).
    Path(purelib, "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH")}
    pip_install(python, source, env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = json.loads(run([str(python), "-c", CHECK], cwd=elsewhere, env=env).stdout)

    package_dir = Path(out["package"]).parent
    assert package_dir.is_relative_to(purelib), out
    for key in ("config_schema", "arms_file", "genes"):
        assert Path(out[key]).is_relative_to(package_dir / "data"), (key, out)
    assert out["trials"] == sorted(p.stem for p in (REPO / "config" / "trials").glob("*.yaml"))
    assert out["arms"] > len(out["trials"])
    assert out["report_schema"] == "mdm2screen/patient_report.schema.json"
    assert out["mdm2"] == 69201956 and out["chromosomes"] >= 24 and out["benign"] > 0 and out["tp53"] == "TP53Model"
