"""``mdm2screen export-ctml``: trial arms as MatchMiner CTML documents, checked against MatchMiner's CTML schema
(restated in ``export.ctml.CTML_SCHEMA`` from dfci/matchminer-api and dfci/matchengine-V2, commits cited there)."""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import REPO, TEST_DATA

from mdm2screen.cli import export_ctml as command
from mdm2screen.criteria import Arm, load_arms
from mdm2screen.errors import ConfigError
from mdm2screen.export.ctml import (
    CTML_SCHEMA,
    EXTRA_FIELD,
    ONCOTREE,
    CtmlError,
    arm_to_ctml,
    export_ctml,
    validate_ctml,
)
from mdm2screen.paths import TRIALS_DIR

CATALOGUE = sorted(p.stem for p in TRIALS_DIR.glob("*.yaml"))
FIXTURE_ARMS = TEST_DATA / "ctml" / "arms_not_expressible.yaml"


def config(**extra: Any) -> dict[str, Any]:
    return {"samples": "samples.tsv", **extra}  # export-ctml reads no sample sheet


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def match_root(doc: dict[str, Any]) -> dict[str, Any]:
    [step] = doc["treatment_list"]["step"]
    [arm] = step["arm"]
    [root] = arm["match"]
    return root


def nodes(tree: Any, key: str) -> list[Any]:  # noqa: ANN401
    """Every value under ``key`` anywhere in the match tree."""
    found = []
    if isinstance(tree, dict):
        for k, v in tree.items():
            if k == key:
                found.append(v)
            found.extend(nodes(v, key))
    elif isinstance(tree, list):
        for item in tree:
            found.extend(nodes(item, key))
    return found


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Every arm of config/arms.yaml and of every catalogue trial, exported once: arm id -> (document, printed)."""
    out = tmp_path_factory.mktemp("ctml")
    printed: list[str] = []
    paths = export_ctml(config(trials=CATALOGUE), arm_ids=None, out=out, echo=printed.append)
    by_arm: dict[str, list[str]] = {}
    current = ""
    for line in printed:  # "<path>: arm <id>; ..." then "  - <criterion>" lines
        if not line.startswith("  - "):
            current = line.split(": arm ", 1)[1].split(";", 1)[0]
        by_arm.setdefault(current, []).append(line)
    return {p.stem: (load(p), by_arm[p.stem]) for p in paths}


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(CTML_SCHEMA)


def test_every_arm_of_the_arms_file_and_the_catalogue_is_exported_and_valid(everything: dict[str, Any]) -> None:
    arms = load_arms(REPO / "config" / "arms.yaml", trials=CATALOGUE)
    assert sorted(everything) == sorted(a.id for a in arms.arms)
    assert len(everything) >= 12
    for arm_id, (doc, _) in everything.items():
        assert validate_ctml(doc) == [], arm_id
        assert match_root(doc).keys() == {"and"}
        assert doc["treatment_list"]["step"][0]["arm"][0]["arm_code"] == arm_id
        assert doc[EXTRA_FIELD]["arm_id"] == arm_id


def test_documents_are_json_that_matchengine_loads_as_one_trial(tmp_path: Path) -> None:
    [path] = export_ctml(config(trials=["mantra2"]), arm_ids=["mantra2_central"], out=tmp_path, echo=None)
    assert path == (tmp_path / "mantra2_central.json").resolve()
    doc = json.loads(path.read_text())  # one object, not a list: MatchEngine V2 inserts it as one trial
    assert isinstance(doc, dict)
    assert doc["protocol_no"] == "mdm2screen-mantra2_central"
    assert doc["nct_id"] == "NCT05012397"
    assert doc["drug_list"] == {"drug": [{"drug_name": "milademetan"}]}


def test_mantra2_any_of_becomes_an_or_node(everything: dict[str, Any]) -> None:
    doc, _ = everything["mantra2_local"]
    [or_node] = [n for n in match_root(doc)["and"] if "or" in n]
    mdm2 = {"hugo_symbol": "MDM2", "variant_category": "Copy Number Variation", "cnv_call": "High Amplification"}
    assert or_node == {"or": [{"genomic": mdm2}, {"genomic": mdm2}]}
    # The two thresholds (CN >= 12 or 6-fold) cannot be written: each is listed as approximated.
    notes = doc[EXTRA_FIELD]["not_expressible"]
    assert any(n.startswith("mantra2_local_mdm2_cn12 ") and "copy number >= 12" in n for n in notes)
    assert any(n.startswith("mantra2_local_mdm2_6fold ") and "fold change (copy number / 2) >= 6" in n for n in notes)


def test_tp53_wild_type_is_wildtype_and_not_homozygously_deleted(everything: dict[str, Any]) -> None:
    doc, printed = everything["tp53wt_only_any"]
    assert match_root(doc) == {
        "and": [
            {"genomic": {"hugo_symbol": "TP53", "variant_category": "Mutation", "wildtype": True}},
            {
                "genomic": {
                    "hugo_symbol": "TP53",
                    "variant_category": "Copy Number Variation",
                    "cnv_call": "!Homozygous Deletion",
                }
            },
        ]
    }
    assert doc[EXTRA_FIELD]["not_expressible"] == []
    assert any("CTML expresses every criterion" in line for line in printed)


def test_tumor_type_not_in_becomes_bang_exclusions_of_oncotree_names(everything: dict[str, Any]) -> None:
    doc, _ = everything["mantra2_central"]
    excluded = [n["clinical"]["oncotree_primary_diagnosis"] for n in match_root(doc)["and"] if "clinical" in n]
    assert excluded == [
        "!Well-Differentiated Liposarcoma",
        "!Dedifferentiated Liposarcoma",
        "!Intimal Sarcoma",
        "!Glioblastoma",
        "!Glioblastoma Multiforme",
    ]
    notes = doc[EXTRA_FIELD]["not_expressible"]
    [cns] = [n for n in notes if n.startswith("mantra2_central_excl_cns ")]
    assert "primary brain tumor" in cns and "exclude any of these they miss by hand" in cns
    # A name is never turned into a code: OncoTree's "Primary Brain Tumor" node is not every primary CNS tumour.
    assert "!Primary Brain Tumor" not in excluded
    rows = {r["listed"]: r for r in doc[EXTRA_FIELD]["tumour_types"] if r["criterion"] == "mantra2_central_excl_lps_is"}
    assert rows["DDLS"]["in_ctml"] == "yes"
    assert rows["dedifferentiated liposarcoma"]["oncotree_code"] == "DDLS"  # covered by the listed code
    assert rows["DDLPS"]["oncotree_code"] is None and rows["DDLPS"]["in_ctml"].startswith("no")


def test_tumor_type_in_becomes_an_or_of_the_listed_codes_names(everything: dict[str, Any]) -> None:
    doc, _ = everything["brightline2_brigimadlin"]
    [or_node] = [n for n in match_root(doc)["and"] if "or" in n]
    names = [n["clinical"]["oncotree_primary_diagnosis"] for n in or_node["or"]]
    assert names == [ONCOTREE[c] for c in ("CHOL", "IHCH", "EHCH", "PHCH", "GBC", "AMPCA", "PAAD", "LUAD", "BLCA")]
    [note] = [n for n in doc[EXTRA_FIELD]["not_expressible"] if n.startswith("brightline2_tumor ")]
    assert "PDAC" in note and "bladder cancer" in note
    # One type: a single clinical node, no `or`.
    doc, _ = everything["masterkey_is_milademetan"]
    assert {"clinical": {"oncotree_primary_diagnosis": "Intimal Sarcoma"}} in match_root(doc)["and"]


def test_confirmation_and_ihc_are_listed_not_dropped(everything: dict[str, Any]) -> None:
    for arm_id in ("mdm2_inhibitor", "masterkey_is_milademetan"):
        doc, printed = everything[arm_id]
        notes = doc[EXTRA_FIELD]["not_expressible"]
        assert any("(mdm2_confirmed): not expressed" in n and "IHC" in n for n in notes), arm_id
        assert any("(mdm2_confirmed): not expressed" in line for line in printed), arm_id
        assert "ihc" not in json.dumps(match_root(doc)).lower()
    doc, _ = everything["mdm2_inhibitor"]
    assert any(
        "p53_ihc_concordant (p53_ihc_concordant): not expressed" in n for n in doc[EXTRA_FIELD]["not_expressible"]
    )
    # Default arms without their own thresholds quote the configured rule.
    assert any(
        "configured rule (copy_number.thresholds) requires copy number >= 8" in n
        for n in doc[EXTRA_FIELD]["not_expressible"]
    )


def test_an_any_of_with_a_branch_ctml_cannot_express_is_left_out_whole(everything: dict[str, Any]) -> None:
    doc, _ = everything["brightline4_ddlps"]
    assert match_root(doc)["and"][0] == {"clinical": {"oncotree_primary_diagnosis": "Dedifferentiated Liposarcoma"}}
    assert nodes(match_root(doc), "or") == []  # not an `or` of the NGS branch alone: that would drop IHC-only patients
    notes = doc[EXTRA_FIELD]["not_expressible"]
    assert any(n.startswith("brightline4_mdm2 (any_of): not expressed") for n in notes)
    assert any(n.startswith("brightline4_mdm2_ihc (mdm2_ihc_positive)") for n in notes)
    assert any(n.startswith("brightline4_mdm2_fish (mdm2_fish_amplified)") for n in notes)


def test_min_purity_names_without_codes_and_mdm2_confirmed_are_listed(tmp_path: Path) -> None:
    printed: list[str] = []
    [path] = export_ctml(config(arms_file=str(FIXTURE_ARMS)), arm_ids=["purity_arm"], out=tmp_path, echo=printed.append)
    doc = load(path)
    assert validate_ctml(doc) == []
    notes = doc[EXTRA_FIELD]["not_expressible"]
    assert any(n.startswith("min_purity (min_purity 0.3): not expressed") and "purity" in n for n in notes)
    assert any(n.startswith("mdm2_confirmed (mdm2_confirmed): not expressed") for n in notes)
    [tumour] = [n for n in notes if n.startswith("tumor_type_in ")]
    assert "not expressed" in tumour and "liposarcoma of the thigh" in tumour
    [brain] = [n for n in notes if n.startswith("not_brain ")]
    assert "partly expressed" in brain and "primary brain tumour" in brain
    for note in notes:
        assert f"  - {note}" in printed
    root = match_root(doc)
    assert nodes(root, "oncotree_primary_diagnosis") == ["!Glioblastoma"]
    assert len(root["and"]) == 4  # MDM2, TP53 wild type, TP53 not deleted, not GB


def test_nested_any_of_and_own_thresholds(tmp_path: Path) -> None:
    [path] = export_ctml(config(arms_file=str(FIXTURE_ARMS)), arm_ids=["nested_any_of"], out=tmp_path, echo=None)
    doc = load(path)
    assert validate_ctml(doc) == []
    [or_node] = [n for n in match_root(doc)["and"] if "or" in n]
    assert [n["genomic"]["hugo_symbol"] for n in or_node["or"]] == ["MDM2", "CDK4"]
    assert {"clinical": {"oncotree_primary_diagnosis": "Dedifferentiated Liposarcoma"}} in match_root(doc)["and"]
    notes = doc[EXTRA_FIELD]["not_expressible"]
    assert any("CDK4" in n and "this arm requires copy number >= 10 (equivocal from 6)" in n for n in notes)


def test_an_arm_with_nothing_ctml_can_express_is_refused() -> None:
    arms = load_arms(FIXTURE_ARMS)
    [arm] = [a for a in arms.arms if a.id == "ihc_only"]
    with pytest.raises(CtmlError, match="no criterion can be expressed"):
        arm_to_ctml(arm, trial_meta=None)


def test_export_skips_and_says_so_for_an_arm_with_nothing_expressible(tmp_path: Path) -> None:
    printed: list[str] = []
    paths = export_ctml(config(arms_file=str(FIXTURE_ARMS)), arm_ids=None, out=tmp_path, echo=printed.append)
    assert sorted(p.name for p in paths) == ["nested_any_of.json", "purity_arm.json"]
    [line] = [x for x in printed if x.startswith("not written: ")]
    assert "arm 'ihc_only'" in line and "mdm2_ihc_positive" in line


def test_arm_to_ctml_without_trial_meta() -> None:
    arms = load_arms(REPO / "config" / "arms.yaml")
    arm: Arm = arms.arms[0]
    doc, notes = arm_to_ctml(arm, trial_meta=None)
    assert validate_ctml(doc) == []
    assert doc["nct_id"] == "" and "drug_list" not in doc
    assert notes == doc[EXTRA_FIELD]["not_expressible"]
    assert any("configured rule (copy_number.thresholds) sets the cut-off" in n for n in notes)


def test_arm_filter_and_unknown_arm(tmp_path: Path) -> None:
    paths = export_ctml(
        config(trials=["mantra2", "brightline4"]),
        arm_ids=["brightline4_ddlps", "mantra2_local"],
        out=tmp_path,
        echo=None,
    )
    assert sorted(p.name for p in paths) == ["brightline4_ddlps.json", "mantra2_local.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brightline4_ddlps.json", "mantra2_local.json"]
    with pytest.raises(ConfigError, match="arm 'nope' is not in the arms file"):
        export_ctml(config(trials=["mantra2"]), arm_ids=["nope"], out=tmp_path, echo=None)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda root: root["and"][0]["genomic"].update(ihc="positive"),  # a field CTML does not have
        lambda root: root["and"][0]["genomic"].update(cnv_call="High level amplification"),  # patient value
        lambda root: root["and"][0]["genomic"].update(variant_category="Mutation"),  # cnv_call on a mutation node
        lambda root: root["and"].append({"clinical": {"oncotree_primary_diagnosis": "!DDLS"}}),  # a code, not a name
        lambda root: root["and"].append({"or": []}),  # an empty branch
        lambda root: root["and"].append({"genomic": {"hugo_symbol": "TP53"}, "clinical": {"gender": "Male"}}),
        lambda root: root.update(genomic={"hugo_symbol": "MDM2", "variant_category": "Copy Number Variation"}),
    ],
)
def test_the_validator_rejects_what_matchminer_would_not_take(breakage: Any, everything: dict[str, Any]) -> None:  # noqa: ANN401
    doc = copy.deepcopy(everything["mdm2_cdk4_combination"][0])
    breakage(match_root(doc))
    assert validate_ctml(doc)


def test_the_validator_rejects_missing_required_trial_fields(everything: dict[str, Any]) -> None:
    doc = copy.deepcopy(everything["mdm2_inhibitor"][0])
    del doc["protocol_no"]
    doc["treatment_list"]["step"][0]["arm"][0]["match"].append({"and": [{"clinical": {"gender": "Male"}}]})
    problems = validate_ctml(doc)
    assert any("protocol_no" in p for p in problems) and any("match" in p for p in problems)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=command.NAME)
    command.add_arguments(parser)
    return parser.parse_args(argv)


def test_cli_module_follows_the_command_pattern() -> None:
    assert command.NAME == "export-ctml"
    assert command.HELP and command.DESCRIPTION
    assert "mdm2screen export-ctml --config" in command.EPILOG


def test_cli_writes_the_files_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "cohort.yaml"
    cfg.write_text("samples: samples.tsv\ntrials: [mantra2]\n")
    out = tmp_path / "ctml"
    args = parse(["--config", str(cfg), "--arm", "mantra2_local", "--out", str(out)])
    assert command.run(args) == 0
    assert [p.name for p in out.iterdir()] == ["mantra2_local.json"]
    assert validate_ctml(load(out / "mantra2_local.json")) == []
    printed = capsys.readouterr().out
    assert "mantra2_local.json: arm mantra2_local; CTML cannot express exactly:" in printed
    assert "OK: 1 CTML trial documents written" in printed


def test_cli_defaults_to_outdir_ctml(tmp_path: Path) -> None:
    cfg = tmp_path / "cohort.yaml"
    cfg.write_text(f"samples: samples.tsv\noutdir: {tmp_path / 'results'}\n")
    assert command.run(parse(["--config", str(cfg)])) == 0
    assert sorted(p.name for p in (tmp_path / "results" / "ctml").iterdir()) == [
        "mdm2_cdk4_combination.json",
        "mdm2_inhibitor.json",
    ]


def test_registered_command_runs_through_main(tmp_path: Path) -> None:
    from mdm2screen import cli

    if command not in cli.COMMANDS:
        pytest.skip("export-ctml is not registered in mdm2screen.cli.COMMANDS yet")
    cfg = tmp_path / "cohort.yaml"
    cfg.write_text("samples: samples.tsv\ntrials: [mantra2]\n")
    assert (
        cli.main(["export-ctml", "--config", str(cfg), "--out", str(tmp_path / "o"), "--arm", "mantra2_central"]) == 0
    )
    assert (tmp_path / "o" / "mantra2_central.json").exists()
    assert cli.main(["export-ctml", "--config", str(cfg), "--arm", "nope"]) == 2  # EXIT_CONFIG
