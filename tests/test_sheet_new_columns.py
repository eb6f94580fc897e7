"""Sample-sheet columns for what else makes p53 non-functional and for resistance over time (issue 24):
``sv_vcf``, ``sample_type``, ``normal_sample`` and ``treatment_start``, read by mdm2screen.sheet and
described by the package's samples.schema.yaml."""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest
import yaml

from mdm2screen.errors import ConfigError
from mdm2screen.paths import schema_path
from mdm2screen.sheet import KNOWN_COLUMNS, PATH_COLUMNS, SampleRow, load_samples, read_sheet

BASE = ["patient_id", "sample_id", "build", "cn_file", "vcf"]


def sheet_with(write_tsv, columns: list[str], *rows: list[str], name: str = "s.tsv"):
    return write_tsv(name, [BASE + columns, *rows])


def row(patient: str, sample: str, *values: str) -> list[str]:
    return [patient, sample, "GRCh38", "cn.tsv", "v.vcf", *values]


def test_all_four_columns_are_read(write_tsv, tmp_path):
    sheet = sheet_with(
        write_tsv,
        ["sv_vcf", "sample_type", "tumor_sample", "normal_sample", "treatment_start", "collection_date"],
        row("P1", "S1", "sv/P1.sv.vcf.gz", "cfDNA", "P1_T", "P1_WBC", "2024-03-01", "2024-06-01"),
        row("P1", "S2", "", "tissue", "", "", "2024-03-01", "2023-12-01"),
    )
    result = read_sheet(sheet)
    assert result.problems == []
    first, second = result.rows
    assert first.sv_vcf == tmp_path / "sv" / "P1.sv.vcf.gz"  # resolved against the sheet's folder
    assert (first.sample_type, first.normal_sample, first.treatment_start) == ("plasma", "P1_WBC", dt.date(2024, 3, 1))
    assert (second.sv_vcf, second.sample_type, second.normal_sample) == (None, "tissue", None)
    # A sample collected after the start date is what the date is for: no problem.
    assert first.collection_date > first.treatment_start
    assert ("sv_vcf", tmp_path / "sv" / "P1.sv.vcf.gz") in first.files()
    assert [role for role, _ in second.files()] == ["cn_file", "vcf"]


def test_columns_are_known_and_sv_vcf_is_a_path():
    assert {"sv_vcf", "sample_type", "normal_sample", "treatment_start"} <= set(KNOWN_COLUMNS)
    assert "sv_vcf" in PATH_COLUMNS


@pytest.mark.parametrize(
    ("value", "expected"),
    [("tissue", "tissue"), ("TISSUE", "tissue"), ("plasma", "plasma"), ("Plasma", "plasma"), ("cfDNA", "plasma"),
     ("ctDNA", "plasma"), ("cf-DNA", "plasma"), ("ct DNA", "plasma"), ("CT_dna", "plasma"), ("", None)],
)  # fmt: skip
def test_sample_type_vocabulary(write_tsv, value, expected):
    result = read_sheet(sheet_with(write_tsv, ["sample_type"], row("P1", "S1", value)))
    assert result.problems == [] and result.rows[0].sample_type == expected


@pytest.mark.parametrize("value", ["blood", "WBC", "buffy coat", "tumour", "plasma cfDNA", "ffpe"])
def test_other_sample_types_are_a_sheet_problem_naming_the_accepted_ones(write_tsv, value):
    sheet = sheet_with(write_tsv, ["sample_type"], row("P1", "S1", value))
    assert read_sheet(sheet).problems == [
        f"{sheet}, line 2, column 'sample_type': expected tissue or plasma (cfDNA and ctDNA are read as plasma), "
        f"found {value!r}; a matched blood (white-cell) normal is not a row of its own: name its VCF column in "
        "normal_sample"
    ]


def test_normal_sample_cannot_be_the_tumour_column(write_tsv):
    sheet = sheet_with(write_tsv, ["tumor_sample", "normal_sample"], row("P1", "S1", "T1", "T1"))
    assert read_sheet(sheet).problems == [
        f"{sheet}, line 2, column 'normal_sample': 'T1' is also the tumor_sample; the matched normal's column must "
        "be another one"
    ]


@pytest.mark.parametrize("value", ["2024/03/01", "20240301", "2024-W09-5", "2024-02-30", "01-03-2024", "2024-3-1"])
def test_treatment_start_must_be_a_day_as_yyyy_mm_dd(write_tsv, value):
    sheet = sheet_with(write_tsv, ["treatment_start"], row("P1", "S1", value))
    assert read_sheet(sheet).problems == [
        f"{sheet}, line 2, column 'treatment_start': expected a date as YYYY-MM-DD, found {value!r}"
    ]


def test_treatment_start_differing_within_a_patient_is_a_problem_per_row(write_tsv):
    sheet = sheet_with(
        write_tsv,
        ["treatment_start"],
        row("P1", "S1", "2024-03-01"),
        row("P2", "S2", "2024-05-01"),
        row("P1", "S3", "2024-03-02"),
        row("P1", "S4", ""),
        row("P2", "S5", "2024-05-01"),
    )
    result = read_sheet(sheet)
    assert result.problems == [
        f"{sheet}, line 4, column 'treatment_start': patient 'P1' has 2024-03-02 here but 2024-03-01 on line 2; "
        "the MDM2-inhibitor start date is the patient's: give the same date on every row of the patient",
        f"{sheet}, line 5, column 'treatment_start': patient 'P1' has none here but 2024-03-01 on line 2; "
        "the MDM2-inhibitor start date is the patient's: give the same date on every row of the patient",
    ]
    # Rows are still read (the problems stop the run as a whole, listed with all others).
    assert [r.sample_id for r in result.rows] == ["S1", "S2", "S3", "S4", "S5"]


def test_treatment_start_across_sheets(write_tsv, tmp_path):
    write_tsv("run1.tsv", [BASE + ["treatment_start"], row("P1", "S1", "2024-03-01"), row("P2", "S2", "")])
    write_tsv("run2.tsv", [BASE + ["treatment_start"], row("P1", "S3", "2024-03-01"), row("P2", "S4", "2024-06-01")])
    with pytest.raises(ConfigError) as info:
        load_samples(tmp_path)
    assert info.value.problems == [
        f"{tmp_path / 'run2.tsv'}, line 3, column 'treatment_start': patient 'P2' has 2024-06-01 here but none in "
        f"{tmp_path / 'run1.tsv'}, line 3; the MDM2-inhibitor start date is the patient's: give the same date on "
        "every row of the patient, in every sheet"
    ]
    (tmp_path / "run2.tsv").write_text((tmp_path / "run2.tsv").read_text().replace("2024-06-01", ""))
    rows = load_samples(tmp_path)
    assert [(r.sample_id, r.treatment_start) for r in rows] == [
        ("S1", dt.date(2024, 3, 1)), ("S2", None), ("S3", dt.date(2024, 3, 1)), ("S4", None)
    ]  # fmt: skip


def test_a_sheet_without_the_column_disagrees_with_one_that_gives_a_date(write_tsv, tmp_path):
    write_tsv("run1.tsv", [BASE, row("P1", "S1")])
    write_tsv("run2.tsv", [BASE + ["treatment_start"], row("P1", "S2", "2024-03-01")])
    with pytest.raises(ConfigError, match="patient 'P1' has 2024-03-01 here but none in"):
        load_samples(tmp_path)


def test_every_problem_of_the_new_columns_is_listed_at_once(write_tsv):
    sheet = sheet_with(
        write_tsv,
        ["sample_type", "tumor_sample", "normal_sample", "treatment_start"],
        ["P1", "S1", "GRCh36", "a", "b", "blood", "T", "T", "2024/01/01"],
        row("P2", "S2", "serum", "", "", "yesterday"),
    )
    with pytest.raises(ConfigError) as info:
        load_samples(sheet)
    columns = [p.split("column '")[1].split("'")[0] for p in info.value.problems]
    assert columns == ["build", "sample_type", "normal_sample", "treatment_start", "sample_type", "treatment_start"]


def test_only_the_batch_patients_rows_are_compared(write_tsv):
    sheet = sheet_with(
        write_tsv,
        ["treatment_start"],
        row("P1", "S1", "2024-03-01"),
        row("P2", "S2", "2024-01-01"),
        row("P2", "S3", ""),
    )
    assert read_sheet(sheet, patients={"P1"}).problems == []
    assert len(read_sheet(sheet, patients={"P2"}).problems) == 1


def test_sample_row_built_in_code_defaults_the_new_fields(tmp_path):
    sample = SampleRow(
        patient_id="P", sample_id="S", build="GRCh38", cn_file=None, vcf=None, sheet=tmp_path / "s.tsv", line=2
    )
    assert (sample.sv_vcf, sample.sample_type, sample.normal_sample, sample.treatment_start) == (None, None, None, None)
    assert sample.files() == []


class TestSchema:
    schema = yaml.safe_load(schema_path("samples.schema.yaml").read_text())
    base = {"patient_id": "P", "sample_id": "S", "build": "GRCh38", "cn_file": "a", "vcf": "b"}

    @pytest.mark.parametrize(
        ("column", "value"),
        [("sample_type", "cfDNA"), ("sample_type", "ct-DNA"), ("sample_type", "Tissue"), ("sample_type", ""),
         ("treatment_start", "2024-03-01"), ("treatment_start", ""), ("sv_vcf", "x.sv.vcf.gz"), ("normal_sample", "N")],
    )  # fmt: skip
    def test_accepts(self, column, value):
        jsonschema.validate({**self.base, column: value}, self.schema)

    @pytest.mark.parametrize(
        ("column", "value"),
        [("sample_type", "blood"), ("treatment_start", "20240301"), ("treatment_start", "03/01/2024")],
    )
    def test_refuses(self, column, value):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**self.base, column: value}, self.schema)

    def test_every_sheet_column_is_described(self):
        assert set(KNOWN_COLUMNS) <= set(self.schema["properties"])
