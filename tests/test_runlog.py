"""Logs and progress of a run (mdm2screen.runlog): batch logs, the run log, -v/-q, progress lines."""

from __future__ import annotations

import io
import logging
import os
import re
from pathlib import Path

import pytest
import yaml
from conftest import DEMO, LACHESIS

from mdm2screen import __version__, pipeline, runlog
from mdm2screen.cli import build_parser, main
from mdm2screen.nightly import run_nightly
from mdm2screen.pipeline import prepare, screen_cohort
from mdm2screen.runner import run_in_workers
from mdm2screen.workflow_hooks import start_of_run, where_logs_are

DEMO_CONFIG = {
    "samples": str(DEMO / "samples.tsv"),
    "ihc": str(DEMO / "ihc.tsv"),
    "assays": {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")},
}
HG18 = LACHESIS / "S98.segments.txt"  # ASCAT's S98 example: NCBI36/hg18 coordinates (test_cn_readers.py)
PATIENT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO (\S+): (ELIGIBLE|NOT_ELIGIBLE|INDETERMINATE|PENDING_CONFIRMATION); \S"
)


def forget_the_console() -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, runlog._ConsoleHandler)]:  # noqa: SLF001
        root.removeHandler(handler)
    runlog._state.console = False  # noqa: SLF001
    runlog._state.verbosity = runlog.NORMAL  # noqa: SLF001
    runlog._state.progress = None  # noqa: SLF001
    logging.getLogger("mdm2screen").setLevel(logging.NOTSET)
    runlog.take_run_log()


@pytest.fixture(autouse=True)
def _no_console():
    """Each test starts and ends with no console configured (as a library caller sees mdm2screen;
    other modules' tests of the command line leave one)."""
    forget_the_console()
    yield
    forget_the_console()


def cohort_with_an_hg18_file(tmp_path: Path) -> dict:
    """DEMO-01 and DEMO-02 as in the demo, plus HG18-01 whose copy-number file has hg18 coordinates."""
    lines = (DEMO / "samples.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    rows = [line.split("\t") for line in lines[1:] if line.split("\t")[0] in ("DEMO-01", "DEMO-02")]
    hg18 = list(rows[0])
    hg18[header.index("patient_id")] = "HG18-01"
    hg18[header.index("sample_id")] = "HG18-01-T1"
    hg18[header.index("cn_file")] = str(HG18)
    for row in [*rows]:
        for column in ("cn_file", "vcf"):
            path = row[header.index(column)]
            row[header.index(column)] = str((DEMO / path).resolve())
    hg18[header.index("vcf")] = rows[0][header.index("vcf")]
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("\n".join("\t".join(r) for r in [header, *rows, hg18]) + "\n")
    return {**DEMO_CONFIG, "samples": str(sheet), "outdir": str(tmp_path / "out")}


def log_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# =========================================================================== batch logs


@pytest.mark.parametrize("jobs", [1, 2])
def test_batch_log_has_header_every_patient_once_the_reader_warning_and_a_last_line(tmp_path, jobs):
    cohort = prepare(cohort_with_an_hg18_file(tmp_path))
    (batch,) = cohort.batches()
    screen_cohort(cohort, jobs=jobs)
    path = tmp_path / "out" / "logs" / "screen" / f"{batch.id}.log"
    lines = log_lines(path)
    header = lines[0]
    assert header.startswith(f"mdm2screen {__version__} | batch {batch.id} | run ")
    assert f"a finished batch {batch.id} ends with the line 'batch {batch.id} complete'" in header
    assert f"configuration sha256 {cohort.config_sha256}" in lines[1] and "3 patient(s) to screen" in lines[1]
    patients = [m.group(1) for line in lines if (m := PATIENT_LINE.match(line))]
    assert sorted(patients) == ["DEMO-01", "DEMO-02", "HG18-01"]
    (warning,) = [line for line in lines if " WARNING " in line]
    assert "HG18-01: sample HG18-01-T1:" in warning and str(HG18) in warning and "(build_mismatch)" in warning
    assert "probably from another build" in warning
    hg18_line = next(line for line in lines if " INFO HG18-01: " in line)
    assert "INDETERMINATE; MDM2 not assessable" in hg18_line and hg18_line.endswith("[1 warning above]")
    assert lines.index(warning) < lines.index(hg18_line)
    assert re.fullmatch(
        rf"\S+ INFO batch {batch.id} complete: 3 patient\(s\) \(ELIGIBLE 1, INDETERMINATE 1, NOT_ELIGIBLE 1\) in [\d.]+ s",
        lines[-1],
    )


def test_with_workers_each_batch_log_holds_only_its_own_patients(tmp_path):
    config = {**cohort_with_an_hg18_file(tmp_path), "batch_size": 1}
    cohort = prepare(config)
    batches = cohort.batches()
    assert len(batches) > 1
    screen_cohort(cohort, jobs=2, batches=batches)
    seen = []
    for batch in batches:
        lines = log_lines(runlog.batch_log_path(cohort.outdir, batch.id))
        patients = [m.group(1) for line in lines if (m := PATIENT_LINE.match(line))]
        assert sorted(patients) == sorted(batch.patients), batch.id
        assert (
            lines[-1].split(" INFO ", 1)[1].startswith(f"batch {batch.id} complete: {len(batch.patients)} patient(s)")
        )
        warnings = [line for line in lines if " WARNING " in line]
        assert bool(warnings) == ("HG18-01" in batch.patients)
        seen += patients
    assert sorted(seen) == ["DEMO-01", "DEMO-02", "HG18-01"]
    assert runlog._state.files == []  # noqa: SLF001 - each batch's log was closed once the batch was done


def test_with_workers_a_batch_that_fails_says_so_and_no_log_stays_open(tmp_path, monkeypatch):
    cohort = prepare(cohort_with_an_hg18_file(tmp_path))
    (batch,) = cohort.batches()
    real = pipeline.write_patient_outputs

    def fail_for_hg18(report, *args, **kwargs):
        if report["patient_id"] == "HG18-01":
            raise OSError("No space left on device")
        return real(report, *args, **kwargs)

    monkeypatch.setattr(pipeline, "write_patient_outputs", fail_for_hg18)  # the workers fork with it
    with pytest.raises(OSError, match="No space left"):
        screen_cohort(cohort, jobs=2)
    lines = log_lines(runlog.batch_log_path(cohort.outdir, batch.id))
    assert not any(f" INFO batch {batch.id} complete" in line for line in lines)
    failure = next(line for line in lines if " ERROR " in line)
    assert f"ERROR batch {batch.id} did not complete (" in failure and failure.endswith(
        "OSError: No space left on device"
    )
    assert runlog._state.files == []  # noqa: SLF001 - every log file was closed
    assert not logging.getLogger("mdm2screen").isEnabledFor(logging.INFO)


def test_a_batch_that_fails_says_so_in_its_last_line(tmp_path):
    path = tmp_path / "logs" / "b.log"
    with pytest.raises(OSError, match="disk full"), runlog.job_log(path, "batch b") as job:
        job.info("batch b: 2 patient(s) to screen")
        logging.getLogger("mdm2screen").info("P1: ELIGIBLE; fine", extra={"patient": "P1"})
        raise OSError("disk full")
    lines = log_lines(path)
    assert "P1: ELIGIBLE; fine" in lines[2]
    failure = next(line for line in lines if " ERROR " in line)
    assert failure.endswith("ERROR batch b did not complete (1 patient line(s) above): OSError: disk full")
    assert "Traceback" in path.read_text() and not any(" INFO batch b complete" in line for line in lines)


def test_a_message_from_a_file_cannot_add_a_line(tmp_path):
    path = tmp_path / "x.log"
    with runlog.job_log(path, "batch x") as job:
        logging.getLogger("mdm2screen").warning(
            "P1: sample S1: found '%s'", "a\n2026-01-01T00:00:00Z INFO batch x complete"
        )
        job.complete()
    lines = log_lines(path)
    assert len(lines) == 3 and "found 'a\\n2026-01-01T00:00:00Z INFO batch x complete'" in lines[1]


def test_log_files_are_buffered_but_warnings_are_written_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(runlog, "FLUSH_SECONDS", 3600.0)  # no time-based flush during the test
    path = tmp_path / "x.log"
    with runlog.job_log(path, "batch x") as job:
        size = path.stat().st_size
        logger = logging.getLogger("mdm2screen")
        logger.info("P1: ELIGIBLE; fine", extra={"patient": "P1"})
        assert path.stat().st_size == size  # a patient line is a buffered write, not a flush
        logger.warning("P2: sample S2: unreadable")
        assert "unreadable" in path.read_text()
        job.complete()
    assert job.patients == 1


def test_the_logger_passes_info_only_while_a_log_is_open(tmp_path):
    logger = logging.getLogger("mdm2screen")
    assert not logger.isEnabledFor(logging.INFO)
    with runlog.job_log(tmp_path / "a.log", "batch a") as a:
        with runlog.job_log(tmp_path / "b.log", "batch b") as b:
            assert logger.isEnabledFor(logging.INFO)
            b.complete()
        assert logger.isEnabledFor(logging.INFO)
        a.complete()
    assert not logger.isEnabledFor(logging.INFO)


def _worker_setup() -> str:
    return "context"


def _worker_chunk(context: str, chunk: str) -> str:
    logging.getLogger("mdm2screen.evidence").warning("chunk %s read in %s", chunk, context)
    if chunk == "bad":
        raise ValueError("a bad chunk")
    return chunk.upper()


def test_what_workers_log_is_written_by_the_parent_to_the_log_of_the_chunks_batch(tmp_path):
    results: dict[int, str] = {}
    with (
        runlog.job_log(tmp_path / "a.log", "batch a", route="a") as a,
        runlog.job_log(tmp_path / "b.log", "batch b", route="b") as b,
    ):
        run_in_workers(
            ["x", "y", "z"],
            _worker_chunk,
            results.__setitem__,
            jobs=2,
            setup=_worker_setup,
            log_route="aab".__getitem__,
        )
        a.complete()
        b.complete()
    assert results == {0: "X", 1: "Y", 2: "Z"}
    a_lines, b_lines = log_lines(a.path), log_lines(b.path)
    assert sorted(line.split(" WARNING ")[1] for line in a_lines if " WARNING " in line) == [
        "chunk x read in context",
        "chunk y read in context",
    ]
    assert [line.split(" WARNING ")[1] for line in b_lines if " WARNING " in line] == ["chunk z read in context"]
    # A failing chunk's records are written before its error is raised.
    with pytest.raises(ValueError, match="a bad chunk"), runlog.job_log(tmp_path / "c.log", "batch c"):
        run_in_workers(["bad"], _worker_chunk, results.__setitem__, jobs=2, setup=_worker_setup)
    c_text = (tmp_path / "c.log").read_text()
    assert "WARNING chunk bad read in context" in c_text and "ValueError: a bad chunk" in c_text


# =========================================================================== run logs and the command line


def write_config(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_screen_writes_its_run_log_and_prints_where_it_is(tmp_path, capsys):
    config = write_config(tmp_path, cohort_with_an_hg18_file(tmp_path))
    assert main(["screen", "--config", str(config)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("log: ")
    path = Path(err[-1][len("log: ") :])
    assert path.parent == tmp_path / "out" / "logs" and re.fullmatch(r"mdm2screen_screen_\d{8}T\d{6}Z\.log", path.name)
    lines = log_lines(path)
    assert lines[0].startswith(f"mdm2screen {__version__} | screen | run ") and "configuration sha256 " in lines[0]
    assert sorted(m.group(1) for line in lines if (m := PATIENT_LINE.match(line))) == ["DEMO-01", "DEMO-02", "HG18-01"]
    assert any("(build_mismatch)" in line for line in lines)
    assert " INFO screen complete: 3 patient(s) in 1 batch(es); summary " in lines[-1]
    # The batch's own log is there too, as the workflow writes it.
    assert len(list((tmp_path / "out" / "logs" / "screen").glob("*.log"))) == 1


def test_two_runs_in_the_same_second_get_two_run_logs(tmp_path):
    paths = []
    for _ in range(2):
        with runlog.run_log(tmp_path, "screen") as job:
            job.complete()
        paths.append(job.path)
    assert paths[0] != paths[1] and all(p.is_file() for p in paths)
    assert runlog.take_run_log() == paths[1] and runlog.take_run_log() is None


def test_nightly_writes_a_run_log_with_every_patient_screened(tmp_path, capsys):
    config = cohort_with_an_hg18_file(tmp_path)
    result = run_nightly(config, source="test")
    assert result.log is not None and result.log.parent == tmp_path / "out" / "logs"
    lines = log_lines(result.log)
    assert lines[0].startswith(f"mdm2screen {__version__} | nightly | run ")
    assert sorted(m.group(1) for line in lines if (m := PATIENT_LINE.match(line))) == ["DEMO-01", "DEMO-02", "HG18-01"]
    assert any("HG18-01: sample HG18-01-T1:" in line and "(build_mismatch)" in line for line in lines)
    assert f" INFO nightly complete: run {result.run_id}: 3 patient(s), 3 screened, 0 failed" in lines[-1]
    assert capsys.readouterr().err == ""  # no console was configured: the API prints nothing


@pytest.mark.parametrize(
    ("argv", "verbose", "quiet"),
    [
        (["screen"], False, False),
        (["-v", "screen"], True, False),
        (["screen", "-v"], True, False),
        (["--verbose", "screen"], True, False),
        (["-q", "screen"], False, True),
        (["screen", "-q"], False, True),
        (["screen", "--quiet"], False, True),
        (["-v", "screen", "-v"], True, False),
    ],
)
def test_verbose_and_quiet_parse_before_and_after_the_command(argv, verbose, quiet):
    args = build_parser().parse_args(argv)
    assert (args.verbose, args.quiet) == (verbose, quiet)


def test_verbose_and_quiet_together_are_refused(capsys):
    for argv in (["-v", "screen", "-q"], ["screen", "-v", "-q"], ["-q", "-v", "screen"]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2
        assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_shows_every_patient_and_quiet_only_the_result(tmp_path, capsys, where):
    config = write_config(tmp_path, cohort_with_an_hg18_file(tmp_path))

    def screen(option: str | None) -> str:
        options = [option] if option else []
        argv = (
            [*options, "screen", "--config", str(config)]
            if where == "before"
            else ["screen", "--config", str(config), *options]
        )
        assert main(argv) == 0
        captured = capsys.readouterr()
        assert captured.out.startswith("Screened 3 patients.")
        return captured.err

    default, verbose, quiet = screen(None), screen("-v"), screen("-q")
    # Default: warnings (the refused hg18 file), progress, where the log is; no patient lines.
    assert "WARNING HG18-01: sample HG18-01-T1:" in default and "batch 1/1 done: 3/3 patients" in default
    assert "DEMO-01: ELIGIBLE;" not in default and default.splitlines()[-1].startswith("log: ")
    # -v: every patient as well.
    assert "DEMO-01: ELIGIBLE;" in verbose and "HG18-01: INDETERMINATE;" in verbose and "batch 1/1 done" in verbose
    # -q: no warning, no progress; only where the log is.
    assert quiet.splitlines() == [quiet.splitlines()[-1]] and quiet.startswith("log: ")


def test_quiet_nightly_prints_no_progress_and_no_status(tmp_path, capsys):
    config = write_config(tmp_path, cohort_with_an_hg18_file(tmp_path))
    assert main(["nightly", "--config", str(config), "-q"]) == 0
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if not line.startswith("log: ")] == []
    assert main(["nightly", "--config", str(config), "--force"]) == 0
    err = capsys.readouterr().err
    assert "run 2: 3 patients, 3 to screen" in err and "screened 3/3 patients in " in err


# =========================================================================== progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_without_a_terminal_writes_a_plain_line_per_batch():
    stream, clock = io.StringIO(), FakeClock()
    with runlog.Progress(10_000, batches=4, stream=stream, clock=clock) as progress:
        for _ in range(3):
            clock.now += 10
            progress.advance(1_000)
        assert stream.getvalue() == ""  # no line between batches within a minute
        clock.now += 10
        progress.advance(1_000)
        progress.batch_done()
        clock.now += 70
        progress.advance(3_000)  # over a minute since the last line: one line between batches
        clock.now += 10
        progress.advance(3_000)
        progress.batch_done()
        progress.batch_done()
        progress.batch_done()
    assert stream.getvalue().splitlines() == [
        "batch 1/4 done: 4,000/10,000 patients, 100/s, about 60 s left",
        "screened 7,000/10,000 patients, 64/s, about 47 s left",
        "batch 2/4 done: 10,000/10,000 patients, 83/s",
        "batch 3/4 done: 10,000/10,000 patients, 83/s",
        "batch 4/4 done: 10,000/10,000 patients, 83/s",
    ]


def test_progress_without_batches_ends_with_a_summary_line():
    stream, clock = io.StringIO(), FakeClock()
    with runlog.Progress(30, stream=stream, clock=clock) as progress:
        clock.now += 4
        progress.advance(20)
        clock.now += 2
        progress.advance(10)
    assert stream.getvalue() == "screened 30/30 patients in 6 s (5.0/s)\n"


def test_progress_on_a_terminal_rewrites_one_line_a_few_times_a_second():
    stream, clock = Terminal(), FakeClock()
    progress = runlog.Progress(10_000, batches=17, stream=stream, clock=clock)
    assert stream.getvalue() == "\rscreened 0/10,000 patients\x1b[K"
    for _ in range(8):  # 8 chunks within 0.2 s: one redraw at most
        clock.now += 0.025
        progress.advance(1)
    assert stream.getvalue().count("\r") == 1
    clock.now = 108.0
    progress.advance(1_192)
    assert stream.getvalue().endswith("\rscreened 1,200/10,000 patients (150/s, about 59 s left)\x1b[K")
    assert "\n" not in stream.getvalue()
    clock.now = 166.0
    progress.advance(8_800)
    progress.close()
    assert stream.getvalue().endswith("\rscreened 10,000/10,000 patients in 66 s (152/s)\x1b[K\n")
    assert runlog._state.progress is None  # noqa: SLF001


def test_a_warning_clears_the_progress_line_and_the_line_comes_back(capsys):
    runlog.configure_console(runlog.NORMAL)
    stream, clock = Terminal(), FakeClock()
    with runlog.Progress(10, stream=stream, clock=clock) as progress:
        clock.now += 1
        progress.advance(5)
        logging.getLogger("mdm2screen").warning("P3: sample S3: unreadable")
        assert stream.getvalue().endswith(
            "\rscreened 5/10 patients (5.0/s, about 1 s left)\x1b[K\r\x1b[K\rscreened 5/10 patients (5.0/s, about 1 s left)\x1b[K"
        )
    assert capsys.readouterr().err == "WARNING P3: sample S3: unreadable\n"


def test_progress_is_off_when_quiet_and_when_no_console_was_configured(capsys):
    assert not runlog.Progress(10).enabled  # the API: nothing on stderr
    runlog.configure_console(runlog.QUIET)
    quiet = runlog.Progress(10)
    quiet.advance(10)
    quiet.close()
    assert not quiet.enabled
    runlog.configure_console(runlog.NORMAL)
    assert runlog.Progress(10).stream is not None
    assert capsys.readouterr().err == ""


def test_quiet_shows_errors_only_and_normal_shows_status_lines(capsys):
    logger = logging.getLogger("mdm2screen")
    runlog.configure_console(runlog.QUIET)
    logger.warning("a warning")
    runlog.status("a status line")
    logger.error("an error")
    assert capsys.readouterr().err == "ERROR an error\n"
    runlog.configure_console(runlog.NORMAL)
    logger.info("a patient line")
    runlog.status("a status line")
    logger.warning("log files only", extra={"console": False})
    assert capsys.readouterr().err == "a status line\n"


# =========================================================================== the Snakefile's onstart hook


def test_onstart_says_where_the_logs_are_and_gives_the_jobs_one_run_id(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(runlog.RUN_ID_ENV, raising=False)
    start_of_run(str(tmp_path / "results"), ["samples_b0", "samples_b1"], [".snakemake/log/x.snakemake.log"])
    err = capsys.readouterr().err
    assert (
        err
        == where_logs_are(tmp_path / "results", ["samples_b0", "samples_b1"], [".snakemake/log/x.snakemake.log"]) + "\n"
    )
    assert f"this run's logs are in {tmp_path / 'results' / 'logs'}" in err
    assert str(tmp_path / "results" / "logs" / "screen" / "samples_b0.log") in err and "2 batch(es)" in err
    assert f"Snakemake's own log: {os.path.abspath('.snakemake/log/x.snakemake.log')}" in err
    run_id = os.environ[runlog.RUN_ID_ENV]
    with runlog.job_log(tmp_path / "b.log", "batch b") as job:
        job.complete()
    assert f"| run {run_id} |" in log_lines(tmp_path / "b.log")[0]
