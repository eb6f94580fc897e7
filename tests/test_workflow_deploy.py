"""The workflow deployed the snakemake-workflows way, its conda environments and its profiles.

``snakedeploy deploy-workflow <repo> <folder> --tag <tag>`` copies the repository's ``config/`` into
``<folder>/config`` and writes ``<folder>/workflow/Snakefile``, which declares this repository's
``workflow/Snakefile`` as a Snakemake module (``snakefile: github("owner/repo",
path="workflow/Snakefile", tag=...)``, ``config: config``) and uses all its rules. The tests write
the same file with a local path in place of ``github(...)`` (no network here), copy ``config/``
and the demo cohort's files as a user would, and run Snakemake in that folder: the workflow must
find what it ships next to itself, and the configuration's paths relative to the folder it runs in.

Conda itself is not run (not installed here). Instead the tests check that every rule has an
environment in ``workflow/envs/``, that the environments and ``environment.yml`` agree with
``pyproject.toml``, and, by running the workflow with an import guard in each job, that each job
imports none of the package's dependencies its environment lacks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import DEMO_STATUSES, REPO
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

import mdm2screen

SNAKEMAKE = [sys.executable, "-m", "snakemake"]
WORKFLOW = REPO / "workflow"
ENVS = WORKFLOW / "envs"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())

# snakedeploy's template (snakedeploy/templates/use_module.smk.jinja), as it writes it; `snakefile`
# is `github("owner/repo", path="workflow/Snakefile", tag="v...")` in a real deployment.
SNAKEDEPLOY_SNAKEFILE = """from snakemake.utils import min_version


min_version("6.10.0")


configfile: "config/config.yaml"


# declare {repo} as a module
module {name}:
    snakefile:
        {snakefile}
    config:
        config


# use all rules from {repo}
use rule * from {name}{rename}
"""


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def deploy(folder: Path, snakefile: Path = WORKFLOW / "Snakefile", rename: str = "") -> Path:
    """What `snakedeploy deploy-workflow` leaves in ``folder``, plus the demo cohort's files.

    ``config/`` is copied as snakedeploy copies it (shutil.copytree, links followed); the demo
    configuration names ``resources/demo/...`` relative to the folder the run starts in, so the
    demo cohort goes there, as a user trying the demo would put it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "workflow").mkdir()
    (folder / "workflow" / "Snakefile").write_text(
        SNAKEDEPLOY_SNAKEFILE.format(
            repo=snakefile.parent.parent, name="mdm2screen", snakefile=json.dumps(str(snakefile)), rename=rename
        )
    )
    shutil.copytree(REPO / "config", folder / "config")
    shutil.copytree(REPO / "resources" / "demo", folder / "resources" / "demo")
    return folder


def statuses(outdir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Each patient's status from its JSON report and from the cohort summary."""
    reports = {
        p.stem: json.loads(p.read_text())["status"]
        for p in (outdir / "patients").glob("*.json")
        if not p.name.endswith(".fhir.json")
    }
    lines = (outdir / "cohort" / "summary.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    return reports, {row["patient_id"]: row["status"] for row in rows}


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> Path:
    """The demo, deployed in a fresh folder and run there with `snakemake --cores 2`."""
    folder = deploy(tmp_path_factory.mktemp("deployment"))
    result = run([*SNAKEMAKE, "--cores", "2"], cwd=folder)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return folder


# ------------------------------------------------------------------------------ the deployment


@pytest.mark.slow
def test_deployed_demo_screens_like_the_demo_in_the_clone(deployed):
    outdir = deployed / "results"
    reports, summary = statuses(outdir)
    assert reports == DEMO_STATUSES and summary == DEMO_STATUSES
    for name in ("summary.html", "summary.csv", "summary.xlsx", "mdm2_cn_by_tp53.svg", "status_counts.svg"):
        assert (outdir / "cohort" / name).stat().st_size > 0, name
    for pid in DEMO_STATUSES:
        assert (outdir / "patients" / f"{pid}.html").stat().st_size > 1000, pid
    # The deployed folder holds no copy of the workflow: rules, scripts and captions came from the clone.
    assert sorted(p.name for p in (deployed / "workflow").iterdir()) == ["Snakefile"]


@pytest.mark.slow
def test_deployed_workflow_is_up_to_date_after_its_run(deployed):
    dry = run([*SNAKEMAKE, "--cores", "2", "--dry-run"], cwd=deployed)
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "Nothing to be done" in dry.stdout + dry.stderr


@pytest.mark.slow
def test_deployed_report_bundles_the_summary_and_every_patient_report(deployed):
    """Report captions are the workflow's files (workflow/report/*.rst), found next to workflow/Snakefile."""
    report = deployed / "report.zip"
    result = run([*SNAKEMAKE, "--report", str(report)], cwd=deployed)
    assert result.returncode == 0, result.stderr[-3000:]
    names = zipfile.ZipFile(report).namelist()
    assert any(n.endswith("summary.html") for n in names)
    assert {Path(n).stem for n in names if n.endswith(".html") and "DEMO-" in n} == set(DEMO_STATUSES)


@pytest.mark.slow
def test_deployed_config_paths_are_relative_to_the_deployment_folder(tmp_path):
    """The deployment's own IHC table is read (relative to where the run starts), not the clone's."""
    folder = deploy(tmp_path / "deployment")
    ihc = folder / "resources" / "demo" / "ihc.tsv"
    pending = "DEMO-05\tDEMO-05-T1\tMDM2\tpending"
    assert pending in ihc.read_text()
    ihc.write_text(ihc.read_text().replace(pending, "DEMO-05\tDEMO-05-T1\tMDM2\tpositive"))
    result = run([*SNAKEMAKE, "--cores", "2"], cwd=folder)
    assert result.returncode == 0, result.stderr[-3000:]
    reports, _ = statuses(folder / "results")
    assert reports == {**DEMO_STATUSES, "DEMO-05": "ELIGIBLE"}


@pytest.mark.slow
def test_deployed_rules_can_take_a_prefix(tmp_path):
    """`use rule * from mdm2screen as mdm2screen_*`, for a workflow that combines several modules."""
    folder = deploy(tmp_path / "deployment", rename=" as mdm2screen_*")
    dry = run([*SNAKEMAKE, "--cores", "2", "--dry-run", "--quiet", "rules"], cwd=folder)
    assert dry.returncode == 0, dry.stderr[-3000:]
    jobs = set(re.findall(r"^(\S+)\s+\d+$", dry.stdout, re.MULTILINE)) - {"total"}
    # The demo's two segment files that several samples read get a shared-file extract rule each.
    expected = {"mdm2screen_all", "mdm2screen_cohort_summary", "mdm2screen_screen_samples_b0"}
    assert jobs == expected | {"mdm2screen_extract_shared_0", "mdm2screen_extract_shared_1"}, dry.stdout


def release_without_package(where: Path, version: str | None = None) -> Path:
    """The files a github(...) module reaches (workflow/, config/, pyproject.toml), without src/ on disk."""
    shutil.copytree(WORKFLOW, where / "workflow", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "config", where / "config")
    pyproject = (REPO / "pyproject.toml").read_text()
    if version is not None:
        pyproject, count = re.subn(r'(?m)^version = ".*"$', f'version = "{version}"', pyproject)
        assert count == 1
    (where / "pyproject.toml").write_text(pyproject)
    return where


@pytest.mark.slow
def test_a_module_without_the_package_beside_it_uses_the_installed_package(tmp_path):
    """As from github(...): no src/ next to workflow/, so the Snakefile and the jobs import the
    mdm2screen installed for this Python, whose release matches the workflow's."""
    release = release_without_package(tmp_path / "release")
    folder = deploy(tmp_path / "deployment", snakefile=release / "workflow" / "Snakefile")
    result = run([*SNAKEMAKE, "--cores", "2"], cwd=folder)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    reports, summary = statuses(folder / "results")
    assert reports == DEMO_STATUSES and summary == DEMO_STATUSES


@pytest.mark.slow
def test_a_module_of_another_release_than_the_installed_package_stops_before_any_work(tmp_path):
    release = release_without_package(tmp_path / "release", version="0.0.1")
    folder = deploy(tmp_path / "deployment", snakefile=release / "workflow" / "Snakefile")
    result = run([*SNAKEMAKE, "--cores", "2"], cwd=folder)
    text = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"is release 0.0.1, but the mdm2screen package it found ({Path(mdm2screen.__file__).parent})" in text
    assert f"is release {mdm2screen.__version__}: install release 0.0.1 of the package" in text
    assert not (folder / "results").exists()


@pytest.mark.slow
def test_a_module_without_the_package_installed_says_how_to_install_it(tmp_path):
    release = release_without_package(tmp_path / "release")
    folder = deploy(tmp_path / "deployment", snakefile=release / "workflow" / "Snakefile")
    # A Python without mdm2screen: the import fails as for a package that is not installed.
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text("import sys\nsys.modules['mdm2screen'] = None\n")
    result = run([*SNAKEMAKE, "--cores", "2"], cwd=folder, env={**os.environ, "PYTHONPATH": str(hide)})
    text = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"the workflow {release / 'workflow' / 'Snakefile'} needs the mdm2screen package" in text
    assert f"not installed for the Python that runs Snakemake ({sys.executable})" in text
    assert not (folder / "results").exists()


def test_the_package_and_pyproject_name_the_same_release():
    """The Snakefile compares the installed package's __version__ with the workflow's pyproject.toml."""
    assert PYPROJECT["project"]["version"] == mdm2screen.__version__


# ------------------------------------------------------------------------ conda environments

RULE_FILES = [WORKFLOW / "Snakefile", *sorted((WORKFLOW / "rules").glob("*.smk"))]
RULE_HEADER = re.compile(r"^[ \t]*rule\b[^\n]*:[ \t]*$", re.MULTILINE)


def directive(block: str, name: str) -> str | None:
    """The quoted value of a rule's ``name:`` directive, on the line after it (snakefmt's layout)."""
    match = re.search(rf"^[ \t]*{name}:[ \t]*\n[ \t]*\"([^\"]+)\"", block, re.MULTILINE)
    return match.group(1) if match else None


def rules_with_scripts() -> dict[str, tuple[Path, str | None]]:
    """Each rule's script (file name) -> the rule file and the rule's ``conda:`` value."""
    found: dict[str, tuple[Path, str | None]] = {}
    for path in RULE_FILES:
        text = path.read_text()
        starts = [m.start() for m in RULE_HEADER.finditer(text)] + [len(text)]
        for start, end in zip(starts, starts[1:], strict=False):
            block = text[start:end]
            assert not re.search(r"^[ \t]*(shell|run|wrapper|notebook):", block, re.MULTILINE), (
                f"{path}: a rule runs something other than a script; extend this test to it"
            )
            script = directive(block, "script")
            if script is not None:
                found[Path(script).name] = (path, directive(block, "conda"))
    return found


def env_of(script: str) -> Path:
    rule_file, conda = rules_with_scripts()[script]
    assert conda is not None
    return (rule_file.parent / conda).resolve()


def test_every_rule_has_a_conda_environment_in_workflow_envs():
    scripts = rules_with_scripts()
    # Every script the workflow ships is run by a rule found here, so none escapes the check.
    assert set(scripts) == {p.name for p in (WORKFLOW / "scripts").glob("*.py")}
    for script, (rule_file, conda) in scripts.items():
        assert conda is not None, f"{rule_file}: the rule running {script} has no conda: directive"
        env = (rule_file.parent / conda).resolve()
        assert env.parent == ENVS and env.suffix == ".yaml" and env.is_file(), (rule_file, conda)


def split_conda_spec(text: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*?)\s*", text)
    assert match, f"not a package specification: {text!r}"
    return match.group(1), match.group(2).replace(" ", "")


def conda_packages(path: Path) -> dict[str, str]:
    """Package name (canonical, snakemake-minimal as snakemake) -> version specification, conda and pip."""
    packages: dict[str, str] = {}
    for entry in yaml.safe_load(path.read_text())["dependencies"]:
        for spec in entry["pip"] if isinstance(entry, dict) else [entry]:
            name, version = split_conda_spec(spec)
            name = canonicalize_name(name)
            packages["snakemake" if name == "snakemake-minimal" else name] = version
    return packages


def pyproject_requirements(*extras: str) -> dict[str, Requirement]:
    specs = list(PYPROJECT["project"]["dependencies"])
    for extra in extras:
        specs += PYPROJECT["project"]["optional-dependencies"][extra]
    return {canonicalize_name(r.name): r for r in map(Requirement, specs)}


def assert_same_bounds(source: Path, packages: dict[str, str], required: dict[str, Requirement]) -> None:
    for name, version in packages.items():
        assert name in required, f"{source.name} installs {name}, which pyproject.toml does not list"
        assert SpecifierSet(version) == required[name].specifier, (
            f"{source.name}: {name}{version}, but pyproject.toml says {required[name]}"
        )


def test_environment_yml_matches_pyproject():
    """environment.yml (HPC users' one environment) has pyproject's dependencies, test and slurm
    extras with the same bounds, and nothing else but Python, pip and pygments (snakemake[reports])."""
    env = REPO / "environment.yml"
    packages = conda_packages(env)
    required = pyproject_requirements("test", "slurm")
    assert "reports" in required["snakemake"].extras and "pygments" in packages
    assert set(required) <= set(packages), f"missing from environment.yml: {sorted(set(required) - set(packages))}"
    assert_same_bounds(env, {n: v for n, v in packages.items() if n not in ("python", "pip", "pygments")}, required)


@pytest.mark.parametrize("env", sorted(ENVS.glob("*.yaml")), ids=lambda p: p.name)
def test_rule_environment_matches_pyproject_and_environment_yml(env):
    """A rule's environment: runtime dependencies of the package only, bounds as pyproject.toml,
    Python and channels as environment.yml."""
    whole = yaml.safe_load((REPO / "environment.yml").read_text())
    data = yaml.safe_load(env.read_text())
    assert data["channels"] == whole["channels"]
    packages = conda_packages(env)
    assert packages.pop("python") == conda_packages(REPO / "environment.yml")["python"]
    has_pip_section = any(isinstance(entry, dict) for entry in data["dependencies"])
    assert (packages.pop("pip", None) is not None) == has_pip_section, f"{env.name}: pip iff a pip: section"
    assert_same_bounds(env, packages, pyproject_requirements())


# Written as sitecustomize.py on PYTHONPATH, so every Python process of the run loads it; it acts only
# in the processes running the rule scripts it is given (Snakemake runs a rule's script as
# `python .snakemake/scripts/tmpXXXX.<script name>`).
IMPORT_GUARD = '''
"""tests/test_workflow_deploy.py: a job imports none of mdm2screen's dependencies its environment lacks."""
import builtins
import json
import os
import sys

_GUARDS = json.loads(os.environ.get("MDM2SCREEN_IMPORT_GUARD", "{}"))
_SCRIPT = os.path.basename(sys.argv[0]) if sys.argv else ""
_GUARD = next((g for name, g in _GUARDS.items() if _SCRIPT.endswith("." + name)), None)

if _GUARD is not None:
    _import = builtins.__import__

    def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        importer = (globals or {}).get("__name__", "")
        top = name.partition(".")[0]
        if level == 0 and top in _GUARD["watched"] and (importer == "__main__" or importer.startswith("mdm2screen")):
            with open(_GUARD["record"], "a") as handle:
                handle.write(f"{importer}\\t{top}\\n")
            if top not in _GUARD["provided"]:
                raise ModuleNotFoundError(f"{importer} imports {name}, which {_GUARD['env']} does not provide", name=name)
        return _import(name, globals, locals, fromlist, level)

    builtins.__import__ = _guarded_import
'''

# Distribution name -> the module it is imported as, where they differ.
IMPORT_NAMES = {"pyyaml": "yaml", "fhir-resources": "fhir"}


def import_name(distribution: str) -> str:
    return IMPORT_NAMES.get(distribution, distribution.replace("-", "_"))


def import_guard(tmp_path: Path, scripts: dict[str, Path]) -> dict[str, str]:
    """Environment variables that put the guard in the jobs running ``scripts`` (name -> env file).

    Watched: the modules of pyproject's dependencies, except Snakemake, which Snakemake itself puts
    on every job's path (a rule script imports it to read its `snakemake` object).
    """
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(IMPORT_GUARD)
    watched = sorted(import_name(name) for name in pyproject_requirements() if name != "snakemake")
    guards = {
        script: {
            "env": str(env.relative_to(REPO)),
            "provided": sorted(import_name(name) for name in conda_packages(env)),
            "watched": watched,
            "record": str(guard_dir / f"{script}.imports"),
        }
        for script, env in scripts.items()
    }
    return {
        **os.environ,
        "PYTHONPATH": str(guard_dir),
        "MDM2SCREEN_IMPORT_GUARD": json.dumps(guards),
    }


def test_import_guard_refuses_what_the_environment_lacks(tmp_path):
    """The guard itself: mdm2screen's Excel writer in a job whose environment has no openpyxl."""
    env = import_guard(tmp_path, {"probe.py": ENVS / "screen.yaml"})
    assert "openpyxl" not in json.loads(env["MDM2SCREEN_IMPORT_GUARD"])["probe.py"]["provided"]
    script = tmp_path / "tmp1234.probe.py"
    script.write_text("import mdm2screen.report.excel\n")
    result = run([sys.executable, str(script)], cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert "mdm2screen.report.excel imports openpyxl, which workflow/envs/screen.yaml does not provide" in result.stderr


@pytest.mark.slow
def test_each_job_imports_only_what_its_conda_environment_provides(tmp_path):
    """The demo with FHIR bundles and several batches, each job behind the import guard of its
    rule's environment. (Snakemake appends its own process's import path to a conda job's, so a
    missing package would otherwise be taken, unnoticed, from the environment running Snakemake.)"""
    scripts = {script: env_of(script) for script in rules_with_scripts()}
    env = import_guard(tmp_path, scripts)
    demo = REPO / "resources" / "demo"
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "samples": str(demo / "samples.tsv"),
                "ihc": str(demo / "ihc.tsv"),
                "outdir": str(tmp_path / "results"),
                "assays": {"DEMO_PANEL": str(demo / "demo_panel_targets.bed")},
                "batch_size": 5,
                "outputs": {"fhir": True},
            }
        )
    )
    cmd = [*SNAKEMAKE, "--snakefile", str(WORKFLOW / "Snakefile"), "--cores", "2", "--configfile", str(config)]
    result = run(cmd, cwd=tmp_path, env=env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert statuses(tmp_path / "results") == (DEMO_STATUSES, DEMO_STATUSES)
    # The guard was there: it saw the dependencies each job does import.
    imported = {
        script: {line.split("\t")[1] for line in (tmp_path / "guard" / f"{script}.imports").read_text().splitlines()}
        for script in scripts
    }
    assert {"pysam", "yaml", "jinja2", "markupsafe", "fhir"} <= imported["screen_batch.py"]
    assert {"yaml", "openpyxl"} <= imported["summarize.py"]


# ------------------------------------------------------------------------------------ profiles


def profile(name: str) -> dict:
    return yaml.safe_load((REPO / "profiles" / name / "config.yaml").read_text())


def test_default_profile_changes_nothing_in_a_slurm_run():
    """Snakemake reads profiles/default by itself in the clone (the workflow profile), and its keys
    override `--profile profiles/slurm`'s: so each of its keys is the Slurm profile's too, with the
    same value, and it has no `cores` (the Slurm profile's `cores: 2` sizes its grouped batch jobs)."""
    default, slurm = profile("default"), profile("slurm")
    assert default and "cores" not in default
    assert {key: slurm.get(key) for key in default} == default


@pytest.mark.slow
def test_demo_runs_with_the_default_profile(tmp_path):
    cmd = [
        *SNAKEMAKE,
        "--profile",
        "profiles/default",
        "--cores",
        "2",
        "--configfile",
        "config/config.yaml",
        "--config",
        f"outdir={tmp_path / 'results'}",
    ]
    result = run(cmd, cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Using profiles profiles/default" in result.stderr
    assert statuses(tmp_path / "results") == (DEMO_STATUSES, DEMO_STATUSES)
