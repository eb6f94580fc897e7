"""Hardening (issue 10): broken sheets and configs, hostile values, partial failure, reproducibility.

- Sheet and config problems stop the run before any work (no outdir) and list every problem
  with file, line and column: through ``mdm2screen check``, ``mdm2screen screen`` (exit 2) and
  Snakemake (non-zero).
- Hostile IDs never reach a path; hostile *content* (tumour type, IHC method, VCF sample names,
  annotation text) is escaped in every HTML page and creates no file outside the outdir.
- Nothing from the input is evaluated or run through a shell (the package is scanned).
- A run killed mid-way leaves no half-written report a rerun could trust; the rerun gives the
  same reports as an uninterrupted run, and two runs give byte-identical JSON apart from
  ``provenance.run``.
- Random bytes as copy-number file and VCF never give ELIGIBLE or PENDING_CONFIRMATION and
  never make the Screener raise (Hypothesis).

The case-by-case corpus of bad per-sample files is tests/test_corpus.py.
"""

from __future__ import annotations

import ast
import gzip
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import DEMO, REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdm2screen.errors import ConfigError
from mdm2screen.paths import ID_PATTERN, is_valid_id, safe_child
from mdm2screen.pipeline import prepare
from mdm2screen.screen import Screener
from mdm2screen.sheet import SampleRow

CLI = [sys.executable, "-m", "mdm2screen.cli"]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "workflow" / "Snakefile")]
SCHEMA = json.loads((REPO / "workflow" / "schemas" / "patient_report.schema.json").read_text())
BASE = REPO / "tests" / "corpus" / "base"
HEADER = "patient_id\tsample_id\tbuild\tcn_file\tvcf"
ASSAYS = {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")}


def run(cmd: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def write_config(folder: Path, text: str) -> Path:
    path = folder / "config.yaml"
    path.write_text(text)
    return path


def tree(root: Path) -> set[str]:
    """Every path under ``root`` (files and folders), relative."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def without_run(path: Path) -> list:
    """A report's JSON, keys in file order, minus the documented run-time block provenance.run."""
    data = json.loads(path.read_text(), object_pairs_hook=lambda pairs: [list(p) for p in pairs])
    provenance = next(value for key, value in data if key == "provenance")
    provenance[:] = [pair for pair in provenance if pair[0] != "run"]
    return data


# =========================================================================== sheet and config problems

GOOD_ROW = (
    f"P1\tS1\tGRCh37\t{BASE / 'etal_cnvkit/tr95t.cns'}\t{BASE / 'VerenaK90_LACHESIS/strelka2.somatic.snvs.excerpt.vcf'}"
)

# name -> (config body after `samples:`/`outdir:`, sample sheet text, substrings every front end must show)
BROKEN = {
    "missing_required_column": (
        "",
        "patient_id\tsample_id\tbuild\tcn_file\nP1\tS1\tGRCh37\tx.cns\n",
        ["samples.tsv, line 1: required column 'vcf' is missing"],
    ),
    "duplicate_sample_ids": (
        "",
        f"{HEADER}\n{GOOD_ROW}\nP2\tS1\tGRCh37\tx.cns\ty.vcf\n",
        ["samples.tsv, line 3, column 'sample_id': duplicate sample ID 'S1'", "line 2)"],
    ),
    "unknown_build_and_values_out_of_range": (
        "",
        f"{HEADER}\tpurity\tploidy\tcollection_date\tcn_format\n"
        "P1\tS1\tGRCh99\tx.cns\ty.vcf\t1.7\t-2\t2024-13-01\tcnvkitt\n"
        "P2\tS2\thg38\tx.cns\ty.vcf\tNaN\t3\t\t\n",
        [
            "line 2, column 'build': expected one of GRCh37, GRCh38, found 'GRCh99'",
            "line 2, column 'purity': expected a value > 0.0 and <= 1.0, found '1.7'",
            "line 2, column 'ploidy'",
            "line 2, column 'collection_date': expected an ISO date",
            "line 2, column 'cn_format': unknown format 'cnvkitt'",
            "did you mean 'cnvkit'?",
            "line 3, column 'purity'",
        ],
    ),
    "column_typo_and_wrong_field_count": (
        "",
        f"{HEADER}\ttumour_type\n{GOOD_ROW}\tliposarcoma\nP2\tS2\tGRCh37\tx.cns\n",
        [
            "line 1: unknown column 'tumour_type'; did you mean 'tumor_type'?",
            "line 3: expected 6 tab-separated fields, found 4",
        ],
    ),
    "config_typos_and_out_of_range_values": (
        "batchsize: 3\ncopy_number:\n  min_purty: 0.2\ntp53:\n  min_vaf: 1.5\n",
        f"{HEADER}\n{GOOD_ROW}\n",
        [
            "unknown key 'batchsize'; did you mean 'batch_size'?",
            "unknown key 'min_purty'; did you mean 'min_purity'?",
            "config key 'tp53.min_vaf'",
        ],
    ),
    "malformed_yaml": (
        "copy_number: [unclosed\n  thresholds: {MDM2: 8}\n",
        f"{HEADER}\n{GOOD_ROW}\n",
        ["config.yaml"],
    ),
}


def _broken_cohort(tmp_path: Path, name: str) -> tuple[Path, Path, list[str]]:
    body, sheet, expected = BROKEN[name]
    (tmp_path / "samples.tsv").write_text(sheet)
    config = write_config(tmp_path, f"samples: {tmp_path / 'samples.tsv'}\noutdir: {tmp_path / 'out'}\n{body}")
    return config, tmp_path / "out", expected


@pytest.mark.parametrize("name", sorted(BROKEN))
@pytest.mark.parametrize("command", ["check", "screen"])
def test_broken_sheet_or_config_stops_the_cli_before_any_work(tmp_path, name, command):
    config, outdir, expected = _broken_cohort(tmp_path, name)
    result = run([*CLI, command, "--config", str(config)], cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    for text in expected:
        assert text in result.stderr, f"{text!r} missing from:\n{result.stderr}"
    if name == "malformed_yaml":
        assert "malformed YAML" in result.stderr
    assert "Traceback" not in result.stderr
    assert not outdir.exists()


def test_every_problem_is_listed_at_once(tmp_path):
    """One run shows all of a sheet's problems (not the first one only), numbered in the header line."""
    config, _, expected = _broken_cohort(tmp_path, "unknown_build_and_values_out_of_range")
    result = run([*CLI, "check", "--config", str(config)], cwd=tmp_path)
    assert "6 problem(s) found before any work was done" in result.stderr, result.stderr
    assert all(text in result.stderr for text in expected)


def test_config_and_sheet_problems_are_listed_together(tmp_path):
    """A config typo and a broken sheet in one run: both listed, so the user fixes everything in one go."""
    (tmp_path / "samples.tsv").write_text(f"{HEADER}\nP1\tS1\tGRCh99\tx.cns\ty.vcf\n")
    with pytest.raises(ConfigError) as err:
        prepare({"samples": str(tmp_path / "samples.tsv"), "outdir": str(tmp_path / "out"), "batchsize": 3})
    text = "\n".join(err.value.problems)
    assert "unknown key 'batchsize'; did you mean 'batch_size'?" in text
    assert "line 2, column 'build': expected one of GRCh37, GRCh38, found 'GRCh99'" in text


@pytest.mark.parametrize("name", sorted(set(BROKEN) - {"malformed_yaml"}))
def test_broken_sheet_or_config_stops_snakemake(tmp_path, name):
    config, outdir, expected = _broken_cohort(tmp_path, name)
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = run([*SNAKEMAKE, "--directory", str(workdir), "--cores", "1", "--configfile", str(config)], cwd=workdir)
    assert result.returncode != 0
    text = result.stdout + result.stderr
    for line in expected:
        assert line in text, f"{line!r} missing from:\n{text[-3000:]}"
    assert not outdir.exists()


def test_malformed_yaml_stops_snakemake_with_a_message(tmp_path):
    config, outdir, _ = _broken_cohort(tmp_path, "malformed_yaml")
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = run([*SNAKEMAKE, "--directory", str(workdir), "--cores", "1", "--configfile", str(config)], cwd=workdir)
    assert result.returncode != 0
    # Snakemake parses --configfile itself, before mdm2screen sees it; its message is what the user gets.
    assert "Config file is not valid JSON or YAML" in result.stdout + result.stderr
    assert not outdir.exists()


# =========================================================================== hostile IDs

HOSTILE_IDS = [
    "../../etc/x",
    "a/b",
    ".hidden",
    "x;rm -rf ~",
    "$(touch {tmp}/pwned-id)",
    "`touch {tmp}/pwned-tick`",
    "P" * 129,
    "Patiënt-7",
    "Ⅻ",
    "..",
    "-rf",
    "<script>x</script>",
    "a b",
    "CON\\x",
]


def test_hostile_ids_are_rejected_by_the_sheet_check_before_any_path(tmp_path):
    ids = [h.replace("{tmp}", str(tmp_path)) for h in HOSTILE_IDS]
    rows = [f"{pid}\tS{i}\tGRCh37\tx.cns\ty.vcf" for i, pid in enumerate(ids)]  # hostile patient IDs
    rows += [f"P{i}\t{sid}\tGRCh37\tx.cns\ty.vcf" for i, sid in enumerate(ids)]  # hostile sample IDs
    (tmp_path / "samples.tsv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    config = write_config(tmp_path, f"samples: {tmp_path / 'samples.tsv'}\noutdir: {tmp_path / 'out'}\n")
    before = tree(tmp_path)
    for command in ("check", "screen"):
        result = run([*CLI, command, "--config", str(config)], cwd=tmp_path)
        assert result.returncode == 2
        for i, value in enumerate(ids):
            assert f"line {i + 2}, column 'patient_id': {value!r} is not a valid ID" in result.stderr, value
            assert f"line {len(ids) + i + 2}, column 'sample_id': {value!r} is not a valid ID" in result.stderr, value
        assert f"{2 * len(ids)} problem(s)" in result.stderr
    assert tree(tmp_path) == before  # no outdir, no file from `touch`, nothing


def test_a_nul_byte_in_the_sheet_is_refused_as_binary(tmp_path):
    (tmp_path / "samples.tsv").write_bytes(f"{HEADER}\nP1\tS1\x00x\tGRCh37\tx.cns\ty.vcf\n".encode())
    config = write_config(tmp_path, f"samples: {tmp_path / 'samples.tsv'}\noutdir: {tmp_path / 'out'}\n")
    result = run([*CLI, "check", "--config", str(config)], cwd=tmp_path)
    assert result.returncode == 2
    assert "samples.tsv: binary content, expected a tab-separated sample sheet" in result.stderr
    assert not (tmp_path / "out").exists()


def test_ids_that_become_file_names_cannot_escape_the_outdir(tmp_path):
    for value in [h.replace("{tmp}", str(tmp_path)) for h in HOSTILE_IDS] + ["", "a\x00b", "a\nb"]:
        assert not is_valid_id(value) and not ID_PATTERN.match(value), value
        with pytest.raises(ValueError):
            safe_child(tmp_path, value, ".json")
    assert safe_child(tmp_path, "DEMO-01.T1_a", ".json") == (tmp_path / "DEMO-01.T1_a.json").resolve()


# =========================================================================== hostile content

SCRIPT = "<script>alert('tt')</script>"
IMG = 'x"><img src=x onerror=alert(1)>'
SVG = "<svg onload=alert('f')>"
FORMULA = '=HYPERLINK("http://evil.example","click")'


def _hostile_vcf(path: Path) -> None:
    """The Mutect2+VEP A25 excerpt with hostile sample names, header text and HGVS annotation."""
    text = (BASE / "ncsa_phyloflow" / "VEP_raw.A25.mutect2.filtered.snp.excerpt.vcf").read_text()
    text = text.replace("\tA25\tN1\n", "\t<script>alert('s')</script>\t\"><img src=y onerror=alert('n')>\n")
    text = text.replace("ENSP00000269305.4:p.Arg280Ser", "ENSP00000269305.4:p.<script>alert('hgvs')</script>")
    text = text.replace(
        "##fileformat=VCFv4.2\n", f"##fileformat=VCFv4.2\n##source=<script>alert('hdr')</script>{IMG}\n"
    )
    path.write_text(text)


def test_hostile_content_is_escaped_everywhere_and_writes_nothing_outside_the_outdir(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    cn = data / f"{SVG}.cns"  # a file name is input too: it is shown in the reports
    cn.write_bytes((BASE / "etal_cnvkit" / "tr95t.cns").read_bytes())
    vcf = data / "hostile.vcf"
    _hostile_vcf(vcf)
    pwned = tmp_path / "pwned"
    sheet = data / "samples.tsv"
    sheet.write_text(
        f"{HEADER}\ttumor_sample\tassay\ttumor_type\n"
        f"H1\tH1-T1\tGRCh37\t{cn}\t{vcf}\t<script>alert('s')</script>\tDEMO_PANEL\t{SCRIPT} $(touch {pwned}) `touch {pwned}`\n"
        f"H2\tH2-T1\tGRCh37\t{cn}\t{BASE / 'VerenaK90_LACHESIS/strelka2.somatic.snvs.excerpt.vcf'}\t\tDEMO_PANEL\t{FORMULA}\n"
    )
    ihc = data / "ihc.tsv"
    ihc.write_text(
        "patient_id\tmarker\tresult\tmethod\n"
        f"H1\tMDM2\tpositive\t{IMG}; DROP TABLE patients;--\n"
        f"H2\tMDM2\tpositive\t{SCRIPT}\n"
        f"H2\tp53\twild_type_pattern\t{FORMULA}\n"
    )
    rundir = tmp_path / "run"
    rundir.mkdir()
    outdir = rundir / "out"
    config = write_config(
        rundir, json.dumps({"samples": str(sheet), "ihc": str(ihc), "outdir": str(outdir), "assays": ASSAYS})
    )
    before = tree(tmp_path)
    result = run([*CLI, "screen", "--config", str(config)], cwd=rundir)
    assert result.returncode == 0, result.stderr

    created = tree(tmp_path) - before
    assert created and all(p == "run/out" or p.startswith("run/out/") for p in created), sorted(created)
    assert not pwned.exists()

    reports = {p.stem: json.loads(p.read_text()) for p in (outdir / "patients").glob("*.json")}
    assert reports["H1"]["samples"][0]["tumor_type"].startswith(SCRIPT)  # data kept verbatim in the JSON
    assert reports["H1"]["status"] == "NOT_ELIGIBLE"  # the hostile HGVS text did not hide the TP53 mutation
    # HGVS is computed on the shipped transcript for every input: the VEP field's hostile p. text is
    # not what the report shows (the variant reads p.Arg280Ser however the file spelled it).
    assert any("p.Arg280Ser" in r["message"] for r in reports["H1"]["reasons"])
    pages = [*(outdir / "patients").glob("*.html"), outdir / "cohort" / "summary.html"]
    for page in pages:
        html = page.read_text()
        for raw in ("<script>alert", "<img src=x", "<img src=y", "<svg onload", "onerror=alert(1)>"):
            assert raw not in html, f"{page.name}: unescaped {raw!r}"
        if page.name != "summary.html":
            assert "&lt;script&gt;alert(" in html, f"{page.name}: the hostile text should be shown, escaped"
    assert "&lt;svg onload=alert(" in (outdir / "patients" / "H1.html").read_text()
    for svg in (outdir / "cohort").glob("*.svg"):
        assert "<script" not in svg.read_text()

    csv_text = (outdir / "cohort" / "summary.csv").read_text(encoding="utf-8-sig")
    assert "\"'=HYPERLINK(" in csv_text and '"=HYPERLINK(' not in csv_text  # formula neutralised for spreadsheets


def test_a_stray_quote_never_swallows_the_following_rows(tmp_path):
    """A field that opens a double quote and never closes it (a hand-edited table) must not hide later rows.

    Here patient Q2's MDM2 IHC is negative, on the row after Q1's stray quote. Lost, it would make
    Q2 PENDING_CONFIRMATION instead of NOT_ELIGIBLE; a lost p53 'null' row could even make a patient
    ELIGIBLE instead of INDETERMINATE (discordant p53 IHC).
    """
    cn, vcf = BASE / "etal_cnvkit/tr95t.cns", BASE / "VerenaK90_LACHESIS/strelka2.somatic.snvs.excerpt.vcf"
    (tmp_path / "samples.tsv").write_text(
        f"{HEADER}\tassay\ttumor_type\n"
        f'Q1\tQ1-T1\tGRCh37\t{cn}\t{vcf}\tDEMO_PANEL\t"dedifferentiated liposarcoma\n'
        f"Q2\tQ2-T1\tGRCh37\t{cn}\t{vcf}\tDEMO_PANEL\tliposarcoma\n"
    )
    (tmp_path / "ihc.tsv").write_text(
        "patient_id\tmarker\tresult\tmethod\n"
        'Q1\tMDM2\tpositive\t"SMP14, lot 7\n'
        "Q2\tMDM2\tnegative\tSMP14\n"
        'Q2\tp53\tnull\t"DO-7"\n'
    )
    cohort = prepare(
        {
            "samples": str(tmp_path / "samples.tsv"),
            "ihc": str(tmp_path / "ihc.tsv"),
            "outdir": str(tmp_path / "out"),
            "assays": ASSAYS,
        }
    )
    assert set(cohort.patients) == {"Q1", "Q2"}
    assert [r.line for r in cohort.ihc.for_patient("Q2")] == [3, 4]
    report = Screener(cohort.settings, cohort.arms, cohort.ihc).screen_patient("Q2", cohort.patients["Q2"])
    assert report["ihc"]["mdm2"]["state"] == "negative"
    assert report["status"] == "NOT_ELIGIBLE"


def _calls(tree_: ast.AST):
    for node in ast.walk(tree_):
        if isinstance(node, ast.Call):
            yield node


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return f"{_name(func.value)}.{func.attr}"
    return ""


def test_nothing_from_the_input_is_evaluated_or_run_through_a_shell():
    """No eval/exec, no shell, no unsafe deserialisation anywhere in the package or the workflow."""
    sources = [*(REPO / "src" / "mdm2screen").rglob("*.py"), *(REPO / "workflow" / "scripts").glob("*.py")]
    assert len(sources) > 20
    banned = {
        "eval",
        "exec",
        "compile",
        "__import__",
        "os.system",
        "os.popen",
        "os.execv",
        "os.execvp",
        "os.spawnl",
        "yaml.load",
        "yaml.unsafe_load",
        "pickle.load",
        "pickle.loads",
        "marshal.loads",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
    }
    problems = []
    for path in sources:
        text = path.read_text()
        for needle in ("eval(", "exec(", "shell=True", "os.system"):
            if needle in text:
                problems.append(f"{path}: contains {needle!r}")
        for call in _calls(ast.parse(text)):
            name = _name(call.func)
            where = f"{path.relative_to(REPO)}:{call.lineno}"
            if name in banned:
                problems.append(f"{where}: calls {name}")
            if name.startswith("subprocess."):
                if any(k.arg == "shell" for k in call.keywords):
                    problems.append(f"{where}: subprocess with shell=")
                if call.args and isinstance(call.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp)):
                    problems.append(f"{where}: subprocess command given as one string")
    for rules in [REPO / "workflow" / "Snakefile", *(REPO / "workflow" / "rules").glob("*.smk")]:
        text = rules.read_text()
        if "shell:" in text or "run:" in text:
            problems.append(f"{rules}: rules must call the package through script:, not shell:/run:")
    assert not problems, "\n".join(problems)


# =========================================================================== partial failure, reproducibility


def _big_cohort(folder: Path, n: int = 150) -> Path:
    """``n`` patients cycling through the demo cohort's rows (absolute paths), the demo IHC table."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = (DEMO / "samples.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    demo = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    out = ["\t".join(header)]
    for i, row in zip(range(n), itertools.cycle(demo), strict=False):
        row = dict(row, patient_id=f"K{i:03d}", sample_id=f"K{i:03d}-{row['sample_id']}")
        row["cn_file"], row["vcf"] = str(DEMO / row["cn_file"]), str(DEMO / row["vcf"])
        out.append("\t".join(row[c] for c in header))
    (folder / "samples.tsv").write_text("\n".join(out) + "\n")
    return folder / "samples.tsv"


def _config(folder: Path, sheet: Path, outdir: Path, ihc: Path | None = None) -> Path:
    body = {"samples": str(sheet), "outdir": str(outdir), "assays": ASSAYS, "batch_size": 1000}
    if ihc is not None:
        body["ihc"] = str(ihc)
    return write_config(folder, json.dumps(body))


@pytest.fixture(scope="module")
def big_cohort(tmp_path_factory) -> tuple[Path, Path]:
    """The 150-patient cohort and its uninterrupted reference run's outdir."""
    folder = tmp_path_factory.mktemp("big")
    sheet = _big_cohort(folder / "in")
    reference = folder / "reference"
    (folder / "ref").mkdir()
    result = run([*CLI, "screen", "--config", str(_config(folder / "ref", sheet, reference))], cwd=folder)
    assert result.returncode == 0, result.stderr
    return sheet, reference


def _complete_reports(patients: Path) -> set[str]:
    """Patients whose JSON is complete and valid; fails on any JSON a reader could trust but should not."""
    done = set()
    for path in patients.glob("*.json"):
        report = json.loads(path.read_text())  # a half-written JSON would raise here
        jsonschema.validate(report, SCHEMA)
        done.add(path.stem)
    return done


def test_a_killed_run_leaves_no_partial_report_and_the_rerun_matches_an_uninterrupted_run(tmp_path, big_cohort):
    sheet, reference = big_cohort
    outdir = tmp_path / "out"
    config = _config(tmp_path, sheet, outdir)
    proc = subprocess.Popen(
        [*CLI, "screen", "--config", str(config)], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    patients = outdir / "patients"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and not (patients.is_dir() and len(list(patients.glob("*.json"))) >= 5):
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up: the worst case
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed: make the cohort bigger"

    done = _complete_reports(patients)
    assert 5 <= len(done) < 150, len(done)
    leftovers = [p.name for p in patients.iterdir() if p.suffix not in (".json", ".html")]
    # atomic_write's temporary files are hidden and end in .tmp: never a name a reader looks for.
    assert all(n.startswith(".") and n.endswith(".tmp") for n in leftovers), leftovers
    for html in patients.glob("*.html"):
        assert html.read_text().rstrip().endswith("</html>"), html.name
    assert not (outdir / "cohort" / "summary.tsv").exists()

    result = run([*CLI, "screen", "--config", str(config)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _complete_reports(patients) == {f"K{i:03d}" for i in range(150)}
    for path in sorted(patients.glob("*.json")):
        assert without_run(path) == without_run(reference / "patients" / path.name), path.name
    summary = (outdir / "cohort" / "summary.tsv").read_text().splitlines()
    assert len(summary) == 151 and summary == (reference / "cohort" / "summary.tsv").read_text().splitlines()


def test_the_same_inputs_give_byte_identical_json_apart_from_provenance_run(tmp_path):
    """Two runs into two outdirs (demo cohort, demo IHC): JSON identical except provenance.run."""
    outdirs = []
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        outdirs.append(folder / "results")
        config = _config(folder, DEMO / "samples.tsv", outdirs[-1], ihc=DEMO / "ihc.tsv")
        result = run([*CLI, "screen", "--config", str(config)], cwd=folder)
        assert result.returncode == 0, result.stderr
    one, two = (sorted(o.joinpath("patients").glob("*.json")) for o in outdirs)
    assert [p.name for p in one] == [p.name for p in two] and len(one) == 12
    for a, b in zip(one, two, strict=True):
        assert without_run(a) == without_run(b), a.name
        # The bytes are identical once each file's provenance.run object (as written) is cut out.
        texts = []
        for path in (a, b):
            text = path.read_text()
            run_object = json.dumps(json.loads(text)["provenance"]["run"], separators=(",", ":"))
            assert text.count(f'"run":{run_object}') == 1, path
            texts.append(text.replace(f'"run":{run_object}', '"run":null'))
        assert texts[0] == texts[1], a.name
    for name in ("summary.tsv", "summary.csv"):
        assert (outdirs[0] / "cohort" / name).read_bytes() == (outdirs[1] / "cohort" / name).read_bytes()


# =========================================================================== fuzzing the whole Screener


@pytest.fixture(scope="module")
def fuzz_screener(tmp_path_factory) -> tuple[Screener, Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "samples.tsv").write_text(f"{HEADER}\tassay\nF\tF-T1\tGRCh37\tx.cns\ty.vcf\tDEMO_PANEL\n")
    (folder / "ihc.tsv").write_text("patient_id\tmarker\tresult\nF\tMDM2\tpositive\n")
    cohort = prepare(
        {
            "samples": str(folder / "samples.tsv"),
            "ihc": str(folder / "ihc.tsv"),
            "outdir": str(folder / "out"),
            "assays": ASSAYS,
        }
    )
    return Screener(cohort.settings, cohort.arms, cohort.ihc), folder


_counter = itertools.count()

junk = st.one_of(
    st.binary(max_size=4096),
    st.binary(max_size=2048).map(lambda b: gzip.compress(b, mtime=0)),
    st.text(alphabet=st.sampled_from("0123456789.-\t\n #chr12chr17ACGTNa=;:,"), max_size=3000).map(str.encode),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(cn=junk, vcf=junk, build=st.sampled_from(["GRCh37", "GRCh38"]))
def test_random_bytes_never_give_eligible_or_pending_and_never_raise(fuzz_screener, cn, vcf, build):
    screener, folder = fuzz_screener
    n = next(_counter)  # a new file name each time: the readers cache parsed files by path, size and mtime
    cn_file, vcf_file = folder / f"cn{n}.txt", folder / f"v{n}.vcf"
    cn_file.write_bytes(cn)
    vcf_file.write_bytes(vcf)
    row = SampleRow(
        patient_id="F",
        sample_id="F-T1",
        build=build,
        cn_file=cn_file,
        vcf=vcf_file,
        sheet=folder / "samples.tsv",
        line=2,
        assay="DEMO_PANEL",
    )
    report: dict[str, Any] = screener.screen_patient("F", [row])
    assert report["status"] in ("INDETERMINATE", "NOT_ELIGIBLE"), (report["status"], report["reasons"])
    assert all(a["status"] in ("INDETERMINATE", "NOT_ELIGIBLE") for a in report["arms"])
    json.dumps(report, allow_nan=False)  # a NaN from a corrupt value would make invalid JSON
    jsonschema.validate(report, SCHEMA)
