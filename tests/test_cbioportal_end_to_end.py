"""A cBioPortal study folder imported and screened end to end, concordance table included."""

from __future__ import annotations

import csv
import json

import pytest
from cbioportal_study import DELIBERATELY_DISCORDANT, write_study

from mdm2screen.cbioportal import import_study
from mdm2screen.cli import main


@pytest.mark.parametrize("variant", ["good", "profiled_no_calls"])
def test_import_then_screen(tmp_path, variant, capsys):
    study = write_study(tmp_path / "study", variant=variant)
    sheet = tmp_path / "sheet.tsv"
    result = import_study(study, sheet)
    assert result.n_samples >= 5
    config = tmp_path / "config.yaml"
    config.write_text(f"samples: {sheet}\noutdir: {tmp_path / 'out'}\noutputs: {{fhir: true}}\n")
    assert main(["screen", "--config", str(config)]) == 0
    out = tmp_path / "out"
    reports = {
        p.name.removesuffix(".json"): json.loads(p.read_text())
        for p in (out / "patients").glob("*.json")
        if not p.name.endswith(".fhir.json")
    }
    # Every patient of the study also has its FHIR bundle, valid for the R4B models.
    from fhir.resources.R4B.bundle import Bundle

    bundles = {p.name.removesuffix(".fhir.json"): p for p in (out / "patients").glob("*.fhir.json")}
    assert set(bundles) == set(reports)
    for path in bundles.values():
        Bundle.model_validate(json.loads(path.read_text()))
    assert len(reports) == result.n_samples  # one tumour per patient in the test study
    statuses = {r["status"] for r in reports.values()}
    assert "NOT_ELIGIBLE" in statuses and "PENDING_CONFIRMATION" in statuses
    # GISTIC is a comparison, never the decision: the concordance table is written and shown.
    concordance = out / "cohort" / "gistic_concordance.tsv"
    assert concordance.exists()
    ((discordant_sample, _gene),) = DELIBERATELY_DISCORDANT
    assert discordant_sample in concordance.read_text()
    html = (out / "cohort" / "summary.html").read_text()
    assert "GISTIC" in html and discordant_sample in html
    with open(out / "cohort" / "summary.tsv") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert {r["patient_id"] for r in rows} == set(reports)
    if variant == "profiled_no_calls":
        quiet = [r for r in reports.values() if any(x["code"] == "maf_no_rows_sequenced" for x in r["tp53"]["reasons"])]
        assert quiet and all(r["tp53"]["status"] == "wild_type" for r in quiet)
