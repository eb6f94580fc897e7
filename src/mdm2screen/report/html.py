"""Per-patient HTML report: one self-contained page (inline CSS and SVG, no script, no URL).

Every piece of input-derived text reaches the page through Jinja2 autoescaping, or through
:func:`markupsafe.escape` in the few fragments built here in Python for speed (status badges,
criterion states, the settings table) before they are marked ``Markup``; the only other markup
inserted unescaped is the SVG that :mod:`.svg` builds (which escapes its own text).
A Content-Security-Policy forbids scripts and any network fetch, as a second line of
defence should escaping ever fail.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, Environment, PackageLoader, Undefined, select_autoescape
from markupsafe import Markup, escape

from ..fileio import atomic_write
from .svg import STATUS_STYLE, TP53_STYLE, chr12_profile_svg, status_style

DEFAULT_TITLE = "MDM2 inhibitor eligibility screening"
NA = "n/a"
PATIENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
CRITERION_STATE = {
    "met": ("\u2713", "met"),
    "not_met": ("\u2717", "not met"),
    "unknown": ("?", "unknown"),
    "pending": ("\u25d4", "pending"),
}
IHC_WORDS = {
    "absent": "no result",
    "invalid": "unusable value (see IHC rows)",
    "aberrant": "aberrant pattern",
    "wild_type_pattern": "wild-type pattern",
    "not_amplified": "not amplified",
    "not_done": "not done",
}
TP53_WORDS = {"wild_type": "wild type", "mutated": "mutated", "not_assessable": "not assessable"}
# Variant flags (tp53.variants[].flags) as the report says them.
FLAG_WORDS = {
    "possible_germline_tp53": "possible germline TP53 (Li-Fraumeni): genetic counselling",
    "possible_clonal_haematopoiesis": "possibly from clonal haematopoiesis",
}
ORIGIN_WORDS = {
    "matched_normal": "against the matched normal",
    "tumour_only": "tumour-only: by the tumour VAF against a heterozygous germline variant's",
    "caller_only": "by the caller's germline filters only",
}
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


# --------------------------------------------------------------------------- formatting filters


def _missing(value: object) -> bool:
    return value is None or isinstance(value, Undefined) or (isinstance(value, str) and value.strip() == "")


# The filters run ~300 times per page: plain str/float values (nearly all) take a short path
# that gives the same result as the general one below it.


def _float(value: object) -> float | None:
    if type(value) is float:
        return value if math.isfinite(value) else None
    if _missing(value) or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def fmt_num(value: object, digits: int = 2) -> str:
    """A number with ``digits`` decimals; text that is not a number is shown as it is."""
    number = _float(value)
    if number is None:
        return NA if _missing(value) else str(value)
    return f"{number:,.{digits}f}" if abs(number) >= 10_000 else f"{number:.{digits}f}"


def fmt_int(value: object) -> str:
    number = _float(value)
    if number is None:
        return NA if _missing(value) else str(value)
    return f"{int(round(number)):,}"


def fmt_pct(value: object, digits: int = 1) -> str:
    """A 0..1 fraction as a percentage (0.331 -> 33.1%)."""
    number = _float(value)
    if number is None:
        return NA if _missing(value) else str(value)
    return f"{number * 100:.{digits}f}%"


def fmt_text(value: object) -> str:
    if type(value) is str:
        return value if value.strip() else NA
    if _missing(value):
        return NA
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(fmt_text(v) for v in value) or NA
    return str(value)


def fmt_yesno(value: object, unknown: str = "unknown") -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return unknown


def fmt_words(value: object) -> str:
    """``not_assessable`` -> ``not assessable``."""
    if type(value) is str:
        return value.replace("_", " ") if value.strip() else NA
    return NA if _missing(value) else str(value).replace("_", " ")


def fmt_ihc(value: object) -> str:
    """IHC/FISH state in words (``absent`` -> ``no result``)."""
    return NA if _missing(value) else IHC_WORDS.get(str(value), str(value).replace("_", " "))


def _word_of(words: Mapping[str, str], value: object) -> str:
    # Values read from a report may be any JSON type: only a string is looked up (a list is unhashable).
    if isinstance(value, str) and value in words:
        return words[value]
    return fmt_words(value)


def fmt_flag(value: object) -> str:
    """A TP53 variant flag in words (``possible_germline_tp53`` -> the genetic counselling text)."""
    return _word_of(FLAG_WORDS, value)


def fmt_origin(value: object) -> str:
    """How germline origin was judged, in words."""
    return _word_of(ORIGIN_WORDS, value)


def fmt_tp53(value: object) -> str:
    """A TP53 status in words."""
    return _word_of(TP53_WORDS, value)


def fmt_locus(gene: Mapping[str, Any] | None) -> str:
    if not (type(gene) is dict or isinstance(gene, Mapping)) or _missing(gene.get("chrom")):
        return NA
    return f"chr{gene.get('chrom')}:{fmt_int(gene.get('start'))}-{fmt_int(gene.get('end'))}"


def fmt_short_hash(value: object, n: int = 12) -> str:
    return NA if _missing(value) else str(value)[:n]


def fmt_compact(value: object) -> str:
    """A config value on one line: JSON for lists/dicts, plain for scalars."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def flatten_config(config: object, prefix: str = "") -> list[tuple[str, str]]:
    """Nested settings as ("copy_number.thresholds.default.amplified_at", "8") rows, in order.

    Lists of scalars stay on one row; the thresholds, which decide the most, come first.
    """
    if not isinstance(config, Mapping):
        return [(prefix or "config", fmt_compact(config))] if config is not None else []
    rows: list[tuple[str, str]] = []
    keys = list(config)
    keys.sort(key=lambda k: 0 if str(k) in ("copy_number", "thresholds", "tp53", "policy") else 1)
    for key in keys:
        value = config[key]
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            rows.extend(flatten_config(value, path))
        else:
            rows.append((path, fmt_compact(value)))
    return rows


def _config_table_rows(rows: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> Markup:
    """The <tr> rows of the settings table (each key and value escaped here)."""
    if not rows:
        return Markup('<tr><td class="muted">No configuration recorded.</td></tr>')
    return Markup(
        "".join(
            f'<tr><th class="mono">{escape(key)}</th><td class="mono wrap">{escape(val)}</td></tr>' for key, val in rows
        )
    )


def config_view(config: object) -> tuple[tuple[tuple[str, str], ...], Markup]:
    """``flatten_config(config)`` as a tuple, and the settings table rows (built per report: caching
    them per configuration saved 0.1 ms of a 2 ms report, not worth a cache)."""
    rows = tuple(flatten_config(config))
    return rows, _config_table_rows(rows)


# --------------------------------------------------------------------------- environment


_DICT_ATTRIBUTES = frozenset(dir(dict))


class ReportEnvironment(Environment):
    """Jinja2 environment that looks ``x.key`` up in a dict before trying an attribute.

    Reports are plain dicts, and Jinja's default tries ``getattr`` first, so nearly every
    ``r.x`` raised and caught an AttributeError (a fifth of render time). A dict instance has
    no attributes but its class's, so for any other name the result is exactly the same.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def _badge_html(style: Mapping[str, str], big: bool) -> Markup:
    return Markup(
        f'<span class="badge {escape(style["css"])}{" big" if big else ""}">'
        f"{escape(style['symbol'])} {escape(style['label'].upper())}</span>"
    )


# Badges depend only on the (constant) style of a status: built once, not per call.
_BADGES = {
    (style["css"], big): _badge_html(style, big)
    for style in (*STATUS_STYLE.values(), status_style(None))
    for big in (False, True)
}


def status_badge(status: object, big: object = False) -> Markup:
    """Status symbol and word (escaped), as the template's badge; Python, as it is called in loops."""
    style = status_style(status)
    return _BADGES.get((style["css"], bool(big))) or _badge_html(style, bool(big))


def _known_state(state: object) -> bool:
    # A state read from a hand-edited JSON report may be a list or dict, which no dict lookup takes.
    return isinstance(state, str) and state in CRITERION_STATE


def _state_cell_html(state: object) -> Markup:
    known = _known_state(state)
    symbol, word = CRITERION_STATE[state] if known else ("?", fmt_words(state))  # type: ignore[index]
    css = state if known else "unknown"
    return Markup(f'<span class="state {escape(css)}">{escape(symbol)} {escape(word)}</span>')


_STATE_CELLS = {state: _state_cell_html(state) for state in CRITERION_STATE}


def state_cell(state: object) -> Markup:
    """A criterion's state (symbol and word); unknown states are shown escaped, in words."""
    return _STATE_CELLS[state] if _known_state(state) else _state_cell_html(state)  # type: ignore[index]


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment, built once per process (template parsing is the slow part)."""
    env = ReportEnvironment(
        loader=PackageLoader("mdm2screen.report", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html", "j2", "html.j2"), default_for_string=True, default=True
        ),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the package: no need to stat them on every render / include.
        auto_reload=False,
    )
    env.filters.update(
        num=fmt_num,
        int=fmt_int,
        pct=fmt_pct,
        text=fmt_text,
        yesno=fmt_yesno,
        words=fmt_words,
        locus=fmt_locus,
        short=fmt_short_hash,
        compact=fmt_compact,
        ihc=fmt_ihc,
        flag=fmt_flag,
        origin=fmt_origin,
        tp53=fmt_tp53,
    )
    env.globals.update(
        status_style=status_style,
        STATUS_STYLE=STATUS_STYLE,
        CRITERION_STATE=CRITERION_STATE,
        TP53_WORDS=TP53_WORDS,
        TP53_STYLE=TP53_STYLE,
        NA=NA,
        status_badge=status_badge,
    )
    return env


@lru_cache(maxsize=4)
def _template(name: str):  # noqa: ANN202 - jinja2.Template
    return environment().get_template(name)


def preload_patient_template() -> None:
    """Compile the patient report template now (~45 ms): before forking workers, so they share it."""
    _template("patient.html.j2")
    _report_css()


@lru_cache(maxsize=1)
def _report_css() -> Markup:
    """The shared stylesheet (a static file of ours), rendered once instead of included per page."""
    return Markup(_template("_style.css.j2").render())


# --------------------------------------------------------------------------- view model


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _dict(value: object) -> dict[str, Any]:
    # type() first: the Mapping ABC check is slow and reports are plain dicts.
    return dict(value) if type(value) is dict or isinstance(value, Mapping) else {}


def _tally(criteria: list[Any]) -> list[tuple[str, str, int]]:
    counts = {state: 0 for state in CRITERION_STATE}
    for c in criteria:
        state = _dict(c).get("state")
        if isinstance(state, str) and _known_state(state):
            counts[state] += 1
    return [(CRITERION_STATE[s][0], CRITERION_STATE[s][1], n) for s, n in counts.items() if n]


def _event_level(event: Mapping[str, Any]) -> str:
    code = str(event.get("code", "")).lower()
    if any(
        word in code for word in ("acquired", "mutation", "lost", "loss", "discordant", "conflict", "after_treatment")
    ):
        return "danger"
    return "info"


def _sample_sort_key(sample: Mapping[str, Any]) -> tuple[int, str]:
    # Oldest first; undated samples after dated ones, in their given order (sort is stable).
    date = sample.get("collection_date")
    return (0, str(date)) if isinstance(date, str) and date else (1, "")


def _arm_view(arm: Mapping[str, Any], default_arm: object) -> dict[str, Any]:
    criteria = [_dict(c) for c in _list(arm.get("criteria"))]
    reasons = [_dict(r) for r in _list(arm.get("reasons"))]
    return {
        "arm": arm,
        "style": status_style(arm.get("status")),
        "is_default": arm.get("id") == default_arm,
        "headline": reasons[0].get("message") if reasons else None,
        "criteria": criteria,
        # (criterion, its state cell): built here rather than by a call per template row.
        "criteria_rows": [
            (
                c,
                state_cell(c.get("state")),
                [(_dict(x), state_cell(_dict(x).get("state"))) for x in _list(c.get("any_of"))],
            )
            for c in criteria
        ],
        "tally": _tally(criteria),
    }


def _confirmation_view(ihc: Mapping[str, Any]) -> dict[str, Any]:
    """The MDM2 confirmation tile: IHC, or FISH when only FISH was done; flagged when from another sample."""
    mdm2, fish = _dict(ihc.get("mdm2")), _dict(ihc.get("fish"))
    use_fish = mdm2.get("state") in (None, "absent") and fish.get("state") not in (None, "absent")
    shown, other = (fish, mdm2) if use_fish else (mdm2, fish)
    state = shown.get("state")
    other_sample = "not the decision sample" in str(shown.get("detail") or "")
    if other_sample:
        style = "unclear"
    elif state in ("positive", "amplified"):
        style = "good"
    elif state in ("negative", "not_amplified"):
        style = "bad"
    elif state in ("absent", "pending", "not_done", None):
        style = "wait"
    else:
        style = "unclear"
    return {
        "label": "MDM2 FISH" if use_fish else "MDM2 IHC",
        "state": state,
        "style": style,
        "other_sample": other_sample,
        "other": f"{'IHC' if use_fish else 'FISH'} {fmt_ihc(other.get('state'))}",
    }


def build_view(report: Mapping[str, Any], title: str) -> dict[str, Any]:
    """Everything the template needs that is more than a lookup: ordering, styles, plots."""
    arms = [_dict(a) for a in _list(report.get("arms"))]
    default_arm = report.get("default_arm") or (arms[0].get("id") if arms else None)
    arm_views = [_arm_view(a, default_arm) for a in arms]
    arm_views.sort(key=lambda v: not v["is_default"])  # default arm first, config order otherwise
    mdm2 = _dict(report.get("mdm2"))
    samples = sorted((_dict(s) for s in _list(report.get("samples"))), key=_sample_sort_key)
    genes = _dict(report.get("genes"))
    other_genes = [(name, _dict(g)) for name, g in genes.items() if str(name).upper() not in ("MDM2", "CDK4")]
    events = [dict(_dict(e), level=_event_level(_dict(e))) for e in _list(_dict(report.get("history")).get("events"))]
    tp53 = _dict(report.get("tp53"))
    variants = [_dict(v) for v in _list(tp53.get("all_variants"))]
    if not variants:  # older reports may only list the deciding variants
        variants = [_dict(v) for v in _list(tp53.get("variants"))]
    # Deciding variants first, then by position (non-numeric positions last).
    variants.sort(key=lambda v: (not v.get("decides"), _float(v.get("pos")) or math.inf))
    structural = _dict(tp53.get("structural_variants"))
    sv_rows = [_dict(x) for x in _list(structural.get("variants"))]
    sv_rows.sort(
        key=lambda x: (x.get("category") not in ("deciding", "uncertain", "germline"), _float(x.get("pos")) or math.inf)
    )
    timeline = _dict(report.get("timeline"))
    provenance = _dict(report.get("provenance"))
    profile = _dict(report.get("chr12_profile"))
    threshold = _dict(mdm2.get("threshold"))
    if _float(threshold.get("amplified_at")) is None and _float(profile.get("threshold")) is not None:
        # The profile may carry the absolute MDM2 cut-off on its own when the gene block has none.
        threshold = {"mode": "absolute", "amplified_at": profile["threshold"]}
    plot = chr12_profile_svg(profile or None, threshold=threshold, ploidy=mdm2.get("ploidy"))
    config_rows, config_table = config_view(provenance.get("config"))
    return {
        "title": title,
        "arms": arm_views,
        "confirmation": _confirmation_view(_dict(report.get("ihc"))),
        "samples": samples,
        # The decision sample's summary: where its purity and ploidy came from (shown in the gene blocks).
        "decision_summary": next((s for s in samples if s.get("used_for_decision") is True), None),
        "other_genes": other_genes,
        "events": events,
        "variants": variants,
        "deciding": [x for x in variants if x.get("decides")],
        # Possible germline TP53 and clonal haematopoiesis: called out at the top of the page and in the TP53 section.
        "tp53_flags": [_dict(f) for f in _list(tp53.get("flags"))],
        "tp53_loh": _dict(tp53.get("loh")) or None,
        "tp53_origin": _dict(tp53.get("origin")) or None,
        "structural": structural or None,
        "sv_rows": sv_rows,
        "timeline": [_dict(x) for x in _list(timeline.get("samples"))],
        "treatment_start": timeline.get("treatment_start"),
        "samples_with_errors": [s for s in samples if s.get("errors")],
        "config_rows": list(config_rows),
        "config_table": config_table,  # keys and values escaped
        "chr12_svg": Markup(plot) if plot else None,  # built by svg.py, which escapes all its text
        "has_profile_segments": bool(_list(profile.get("segments"))),
        "csp": Markup(PATIENT_CSP),  # a constant
        "style": _report_css(),
        "rendered_by": "mdm2screen " + str(provenance.get("pipeline_version") or ""),
    }


def render_patient_html(report: dict, *, title: str = DEFAULT_TITLE) -> str:
    """One self-contained HTML document for one patient report dict (schema: patient_report)."""
    view = build_view(report, title)
    return _template("patient.html.j2").render(r=report, v=view)


# --------------------------------------------------------------------------- PDF


def find_chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_args(binary: str, profile_dir: str | Path) -> list[str]:
    """Headless Chromium without network side traffic, with a throw-away profile."""
    return [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile_dir}",
    ]


def render_patient_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 120.0) -> bool:
    """Print an HTML report to PDF with headless Chromium; False when no engine is installed.

    A failing engine (crash, timeout, no output) raises RuntimeError naming the file, since a
    requested PDF that silently does not appear would look like success.
    """
    binary = find_chromium()
    if binary is None:
        return False
    html = Path(html_path).resolve()
    target = Path(pdf_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mdm2screen-chromium-") as profile:
        tmp_pdf = Path(profile) / "out.pdf"
        cmd = chromium_args(binary, Path(profile) / "profile") + [
            "--no-pdf-header-footer",
            f"--print-to-pdf={tmp_pdf}",
            html.as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"{html}: Chromium did not finish printing to PDF within {timeout:g} s") from exc
        if proc.returncode != 0 or not tmp_pdf.is_file() or tmp_pdf.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            raise RuntimeError(f"{html}: Chromium could not print to PDF (exit {proc.returncode}): {' | '.join(tail)}")
        atomic_write(target, tmp_pdf.read_bytes())
    return True
