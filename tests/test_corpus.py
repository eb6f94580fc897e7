"""The bad-input corpus (tests/corpus/cases.yaml): every case screened, in-process and through Snakemake.

Each case is one patient whose sample-sheet row is good except for one file. The in-process
tests run every case through the Screener (fast, one parametrised test per case, so a failure
names its case). One workflow-level test runs the whole corpus together with good demo patients
through ``snakemake --cores 2`` and checks that the bad patients change nothing for the good ones.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import DEMO, REPO

from mdm2screen.pipeline import prepare
from mdm2screen.screen import Screener

CORPUS = REPO / "tests" / "corpus"
CASES_FILE = CORPUS / "cases.yaml"
# Further cases by topic: cases.d/<topic>.yaml, with their files in the folder <topic>/ (made by
# hand or by a script there, each described in that folder's README.md), not by make_corpus.py.
CASES_DIR = CORPUS / "cases.d"
SHEET_COLUMNS = (
    "patient_id",
    "sample_id",
    "build",
    "cn_file",
    "vcf",
    "cn_format",
    "cn_sample",
    "tumor_sample",
    "assay",
    "purity",
    "ploidy",
    "tumor_type",
    "gene_panel",
)
STATUSES = {"ELIGIBLE", "NOT_ELIGIBLE", "PENDING_CONFIRMATION", "INDETERMINATE"}


def load_cases() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with open(CASES_FILE) as handle:
        data = yaml.safe_load(handle)
    cases = list(data["cases"])
    for extra in sorted(CASES_DIR.glob("*.yaml")):
        with open(extra) as handle:
            cases.extend(yaml.safe_load(handle)["cases"])
    return data["defaults"], cases


def topic_folders() -> list[Path]:
    return [CORPUS / p.stem for p in sorted(CASES_DIR.glob("*.yaml"))]


DEFAULTS, CASES = load_cases()


def case_row(case: dict[str, Any]) -> dict[str, str]:
    """The sample-sheet row of a case, with absolute paths (the sheet lives in a tmp folder)."""
    row = {k: v for k, v in DEFAULTS.items() if k in SHEET_COLUMNS}
    row[case["column"]] = case["file"]
    row.update(case.get("sheet") or {})
    for column in ("cn_file", "vcf"):
        row[column] = str(CORPUS / row[column])
    row["patient_id"] = case["id"]
    row["sample_id"] = f"{case['id']}-T1"
    return {c: str(row.get(c) or "") for c in SHEET_COLUMNS}


def write_corpus_cohort(folder: Path, extra_rows: Sequence[dict[str, str]] = (), ihc_head: str = "") -> dict[str, Any]:
    """Sample sheet + IHC table for every case (plus ``extra_rows``); returns the config mapping.

    ``ihc_head`` (IHC rows without header) goes first in the IHC table, so those rows keep the
    line numbers they have in the file they come from (reports quote IHC line numbers).
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows = [case_row(c) for c in CASES] + list(extra_rows)
    columns = list(SHEET_COLUMNS) + sorted({k for r in extra_rows for k in r} - set(SHEET_COLUMNS))
    sheet = folder / "samples.tsv"
    sheet.write_text(
        "".join(
            "\t".join(r.get(c, "") for c in columns) + "\n" for r in [dict(zip(columns, columns, strict=True)), *rows]
        )
    )
    ihc = folder / "ihc.tsv"
    body = "".join(
        f"{c['id']}\t{c['id']}-T1\tMDM2\t{DEFAULTS['mdm2_ihc']}\t\t\t\t\tIHC clone SMP14 (synthetic)\t2024-05-10\n"
        for c in CASES
    )
    ihc.write_text(
        "patient_id\tsample_id\tmarker\tresult\tpercent_positive\tintensity\th_score\tratio\tmethod\tdate\n"
        + ihc_head
        + body
    )
    return {
        "samples": str(sheet),
        "ihc": str(ihc),
        "outdir": str(folder / "results"),
        "assays": {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")},
        "batch_size": 40,
    }


def check_report(case: dict[str, Any], report: dict[str, Any]) -> list[str]:
    """Every way ``report`` differs from the case's expectation (empty list: as expected)."""
    expect = case["expect"]
    problems = []
    if report["status"] != expect["status"]:
        problems.append(f"status {report['status']}, expected {expect['status']}")
    errors = [e["code"] for s in report["samples"] for e in s["errors"]]
    if expect["error"] is None and errors:
        problems.append(f"sample errors {errors}, expected none")
    if expect["error"] is not None and expect["error"] not in errors:
        problems.append(f"sample errors {errors}, expected {expect['error']}")
    reasons = [r for r in report["reasons"] if r["code"] == expect["reason"]]
    if not reasons:
        problems.append(f"no top-level reason {expect['reason']}: {[r['code'] for r in report['reasons']]}")
    else:
        message = reasons[0]["message"]
        problems += [f"reason lacks {s!r}: {message}" for s in expect["contains"] if str(s) not in message]
    return problems


# --------------------------------------------------------------------------- the corpus itself


def test_the_corpus_has_at_least_40_bad_inputs_each_with_an_expectation():
    bad = [c for c in CASES if c["expect"]["status"] != "ELIGIBLE"]
    assert len(bad) >= 40, len(bad)
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    for case in CASES:
        assert case["column"] in ("cn_file", "vcf"), case["id"]
        assert set(case["expect"]) == {"status", "error", "reason", "contains"}, case["id"]
        assert case["expect"]["status"] in STATUSES, case["id"]
        assert case["expect"]["contains"], f"{case['id']}: say what the reason must contain"
        assert case.get("what"), f"{case['id']}: say what is wrong with the file"
    # both columns get every kind of damage the issue lists
    for column in ("cn_file", "vcf"):
        assert sum(c["column"] == column and c["expect"]["status"] != "ELIGIBLE" for c in CASES) >= 20, column


def test_every_corpus_file_is_used_and_every_named_file_exists():
    named = {case_row(c)[c["column"]] for c in CASES}
    folders = [CORPUS / "cn", CORPUS / "variants", *topic_folders()]
    on_disk = {str(p) for folder in folders if folder.is_dir() for p in folder.iterdir() if p.name != "README.md"}
    assert on_disk <= named, f"corpus files no case uses: {sorted(on_disk - named)}"
    missing = {n for n in named if not Path(n).exists()}
    assert all("does_not_exist" in n for n in missing), missing


def test_make_corpus_reproduces_the_committed_files(tmp_path):
    """The corpus is derived from base/ by make_corpus.py, byte for byte (no hand edits)."""
    sys.path.insert(0, str(CORPUS))
    try:
        import make_corpus
    finally:
        sys.path.remove(str(CORPUS))
    written = make_corpus.build(tmp_path)
    assert len(written) >= 40
    for path in written:
        committed = CORPUS / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), f"{committed} differs from what make_corpus.py writes"


# --------------------------------------------------------------------------- in-process screening


@pytest.fixture(scope="module")
def corpus_reports(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """Every case screened in one process with one Screener, as a batch job would."""
    config = write_corpus_cohort(tmp_path_factory.mktemp("corpus"))
    cohort = prepare(config)
    screener = Screener(cohort.settings, cohort.arms, cohort.ihc)
    return {pid: screener.screen_patient(pid, rows) for pid, rows in cohort.patients.items()}


def _param(case: dict[str, Any]):
    """A case as a test parameter; a case waiting for a fix in a file this suite does not own is a
    strict xfail, so it turns red (XPASS) the moment the fix lands and the marker can go."""
    marks = [pytest.mark.xfail(strict=True, reason=case["pending_fix"])] if case.get("pending_fix") else []
    return pytest.param(case, id=case["id"], marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_corpus_case(case, corpus_reports):
    report = corpus_reports[case["id"]]
    problems = check_report(case, report)
    assert not problems, f"{case['id']} ({case['what']}):\n  " + "\n  ".join(problems)


def test_a_corrupt_value_never_becomes_a_decision(corpus_reports):
    """A file that could not be read leaves its gene/TP53 not assessable: never amplified, never wild type."""
    for case in CASES:
        report = corpus_reports[case["id"]]
        if case["expect"]["error"] is None or case.get("pending_fix"):
            continue
        if case["column"] == "cn_file":
            assert report["mdm2"]["amplified"] is None and report["mdm2"]["call"] == "not_assessable", case["id"]
            assert report["mdm2"]["copy_number"] is None, case["id"]
        else:
            assert report["tp53"]["status"] == "not_assessable", case["id"]
        assert report["status"] == "INDETERMINATE", case["id"]


def _check(config_path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mdm2screen.cli", "check", "--config", str(config_path), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_without_files_validates_only_sheet_ihc_and_config(tmp_path):
    """`mdm2screen check --no-files` validates sheet, IHC and config only: data files are not opened."""
    config = write_corpus_cohort(tmp_path)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    result = _check(tmp_path / "config.yaml", "--no-files")
    assert result.returncode == 0, result.stderr
    assert f"OK: {len(CASES)} patients, {len(CASES)} samples" in result.stdout
    assert not Path(config["outdir"]).exists()


def test_check_preflight_names_every_patient_whose_file_screening_refuses(tmp_path):
    """The pre-flight opens each data file: every corpus case that screening makes INDETERMINATE for an
    unusable file is listed, and the run would not screen everyone, so the exit code is 2. The one
    exception is a small gzip that inflates past the readers' line limit: finding it means reading it
    all, which the pre-flight's bounded reads do not."""
    config = write_corpus_cohort(tmp_path)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    result = _check(tmp_path / "config.yaml")
    assert result.returncode == 2, result.stdout + result.stderr
    failing = {c["id"] for c in CASES if c["expect"]["error"] and c["id"] != "CN-SAFETY-LINE-BOMB"}
    missed = sorted(case for case in failing if f"{case}: " not in result.stdout)
    assert not missed, result.stdout
    assert not Path(config["outdir"]).exists()


# --------------------------------------------------------------------------- through Snakemake

# Good demo patients run alongside the corpus: one of each status, both builds, two samples.
GOOD_DEMO = ("DEMO-01", "DEMO-02", "DEMO-05", "DEMO-06", "DEMO-07", "DEMO-08")
COMPARED = ("status", "reasons", "mdm2", "tp53")


def demo_rows(patients: tuple[str, ...]) -> list[dict[str, str]]:
    """The demo sheet rows of ``patients``, with absolute paths."""
    lines = (DEMO / "samples.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t"), strict=True))
        if row["patient_id"] in patients:
            for column in ("cn_file", "vcf"):
                row[column] = str(DEMO / row[column])
            rows.append(row)
    return rows


def screen_alone(folder: Path, patient: str) -> dict[str, Any]:
    """``patient`` screened in a cohort of its own (in-process, the demo IHC table), for comparison."""
    rows = demo_rows((patient,))
    columns = list(rows[0])
    folder.mkdir(parents=True)
    (folder / "samples.tsv").write_text(
        "\t".join(columns) + "\n" + "".join("\t".join(r[c] for c in columns) + "\n" for r in rows)
    )
    cohort = prepare(
        {
            "samples": str(folder / "samples.tsv"),
            "ihc": str(DEMO / "ihc.tsv"),
            "outdir": str(folder / "out"),
            "assays": {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")},
        }
    )
    return Screener(cohort.settings, cohort.arms, cohort.ihc).screen_patient(patient, cohort.patients[patient])


def test_snakemake_on_a_mixed_cohort_keeps_good_patients_unchanged(tmp_path):
    """Good demo patients + every corpus case in one Snakemake run (2 cores, 3 batches).

    Every good patient is decided exactly as when screened alone; every bad one as cases.yaml
    says; the run itself succeeds, because a bad per-sample file is a result, not a failure.
    """
    rows = demo_rows(GOOD_DEMO)
    demo_ihc = "".join(line + "\n" for line in (DEMO / "ihc.tsv").read_text().splitlines()[1:])
    config = write_corpus_cohort(tmp_path / "cohort", extra_rows=rows, ihc_head=demo_ihc)
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    workdir = tmp_path / "work"  # Snakemake's .snakemake/ goes here, not into the repository
    workdir.mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(REPO / "workflow" / "Snakefile"),
            "--directory",
            str(workdir),
            "--cores",
            "2",
            "--configfile",
            str(config_file),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    outdir = Path(config["outdir"])
    reports = {p.stem: json.loads(p.read_text()) for p in (outdir / "patients").glob("*.json")}
    assert set(reports) == {c["id"] for c in CASES} | {r["patient_id"] for r in rows}

    for patient in GOOD_DEMO:
        alone = screen_alone(tmp_path / "alone" / patient, patient)
        for key in COMPARED:
            assert reports[patient][key] == alone[key], f"{patient}: '{key}' differs from the patient screened alone"
    failures = {c["id"]: check_report(c, reports[c["id"]]) for c in CASES if not c.get("pending_fix")}
    assert not {k: v for k, v in failures.items() if v}

    summary = (outdir / "cohort" / "summary.tsv").read_text().splitlines()
    header = summary[0].split("\t")
    statuses = {r.split("\t")[0]: r.split("\t")[header.index("status")] for r in summary[1:]}
    assert statuses == {pid: rep["status"] for pid, rep in reports.items()}
