"""Shared files parsed once per run: extracts give the same evidence as parsing in every batch.

The TCGA glioma study (one multi-sample SNP6 SEG and one MAF for 64 tumours, tests/data) is screened
with plain per-process parsing and again from extracts loaded slice by slice; every report must be
the same, and a reader asked for a sample outside its slice, or holding a stale or damaged extract,
parses the source itself.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import pickle
import shutil
from pathlib import Path

import pytest
from conftest import REPO

from mdm2screen.cn import read as cn_read
from mdm2screen.errors import InputError
from mdm2screen.pipeline import (
    ensure_shared_extracts,
    load_shared_extracts,
    prepare,
    shared_files,
    shared_sources,
)
from mdm2screen.screen import Screener
from mdm2screen.sharedfiles import load_extracts, read_header, write_extract
from mdm2screen.variants import maf

DATA = REPO / "tests" / "data"
SEG = DATA / "cn" / "RTCGA_gbmlgg" / "GBMLGG.snp6.minus_germline_cnv.hg19.subset.seg"
MAF = DATA / "variants" / "RTCGA_gbmlgg" / "GBMLGG.mutations.subset.maf.gz"
OVERVIEW = DATA / "variants" / "RTCGA_gbmlgg" / "samples_overview.tsv"


def _tumour(barcodes: set[str], sample: str) -> str:
    return sorted(b for b in barcodes if b[:15] == sample and b[13:15] in ("01", "02"))[0]


def _write_study(folder: Path) -> Path:
    """The glioma sheet (exact aliquot barcodes) over private copies of the two shared files."""
    folder.mkdir(parents=True)
    seg, maf_path = Path(shutil.copy(SEG, folder / SEG.name)), Path(shutil.copy(MAF, folder / MAF.name))
    with open(seg) as handle:
        seg_barcodes = {row["Sample"] for row in csv.DictReader(handle, delimiter="\t")}
    with gzip.open(maf_path, "rt") as handle:
        lines = (ln for ln in handle if not ln.startswith("#"))
        maf_barcodes = {row["Tumor_Sample_Barcode"] for row in csv.DictReader(lines, delimiter="\t")}
    with open(OVERVIEW) as handle:
        samples = [row["sample"] for row in csv.DictReader(handle, delimiter="\t")]
    sheet = folder / "samples.tsv"
    with open(sheet, "w") as out:
        out.write("patient_id\tsample_id\tbuild\tcn_file\tvcf\tcn_sample\ttumor_sample\tgene_panel\n")
        for s in samples:
            out.write(
                f"{s[:12]}\t{s}\tGRCh37\t{seg}\t{maf_path}\t{_tumour(seg_barcodes, s)}\t{_tumour(maf_barcodes, s)}\tWES\n"
            )
    return sheet


def _clear() -> None:
    cn_read.cache_clear()
    maf.clear_cache()


def _parses() -> tuple[int, int]:
    """Parses so far of copy-number files and of MAFs (cache misses)."""
    return cn_read.cache_info()["misses"], maf.cache_info()["misses"]


def _reports(cohort, patients) -> dict[str, dict]:
    screener = Screener(cohort.settings, cohort.arms, cohort.ihc)
    out = {}
    for pid in patients:
        report = screener.screen_patient(pid, cohort.patients[pid])
        report["provenance"].pop("run", None)
        out[pid] = report
    return out


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("shared")
    sheet = _write_study(root / "study")
    cohort = prepare({"samples": str(sheet), "outdir": str(root / "out")})
    _clear()
    plain = _reports(cohort, sorted(cohort.patients))
    return cohort, plain


def test_both_files_are_shared_and_each_gets_one_extract(study) -> None:
    cohort, _ = study
    sources = shared_sources(cohort.rows)
    assert [Path(s).name for s in sources] == [SEG.name, MAF.name] or sorted(Path(s).name for s in sources) == sorted(
        [SEG.name, MAF.name]
    )
    planned = shared_files(cohort)
    assert all(p.extract.parent == cohort.outdir / "shared" for p in planned)
    assert all(len(p.patients) == 1 for p in planned)  # one build, one format: one representative


def test_batch_slices_give_the_same_reports_without_parsing(study) -> None:
    cohort, plain = study
    _clear()
    written = ensure_shared_extracts(cohort)
    assert len(written) == 2 and all(p.is_file() for p in written)
    for header in (read_header(p) for p in written):
        assert header is not None and header.entries >= 1 and len(header.source_sha256) == 64
    patients = sorted(cohort.patients)
    for batch in (patients[:20], patients[20:]):
        _clear()  # a new batch job: nothing parsed in this process
        used = load_shared_extracts(cohort, batch)
        assert sorted(Path(u).name for u in used) == sorted([SEG.name, MAF.name])
        before = _parses()
        assert _reports(cohort, batch) == {pid: plain[pid] for pid in batch}
        assert _parses() == before


def test_a_sample_outside_the_slice_is_read_from_the_source(study) -> None:
    cohort, plain = study
    ensure_shared_extracts(cohort)
    patients = sorted(cohort.patients)
    _clear()
    load_shared_extracts(cohort, patients[:3])
    other = patients[-1]
    cn_before, maf_before = _parses()
    assert _reports(cohort, [other]) == {other: plain[other]}
    assert _parses() == (cn_before + 1, maf_before + 1)  # each source parsed once, for the missing slice


def test_a_changed_source_makes_its_extract_stale(study, tmp_path: Path) -> None:
    cohort, _ = study
    (extract,) = [p.extract for p in shared_files(cohort) if p.source.endswith(".seg")]
    ensure_shared_extracts(cohort)
    source = next(s for s in shared_sources(cohort.rows) if s.endswith(".seg"))
    stat = os.stat(source)
    try:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        _clear()
        result = load_extracts([extract])
        assert result.used == [] and "changed since" in result.ignored[str(extract)]
        # Written again for the touched file: same content, so the parse is not repeated.
        header = write_extract(source, extract, parse=_must_not_parse)
        assert header.source.mtime_ns == stat.st_mtime_ns + 10**9
        assert load_extracts([extract]).used
    finally:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        ensure_shared_extracts(cohort)


def _must_not_parse() -> None:
    raise AssertionError("an extract of the same content was parsed again")


def test_a_damaged_extract_is_ignored(study, tmp_path: Path) -> None:
    cohort, plain = study
    (shared,) = [p for p in shared_files(cohort) if p.source.endswith(".maf.gz")]
    ensure_shared_extracts(cohort)
    damaged = tmp_path / shared.extract.name
    damaged.write_bytes(shared.extract.read_bytes()[:-50])
    _clear()
    result = load_extracts([damaged])
    assert result.used == [] and result.ignored[str(damaged)] == "the extract is damaged"
    junk = tmp_path / "junk.extract"
    junk.write_bytes(b"not a pickle")
    assert load_extracts([junk]).ignored[str(junk)] == "not a readable extract"


def test_reader_errors_survive_the_round_trip() -> None:
    error = InputError("a.maf", "start position is not a positive whole number", line=7, field="Start_Position",
                       expected="an integer >= 1", found="x", code="maf_value_invalid")  # fmt: skip
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.code, again.line, again.field) == (str(error), error.code, 7, "Start_Position")


def test_nightly_after_rows_appended_to_the_shared_maf_screens_only_the_new_patients(tmp_path: Path) -> None:
    """Rows of new samples appended to a cohort MAF leave every other sample's slice, and so its
    decision key, as it was: a nightly run screens the new patients alone."""
    from mdm2screen.nightly import run_nightly

    full = _write_study(tmp_path / "study")
    lines = full.read_text().splitlines()
    header, rows = lines[0], lines[1:]
    held_out, kept = rows[-4:], rows[:-4]
    held_barcodes = {r.split("\t")[6] for r in held_out}
    maf_path = Path(held_out[0].split("\t")[4])
    with gzip.open(maf_path, "rt") as handle:
        maf_lines = handle.read().splitlines(keepends=True)
    column = next(ln for ln in maf_lines if ln.startswith("Hugo_Symbol")).split("\t").index("Tumor_Sample_Barcode")
    later = [
        ln for ln in maf_lines if not ln.startswith(("#", "Hugo_Symbol")) and ln.split("\t")[column] in held_barcodes
    ]
    assert later, "the held-out tumours have MAF rows"
    with gzip.open(maf_path, "wt") as handle:
        handle.writelines(ln for ln in maf_lines if ln not in set(later))
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    (sheets / "run1.tsv").write_text("\n".join([header, *kept]) + "\n")
    config = {"samples": str(sheets), "outdir": str(tmp_path / "out")}
    first = run_nightly(dict(config), jobs=1)
    assert first.n_screened == len({r.split("\t")[0] for r in kept})

    with gzip.open(maf_path, "at") as handle:  # a second gzip member: new samples' rows appended
        handle.writelines(later)
    (sheets / "run2.tsv").write_text("\n".join([header, *held_out]) + "\n")
    second = run_nightly(dict(config), jobs=1)
    assert second.n_screened == len({r.split("\t")[0] for r in held_out})
    assert {p.patient_id for p in second.plan.todo} == {r.split("\t")[0] for r in held_out}


@pytest.mark.parametrize("name", ["<svg onload=alert(1)>.seg", ".hidden.maf", "x" * 300 + ".seg", "é-ü.seg", "-.seg"])
def test_extract_names_are_safe_file_names_whatever_the_source(tmp_path: Path, name: str) -> None:
    from mdm2screen.paths import is_valid_id
    from mdm2screen.sharedfiles import extract_name

    extracted = extract_name(tmp_path / name)
    assert is_valid_id(extracted) and extracted.endswith(".extract")
    assert extract_name(tmp_path / name) == extracted != extract_name(tmp_path / ("other" + name))


def test_a_batch_takes_the_shared_files_checksums_from_their_extracts(study, monkeypatch) -> None:
    """The audit block's SHA-256 of a cohort MAF/SEG comes from the extract: no batch hashes them again."""
    from mdm2screen import evidence

    cohort, plain = study
    ensure_shared_extracts(cohort)
    _clear()
    evidence._sha256_cached.cache_clear()
    shared = {os.path.abspath(s) for s in shared_sources(cohort.rows)}
    real_hash = evidence.sha256_file

    def only_unshared(path):
        assert os.path.abspath(path) not in shared, f"{path} hashed again"
        return real_hash(path)

    monkeypatch.setattr(evidence, "sha256_file", only_unshared)
    batch = sorted(cohort.patients)[:5]
    load_shared_extracts(cohort, batch)
    assert _reports(cohort, batch) == {pid: plain[pid] for pid in batch}


def test_a_file_naming_no_sample_is_loaded_whole_with_any_slice(tmp_path: Path) -> None:
    """A copy-number file that names no sample (a CNVkit .cns) has one unnamed slice: a batch asking for
    its own sample names must still get it, never an empty profile."""
    from mdm2screen.cn import read_copy_number

    cns = Path(shutil.copy(REPO / "resources" / "demo" / "data" / "etal_cnvkit" / "tr95t.cns", tmp_path / "t.cns"))
    extract = tmp_path / "t.extract"
    _clear()

    def parse() -> None:
        read_copy_number(cns, build="GRCh37", keep_chromosomes=["12", "17"])

    write_extract(cns, extract, parse)
    _clear()
    assert load_extracts([extract], samples={"SOME-SAMPLE"}).used
    before = _parses()
    profile = read_copy_number(cns, sample="SOME-SAMPLE", build="GRCh37", keep_chromosomes=["12", "17"])
    assert profile.segments and _parses() == before


def test_a_shared_file_gone_before_its_extract_does_not_stop_the_run(tmp_path: Path) -> None:
    """The extract records that it stands for nothing; loading ignores it, and each sample reports the file."""
    from mdm2screen.pipeline import write_shared_extract

    sheet = _write_study(tmp_path / "study")
    cohort = prepare({"samples": str(sheet), "outdir": str(tmp_path / "out")})
    seg = next(s for s in shared_sources(cohort.rows) if s.endswith(".seg"))
    os.unlink(seg)
    extract = write_shared_extract(cohort, seg)
    assert extract.is_file() and read_header(extract) is None
    result = load_extracts([extract])
    assert result.used == [] and result.ignored[str(extract)] == "not a readable extract"
    pid = sorted(cohort.patients)[0]
    report = _reports(cohort, [pid])[pid]
    assert report["mdm2"]["call"] == "not_assessable" and "cn_missing" in json.dumps(report["samples"])
