"""Logs and progress of a run: the one place that decides where mdm2screen's messages go.

Every run that screens writes its logs under ``OUTDIR/logs/``:

- ``logs/screen/<batch>.log``, one per batch (the Snakemake rule's ``log:`` and ``mdm2screen screen``
  alike; rewritten each time the batch runs, as Snakemake does): a header line (mdm2screen version,
  run ID, host, start time, configuration hash when known), the batch line (patients, configuration
  hash), every warning (a copy-number file refused for its build, an unreadable VCF, an invalid IHC
  value: ``log_patient``), one line per patient (``P01: ELIGIBLE; every criterion met: ...``) and
  last ``batch <id> complete: ...``. A log without that line is of a batch that did not finish; when
  the process could still write, the last line says why (``<title> did not complete: ...``).
- ``logs/mdm2screen_<command>_<UTC time>.log`` (``run_log``): the same lines for a whole ``screen``,
  ``nightly`` or ``patient`` run, one new file per run; ``take_run_log`` tells the command line where.

The console (``configure_console``, from ``mdm2screen -v/-q``): warnings and errors by default,
every patient with ``-v``, only errors with ``-q``; ``status`` lines (what a run is doing) unless
``-q``. ``Progress`` shows patients done / total, rate and time left: one line rewritten in place on
a terminal, a plain line per batch (at most one a minute in between) otherwise; off with ``-q`` and
whenever no console was configured (the API, Snakemake jobs).

Worker processes (``runner``) write no log file: ``collect_in_worker`` keeps their records, which go
back to the parent with each chunk's result and are written there (``replay``), so a batch's lines are
in one file, in one order, and no forked copy of a buffer is written twice.

Cost: a log line is a buffered write. Files are flushed on a warning or error, at most once a second
otherwise, and when closed; never fsynced (a log is not a result file).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import os
import re
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from . import __version__

LOGGER = "mdm2screen"
log = logging.getLogger(LOGGER)

QUIET, NORMAL, VERBOSE = -1, 0, 1
RUN_ID_ENV = "MDM2SCREEN_RUN_ID"  # set by the Snakefile's onstart hook: every batch job of a run shares it
LOG_FOLDER = "logs"
FLUSH_SECONDS = 1.0  # a log file is at most this far behind (a warning is written at once)
REDRAW_SECONDS = 0.25  # the progress line on a terminal is redrawn at most this often
PLAIN_SECONDS = 60.0  # without a terminal, a progress line at least per batch and at most once a minute between
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_COMMAND_NAME = re.compile(r"[a-z][a-z0-9-]*")


class _LineFormatter(logging.Formatter):
    """UTC times; a message stays on its line (text from an input file cannot forge a log line)."""

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT, TIME_FORMAT)
        self.converter = time.gmtime

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        text = super().formatMessage(record)
        if "\n" in text or "\r" in text:
            text = text.replace("\r", "\\r").replace("\n", "\\n")
        return text


class _State:
    """What this process has set up (one per process; a forked worker starts from its parent's)."""

    def __init__(self) -> None:
        self.console = False  # configure_console was called: a command line owns this process
        self.verbosity = NORMAL
        self.info_holds = 0  # open log files: while any is, the mdm2screen logger passes INFO
        self.saved_level = logging.NOTSET
        self.files: list[_LogFileHandler] = []
        self.run_id: str | None = None  # of the run_log open now
        self.process_run_id: str | None = None
        self.last_run_log: Path | None = None
        self.progress: Progress | None = None  # the one drawing a line on the terminal now
        self.collector: _Collector | None = None
        self.inherited: list[logging.Handler] = []


_state = _State()


# --------------------------------------------------------------------------- console


class _ConsoleHandler(logging.Handler):
    """mdm2screen's messages on stderr; clears a progress line first and redraws it after."""

    def __init__(self, verbosity: int) -> None:
        super().__init__()
        self.threshold = (
            logging.INFO if verbosity >= VERBOSE else logging.ERROR if verbosity <= QUIET else logging.WARNING
        )
        self.show_status = verbosity > QUIET

    def emit(self, record: logging.LogRecord) -> None:
        # extra={"console": True}: a status line (shown unless -q); False: for the log files only.
        shown = getattr(record, "console", None)
        if shown is False or (record.levelno < self.threshold and not (self.show_status and shown)):
            return
        try:
            text = record.getMessage()
            if record.levelno >= logging.WARNING:
                text = f"{record.levelname} {text}"
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                text = f"{text}\n{record.exc_text}"
            stream = sys.stderr  # looked up each time: whatever stderr is now
            progress = _state.progress
            if progress is not None:
                progress.clear_line()
            stream.write(text + "\n")
            stream.flush()
            if progress is not None:
                progress.redraw()
        except Exception:
            self.handleError(record)


def configure_console(verbosity: int = NORMAL) -> None:
    """What a command shows on stderr: ``QUIET`` errors only (no progress), ``NORMAL`` warnings,
    errors, status lines and progress, ``VERBOSE`` also every patient (INFO). Replaces an earlier
    console set up here; third-party warnings show too (the handler is the root logger's)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _ConsoleHandler)]:
        root.removeHandler(handler)
    root.addHandler(_ConsoleHandler(verbosity))
    _state.console = True
    _state.verbosity = verbosity
    level = logging.INFO if verbosity >= VERBOSE else logging.NOTSET
    if _state.info_holds:
        _state.saved_level = level  # applied when the open log files close
    else:
        log.setLevel(level)


def status(message: str, *args: object) -> None:
    """A line about what the run is doing: in the log files, and on the console unless ``-q``."""
    if log.isEnabledFor(logging.INFO):
        log.info(message, *args, extra={"console": True})
    else:  # no log file open and no -v: still for the console
        log.handle(log.makeRecord(LOGGER, logging.INFO, __file__, 0, message, args, None, extra={"console": True}))


# --------------------------------------------------------------------------- log files


class _LogFileHandler(logging.StreamHandler[TextIO]):
    """One log file. ``route``: a batch's log takes records of its own batch only (``replay``)."""

    def __init__(self, stream: TextIO, route: str | None) -> None:
        super().__init__(stream)
        self.setFormatter(_LineFormatter())
        self.route = route
        self.patients = 0  # patient lines written
        self._flushed = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        if self.route is not None and getattr(record, "batch", self.route) != self.route:
            return
        try:
            self.stream.write(self.format(record) + "\n")
            if getattr(record, "patient", None) is not None:
                self.patients += 1
            now = time.monotonic()
            if record.levelno >= logging.WARNING or now - self._flushed >= FLUSH_SECONDS:
                self.stream.flush()
                self._flushed = now
        except Exception:
            self.handleError(record)


def _hold_info() -> None:
    if _state.info_holds == 0:
        _state.saved_level = log.level
        if log.getEffectiveLevel() > logging.INFO:
            log.setLevel(logging.INFO)
    _state.info_holds += 1


def _release_info() -> None:
    _state.info_holds -= 1
    if _state.info_holds == 0:
        log.setLevel(_state.saved_level)


@contextlib.contextmanager
def passing_info() -> Iterator[None]:
    """The mdm2screen logger passes INFO (patient lines) while the block runs, with or without a log
    file open: for workers forked before the logs their records go to are opened."""
    _hold_info()
    try:
        yield
    finally:
        _release_info()


def new_run_id() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}"


def current_run_id() -> str:
    """The open ``run_log``'s ID, else the one the Snakefile's onstart hook gave this run's jobs
    (``MDM2SCREEN_RUN_ID``), else one for this process."""
    if _state.run_id:
        return _state.run_id
    given = " ".join(os.environ.get(RUN_ID_ENV, "").split())[:100]
    if given:
        return given
    if _state.process_run_id is None:
        _state.process_run_id = new_run_id()
    return _state.process_run_id


class JobLog:
    """An open log file (``job_log``, ``run_log``): its lines, and the one saying it completed."""

    def __init__(self, path: Path, title: str, handler: _LogFileHandler) -> None:
        self.path = path
        self.title = title
        self.completed = False
        self._handler = handler
        self._extra = {"batch": handler.route} if handler.route is not None else None

    @property
    def patients(self) -> int:
        """Patient lines written to this log so far."""
        return self._handler.patients

    def info(self, message: str, *args: object) -> None:
        """A line in this log (and the run log, and the console with ``-v``)."""
        log.info(message, *args, extra=self._extra)

    def complete(self, detail: str = "") -> None:
        """The last line of a finished job: ``<title> complete: <detail>``."""
        self.completed = True
        log.info("%s complete%s", self.title, f": {detail}" if detail else "", extra=self._extra)


def _header(title: str, config_sha256: str | None) -> str:
    parts = [
        f"mdm2screen {__version__}",
        title,
        f"run {current_run_id()}",
        f"host {socket.gethostname()}",
        f"pid {os.getpid()}",
        f"started {dt.datetime.now(dt.UTC):{TIME_FORMAT}}",
    ]
    if config_sha256:
        parts.append(f"configuration sha256 {config_sha256}")
    return " | ".join(parts) + f" | times in UTC; a finished {title} ends with the line '{title} complete'\n"


@contextlib.contextmanager
def _attached(stream: TextIO, path: Path, title: str, route: str | None, config_sha256: str | None) -> Iterator[JobLog]:
    handler = _LogFileHandler(stream, route)
    try:
        stream.write(_header(title, config_sha256))
        stream.flush()
        root = logging.getLogger()
        root.addHandler(handler)
        _state.files.append(handler)
        _hold_info()
        job = JobLog(path, title, handler)
        try:
            yield job
        except BaseException as exc:
            # This file only: the exception goes on to whoever reports it (console, Snakemake).
            trace = (type(exc), exc, exc.__traceback__) if isinstance(exc, Exception) else None
            handler.handle(
                log.makeRecord(
                    LOGGER,
                    logging.ERROR,
                    __file__,
                    0,
                    "%s did not complete (%d patient line(s) above): %s: %s",
                    (title, handler.patients, type(exc).__name__, exc),
                    trace,
                )
            )
            raise
        if not job.completed:
            handler.handle(
                log.makeRecord(LOGGER, logging.WARNING, __file__, 0, "%s ended without completing", (title,), None)
            )
    finally:
        logging.getLogger().removeHandler(handler)
        if handler in _state.files:
            _state.files.remove(handler)
            _release_info()
        handler.close()
        stream.close()


@contextlib.contextmanager
def job_log(
    path: str | os.PathLike[str], title: str, *, route: str | None = None, config_sha256: str | None = None
) -> Iterator[JobLog]:
    """Log to ``path`` (created or emptied) while the block runs: a batch (``title`` "batch <id>",
    ``route`` its ID when several batches' logs are open at once) or a Snakemake job."""
    file_path = Path(path)
    file_path.parent.mkdir(parents=True, exist_ok=True)
    stream = open(file_path, "w", encoding="utf-8")  # noqa: SIM115 - closed by _attached
    with _attached(stream, file_path, title, route, config_sha256) as job:
        yield job


def batch_log_path(outdir: str | os.PathLike[str], batch_id: str) -> Path:
    """Where a batch's log is: the path the Snakemake rule declares (workflow/rules/screen.smk)."""
    return Path(outdir) / LOG_FOLDER / "screen" / f"{batch_id}.log"


def _new_file(folder: Path, stem: str) -> tuple[Path, TextIO]:
    """``<stem>.log``, or ``<stem>.2.log`` ... when a run of the same second has it."""
    n = 1
    while True:
        path = folder / (f"{stem}.log" if n == 1 else f"{stem}.{n}.log")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except FileExistsError:
            n += 1
            continue
        return path, open(fd, "w", encoding="utf-8")  # noqa: SIM115 - closed by _attached


@contextlib.contextmanager
def run_log(outdir: str | os.PathLike[str], command: str, *, config_sha256: str | None = None) -> Iterator[JobLog]:
    """The log of a whole run of ``mdm2screen <command>``: ``OUTDIR/logs/mdm2screen_<command>_<UTC time>.log``,
    a new file each run, with every line of the run (all its batches). ``take_run_log`` gives its path
    afterwards (the command line prints it). Open it once the output folder is known to be writable."""
    if not _COMMAND_NAME.fullmatch(command):
        raise ValueError(f"not a command name: {command!r}")
    folder = Path(outdir) / LOG_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path, stream = _new_file(folder, f"mdm2screen_{command}_{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}")
    previous = _state.run_id
    _state.run_id = previous or new_run_id()
    _state.last_run_log = path
    try:
        with _attached(stream, path, command, None, config_sha256) as job:
            yield job
    finally:
        _state.run_id = previous


def take_run_log() -> Path | None:
    """The run log opened since the last call (None if none was): what ``mdm2screen`` prints at the end."""
    path, _state.last_run_log = _state.last_run_log, None
    return path


# --------------------------------------------------------------------------- per patient


def log_patient(report: dict[str, Any]) -> None:
    """A patient's warnings (each file refused, each invalid IHC value) and its line:
    ``<patient>: <status>; <first reason>``, with how many more reasons and warnings there are."""
    pid = report["patient_id"]
    warnings = 0
    for sample in report["samples"]:
        for error in sample["errors"]:
            log.warning("%s: sample %s: %s (%s)", pid, sample["sample_id"], error["message"], error["code"])
            warnings += 1
    for problem in report["ihc"]["problems"]:
        log.warning("%s: IHC table: %s", pid, problem)
        warnings += 1
    if not log.isEnabledFor(logging.INFO):
        return
    reasons = report["reasons"]
    first = reasons[0]["message"] if reasons else "no reason recorded"
    tail = f" (+{len(reasons) - 1} more reason{'s' if len(reasons) > 2 else ''})" if len(reasons) > 1 else ""
    if warnings:
        tail += f" [{warnings} warning{'s' if warnings > 1 else ''} above]"
    log.info("%s: %s; %s%s", pid, report["status"], first, tail, extra={"patient": pid})


# --------------------------------------------------------------------------- worker processes


class _Collector(logging.Handler):
    """A worker's records, kept to go back to the parent with the chunk's result."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # What pickles: the message as text, the traceback as text.
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.msg, record.args, record.exc_info = record.getMessage(), None, None
            self.records.append(record)
        except Exception:
            self.handleError(record)


def collect_in_worker() -> None:
    """In a forked worker: keep every record for the parent instead of writing it.

    The handlers inherited from the parent are detached but kept alive: freeing one would flush its
    copy of the parent's buffer from here (``flush_before_fork`` empties those buffers anyway).
    """
    root = logging.getLogger()
    for logger in (root, log):
        for handler in list(logger.handlers):
            _state.inherited.append(handler)
            logger.removeHandler(handler)
    _state.files = []
    _state.progress = None
    _state.collector = _Collector()
    root.addHandler(_state.collector)


def worker_records() -> list[logging.LogRecord]:
    """The records this worker logged since the last call (none outside a worker)."""
    if _state.collector is None:
        return []
    records, _state.collector.records = _state.collector.records, []
    return records


def replay(records: Iterable[logging.LogRecord], *, batch: str | None = None) -> None:
    """Write a worker's records here, as if logged here; ``batch`` sends them to that batch's log."""
    for record in records:
        if batch is not None:
            record.batch = batch
        logging.getLogger(record.name).handle(record)


def flush_before_fork() -> None:
    """Empty the log files' buffers (and stdout/stderr's) before workers are forked."""
    for handler in list(_state.files):
        handler.flush()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


# --------------------------------------------------------------------------- progress


def _duration(seconds: float) -> str:
    if seconds < 89.5:
        return f"{max(0, round(seconds))} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _rate(per_second: float) -> str:
    return f"{per_second:,.0f}/s" if per_second >= 9.95 else f"{per_second:.1f}/s"


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Progress:
    """Patients done / total, the rate and the time left, on the console's stream.

    On a terminal one line, rewritten at most every ``REDRAW_SECONDS``:
    ``screened 1,200/10,000 patients (150/s, about 59 s left)``. Otherwise a plain line per batch
    (``batch 3/17 done: 1,800/10,000 patients, 150/s, about 55 s left``), and between batches at
    most one a minute. Does nothing without a stream: under ``-q``, and when no command line
    configured the console (``configure_console``). ``advance`` costs a clock read.
    """

    def __init__(
        self,
        total: int,
        *,
        batches: int | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if stream is None and _state.console and _state.verbosity > QUIET:
            stream = sys.stderr
        self.stream = stream
        self.total = total
        self.batches = batches
        self.clock = clock
        self.done = 0
        self.batches_done = 0
        self.enabled = stream is not None and total > 0
        self.tty = self.enabled and stream is not None and _isatty(stream)
        self.started = clock()
        self._drawn_at = -math.inf
        self._plain_at = self.started
        self._plain_done = -1  # `done` when the last plain line was written
        self._shown = False  # a terminal line is on screen
        self._closed = False
        if self.tty:
            _state.progress = self
            self._draw(self.started)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def advance(self, n: int = 1) -> None:
        """``n`` more patients done."""
        if not self.enabled:
            return
        self.done += n
        now = self.clock()
        if self.tty:
            if now - self._drawn_at >= REDRAW_SECONDS:
                self._draw(now)
        elif now - self._plain_at >= PLAIN_SECONDS:
            self._plain(f"screened {self._figures(now)}", now)

    def batch_done(self) -> None:
        """One more batch done: a plain line without a terminal."""
        if not self.enabled:
            return
        self.batches_done += 1
        now = self.clock()
        if self.tty:
            self._draw(now)
        else:
            of = f"/{self.batches}" if self.batches else ""
            self._plain(f"batch {self.batches_done}{of} done: {self._figures(now)}", now)

    def close(self) -> None:
        """The last line: how many in how long (a terminal's line stays, ended)."""
        if not self.enabled or self._closed:
            return
        self._closed = True
        now = self.clock()
        elapsed = now - self.started
        rate = f" ({_rate(self.done / elapsed)})" if elapsed > 0 and self.done else ""
        stopped = "" if self.done >= self.total else " (stopped)"
        text = f"screened {self.done:,}/{self.total:,} patients in {_duration(elapsed)}{rate}{stopped}"
        if self.tty:
            self._write(f"\r{text}\x1b[K\n")
            self._shown = False
            if _state.progress is self:
                _state.progress = None
        elif self._plain_done != self.done or stopped:
            self._plain(text, now)

    # -- drawing

    def _figures(self, now: float) -> str:
        text = f"{self.done:,}/{self.total:,} patients"
        elapsed = now - self.started
        if self.done and elapsed > 0:
            rate = self.done / elapsed
            text += f", {_rate(rate)}"
            if self.done < self.total:
                text += f", about {_duration(max(1.0, (self.total - self.done) / rate))} left"
        return text

    def _draw(self, now: float) -> None:
        figures = self._figures(now)
        count, _, rest = figures.partition(", ")
        self._write(f"\rscreened {count}{f' ({rest})' if rest else ''}\x1b[K")
        self._drawn_at = now
        self._shown = True

    def _plain(self, text: str, now: float) -> None:
        self._write(text + "\n")
        self._plain_at = now
        self._plain_done = self.done

    def _write(self, text: str) -> None:
        assert self.stream is not None
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not stop a run
            self.enabled = False

    def clear_line(self) -> None:
        """Take the terminal line away (a log line is about to be written)."""
        if self.tty and self._shown:
            self._write("\r\x1b[K")
            self._shown = False

    def redraw(self) -> None:
        if self.tty and not self._closed and self.enabled:
            self._draw(self.clock())
