"""Broken or hostile run inputs stop the run with one clear message: no traceback, nothing written.

Configuration YAML (anchors/aliases, non-finite numbers), ``--set`` values and other options,
the output folder, and ``nightly`` refusing inputs before it takes its lock.
"""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest

from mdm2screen.cli import main
from mdm2screen.config import load_settings, load_yaml_file
from mdm2screen.errors import ConfigError
from mdm2screen.reference import known_genes

DEMO = Path(__file__).resolve().parent.parent / "resources" / "demo"
DEMO_CONFIG = {
    "samples": str(DEMO / "samples.tsv"),
    "ihc": str(DEMO / "ihc.tsv"),
    "assays": {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")},
}


def billion_laughs(levels: int = 9) -> str:
    lines = ["samples: s.tsv", 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]")
    lines.append(f"copy_number:\n  genes: [{', '.join([f'*l{levels - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def write_config(tmp_path: Path, data: dict | str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_yaml_aliases_are_refused_before_anything_expands_them(tmp_path, capsys):
    config = write_config(tmp_path, billion_laughs())
    tracemalloc.start()
    try:
        rc, _, err = run(capsys, ["check", "--config", str(config)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rc == 2 and "alias" in err and str(config) in err
    assert len(err) < 2000 and peak < 30_000_000
    with pytest.raises(ConfigError, match="anchor"):
        load_yaml_file(write_config(tmp_path, "samples: &s x.tsv\n", "anchor.yaml"))


def test_shared_values_from_another_loader_are_refused_unwalked():
    # What Snakemake's own YAML loader hands over for the same file: one list object reached 9^9 ways.
    node: list = ["lol"] * 9
    for _ in range(8):
        node = [node] * 9
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError) as info:
            load_settings({"samples": "s.tsv", "copy_number": {"genes": [node] * 9}})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "alias" in str(info.value) and len(str(info.value)) < 500 and peak < 10_000_000


def test_a_huge_value_is_never_quoted_whole():
    with pytest.raises(ConfigError) as info:
        load_settings({"samples": ["x" * 50] * 5000, "outdir": "y" * 100_000, "copy_number": {"genes": ["Z" * 10_000]}})
    assert info.value.problems and all(len(p) < 600 for p in info.value.problems), info.value.problems


@pytest.mark.parametrize("command", ["check", "nightly"])
def test_unparsable_set_values_name_the_option(tmp_path, capsys, command):
    config = write_config(tmp_path, {**DEMO_CONFIG, "outdir": str(tmp_path / "out")})
    argv = ["--config", str(config), "--set", "batch_size=[1,"]
    rc, _, err = run(capsys, [command, *argv])
    assert rc == 2 and "option --set 'batch_size=[1,'" in err and "malformed YAML" in err
    assert "Traceback" not in err
    rc, _, err = run(capsys, ["check", "--config", str(config), "--set", "batch_size", "--set", "x=*a"])
    assert rc == 2 and "expected KEY=VALUE" in err and "alias" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "is a folder"), (b"\xff\xfe\x00s\x00", "not UTF-8 text"), (b"samples: x\x00\n", "binary content")],
)
def test_a_config_that_is_not_a_yaml_file_is_one_clear_line(tmp_path, capsys, content, expected):
    path = tmp_path / "c.yaml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    rc, _, err = run(capsys, ["check", "--config", str(path)])
    assert rc == 2 and expected in err and "Traceback" not in err


@pytest.mark.parametrize("jobs", ["0", "-3", "two"])
def test_screen_jobs_must_be_a_positive_whole_number(tmp_path, capsys, jobs):
    with pytest.raises(SystemExit) as exit_info:
        main(["screen", "--config", str(tmp_path / "missing.yaml"), "--jobs", jobs])
    assert exit_info.value.code == 2 and "whole number >= 1" in capsys.readouterr().err


def test_screen_into_a_file_where_the_output_folder_should_be(tmp_path, capsys):
    blocker = tmp_path / "out"
    blocker.write_text("not a folder\n")
    config = write_config(tmp_path, {**DEMO_CONFIG, "outdir": str(blocker / "results")})
    rc, out, err = run(capsys, ["screen", "--config", str(config)])
    assert rc == 2 and str(blocker / "results") in err and "Traceback" not in err and not out
    assert blocker.read_text() == "not a folder\n"


def test_screen_into_a_read_only_output_folder(tmp_path, capsys, monkeypatch):
    outdir = tmp_path / "ro"
    outdir.mkdir()
    real_access = os.access
    # Tests run as root, for whom permission bits do not stop writing: simulate a read-only mount.
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == outdir else real_access(p, mode, **kw))
    config = write_config(tmp_path, {**DEMO_CONFIG, "outdir": str(outdir)})
    rc, _, err = run(capsys, ["screen", "--config", str(config)])
    assert rc == 2 and f"{outdir}: output folder is not writable" in err and "Traceback" not in err
    assert list(outdir.iterdir()) == []


def test_nightly_refusing_a_broken_ihc_table_writes_nothing(tmp_path, capsys):
    ihc = tmp_path / "ihc.tsv"
    ihc.write_text("patient_id\tresult\nDEMO-01\tpositive\n")  # no marker column
    outdir = tmp_path / "out"
    config = write_config(tmp_path, {**DEMO_CONFIG, "ihc": str(ihc), "outdir": str(outdir)})
    rc, _, err = run(capsys, ["nightly", "--config", str(config)])
    assert rc == 2 and "required column 'marker'" in err
    assert not outdir.exists()


def test_nightly_into_a_file_where_the_output_folder_should_be(tmp_path, capsys):
    blocker = tmp_path / "out"
    blocker.write_text("")
    config = write_config(tmp_path, {**DEMO_CONFIG, "outdir": str(blocker)})
    rc, _, err = run(capsys, ["nightly", "--config", str(config)])
    assert rc == 2 and f"{blocker}: output folder cannot be created" in err and "Traceback" not in err


def test_check_lists_ihc_values_it_cannot_read_but_passes(tmp_path, capsys):
    ihc = tmp_path / "ihc.tsv"
    ihc.write_text(
        "patient_id\tsample_id\tmarker\tresult\n"
        "DEMO-01\tDEMO-01-T1\tp53\taberrant\n"  # accepted wording
        "DEMO-01\tDEMO-01-T1\tMDM2\tpositiv\n"  # a typo: listed, MDM2 invalid for DEMO-01
    )
    config = write_config(tmp_path, {**DEMO_CONFIG, "ihc": str(ihc), "outdir": str(tmp_path / "out")})
    rc, out, _ = run(capsys, ["check", "--config", str(config)])
    assert rc == 0 and "OK:" in out
    assert f"warning: {ihc}, line 3, column 'result': unrecognised MDM2 result 'positiv'" in out
    assert "aberrant" not in out


def test_implausible_purity_in_the_sheet_stops_check(tmp_path, capsys):
    sheet = tmp_path / "samples.tsv"
    lines = (DEMO / "samples.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    row = lines[1].split("\t")
    row[header.index("purity")] = "0.000001"
    for column in ("cn_file", "vcf"):
        row[header.index(column)] = str(DEMO / row[header.index(column)])
    sheet.write_text("\t".join(header) + "\n" + "\t".join(row) + "\n")
    config = write_config(tmp_path, {"samples": str(sheet), "outdir": str(tmp_path / "out")})
    rc, _, err = run(capsys, ["check", "--config", str(config)])
    assert rc == 2
    assert (
        f"{sheet}, line 2, column 'purity': purity 0.000001 is below the plausible minimum 0.08 "
        "(copy_number.min_plausible_purity)"
    ) in err


def test_known_genes_per_build():
    assert {"MDM2", "CDK4", "TP53"} <= known_genes()
    assert known_genes("GRCh38") >= known_genes() and "mdm2" not in known_genes("GRCh37")
    with pytest.raises(ValueError):
        known_genes("hg99")
