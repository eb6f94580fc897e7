"""The Snakefile's end-of-run hook: cancel Snakemake's scheduler wake-up timers and skip the exit-time collection."""

from __future__ import annotations

import inspect
import subprocess
import sys
import threading
from unittest import mock

import pytest
from snakemake.scheduling.job_scheduler import JobScheduler

from mdm2screen import workflow_hooks
from mdm2screen.workflow_hooks import SCHEDULER_TIMER, end_of_run, release_scheduler_timers


class _Scheduler:
    """Stands in for Snakemake's JobScheduler: its timer's function is defined in the same method."""

    def _schedule_reevalutation(self, delay: float) -> threading.Timer:
        timer = threading.Timer(delay, lambda: None)
        timer.start()
        return timer


def test_only_the_schedulers_timers_are_cancelled():
    scheduler_timer = _Scheduler()._schedule_reevalutation(60)
    other_timer = threading.Timer(60, lambda: None)
    other_timer.start()
    try:
        assert release_scheduler_timers() == 1
        scheduler_timer.join(5)
        assert not scheduler_timer.is_alive()
        assert other_timer.is_alive()
    finally:
        other_timer.cancel()
        scheduler_timer.cancel()


def test_the_installed_snakemake_still_starts_its_timer_where_the_hook_looks():
    """If Snakemake renames or reworks the method, the hook silently finds nothing: fail here instead."""
    source = inspect.getsource(getattr(JobScheduler, SCHEDULER_TIMER))
    assert "threading.Timer(" in source
    assert "lambda" in source  # the timer's function is defined inside the method, so its qualname names it


def test_nothing_to_cancel_is_not_an_error():
    assert release_scheduler_timers() == 0


EXIT_PROBE = """
import atexit
import sys
from mdm2screen.workflow_hooks import skip_exit_collection

class Cycle:
    def __init__(self):
        self.me = self
    def __del__(self):
        print("cycle collected at exit", flush=True)

cycle = Cycle()
del cycle  # unreachable now: only the collector can free it
handlers = atexit._ncallbacks()
if sys.argv[1] == "skip":
    skip_exit_collection()
    skip_exit_collection()  # registered once however often a run ends
print("exit handlers added:", atexit._ncallbacks() - handlers)
import gc
print("frozen before exit:", gc.get_freeze_count())
"""


@pytest.mark.parametrize("skip", [False, True])
def test_exit_collection_is_skipped_at_exit_only(skip: bool):
    out = subprocess.run([sys.executable, "-c", EXIT_PROBE, "skip" if skip else "plain"], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    assert "frozen before exit: 0" in out  # nothing changes while the process goes on (Snakemake's API)
    assert ("cycle collected at exit" in out) is not skip
    assert f"exit handlers added: {int(skip)}" in out


def test_end_of_run_cancels_the_timers_and_skips_the_exit_collection():
    timer = _Scheduler()._schedule_reevalutation(60)
    try:
        with mock.patch.object(workflow_hooks, "skip_exit_collection") as skip:
            end_of_run()
        timer.join(5)
        assert not timer.is_alive()
        skip.assert_called_once_with()
    finally:
        timer.cancel()
