"""The application runner: one pool of forked worker processes for every way a cohort is screened.

Used by the Snakemake batch job (``pipeline.run_batch`` with ``threads`` > 1), ``mdm2screen screen``
(``pipeline.screen_cohort``) and ``mdm2screen nightly`` (``nightly.screen_patients``).

The caller cuts its work into chunks; each chunk goes to the next worker that is free, so workers
finish within a chunk of each other however unevenly slow patients fall. Workers are forked: they
inherit what the parent loaded before the pool started (the cohort, the screening modules) instead
of pickling it, and each builds its context once (``setup``). With ``die_with_parent`` a worker
ends when the process that forked it is killed, instead of waiting on its task pipe forever.

Workers write no log: what they log goes back with each chunk's result and is written by this
process (``runlog.collect_in_worker`` / ``runlog.replay``), into the log of the chunk's batch.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from . import runlog

C = TypeVar("C")  # a chunk of work
R = TypeVar("R")  # the result of one chunk

# A worker's context, built once by the ``setup`` of the pool that forked it.
_WORKER: dict[str, Any] = {}


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel end this worker when the process that forked it dies (Linux).

    A worker of a killed ``screen``/``nightly`` otherwise waits on its task pipe forever. Where
    prctl is not available the worker still ends when the pool shuts down normally.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _init_worker(parent_pid: int, setup: Callable[..., Any], setup_args: tuple[Any, ...]) -> None:
    die_with_parent(parent_pid)
    runlog.collect_in_worker()
    _WORKER["context"] = setup(*setup_args)


# A chunk's error carries what the worker logged for it here, to be written before it is raised.
LOG_RECORDS_ATTRIBUTE = "mdm2screen_log_records"


def _run_chunk(work: Callable[[Any, C], R], chunk: C) -> tuple[R, list[Any]]:
    """The chunk's result and the log records of it (and of the worker's setup, for the first)."""
    try:
        result = work(_WORKER["context"], chunk)
    except BaseException as exc:
        # An exception pickles with its __dict__: the records travel with it.
        setattr(exc, LOG_RECORDS_ATTRIBUTE, runlog.worker_records())
        raise
    return result, runlog.worker_records()


def _fork_context() -> multiprocessing.context.BaseContext | None:
    """Fork where the platform has it (workers inherit the loaded cohort), else the default."""
    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def run_in_workers(
    chunks: Sequence[C],
    work: Callable[[Any, C], R],
    on_result: Callable[[int, R], None],
    *,
    jobs: int,
    setup: Callable[..., Any],
    setup_args: tuple[Any, ...] = (),
    log_route: Callable[[int], str | None] | None = None,
) -> None:
    """Run ``work(context, chunk)`` for every chunk in up to ``jobs`` forked worker processes.

    Each worker first calls ``setup(*setup_args)`` once and keeps what it returns as ``context``.
    ``on_result(index, result)`` runs in this process as each chunk completes (in completion order;
    ``index`` is the chunk's position in ``chunks``); a chunk's result is let go once handed over.
    ``work`` and ``setup`` must be module-level functions; the first error raised by a chunk is
    raised here once the pool has shut down.

    What a chunk's worker logged is written here just before ``on_result`` (``runlog.replay``), to
    the log of batch ``log_route(index)`` when given.
    """
    if not chunks:
        return
    runlog.flush_before_fork()
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=min(jobs, len(chunks)),
        mp_context=_fork_context(),
        initializer=_init_worker,
        initargs=(os.getpid(), setup, setup_args),
    ) as pool:
        pending = {pool.submit(_run_chunk, work, chunk): index for index, chunk in enumerate(chunks)}
        for future in concurrent.futures.as_completed(pending):
            # Let go of each chunk's result once handed over: holding every future would keep all
            # results of the run in memory until the last chunk is done.
            index = pending.pop(future)
            batch = log_route(index) if log_route is not None else None
            try:
                result, records = future.result()
            except BaseException as exc:
                runlog.replay(getattr(exc, LOG_RECORDS_ATTRIBUTE, ()), batch=batch)
                raise
            runlog.replay(records, batch=batch)
            on_result(index, result)
