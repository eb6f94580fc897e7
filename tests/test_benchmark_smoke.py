"""Smoke test of the performance benchmark (benchmarks/): a tiny end-to-end run, no timing assertions.

One run of ``benchmarks/run_benchmark.py --sizes 10`` on a temporary folder: cohort generator,
Snakemake workflow (dry run, full run, no-op, run after adding samples), ``mdm2screen nightly``,
the floor (bcftools or pysam's bundled bcftools) and a tiny shared-file cohort. The tests check
the output table's rows and columns, and that every generated file parses with mdm2screen's own
readers and says what the generator meant it to say.
"""

from __future__ import annotations

import csv
import filecmp
import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

BENCH = REPO / "benchmarks"
sys.path.insert(0, str(BENCH))

import make_cohort  # noqa: E402 - benchmarks/ is not a package
import run_benchmark  # noqa: E402

from mdm2screen.cn import read_copy_number  # noqa: E402
from mdm2screen.config import load_settings  # noqa: E402
from mdm2screen.variants import TP53Settings, read_tp53_variants  # noqa: E402

N = 10
TABLE_COLUMNS = [name for name, _ in run_benchmark.COLUMNS]
SIZE_KEYS = {
    "n", "patients", "batches", "input_mb", "generate_s", "dag_s", "run", "run_s", "reports", "statuses", "noop_s",
    "floor", "floor_s", "ratio", "ratio_pairs", "screen_s", "screen_ratio", "added", "nightly_tool", "nightly_initial_s", "nightly_add_s", "snakemake_add_s",
    "snakemake_add_jobs", "snakemake_add_batches", "errors",
}  # fmt: skip
FORMATS = {"cns": "cnvkit", "cnr": "cnvkit_cnr", "purple": "purple_somatic", "seg": "seg"}
CALLS = {"amplified": "amplified", "gain": "equivocal", "neutral": "not_amplified"}


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> dict:
    """One tiny benchmark run; returns its stdout, results.json and the workdir."""
    workdir = tmp_path_factory.mktemp("bench")
    cmd = [
        sys.executable, str(BENCH / "run_benchmark.py"), "--sizes", str(N), "--workdir", str(workdir),
        "--shared-rows", "12", "--shared-maf-mb", "0.3", "--shared-seg-mb", "0.1", "--profile", "0",
        "--repeat", "2",
    ]  # fmt: skip
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return {"stdout": result.stdout, "results": json.loads((workdir / "results.json").read_text()), "dir": workdir}


def test_stdout_table_has_the_expected_columns_and_one_row_per_size(bench):
    lines = [line for line in bench["stdout"].splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header == TABLE_COLUMNS
    data = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:] if not line.startswith("|---")]
    rows = [d for d in data if d[0] == str(N)]
    assert len(rows) == 1 and len(rows[0]) == len(TABLE_COLUMNS)
    row = dict(zip(header, rows[0], strict=True))
    for column in ("run s", "floor s", "run/floor", "DAG s", "peak RSS max proc MB", "peak RSS tree MB",
                   "screen --jobs s", "screen/floor"):
        assert row[column] != "-" and float(row[column].replace(",", "")) > 0, column
    assert (bench["dir"] / "results.md").read_text().count(f"| {N} |") == 1


def test_results_json_records_every_measurement(bench):
    results = bench["results"]
    assert results["environment"]["cores_used"] == 2
    assert "bcftools" in results["environment"]["floor_engine"]
    (size,) = results["sizes"]
    assert SIZE_KEYS <= set(size)
    assert size["n"] == N and size["errors"] == []
    assert size["reports"] == size["patients"] == sum(size["statuses"].values())
    run = size["run"]
    assert run["returncode"] == 0 and run["peak_rss_tree_mb"] >= run["peak_rss_max_process_mb"] > 0
    # --repeat 2: two (run, floor) pairs measured back to back; the table gives their medians.
    pairs = size["ratio_pairs"]
    assert len(pairs) == 2 and all(r > 0 and f > 0 for r, f in pairs)
    assert size["run_s"] == pytest.approx(statistics.median(r for r, _ in pairs), abs=0.001)
    assert size["floor_s"] == pytest.approx(statistics.median(f for _, f in pairs), abs=0.001)
    assert size["ratio"] == pytest.approx(statistics.median(r / f for r, f in pairs), abs=0.01)
    assert size["screen"]["returncode"] == 0
    assert size["screen_ratio"] == pytest.approx(size["screen_s"] / size["floor_s"], rel=0.01)
    direct = bench["dir"] / f"n{N}" / "results_screen"
    assert len(list((direct / "patients").glob("*.json"))) == size["patients"]
    # The same decisions with and without Snakemake (Snakemake's summary also holds the +1 sample's
    # run, so patients whose decision sample changed with it are left out).
    without = {r["patient_id"]: r for r in _rows(direct / "cohort" / "summary.tsv")}
    workflow = {r["patient_id"]: r for r in _rows(bench["dir"] / f"n{N}" / "results" / "cohort" / "summary.tsv")}
    same_sample = [p for p, r in without.items() if workflow[p]["decision_sample"] == r["decision_sample"]]
    assert len(same_sample) >= len(without) - 1
    assert all(without[p] == workflow[p] for p in same_sample)
    baseline = results["snakemake_baseline"]
    assert baseline["seconds"] > 0 and len(baseline["all_seconds"]) == 3
    assert size["added"] == 1
    # At least the batch holding the added sample reruns; at most every batch.
    assert 1 <= size["snakemake_add_jobs"] <= size["snakemake_add_batches"]
    if size["nightly_tool"] == "mdm2screen nightly":
        assert size["nightly_initial_s"] > 0 and size["nightly_add_s"] > 0


def test_floor_finds_every_planned_tp53_record(bench):
    root = bench["dir"] / f"n{N}"
    truth = _rows(root / "truth.tsv")
    in_vcf = [t for t in truth if t["tp53"] not in ("wild_type", "no_chr17")]
    (size,) = bench["results"]["sizes"]
    assert size["floor"]["tp53_records"] == len(in_vcf)
    kinds = size["floor"]["tasks"]
    assert kinds.get("text_read") == N  # one copy-number file per sample
    assert kinds.get("vcf_region", 0) + kinds.get("vcf_stream", 0) == N


def test_added_samples_were_removed_again(bench):
    root = bench["dir"] / f"n{N}"
    assert sorted(p.name for p in (root / "samples").iterdir()) == ["cohort.tsv"]
    assert len(_rows(root / "truth.tsv")) == N
    patients = {r["patient_id"] for r in _rows(root / "samples" / "cohort.tsv")}
    assert {r["patient_id"] for r in _rows(root / "ihc.tsv")} <= patients


def test_outputs_set_aside_while_timing_are_deleted_at_the_end(bench):
    """Repeated runs move earlier outputs aside rather than deleting them mid-benchmark; none is left."""
    assert not (bench["dir"] / ".set_aside").exists()
    root = bench["dir"] / f"n{N}"
    # The last run's outputs stay for inspection (the nightly step then added a patient or so).
    assert len(list((root / "results" / "patients").glob("*.json"))) >= bench["results"]["sizes"][0]["reports"]


def test_generated_files_parse_and_say_what_was_planned(bench):
    root = bench["dir"] / f"n{N}"
    sheet = root / "samples" / "cohort.tsv"
    truth = {t["sample_id"]: t for t in _rows(root / "truth.tsv")}
    settings = TP53Settings.from_config(load_settings({"samples": "x"})["tp53"])
    for row in _rows(sheet):
        t = truth[row["sample_id"]]
        profile = read_copy_number(sheet.parent / row["cn_file"], fmt=row["cn_format"] or None,
                                   sample=row["cn_sample"] or None, build=row["build"])
        assert profile.format == FORMATS[t["cn_kind"]]
        assert len(profile.segments) >= 100
        source = read_tp53_variants(sheet.parent / row["vcf"], build=row["build"],
                                    tumor_sample=row["tumor_sample"] or None, sample_id=row["sample_id"],
                                    settings=settings)
        assert source.format == "vcf"
        expect_record = t["tp53"] not in ("wild_type", "no_chr17")
        assert len(source.variants) == int(expect_record)
        assert (source.records_on_tp53_chrom == 0) == (t["tp53"] == "no_chr17")
    # The workflow's decisions agree with the plan. The summary is that of the last Snakemake run, which
    # also screened the sample added (and removed again afterwards): only the cohort's own are compared.
    summary = {r["decision_sample"]: r for r in _rows(root / "results" / "cohort" / "summary.tsv")}
    assert len(summary.keys() & truth.keys()) >= N - 1  # a second biopsy replaces its patient's first sample
    for sample_id, r in summary.items():
        if sample_id not in truth:
            continue
        t = truth[sample_id]
        assert r["mdm2_call"] == CALLS[t["mdm2_state"]]
        mutated = t["tp53"] not in ("wild_type", "no_chr17") and ":" not in t["tp53"]
        assert (r["tp53_status"] == "mutated") == mutated
        if t["tp53"] == "no_chr17":
            assert r["tp53_status"] == "not_assessable"


def test_shared_file_cohort_parses_and_is_read_once_per_job(bench):
    shared = bench["results"]["shared"]
    assert shared["rows"] == 12 and shared["reports"] == shared["patients"] == 12
    assert shared["run"]["returncode"] == 0
    # Each shared file is parsed once per run into an extract; a batch job loads its slices, parsing nothing.
    assert shared["per_job_probe"]["extracts"] == 2
    assert shared["per_job_probe"]["maf_parses"] == 0
    assert shared["per_job_probe"]["cn_parses"] == 0
    root = bench["dir"] / "shared"
    sheet = root / "samples" / "cohort.tsv"
    truth = {t["sample_id"]: t for t in _rows(root / "truth.tsv")}
    for row in _rows(sheet)[:4]:
        source = read_tp53_variants(sheet.parent / row["vcf"], build="GRCh37", tumor_sample=row["tumor_sample"],
                                    sample_id=row["sample_id"], settings=TP53Settings.from_config(load_settings({"samples": "x"})["tp53"]))
        assert source.format == "maf"
        assert len(source.variants) == (truth[row["sample_id"]]["tp53"] == "mutated")
        profile = read_copy_number(sheet.parent / row["cn_file"], sample=row["cn_sample"], build="GRCh37")
        assert profile.sample == row["cn_sample"] and profile.format == "seg"


def test_generation_is_deterministic(tmp_path):
    first = make_cohort.make_cohort(tmp_path / "a", 3, seed=7)
    second = make_cohort.make_cohort(tmp_path / "b", 3, seed=7)
    assert first.counts == second.counts
    for name in ("samples/cohort.tsv", "ihc.tsv", "truth.tsv"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a" / "data").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b" / "data").rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) >= 6
    for rel in files_a:
        assert filecmp.cmp(tmp_path / "a" / rel, tmp_path / "b" / rel, shallow=False), rel
