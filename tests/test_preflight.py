"""The data-file pre-flight of `mdm2screen check` (preflight.py): every file a sheet names is opened once
and asked what screening will ask of it; problems are listed per patient, and check exits 0 only when
a run would read every file of every patient."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pysam
import pytest
from conftest import CNVKIT, DEMO, GPGR, LACHESIS, PCGR, PHYLOFLOW, REPO, RTCGA_MAF, RTCGA_SEG, TESTS

from mdm2screen import preflight as preflight_module
from mdm2screen.cli import main
from mdm2screen.pipeline import prepare
from mdm2screen.preflight import FileProblem, PreflightResult, preflight

COLUMNS = ("patient_id", "sample_id", "build", "cn_file", "vcf", "cn_format", "cn_sample", "tumor_sample")
TR95 = CNVKIT / "tr95t.cns"  # CNVkit .cns, GRCh37
MULTI_SEG = CNVKIT / "cw-tr-log2.seg"  # 41 samples, small enough to be read in full
LOG10_SEG = CNVKIT / "acgh-log10.seg"
PURPLE38 = LACHESIS / "NB-S-599-T.purple.cnv.somatic.tsv"  # GRCh38
STRELKA = LACHESIS / "strelka2.somatic.snvs.vcf.gz"  # bgzipped, GRCh37 contig lengths, NORMAL/TUMOR
MUTECT_VEP = PHYLOFLOW / "VEP_raw.A25.mutect2.filtered.snp.vcf"  # plain text, columns A25 and N1
PCGR38 = PCGR / "T001-BRCA.grch38.vcf.gz"  # GRCh38
GPGR38 = GPGR / "somatic-ensemble-PASS.vcf.gz"  # GRCh38
# The last sample / barcode of the RTCGA files, both larger than the text read at once.
LAST_SEG_SAMPLE = "TCGA-HW-A5KK-01A-11D-A27J-01"
LAST_MAF_BARCODE = "TCGA-HW-A5KK-01A-11D-A27K-08"


def good_row(patient: str = "P1", **values: str) -> dict[str, str]:
    row = {"patient_id": patient, "sample_id": f"{patient}-T", "build": "GRCh37", "cn_file": str(TR95)}
    return {**row, "vcf": str(STRELKA), **values}


def write_cohort(folder: Path, rows: list[dict[str, str]], *, extra: dict | None = None) -> Path:
    """A sample sheet of ``rows`` and a configuration naming it; returns the configuration."""
    columns = list(COLUMNS) + sorted({k for r in rows for k in r} - set(COLUMNS))
    lines = ["\t".join(columns)] + ["\t".join(r.get(c, "") for c in columns) for r in rows]
    (folder / "samples.tsv").write_text("\n".join(lines) + "\n")
    config = folder / "config.yaml"
    config.write_text(
        json.dumps({"samples": str(folder / "samples.tsv"), "outdir": str(folder / "out"), **(extra or {})})
    )
    return config


def check(folder: Path, rows: list[dict[str, str]], **kwargs) -> PreflightResult:
    config = write_cohort(folder, rows)
    return preflight(prepare(json.loads(config.read_text())), **kwargs)


def only(result: PreflightResult, severity: str = "error") -> FileProblem:
    found = [p for p in result.problems if p.severity == severity]
    assert len(found) == 1, result.format()
    return found[0]


# --------------------------------------------------------------------------- every file


def test_a_good_cohort_has_no_problem(tmp_path):
    result = check(tmp_path, [good_row("P1"), good_row("P2", cn_file=str(MULTI_SEG), cn_sample="TR_95_T")])
    assert result.ok and result.problems == [], result.format()
    assert result.files_checked == 3 and result.rows_checked == 2


def test_a_missing_file_names_the_resolved_path_and_where_it_was_looked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_cohort(tmp_path, [good_row(cn_file="missing.cns")])
    (tmp_path / "config.yaml").write_text(json.dumps({"samples": "samples.tsv", "outdir": "out"}))
    result = preflight(prepare({"samples": "samples.tsv", "outdir": "out"}))
    problem = only(result)
    assert (problem.patient_id, problem.sample_id, problem.column) == ("P1", "P1-T", "cn_file")
    assert problem.code == "cn_missing"  # the code screening gives it
    assert problem.path == str(tmp_path / "missing.cns")
    text = str(problem)
    assert str(tmp_path / "missing.cns") in text and "file does not exist" in text
    assert f"relative to the sheet's folder {tmp_path}" in text and f"working directory {tmp_path}" in text


def test_a_folder_instead_of_a_file(tmp_path):
    problem = only(check(tmp_path, [good_row(cn_file=str(DEMO))]))
    assert problem.column == "cn_file" and "is a folder, not a file" in problem.problem


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its permission bits")
def test_an_unreadable_file(tmp_path):
    copy = tmp_path / "tr95t.cns"
    shutil.copy(TR95, copy)
    copy.chmod(0)
    try:
        problem = only(check(tmp_path, [good_row(cn_file=str(copy))]))
    finally:
        copy.chmod(0o644)
    assert problem.code == "input_unreadable" and "permission denied" in problem.problem


def test_a_file_this_user_may_not_open(tmp_path, monkeypatch):
    """As the test above, for any user (root included): opening the file is refused by the system."""
    copy = tmp_path / "tr95t.cns"
    shutil.copy(TR95, copy)
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if Path(path) == copy:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    problem = only(check(tmp_path, [good_row(cn_file=str(copy))]))
    assert problem.code == "input_unreadable" and problem.path == str(copy)


def test_an_empty_file(tmp_path):
    (tmp_path / "empty.vcf").write_text("")
    problem = only(check(tmp_path, [good_row(vcf=str(tmp_path / "empty.vcf"))]))
    assert problem.column == "vcf" and problem.code == "input_empty"


# --------------------------------------------------------------------------- copy number


def test_a_file_in_no_copy_number_format(tmp_path):
    # A real file of the demo that is not a copy-number file: named as one by mistake.
    problem = only(check(tmp_path, [good_row(cn_file=str(DEMO / "ihc.tsv"))]))
    assert problem.code == "cn_format_unknown" and "not recognised from the content" in problem.problem


def test_cn_format_disagreeing_with_the_content(tmp_path):
    problem = only(check(tmp_path, [good_row(cn_format="purple_somatic")]))
    assert problem.code == "preflight_cn_format_mismatch"
    assert "cn_format says 'purple_somatic' but the content is a 'cnvkit' file" in problem.problem
    assert problem.found == "cnvkit"


def test_declared_log10_seg_agrees_with_a_detected_seg(tmp_path):
    row = good_row(cn_file=str(LOG10_SEG), cn_format="seg_log10", cn_sample="TR_06_T")
    assert check(tmp_path, [row]).problems == []


def test_copy_number_coordinates_of_another_build(tmp_path):
    problem = only(check(tmp_path, [good_row(build="GRCh38", vcf=str(PCGR38))]))
    assert (problem.column, problem.code) == ("cn_file", "build_mismatch")
    assert "past the end of chromosome" in problem.problem and "GRCh38" in problem.problem


def test_a_sample_not_in_a_multi_sample_seg_lists_the_closest(tmp_path):
    problem = only(check(tmp_path, [good_row(cn_file=str(MULTI_SEG), cn_sample="TR_95")]))
    assert problem.code == "cn_sample_not_found" and "TR_95_T" in problem.problem
    problem = only(check(tmp_path, [good_row(cn_file=str(MULTI_SEG))]))  # no cn_sample, sample_id P1-T absent
    assert problem.code == "cn_sample_not_found" and "put the sample's name in cn_sample" in problem.problem


def test_a_sample_not_in_a_large_seg_is_found_by_scanning_on(tmp_path):
    """The RTCGA SEG is larger than the text read at once: its last sample is found by scanning on."""
    assert RTCGA_SEG.stat().st_size > preflight_module.HEAD_BYTES
    rows = [good_row("P1", cn_file=str(RTCGA_SEG), cn_sample=LAST_SEG_SAMPLE)]
    rows.append(good_row("P2", cn_file=str(RTCGA_SEG), cn_sample="TCGA-HW-A5KK-01A"))  # a shortened barcode
    result = check(tmp_path, rows)
    problem = only(result)
    assert problem.patient_id == "P2" and problem.code == "cn_sample_not_found"
    assert "exact match required" in problem.problem and LAST_SEG_SAMPLE in problem.problem  # the candidate


def test_a_tiny_time_budget_leaves_a_sample_unverified_as_a_warning(tmp_path):
    rows = [
        good_row(cn_file=str(RTCGA_SEG), cn_sample=LAST_SEG_SAMPLE, vcf=str(RTCGA_MAF), tumor_sample=LAST_MAF_BARCODE)
    ]
    result = check(tmp_path, rows, time_per_file=1e-9)
    assert result.ok and not result.errors
    assert {p.column for p in result.warnings} == {"cn_file", "vcf"}
    assert all(
        "not verified within 1e-09 s" in p.problem and p.code == "preflight_not_verified" for p in result.warnings
    )
    assert check(tmp_path, rows).problems == []  # the default budget reaches the end of both files


# --------------------------------------------------------------------------- VCF and MAF


def test_vcf_contig_lengths_of_another_build(tmp_path):
    problem = only(check(tmp_path, [good_row(build="GRCh38", cn_file=str(PURPLE38))]))
    assert (problem.column, problem.code) == ("vcf", "build_mismatch")
    assert (problem.expected, problem.found) == ("GRCh38", "GRCh37")


def test_a_tumour_sample_that_is_not_a_vcf_column(tmp_path):
    problem = only(check(tmp_path, [good_row(vcf=str(MUTECT_VEP), tumor_sample="A26")]))
    assert problem.code == "vcf_sample_not_found" and "A25, N1" in problem.expected
    assert check(tmp_path, [good_row(vcf=str(MUTECT_VEP), tumor_sample="A25")]).problems == []


def test_a_truncated_bgzip_vcf(tmp_path):
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(STRELKA.read_bytes()[:-28])  # without the BGZF end-of-file block
    problem = only(check(tmp_path, [good_row(vcf=str(cut))]))
    assert problem.code == "vcf_truncated"


def test_a_plain_vcf_cut_off_mid_line(tmp_path):
    cut = tmp_path / "cut.vcf"
    cut.write_bytes(MUTECT_VEP.read_bytes()[:-1])
    problem = only(check(tmp_path, [good_row(vcf=str(cut), tumor_sample="A25")]))
    assert problem.code.startswith("vcf_") and problem.column == "vcf"


def test_a_malformed_record_among_the_first(tmp_path):
    lines = gzip.decompress(STRELKA.read_bytes()).decode().splitlines()
    first = next(i for i, t in enumerate(lines) if not t.startswith("#"))
    lines[first + 2] = "\t".join(lines[first + 2].split("\t")[:5])  # a record cut to five columns
    bad = tmp_path / "bad.vcf"
    bad.write_text("\n".join(lines) + "\n")
    problem = only(check(tmp_path, [good_row(vcf=str(bad))]))
    assert problem.code == "vcf_unreadable" and f"line {first + 3}:" in problem.problem


def test_a_small_vcf_is_read_in_full_values_included(tmp_path):
    """A VCF whose text fits in the head is read by screening's own reader: a bad value on the TP53
    record (bad-input corpus, VCF-AF-ABOVE-ONE) is found as screening finds it."""
    bad = TESTS / "corpus" / "variants" / "af_above_one.vcf"
    problem = only(check(tmp_path, [good_row(vcf=str(bad), tumor_sample="A25")]))
    assert problem.code == "vcf_value_invalid" and "line 153" in problem.problem and "1.331" in str(problem)


def test_a_large_vcf_record_past_the_end_of_tp53s_chromosome(tmp_path):
    lines = gzip.decompress(STRELKA.read_bytes()).decode().splitlines()
    first = next(i for i, t in enumerate(lines) if not t.startswith("#"))
    record = next(t for t in lines if t.startswith("17\t")).split("\t")
    record[1] = "91195210"  # chromosome 17 is 81,195,210 bp in GRCh37
    lines.insert(first, "\t".join(record))
    shifted = tmp_path / "shifted.vcf"
    shifted.write_text("\n".join(lines) + "\n")
    assert shifted.stat().st_size > preflight_module.VCF_HEAD_BYTES
    problem = only(check(tmp_path, [good_row(vcf=str(shifted))]))
    assert problem.code == "build_mismatch" and problem.problem.startswith(f"line {first + 1}: position 91,195,210")


def test_a_file_that_is_neither_vcf_nor_maf(tmp_path):
    problem = only(check(tmp_path, [good_row(vcf=str(DEMO / "ihc.tsv"))]))
    assert problem.code == "variants_format_unknown"


def test_maf_barcodes_exact_prefix_and_build(tmp_path):
    rows = [
        good_row("P1", vcf=str(RTCGA_MAF), tumor_sample=LAST_MAF_BARCODE),  # present
        good_row("P2", vcf=str(RTCGA_MAF), tumor_sample="TCGA-HW-A5KK-01A"),  # only a prefix of one
        good_row("P3", vcf=str(RTCGA_MAF), tumor_sample="TCGA-XX-0000-01A-01D-0000-08"),  # absent
        good_row("P4", build="GRCh38", cn_file=str(PURPLE38), vcf=str(RTCGA_MAF), tumor_sample=LAST_MAF_BARCODE),
    ]
    by_patient = check(tmp_path, rows).by_patient()
    assert "P1" not in by_patient
    assert [p.code for p in by_patient["P2"]] == ["maf_sample_prefix_only"]
    assert LAST_MAF_BARCODE in by_patient["P2"][0].problem
    assert [p.code for p in by_patient["P3"]] == ["maf_sample_not_found"]
    assert [(p.code, p.expected, p.found) for p in by_patient["P4"]] == [("build_mismatch", "GRCh38", "37")]


def test_an_absent_barcode_of_a_profiled_sample_is_a_warning(tmp_path):
    row = good_row(vcf=str(RTCGA_MAF), tumor_sample="TCGA-XX-0000-01A-01D-0000-08", variants_profiled="yes")
    problem = only(check(tmp_path, [row]), "warning")
    assert problem.code == "maf_sample_not_found" and "coverage evidence" in problem.problem


# --------------------------------------------------------------------------- BAM, panel, GISTIC


def tiny_bam(path: Path, *, index: bool) -> Path:
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "17", "LN": 81_195_210}]}  # GRCh37 chr17
    with pysam.AlignmentFile(str(path), "wb", header=header) as bam:
        read = pysam.AlignedSegment(bam.header)
        read.query_name, read.reference_id, read.reference_start = "r1", 0, 7_577_000
        read.cigartuples, read.query_sequence = [(0, 50)], "A" * 50
        read.query_qualities = pysam.qualitystring_to_array("I" * 50)
        bam.write(read)
    if index:
        pysam.index(str(path))
    return path


def test_bam_index_and_build(tmp_path):
    unindexed = tiny_bam(tmp_path / "a.bam", index=False)
    indexed = tiny_bam(tmp_path / "b.bam", index=True)
    rows = [good_row("P1", bam=str(unindexed)), good_row("P2", bam=str(indexed))]
    rows.append(good_row("P3", build="GRCh38", cn_file=str(PURPLE38), vcf=str(GPGR38), bam=str(indexed)))
    by_patient = check(tmp_path, rows).by_patient()
    assert [p.code for p in by_patient["P1"]] == ["coverage_index_missing"]
    assert "P2" not in by_patient
    assert [(p.column, p.code) for p in by_patient["P3"]] == [("bam", "build_mismatch")]


def test_coverage_bed(tmp_path):
    (tmp_path / "good.per-base.bed").write_text("17\t7571000\t7591000\t57\n")
    (tmp_path / "three_columns.bed").write_text("17\t7571000\t7591000\n")  # the end would be read as the depth
    (tmp_path / "bad_depth.bed").write_text("17\t7500000\t7571000\t40\n17\t7571000\t7591000\tdeep\n")
    rows = [good_row(f"P{i}", coverage=str(tmp_path / name)) for i, name in enumerate(("good.per-base.bed", "three_columns.bed", "bad_depth.bed"))]  # fmt: skip
    by_patient = check(tmp_path, rows).by_patient()
    assert "P0" not in by_patient
    assert [(p.code, p.problem) for p in by_patient["P1"]] == [
        ("coverage_unreadable", "line 1: not a mosdepth BED row")
    ]
    assert [p.code for p in by_patient["P2"]] == ["coverage_unreadable"] and "depth is not a number" in by_patient[
        "P2"
    ][0].problem


def test_gene_panel_without_tp53_is_a_warning_and_an_empty_one_an_error(tmp_path):
    (tmp_path / "panel.txt").write_text("MDM2\nCDK4\n")
    (tmp_path / "empty_panel.txt").write_text("# no genes\n")
    rows = [good_row("P1", gene_panel=str(tmp_path / "panel.txt")), good_row("P2", gene_panel=str(tmp_path / "empty_panel.txt"))]  # fmt: skip
    result = check(tmp_path, rows)
    assert sorted((p.patient_id, p.severity, p.code) for p in result.problems) == [
        ("P1", "warning", "preflight_panel_without_tp53"),
        ("P2", "error", "coverage_unreadable"),
    ]
    assert result.patients_with_errors() == ["P2"]


def test_gistic_table_header_and_samples(tmp_path):
    (tmp_path / "good.txt").write_text("Hugo_Symbol\tEntrez_Gene_Id\tP1-T\nMDM2\t4193\t2\n")
    (tmp_path / "bad.txt").write_text("Gene\tP1-T\nMDM2\t2\n")
    result = check(tmp_path, [good_row("P1", gistic_cna=str(tmp_path / "good.txt")), good_row("P2", gistic_cna=str(tmp_path / "good.txt"))])  # fmt: skip
    assert [(p.patient_id, p.code) for p in result.problems] == [("P2", "preflight_gistic_sample_missing")]
    assert result.ok
    (tmp_path / "other.txt").write_text("Hugo_Symbol\tP2-T\nMDM2\t0\n")
    rows = [good_row("P1", gistic_cna=str(tmp_path / "good.txt")), good_row("P2", gistic_cna=str(tmp_path / "other.txt"))]  # fmt: skip
    # The summary compares with one table (the first by name): the other row's is not used.
    assert [(p.patient_id, p.code) for p in check(tmp_path, rows).problems] == [("P2", "preflight_gistic_not_used")]
    problem = only(check(tmp_path, [good_row(gistic_cna=str(tmp_path / "bad.txt"))]))
    assert problem.code == "gistic_unreadable" and "no gene column" in problem.problem


# --------------------------------------------------------------------------- the cohort


def test_problems_are_grouped_per_patient(tmp_path):
    rows = [
        good_row("P1", cn_file="missing.cns"),
        {**good_row("P1", vcf=str(MUTECT_VEP), tumor_sample="A26"), "sample_id": "P1-T2"},
        good_row("P2"),
        good_row("P3", build="GRCh38", cn_file=str(PURPLE38)),
    ]
    result = check(tmp_path, rows)
    grouped = result.by_patient()
    assert list(grouped) == ["P1", "P3"]
    assert [(p.sample_id, p.column) for p in grouped["P1"]] == [("P1-T", "cn_file"), ("P1-T2", "vcf")]
    assert result.patients_with_errors() == ["P1", "P3"]
    text = result.format()
    assert text.startswith("P1: 2 error(s)\n  error: P1-T, column cn_file (sheet line 2): ")
    assert "\nP3: 1 error(s)\n  error: P3-T, column vcf (sheet line 5): " in text


def test_a_file_named_by_many_rows_is_opened_once(tmp_path, monkeypatch):
    opened: list[str] = []
    real = preflight_module.open_input

    def counting(path, *args, **kwargs):
        opened.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(preflight_module, "open_input", counting)
    rows = [
        good_row(
            f"P{i:02d}",
            cn_file=str(RTCGA_SEG),
            cn_sample=LAST_SEG_SAMPLE,
            vcf=str(RTCGA_MAF),
            tumor_sample=LAST_MAF_BARCODE,
        )  # fmt: skip
        for i in range(40)
    ]
    result = check(tmp_path, rows)
    assert result.problems == [] and result.files_checked == 2
    # Once to see that it can be read, once to read it: not once per row.
    assert opened.count(str(RTCGA_SEG)) == 2 and opened.count(str(RTCGA_MAF)) == 2


def test_one_odd_file_does_not_stop_the_check_of_the_others(tmp_path, monkeypatch):
    def broken(path, rows, ctx):
        raise RuntimeError("reader bug")

    monkeypatch.setitem(preflight_module._CHECKS, "vcf", broken)
    result = check(tmp_path, [good_row("P1"), good_row("P2", cn_file="missing.cns")])
    codes = sorted((p.patient_id, p.column, p.code) for p in result.errors)
    assert codes[0] == ("P1", "vcf", "preflight_unexpected_error")
    assert ("P2", "cn_file", "cn_missing") in codes


def test_a_path_column_without_a_content_check_is_checked_for_access(tmp_path, monkeypatch):
    """A path column a newer reader adds, before it has its own check: the file must still be there."""
    monkeypatch.delitem(preflight_module._CHECKS, "bam")
    unindexed = tiny_bam(tmp_path / "a.bam", index=False)
    rows = [good_row("P1", bam=str(unindexed)), good_row("P2", bam=str(tmp_path / "gone.bam"))]
    result = check(tmp_path, rows)
    assert [(p.patient_id, p.column, p.code) for p in result.problems] == [("P2", "bam", "input_missing")]


def test_time_per_file_must_be_positive(tmp_path):
    write_cohort(tmp_path, [good_row()])
    cohort = prepare(json.loads((tmp_path / "config.yaml").read_text()))
    with pytest.raises(ValueError, match="time_per_file"):
        preflight(cohort, time_per_file=0)


# --------------------------------------------------------------------------- the command


def test_check_passes_the_demo_cohort(monkeypatch, capsys):
    monkeypatch.chdir(REPO)  # the demo configuration's paths are relative to the checkout (README)
    assert main(["check", "--config", "config/config.yaml", "--set", "outdir=/nonexistent/never-written"]) == 0
    out = capsys.readouterr().out
    assert "OK: 12 patients, 13 samples" in out
    assert "13 data file(s) of 13 sample row(s) checked" in out and "no problems" in out
    assert not Path("/nonexistent/never-written").exists()


def test_check_lists_problems_per_patient_and_exits_2(tmp_path, capsys):
    config = write_cohort(tmp_path, [good_row("P1", cn_file=str(tmp_path / "missing.cns")), good_row("P2")])
    assert main(["check", "--config", str(config)]) == 2
    out, err = capsys.readouterr()
    assert "OK:" not in out and "1 error(s), 0 warning(s), per patient:" in out
    assert (
        f"P1: 1 error(s)\n  error: P1-T, column cn_file (sheet line 2): {tmp_path / 'missing.cns'}: file does not exist"
        in out
    )
    assert "1 of 2 patient(s) have data files a run cannot read" in err
    assert not (tmp_path / "out").exists()


def test_check_with_warnings_only_exits_0_and_lists_them(tmp_path, capsys):
    row = good_row(cn_file=str(RTCGA_SEG), cn_sample=LAST_SEG_SAMPLE)
    config = write_cohort(tmp_path, [row])
    assert main(["check", "--config", str(config), "--time-per-file", "1e-9"]) == 0
    out = capsys.readouterr().out
    assert "OK: 1 patients" in out and "1 warning(s), per patient:" in out and "P1: 1 warning(s)" in out
    assert main(["check", "-q", "--config", str(config), "--time-per-file", "1e-9"]) == 0
    out = capsys.readouterr().out
    assert "1 warning(s) (not shown with -q)" in out and "P1:" not in out


def test_no_files_checks_only_the_structure(tmp_path, capsys):
    config = write_cohort(tmp_path, [good_row(cn_file=str(tmp_path / "missing.cns"))])
    assert main(["check", "--config", str(config), "--no-files"]) == 0
    assert "data files not checked: --no-files" in capsys.readouterr().out


def test_a_broken_sheet_still_stops_before_any_file_is_opened(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(preflight_module, "preflight", lambda *a, **k: pytest.fail("data files opened"))
    config = write_cohort(tmp_path, [good_row(build="GRCh99")])
    assert main(["check", "--config", str(config)]) == 2
    assert "column 'build': expected one of GRCh37, GRCh38, found 'GRCh99'" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_time_per_file_option_must_be_a_positive_number(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as info:
        main(["check", "--config", str(tmp_path / "c.yaml"), "--time-per-file", value])
    assert info.value.code == 2 and "seconds > 0" in capsys.readouterr().err
