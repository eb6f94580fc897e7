"""Per-patient HTML report: content, escaping, self-containment, robustness, speed."""

from __future__ import annotations

import copy
import re
import time

import jsonschema
import pytest
import report_fixtures as rf
from markupsafe import escape

from mdm2screen.report import html as report_html
from mdm2screen.report import render_patient_html, render_patient_pdf
from mdm2screen.report.svg import chr12_profile_svg, threshold_in_copies


@pytest.fixture(scope="module")
def reports() -> dict[str, dict]:
    return rf.all_reports()


@pytest.fixture(scope="module")
def pages(reports: dict[str, dict]) -> dict[str, str]:
    return {name: render_patient_html(r) for name, r in reports.items()}


def _section(page: str, start_id: str, end_id: str) -> str:
    return page[page.index(f'id="{start_id}"') : page.index(f'id="{end_id}"')]


@pytest.mark.parametrize("name", list(rf.all_reports()))
def test_fixtures_follow_the_report_schema(name: str, reports: dict[str, dict]) -> None:
    jsonschema.Draft202012Validator(rf.report_schema()).validate(reports[name])


def test_eligible_report_shows_status_per_arm_and_copy_number(pages: dict[str, str], reports: dict) -> None:
    page = pages["eligible"]
    status = _section(page, "status", "copy-number")
    # Both arms, each in words (not colour alone) with its title.
    assert status.count("\u2713 ELIGIBLE") == 2
    assert "MDM2 inhibitor monotherapy (e.g. milademetan)" in status
    assert "MDM2 inhibitor + CDK4/6 inhibitor (MDM2 and CDK4 co-amplified)" in status
    assert "default arm" in status
    # MDM2 from tr95t.cns: log2 2.817 -> 14.09 copies; CDK4 log2 3.533 -> 23.15 copies.
    assert reports["eligible"]["mdm2"]["copy_number"] == pytest.approx(14.0939, abs=1e-3)
    assert "14.09 copies" in page and "23.15 copies" in page
    assert "2.817 (log2)" in page and "3.533 (log2)" in page
    assert "amplified &ge; 8.0, gain &ge; 6.0" in page
    assert "chr12:69,004,448-69,669,616" in page  # the segment used for MDM2, 1-based
    assert "42,511 bp" in page  # overlap = the whole MDM2 canonical transcript
    assert "max over overlapping segments" in page
    # Other genes on the amplicon, IHC rows and the criteria table.
    assert "<em>FRS2</em>" in page and "<em>HMGA2</em>" in page
    assert "80% nuclei at intensity 3" in page and "IHC clone SMP14" in page
    assert page.count('class="state met"') == 9  # 4 + 5 criteria, all met


def test_chr12_plot_has_threshold_and_gene_positions(pages: dict[str, str]) -> None:
    page = pages["eligible"]
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "amplified \u2265 8 copies" in svg
    assert 'stroke-dasharray="7 4"' in svg  # the threshold line
    assert ">MDM2</text>" in svg and ">CDK4</text>" in svg
    assert "14.09 copies</title>" in svg
    assert "xmlns" not in svg  # inline SVG needs no namespace URL


def test_tp53_variants_are_all_listed_with_the_deciding_one_highlighted(pages: dict[str, str]) -> None:
    page = pages["tp53_mutated"]
    tp53 = _section(page, "tp53", "criteria")
    rows = re.findall(r"<tr class=\"(decides)?\">(.*?)</tr>", tp53, re.S)
    assert len(rows) == 2
    deciding, filtered = rows
    assert deciding[0] == "decides" and "p.Arg280Ser" in deciding[1] and "c.840A&gt;T" in deciding[1]
    assert "33.1%" in deciding[1] and "3 / 10" in deciding[1] and "PASS" in deciding[1] and "DECIDES" in deciding[1]
    assert filtered[0] == ""
    assert "p.Ser378Pro" in filtered[1] and "LowEVS" in filtered[1] and "18.2%" in filtered[1]
    assert "FILTER LowEVS is not an accepted filter" in filtered[1]
    assert "chr17:7,577,098 T&gt;A" in tp53
    assert "Coverage:</strong>" in tp53 and "adequate" in tp53
    assert "1.00 (not amplified; homozygous deletion check)" in tp53
    status = _section(page, "status", "copy-number")
    assert status.count("\u2717 NOT ELIGIBLE") == 2
    assert "TP53 mutated: p.Arg280Ser (missense, VAF 33.1%)" in page
    assert "\u25d4 pending" in page  # MDM2 IHC still to do, shown as a word too


def test_indeterminate_report_says_not_assessable_and_handles_missing_profile(pages: dict[str, str]) -> None:
    page = pages["indeterminate"]
    assert "? INDETERMINATE" in page
    assert "not assessable" in page
    assert "an unsequenced TP53 is not wild type" in page
    assert "not verified" in page
    assert "No chromosome 12 copy-number profile in this report" in page
    assert "<svg" not in page
    assert "No variant record in the TP53 region (this alone is not evidence of wild type)." in page


def test_pending_report_with_empty_profile(pages: dict[str, str]) -> None:
    page = pages["pending"]
    assert "\u25d4 PENDING CONFIRMATION" in page
    assert "no copy-number segments in this window" in page
    assert "No segment falls in this window" in page
    assert "no result" in page  # IHC state "absent" in words


def test_history_event_is_called_out_before_the_evidence(pages: dict[str, str]) -> None:
    page = pages["two_sample"]
    alert = page.index('class="alert danger"')
    assert alert < page.index('id="copy-number"')
    assert "acquired tp53 mutation" in page[alert : alert + 400]
    samples = _section(page, "samples", "audit")
    # Oldest first, decision sample marked.
    assert samples.index("S1-2021") < samples.index("S2-2023")
    decision_row = samples[samples.index('<tr class="decision">') :]
    assert decision_row.index("S2-2023") < decision_row.index("decision sample")
    assert samples.count("decision sample") == 1
    assert "on sample S1-2021, not the decision sample" in page


def test_audit_block_lists_provenance_and_thresholds(pages: dict[str, str], reports: dict) -> None:
    page = pages["eligible"]
    audit = page[page.index('id="audit"') :]
    prov = reports["eligible"]["provenance"]
    for value in (prov["git_commit"], prov["config_sha256"], "config/arms.yaml", "2024-05-14T09:30:00Z", "GRCh37",
                  rf.SHA_CNS, rf.SHA_VCF, "data/TR95T/TR95T.cns", "mdm2screen 0.1.0", "screen-node-01"):
        assert value in audit, value
    assert "copy_number.thresholds.default.amplified_at" in audit
    assert "tp53.min_vaf" in audit and "0.05" in audit
    # Thresholds come first in the settings table.
    assert audit.index("copy_number.min_purity") < audit.index("report.title")


def test_every_hostile_string_is_escaped(pages: dict[str, str]) -> None:
    page = pages["hostile"]
    for raw in rf.HOSTILE[:2]:
        assert raw not in page
        assert str(escape(raw)) in page  # e.g. &#34;&gt;&lt;img src=x ...
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "onerror=alert(2)>" not in page
    assert "R&amp;D \u00fcn\u00efc\u00f8d\u00e9 \U0001f9ec \u2265 8" in page  # & escaped, unicode kept
    assert "R&D" not in page
    # The hostile gene label inside the SVG is escaped too.
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</text>" in svg


@pytest.mark.parametrize("name", list(rf.all_reports()))
def test_page_is_self_contained(name: str, pages: dict[str, str]) -> None:
    page = pages[name]
    for pattern in rf.EXTERNAL_PATTERNS:
        assert not pattern.search(page), (name, pattern.pattern)
    assert "<script" not in page.lower()
    assert "default-src 'none'; style-src 'unsafe-inline'" in page  # CSP: no fetch, no script, even if escaping failed
    assert "@page" in page and "@media print" in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_rendering_is_deterministic_and_fast(reports: dict) -> None:
    report = reports["two_sample"]
    first = render_patient_html(report)
    assert render_patient_html(copy.deepcopy(report)) == first
    start = time.perf_counter()
    for _ in range(300):
        render_patient_html(report)
    per_report = (time.perf_counter() - start) / 300
    assert per_report < 0.005, f"{per_report * 1000:.1f} ms per report; 10,000 must take well under a minute"


def test_title_is_used_and_escaped(reports: dict) -> None:
    page = render_patient_html(reports["eligible"], title="Trial <X> & Co")
    assert "Trial &lt;X&gt; &amp; Co" in page
    assert "<X>" not in page


def test_minimal_and_odd_reports_render_without_error(reports: dict) -> None:
    minimal = {
        "schema_version": "1.0.0", "patient_id": "PT-MIN", "status": "INDETERMINATE",
        "reasons": [{"code": "cn_missing", "message": "no copy-number file"}], "arms": [],
        "mdm2": {"gene": "MDM2", "call": "not_assessable", "amplified": None, "copy_number": None},
        "cdk4": {"gene": "CDK4", "call": "not_assessable", "amplified": None, "copy_number": None},
        "genes": {}, "tp53": {"status": "not_assessable", "variants": [], "all_variants": [], "coverage": {},
                              "reasons": []},
        "ihc": {"mdm2": {"state": "absent"}, "p53": {"state": "absent"}, "fish": {"state": "absent"}, "rows": [],
                "problems": []},
        "samples": [{"sample_id": "S", "build": "GRCh38", "used_for_decision": True, "evaluable": False,
                     "files": []}],
        "history": {"events": []},
        "provenance": {"pipeline_version": "0.1.0", "config": {}, "config_sha256": "x", "inputs": [],
                       "genome_build": "GRCh38", "run": {}},
    }
    jsonschema.Draft202012Validator(rf.report_schema()).validate(minimal)
    page = render_patient_html(minimal)
    assert "No trial arm in this report." in page
    assert "n/a" in page and "not assessable" in page
    assert "No input file recorded." in page
    # Wrong types and NaN never crash the page; they are shown as text or n/a.
    odd = copy.deepcopy(reports["eligible"])
    odd["mdm2"]["copy_number"] = float("nan")
    odd["mdm2"]["raw_value"] = "NA"
    odd["mdm2"]["segments"][0]["start"] = None
    odd["chr12_profile"]["segments"].append({"start": "x", "end": None, "copy_number": None})
    odd["chr12_profile"]["window"] = None
    odd["samples"][0]["collection_date"] = None
    page = render_patient_html(odd)
    assert "1 segment(s) without an absolute copy number not drawn" in page
    assert ">NA (log2)<" in page


def test_criterion_states_of_any_json_type_render_as_unknown(reports: dict) -> None:
    """A hand-edited report may hold a list or an object where a state word belongs: no crash."""
    odd = copy.deepcopy(reports["eligible"])
    criteria = odd["arms"][0]["criteria"]
    assert len(criteria) >= 3
    criteria[0]["state"] = ["met", "<b>"]
    criteria[1]["state"] = {"met": True}
    criteria[2]["state"] = 7
    page = render_patient_html(odd)
    assert page.count('class="state unknown"') >= 3
    assert "&lt;b&gt;" in page and "<b>" not in page.replace("<b>met</b>", "")
    assert str(report_html.state_cell(["met"])) == '<span class="state unknown">? [&#39;met&#39;]</span>'


def test_threshold_conversion_to_copies() -> None:
    assert threshold_in_copies({"mode": "absolute", "amplified_at": 12, "gain_at": 6})[:2] == (12, 6)
    amp, gain, label = threshold_in_copies({"mode": "relative_ploidy", "amplified_at": 3, "gain_at": 2}, 3.1)
    assert amp == pytest.approx(9.3) and gain == pytest.approx(6.2) and "ploidy 3.1" in label
    assert threshold_in_copies({"mode": "relative_ploidy", "amplified_at": 3}, None)[0] is None
    amp, _, label = threshold_in_copies({"mode": "log2", "amplified_at": 1.0})
    assert amp == pytest.approx(4.0) and "if diploid" in label
    assert threshold_in_copies({"mode": "fold_change", "amplified_at": 2.2})[0] == pytest.approx(4.4)
    assert threshold_in_copies(None)[0] is None
    assert threshold_in_copies({"mode": "weird", "amplified_at": 1})[0] is None


def test_chr12_svg_without_threshold_says_so() -> None:
    profile = {"build": "GRCh38", "window": [57_000_000, 70_000_000],
               "segments": [{"start": 57_000_000, "end": 70_000_000, "copy_number": 3.0, "raw_value": 0.58}],
               "genes": [{"gene": "MDM2", "start": 68_808_176, "end": 68_850_686}]}
    svg = chr12_profile_svg(profile, threshold={"mode": "relative_ploidy", "amplified_at": 3})
    assert svg is not None and "ploidy unknown: line not drawn" in svg
    assert 'stroke-dasharray="7 4"' not in svg
    assert chr12_profile_svg(None) is None and chr12_profile_svg({}) is None


def test_pdf_returns_false_without_an_engine(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(report_html, "find_chromium", lambda: None)
    page = tmp_path / "p.html"
    page.write_text("<!DOCTYPE html><p>x</p>")
    assert render_patient_pdf(page, tmp_path / "p.pdf") is False
    assert not (tmp_path / "p.pdf").exists()
