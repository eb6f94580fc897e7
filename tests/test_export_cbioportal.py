"""``export-cbioportal``: screening results as MDM2SCREEN_* clinical sample attributes of a cBioPortal study.

The test study (tests/cbioportal_study.py) is imported, screened and exported; the clinical sample
file is then checked the way cBioPortal's validator reads it (four '#' lines, datatypes, upper-case
IDs, one row per sample) and read back with mdm2screen's own study reader. cBioPortal's validator
itself runs only when MDM2SCREEN_CBIOPORTAL_VALIDATOR names its validateData.py (the suite cannot
fetch it); MDM2SCREEN_CBIOPORTAL_PYTHON may name the interpreter that has its requirements.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cbioportal_study import CLINICAL_ONLY, STUDY_ID, write_study

from mdm2screen.cbioportal import _read_table, import_study
from mdm2screen.cli import export_cbioportal as command
from mdm2screen.cli import main
from mdm2screen.errors import ConfigError
from mdm2screen.export.cbioportal import NA, PREFIX, arm_attribute_id, export_cbioportal

DATATYPES = {"STRING", "NUMBER", "BOOLEAN"}
STATUSES = {"ELIGIBLE", "NOT_ELIGIBLE", "PENDING_CONFIRMATION", "INDETERMINATE"}


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    """The good test study, imported and screened once: (pristine study folder, results folder)."""
    base = tmp_path_factory.mktemp("screened")
    study = write_study(base / "study")
    sheet = base / "sheet.tsv"
    import_study(study, sheet)
    config = base / "config.yaml"
    config.write_text(f"samples: {sheet}\noutdir: {base / 'out'}\n")
    assert main(["screen", "--config", str(config)]) == 0
    return study, base / "out"


@pytest.fixture
def study(screened, tmp_path):
    """A fresh copy of the screened study for one test."""
    pristine, _ = screened
    return Path(shutil.copytree(pristine, tmp_path / STUDY_ID))


def _reports(results: Path) -> dict[str, dict]:
    return {r["patient_id"]: r for r in (json.loads(p.read_text()) for p in (results / "patients").glob("*.json"))}


def _parse(path: Path) -> tuple[list[list[str]], list[str], list[dict[str, str]]]:
    """(the four definition rows without '#', column header, rows) of a clinical file."""
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    definitions = [line[1:].split("\t") for line in lines[:4]]
    header = lines[4].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[5:]]
    return definitions, header, rows


def test_attributes_follow_the_clinical_file_format(screened, study):
    _, results = screened
    original = (study / "data_clinical_sample.txt").read_text()
    assert export_cbioportal(results, study) == [study / "data_clinical_sample.txt"]
    # One clinical sample file per study: the attributes join it, no second meta file appears.
    assert sorted(p.name for p in study.glob("meta_clinical*")) == [
        "meta_clinical_patient.txt",
        "meta_clinical_sample.txt",
    ]

    definitions, header, rows = _parse(study / "data_clinical_sample.txt")
    assert all(len(d) == len(header) for d in definitions)
    assert all(line.startswith("#") for line in (study / "data_clinical_sample.txt").read_text().splitlines()[:4])
    ours = [i for i, name in enumerate(header) if name.startswith(PREFIX)]
    assert ours == list(range(len(header) - len(ours), len(header)))  # appended after the study's own columns
    for i in ours:
        name, description, datatype, priority = (d[i] for d in definitions)
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", header[i])
        assert name.strip() and description.strip() and name != NA and description != NA
        assert datatype in DATATYPES
        assert int(priority) >= -1
    types = {header[i]: definitions[2][i] for i in ours}
    assert types["MDM2SCREEN_MDM2_CN"] == "NUMBER" and types["MDM2SCREEN_DECISION_SAMPLE"] == "BOOLEAN"

    # The study's own columns and rows are untouched.
    width = len(header) - len(ours)
    kept = "\n".join(
        "\t".join(line.split("\t")[:width]) for line in (study / "data_clinical_sample.txt").read_text().splitlines()
    )
    assert kept + "\n" == original

    # One row per study sample; every value a cBioPortal value of its datatype, never a tab or line break.
    reports = _reports(results)
    assert len(rows) == len({r["SAMPLE_ID"] for r in rows}) == len(reports) + 1
    for row in rows:
        for column, datatype in types.items():
            value = row[column]
            assert value and value == value.strip()
            if value == NA:
                continue
            if datatype == "NUMBER":
                float(value)
            elif datatype == "BOOLEAN":
                assert value in ("TRUE", "FALSE")


def test_values_are_the_reports(screened, study):
    _, results = screened
    export_cbioportal(results, study)
    _, header, rows = _parse(study / "data_clinical_sample.txt")
    by_sample = {r["SAMPLE_ID"]: r for r in rows}
    reports = _reports(results)
    arms = {a["id"] for r in reports.values() for a in r["arms"]}
    assert {arm_attribute_id(a) for a in arms} <= set(header)
    assert "MDM2SCREEN_STATUS_MDM2_INHIBITOR" in header

    for patient, report in reports.items():
        row = by_sample[report["decision_sample"]]
        assert row["PATIENT_ID"] == patient
        assert row["MDM2SCREEN_STATUS"] == report["status"] in STATUSES
        for arm in report["arms"]:
            assert row[arm_attribute_id(arm["id"])] == arm["status"]
        assert row["MDM2SCREEN_REASON"] == report["reasons"][0]["code"]
        assert row["MDM2SCREEN_TP53"] == report["tp53"]["status"]
        assert row["MDM2SCREEN_DECISION_SAMPLE"] == "TRUE"
        assert row["MDM2SCREEN_MDM2_CALL"] == report["mdm2"]["call"]
        if report["mdm2"]["call"] == "not_assessable":
            assert row["MDM2SCREEN_MDM2_CN"] == NA and row["MDM2SCREEN_MDM2_CN_RANGE"] == NA
        else:
            assert float(row["MDM2SCREEN_MDM2_CN"]) == pytest.approx(report["mdm2"]["copy_number"], abs=0.005)
            low, high = report["mdm2"]["threshold"]["copy_number_range"]
            assert row["MDM2SCREEN_MDM2_CN_RANGE"] == f"{low:.2f}-{high:.2f}"
    # TCGA-HT-7476 has no segments: MDM2 not assessable, no number invented.
    assert by_sample["TCGA-HT-7476-01"]["MDM2SCREEN_MDM2_CN"] == NA
    # The clinical-only sample was not screened: no value at all.
    assert {by_sample[CLINICAL_ONLY][c] for c in header if c.startswith(PREFIX)} == {NA}


def test_read_back_by_mdm2screen_and_study_still_imports(screened, study, tmp_path):
    _, results = screened
    before = import_study(study, tmp_path / "before.tsv")
    export_cbioportal(results, study)
    table = _read_table(study / "data_clinical_sample.txt", ("PATIENT_ID", "SAMPLE_ID"), "clinical sample table")
    assert "MDM2SCREEN_STATUS" in table.columns
    statuses = {row["SAMPLE_ID"]: row["MDM2SCREEN_STATUS"] for _, row in table.rows}
    reports = _reports(results)
    assert {statuses[r["decision_sample"]] for r in reports.values()} <= STATUSES
    after = import_study(study, tmp_path / "after.tsv")
    assert after.n_samples == before.n_samples
    assert (tmp_path / "after.tsv").read_text().splitlines()[1:] == (tmp_path / "before.tsv").read_text().splitlines()[
        1:
    ]


def test_export_again_replaces_its_own_columns(screened, study):
    _, results = screened
    export_cbioportal(results, study)
    once = (study / "data_clinical_sample.txt").read_bytes()
    export_cbioportal(results, study)
    assert (study / "data_clinical_sample.txt").read_bytes() == once


def _copy_results(results: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "results"
    shutil.copytree(results / "patients", copy / "patients")
    return copy


def test_sample_not_in_the_study_is_an_error_naming_it(screened, study, tmp_path):
    _, results = screened
    copy = _copy_results(results, tmp_path)
    path = copy / "patients" / "TCGA-06-0140.json"
    report = json.loads(path.read_text())
    report["samples"].append(dict(report["samples"][0], sample_id="TCGA-06-0140-02", used_for_decision=False))
    path.write_text(json.dumps(report))
    before = (study / "data_clinical_sample.txt").read_bytes()
    with pytest.raises(ConfigError) as caught:
        export_cbioportal(copy, study)
    assert any("TCGA-06-0140-02" in p and "not in data_clinical_sample.txt" in p for p in caught.value.problems)
    assert (study / "data_clinical_sample.txt").read_bytes() == before  # nothing written


def test_sample_of_another_patient_is_an_error(screened, study, tmp_path):
    _, results = screened
    copy = _copy_results(results, tmp_path)
    path = copy / "patients" / "TCGA-06-0140.json"
    report = json.loads(path.read_text())
    report["patient_id"] = "SOMEONE-ELSE"
    path.write_text(json.dumps(report))
    with pytest.raises(ConfigError, match="belongs to patient TCGA-06-0140"):
        export_cbioportal(copy, study)


@pytest.mark.parametrize("variant", ["messy"])
def test_refuses_a_clinical_file_without_definition_lines(screened, tmp_path, variant):
    _, results = screened
    study = write_study(tmp_path / "study", variant=variant)
    before = (study / "data_clinical_sample.txt").read_bytes()
    with pytest.raises(ConfigError, match="four '#' lines"):
        export_cbioportal(results, study)
    assert (study / "data_clinical_sample.txt").read_bytes() == before


def test_refuses_a_study_with_two_clinical_sample_files(screened, study):
    _, results = screened
    shutil.copy(study / "meta_clinical_sample.txt", study / "meta_clinical_sample_extra.txt")
    with pytest.raises(ConfigError, match="exactly one per study"):
        export_cbioportal(results, study)


def test_not_a_results_folder(study, tmp_path):
    with pytest.raises(ConfigError, match="no patients/ folder"):
        export_cbioportal(tmp_path, study)


# --------------------------------------------------------------------------- a hand-made study


def _tiny_study(folder: Path) -> Path:
    """Two samples of one patient, one unscreened sample; CRLF line endings and a byte order mark."""
    folder.mkdir()
    (folder / "meta_study.txt").write_text(
        "type_of_cancer: soft_tissue\ncancer_study_identifier: tiny\nname: Tiny\ndescription: Tiny\n"
    )
    (folder / "meta_clinical_sample.txt").write_text(
        "cancer_study_identifier: tiny\ngenetic_alteration_type: CLINICAL\ndatatype: SAMPLE_ATTRIBUTES\n"
        "data_filename: data_clinical_sample.txt\n"
    )
    lines = [
        "#Patient\tSample\tType",
        "#Patient\tSample\tType",
        "#STRING\tSTRING\tSTRING",
        "#1\t1\t1",
        "PATIENT_ID\tSAMPLE_ID\tSAMPLE_TYPE",
        "P1\tP1-T1\tPrimary",
        "P1\tP1-T2\t",  # a trailing empty cell an editor may drop
        "P2\tP2-T1\tMetastasis",
    ]
    lines[6] = "P1\tP1-T2"
    (folder / "data_clinical_sample.txt").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    return folder


def _tiny_report() -> dict:
    return {
        "patient_id": "P1",
        "status": "ELIGIBLE",
        "default_arm": "mdm2_inhibitor",
        "decision_sample": "P1-T2",
        "reasons": [{"code": "mdm2_amplified", "message": "MDM2 amplified\tby NGS"}],
        "arms": [
            {"id": "mdm2_inhibitor", "title": "Mono\ntherapy", "status": "ELIGIBLE", "reasons": [], "criteria": []},
            {"id": "combo-arm.v2", "title": "Combo", "status": "NOT_ELIGIBLE", "reasons": [], "criteria": []},
        ],
        "mdm2": {
            "gene": "MDM2",
            "call": "amplified",
            "amplified": True,
            "copy_number": 14.091,
            "threshold": {"copy_number_range": [14.091, 14.093]},
        },
        "tp53": {"status": "wild_type"},
        "samples": [
            {"sample_id": "P1-T1", "used_for_decision": False, "mdm2": {"call": "not_amplified", "copy_number": 2.5},
             "tp53_status": "mutated"},
            {"sample_id": "P1-T2", "used_for_decision": True, "mdm2": {"call": "amplified", "copy_number": 14.091},
             "tp53_status": "wild_type"},
        ],
    }  # fmt: skip


def test_multi_sample_patient_and_file_encoding_kept(tmp_path):
    study = _tiny_study(tmp_path / "tiny")
    results = tmp_path / "results"
    (results / "patients").mkdir(parents=True)
    (results / "patients" / "P1.json").write_text(json.dumps(_tiny_report()))
    export_cbioportal(results, study)

    raw = (study / "data_clinical_sample.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 8 and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw[3:].decode().split("\r\n")[:-1]
    header = lines[4].split("\t")
    assert "MDM2SCREEN_STATUS_COMBO_ARM_V2" in header  # arm id upper-cased, '-' and '.' as '_'
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", c) for c in header)
    assert "Mono therapy" in lines[0]  # no line break inside a definition
    rows = {cells[1]: dict(zip(header, cells, strict=True)) for cells in (line.split("\t") for line in lines[5:])}
    deciding, other, unscreened = rows["P1-T2"], rows["P1-T1"], rows["P2-T1"]
    assert deciding["SAMPLE_TYPE"] == "" and other["SAMPLE_TYPE"] == "Primary"  # dropped cell restored as empty
    assert deciding["MDM2SCREEN_STATUS"] == other["MDM2SCREEN_STATUS"] == "ELIGIBLE"  # the patient's status
    assert deciding["MDM2SCREEN_STATUS_COMBO_ARM_V2"] == "NOT_ELIGIBLE"
    assert (deciding["MDM2SCREEN_DECISION_SAMPLE"], other["MDM2SCREEN_DECISION_SAMPLE"]) == ("TRUE", "FALSE")
    assert deciding["MDM2SCREEN_MDM2_CN"] == "14.09"
    assert deciding["MDM2SCREEN_MDM2_CN_RANGE"] == NA  # a range narrower than the printed precision
    # The other sample shows its own measurements, not the deciding sample's.
    assert (other["MDM2SCREEN_MDM2_CN"], other["MDM2SCREEN_MDM2_CALL"], other["MDM2SCREEN_TP53"]) == (
        "2.50",
        "not_amplified",
        "mutated",
    )
    assert {v for k, v in unscreened.items() if k.startswith(PREFIX)} == {NA}


def test_arm_ids_that_collide_are_an_error(tmp_path):
    study = _tiny_study(tmp_path / "tiny")
    report = _tiny_report()
    report["arms"][1]["id"] = "MDM2-inhibitor"  # the same attribute ID as mdm2_inhibitor
    (tmp_path / "results" / "patients").mkdir(parents=True)
    (tmp_path / "results" / "patients" / "P1.json").write_text(json.dumps(report))
    with pytest.raises(ConfigError, match="both give attribute MDM2SCREEN_STATUS_MDM2_INHIBITOR"):
        export_cbioportal(tmp_path / "results", study)


# --------------------------------------------------------------------------- the command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"mdm2screen {command.NAME}", epilog=command.EPILOG)
    command.add_arguments(parser)
    return parser


def test_command(screened, study, capsys):
    _, results = screened
    assert command.NAME == "export-cbioportal" and "mdm2screen export-cbioportal" in command.EPILOG
    args = _parser().parse_args(["--results", str(results), "--study", str(study)])
    assert command.run(args) == 0
    assert "data_clinical_sample.txt" in capsys.readouterr().out
    args = _parser().parse_args(["--results", str(study), "--study", str(study)])
    assert command.run(args) == 2
    assert "no patients/ folder" in capsys.readouterr().err


# --------------------------------------------------------------------------- cBioPortal's validator


def test_cbioportal_validator_accepts_the_exported_study(screened, study):
    validator = os.environ.get("MDM2SCREEN_CBIOPORTAL_VALIDATOR")
    if not validator:
        pytest.skip(
            "cBioPortal's validator not available: set MDM2SCREEN_CBIOPORTAL_VALIDATOR to validateData.py "
            "(cBioPortal/cbioportal-core scripts/importer) and MDM2SCREEN_CBIOPORTAL_PYTHON to a Python with its "
            "requirements"
        )
    _, results = screened
    export_cbioportal(results, study)
    python = os.environ.get("MDM2SCREEN_CBIOPORTAL_PYTHON", sys.executable)
    run = subprocess.run(
        [python, validator, "-s", str(study), "-n"],
        cwd=Path(validator).parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # 0 valid, 3 valid with warnings, 1 invalid.
    assert run.returncode in (0, 3), run.stdout + run.stderr
    clinical = [line for line in run.stdout.splitlines() if "data_clinical_sample.txt" in line]
    assert not [line for line in clinical if line.startswith(("ERROR", "WARNING"))], clinical
