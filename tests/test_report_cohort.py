"""Cohort summary: summary rows, TSV/CSV (formula injection), summary.html, plots, captions."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from pathlib import Path

import docutils.core
import jinja2
import pytest
import report_fixtures as rf

from mdm2screen.paths import repo_path
from mdm2screen.report import SUMMARY_COLUMNS, summary_columns, summary_row, write_cohort_summary
from mdm2screen.report.cohort import neutralise_formula

THRESHOLDS = {"default": {"mode": "absolute", "amplified_at": 8, "gain_at": 6}}
HOSTILE_ID = '"><script>alert(1)</script>'


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return [summary_row(r) for r in rf.all_reports().values()]


@pytest.fixture()
def written(tmp_path: Path, rows: list[dict[str, str]]) -> dict[str, Path]:
    extra = dict(rows[0], patient_id=HOSTILE_ID, tumor_type="=HYPERLINK(\"x\",\"y\")", status="NOT_ELIGIBLE",
                 reasons="+cmd|' /C calc'!A0 | @SUM(1+1)", decision_sample="-2+3")
    problems = ["ihc.tsv, line 14: patient 'PT-9999' is not in the sample sheet; row ignored", f"{HOSTILE_ID} & more"]
    concordance = {
        "genes": {"MDM2": {"table": {"amplified": {"2": 3, "1": 0, "<=0": 0, "NA": 0},
                                     "not_amplified": {"2": 1, "1": 2, "<=0": 40, "NA": 1}},
                           "discordant": [{"sample_id": "TCGA-06-0129-01", "mdm2screen_call": "not_amplified",
                                           "copy_number": 5.1, "gistic": 2, "note": f"near threshold {HOSTILE_ID}"}]}},
        "source": "data/gistic/all_thresholded.by_genes.txt", "n_samples_compared": 47,
    }
    return write_cohort_summary(iter([*rows, extra]), tmp_path, title="Screening <run 7>", arms=rf.ARMS,
                                concordance=concordance, problems=problems, thresholds=THRESHOLDS)


def test_summary_columns_order() -> None:
    assert SUMMARY_COLUMNS[:8] == ("patient_id", "status", "mdm2_copy_number", "mdm2_amplified", "tp53_status",
                                   "mdm2_ihc", "cdk4_amplified", "reasons")
    assert SUMMARY_COLUMNS[8:16] == ("cdk4_copy_number", "mdm2_call", "cdk4_call", "p53_ihc", "decision_sample",
                                     "n_samples", "build", "tumor_type")
    assert SUMMARY_COLUMNS[16] == "mdm2_fish"  # FISH-only confirmation must show in the summary too
    assert SUMMARY_COLUMNS[-2:] == ("report_html", "report_json")
    full = summary_columns(["mdm2_inhibitor", "mdm2_cdk4_combination"])
    assert full[17:19] == ("status_mdm2_inhibitor", "status_mdm2_cdk4_combination")
    assert full[-2:] == ("report_html", "report_json")


def test_summary_row_values(rows: list[dict[str, str]]) -> None:
    eligible, pending, mutated, indeterminate, two_sample, _ = rows
    assert eligible["patient_id"] == "PT-0001" and eligible["status"] == "ELIGIBLE"
    assert eligible["mdm2_copy_number"] == "14.09" and eligible["cdk4_copy_number"] == "23.15"
    assert eligible["mdm2_amplified"] == "true" and eligible["cdk4_amplified"] == "true"
    assert eligible["tp53_status"] == "wild_type" and eligible["mdm2_ihc"] == "positive"
    assert eligible["p53_ihc"] == "wild_type_pattern"
    assert eligible["mdm2_call"] == "amplified" and eligible["build"] == "GRCh37"
    assert eligible["tumor_type"] == "intimal sarcoma" and eligible["n_samples"] == "1"
    assert eligible["status_mdm2_inhibitor"] == "ELIGIBLE" and eligible["status_mdm2_cdk4_combination"] == "ELIGIBLE"
    assert eligible["report_html"] == "patients/PT-0001.html" and eligible["report_json"] == "patients/PT-0001.json"
    assert eligible["reasons"].split(" | ")[0] == "MDM2 copy number 14.09 (amplified; amplified at >= 8 absolute)"
    assert len(eligible["reasons"].split(" | ")) == 4
    assert mutated["mdm2_amplified"] == "false" and mutated["tp53_status"] == "mutated"
    assert "TP53 mutated: p.Arg280Ser (missense, VAF 33.1%)" in mutated["reasons"]
    assert mutated["mdm2_ihc"] == "absent"
    assert indeterminate["tumor_type"] == "NA"  # not given: NA, never empty
    assert indeterminate["status_mdm2_inhibitor"] == "INDETERMINATE"
    assert pending["status"] == "PENDING_CONFIRMATION"
    assert two_sample["n_samples"] == "2" and two_sample["decision_sample"] == "S2-2023"
    assert two_sample["tumor_type"] == "dedifferentiated liposarcoma"
    for row in rows:
        assert set(summary_columns(["mdm2_inhibitor", "mdm2_cdk4_combination"])) == set(row)
        assert all(v and "\t" not in v and "\n" not in v for v in row.values())


def test_summary_row_handles_missing_values() -> None:
    report = rf.indeterminate_report()
    report["mdm2"]["copy_number"] = None
    report["mdm2"]["amplified"] = None
    report["cdk4"]["copy_number"] = float("nan")
    report["reasons"] = [{"code": "x", "message": "line one\nline\ttwo"}]
    row = summary_row(report)
    assert row["mdm2_copy_number"] == "NA" and row["mdm2_amplified"] == "NA" and row["cdk4_copy_number"] == "NA"
    assert row["reasons"] == "line one line two"


def test_files_written_atomically(written: dict[str, Path], tmp_path: Path) -> None:
    assert set(written) == {"summary.tsv", "summary.csv", "summary.xlsx", "summary.html", "mdm2_cn_by_tp53.svg",
                            "status_counts.svg"}
    for path in written.values():
        assert path.parent == tmp_path / "cohort" and path.stat().st_size > 0
    assert not [p for p in (tmp_path / "cohort").iterdir() if p.name.endswith(".tmp")]


def test_summary_tsv(written: dict[str, Path], rows: list[dict[str, str]]) -> None:
    text = written["summary.tsv"].read_text(encoding="utf-8")
    assert not text.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
    header = text.splitlines()[0].split("\t")
    assert tuple(header) == summary_columns(["mdm2_inhibitor", "mdm2_cdk4_combination"])
    assert len(table) == len(rows) + 1
    assert table[0] == rows[0]  # written in the order given
    assert table[-1]["tumor_type"] == '=HYPERLINK("x","y")'  # TSV is for programs: kept verbatim


def test_summary_csv_is_excel_safe(written: dict[str, Path]) -> None:
    raw = written["summary.csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith('"patient_id","status",')
    table = list(csv.DictReader(io.StringIO(text)))
    hostile = table[-1]
    assert hostile["tumor_type"] == '\'=HYPERLINK("x","y")'
    assert hostile["reasons"] == "'+cmd|' /C calc'!A0 | @SUM(1+1)"
    assert hostile["decision_sample"] == "'-2+3"
    assert table[0]["mdm2_copy_number"] == "14.09" and table[0]["patient_id"] == "PT-0001"
    assert "\r\n" in text


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\uff1d1+1"])
def test_neutralise_formula(cell: str) -> None:
    assert neutralise_formula(cell) == "'" + cell
    assert neutralise_formula("PT-0001") == "PT-0001"


def test_summary_html(written: dict[str, Path]) -> None:
    page = written["summary.html"].read_text(encoding="utf-8")
    # Patient links, with hostile IDs quoted in the URL and escaped in the text.
    assert '<a href="../patients/PT-0001.html">PT-0001</a>' in page
    assert '../patients/%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E.html' in page
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</a>" in page
    assert HOSTILE_ID not in page and "<script>alert" not in page
    # Exactly one script, inline, allowed by its hash in the CSP.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert len(scripts) == 1 and scripts[0][0] == ""
    digest = base64.b64encode(hashlib.sha256(scripts[0][1].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page
    # Sort and filter markup; the controls stay hidden without JavaScript.
    assert '<div id="controls" hidden>' in page
    assert 'id="filter-text"' in page and 'id="filter-status"' in page
    assert page.count('data-sort="num"') == 2 and '<button type="button">MDM2 CN</button>' in page
    assert 'data-status="ELIGIBLE"' in page and 'data-v="14.09"' in page
    # Counts per status per arm, titles escaped, problems listed, concordance table.
    assert "Screening &lt;run 7&gt;" in page
    assert "patient &#39;PT-9999&#39; is not in the sample sheet" in page
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert "Concordance with GISTIC calls" in page and "TCGA-06-0129-01" in page and ">40<" in page
    assert "47 samples compared" in page
    for pattern in rf.EXTERNAL_PATTERNS:
        assert not pattern.search(page), pattern.pattern
    # Eligible patients are listed first.
    assert page.index('data-status="ELIGIBLE"') < page.index('data-status="NOT_ELIGIBLE"')


def test_counts_table(written: dict[str, Path]) -> None:
    page = written["summary.html"].read_text(encoding="utf-8")
    counts = page[page.index('<table class="counts">') : page.index("</table>", page.index('<table class="counts">'))]
    first_arm = counts[counts.index("<tr><td><strong>MDM2 inhibitor monotherapy") :].split("</tr>")[0]
    # 7 rows: ELIGIBLE 1, PENDING 1, INDETERMINATE 1, NOT_ELIGIBLE 3 (+ the added hostile row has the same arms).
    cells = re.findall(r'<td class="num">(\d+)</td>', first_arm)
    assert cells == ["2", "1", "1", "3", "0", "7"]


def test_plots(written: dict[str, Path]) -> None:
    cn = written["mdm2_cn_by_tp53.svg"].read_text(encoding="utf-8")
    assert cn.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')
    assert "amplified \u2265 8 copies" in cn and 'stroke-dasharray="7 4"' in cn
    assert "TP53 wild type (n=" in cn and "TP53 mutated (n=" in cn and "TP53 not assessable (n=1)" in cn
    assert "PT-0001: 14.09</title>" in cn
    status = written["status_counts.svg"].read_text(encoding="utf-8")
    assert "MDM2 inhibitor monotherapy (e.g. milademetan) (7 patients)" in status
    assert "\u2713 Eligible" in status and "\u2717 Not eligible" in status
    page = written["summary.html"].read_text(encoding="utf-8")
    assert page.count("<svg ") == 2 and "xmlns" not in page


def test_no_threshold_means_no_line(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    out = write_cohort_summary(rows, tmp_path, title="t", arms=rf.ARMS)
    cn = out["mdm2_cn_by_tp53.svg"].read_text(encoding="utf-8")
    assert "amplification threshold not given: no threshold line" in cn and 'stroke-dasharray="7 4"' not in cn


def test_arm_columns_follow_config_and_unknown_columns_are_kept(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    # Rows as the lead's batch TSVs give them: arm columns after report_json, plus one the arms list lacks.
    odd = [dict(r, status_old_arm="ELIGIBLE") for r in rows]
    arms = list(reversed(rf.ARMS))
    out = write_cohort_summary(odd, tmp_path, title="t", arms=arms)
    header = out["summary.tsv"].read_text().splitlines()[0].split("\t")
    assert header[17:20] == ["status_mdm2_cdk4_combination", "status_mdm2_inhibitor", "status_old_arm"]
    assert header[-2:] == ["report_html", "report_json"]


def test_empty_cohort(tmp_path: Path) -> None:
    out = write_cohort_summary([], tmp_path, title="t", arms=rf.ARMS)
    assert out["summary.tsv"].read_text().count("\n") == 1
    assert "No patient in this run." in out["summary.html"].read_text()


def test_ten_thousand_rows(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    """10,000 rows from an iterator, every one written and plotted (its time: benchmarks/, not here)."""
    base = rows[:5]
    many = []
    for i in range(10_000):
        row = dict(base[i % 5], patient_id=f"PT-{i:05d}")
        row["mdm2_copy_number"] = f"{0.5 + (i * 37 % 400) / 10:.2f}"
        many.append(row)
    out = write_cohort_summary(iter(many), tmp_path, title="t", arms=rf.ARMS, thresholds=THRESHOLDS)
    assert out["summary.tsv"].read_text().count("\n") == 10_001
    cn = out["mdm2_cn_by_tp53.svg"].read_text()
    assert cn.count("<circle") + cn.count("<rect") + cn.count("<path") >= 10_000
    assert "PT-00001:" not in cn  # no per-point tooltips above 2,000 points


@pytest.mark.parametrize("name", ["summary", "patient", "plots"])
def test_snakemake_captions_are_valid_rst(name: str) -> None:
    # Snakemake renders captions with Jinja2 first, then docutils (snakemake/report/__init__.py).
    text = repo_path("workflow", "report", f"{name}.rst").read_text()
    rendered = jinja2.Environment().from_string(text).render(snakemake=None, categories={}, files={})
    warnings = io.StringIO()
    html = docutils.core.publish_parts(rendered, writer="html",
                                       settings_overrides={"warning_stream": warnings, "report_level": 1})["body"]
    assert warnings.getvalue() == ""
    assert len(html) > 300
