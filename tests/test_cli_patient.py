"""``mdm2screen patient``: one patient screened ad hoc through the cohort's code path (``adhoc.screen_one``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from conftest import GPGR, LACHESIS, PCGR

from mdm2screen.adhoc import NO_CONFIG_FILE, PatientInput, derive_patient_id, screen_one
from mdm2screen.app import load_config
from mdm2screen.cli import main
from mdm2screen.errors import ConfigError
from mdm2screen.pipeline import screen_config

# Real caller output (resources/demo/README.md): PURPLE's NB-S-599-T (GRCh38) has MDM2 at ~45 copies
# and CDK4 at ~51; umccrise's ensemble VCF has no TP53 call, PCGR's T001-BRCA has TP53 p.V272M.
PURPLE_CN = LACHESIS / "NB-S-599-T.purple.cnv.somatic.tsv"
NO_TP53_VCF = GPGR / "somatic-ensemble-PASS.vcf.gz"
TP53_MUTANT_VCF = PCGR / "T001-BRCA.grch38.vcf.gz"
# TP53 counts as wild type only where it was shown to be sequenced: PURPLE runs on whole genomes.
ELIGIBLE = ["--cn", str(PURPLE_CN), "--vcf", str(NO_TP53_VCF), "--build", "GRCh38", "--gene-panel", "WGS"]
CONFIRMED = ["--ihc-mdm2", "positive", "--ihc-p53", "wild_type_pattern"]


@pytest.fixture(autouse=True)
def _no_config_file_here(tmp_path, monkeypatch):
    """Run in an empty folder: no config/config.yaml, so every default applies unless a test says otherwise."""
    monkeypatch.chdir(tmp_path)


def _patient(out: Path, *options: str, patient_id: str = "P1") -> tuple[int, dict]:
    code = main(["patient", *ELIGIBLE, "--patient-id", patient_id, *options, "--out", str(out)])
    report_path = out / "patients" / f"{patient_id}.json"
    return code, json.loads(report_path.read_text()) if report_path.exists() else {}


def _criterion(report: dict, kind: str, arm: str = "mdm2_inhibitor") -> dict:
    arm_result = next(a for a in report["arms"] if a["id"] == arm)
    return next(c for c in arm_result["criteria"] if c["kind"] == kind)


def test_an_eligible_patient_prints_every_arm_and_writes_both_reports(tmp_path, capsys):
    out = tmp_path / "one"
    code, report = _patient(out, *CONFIRMED)
    printed = capsys.readouterr().out
    assert code == 0
    assert report["status"] == "ELIGIBLE"
    assert [a["status"] for a in report["arms"]] == ["ELIGIBLE", "ELIGIBLE"]
    assert "Status: ELIGIBLE (default arm mdm2_inhibitor)" in printed
    assert "Arm mdm2_inhibitor: ELIGIBLE" in printed and "Arm mdm2_cdk4_combination: ELIGIBLE" in printed
    # Every criterion with its state and evidence, as the report holds them.
    assert "met      MDM2 amplified by NGS: MDM2 copy number 44.93" in printed
    assert "met      CDK4 amplified by NGS: CDK4 copy number 50.57" in printed
    assert f"Report (JSON): {out.absolute() / 'patients' / 'P1.json'}" in printed
    assert f"Report (HTML): {out.absolute() / 'patients' / 'P1.html'}" in printed
    html = (out / "patients" / "P1.html").read_text()
    assert "P1" in html and "ELIGIBLE" in html
    assert f"Configuration: {NO_CONFIG_FILE}" in printed


def test_the_input_folder_holds_the_sheet_ihc_table_and_config_screened(tmp_path):
    out = tmp_path / "one"
    code, report = _patient(out, *CONFIRMED, "--purity", "0.8", "--tumor-type", 'Liposarcoma "DD"')
    assert code == 0
    sheet = (out / "input" / "P1.samples.tsv").read_text().splitlines()
    assert sheet[0].split("\t") == [
        "patient_id",
        "sample_id",
        "build",
        "cn_file",
        "vcf",
        "purity",
        "tumor_type",
        "gene_panel",
    ]
    assert sheet[1].split("\t") == [
        "P1", "P1", "GRCh38", str(PURPLE_CN), str(NO_TP53_VCF), "0.8", '"Liposarcoma ""DD"""', "WGS"
    ]  # fmt: skip
    assert report["samples"][0]["tumor_type"] == 'Liposarcoma "DD"'  # the quoted cell reads back as typed
    assert report["samples"][0]["purity"] == 0.8
    ihc = (out / "input" / "P1.ihc.tsv").read_text().splitlines()
    assert ihc[0].split("\t") == ["patient_id", "sample_id", "marker", "result", "method"]
    assert ihc[1].split("\t")[2:4] == ["MDM2", "positive"] and ihc[2].split("\t")[2:4] == ["p53", "wild_type_pattern"]
    config = yaml.safe_load((out / "input" / "P1.config.yaml").read_text())
    assert config == {
        "samples": str(out / "input" / "P1.samples.tsv"),
        "outdir": str(out),
        "ihc": str(out / "input" / "P1.ihc.tsv"),
    }
    # The report's provenance names the sheet and IHC table written, with their checksums.
    roles = {i["role"]: i["path"] for i in report["provenance"]["inputs"]}
    assert roles["sample_sheet"] == config["samples"] and roles["ihc"] == config["ihc"]


def test_relative_file_paths_are_written_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(PURPLE_CN.parent)
    out = tmp_path / "one"
    code = main(
        ["patient", "--cn", PURPLE_CN.name, "--vcf", os.path.relpath(NO_TP53_VCF), "--build", "hg38",
         "--gene-panel", "wgs", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    # The patient ID comes from the copy-number file's name; the sheet's paths are absolute, so the
    # reader does not resolve them against OUT/input/.
    patient = "NB-S-599-T"
    row = (out / "input" / f"{patient}.samples.tsv").read_text().splitlines()[1].split("\t")
    assert row[3] == str(PURPLE_CN)
    assert Path(row[4]).is_absolute() and Path(row[4]).resolve() == NO_TP53_VCF.resolve()
    report = json.loads((out / "patients" / f"{patient}.json").read_text())
    assert report["mdm2"]["call"] == "amplified" and report["samples"][0]["build"] == "GRCh38"
    assert report["status"] == "PENDING_CONFIRMATION"  # no IHC given: confirmation still to come


def test_a_tp53_mutant_patient_is_not_eligible(tmp_path, capsys):
    out = tmp_path / "one"
    code = main(["patient", "--cn", str(PURPLE_CN), "--vcf", str(TP53_MUTANT_VCF), "--build", "GRCh38",
                 "--patient-id", "MUT-1", *CONFIRMED, "--out", str(out)])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    report = json.loads((out / "patients" / "MUT-1.json").read_text())
    assert report["status"] == "NOT_ELIGIBLE"
    tp53 = _criterion(report, "tp53_wild_type")
    assert tp53["state"] == "not_met" and "p.Val272Met" in tp53["evidence"]
    assert "NOT MET  TP53 wild type: TP53 mutated: p.Val272Met" in printed


def test_a_missing_copy_number_file_makes_the_patient_indeterminate_not_an_error(tmp_path, capsys):
    out = tmp_path / "one"
    missing = tmp_path / "absent.cns"
    code = main(["patient", "--cn", str(missing), "--vcf", str(NO_TP53_VCF), "--build", "GRCh38",
                 "--gene-panel", "WGS", *CONFIRMED, "--out", str(out)])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    report = json.loads((out / "patients" / "absent.json").read_text())
    assert report["status"] == "INDETERMINATE"
    mdm2 = _criterion(report, "gene_amplified")
    assert mdm2["state"] == "unknown" and f"{missing}: file does not exist" in mdm2["evidence"]
    assert "Status: INDETERMINATE" in printed
    assert (
        "Problems with the input files:" in printed and f"cn_missing: copy-number file unusable: {missing}" in printed
    )


def test_a_bad_purity_stops_with_the_sheet_readers_message_and_the_option(tmp_path, capsys):
    out = tmp_path / "one"
    code, report = _patient(out, "--purity", "1.5", "--ploidy", "nan")
    err = capsys.readouterr().err
    assert code == 2 and report == {}
    sheet = out.absolute() / "input" / "P1.samples.tsv"
    assert f"{sheet}, line 2, column 'purity': expected a value > 0.0 and <= 1.0, found '1.5' (option --purity)" in err
    assert f"{sheet}, line 2, column 'ploidy': expected a number, found 'nan' (option --ploidy)" in err
    assert not (out / "patients").exists()


def test_an_implausible_purity_uses_the_configured_minimum(tmp_path, capsys):
    code, _ = _patient(tmp_path / "one", "--purity", "0.1", "--set", "copy_number.min_plausible_purity=0.15")
    err = capsys.readouterr().err
    assert code == 2
    assert "purity 0.1 is below the plausible minimum 0.15 (copy_number.min_plausible_purity) (option --purity)" in err


def test_mistyped_ihc_values_stop_the_run_with_every_problem_listed(tmp_path, capsys):
    # In a cohort such a row only makes the marker unknown; a value just typed is refused instead.
    code, report = _patient(tmp_path / "one", "--ihc-mdm2", "maybe", "--fish-ratio", "inf", "--build", "GRCh39")
    err = capsys.readouterr().err
    assert code == 2 and report == {}
    assert "column 'build': expected one of GRCh37, GRCh38, found 'GRCh39' (option --build)" in err
    assert "line 2, column 'result': unrecognised MDM2 result 'maybe'" in err and "(option --ihc-mdm2)" in err
    assert "line 3, column 'ratio': expected a number, found 'inf'" in err and "(option --fish-ratio)" in err


def test_ihc_and_fish_options_reach_the_decision(tmp_path):
    _, unconfirmed = _patient(tmp_path / "none")
    assert unconfirmed["status"] == "PENDING_CONFIRMATION"
    assert _criterion(unconfirmed, "mdm2_confirmed")["state"] == "pending"
    assert unconfirmed["ihc"]["rows"] == [] and unconfirmed["ihc"]["mdm2"]["state"] == "absent"

    _, negative = _patient(tmp_path / "negative", "--ihc-mdm2", "neg")
    assert negative["status"] == "NOT_ELIGIBLE"
    assert negative["ihc"]["mdm2"]["state"] == "negative"
    assert _criterion(negative, "mdm2_confirmed")["state"] == "not_met"

    # A FISH ratio is scored with ihc_scoring.fish_ratio_amplified (2.0) and confirms MDM2 by default.
    _, fish = _patient(tmp_path / "fish", "--fish-ratio", "3.1")
    assert fish["ihc"]["fish"]["state"] == "amplified" and "ratio 3.1" in fish["ihc"]["fish"]["detail"]
    assert _criterion(fish, "mdm2_confirmed")["state"] == "met"
    assert fish["status"] == "ELIGIBLE"
    assert fish["ihc"]["rows"][0]["method"] == "entered with mdm2screen patient --fish-ratio"

    _, discordant = _patient(tmp_path / "p53", "--ihc-mdm2", "positive", "--ihc-p53", "null")
    assert _criterion(discordant, "p53_ihc_concordant")["state"] == "unknown"
    assert discordant["status"] == "INDETERMINATE"


def test_fish_result_and_ratio_are_one_or_the_other(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        _patient(tmp_path / "one", "--fish", "amplified", "--fish-ratio", "3")
    assert stop.value.code == 2
    assert "not allowed with argument --fish" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="--fish and --fish-ratio"):
        screen_one(PatientInput(str(PURPLE_CN), str(NO_TP53_VCF), "GRCh38", fish="amplified", fish_ratio="3"), tmp_path)


def test_arm_restricts_what_is_printed_not_the_report(tmp_path, capsys):
    out = tmp_path / "one"
    code, report = _patient(out, *CONFIRMED, "--arm", "mdm2_cdk4_combination")
    printed = capsys.readouterr().out
    assert code == 0
    assert "Arm mdm2_cdk4_combination: ELIGIBLE" in printed
    assert "Arm mdm2_inhibitor" not in printed
    assert "Status: ELIGIBLE (default arm mdm2_inhibitor)" in printed
    assert [a["id"] for a in report["arms"]] == ["mdm2_inhibitor", "mdm2_cdk4_combination"]


def test_arms_of_catalogue_trials_can_be_chosen(tmp_path, capsys):
    code, report = _patient(tmp_path / "one", *CONFIRMED, "--set", "trials=[mantra2]", "--arm", "mantra2_central")
    printed = capsys.readouterr().out
    assert code == 0
    assert "Arm mantra2_central: " in printed and "trial " in printed
    assert "Arm mdm2_inhibitor" not in printed


def test_an_unknown_arm_is_refused_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "one"
    code, _ = _patient(out, "--arm", "mdm2_inhibitr")
    err = capsys.readouterr().err
    assert code == 2
    assert "option --arm: unknown arm 'mdm2_inhibitr' (known arms: mdm2_inhibitor, mdm2_cdk4_combination)" in err
    assert not out.exists()


def test_the_report_is_the_one_a_cohort_run_of_the_same_sheet_writes(tmp_path):
    out = tmp_path / "one"
    result = screen_one(
        PatientInput(str(PURPLE_CN), str(NO_TP53_VCF), "GRCh38", patient_id="P1", gene_panel="WGS", ihc_mdm2="positive",
                     tumor_type="Dedifferentiated liposarcoma"),
        out,
        overrides=["copy_number.min_purity=0.3"],
    )  # fmt: skip
    # The configuration written beside the sheet, screened as a cohort into another folder.
    config = load_config(str(result.config_file), ["outdir=" + str(tmp_path / "cohort")])
    screen_config(config, source=str(result.config_file))
    cohort = json.loads((tmp_path / "cohort" / "patients" / "P1.json").read_text())
    one = json.loads(result.json_report.read_text())
    assert one == result.report
    # Only the run-time fields (time, host, process) differ between identical runs.
    assert set(one["provenance"]["run"]) == {"run_time", "host", "python", "pid"}
    one["provenance"].pop("run")
    cohort["provenance"].pop("run")
    assert one == cohort
    assert one["provenance"]["config"]["copy_number"]["min_purity"] == 0.3


def test_a_config_file_in_the_working_folder_is_used_as_by_every_command(tmp_path, capsys):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(
        "samples: cohort.tsv\nihc: cohort_ihc.tsv\ncopy_number:\n  thresholds:\n    default: {mode: absolute, amplified_at: 50, gain_at: 6}\n"
    )
    code, report = _patient(tmp_path / "one", *CONFIRMED)
    printed = capsys.readouterr().out
    assert code == 0
    assert "Configuration: config/config.yaml" in printed
    # MDM2 44.9 copies: between gain_at and this config's amplified_at, so unknown.
    assert _criterion(report, "gene_amplified")["state"] == "unknown"
    assert report["status"] == "INDETERMINATE"
    # The config's own sheet and IHC table are not screened: the files given are.
    written = yaml.safe_load((tmp_path / "one" / "input" / "P1.config.yaml").read_text())
    assert written["samples"].endswith("P1.samples.tsv") and written["ihc"].endswith("P1.ihc.tsv")


def test_an_explicit_config_file_must_exist(tmp_path, capsys):
    code, _ = _patient(tmp_path / "one", "--config", "absent.yaml")
    assert code == 2
    assert "absent.yaml: configuration file does not exist" in capsys.readouterr().err


def test_set_cannot_move_the_files_this_command_writes(tmp_path, capsys):
    code, _ = _patient(tmp_path / "one", "--set", "outdir=elsewhere")
    err = capsys.readouterr().err
    assert code == 2 and "'outdir' is set by this command; use --out" in err
    code, _ = _patient(tmp_path / "one", "--set", "copy_number.min_purity=high")
    assert code == 2 and f"{NO_CONFIG_FILE}: config key 'copy_number.min_purity'" in capsys.readouterr().err


def test_json_prints_the_report_as_written(tmp_path, capsys):
    out = tmp_path / "one"
    code, report = _patient(out, *CONFIRMED, "--json")
    printed = capsys.readouterr().out
    assert code == 0
    assert printed == (out / "patients" / "P1.json").read_text()
    assert json.loads(printed) == report


def test_values_a_table_cannot_hold_and_bad_ids_are_refused(tmp_path, capsys):
    code, _ = _patient(tmp_path / "one", "--tumor-type", "Sarcoma\nNOS")
    assert code == 2
    assert "option --tumor-type: 'Sarcoma\\nNOS' holds a tab or line break" in capsys.readouterr().err
    code, _ = _patient(tmp_path / "one", patient_id="../escape")
    assert code == 2 and "option --patient-id: '../escape' is not a valid ID" in capsys.readouterr().err
    assert not (tmp_path / "one").exists()
    code, _ = _patient(tmp_path / "one", "--sample-id", "bad id")
    assert code == 2 and "column 'sample_id': 'bad id' is not a valid ID" in capsys.readouterr().err


def test_patient_id_from_the_copy_number_file_name():
    assert derive_patient_id("/data/NB-S-599-T.purple.cnv.somatic.tsv") == "NB-S-599-T"
    assert derive_patient_id("tumour.cns") == "tumour"
    assert derive_patient_id("run 7/my tumour (2).cns") == "my_tumour_2_"
    with pytest.raises(ConfigError, match="give --patient-id"):
        derive_patient_id(".hidden.cns")


def test_control_characters_reach_the_terminal_escaped(tmp_path, capsys):
    # A file name is quoted in the evidence: an escape sequence in it must not drive the terminal.
    hostile = tmp_path / "tumour\x1b[2J.cns"
    code = main(["patient", "--cn", str(hostile), "--vcf", str(NO_TP53_VCF), "--build", "GRCh38",
                 "--out", str(tmp_path / "one")])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    assert "\x1b" not in printed and "tumour\\x1b[2J.cns: file does not exist" in printed
    report = json.loads((tmp_path / "one" / "patients" / "tumour_2J.json").read_text())
    assert str(hostile) in report["samples"][0]["errors"][0]["message"]  # the report keeps it as it is


def test_fish_signal_counts_give_the_ratio_and_polysomy(tmp_path, capsys):
    """--fish-signals MDM2,CEP12 (and --fish-nuclei) go on the FISH row as the IHC table's signal columns."""
    _, polysomy = _patient(tmp_path / "a", "--fish-signals", "4,3.8", "--fish-nuclei", "50")
    assert polysomy["ihc"]["fish"]["state"] == "not_amplified" and polysomy["ihc"]["fish"]["finding"] == "polysomy"
    assert "50 nuclei scored" in polysomy["ihc"]["fish"]["detail"]
    _, amplified = _patient(tmp_path / "b", "--fish-signals", "5.2,2")
    assert amplified["ihc"]["fish"]["state"] == "amplified" and "ratio 2.60" in amplified["ihc"]["fish"]["detail"]
    capsys.readouterr()
    code = main(["patient", *ELIGIBLE, "--fish-signals", "4", "--out", str(tmp_path / "c")])
    assert code == 2 and "option --fish-signals: expected MDM2,CEP12" in capsys.readouterr().err
