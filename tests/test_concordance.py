"""GISTIC concordance (mdm2screen.concordance).

The main case runs on the discrete CNA table of the study written by tests/cbioportal_study.py
(real TCGA glioma segments, values derived GISTIC-style, one deliberately discordant sample;
the study passes cBioPortal's validateData.py, cbioportal-core commit
c3c8edfa366dea7b150d36af08b06f770e333789). Edge cases use small tables written here to the
"Discrete Copy Number Data" specification of https://docs.cbioportal.org/file-formats/ (and the
GISTIC 2.0 ``all_thresholded.by_genes.txt`` header it describes).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from cbioportal_study import DELIBERATELY_DISCORDANT, write_study

from mdm2screen.concordance import gistic_concordance, read_discrete_cna, write_concordance_tsv
from mdm2screen.errors import InputError


def _call(sample: str, gene: str, call: str, cn: float | None) -> dict:
    return {"sample_id": sample, "gene": gene, "call": call, "copy_number": cn}


# Calls as an absolute-copy-number rule (amplified >= 8, gain 5-8) would make them from the
# study's segments at purity 1 in a diploid genome: CN = 2 * 2**log2 (log2 in tests/data/cbioportal/README.md).
STUDY_CALLS = [
    _call("TCGA-06-0140-01", "MDM2", "amplified", 21.0),  # log2 3.392
    _call("TCGA-06-0173-01", "MDM2", "amplified", 45.6),  # 4.512
    _call("TCGA-02-0033-01", "MDM2", "not_amplified", 2.0),  # 0.003
    _call("TCGA-32-4208-01", "MDM2", "equivocal", 7.35),  # 1.878
    _call("TCGA-19-5958-01", "MDM2", "not_amplified", 2.02),  # 0.013
    _call("TCGA-06-6390-01", "MDM2", "not_amplified", 4.91),  # 1.295: GISTIC-style 2 -> discordant
    _call("TCGA-26-5132-01", "MDM2", "amplified", 21.6),  # 3.432: GISTIC deliberately 1 -> discordant
    _call("TCGA-HT-7476-01", "MDM2", "not_assessable", None),  # no segments, not in the table
    _call("TCGA-06-0140-01", "CDK4", "not_amplified", 2.04),  # 0.026
    _call("TCGA-06-0173-01", "CDK4", "amplified", 24.0),  # 3.587
    _call("TCGA-02-0033-01", "CDK4", "not_amplified", 2.0),
    _call("TCGA-32-4208-01", "CDK4", "amplified", 9.83),  # 2.298
    _call("TCGA-19-5958-01", "CDK4", "not_amplified", 2.02),
    _call("TCGA-06-6390-01", "CDK4", "equivocal", 5.03),  # 1.332
    _call("TCGA-26-5132-01", "CDK4", "not_amplified", 1.21),  # -0.720
    _call("TCGA-HT-7476-01", "CDK4", "not_assessable", None),
    _call("TCGA-06-0140-01", "TP53", "not_amplified", 2.0),  # not a requested gene: ignored
]


def test_concordance_on_the_written_study(tmp_path):
    study = write_study(tmp_path)
    assert DELIBERATELY_DISCORDANT == {("TCGA-26-5132-01", "MDM2"): 1}
    result = gistic_concordance(STUDY_CALLS, study / "data_CNA.txt")
    json.dumps(result)  # JSON-serialisable for the cohort summary
    assert result["source"] == str(study / "data_CNA.txt")
    assert result["n_samples_compared"] == 7

    mdm2 = result["genes"]["MDM2"]
    assert mdm2["table"] == {
        "amplified": {"2": 2, "1": 1, "<=0": 0, "NA": 0},
        "equivocal": {"2": 1, "1": 0, "<=0": 0, "NA": 0},
        "not_amplified": {"2": 1, "1": 0, "<=0": 2, "NA": 0},
        "not_assessable": {"2": 0, "1": 0, "<=0": 0, "NA": 1},
    }
    assert [(d["sample_id"], d["mdm2screen_call"], d["gistic"], d["copy_number"]) for d in mdm2["discordant"]] == [
        ("TCGA-06-6390-01", "not_amplified", 2, 4.91),
        ("TCGA-26-5132-01", "amplified", 1, 21.6),
    ]
    assert all("arm-level medians" in d["note"] for d in mdm2["discordant"])
    assert mdm2["n_concordant"] == 4 and mdm2["in_table"]
    assert mdm2["samples_not_in_table"] == ["TCGA-HT-7476-01"]

    cdk4 = result["genes"]["CDK4"]
    assert cdk4["table"] == {
        "amplified": {"2": 2, "1": 0, "<=0": 0, "NA": 0},
        "equivocal": {"2": 1, "1": 0, "<=0": 0, "NA": 0},
        "not_amplified": {"2": 0, "1": 0, "<=0": 4, "NA": 0},
        "not_assessable": {"2": 0, "1": 0, "<=0": 0, "NA": 1},
    }
    assert cdk4["discordant"] == []
    assert "TP53" not in result["genes"]


def test_concordance_tsv(tmp_path):
    study = write_study(tmp_path / "study")
    result = gistic_concordance(STUDY_CALLS, study / "data_CNA.txt")
    out = tmp_path / "out" / "gistic_concordance.tsv"
    write_concordance_tsv(result, out)
    lines = out.read_text().splitlines()
    assert lines[0].startswith("# GISTIC concordance against") and "samples compared: 7" in lines[0]
    assert lines[1].split("\t") == ["gene", "mdm2screen_call", "gistic_2", "gistic_1", "gistic_le0", "gistic_NA",
                                    "discordant_samples"]
    rows = {(r[0], r[1]): r[2:] for r in (line.split("\t") for line in lines[2:])}
    assert rows[("MDM2", "amplified")] == ["2", "1", "0", "0", "TCGA-26-5132-01 (GISTIC 1, CN 21.6)"]
    assert rows[("MDM2", "not_amplified")] == ["1", "0", "2", "0", "TCGA-06-6390-01 (GISTIC 2, CN 4.91)"]
    assert rows[("CDK4", "not_amplified")] == ["0", "0", "4", "0", ""]
    assert len(rows) == 8
    assert [p.name for p in out.parent.iterdir()] == ["gistic_concordance.tsv"]  # atomic: no temp file left


def _table(path: Path, text: str, *, gz: bool = False) -> Path:
    data = text.encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def test_blank_na_and_missing_samples_count_as_na(tmp_path):
    cna = _table(tmp_path / "cna.txt", "Hugo_Symbol\tS1\tS2\tS3\tS4\nMDM2\t2\t\tNA\t-1.5\nCDK4\t0\t1\t2\t-2\n")
    calls = [_call("S1", "MDM2", "amplified", 30.0), _call("S2", "MDM2", "amplified", 12.0),
             _call("S3", "MDM2", "not_amplified", 2.0), _call("S4", "MDM2", "amplified", 9.0),
             _call("S5", "MDM2", "not_amplified", 2.0)]
    result = gistic_concordance(calls, cna)
    mdm2 = result["genes"]["MDM2"]
    assert mdm2["table"]["amplified"] == {"2": 1, "1": 0, "<=0": 1, "NA": 1}
    assert mdm2["table"]["not_amplified"] == {"2": 0, "1": 0, "<=0": 0, "NA": 2}
    assert mdm2["samples_not_in_table"] == ["S5"]
    (only,) = mdm2["discordant"]
    assert only["sample_id"] == "S4" and only["gistic"] == -1.5 and "no gain" in only["note"]
    assert result["n_samples_compared"] == 2
    assert result["genes"]["CDK4"]["table"] == {}


def test_raw_gistic_headers_entrez_only_crlf_and_gzip(tmp_path):
    raw = _table(tmp_path / "all_thresholded.by_genes.txt.gz",
                 "Gene Symbol\tLocus ID\tCytoband\tS1\tS2\r\nCDK4\t1019\t12q14.1\t2\t0\r\nMDM2\t4193\t12q15\t1\t2\r\n",
                 gz=True)
    values, samples = read_discrete_cna(raw, ["MDM2", "CDK4"])
    assert samples == ["S1", "S2"]
    assert values == {"CDK4": {"S1": 2.0, "S2": 0.0}, "MDM2": {"S1": 1.0, "S2": 2.0}}

    entrez_only = _table(tmp_path / "entrez.txt", "Entrez_Gene_Id\tS1\n4193\t2\n7157\t-1\n")
    assert read_discrete_cna(entrez_only, ["MDM2", "CDK4"])[0] == {"MDM2": {"S1": 2.0}}
    result = gistic_concordance([_call("S1", "CDK4", "amplified", 10.0)], entrez_only)
    assert result["genes"]["CDK4"]["in_table"] is False
    assert result["genes"]["CDK4"]["table"]["amplified"] == {"2": 0, "1": 0, "<=0": 0, "NA": 1}


def test_duplicate_gene_rows(tmp_path):
    # An alias row with another Entrez ID loses to the row carrying MDM2's own Entrez ID (4193).
    alias = _table(tmp_path / "alias.txt", "Hugo_Symbol\tEntrez_Gene_Id\tS1\nMDM2\t999999\t0\nMDM2\t4193\t2\n")
    assert read_discrete_cna(alias, ["MDM2"])[0] == {"MDM2": {"S1": 2.0}}
    same = _table(tmp_path / "same.txt", "Hugo_Symbol\tS1\nMDM2\t2\nMDM2\t2\n")
    assert read_discrete_cna(same, ["MDM2"])[0] == {"MDM2": {"S1": 2.0}}
    conflict = _table(tmp_path / "conflict.txt", "Hugo_Symbol\tS1\nMDM2\t2\nMDM2\t0\n")
    with pytest.raises(InputError, match="lines 2 and 3"):
        read_discrete_cna(conflict, ["MDM2"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hugo_Symbol\tS1\tS2\nMDM2\t2\t3\n", "line 2, field 'S2': not a discrete copy-number value"),
        ("Hugo_Symbol\tS1\nMDM2\tamp\n", "found 'amp'"),
        ("Gene\tS1\nMDM2\t2\n", "no gene column"),
        ("Hugo_Symbol\tS1\tS1\nMDM2\t2\t2\n", "sample columns must be named and unique"),
        ("Hugo_Symbol\tS1\nMDM2\t2\t0\t1\n", "more cells than header columns"),
        ("# only a comment\n", "no header line"),
    ],
)
def test_malformed_tables_raise_input_error(tmp_path, text, message):
    path = _table(tmp_path / "cna.txt", text)
    with pytest.raises(InputError, match=message.replace("(", r"\(")) as err:
        gistic_concordance([_call("S1", "MDM2", "amplified", 20.0)], path)
    assert str(path) in str(err.value)


def test_unreadable_file_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        gistic_concordance([], tmp_path / "absent.txt")


def test_deleted_against_high_level_amplification_is_discordant(tmp_path):
    cna = _table(tmp_path / "cna.txt", "Hugo_Symbol\tS1\nMDM2\t2\n")
    (item,) = gistic_concordance([_call("S1", "MDM2", "deleted", 0.1)], cna)["genes"]["MDM2"]["discordant"]
    assert item["mdm2screen_call"] == "deleted" and "sample identity" in item["note"]


def test_malformed_calls_raise_value_error(tmp_path):
    cna = _table(tmp_path / "cna.txt", "Hugo_Symbol\tS1\nMDM2\t2\n")
    with pytest.raises(ValueError, match="calls\\[0\\]"):
        gistic_concordance([{"sample_id": "S1", "gene": "MDM2"}], cna)
    with pytest.raises(ValueError, match="two MDM2 calls"):
        gistic_concordance([_call("S1", "MDM2", "amplified", 9.0), _call("S1", "MDM2", "equivocal", 6.0)], cna)
