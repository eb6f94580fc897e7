"""cBioPortal study import (mdm2screen.cbioportal).

The study folders come from tests/cbioportal_study.py, which builds them from real TCGA glioma
rows (tests/data/cbioportal/) to the cBioPortal "File Formats" specification
(https://docs.cbioportal.org/file-formats/). Its "good" variant was checked with cBioPortal's own
validator, ``scripts/importer/validateData.py -s STUDY -n`` from cBioPortal/cbioportal-core commit
c3c8edfa366dea7b150d36af08b06f770e333789, in a throwaway venv: exit 3 (valid with warnings).
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
from cbioportal_study import CLINICAL_ONLY, EXTRA_MAF_SAMPLE, PANEL_ID, TUMOURS, write_study

from mdm2screen.cbioportal import SHEET_COLUMNS, ImportResult, import_study
from mdm2screen.cli import main
from mdm2screen.errors import ConfigError

ALL_TUMOURS = {t.sample_id for t in TUMOURS}


def _sheet(result: ImportResult) -> tuple[list[str], dict[str, dict[str, str]]]:
    lines = [line for line in result.sheet_path.read_text().splitlines() if not line.startswith("#")]
    rows = list(csv.reader(lines, delimiter="\t"))
    header = rows[0]
    return header, {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def _import(tmp_path: Path, variant: str = "good") -> tuple[Path, ImportResult, dict[str, dict[str, str]]]:
    study = write_study(tmp_path / "study", variant=variant)
    result = import_study(study, tmp_path / "out" / "samples.tsv")
    return study, result, _sheet(result)[1]


def _resolved(result: ImportResult, value: str) -> Path:
    return (result.sheet_path.parent / value).resolve()


def test_good_study_gives_expected_sheet(tmp_path):
    study, result, rows = _import(tmp_path)
    header, _ = _sheet(result)
    assert tuple(header) == SHEET_COLUMNS
    assert header[:5] == ["patient_id", "sample_id", "build", "cn_file", "vcf"]
    assert result.n_samples == 8 and set(rows) == ALL_TUMOURS
    assert result.study_problems == []

    eligible_like = rows["TCGA-06-0140-01"]
    assert eligible_like["patient_id"] == "TCGA-06-0140"
    assert eligible_like["build"] == "GRCh37"
    # Paths are relative to the sheet's folder and point at the study's data files.
    files = {"cn_file": "data_cna_hg19.seg", "vcf": "data_mutations.txt", "gistic_cna": "data_CNA.txt"}
    for column, name in files.items():
        assert not Path(eligible_like[column]).is_absolute()
        assert _resolved(result, eligible_like[column]) == (study / name).resolve()
    assert eligible_like["cn_format"] == "seg"
    assert eligible_like["cn_sample"] == eligible_like["tumor_sample"] == "TCGA-06-0140-01"
    assert eligible_like["purity"] == eligible_like["ploidy"] == ""  # TCGA clinical has none: never invented
    assert eligible_like["tumor_type"] == "Glioblastoma Multiforme"
    assert eligible_like["gene_panel"] == "WES"  # WXS in the gene panel matrix

    on_panel = rows["TCGA-06-0173-01"]
    assert _resolved(result, on_panel["gene_panel"]) == (study / f"data_gene_panel_{PANEL_ID.lower()}.txt").resolve()
    assert "TCGA-06-0173-01" not in result.problems  # its panel lists TP53

    seg_only = rows["TCGA-06-6390-01"]
    assert seg_only["cn_file"] and seg_only["vcf"] == seg_only["tumor_sample"] == seg_only["gene_panel"] == ""
    assert any("no mutation data" in p for p in result.problems["TCGA-06-6390-01"])

    maf_only = rows["TCGA-HT-7476-01"]
    assert maf_only["vcf"] and maf_only["cn_file"] == maf_only["cn_format"] == maf_only["cn_sample"] == ""
    assert maf_only["gistic_cna"] == ""  # not a column of data_CNA.txt
    assert maf_only["tumor_type"] == "Glioma"  # CANCER_TYPE when CANCER_TYPE_DETAILED is empty
    assert any("no copy number" in p for p in result.problems["TCGA-HT-7476-01"])

    assert CLINICAL_ONLY not in rows
    assert any("skipped" in p for p in result.problems[CLINICAL_ONLY])
    assert set(result.problems) == {"TCGA-06-6390-01", "TCGA-HT-7476-01", CLINICAL_ONLY}
    assert any("reference_genome hg19" in m and "GRCh37" in m for m in result.mapped)
    assert any("data_mutations.txt" in m and "meta_mutations.txt" in m for m in result.mapped)


def test_sheet_reads_back_with_the_sample_sheet_reader(tmp_path):
    pytest.importorskip("mdm2screen.sheet")
    cn = pytest.importorskip("mdm2screen.cn")
    if not hasattr(cn, "FORMATS"):
        pytest.skip("mdm2screen.cn.FORMATS not available yet")
    from mdm2screen.sheet import read_sheet

    study, result, _ = _import(tmp_path)
    read = read_sheet(result.sheet_path)
    assert read.problems == []
    by_sample = {row.sample_id: row for row in read.rows}
    assert set(by_sample) == ALL_TUMOURS
    assert by_sample["TCGA-06-0140-01"].cn_file.resolve() == (study / "data_cna_hg19.seg").resolve()
    assert by_sample["TCGA-06-0140-01"].gene_panel == "WES"
    assert by_sample["TCGA-HT-7476-01"].cn_file is None


def test_missing_data_file_stops_the_import(tmp_path):
    study = write_study(tmp_path, variant="missing_data_file")
    with pytest.raises(ConfigError) as err:
        import_study(study, tmp_path / "samples.tsv")
    assert any(
        "meta_mutations.txt" in p and "data_mutations.txt" in p and "does not exist" in p for p in err.value.problems
    )
    assert not (tmp_path / "samples.tsv").exists()


def test_seg_genome_disagreeing_with_meta_study_stops_the_import(tmp_path):
    study = write_study(tmp_path, variant="genome_mismatch")
    with pytest.raises(ConfigError) as err:
        import_study(study, tmp_path / "samples.tsv")
    assert any("reference_genome_id 'hg38'" in p and "GRCh37" in p for p in err.value.problems)


def test_maf_build_disagreeing_with_meta_study_stops_the_import(tmp_path):
    study = write_study(tmp_path, variant="good")
    for name in ("meta_study.txt", "meta_cna_hg19_seg.txt"):  # declare hg38 everywhere but in the MAF rows
        path = study / name
        path.write_text(path.read_text().replace(": hg19", ": hg38"))
    with pytest.raises(ConfigError) as err:
        import_study(study, tmp_path / "samples.tsv")
    assert any("NCBI_Build 'GRCh37'" in p and "line 2" in p for p in err.value.problems)


def test_maf_sample_missing_from_clinical_table_is_reported_and_skipped(tmp_path):
    _, result, rows = _import(tmp_path, "maf_sample_not_in_clinical")
    assert EXTRA_MAF_SAMPLE not in rows
    assert any(
        "not in the clinical sample table" in p and "data_mutations.txt" in p for p in result.problems[EXTRA_MAF_SAMPLE]
    )
    assert set(rows) == ALL_TUMOURS


def test_invalid_ids_are_reported_never_sanitised(tmp_path):
    _, result, rows = _import(tmp_path, "bad_ids")
    assert "TCGA-19-5958-01/A" not in rows and "TCGA-19-5958-01" not in rows
    assert any("not a valid ID" in p for p in result.problems["TCGA-19-5958-01/A"])
    # The sample is in the clinical table: no "not in the clinical table" report on top.
    assert not any("clinical sample table" in p for p in result.problems["TCGA-19-5958-01/A"])
    assert "TCGA-26-5132-01" not in rows
    assert any("PATIENT_ID '-TCGA-26-5132'" in p for p in result.problems["TCGA-26-5132-01"])
    assert result.n_samples == 6


def test_reference_genome_absent_means_hg19(tmp_path):
    _, result, rows = _import(tmp_path, "no_genome")
    assert {row["build"] for row in rows.values()} == {"GRCh37"}
    assert any("no reference_genome" in m and "default hg19" in m for m in result.mapped)


def test_without_panel_matrix_the_sequenced_case_list_means_whole_exome(tmp_path):
    _, result, rows = _import(tmp_path, "no_panel_matrix")
    assert rows["TCGA-06-0173-01"]["gene_panel"] == "WES"
    assert rows["TCGA-02-0033-01"]["gene_panel"] == "WES"
    assert any("_sequenced case list" in m and "whole exome" in m for m in result.mapped)
    # In the MAF but in neither matrix nor case list: TP53 assessability unknown.
    assert rows["TCGA-HT-7476-01"]["gene_panel"] == ""
    assert rows["TCGA-HT-7476-01"]["vcf"]
    assert any("TP53 assessability unknown" in p for p in result.problems["TCGA-HT-7476-01"])


def test_panel_without_tp53_is_reported(tmp_path):
    _, result, rows = _import(tmp_path, "panel_without_tp53")
    assert rows["TCGA-06-0173-01"]["gene_panel"].endswith(f"data_gene_panel_{PANEL_ID.lower()}.txt")
    assert any("does not list TP53" in p for p in result.problems["TCGA-06-0173-01"])


def test_sample_profiled_without_calls_still_points_at_the_maf(tmp_path):
    study, result, rows = _import(tmp_path, "profiled_no_calls")
    assert "TCGA-19-5958-01" not in (study / "data_mutations.txt").read_text()
    row = rows["TCGA-19-5958-01"]
    assert _resolved(result, row["vcf"]) == (study / "data_mutations.txt").resolve()
    assert row["tumor_sample"] == "TCGA-19-5958-01" and row["gene_panel"] == "WES"
    assert "TCGA-19-5958-01" not in result.problems
    assert any("no mutation called" in m for m in result.mapped)


def test_purity_in_percent_is_scaled_and_said(tmp_path):
    _, result, rows = _import(tmp_path, "purity_percent")
    assert rows["TCGA-06-0140-01"]["purity"] == "0.62" and rows["TCGA-06-0140-01"]["ploidy"] == "2.1"
    assert rows["TCGA-06-0173-01"]["purity"] == "0.85" and rows["TCGA-06-0173-01"]["ploidy"] == ""
    assert rows["TCGA-02-0033-01"]["purity"] == ""
    assert any("TUMOR_PURITY" in m and "percent scaled to 0-1" in m for m in result.mapped)


def test_unusable_purity_and_ploidy_are_problems_not_values(tmp_path):
    study = write_study(tmp_path / "study", variant="purity_percent")
    path = study / "data_clinical_sample.txt"
    text = path.read_text()
    text = text.replace("GBM\t85\tNA", "GBM\t0.5\tNA")  # 0.5 in a percent column: ambiguous
    text = text.replace("GBM\t62\t2.1", "GBM\t62\t40")  # ploidy 40: not plausible
    path.write_text(text)
    result = import_study(study, tmp_path / "samples.tsv")
    rows = _sheet(result)[1]
    assert rows["TCGA-06-0173-01"]["purity"] == ""
    assert any("ambiguous" in p and "TUMOR_PURITY" in p for p in result.problems["TCGA-06-0173-01"])
    assert rows["TCGA-06-0140-01"]["purity"] == "0.62" and rows["TCGA-06-0140-01"]["ploidy"] == ""
    assert any("ploidy not used" in p and "'40'" in p for p in result.problems["TCGA-06-0140-01"])


def test_tumour_type_falls_back_to_the_patient_table(tmp_path):
    _, result, rows = _import(tmp_path, "patient_tumor_type")
    assert rows["TCGA-06-0140-01"]["tumor_type"] == "Glioblastoma Multiforme"
    assert rows["TCGA-HT-7476-01"]["tumor_type"] == "Glioma"
    assert any("data_clinical_patient.txt" in m and m.startswith("tumor_type") for m in result.mapped)


def test_messy_files_import_like_clean_ones(tmp_path):
    _, clean, clean_rows = _import(tmp_path / "clean")
    study, messy, messy_rows = _import(tmp_path / "messy", "messy")
    raw = (study / "data_clinical_sample.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b'"' in raw
    assert gzip.decompress((study / "data_mutations.txt.gz").read_bytes()).count(b"\r\n") > 100
    assert set(messy_rows) == set(clean_rows)
    for sample, row in clean_rows.items():
        other = messy_rows[sample]
        for column in ("patient_id", "build", "cn_sample", "tumor_sample", "tumor_type", "gene_panel", "cn_format"):
            assert other[column] == row[column], (sample, column)
        assert bool(other["vcf"]) == bool(row["vcf"])
    assert messy_rows["TCGA-06-0140-01"]["vcf"].endswith("data_mutations.txt.gz")


def test_aliquot_barcode_in_seg_gets_a_hint_not_a_mapping(tmp_path):
    study = write_study(tmp_path / "study")
    seg = study / "data_cna_hg19.seg"
    seg.write_text(seg.read_text() + "TCGA-06-0140-01A-01D-0214-01\t12\t1000\t2000\t5\t0.1\n")
    result = import_study(study, tmp_path / "samples.tsv")
    texts = result.problems["TCGA-06-0140-01A-01D-0214-01"]
    assert any("starts with clinical sample TCGA-06-0140-01" in t for t in texts)
    assert _sheet(result)[1]["TCGA-06-0140-01"]["cn_sample"] == "TCGA-06-0140-01"


def test_conflicting_duplicate_clinical_rows_skip_the_sample(tmp_path):
    study = write_study(tmp_path / "study")
    path = study / "data_clinical_sample.txt"
    path.write_text(path.read_text() + "TCGA-99-0000\tTCGA-06-0140-01\tPrimary\tGlioma\t\t\n")
    result = import_study(study, tmp_path / "samples.tsv")
    assert "TCGA-06-0140-01" not in _sheet(result)[1]
    assert any("identity ambiguous" in p for p in result.problems["TCGA-06-0140-01"])


def test_malformed_meta_file_and_binary_data_file_are_config_errors(tmp_path):
    study = write_study(tmp_path / "a")
    (study / "meta_CNA.txt").write_text("cancer_study_identifier: difg_mdm2screen_test\nthis line has no colon\n")
    with pytest.raises(ConfigError) as err:
        import_study(study, tmp_path / "a.tsv")
    assert any("meta_CNA.txt, line 2" in p for p in err.value.problems)

    study = write_study(tmp_path / "b")
    (study / "data_cna_hg19.seg").write_bytes(b"\x00\x01binary\x00junk" * 10)
    with pytest.raises(ConfigError) as err:
        import_study(study, tmp_path / "b.tsv")
    assert any("data_cna_hg19.seg" in p and "binary" in p for p in err.value.problems)


def test_study_with_neither_maf_nor_seg_is_refused(tmp_path):
    study = write_study(tmp_path, variant="no_maf_no_seg")
    with pytest.raises(ConfigError) as err:
        import_study(study, tmp_path / "samples.tsv")
    assert any("no mutation (MAF) and no segment (SEG) data" in p for p in err.value.problems)


def test_not_a_study_folder(tmp_path):
    with pytest.raises(ConfigError, match="not a folder"):
        import_study(tmp_path / "absent", tmp_path / "samples.tsv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no meta files"):
        import_study(tmp_path / "empty", tmp_path / "samples.tsv")


def test_cli_prints_mapping_problems_and_next_command(tmp_path, capsys):
    study = write_study(tmp_path / "study")
    sheet = tmp_path / "out dir" / "samples.tsv"
    assert main(["import-cbioportal", str(study), "--out", str(sheet), "--outdir", str(tmp_path / "results")]) == 0
    out = capsys.readouterr().out
    assert "8 samples written" in out
    assert "TCGA-HT-7476-01: no copy number" in out
    assert f"snakemake --cores 4 --config samples='{sheet.resolve()}' outdir={tmp_path / 'results'}" in out
    assert sheet.is_file()

    bad = write_study(tmp_path / "bad", variant="genome_mismatch")
    assert main(["import-cbioportal", str(bad), "--out", str(tmp_path / "bad.tsv")]) == 2
    captured = capsys.readouterr()
    assert "reference_genome_id 'hg38'" in captured.err and not (tmp_path / "bad.tsv").exists()


def _outside_copy(study: Path, name: str) -> Path:
    """Move a study file out of the study folder (next to it); returns its new place."""
    outside = study.parent / f"outside_{name}"
    (study / name).rename(outside)
    return outside


def test_a_data_filename_leading_outside_the_study_stops_the_import(tmp_path):
    study = write_study(tmp_path / "study")
    _outside_copy(study, "data_mutations.txt")
    meta = study / "meta_mutations.txt"
    meta.write_text(
        meta.read_text().replace("data_filename: data_mutations.txt", "data_filename: ../outside_data_mutations.txt")
    )
    with pytest.raises(ConfigError) as err:
        import_study(study, tmp_path / "samples.tsv")
    assert any(
        str(meta) in p and "data_filename '../outside_data_mutations.txt'" in p and "outside the study folder" in p
        for p in err.value.problems
    ), err.value.problems
    assert not (tmp_path / "samples.tsv").exists()


@pytest.mark.parametrize(
    "name",
    [
        "data_cna_hg19.seg",
        "case_lists/cases_sequenced.txt",
        "data_gene_panel_test_glioma_panel.txt",
        "meta_mutations.txt",
    ],
)
def test_a_symbolic_link_leading_outside_the_study_stops_the_import(tmp_path, name):
    study = write_study(tmp_path / "study")
    outside = tmp_path / "elsewhere" / Path(name).name
    outside.parent.mkdir()
    (study / name).rename(outside)
    (study / name).symlink_to(outside)
    with pytest.raises(ConfigError) as err:
        import_study(study, tmp_path / "samples.tsv")
    assert any("outside the study folder" in p and Path(name).name in p for p in err.value.problems), err.value.problems


def test_a_symbolic_link_inside_the_study_is_fine(tmp_path):
    study = write_study(tmp_path / "study")
    (study / "real").mkdir()
    (study / "data_cna_hg19.seg").rename(study / "real" / "segments.seg")
    (study / "data_cna_hg19.seg").symlink_to(study / "real" / "segments.seg")
    assert import_study(study, tmp_path / "samples.tsv").n_samples == 8


def test_variants_profiled_says_which_samples_the_study_profiled(tmp_path):
    from mdm2screen.sheet import read_sheet

    _, result, rows = _import(tmp_path)
    assert rows["TCGA-06-0140-01"]["variants_profiled"] == "yes"  # WXS in the panel matrix
    assert rows["TCGA-06-0173-01"]["variants_profiled"] == "yes"  # on the panel
    assert rows["TCGA-06-6390-01"]["variants_profiled"] == ""  # no mutation data at all
    by_sample = {r.sample_id: r for r in read_sheet(result.sheet_path).rows}
    assert by_sample["TCGA-06-0140-01"].variants_profiled is True
    assert by_sample["TCGA-06-6390-01"].variants_profiled is None
    # In the MAF, but in neither the panel matrix nor the _sequenced case list: not stated.
    _, _, rows = _import(tmp_path / "second", "no_panel_matrix")
    assert rows["TCGA-HT-7476-01"]["variants_profiled"] == "" and rows["TCGA-HT-7476-01"]["vcf"]
    assert rows["TCGA-02-0033-01"]["variants_profiled"] == "yes"  # in the _sequenced case list
    _, _, rows = _import(tmp_path / "third", "profiled_no_calls")
    assert rows["TCGA-19-5958-01"]["variants_profiled"] == "yes"
