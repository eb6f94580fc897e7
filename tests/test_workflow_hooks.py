"""The Snakefile's end-of-run hook: cancel Snakemake's scheduler wake-up timers and skip the exit-time collection."""

from __future__ import annotations

import gc
import inspect
import threading
import weakref

from snakemake.scheduling.job_scheduler import JobScheduler

from mdm2screen.workflow_hooks import SCHEDULER_TIMER, end_of_run, release_scheduler_timers, skip_exit_collection


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


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_objects_alive_at_the_end_of_a_run_are_left_to_the_exit_not_the_collector():
    cycle = _Cycle()
    frozen = weakref.ref(cycle)
    try:
        skip_exit_collection()
        del cycle
        gc.collect()
        assert frozen() is not None  # a frozen cycle is never visited, so never freed
        made_later = _Cycle()
        collected = weakref.ref(made_later)
        del made_later
        gc.collect()
        assert collected() is None  # objects made after the freeze are collected as usual
    finally:
        gc.unfreeze()
    gc.collect()
    assert frozen() is None


def test_end_of_run_cancels_the_timers_and_freezes():
    timer = _Scheduler()._schedule_reevalutation(60)
    before = gc.get_freeze_count()
    try:
        end_of_run()
        timer.join(5)
        assert not timer.is_alive()
        assert gc.get_freeze_count() > before
    finally:
        timer.cancel()
        gc.unfreeze()
