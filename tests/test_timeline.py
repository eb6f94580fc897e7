"""Resistance over time (issue 24): the timeline of a patient's samples (date, tissue or plasma, MDM2 copy
number, TP53 status and variants with VAF) and every TP53 variant first seen after the MDM2-inhibitor start
date (sample sheet ``treatment_start``), in the JSON (schema), the patient's reasons and the HTML page.

Files: the demo's DEMO-07 pair (resources/demo): CNVkit tr95t.cns with the LACHESIS Strelka2 VCF (no TP53
call) in 2023, then tr95t.segmetrics.cns with ncsa/phyloflow's A25 Mutect2+VEP VCF (TP53 p.Arg280Ser, VAF
0.331) in 2024.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
from conftest import DEMO, LACHESIS

from mdm2screen.decision import treatment_events
from mdm2screen.paths import schema_path
from mdm2screen.pipeline import prepare
from mdm2screen.report import render_patient_html
from mdm2screen.screen import Screener

SCHEMA = json.loads(schema_path("patient_report.schema.json").read_text())
FIRST = [
    "DEMO-07",
    "DEMO-07-T1",
    "GRCh37",
    DEMO / "data/etal_cnvkit/tr95t.cns",
    LACHESIS / "strelka2.somatic.snvs.vcf.gz",
    "",
]
SECOND = [
    "DEMO-07", "DEMO-07-T2", "GRCh37", DEMO / "data/etal_cnvkit/tr95t.segmetrics.cns",
    DEMO / "data/ncsa_phyloflow/VEP_raw.A25.mutect2.filtered.snp.vcf", "A25",
]  # fmt: skip
COLUMNS = ["patient_id", "sample_id", "build", "cn_file", "vcf", "tumor_sample", "assay", "collection_date",
           "sample_type", "treatment_start"]  # fmt: skip


def screen(tmp_path: Path, *rows: list) -> dict:
    tmp_path.mkdir(parents=True, exist_ok=True)
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(
        "\t".join(COLUMNS) + "\n" + "".join("\t".join(map(str, [*r[:6], "DEMO_PANEL", *r[6:]])) + "\n" for r in rows)
    )
    cohort = prepare(
        {
            "samples": str(sheet),
            "outdir": str(tmp_path / "out"),
            "ihc": str(DEMO / "ihc.tsv"),
            "assays": {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")},
        }
    )
    report = Screener(cohort.settings, cohort.arms, cohort.ihc).screen_patient("DEMO-07", cohort.patients["DEMO-07"])
    jsonschema.validate(report, SCHEMA)
    return report


def events(report: dict, code: str) -> list[dict]:
    return [e for e in report["history"]["events"] if e["code"] == code]


def test_tp53_variant_first_seen_after_the_start_date_is_possible_resistance(tmp_path):
    report = screen(
        tmp_path,
        [*FIRST, "2023-03-01", "tissue", "2024-01-15"],
        [*SECOND, "2024-09-15", "cfDNA", "2024-01-15"],
    )
    timeline = report["timeline"]
    assert timeline["treatment_start"] == "2024-01-15"
    rows = timeline["samples"]
    assert [r["sample_id"] for r in rows] == ["DEMO-07-T1", "DEMO-07-T2"]
    assert [r["after_treatment_start"] for r in rows] == [False, True]
    assert [r["sample_type"] for r in rows] == ["tissue", "plasma"]
    assert [r["tp53_status"] for r in rows] == ["wild_type", "mutated"]
    assert rows[0]["tp53_variants"] == []
    (variant,) = rows[1]["tp53_variants"]
    assert (variant["hgvs_p"], variant["vaf"], variant["decides"]) == ("p.Arg280Ser", 0.331, True)
    assert rows[1]["mdm2"]["call"] == report["samples"][1]["mdm2"]["call"] and rows[1]["used_for_decision"] is True
    (event,) = events(report, "tp53_variant_after_treatment_start")
    assert (event["variant"], event["sample"], event["earlier_samples"]) == (
        "p.Arg280Ser",
        "DEMO-07-T2",
        ["DEMO-07-T1"],
    )
    assert "acquired after MDM2-inhibitor start, possible resistance" in event["message"]
    assert any(r["code"] == "tp53_variant_after_treatment_start" for r in report["reasons"])
    # The acquired-mutation event between consecutive samples is still there.
    assert events(report, "acquired_tp53_mutation")
    page = render_patient_html(report)
    section = page[page.index('id="timeline"') : page.index('id="audit"')]
    # The start date sits between the 2023 and the 2024 sample.
    assert section.index("DEMO-07-T1") < section.index("MDM2-inhibitor start 2024-01-15") < section.index("DEMO-07-T2")
    assert "p.Arg280Ser 33.1%" in section


def test_variant_already_present_before_the_start_is_not_flagged(tmp_path):
    report = screen(
        tmp_path,
        [*SECOND[:1], "DEMO-07-T0", *SECOND[2:], "2023-06-01", "tissue", "2024-01-15"],
        [*SECOND, "2024-09-15", "tissue", "2024-01-15"],
    )
    assert events(report, "tp53_variant_after_treatment_start") == []
    assert [r["after_treatment_start"] for r in report["timeline"]["samples"]] == [False, True]


def test_without_a_start_date_there_is_a_timeline_and_no_resistance_event(tmp_path):
    report = screen(tmp_path, [*FIRST, "2023-03-01", "", ""], [*SECOND, "2024-09-15", "", ""])
    assert report["timeline"]["treatment_start"] is None
    assert [r["after_treatment_start"] for r in report["timeline"]["samples"]] == [None, None]
    assert events(report, "tp53_variant_after_treatment_start") == []
    assert "No MDM2-inhibitor start date" in render_patient_html(report)


def test_undated_sample_cannot_be_placed_against_the_start(tmp_path):
    report = screen(tmp_path, [*FIRST, "2023-03-01", "tissue", "2024-01-15"], [*SECOND, "", "tissue", "2024-01-15"])
    (event,) = events(report, "treatment_timing_unknown")
    assert event["sample"] == "DEMO-07-T2"
    assert report["timeline"]["samples"][-1]["after_treatment_start"] is None


def test_only_sample_after_the_start_says_there_is_nothing_to_compare_with(tmp_path):
    report = screen(tmp_path, [*SECOND, "2024-09-15", "plasma", "2024-01-15"])
    (event,) = events(report, "tp53_variant_after_treatment_start")
    assert "no earlier sample of this patient to compare with" in event["message"] and event["earlier_samples"] == []


def test_a_subclonal_variant_before_the_start_is_not_new_after_it():
    """treatment_events on evidence objects: a variant listed below the VAF threshold before the start is
    present before; only variants no earlier sample lists are new."""
    from types import SimpleNamespace

    from mdm2screen.model import VariantCall

    def call(vaf: float, category: str) -> VariantCall:
        return VariantCall("17", 7577098, "T", "A", ["PASS"], vaf, 50, 1, "missense", "c.840A>T", "p.Arg280Ser",
                           "computed", category=category, decides=category == "deciding")  # fmt: skip

    def sample(name: str, day: dt.date, *calls: VariantCall) -> SimpleNamespace:
        return SimpleNamespace(
            row=SimpleNamespace(sample_id=name, collection_date=day), tp53=SimpleNamespace(variants=list(calls))
        )

    start = dt.date(2024, 1, 1)
    before = sample("S1", dt.date(2023, 6, 1), call(0.02, "below_vaf"))
    after = sample("S2", dt.date(2024, 6, 1), call(0.30, "deciding"))
    assert treatment_events([before, after], start) == []  # type: ignore[arg-type]
    assert [e["variant"] for e in treatment_events([after], start)] == ["p.Arg280Ser"]  # type: ignore[arg-type]
