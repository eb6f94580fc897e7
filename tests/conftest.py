"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "resources" / "demo"
TESTS = Path(__file__).resolve().parent

# Real result files of public projects, each kept once: in resources/demo/data/<source>/ when the
# demo uses it, otherwise under tests/data/ (sources and licences: resources/demo/README.md,
# tests/data/cn/README.md, tests/data/variants/README.md). A source constant finds a file in
# whichever of its folders holds it: ``CNVKIT / "tr95t.cns"`` is the demo's copy.
DEMO_DATA = DEMO / "data"
TEST_DATA = TESTS / "data"
CN_DATA = TEST_DATA / "cn"
VARIANT_DATA = TEST_DATA / "variants"
CORPUS_BASE = TESTS / "corpus" / "base"  # what tests/corpus/make_corpus.py builds the corpus from


class SourceFiles:
    """The files copied from one public repository, spread over folders (each file in one of them)."""

    def __init__(self, *folders: Path) -> None:
        self.folders = folders

    def __truediv__(self, name: str) -> Path:
        for folder in self.folders:
            if (folder / name).exists():
                return folder / name
        return self.folders[-1] / name  # a missing file: the path a test expects not to exist

    def __eq__(self, other: object) -> bool:  # ``path.parent == GPGR``: the path is in one of the folders
        if isinstance(other, SourceFiles):
            return self.folders == other.folders
        return isinstance(other, Path) and other in self.folders

    def __hash__(self) -> int:
        return hash(self.folders)

    def __repr__(self) -> str:
        return f"SourceFiles({', '.join(map(str, self.folders))})"


CNVKIT = SourceFiles(DEMO_DATA / "etal_cnvkit", CN_DATA / "etal_cnvkit")
LACHESIS = SourceFiles(
    DEMO_DATA / "VerenaK90_LACHESIS", CN_DATA / "VerenaK90_LACHESIS", VARIANT_DATA / "VerenaK90_LACHESIS"
)
HMF = SourceFiles(DEMO_DATA / "hartwigmedical_hmftools", CN_DATA / "hartwigmedical_hmftools")
GPGR = SourceFiles(DEMO_DATA / "umccr_gpgr", CN_DATA / "umccr_gpgr", VARIANT_DATA / "umccr_gpgr")
PCGR = SourceFiles(DEMO_DATA / "sigven_pcgr", CN_DATA / "sigven_pcgr", VARIANT_DATA / "sigven_pcgr")
PHYLOFLOW = SourceFiles(DEMO_DATA / "ncsa_phyloflow", VARIANT_DATA / "ncsa_phyloflow")
RTCGA = SourceFiles(CN_DATA / "RTCGA_gbmlgg", VARIANT_DATA / "RTCGA_gbmlgg")
RTCGA_SEG = RTCGA / "GBMLGG.snp6.minus_germline_cnv.hg19.subset.seg"
RTCGA_MAF = RTCGA / "GBMLGG.mutations.subset.maf.gz"
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


# Modules whose tests are all marked slow: they run Snakemake, screen the whole bad-input corpus,
# drive a browser, run a benchmark or install the package. `pytest -m "not slow"` is the rest
# (under a minute on 2 cores); `pytest` runs everything.
SLOW_MODULES = {
    "test_workflow": "Snakemake on the demo cohort",
    "test_rerun_after_kill": "kills Snakemake and reruns it",
    "test_slurm": "Snakemake on a local Slurm",
    "test_hardening": "Snakemake and the CLI on hostile inputs",
    "test_checkout_location": "the test suite and the demo from a fresh clone",
    "test_corpus": "the bad-input corpus, in-process and through Snakemake",
    "test_report_browser": "Chromium",
    "test_benchmark_smoke": "the benchmark",
    "test_installed_package": "pip install into a new environment",
    "test_runlog_workflow": "Snakemake on a small cohort, checking its logs",
    "test_workflow_deploy": "Snakemake on a deployed copy",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.stem in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def write_tsv(tmp_path):
    """Write rows (first row = header) as a TSV in tmp_path and return its path."""

    def _write(name: str, rows: list[list[str]]) -> Path:
        path = tmp_path / name
        path.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows))
        return path

    return _write
