"""The Snakefile's end-of-run hook: cancel Snakemake's scheduler wake-up timers, nothing else."""

from __future__ import annotations

import inspect
import threading

from snakemake.scheduling.job_scheduler import JobScheduler

from mdm2screen.workflow_hooks import SCHEDULER_TIMER, release_scheduler_timers


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
