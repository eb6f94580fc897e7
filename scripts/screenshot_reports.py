#!/usr/bin/env python3
"""Screenshot every HTML report of a results folder, for people to look at them quickly.

    python scripts/screenshot_reports.py results            # -> results/screenshots/*.png
    python scripts/screenshot_reports.py results --limit 20 --height 3000 --pdf

Takes ``OUTDIR/patients/**/*.html`` and ``OUTDIR/cohort/summary.html``; writes
``OUTDIR/screenshots/<name>.png`` (``cohort_summary.png`` for the cohort page) and, with
``--pdf``, the printed A4/Letter-ready PDF next to it. Needs Chromium (``apt-get install
chromium``); it runs headless with a throw-away profile and no background network traffic.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mdm2screen.report.html import chromium_args, find_chromium, render_patient_pdf


def collect(outdir: Path, limit: int | None) -> list[tuple[str, Path]]:
    """(output name, HTML path) pairs: the cohort page first, then patients sorted by name."""
    pages: list[tuple[str, Path]] = []
    summary = outdir / "cohort" / "summary.html"
    if summary.is_file():
        pages.append(("cohort_summary", summary))
    patients = sorted((outdir / "patients").rglob("*.html")) if (outdir / "patients").is_dir() else []
    if limit is not None:
        patients = patients[:limit]
    pages.extend((p.stem, p) for p in patients)
    return pages


def screenshot(binary: str, html: Path, png: Path, width: int, height: int, timeout: float) -> str | None:
    """Take one screenshot; return an error sentence, or None on success."""
    with tempfile.TemporaryDirectory(prefix="mdm2screen-shot-") as profile:
        cmd = chromium_args(binary, profile) + [
            "--hide-scrollbars", f"--window-size={width},{height}", f"--screenshot={png}", html.resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return f"{html}: Chromium timed out after {timeout:g} s"
    if proc.returncode != 0 or not png.is_file() or png.stat().st_size == 0:
        tail = " | ".join((proc.stderr or "").strip().splitlines()[-2:])
        return f"{html}: no screenshot (Chromium exit {proc.returncode}): {tail}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path, help="results folder (holds patients/ and cohort/)")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=2400, help="window height; the screenshot is this tall")
    parser.add_argument("--limit", type=int, default=None, help="at most this many patient reports")
    parser.add_argument("--jobs", type=int, default=4, help="Chromium processes at once")
    parser.add_argument("--pdf", action="store_true", help="also print each page to PDF")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)

    binary = find_chromium()
    if binary is None:
        print("Chromium is not installed (apt-get install --no-install-recommends chromium); nothing done.",
              file=sys.stderr)
        return 2
    pages = collect(args.outdir, args.limit)
    if not pages:
        print(f"{args.outdir}: no patients/*.html and no cohort/summary.html found", file=sys.stderr)
        return 1
    target = args.outdir / "screenshots"
    target.mkdir(parents=True, exist_ok=True)

    def one(item: tuple[str, Path]) -> str | None:
        name, html = item
        error = screenshot(binary, html, target / f"{name}.png", args.width, args.height, args.timeout)
        if error is None and args.pdf:
            try:
                render_patient_pdf(html, target / f"{name}.pdf", timeout=args.timeout)
            except RuntimeError as exc:
                error = str(exc)
        return error

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        errors = [e for e in pool.map(one, pages) if e]
    for error in errors:
        print(error, file=sys.stderr)
    print(f"{len(pages) - len(errors)} of {len(pages)} page(s) captured in {target}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
