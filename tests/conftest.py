"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "resources" / "demo"
# Expected status of every demo patient in the default arm (resources/demo/README.md).
DEMO_STATUSES = {
    "DEMO-01": "ELIGIBLE",
    "DEMO-02": "NOT_ELIGIBLE",
    "DEMO-03": "NOT_ELIGIBLE",
    "DEMO-04": "NOT_ELIGIBLE",
    "DEMO-05": "PENDING_CONFIRMATION",
    "DEMO-06": "INDETERMINATE",
    "DEMO-07": "NOT_ELIGIBLE",
    "DEMO-08": "ELIGIBLE",
    "DEMO-09": "INDETERMINATE",
    "DEMO-10": "ELIGIBLE",
    "DEMO-11": "INDETERMINATE",
    "DEMO-12": "NOT_ELIGIBLE",
}


@pytest.fixture
def write_tsv(tmp_path):
    """Write rows (first row = header) as a TSV in tmp_path and return its path."""

    def _write(name: str, rows: list[list[str]]) -> Path:
        path = tmp_path / name
        path.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows))
        return path

    return _write
