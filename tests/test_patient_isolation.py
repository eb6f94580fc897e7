"""One patient's unusable file never costs another patient's report, and never leaves the batch.

Every per-sample file column is given a folder, a FIFO (must not block), a file that vanishes
after the sheet was checked, and (as an unprivileged user, where the machine allows it) a file
that cannot be read. The patient with the bad file is INDETERMINATE with a reason naming the file;
the patient next to it is decided exactly as when screened alone; provenance hashing is inside
the same boundary.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEMO, REPO

from mdm2screen.pipeline import prepare, screen_cohort

CNS = REPO / "tests" / "corpus" / "base" / "etal_cnvkit" / "tr95t.cns"
VCF = REPO / "tests" / "corpus" / "base" / "VerenaK90_LACHESIS" / "strelka2.somatic.snvs.excerpt.vcf"
COLUMNS = ("cn_file", "vcf", "coverage", "gene_panel")
HEADER = "patient_id\tsample_id\tbuild\tcn_file\tvcf\tassay\tcoverage\tgene_panel\n"


def write_cohort(folder: Path, bad_column: str, bad_path: Path) -> dict:
    good = {"cn_file": str(CNS), "vcf": str(VCF), "coverage": "", "gene_panel": ""}
    bad = dict(good, **{bad_column: str(bad_path)})
    rows = [("BAD", bad), ("GOOD", good)]
    text = HEADER + "".join(
        f"{pid}\t{pid}-T1\tGRCh37\t{r['cn_file']}\t{r['vcf']}\tDEMO_PANEL\t{r['coverage']}\t{r['gene_panel']}\n"
        for pid, r in rows
    )
    (folder / "samples.tsv").write_text(text)
    (folder / "ihc.tsv").write_text(
        "patient_id\tsample_id\tmarker\tresult\nBAD\tBAD-T1\tMDM2\tpositive\nGOOD\tGOOD-T1\tMDM2\tpositive\n"
    )
    return {
        "samples": str(folder / "samples.tsv"),
        "ihc": str(folder / "ihc.tsv"),
        "outdir": str(folder / "out"),
        "assays": {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")},
    }


def make_bad(kind: str, folder: Path) -> Path:
    path = folder / f"bad_{kind}"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "vanished":
        path.write_text("present while the sheet is checked\n")
    return path


def screen(config: dict, *, vanish: Path | None = None) -> dict[str, dict]:
    cohort = prepare(config)
    if vanish is not None:
        vanish.unlink()  # gone between the sheet check and the read

    def _hang(signum, frame):  # noqa: ANN001 - signal handler
        raise TimeoutError("screening blocked (a FIFO opened for reading?)")

    previous = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(60)
    try:
        screen_cohort(cohort)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    out = Path(config["outdir"]) / "patients"
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("kind", ["folder", "fifo", "vanished"])
def test_a_bad_file_costs_only_its_own_patient(tmp_path: Path, column: str, kind: str) -> None:
    bad = make_bad(kind, tmp_path)
    config = write_cohort(tmp_path, column, bad)
    reports = screen(config, vanish=bad if kind == "vanished" else None)
    assert set(reports) == {"BAD", "GOOD"}
    assert reports["GOOD"]["status"] == "ELIGIBLE"
    assert reports["BAD"]["status"] == "INDETERMINATE", (column, kind, reports["BAD"]["reasons"])
    text = json.dumps(reports["BAD"])
    assert bad.name in text, "the reason names the file"
    files = [f for s in reports["BAD"]["samples"] for f in s["files"] if f["path"] == str(bad)]
    assert files and files[0]["sha256"] is None  # provenance hashing did not fail the patient either


def _unprivileged() -> list[str] | None:
    if os.geteuid() != 0:
        return []
    for tool in ("setpriv", "runuser"):
        exe = shutil.which(tool)
        if exe:
            if tool == "setpriv":
                return [exe, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
            return [exe, "-u", "nobody", "--"]
    return None


@pytest.fixture
def shared_folder():
    """A folder an unprivileged user can reach (pytest's own tmp folder is private to root)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="mdm2screen-isolation-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_an_unreadable_file_costs_only_its_own_patient(shared_folder: Path) -> None:
    """Permission denied is only real for an unprivileged user: run the screening as nobody."""
    prefix = _unprivileged()
    if prefix is None:
        pytest.skip("running as root and neither setpriv nor runuser is available to drop privileges")
    folder = shared_folder
    for column in ("cn_file", "vcf"):
        case = folder / column
        case.mkdir()
        case.chmod(0o777)
        secret = case / "secret.txt"
        secret.write_text("DB_PASSWORD=hunter2\n")
        secret.chmod(0o000)
        config = write_cohort(case, column, secret)
        (case / "config.json").write_text(json.dumps(config))
        for made in ("samples.tsv", "ihc.tsv", "config.json"):
            (case / made).chmod(0o644)
        script = (
            "import json, sys; from mdm2screen.pipeline import prepare, screen_cohort; "
            "screen_cohort(prepare(json.load(open(sys.argv[1]))))"
        )
        probe = subprocess.run([*prefix, sys.executable, "-c", "import mdm2screen"], capture_output=True, check=False)
        if probe.returncode != 0:
            pytest.skip(f"the unprivileged user cannot run this checkout's Python: {probe.stderr.decode()[-200:]}")
        result = subprocess.run(
            [*prefix, sys.executable, "-c", script, str(case / "config.json")],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            cwd=case,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        reports = {p.stem: json.loads(p.read_text()) for p in (case / "out" / "patients").glob("*.json")}
        assert reports["GOOD"]["status"] == "ELIGIBLE"
        assert reports["BAD"]["status"] == "INDETERMINATE"
        text = json.dumps(reports["BAD"])
        assert "secret.txt" in text and "hunter2" not in text
