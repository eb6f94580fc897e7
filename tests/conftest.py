"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "resources" / "demo"


@pytest.fixture
def write_tsv(tmp_path):
    """Write rows (first row = header) as a TSV in tmp_path and return its path."""

    def _write(name: str, rows: list[list[str]]) -> Path:
        path = tmp_path / name
        path.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows))
        return path

    return _write
