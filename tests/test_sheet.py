import csv
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm2screen.errors import ConfigError
from mdm2screen.fileio import split_tsv_line
from mdm2screen.sheet import load_samples, read_sheet

HEADER = ["patient_id", "sample_id", "build", "cn_file", "vcf", "purity", "collection_date", "cn_format"]


def test_reads_rows_and_resolves_paths_relative_to_the_sheet(write_tsv, tmp_path):
    sheet = write_tsv("s.tsv", [HEADER, ["P1", "S1", "hg19", "cn/a.cns", "/abs/v.vcf", "0.6", "2024-01-02", ""]])
    result = read_sheet(sheet)
    assert result.problems == []
    row = result.rows[0]
    assert row.build == "GRCh37"
    assert row.cn_file == tmp_path / "cn" / "a.cns"
    assert str(row.vcf) == "/abs/v.vcf"
    assert row.purity == 0.6 and row.collection_date == dt.date(2024, 1, 2)
    assert row.line == 2


def test_every_problem_listed_with_file_line_and_column(write_tsv):
    sheet = write_tsv(
        "bad.tsv",
        [
            HEADER,
            ["P1", "S1", "GRCh36", "a", "b", "1.5", "02/01/2024", "cnvkitt"],
            ["../evil", "S2", "GRCh38", "a", "b", "", "", ""],
            ["P3", "S1", "GRCh38", "a", "b", "abc", "", ""],
        ],
    )
    with pytest.raises(ConfigError) as info:
        load_samples(sheet)
    text = str(info.value)
    assert f"{sheet}, line 2, column 'build'" in text and "GRCh36" in text
    assert "line 2, column 'purity'" in text
    assert "line 2, column 'collection_date'" in text
    assert "line 2, column 'cn_format'" in text and "did you mean 'cnvkit'" in text
    assert "line 3, column 'patient_id'" in text and "'../evil'" in text
    assert "line 4, column 'purity'" in text
    # Rows 2 and 4 both have other problems; their shared sample ID is reported all the same.
    assert "line 4, column 'sample_id': duplicate sample ID 'S1'" in text
    assert len(info.value.problems) == 7


def test_duplicate_sample_ids_across_rows(write_tsv):
    sheet = write_tsv("d.tsv", [HEADER[:5], ["P1", "S1", "GRCh38", "a", "b"], ["P2", "S1", "GRCh38", "a", "b"]])
    with pytest.raises(ConfigError, match="duplicate sample ID 'S1'.*first at .*line 2"):
        load_samples(sheet)


def test_a_duplicate_sample_id_is_reported_with_the_rows_other_problems(write_tsv):
    """One run lists everything: the second S1 row also has a bad build."""
    sheet = write_tsv(
        "d.tsv",
        [HEADER[:5], ["P1", "S1", "GRCh38", "a", "b"], ["P2", "S1", "hg18", "a", "b"], ["P3", "S3", "x", "a", "b"]],
    )
    with pytest.raises(ConfigError) as info:
        load_samples(sheet)
    text = "\n".join(info.value.problems)
    assert "line 3, column 'build'" in text and "line 4, column 'build'" in text
    assert "line 3, column 'sample_id': duplicate sample ID 'S1' (first at" in text and "line 2)" in text
    assert len(info.value.problems) == 3


def test_missing_required_column_and_typo_column(write_tsv):
    sheet = write_tsv(
        "m.tsv", [["patient_id", "sample_id", "build", "cn_file", "tumour_sample"], ["P", "S", "GRCh38", "a", "x"]]
    )
    result = read_sheet(sheet)
    assert any("required column 'vcf' is missing" in p for p in result.problems)
    assert any("did you mean 'tumor_sample'" in p for p in result.problems)


def test_comma_separated_sheet_is_explained(write_tsv, tmp_path):
    sheet = tmp_path / "c.tsv"
    sheet.write_text("patient_id,sample_id,build,cn_file,vcf\nP,S,GRCh38,a,b\n")
    result = read_sheet(sheet)
    assert result.problems and "tab-separated" in result.problems[0]


def test_crlf_bom_and_comment_lines(tmp_path):
    sheet = tmp_path / "w.tsv"
    sheet.write_bytes(
        "\ufeff# exported by LIMS\r\npatient_id\tsample_id\tbuild\tcn_file\tvcf\r\nP\tS\tGRCh38\ta\tb\r\n".encode()
    )
    result = read_sheet(sheet)
    assert result.problems == [] and result.rows[0].sample_id == "S"


def test_folder_of_sheets(write_tsv, tmp_path):
    write_tsv("run1.tsv", [HEADER[:5], ["P1", "S1", "GRCh38", "a", "b"]])
    write_tsv("run2.tsv", [HEADER[:5], ["P2", "S2", "GRCh37", "a", "b"]])
    rows = load_samples(tmp_path)
    assert [r.sample_id for r in rows] == ["S1", "S2"]


def test_empty_or_binary_sheet(tmp_path):
    empty = tmp_path / "e.tsv"
    empty.write_text("")
    assert "no header" in read_sheet(empty).problems[0]
    junk = tmp_path / "j.tsv"
    junk.write_bytes(b"\x00\x01\x02binary")
    assert "binary" in read_sheet(junk).problems[0]


# Characters str.splitlines() splits on never reach a line; every other character may.
_LINE_TEXT = st.text(
    alphabet=st.characters(blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00"), max_size=40
) | st.lists(st.sampled_from(['"', "\t", "a", " ", "'", ""]), max_size=12).map("".join)


@given(_LINE_TEXT)
def test_a_line_is_split_exactly_as_csv_reads_it(line):
    assert split_tsv_line(line) == next(csv.reader([line], delimiter="\t"), [])


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "Infinity", "1e400", "0_5", " "])
def test_non_finite_or_odd_purity_and_ploidy_are_problems(write_tsv, value):
    sheet = write_tsv("s.tsv", [HEADER[:5] + ["purity", "ploidy"], ["P1", "S1", "GRCh38", "a", "b", value, value]])
    problems = read_sheet(sheet).problems
    if value.strip():
        assert any("line 2, column 'purity'" in p for p in problems) and any("column 'ploidy'" in p for p in problems)
    else:
        assert problems == []  # blank: not stated


def test_implausibly_low_purity_is_a_sheet_problem(write_tsv):
    sheet = write_tsv(
        "s.tsv", [HEADER[:6], ["P1", "S1", "GRCh38", "a", "b", "0.000001"], ["P2", "S2", "GRCh38", "a", "b", "0.08"]]
    )
    result = read_sheet(sheet)
    assert result.problems == [
        f"{sheet}, line 2, column 'purity': purity 0.000001 is below the plausible minimum 0.08 "
        "(copy_number.min_plausible_purity)"
    ]
    assert [r.purity for r in result.rows] == [0.08]
    assert read_sheet(sheet, min_plausible_purity=0.1).problems[-1].startswith(f"{sheet}, line 3, column 'purity'")
    assert read_sheet(sheet, min_plausible_purity=1e-7).problems == []


@pytest.mark.parametrize(
    ("value", "expected"), [("yes", True), ("TRUE", True), ("no", False), ("False", False), ("", None)]
)
def test_variants_profiled_column(write_tsv, value, expected):
    sheet = write_tsv("s.tsv", [HEADER[:5] + ["variants_profiled"], ["P1", "S1", "GRCh38", "a", "b.maf", value]])
    result = read_sheet(sheet)
    assert result.problems == [] and result.rows[0].variants_profiled is expected


def test_variants_profiled_must_be_yes_or_no(write_tsv):
    sheet = write_tsv("s.tsv", [HEADER[:5] + ["variants_profiled"], ["P1", "S1", "GRCh38", "a", "b.maf", "maybe"]])
    assert read_sheet(sheet).problems == [
        f"{sheet}, line 2, column 'variants_profiled': expected yes, no, true, false or empty, found 'maybe'"
    ]


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\r"])
def test_line_numbers_count_newlines_only(tmp_path, separator):
    sheet = tmp_path / "s.tsv"
    columns = HEADER[:5] + ["tumor_type"]
    rows = [columns, ["P1", "S1", "GRCh38", "a", "b", f"lipo{separator}sarcoma"], ["P2", "S2", "GRCh99", "a", "b", ""]]
    sheet.write_text("".join("\t".join(r) + "\n" for r in rows), newline="")
    result = read_sheet(sheet)
    assert [r.line for r in result.rows] == [2]
    assert result.rows[0].tumor_type == f"lipo{separator}sarcoma"
    assert result.problems == [f"{sheet}, line 3, column 'build': expected one of GRCh37, GRCh38, found 'GRCh99'"]


def test_classic_mac_line_ends_still_read(tmp_path):
    sheet = tmp_path / "s.tsv"
    sheet.write_text("patient_id\tsample_id\tbuild\tcn_file\tvcf\rP\tS\tGRCh38\ta\tb\r", newline="")
    result = read_sheet(sheet)
    assert result.problems == [] and result.rows[0].line == 2
