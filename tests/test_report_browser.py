"""Render reports in a real browser (headless Chromium): screenshot and print to PDF.

Skipped, with the reason, when Chromium is not installed
(``apt-get install -y --no-install-recommends chromium``).
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import report_fixtures as rf

from mdm2screen.paths import repo_path
from mdm2screen.report import render_patient_html, render_patient_pdf, summary_row, write_cohort_summary
from mdm2screen.report.html import chromium_args

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def need_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed: apt-get install -y --no-install-recommends chromium")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_screenshot_and_pdf_of_a_patient_report(tmp_path: Path) -> None:
    page = tmp_path / "PT-0005.html"
    page.write_text(render_patient_html(rf.two_sample_report()), encoding="utf-8")
    png = tmp_path / "PT-0005.png"
    cmd = chromium_args(str(CHROMIUM), tmp_path / "profile") + [
        f"--screenshot={png}", "--window-size=1200,2000", page.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert png.is_file()
    assert _png_size(png) == (1200, 2000)
    # A blank page compresses to a few kB; a rendered report with tables and a plot does not.
    assert png.stat().st_size > 60_000

    pdf = tmp_path / "PT-0005.pdf"
    assert render_patient_pdf(page, pdf) is True
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 20_000
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2  # several printed pages


@pytest.mark.parametrize("builder", [rf.hostile_report, rf.two_sample_report])
def test_nothing_overflows_a_printed_a4_page(builder, tmp_path: Path) -> None:
    """Print styles at the A4 content width (210 mm - 2 x 11 mm margins = 711 CSS px): no sideways overflow.

    A copy of the page gets the print rules applied on screen and a one-line probe script
    (the real page forbids scripts by its CSP, so the copy drops that meta tag).
    """
    page = render_patient_html(builder())
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page).replace("@media print", "@media all")
    probe = ('<script>document.body.setAttribute("data-overflow", String(document.documentElement.scrollWidth'
             " - document.documentElement.clientWidth));</script></body>")
    path = tmp_path / "probe.html"
    path.write_text(page.replace("</body>", probe), encoding="utf-8")
    cmd = chromium_args(str(CHROMIUM), tmp_path / "profile") + ["--window-size=711,1000", "--dump-dom", path.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = re.findall(r'data-overflow="(-?\d+)"', proc.stdout)
    assert found == ["0"], f"page is {found} px wider than an A4 print column"


def test_screenshot_script_covers_patients_and_cohort(tmp_path: Path) -> None:
    reports = [rf.eligible_report(), rf.hostile_report()]
    for report in reports:
        path = tmp_path / "patients" / f"{report['patient_id']}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_patient_html(report), encoding="utf-8")
    write_cohort_summary([summary_row(r) for r in reports], tmp_path, title="t", arms=rf.ARMS)
    script = repo_path("scripts", "screenshot_reports.py")
    proc = subprocess.run([sys.executable, str(script), str(tmp_path), "--height", "1200", "--jobs", "3"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    shots = sorted(p.name for p in (tmp_path / "screenshots").glob("*.png"))
    assert shots == ["PT-0001.png", "PT-0006.png", "cohort_summary.png"]
    for name in shots:
        assert _png_size(tmp_path / "screenshots" / name) == (1200, 1200)
    assert "3 of 3 page(s) captured" in proc.stdout
