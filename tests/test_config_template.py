"""config/template.yaml documents every key with its default and stays in step with the schema;
`--set` reaches nested keys; `mdm2screen config show` prints what a run uses."""

from __future__ import annotations

import yaml
from conftest import REPO

from mdm2screen.app import load_config
from mdm2screen.cli import main
from mdm2screen.config import config_schema, load_settings, template_text

TEMPLATE = REPO / "config" / "template.yaml"


def test_template_file_is_the_schema_rendered() -> None:
    assert TEMPLATE.read_text() == template_text(), "regenerate: mdm2screen config template > config/template.yaml"


def test_template_with_a_sheet_is_a_valid_config_equal_to_the_defaults() -> None:
    raw = yaml.safe_load(TEMPLATE.read_text())
    raw["samples"] = "samples.tsv"
    assert load_settings(raw).data == load_settings({"samples": "samples.tsv"}).data


def test_template_mentions_every_key_with_its_description() -> None:
    text = TEMPLATE.read_text()

    def keys(node: dict, prefix: str = "") -> list[tuple[str, dict]]:
        out = []
        for key, sub in node.get("properties", {}).items():
            out.append((prefix + key, sub))
            out += keys(sub, f"{prefix}{key}.")
        return out

    for dotted, sub in keys(config_schema()):
        leaf = dotted.rsplit(".", 1)[-1]
        assert f"{leaf}:" in text, dotted
        first_words = " ".join(str(sub.get("description", "")).split()[:4])
        assert first_words in " ".join(text.replace("#", " ").split()), dotted


def test_dotted_set_reaches_nested_keys(tmp_path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("samples: s.tsv\ncopy_number: {min_purity: 0.25}\n")
    raw = load_config(str(config), ["copy_number.min_purity=0.3", "copy_number.thresholds.MDM2={mode: absolute, amplified_at: 12, gain_at: 8}", "outdir=out"])  # noqa: E501
    settings = load_settings(raw)
    assert settings["copy_number"]["min_purity"] == 0.3 and settings["outdir"] == "out"
    assert settings.amplification_rule("MDM2").amplified_at == 12
    assert settings.amplification_rule("CDK4").amplified_at == 8  # the default rule is untouched
    # A section the file does not have starts from its default: mode and gain_at stay.
    raw = load_config(str(config), ["copy_number.thresholds.default.amplified_at=12"])
    rule = load_settings(raw).amplification_rule("CDK4")
    assert (rule.mode, rule.amplified_at, rule.gain_at) == ("absolute", 12, 6)


def test_config_show_prints_the_effective_configuration(tmp_path, capsys) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("samples: s.tsv\n")
    assert main(["config", "show", "--config", str(config), "--set", "tp53.min_vaf=0.1"]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    assert shown["tp53"]["min_vaf"] == 0.1 and shown["copy_number"]["min_purity"] == 0.2  # default filled in
    assert main(["config", "template"]) == 0
    assert capsys.readouterr().out == template_text()


def test_a_missing_relative_path_names_where_it_was_looked_for(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text("samples: no_such_sheet.tsv\nihc: no_such_ihc.tsv\n")
    assert main(["check", "--config", "c.yaml"]) == 2
    err = capsys.readouterr().err
    assert f"resolved to {tmp_path / 'no_such_sheet.tsv'}" in err and str(tmp_path) in err
