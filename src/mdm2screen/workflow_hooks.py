"""What the Snakefile runs when a Snakemake run starts (``onstart``) and ends (``onsuccess``, ``onerror``)."""

from __future__ import annotations

import atexit
import functools
import gc
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from .runlog import LOG_FOLDER, RUN_ID_ENV, batch_log_path, new_run_id

# After each scheduling round Snakemake's job scheduler starts a threading.Timer that wakes the
# scheduler again once the --max-jobs-per-timespan window has passed (JobScheduler.
# _schedule_reevalutation, Snakemake's spelling; 1 s by default, and no shorter window can be given:
# "100ms" parses as 100 minutes). The timer thread is not a daemon, so the interpreter waits for the
# last one: every run exited up to a second after its last job, about 0.4x the floor baseline at
# N = 1,000 (benchmarks/README.md). When the handlers run, the scheduler has returned and there is
# nothing left to wake.
SCHEDULER_TIMER = "_schedule_reevalutation"


def release_scheduler_timers() -> int:
    """Cancel Snakemake's pending scheduler wake-up timers; return how many were cancelled.

    Other timers are left alone. If a Snakemake release renames the method this finds nothing and
    the run simply ends as before (tests/test_workflow_hooks.py checks the installed Snakemake).
    """
    cancelled = 0
    for thread in threading.enumerate():
        function = getattr(thread, "function", None)
        if isinstance(thread, threading.Timer) and SCHEDULER_TIMER in getattr(function, "__qualname__", ""):
            thread.cancel()
            cancelled += 1
    return cancelled


@functools.cache  # one exit handler however often a run ends
def skip_exit_collection() -> None:
    """Leave the objects alive at exit out of the garbage collection Python then runs.

    At exit Python walks every live object for reference cycles once more. For Snakemake's main
    process (its modules, pandas, the DAG, the batch plan) that took 0.25-0.3 s of every run's wall
    time here (benchmarks/README.md, Finding 11), with no work left to do. ``gc.freeze`` moves them
    to a generation the collector never visits; the process's memory goes back to the operating
    system either way. It runs as an ``atexit`` handler, so a program that calls Snakemake's API
    and goes on running keeps collecting as usual; objects made by later exit handlers are
    collected, and logging handlers are flushed by ``logging.shutdown``, not by the collector.
    """
    atexit.register(gc.freeze)


def end_of_run() -> None:
    """The Snakefile's ``onsuccess`` and ``onerror`` handler."""
    release_scheduler_timers()
    skip_exit_collection()


def where_logs_are(outdir: str | os.PathLike[str], batch_ids: Sequence[str], snakemake_logs: Sequence[str] = ()) -> str:
    """One line naming this run's logs: the batch jobs', the summary job's and Snakemake's own."""
    folder = Path(outdir).absolute() / LOG_FOLDER
    batches = f"{len(batch_ids)} batch(es)"
    if batch_ids:
        batches += f", e.g. {batch_log_path(Path(outdir).absolute(), batch_ids[0])}"
    text = (
        f"mdm2screen: this run's logs are in {folder}: screen/<batch>.log for each batch job ({batches}), "
        f"cohort_summary.log for the summary"
    )
    own = [os.path.abspath(p) for p in snakemake_logs]
    if own:
        text += f"; Snakemake's own log: {', '.join(own)}"
    return text


def start_of_run(
    outdir: str | os.PathLike[str], batch_ids: Sequence[str], snakemake_logs: str | Sequence[str] = ()
) -> None:
    """The Snakefile's ``onstart`` handler: say where the logs of this run are (on stderr, before any job),
    and give its jobs one run ID for their log headers (``MDM2SCREEN_RUN_ID``, inherited by the jobs)."""
    os.environ.setdefault(RUN_ID_ENV, new_run_id())
    logs = [snakemake_logs] if isinstance(snakemake_logs, str) else list(snakemake_logs)
    print(where_logs_are(outdir, batch_ids, logs), file=sys.stderr, flush=True)
