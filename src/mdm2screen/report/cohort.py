"""Cohort summary: one flat row per patient, written as TSV, Excel-safe CSV and a browsable page.

The lead streams :func:`summary_row` outputs back from per-batch TSVs, so
:func:`write_cohort_summary` needs the rows only, never the full reports. It holds the rows
(the HTML table needs them all) plus a few counters, nothing more.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from ..cn.genelevel import homozygous_deletion_present
from ..fileio import atomic_write
from .html import DEFAULT_TITLE, _template
from .svg import STATUS_ORDER, STATUS_STYLE, TP53_ORDER, TP53_STYLE, cn_by_tp53_svg, status_counts_svg

NA = "NA"
_HEAD = (
    "patient_id",
    "status",
    "mdm2_copy_number",
    "mdm2_amplified",
    "tp53_status",
    "mdm2_ihc",
    "cdk4_amplified",
    "reasons",
    "cdk4_copy_number",
    "mdm2_call",
    "cdk4_call",
    "p53_ihc",
    "decision_sample",
    "n_samples",
    "build",
    "tumor_type",
    "mdm2_fish",
)
# The MDM2 amplicon and the co-alterations (modifiers: they gate nothing unless an arm names them).
# After the per-arm columns, so the columns before them keep their places.
_CONTEXT = (
    "mdm2_focal", "mdm2_amplicon_mb", "mdm2_arm_baseline", "hmga2_amplified", "frs2_amplified", "twist1_amplified",
    "cdkn2a_deleted", "mdm2_fish_finding",
)  # fmt: skip
_TAIL = ("report_html", "report_json")
#: Fixed summary.tsv columns. The per-arm ``status_<arm_id>`` columns go between ``mdm2_fish``
#: and ``mdm2_focal``; :func:`summary_columns` gives the full list for a set of arms.
SUMMARY_COLUMNS: tuple[str, ...] = _HEAD + _CONTEXT + _TAIL
#: Co-alterations counted among MDM2-amplified patients (summary column, label); MDM2 focality first.
CO_ALTERATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("mdm2_focal", "MDM2 amplification focal"),
    ("cdk4_amplified", "CDK4 amplification"),
    ("hmga2_amplified", "HMGA2 amplification"),
    ("frs2_amplified", "FRS2 amplification"),
    ("twist1_amplified", "TWIST1 amplification"),
    ("cdkn2a_deleted", "CDKN2A homozygous deletion"),
)
REASON_SEPARATOR = " | "
# Cells starting with these are formulas to Excel/LibreOffice/Sheets (OWASP "CSV Injection");
# the full-width forms are included because some spreadsheet locales accept them too.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

_SORT_FILTER_JS = """
(function () {
  var table = document.getElementById('patients');
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var controls = document.getElementById('controls');
  var text = document.getElementById('filter-text');
  var status = document.getElementById('filter-status');
  var shown = document.getElementById('shown-count');
  controls.hidden = false;
  function apply() {
    var q = text.value.trim().toLowerCase();
    var s = status.value;
    var n = 0;
    rows.forEach(function (tr) {
      var ok = (!s || tr.getAttribute('data-status') === s) && (!q || tr.textContent.toLowerCase().indexOf(q) >= 0);
      tr.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = String(n);
  }
  text.addEventListener('input', apply);
  status.addEventListener('change', apply);
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
    var button = th.querySelector('button');
    if (!button) { return; }
    button.addEventListener('click', function () {
      var numeric = th.getAttribute('data-sort') === 'num';
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (o) { o.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      function key(tr) {
        var v = tr.cells[col].getAttribute('data-v');
        if (v === null) { v = tr.cells[col].textContent.trim(); }
        if (numeric) { var f = parseFloat(v); return isNaN(f) ? null : f; }
        return v.toLowerCase();
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === y) { return 0; }
        if (x === null || x === 'na') { return 1; }
        if (y === null || y === 'na') { return -1; }
        return (x < y ? -1 : 1) * (asc ? 1 : -1);
      });
      rows.forEach(function (tr) { body.appendChild(tr); });
    });
  });
})();
""".strip()


def summary_columns(arm_ids: Iterable[str] = ()) -> tuple[str, ...]:
    """All summary.tsv columns for these arms, in order."""
    return _HEAD + tuple(f"status_{_clean(a)}" for a in arm_ids) + _CONTEXT + _TAIL


# --------------------------------------------------------------------------- one row


def _clean(value: object) -> str:
    """One TSV-safe cell: no tab or line break inside; empty becomes NA."""
    if value is None:
        return NA
    text = " ".join(str(value).replace("\t", " ").splitlines()).strip()
    return text if text else NA


def _bool(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return NA


def _number(value: object) -> str:
    if value is None or isinstance(value, bool):
        return NA
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _clean(value)
    return f"{number:.2f}" if math.isfinite(number) else NA


def _get(mapping: object, *keys: str) -> Any:
    for key in keys:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def _gene(report: Mapping[str, Any], gene: str) -> Any:
    """A gene's copy-number block of the report (MDM2 and CDK4 have their own keys)."""
    if gene in ("MDM2", "CDK4"):
        return report.get(gene.lower())
    return _get(report, "genes", gene)


def _deleted(gene: Any) -> str:
    """true / false / NA: homozygous deletion over the whole gene, as ``cn.genelevel.homozygous_deletion_present`` reads it."""
    if not isinstance(gene, Mapping):
        return NA
    deletion = gene.get("deletion")
    present = homozygous_deletion_present(
        gene.get("estimate") is not None, deletion if isinstance(deletion, Mapping) else None
    )
    return _bool(present)


def _megabases(bp: object) -> str:
    if bp is None or isinstance(bp, bool) or not isinstance(bp, (int, float)):
        return NA
    return _number(bp / 1_000_000)


def summary_row(report: dict, *, report_html: str | None = None, report_json: str | None = None) -> dict[str, str]:
    """One flat summary row: reasons joined with " | ", booleans true/false/NA, numbers with 2 decimals.

    ``report_html`` / ``report_json`` default to ``patients/<id>.html`` / ``.json`` relative to
    the results folder (the layout the cohort page links into).
    """
    pid = _clean(report.get("patient_id"))
    samples = [s for s in report.get("samples") or [] if isinstance(s, Mapping)]
    decision = report.get("decision_sample")
    chosen = next((s for s in samples if s.get("sample_id") == decision), None) or next(
        (s for s in samples if s.get("used_for_decision")), None
    )
    tumor = chosen.get("tumor_type") if chosen else None
    if not tumor:
        tumor = next((s.get("tumor_type") for s in samples if s.get("tumor_type")), None)
    build = _get(report, "provenance", "genome_build") or (chosen.get("build") if chosen else None)
    reasons = [_clean(_get(r, "message")) for r in report.get("reasons") or [] if isinstance(r, Mapping)]
    row = {
        "patient_id": pid,
        "status": _clean(report.get("status")),
        "mdm2_copy_number": _number(_get(report, "mdm2", "copy_number")),
        "mdm2_amplified": _bool(_get(report, "mdm2", "amplified")),
        "tp53_status": _clean(_get(report, "tp53", "status")),
        "mdm2_ihc": _clean(_get(report, "ihc", "mdm2", "state")),
        "cdk4_amplified": _bool(_get(report, "cdk4", "amplified")),
        "reasons": REASON_SEPARATOR.join(r for r in reasons if r != NA) or NA,
        "cdk4_copy_number": _number(_get(report, "cdk4", "copy_number")),
        "mdm2_call": _clean(_get(report, "mdm2", "call")),
        "cdk4_call": _clean(_get(report, "cdk4", "call")),
        "p53_ihc": _clean(_get(report, "ihc", "p53", "state")),
        "decision_sample": _clean(decision),
        "n_samples": str(len(samples)),
        "build": _clean(build),
        "tumor_type": _clean(tumor),
        "mdm2_fish": _clean(_get(report, "ihc", "fish", "state")),
    }
    for arm in report.get("arms") or []:
        if isinstance(arm, Mapping) and arm.get("id"):
            row[f"status_{_clean(arm['id'])}"] = _clean(arm.get("status"))
    amplicon = _get(report, "mdm2", "amplicon")
    row["mdm2_focal"] = _bool(_get(amplicon, "focal"))
    row["mdm2_amplicon_mb"] = _megabases(_get(amplicon, "size_bp"))
    row["mdm2_arm_baseline"] = _number(_get(amplicon, "baseline", "copy_number"))
    for gene in ("HMGA2", "FRS2", "TWIST1"):
        row[f"{gene.lower()}_amplified"] = _bool(_get(_gene(report, gene), "amplified"))
    row["cdkn2a_deleted"] = _deleted(_gene(report, "CDKN2A"))
    row["mdm2_fish_finding"] = _clean(_get(report, "ihc", "fish", "finding"))
    safe_id = quote(pid, safe="")
    row["report_html"] = _clean(report_html or f"patients/{safe_id}.html")
    row["report_json"] = _clean(report_json or f"patients/{safe_id}.json")
    return row


# --------------------------------------------------------------------------- CSV / TSV


def neutralise_formula(cell: str) -> str:
    """Prefix a quote to cells a spreadsheet would run as a formula (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def _tsv(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> str:
    # Cells hold no tab or line break (_clean); a cell with a double quote is quoted the way
    # Python's csv module and pandas read it back (and the batch TSVs are written).
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    return out.getvalue()


def _csv(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> str:
    out = io.StringIO()
    # BOM so Excel opens the file as UTF-8; every cell quoted; CRLF as RFC 4180 says.
    out.write("\ufeff")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([neutralise_formula(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise_formula(row[c]) for c in columns])
    return out.getvalue()


# --------------------------------------------------------------------------- HTML helpers


def _float(text: str) -> float | None:
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _mdm2_threshold(thresholds: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The MDM2 rule from the configuration's ``copy_number.thresholds`` (gene entry or default)."""
    if not thresholds:
        return None
    if "mode" in thresholds and "amplified_at" in thresholds:  # a single rule was passed
        return dict(thresholds)
    entry = thresholds.get("MDM2") or thresholds.get("default")
    return dict(entry) if isinstance(entry, Mapping) else None


def _concordance_view(concordance: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not concordance:
        return None
    genes = []
    for gene, block in (concordance.get("genes") or {}).items():
        if not isinstance(block, Mapping):
            continue
        table = block.get("table") or {}
        columns = ["2", "1", "<=0", "NA"]
        for counts in table.values():
            for key in counts if isinstance(counts, Mapping) else ():
                if str(key) not in columns:
                    columns.append(str(key))
        rows = [(call, [(counts or {}).get(c, 0) for c in columns]) for call, counts in table.items()]
        discordant = [d for d in (block.get("discordant") or []) if isinstance(d, Mapping)]
        genes.append({"gene": gene, "columns": columns, "rows": rows, "discordant": discordant})
    return {"genes": genes, "source": concordance.get("source"), "n": concordance.get("n_samples_compared")}


def _script_csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'; "
        "base-uri 'none'; form-action 'none'"
    )


def _strip_xmlns(svg: str) -> str:
    return svg.replace(' xmlns="http://www.w3.org/2000/svg"', "", 1)


# --------------------------------------------------------------------------- writer


def write_cohort_summary(
    rows: Iterable[dict[str, str]],
    outdir: str | Path,
    *,
    title: str = DEFAULT_TITLE,
    arms: list[dict],
    concordance: dict | None = None,
    problems: list[str] | None = None,
    thresholds: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write {outdir}/cohort/summary.tsv, summary.csv, summary.xlsx (Excel: a sheet per arm and
    the problems), summary.html and the two plots.

    ``arms`` ([{"id", "title"}], default arm first, then config order) fixes the per-arm
    columns; the HTML table shows one status column per arm and marks the first as the
    default (the one the ``status`` column holds). ``thresholds`` is
    the configuration's ``copy_number.thresholds`` (or one rule) so the cohort plot can draw
    the MDM2 amplification line. Returns {file name: path}.
    """
    arm_ids = [_clean(a.get("id")) for a in arms]
    titles = {_clean(a.get("id")): str(a.get("title") or a.get("id")) for a in arms}
    columns = list(summary_columns(arm_ids))
    table: list[dict[str, str]] = []
    counts: dict[str, dict[str, int]] = {a: {} for a in arm_ids}
    points: list[tuple[str, float, str]] = []
    n_missing = 0
    extra: list[str] = []
    for raw in rows:
        # csv.DictReader puts surplus fields under the key None: not a column.
        row = {str(k): _clean(v) for k, v in raw.items() if k is not None}
        for key in row:
            if key not in columns and key not in extra:
                extra.append(key)  # e.g. an arm the caller forgot to list: keep it, never drop data
        for arm in arm_ids:
            status = row.get(f"status_{arm}", NA)
            counts[arm][status] = counts[arm].get(status, 0) + 1
        cn = _float(row.get("mdm2_copy_number", NA))
        if cn is None:
            n_missing += 1
        else:
            points.append((row.get("patient_id", NA), cn, row.get("tp53_status", NA)))
        table.append(row)
    if extra:
        at = columns.index(_CONTEXT[0])  # with the arms' columns: most such keys are an arm's status
        columns[at:at] = extra
    for row in table:
        for c in columns:
            row.setdefault(c, NA)

    cohort = Path(outdir) / "cohort"
    threshold = _mdm2_threshold(thresholds)
    status_svg = status_counts_svg(counts, titles, standalone=True)
    cn_svg = cn_by_tp53_svg(points, threshold=threshold, n_missing=n_missing, standalone=True)
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    html_rows = sorted(table, key=lambda r: (order.get(r.get("status", NA), len(order)), r.get("patient_id", "")))
    view = {
        "title": title,
        "n": len(table),
        "arms": [{"id": a, "title": titles[a], "counts": counts[a]} for a in arm_ids],
        "statuses": list(STATUS_ORDER),
        "default_counts": _count(table, "status"),
        "tp53_counts": _count(table, "tp53_status"),
        "rows": [_html_row(r, arm_ids) for r in html_rows],
        "status_svg": Markup(_strip_xmlns(status_svg)),  # svg.py escapes every text it writes
        "cn_svg": Markup(_strip_xmlns(cn_svg)),
        "concordance": _concordance_view(concordance),
        "co_alterations": co_alteration_frequencies(table),
        "problems": list(problems or []),
        "script": Markup(_SORT_FILTER_JS),  # a constant, not input
        "csp": Markup(_script_csp(_SORT_FILTER_JS)),  # a constant and its hash
        "STATUS_STYLE": STATUS_STYLE,
        "TP53_ORDER": TP53_ORDER,
        "TP53_STYLE": TP53_STYLE,
        "threshold": threshold,
    }
    html = _template("cohort.html.j2").render(v=view)
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n'
    outputs = {
        "summary.tsv": _tsv(columns, table),
        "summary.csv": _csv(columns, table),
        "summary.html": html,
        "mdm2_cn_by_tp53.svg": xml + cn_svg + "\n",
        "status_counts.svg": xml + status_svg + "\n",
    }
    written: dict[str, Path] = {}
    for name, text in outputs.items():
        path = cohort / name
        atomic_write(path, text)
        written[name] = path
    # Imported here: excel.py builds on this module's NA and neutralise_formula (same escaping as the CSV).
    from .excel import write_summary_xlsx

    written["summary.xlsx"] = write_summary_xlsx(
        cohort / "summary.xlsx",
        table,
        columns=columns,
        arms=[(a, titles[a]) for a in arm_ids],
        problems=list(problems or []),
    )
    return written


def co_alteration_frequencies(rows: Iterable[Mapping[str, str]]) -> dict[str, Any]:
    """How often each co-alteration (:data:`CO_ALTERATION_COLUMNS`) is present among MDM2-amplified patients.

    ``n`` MDM2-amplified patients (``mdm2_amplified`` true); per co-alteration ``present`` of ``assessed``
    (true or false) with the percentage of the assessed, and ``unknown`` (NA: not assessable or not evaluated),
    which is never counted as absent.
    """
    amplified = [r for r in rows if r.get("mdm2_amplified") == "true"]
    table = []
    for column, label in CO_ALTERATION_COLUMNS:
        values = [r.get(column, NA) for r in amplified]
        present, absent = values.count("true"), values.count("false")
        assessed = present + absent
        table.append(
            {
                "column": column,
                "label": label,
                "present": present,
                "assessed": assessed,
                "unknown": len(values) - assessed,
                "percent": 100.0 * present / assessed if assessed else None,
            }
        )
    return {"n": len(amplified), "rows": table}


def _count(rows: Iterable[Mapping[str, str]], column: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        key = row.get(column, NA)
        counts[key] = counts.get(key, 0) + 1
    return counts


def _html_row(row: Mapping[str, str], arm_ids: Sequence[str]) -> dict[str, Any]:
    pid = row.get("patient_id", NA)
    reasons = [r for r in row.get("reasons", NA).split(REASON_SEPARATOR) if r and r != NA]
    return {
        "row": row,
        "href": f"../patients/{quote(pid, safe='')}.html",  # IDs are validated, quoted anyway
        "arm_status": [row.get(f"status_{a}", NA) for a in arm_ids],
        "reasons": reasons,
        "co_alterations": _co_alteration_cell(row),
    }


def _co_alteration_cell(row: Mapping[str, str]) -> str:
    """The co-alterations present ('CDK4 amp, CDKN2A del'), 'none' when all were assessed absent, else NA."""
    names = {"cdk4_amplified": "CDK4 amp", "hmga2_amplified": "HMGA2 amp", "frs2_amplified": "FRS2 amp",
             "twist1_amplified": "TWIST1 amp", "cdkn2a_deleted": "CDKN2A del"}  # fmt: skip
    values = {column: row.get(column, NA) for column in names}
    present = [names[c] for c, v in values.items() if v == "true"]
    if present:
        return ", ".join(present)
    return "none" if all(v == "false" for v in values.values()) else NA
