"""Hand-written SVG plots for the reports.

Written by hand rather than with matplotlib so that one patient's plot costs well under a
millisecond (10,000 reports must render in seconds) and so that every piece of text that
comes from the input goes through :func:`markupsafe.escape`. Inline SVG in HTML5 needs no
``xmlns``; the standalone files get it (the only URL the reports ever contain is that
namespace name, and only in the separate ``.svg`` files).
"""

from __future__ import annotations

import functools
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import escape

SVG_NS = "http://www.w3.org/2000/svg"

# Status words, colours and symbols: every colour is paired with a word and a symbol so that
# nothing depends on colour alone (colour-blind readers, grey-scale print).
STATUS_ORDER = ("ELIGIBLE", "PENDING_CONFIRMATION", "INDETERMINATE", "NOT_ELIGIBLE")
STATUS_STYLE: dict[str, dict[str, str]] = {
    "ELIGIBLE": {"label": "Eligible", "symbol": "\u2713", "fg": "#ffffff", "bg": "#1b7a3a", "css": "eligible"},
    "NOT_ELIGIBLE": {
        "label": "Not eligible", "symbol": "\u2717", "fg": "#ffffff", "bg": "#b3261e", "css": "not-eligible",
    },
    "PENDING_CONFIRMATION": {
        "label": "Pending confirmation", "symbol": "\u25d4", "fg": "#2b1d00", "bg": "#f0a81c", "css": "pending",
    },
    "INDETERMINATE": {
        "label": "Indeterminate", "symbol": "?", "fg": "#ffffff", "bg": "#5e4b8b", "css": "indeterminate",
    },
}
UNKNOWN_STATUS = {"label": "Unknown status", "symbol": "?", "fg": "#ffffff", "bg": "#5f6368", "css": "unknown"}

TP53_ORDER = ("wild_type", "mutated", "not_assessable", "NA")
TP53_STYLE: dict[str, dict[str, str]] = {
    "wild_type": {"label": "TP53 wild type", "colour": "#1f6fb2", "shape": "circle"},
    "mutated": {"label": "TP53 mutated", "colour": "#c2410c", "shape": "square"},
    "not_assessable": {"label": "TP53 not assessable", "colour": "#6b5b95", "shape": "diamond"},
    "NA": {"label": "TP53 not reported", "colour": "#7a7a7a", "shape": "diamond"},
}

_AMP_COLOUR = "#b3261e"
_GAIN_COLOUR = "#b26a00"
_NEUTRAL_COLOUR = "#3c4a5c"
_FONT = "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\""


def status_style(status: object) -> dict[str, str]:
    return STATUS_STYLE.get(str(status), UNKNOWN_STATUS)


def _num(value: float) -> str:
    """Compact coordinate: two decimals at most, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _as_float(value: object) -> float | None:
    """A finite float, or None for None / NA / non-numbers (never raises)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _fmt_cn(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value < 100 else f"{value:.0f}"


def _open_svg(width: int, height: int, label: str, standalone: bool, css_class: str) -> list[str]:
    ns = f' xmlns="{SVG_NS}"' if standalone else ""
    return [
        f'<svg{ns} class="{css_class}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}" {_FONT} font-size="11">',
        f"<title>{escape(label)}</title>",
    ]


# --------------------------------------------------------------------------- thresholds


def threshold_in_copies(threshold: Mapping[str, Any] | None,
                        ploidy: object = None) -> tuple[float | None, float | None, str]:
    """The amplification (and gain) threshold on the absolute copy-number axis, with a label.

    ``relative_ploidy`` needs the ploidy; ``log2`` and ``fold_change`` are converted for a
    diploid reference (CN = 2 * 2**log2, CN = 2 * fold change) and say so in the label.
    Returns (None, None, why) when the threshold cannot be placed on that axis.
    """
    if not threshold:
        return None, None, "no threshold in the report"
    mode = str(threshold.get("mode") or "absolute")
    amp = _as_float(threshold.get("amplified_at"))
    gain = _as_float(threshold.get("gain_at"))
    if amp is None:
        return None, None, "no amplification threshold in the report"
    if mode == "absolute":
        return amp, gain, f"amplified \u2265 {_fmt_cn(amp)} copies"
    if mode == "relative_ploidy":
        p = _as_float(ploidy)
        if p is None or p <= 0:
            return None, None, f"amplified \u2265 {_fmt_cn(amp)} \u00d7 ploidy (ploidy unknown: line not drawn)"
        g = gain * p if gain is not None else None
        return amp * p, g, f"amplified \u2265 {_fmt_cn(amp)} \u00d7 ploidy {_fmt_cn(p)} = {_fmt_cn(amp * p)} copies"
    if mode == "log2":
        g = 2 * 2**gain if gain is not None else None
        copies = 2 * 2**amp
        return copies, g, f"amplified at log2 \u2265 {_fmt_cn(amp)} (\u2248 {_fmt_cn(copies)} copies if diploid)"
    if mode == "fold_change":
        g = 2 * gain if gain is not None else None
        copies = 2 * amp
        return copies, g, f"amplified at fold change \u2265 {_fmt_cn(amp)} (\u2248 {_fmt_cn(copies)} copies if diploid)"
    return None, None, f"threshold mode {mode!r} cannot be drawn on a copy-number axis"


# --------------------------------------------------------------------------- log2 axis helpers


class _LogAxis:
    """Vertical copy-number axis on a log2 scale, clamped at ``low``."""

    def __init__(self, top: float, bottom: float, low: float, high: float) -> None:
        self.top, self.bottom = top, bottom
        self.lo = math.log2(low)
        self.hi = math.log2(high)

    def y(self, value: float) -> float:
        v = min(max(value, 2**self.lo), 2**self.hi)
        frac = (math.log2(v) - self.lo) / (self.hi - self.lo)
        return self.bottom - frac * (self.bottom - self.top)

    def ticks(self) -> list[float]:
        return [2.0**e for e in range(math.ceil(self.lo), math.floor(self.hi) + 1)]


def _axis_range(values: Iterable[float], extra: Iterable[float | None]) -> tuple[float, float]:
    top = max([4.0, *values, *(x for x in extra if x is not None)])
    high = 2.0 ** math.ceil(math.log2(top * 1.25))
    return 0.5, min(high, 2.0**12)


def _y_axis(out: list[str], axis: _LogAxis, left: float, right: float, label: str) -> None:
    for tick in axis.ticks():
        y = _num(axis.y(tick))
        out.append(f'<line x1="{_num(left)}" x2="{_num(right)}" y1="{y}" y2="{y}" stroke="#e3e6ea" stroke-width="1"/>')
        out.append(f'<text x="{_num(left - 5)}" y="{y}" text-anchor="end" dominant-baseline="middle" '
                   f'fill="#3c4043">{escape(_fmt_cn(tick))}</text>')
    mid = _num((axis.top + axis.bottom) / 2)
    out.append(f'<text transform="translate(12 {mid}) rotate(-90)" text-anchor="middle" fill="#3c4043">'
               f"{escape(label)}</text>")


def _threshold_lines(out: list[str], axis: _LogAxis, left: float, right: float, amp: float | None,
                     gain: float | None) -> None:
    if gain is not None and amp is not None and gain < amp:
        y = _num(axis.y(gain))
        out.append(f'<line x1="{_num(left)}" x2="{_num(right)}" y1="{y}" y2="{y}" stroke="{_GAIN_COLOUR}" '
                   'stroke-width="1.2" stroke-dasharray="2 3"/>')
    if amp is not None:
        y = _num(axis.y(amp))
        out.append(f'<line x1="{_num(left)}" x2="{_num(right)}" y1="{y}" y2="{y}" stroke="{_AMP_COLOUR}" '
                   'stroke-width="1.5" stroke-dasharray="7 4"/>')


def _legend(out: list[str], items: list[tuple[str, str]], x: float, y: float) -> None:
    """One row of legend entries; each is (SVG sample drawn at 0,0 .. 22,0, label)."""
    for sample, label in items:
        out.append(f'<g transform="translate({_num(x)} {_num(y)})">{sample}</g>')
        out.append(f'<text x="{_num(x + 27)}" y="{_num(y + 4)}" fill="#3c4043">{escape(label)}</text>')
        x += 40 + 6.3 * len(label)


def _threshold_legend(amp: float | None, gain: float | None, label: str) -> list[tuple[str, str]]:
    items = []
    if amp is not None:
        items.append((f'<line x1="0" x2="22" y1="0" y2="0" stroke="{_AMP_COLOUR}" stroke-width="1.5" '
                      'stroke-dasharray="7 4"/>', label))
    if gain is not None and amp is not None and gain < amp:
        items.append((f'<line x1="0" x2="22" y1="0" y2="0" stroke="{_GAIN_COLOUR}" stroke-width="1.2" '
                      'stroke-dasharray="2 3"/>', f"gain \u2265 {_fmt_cn(gain)}"))
    return items


# --------------------------------------------------------------------------- chromosome 12 profile


def _mb(value: float) -> str:
    return f"{value / 1e6:.0f}" if abs(value) >= 1e6 else f"{value / 1e6:.1f}"


def _x_step(span: float) -> float:
    raw = span / 8
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power


def _place_labels(items: list[tuple[float, str]], min_gap: float, max_rows: int) -> list[int]:
    """Greedy row assignment so gene labels at nearby positions do not overlap.

    Opens a new row when a label fits in none of the existing ones (up to ``max_rows``;
    beyond that the row with the most room is reused).
    """
    last_end: list[float] = []
    assigned = []
    for x, text in items:
        width = 6.8 * len(text) + 4
        row = next((r for r in range(len(last_end)) if x - width / 2 >= last_end[r] + min_gap), None)
        if row is None and len(last_end) < max_rows:
            last_end.append(-1e9)
            row = len(last_end) - 1
        if row is None:
            row = min(range(len(last_end)), key=lambda r: last_end[r])
        last_end[row] = x + width / 2
        assigned.append(row)
    return assigned


def _memo(func):  # noqa: ANN001, ANN202 - a decorator
    """Cache a pure builder by ``repr`` of its arguments (floats, strings and tuples of them).

    ``repr`` rather than ``==``: 0.0 and -0.0, or 1 and 1.0, compare equal but may print
    differently, so they must not share an entry. Bounded: emptied when full.
    """
    cache: dict[str, Any] = {}

    @functools.wraps(func)
    def cached(*args):  # noqa: ANN002, ANN202
        key = repr(args)
        try:
            return cache[key]
        except KeyError:
            pass
        value = func(*args)
        if len(cache) >= 256:
            cache.clear()
        cache[key] = value
        return value

    return cached


def chr12_profile_svg(profile: Mapping[str, Any] | None, *, threshold: Mapping[str, Any] | None = None,
                      ploidy: object = None, highlight: Sequence[str] = ("MDM2", "CDK4"), width: int = 760,
                      height: int = 270) -> str | None:
    """Copy number along chromosome 12 around CDK4 and MDM2, or None when there is no profile.

    ``profile`` is the report's ``chr12_profile`` ({build, window, segments, genes}); segments
    without an absolute copy number are skipped and counted in the caption. The threshold is
    drawn as a dashed line, gene positions as shaded bands labelled above the plot.
    """
    if not profile:
        return None
    segments = []
    skipped = 0
    for seg in profile.get("segments") or []:
        start, end, cn = _as_float(seg.get("start")), _as_float(seg.get("end")), _as_float(seg.get("copy_number"))
        if start is None or end is None or cn is None or end < start:
            skipped += 1
            continue
        segments.append((start, end, max(cn, 0.0)))
    genes = []
    for g in profile.get("genes") or []:
        start, end = _as_float(g.get("start")), _as_float(g.get("end"))
        if start is not None and end is not None:
            genes.append((start, end, str(g.get("gene") or "?")))
    window = profile.get("window") or []
    lo = _as_float(window[0]) if len(window) == 2 else None
    hi = _as_float(window[1]) if len(window) == 2 else None
    if lo is None or hi is None or hi <= lo:
        points = [x for seg in segments for x in (seg[0], seg[1])] + [x for g in genes for x in g[:2]]
        lo, hi = (min(points), max(points)) if points else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
    amp, gain, thr_label = threshold_in_copies(threshold, ploidy)
    left, right = 52.0, width - 14.0
    low, high = _axis_range((s[2] for s in segments), (amp, gain))
    # Everything drawn before the segments depends on the window, genes, threshold and axis
    # range only, which most patients of a run share: it is built once per distinct set.
    frame, top, bottom, _ = _chr12_frame(width, height, lo, hi, low, high, tuple(genes), tuple(highlight),
                                         amp, gain, thr_label, str(profile.get("build") or ""))
    axis = _LogAxis(top, bottom, low, high)
    out = [frame]
    for start, end, cn in segments:
        if end < lo or start > hi:
            continue
        colour = _AMP_COLOUR if amp is not None and cn >= amp else (
            _GAIN_COLOUR if gain is not None and cn >= gain else _NEUTRAL_COLOUR)
        x0, x1 = _x_of(start, lo, hi, left, right), _x_of(end, lo, hi, left, right)
        y = _num(axis.y(cn))
        out.append(f'<line x1="{_num(x0)}" x2="{_num(max(x1, x0 + 1.5))}" y1="{y}" y2="{y}" stroke="{colour}" '
                   f'stroke-width="3.5" stroke-linecap="butt"><title>{escape(_mb(start))}\u2013{escape(_mb(end))} Mb: '
                   f"{escape(_fmt_cn(cn))} copies</title></line>")
    if not segments:
        out.append(f'<text x="{_num((left + right) / 2)}" y="{_num((top + bottom) / 2)}" text-anchor="middle" '
                   'fill="#5f6368" font-size="13">no copy-number segments in this window</text>')
    if amp is None:
        out.append(f'<text x="{_num(left + 6)}" y="{_num(top + 14)}" fill="#5f6368">{escape(thr_label)}</text>')
    if skipped:
        out.append(f'<text x="{_num(left + 6)}" y="{_num(bottom - 6)}" fill="#5f6368">{skipped} segment(s) without an '
                   "absolute copy number not drawn</text>")
    out.append("</svg>")
    return "".join(out)


def _x_of(pos: float, lo: float, hi: float, left: float, right: float) -> float:
    return left + (min(max(pos, lo), hi) - lo) / (hi - lo) * (right - left)


@_memo
def _chr12_frame(width: int, height: int, lo: float, hi: float, low: float, high: float,
                 genes: tuple[tuple[float, float, str], ...], highlight: tuple[str, ...], amp: float | None,
                 gain: float | None, thr_label: str, build: str) -> tuple[str, float, float, int]:
    """The chr12 plot up to its segments: (svg text, plot top, plot bottom, final height)."""
    left, right = 52.0, width - 14.0

    def x_of(pos: float) -> float:
        return _x_of(pos, lo, hi, left, right)

    # Gene labels sit above the plot in as many rows as they need; the plot starts below them.
    visible = sorted((g for g in genes if g[1] >= lo and g[0] <= hi), key=lambda g: g[0])
    label_rows = _place_labels([((x_of(g[0]) + x_of(g[1])) / 2, g[2]) for g in visible], 4, 5)
    n_rows = max(label_rows, default=0) + 1
    top = 34.0 + 14 * n_rows
    height += int(14 * (n_rows - 2)) if n_rows > 2 else 0
    bottom = height - 34.0
    axis = _LogAxis(top, bottom, low, high)

    summary = f"Chromosome 12 copy number, {_mb(lo)}\u2013{_mb(hi)} Mb{f' ({build})' if build else ''}"
    out = _open_svg(width, height, summary, False, "plot plot-chr12")
    out.append(f'<rect x="{_num(left)}" y="{_num(top)}" width="{_num(right - left)}" height="{_num(bottom - top)}" '
               'fill="#fbfbfc" stroke="#c9ced6"/>')
    _y_axis(out, axis, left, right, "copy number (log scale)")
    step = _x_step(hi - lo)
    tick = math.ceil(lo / step) * step
    while tick <= hi:
        x = _num(x_of(tick))
        out.append(f'<line x1="{x}" x2="{x}" y1="{_num(bottom)}" y2="{_num(bottom + 4)}" stroke="#5f6368"/>')
        out.append(f'<text x="{x}" y="{_num(bottom + 16)}" text-anchor="middle" fill="#3c4043">'
                   f"{escape(_mb(tick))}</text>")
        tick += step
    out.append(f'<text x="{_num((left + right) / 2)}" y="{_num(height - 4)}" text-anchor="middle" fill="#3c4043">'
               f"chromosome 12 position (Mb){escape(f', {build}' if build else '')}</text>")
    # Gene bands first, so segments are drawn over them.
    for (start, end, name), row in zip(visible, label_rows, strict=True):
        x0, x1 = x_of(start), x_of(end)
        key = name.upper() in {h.upper() for h in highlight}
        w = max(x1 - x0, 2.5)
        fill = "#f6c344" if key else "#c9d3e0"
        out.append(f'<rect x="{_num(x0)}" y="{_num(top)}" width="{_num(w)}" height="{_num(bottom - top)}" '
                   f'fill="{fill}" fill-opacity="{"0.55" if key else "0.5"}"/>')
        cx = (x0 + x1) / 2
        ly = top - 8 - row * 14
        out.append(f'<line x1="{_num(cx)}" x2="{_num(cx)}" y1="{_num(ly + 2)}" y2="{_num(top)}" stroke="#9aa0a6" '
                   'stroke-width="0.8"/>')
        weight = ' font-weight="bold" fill="#202124"' if key else ' fill="#5f6368"'
        out.append(f'<text x="{_num(cx)}" y="{_num(ly)}" text-anchor="middle" font-style="italic"{weight}>'
                   f"{escape(name)}</text>")
    _threshold_lines(out, axis, left, right, amp, gain)
    legend = _threshold_legend(amp, gain, thr_label)
    legend.append((f'<line x1="0" x2="22" y1="0" y2="0" stroke="{_NEUTRAL_COLOUR}" stroke-width="3.5"/>', "segment"))
    legend.append(('<rect x="7" y="-6" width="8" height="12" fill="#f6c344" fill-opacity="0.55"/>', "gene"))
    _legend(out, legend, left, 12)
    return "".join(out), top, bottom, height


# --------------------------------------------------------------------------- cohort plots


def status_counts_svg(counts: Mapping[str, Mapping[str, int]], titles: Mapping[str, str], *,
                      standalone: bool = False, width: int = 760) -> str:
    """Horizontal stacked bars: patients per status in each arm, counts written on the bars."""
    arms = list(counts)
    bar_h, gap, top, left, right = 26, 30, 40, 16.0, width - 16.0
    height = top + len(arms) * (bar_h + gap) + 30
    out = _open_svg(width, height, "Patients per status in each trial arm", standalone, "plot plot-status")
    # Legend: symbol + word + swatch.
    x = left
    for status in STATUS_ORDER:
        st = STATUS_STYLE[status]
        out.append(f'<rect x="{_num(x)}" y="10" width="14" height="14" fill="{st["bg"]}"/>')
        text = f"{st['symbol']} {st['label']}"
        out.append(f'<text x="{_num(x + 19)}" y="21" fill="#202124">{escape(text)}</text>')
        x += 32 + 6.6 * len(text)
    y = top
    for arm in arms:
        row = counts[arm]
        total = sum(row.values())
        out.append(f'<text x="{_num(left)}" y="{y + 12}" fill="#202124" font-weight="bold">'
                   f"{escape(titles.get(arm, arm))} ({total} patients)</text>")
        y += 16
        x = left
        order = [s for s in STATUS_ORDER if row.get(s)] + sorted(s for s in row if s not in STATUS_ORDER and row[s])
        for status in order:
            n = row[status]
            w = (right - left) * n / total if total else 0
            st = status_style(status)
            out.append(f'<rect x="{_num(x)}" y="{y}" width="{_num(w)}" height="{bar_h}" fill="{st["bg"]}">'
                       f"<title>{escape(st['label'])}: {n}</title></rect>")
            label = f"{st['symbol']} {n}"
            if w >= 7 * len(label) + 6:
                out.append(f'<text x="{_num(x + w / 2)}" y="{y + bar_h / 2 + 4}" text-anchor="middle" '
                           f'fill="{st["fg"]}" font-weight="bold">{escape(label)}</text>')
            x += w
        if not total:
            out.append(f'<text x="{_num(left)}" y="{y + 17}" fill="#5f6368">no patients</text>')
        y += bar_h + gap - 16
    out.append("</svg>")
    return "".join(out)


def _marker(shape: str, x: float, y: float, r: float, colour: str) -> str:
    if shape == "square":
        return (f'<rect x="{_num(x - r)}" y="{_num(y - r)}" width="{_num(2 * r)}" height="{_num(2 * r)}" '
                f'fill="{colour}"/>')
    if shape == "diamond":
        return (f'<path d="M{_num(x)} {_num(y - r * 1.3)}L{_num(x + r * 1.3)} {_num(y)}L{_num(x)} {_num(y + r * 1.3)}'
                f'L{_num(x - r * 1.3)} {_num(y)}Z" fill="{colour}"/>')
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" fill="{colour}"/>'


def cn_by_tp53_svg(points: Sequence[tuple[str, float, str]], *, threshold: Mapping[str, Any] | None = None,
                   n_missing: int = 0, standalone: bool = False, width: int = 760, height: int = 340) -> str:
    """MDM2 copy number per patient, one column per TP53 status (colour, marker shape and label).

    ``points`` are (patient_id, copy_number, tp53_status). Horizontal jitter is derived from
    the patient ID (CRC32), so the same cohort always gives the same picture. Above 2,000
    points the per-point tooltips are left out to keep the file small.
    """
    amp, gain, thr_label = threshold_in_copies(threshold)
    if not threshold:
        thr_label = "amplification threshold not given: no threshold line"
    left, right, top, bottom = 56.0, width - 16.0, 28.0, height - 48.0
    low, high = _axis_range((p[1] for p in points), (amp, gain))
    axis = _LogAxis(top, bottom, low, high)
    label = f"MDM2 copy number by TP53 status ({len(points)} patients plotted)"
    out = _open_svg(width, height, label, standalone, "plot plot-cohort")
    out.append(f'<rect x="{_num(left)}" y="{_num(top)}" width="{_num(right - left)}" height="{_num(bottom - top)}" '
               'fill="#fbfbfc" stroke="#c9ced6"/>')
    _y_axis(out, axis, left, right, "MDM2 copy number (log scale)")
    _threshold_lines(out, axis, left, right, amp, gain)
    _legend(out, _threshold_legend(amp, gain, thr_label), left, 12)
    groups: dict[str, list[tuple[str, float]]] = {k: [] for k in TP53_ORDER}
    for pid, cn, status in points:
        groups[status if status in TP53_STYLE else "NA"].append((pid, cn))
    shown = [g for g in TP53_ORDER if groups[g]] or ["wild_type", "mutated", "not_assessable"]
    col_w = (right - left) / len(shown)
    tooltips = len(points) <= 2000
    radius = 3.2 if len(points) <= 500 else (2.2 if len(points) <= 3000 else 1.6)
    for i, g in enumerate(shown):
        st = TP53_STYLE[g]
        cx = left + col_w * (i + 0.5)
        spread = col_w * 0.36
        out.append(f'<g fill-opacity="0.7"><title>{escape(st["label"])}</title>')
        for pid, cn in groups[g]:
            jitter = (zlib.crc32(pid.encode("utf-8", "replace")) % 10007) / 10006 - 0.5
            x, y = cx + jitter * 2 * spread, axis.y(max(cn, 0.0))
            mark = _marker(st["shape"], x, y, radius, st["colour"])
            if tooltips:
                mark = mark.replace("/>", f"><title>{escape(pid)}: {escape(_fmt_cn(cn))}</title></{_tag(mark)}>", 1)
            out.append(mark)
        out.append("</g>")
        above = sum(1 for _, cn in groups[g] if amp is not None and cn >= amp)
        caption = f"{st['label']} (n={len(groups[g])})"
        out.append(_marker(st["shape"], cx - 3.4 * len(caption) - 8, bottom + 16, 4, st["colour"]))
        out.append(f'<text x="{_num(cx)}" y="{_num(bottom + 20)}" text-anchor="middle" fill="#202124">'
                   f"{escape(caption)}</text>")
        if amp is not None:
            out.append(f'<text x="{_num(cx)}" y="{_num(bottom + 34)}" text-anchor="middle" fill="#5f6368" '
                       f'font-size="10">{above} at or above the threshold</text>')
    if amp is None:
        out.append(f'<text x="{_num(left + 6)}" y="{_num(top + 14)}" fill="#5f6368">{escape(thr_label)}</text>')
    if n_missing:
        out.append(f'<text x="{_num(right)}" y="{_num(height - 2)}" text-anchor="end" fill="#5f6368" font-size="10">'
                   f"{n_missing} patient(s) without an MDM2 copy number are not plotted</text>")
    out.append("</svg>")
    return "".join(out)


def _tag(mark: str) -> str:
    return mark[1 : mark.index(" ")]
