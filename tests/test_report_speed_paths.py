"""Per-patient output path made cheaper: the shortcuts must keep the old guarantees.

atomic_write (cheap temporary names), safe_child (cached base resolution), the per-run
caches of the HTML report (configuration table, chr12 plot frame) and the template helpers
that replaced macros (status badge, criterion state) are checked here for behaviour, not speed.
"""

from __future__ import annotations

import copy
import datetime
import errno
import itertools
import json
import os
import stat
from pathlib import Path

import pytest
import report_fixtures as rf
from jinja2 import ChainableUndefined, Environment, Undefined
from markupsafe import escape

from mdm2screen import fileio
from mdm2screen.fileio import atomic_write
from mdm2screen.paths import safe_child
from mdm2screen.pipeline import report_paths, write_patient_outputs
from mdm2screen.report import html as report_html
from mdm2screen.report import render_patient_html
from mdm2screen.report.svg import chr12_profile_svg

# =========================================================================== atomic_write


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("sync", [True, False])
def test_atomic_write_leaves_only_the_target(tmp_path: Path, sync: bool) -> None:
    atomic_write(tmp_path / "P1.html", "<html>\u2713</html>", sync=sync)
    atomic_write(tmp_path / "P1.json", b"{}\n", sync=sync)
    assert _names(tmp_path) == ["P1.html", "P1.json"]
    assert (tmp_path / "P1.html").read_text(encoding="utf-8") == "<html>\u2713</html>"
    assert (tmp_path / "P1.json").read_bytes() == b"{}\n"


def test_two_writes_of_the_same_target_both_land(tmp_path: Path) -> None:
    target = tmp_path / "P1.json"
    atomic_write(target, "first")
    assert target.read_text() == "first"
    atomic_write(target, "second, longer")
    assert target.read_text() == "second, longer"
    atomic_write(str(target), b"", sync=False)  # str paths and empty content too
    assert target.read_bytes() == b""
    assert _names(tmp_path) == ["P1.json"]


def test_atomic_write_creates_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "out" / "patients" / "P1.html"
    atomic_write(target, "x")
    assert target.read_text() == "x"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002, 0o027])
def test_atomic_write_applies_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        atomic_write(tmp_path / "P1.html", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "P1.html").stat().st_mode) == 0o666 & ~umask


def test_a_failing_write_leaves_no_temporary_file_and_the_old_file_intact(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "P1.html"
    atomic_write(target, "old")
    seen_during_write: list[str] = []

    def disk_full(fd: int, data: object) -> int:
        seen_during_write.extend(_names(tmp_path))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.os, "write", disk_full)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, "new")
    monkeypatch.undo()
    # While writing, the temporary file sat next to the target, hidden and ending in .tmp.
    tmp_names = [n for n in seen_during_write if n != "P1.html"]
    assert len(tmp_names) == 1 and tmp_names[0].startswith(".P1.html.") and tmp_names[0].endswith(".tmp")
    assert _names(tmp_path) == ["P1.html"]
    assert target.read_text() == "old"


def test_an_interrupt_during_fsync_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fileio.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "P1.html", "x", sync=True)
    monkeypatch.undo()
    assert _names(tmp_path) == []


def test_a_failing_rename_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "P1.html").mkdir()  # a folder where the file should go: os.replace fails
    with pytest.raises(OSError):
        atomic_write(tmp_path / "P1.html", "x")
    assert _names(tmp_path) == ["P1.html"]


def test_unencodable_text_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(UnicodeEncodeError):
        atomic_write(tmp_path / "P1.html", "lone surrogate \udc80")
    assert _names(tmp_path) == []


def test_a_leftover_temporary_name_is_skipped_not_overwritten(tmp_path: Path, monkeypatch) -> None:
    # A killed run with the same (recycled) pid left the name the counter would pick next.
    monkeypatch.setattr(fileio, "_TMP_COUNTER", itertools.count(0))
    leftover = tmp_path / f".P1.html.{os.getpid()}.0.tmp"
    leftover.write_text("someone else's")
    atomic_write(tmp_path / "P1.html", "mine")
    assert (tmp_path / "P1.html").read_text() == "mine"
    assert leftover.read_text() == "someone else's"
    assert _names(tmp_path) == [leftover.name, "P1.html"]


@pytest.mark.parametrize("files", [3, 100])  # one at a time, and through the thread pool
def test_sync_files_flushes_every_file_before_its_folders(tmp_path: Path, monkeypatch, files: int) -> None:
    flushed: list[str] = []
    monkeypatch.setattr(fileio, "_fsync", lambda path: flushed.append(os.fspath(path)))
    paths = []
    for i in range(files):
        folder = tmp_path / f"part{i % 2}"
        atomic_write(folder / f"r{i}.html", "x", sync=False)
        paths.append(folder / f"r{i}.html")
    fileio.sync_files(paths)
    assert sorted(flushed[:files]) == sorted(str(p) for p in paths)
    assert sorted(flushed[files:]) == [str(tmp_path / "part0"), str(tmp_path / "part1")]


@pytest.mark.parametrize("files", [3, 100])
def test_sync_files_raises_for_a_file_that_has_gone_and_flushes_no_folder(tmp_path: Path, files: int, monkeypatch) -> None:
    paths = [tmp_path / f"r{i}.html" for i in range(files)]
    for path in paths:
        atomic_write(path, "x", sync=False)
    paths[files // 2].unlink()
    flushed: list[str] = []
    real = fileio._fsync
    monkeypatch.setattr(fileio, "_fsync", lambda path: (real(path), flushed.append(os.fspath(path))))
    with pytest.raises(FileNotFoundError):
        fileio.sync_files(paths)
    assert str(tmp_path) not in flushed


def test_a_file_where_the_folder_should_be_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "patients").write_text("not a folder")
    with pytest.raises(FileExistsError):
        atomic_write(tmp_path / "patients" / "P1.html", "x")


# =========================================================================== safe_child / report_paths


def test_safe_child_refuses_a_link_that_leads_outside(tmp_path: Path) -> None:
    base, outside = tmp_path / "patients", tmp_path / "elsewhere"
    base.mkdir()
    outside.mkdir()
    (base / "P1.json").symlink_to(outside / "P1.json")
    with pytest.raises(ValueError, match="outside"):
        safe_child(base, "P1", ".json")
    with pytest.raises(ValueError, match="outside"):
        report_paths(tmp_path, "P1")
    # A link that stays inside resolves to its target, as before.
    (base / "P2.json").symlink_to(base / "real.json")
    assert safe_child(base, "P2", ".json") == (base / "real.json").resolve()


def test_safe_child_resolves_the_base_and_refuses_bad_ids(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    assert safe_child(tmp_path / "link", "P1", ".html") == real.resolve() / "P1.html"
    for bad in ("../x", "..", ".", "", "a/b", "/etc/passwd", ".hidden", "a\x00b", "x" * 129):
        with pytest.raises(ValueError):
            safe_child(tmp_path, bad, ".json")
        with pytest.raises(ValueError):
            report_paths(tmp_path, bad)


def test_a_suffix_cannot_lead_outside_either(tmp_path: Path) -> None:
    base = tmp_path / "patients"
    base.mkdir()
    with pytest.raises(ValueError, match="outside"):
        safe_child(base, "P1", "/../../escaped.json")
    assert safe_child(base, "P1", "/../P2.json") == (base / "P2.json").resolve()


def test_a_relative_base_follows_the_working_folder(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    assert safe_child(Path("out"), "P1", ".json") == (tmp_path / "a" / "out" / "P1.json").resolve()
    monkeypatch.chdir(tmp_path / "b")  # the cached resolution of "out" must not be reused
    assert safe_child(Path("out"), "P1", ".json") == (tmp_path / "b" / "out" / "P1.json").resolve()


def test_write_patient_outputs_writes_both_files_and_nothing_else(tmp_path: Path) -> None:
    report = rf.eligible_report()
    json_path, html_path = write_patient_outputs(report, tmp_path, "T", sync=False)
    assert (json_path.name, html_path.name) == (f"{report['patient_id']}.json", f"{report['patient_id']}.html")
    assert _names(tmp_path / "patients") == sorted([json_path.name, html_path.name])
    assert html_path.read_text(encoding="utf-8") == render_patient_html(report, title="T")
    # Written again (a re-run): the same bytes land again.
    write_patient_outputs(report, tmp_path, "T", sync=True)
    assert html_path.read_text(encoding="utf-8") == render_patient_html(report, title="T")


# =========================================================================== configuration cache


def _config_rows(config: object) -> list[tuple[str, str]]:
    report = rf.eligible_report()
    report["provenance"]["config"] = config
    return report_html.build_view(report, "T")["config_rows"]


def test_a_different_configuration_gives_a_different_view() -> None:
    base = copy.deepcopy(rf.CONFIG)
    rows = _config_rows(base)
    assert rows == report_html.flatten_config(base)
    changed = copy.deepcopy(base)
    changed["copy_number"]["thresholds"]["default"]["amplified_at"] = 10
    assert ("copy_number.thresholds.default.amplified_at", "10") in _config_rows(changed)
    assert ("copy_number.thresholds.default.amplified_at", "8") in _config_rows(base)
    # Values that compare equal but print differently, and key order, are told apart.
    assert _config_rows({"a": 1}) == [("a", "1")]
    assert _config_rows({"a": True}) == [("a", "true")]
    assert _config_rows({"a": 1.0}) == [("a", "1.0")]
    assert _config_rows({"a": 1, "b": 2}) == [("a", "1"), ("b", "2")]
    assert _config_rows({"b": 2, "a": 1}) == [("b", "2"), ("a", "1")]
    # Ones a JSON-text key would mix up: a YAML date next to the same text, True next to "true".
    assert _config_rows({"d": datetime.date(2024, 5, 1)}) == [("d", '"2024-05-01"')]
    assert _config_rows({"d": "2024-05-01"}) == [("d", "2024-05-01")]
    assert _config_rows({True: "x"}) == [("True", "x")]
    assert _config_rows({"true": "x"}) == [("true", "x")]
    assert _config_rows(None) == [] and _config_rows({}) == []


def test_a_configuration_changed_in_place_is_shown_as_it_now_is() -> None:
    config = copy.deepcopy(rf.CONFIG)
    report = rf.eligible_report()
    report["provenance"]["config"] = config
    first = render_patient_html(report)
    config["tp53"]["min_vaf"] = 0.1
    second = render_patient_html(report)
    assert "<th class=\"mono\">tp53.min_vaf</th><td class=\"mono wrap\">0.05</td>" in first
    assert "<th class=\"mono\">tp53.min_vaf</th><td class=\"mono wrap\">0.1</td>" in second


def test_the_cached_table_cannot_be_changed_through_a_view() -> None:
    report = rf.eligible_report()
    view = report_html.build_view(report, "T")
    view["config_rows"].append(("injected", "x"))
    assert ("injected", "x") not in report_html.build_view(report, "T")["config_rows"]


def test_an_unpicklable_configuration_is_still_shown() -> None:
    report = rf.eligible_report()
    report["provenance"]["config"] = {"hook": lambda: None, "a": "<b>"}
    page = render_patient_html(report)
    assert '<th class="mono">a</th><td class="mono wrap">&lt;b&gt;</td>' in page


def test_no_configuration_says_so() -> None:
    report = rf.eligible_report()
    report["provenance"]["config"] = None
    assert '<table class="kv"><tr><td class="muted">No configuration recorded.</td></tr></table>' in (
        render_patient_html(report))


# =========================================================================== escaping everywhere


def _hostile_everywhere(report: dict) -> tuple[dict, list[str]]:
    """Every string value (and every key of the configuration and gene table) made hostile."""
    markers: list[str] = []

    def mark() -> str:
        markers.append(f"<hostile{len(markers)} a='1' b=\"2\">&amp;")
        return markers[-1]

    def walk(value: object, keys: bool = False) -> object:
        if isinstance(value, dict):
            return {(mark() if keys else k): walk(v, keys) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, keys) for v in value]
        return mark() if isinstance(value, str) else value

    out = walk(report)
    assert isinstance(out, dict)
    out["patient_id"] = "PT-1"
    out["provenance"]["config"] = walk(report["provenance"]["config"], keys=True)
    out["provenance"]["reference"] = {mark(): mark(), mark(): [mark(), 1]}
    out["genes"] = {mark(): g for g in out["genes"].values()}
    return out, markers


@pytest.mark.parametrize("name", list(rf.all_reports()))
def test_hostile_values_are_escaped_wherever_the_page_shows_them(name: str) -> None:
    report, markers = _hostile_everywhere(rf.all_reports()[name])
    page = render_patient_html(report)
    assert page == render_patient_html(copy.deepcopy(report))  # cached configuration and plot frame
    assert "<hostile" not in page
    shown = [m for m in markers if str(escape(m)) in page]
    # Every place a hostile value appears, it appears whole and escaped (no partial or raw copy),
    # as itself or quoted by repr() / JSON (a threshold mode in a message, a config list).
    forms = [str(escape(f)) for m in markers for f in (repr(m), json.dumps(m, ensure_ascii=False), m)]
    rest = page
    for form in forms:
        rest = rest.replace(form, "")
    assert "hostile" not in rest
    # And they do appear: the configuration, the gene table, criteria, variants, inputs ...
    assert len(shown) > 100
    audit = page[page.index('id="audit"'):]
    config_markers = [m for m in shown if str(escape(m)) in audit]
    assert len(config_markers) > 20


def test_hostile_criterion_states_and_statuses_are_escaped() -> None:
    report = rf.eligible_report()
    report["status"] = "<script>x</script>"
    report["arms"][0]["status"] = '"><b>'
    states = ["met", "not_met", "unknown", "pending", "<i>&'\"", "not_a_state", None, 3]
    template = report["arms"][0]["criteria"][0]
    criteria = [dict(template, state=state) for state in states] + [{k: v for k, v in template.items() if k != "state"}]
    report["arms"][0]["criteria"] = criteria
    page = render_patient_html(report)
    assert "<script>x" not in page and '"><b>' not in page and "<i>&'" not in page
    assert '<span class="state unknown">? &lt;i&gt;&amp;&#39;&#34;</span>' in page
    assert '<span class="state unknown">? not a state</span>' in page
    assert '<span class="state unknown">? n/a</span>' in page
    assert '<span class="state met">\u2713 met</span>' in page


# =========================================================================== helpers that replaced macros

OLD_MACROS = """
{%- macro status_badge(status, big=false) -%}
{%- set st = status_style(status) -%}
<span class="badge {{ st.css }}{{ ' big' if big }}">{{ st.symbol }} {{ st.label|upper }}</span>
{%- endmacro -%}
{%- macro state_cell(state) -%}
{%- set s = CRITERION_STATE.get(state, ('?', state|words)) -%}
<span class="state {{ state if state in CRITERION_STATE else 'unknown' }}">{{ s[0] }} {{ s[1] }}</span>
{%- endmacro -%}
"""
VALUES = ["ELIGIBLE", "NOT_ELIGIBLE", "PENDING_CONFIRMATION", "INDETERMINATE", "eligible", "", " ", None, 0, 1.5,
          True, "met", "not_met", "unknown", "pending", "<x>&'\"", "a_b_c", ChainableUndefined(name="missing")]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_status_badge_and_state_cell_match_the_old_macros(value: object) -> None:
    env = report_html.environment()
    old = env.from_string(OLD_MACROS + "{{ status_badge(x) }}|{{ status_badge(x, true) }}|{{ state_cell(x) }}")
    new = env.from_string("{{ status_badge(x) }}|{{ status_badge(x, true) }}|{{ new_state_cell(x) }}")
    expected = old.render(x=value)
    assert new.render(x=value, new_state_cell=report_html.state_cell) == expected
    assert str(report_html.state_cell(value)) == expected.split("|")[2]


def test_dict_lookup_first_gives_what_jinja_gives() -> None:
    fast, plain = report_html.environment(), Environment(undefined=ChainableUndefined)
    data = {"a": 1, "keys": "a key named like a dict method", "none": None}
    for obj in (data, "text", [1, 2], None, ChainableUndefined()):
        for attr in ("a", "keys", "items", "none", "missing", "upper", "__class__"):
            got, want = fast.getattr(obj, attr), plain.getattr(obj, attr)
            if isinstance(want, Undefined):
                assert isinstance(got, Undefined) and str(got) == str(want), (obj, attr)
            else:
                assert got == want, (obj, attr)


def test_the_plot_frame_cache_tells_zero_from_minus_zero() -> None:
    profile = rf.chr12_profile(rf._tr95t_chr12())
    plain = chr12_profile_svg(profile, threshold=rf.THRESHOLD)
    again = chr12_profile_svg(copy.deepcopy(profile), threshold=dict(rf.THRESHOLD))
    assert plain == again
    shifted = copy.deepcopy(profile)
    shifted["window"] = [-0.0, 1_000_000]
    zero = copy.deepcopy(profile)
    zero["window"] = [0.0, 1_000_000]
    first, second = chr12_profile_svg(shifted), chr12_profile_svg(zero)
    assert "-0.0\u20131 Mb" in first and "0.0\u20131 Mb" in second and "-0.0" not in second
