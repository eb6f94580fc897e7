"""Reports: the per-patient HTML page, the cohort summary (TSV, Excel CSV, HTML) and their plots.

Public API (called by the screening layer and the Snakemake rules)::

    render_patient_html(report, *, title=...) -> str
    render_patient_pdf(html_path, pdf_path) -> bool
    summary_row(report) -> dict[str, str]
    write_cohort_summary(rows, outdir, *, title, arms, concordance=None, problems=None,
                         thresholds=None) -> dict[str, Path]
    SUMMARY_COLUMNS, summary_columns(arm_ids)
"""

from .cohort import SUMMARY_COLUMNS, neutralise_formula, summary_columns, summary_row, write_cohort_summary
from .html import render_patient_html, render_patient_pdf

__all__ = [
    "SUMMARY_COLUMNS",
    "neutralise_formula",
    "render_patient_html",
    "render_patient_pdf",
    "summary_columns",
    "summary_row",
    "write_cohort_summary",
]
