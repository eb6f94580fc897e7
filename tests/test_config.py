import pytest

from mdm2screen.config import load_settings, load_settings_file
from mdm2screen.errors import ConfigError


def test_defaults_fill_every_section():
    s = load_settings({"samples": "x.tsv"})
    assert s["outdir"] == "results"
    assert s["ihc"] is None
    rule = s.amplification_rule("MDM2")
    assert (rule.mode, rule.amplified_at, rule.gain_at, rule.summary) == ("absolute", 8.0, 6.0, "weighted")
    assert s["tp53"]["min_vaf"] == 0.05
    assert s["tp53"]["accepted_filters"] == ["PASS", "."]
    assert s["policy"]["mdm2_ihc_negative"] == "NOT_ELIGIBLE"
    assert s.genes()[:2] == ["MDM2", "CDK4"]


def test_how_a_run_is_split_never_changes_a_decision_fingerprint():
    base = load_settings({"samples": "x.tsv"})
    assert (base["batch_size"], base["batch_threads"]) == (1000, 2)
    split = load_settings({"samples": "x.tsv", "batch_size": 7, "batch_threads": 5, "outdir": "elsewhere"})
    assert split.sha256() == base.sha256()
    assert load_settings({"samples": "x.tsv", "tp53": {"min_vaf": 0.1}}).sha256() != base.sha256()


def test_validated_settings_fill_the_same_defaults_without_the_schema_check():
    raw = {
        "samples": "x.tsv",
        "batch_threads": 4,
        "copy_number": {"thresholds": {"MDM2": {"mode": "absolute", "amplified_at": 10}}},
    }
    assert load_settings(raw, validated=True) == load_settings(raw)


def test_per_gene_threshold_overrides_default():
    s = load_settings(
        {
            "samples": "x",
            "copy_number": {"thresholds": {"MDM2": {"mode": "absolute", "amplified_at": 12, "gain_at": 8}}},
        }
    )
    assert s.amplification_rule("MDM2").amplified_at == 12
    assert s.amplification_rule("CDK4").amplified_at == 8  # schema default still applies


def test_every_problem_listed_at_once_with_typo_hints():
    with pytest.raises(ConfigError) as info:
        load_settings({"sample": "x", "copy_numbr": {}, "tp53": {"min_vaf": 2, "min_vf": 1}, "batch_size": 0})
    text = str(info.value)
    assert "did you mean 'samples'" in text
    assert "did you mean 'copy_number'" in text
    assert "did you mean 'min_vaf'" in text
    assert "tp53.min_vaf" in text and "batch_size" in text
    assert len(info.value.problems) >= 5


def test_gain_above_amplified_is_rejected():
    with pytest.raises(ConfigError, match="gain_at"):
        load_settings(
            {
                "samples": "x",
                "copy_number": {"thresholds": {"default": {"mode": "absolute", "amplified_at": 5, "gain_at": 9}}},
            }
        )


def test_malformed_yaml_names_the_file(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("samples: [unclosed\n")
    with pytest.raises(ConfigError, match="malformed YAML") as info:
        load_settings_file(bad)
    assert str(bad) in str(info.value)


def test_config_hash_changes_with_a_threshold():
    a = load_settings({"samples": "x"})
    b = load_settings({"samples": "x", "tp53": {"min_vaf": 0.1}})
    c = load_settings({"samples": "y", "outdir": "elsewhere"})
    assert a.sha256() != b.sha256()
    assert a.sha256() == c.sha256()  # where inputs and outputs live does not change a decision


def test_reference_fasta_per_build_is_checked_before_any_work(tmp_path):
    from conftest import DEMO

    from mdm2screen.pipeline import prepare

    assert load_settings({"samples": "s.tsv"})["reference_fasta"] == {}
    with pytest.raises(ConfigError) as err:
        load_settings({"samples": "s.tsv", "reference_fasta": {"hg19": "x.fa"}})
    assert "reference_fasta" in str(err.value) and "hg19" in str(err.value)
    config = {"samples": str(DEMO / "samples.tsv"), "outdir": str(tmp_path / "out"),
              "reference_fasta": {"GRCh37": str(tmp_path / "missing.fa")}}  # fmt: skip
    with pytest.raises(ConfigError, match=r"'reference_fasta.GRCh37': FASTA .*missing.fa does not exist"):
        prepare(config)
    (tmp_path / "missing.fa").write_text(">17\nACGT\n")
    assert prepare(config).settings["reference_fasta"] == {"GRCh37": str(tmp_path / "missing.fa")}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("copy_number:\n  thresholds:\n    default: {mode: absolute, amplified_at: -.inf}\n", "amplified_at"),
        ("copy_number:\n  thresholds:\n    MDM2: {mode: absolute, amplified_at: 8, gain_at: .nan}\n", "gain_at"),
        ("tp53:\n  min_vaf: .NaN\n", "tp53.min_vaf"),
        ("copy_number:\n  min_purity: .inf\n", "copy_number.min_purity"),
        ("ihc_scoring:\n  mdm2_min_h_score: -.Inf\n", "ihc_scoring.mdm2_min_h_score"),
    ],
)
def test_non_finite_numbers_are_rejected_naming_the_key(tmp_path, text, key):
    path = tmp_path / "c.yaml"
    path.write_text("samples: s.tsv\n" + text)
    with pytest.raises(ConfigError) as info:
        load_settings_file(path)
    assert any(key in p and "not a finite number" in p for p in info.value.problems), info.value.problems


def test_unknown_genes_are_config_problems_with_a_case_hint():
    with pytest.raises(ConfigError) as info:
        load_settings({"samples": "s.tsv", "copy_number": {"genes": ["MDM2", "FOO", "mdm2"]}})
    text = str(info.value)
    assert "copy_number.genes.1': unknown gene 'FOO'" in text
    assert "copy_number.genes.2': unknown gene 'mdm2'" in text and "did you mean 'MDM2'?" in text
    # A per-gene threshold under a mistyped name would silently leave MDM2 on the default rule.
    with pytest.raises(ConfigError, match=r"copy_number.thresholds.Mdm2': unknown gene 'Mdm2'.*did you mean 'MDM2'"):
        load_settings(
            {"samples": "s.tsv", "copy_number": {"thresholds": {"Mdm2": {"mode": "absolute", "amplified_at": 12}}}}
        )
    assert (
        load_settings({"samples": "s.tsv", "copy_number": {"genes": ["MDM2", "TP53", "HMGA2"]}}).genes()[-1] == "HMGA2"
    )


def test_min_plausible_purity_has_a_default():
    assert load_settings({"samples": "s.tsv"}).min_plausible_purity() == pytest.approx(0.08)
