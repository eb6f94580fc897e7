"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "resources" / "demo"

# Real copy-number files by source (copies with licences: tests/data/cn/README.md).
CN_DATA = Path(__file__).parent / "data" / "cn"
CNVKIT = CN_DATA / "etal_cnvkit"
LACHESIS = CN_DATA / "VerenaK90_LACHESIS"
HMF = CN_DATA / "hartwigmedical_hmftools"
GPGR = CN_DATA / "umccr_gpgr"
PCGR = CN_DATA / "sigven_pcgr"
RTCGA_SEG = CN_DATA / "RTCGA_gbmlgg" / "GBMLGG.snp6.minus_germline_cnv.hg19.subset.seg"
VCFSTUFF = CN_DATA / "umccr_vcf_stuff"
SPEC = CN_DATA / "spec"  # files built to a caller's documentation (build_spec_files.py)
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
