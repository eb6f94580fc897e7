"""Worker processes of a killed `screen`/`nightly` end with it instead of waiting forever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

SCRIPT = """
import concurrent.futures, os, sys, time
from mdm2screen.runner import die_with_parent

def pid():
    return os.getpid()

if __name__ == "__main__":
    with concurrent.futures.ProcessPoolExecutor(1, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        print(pool.submit(pid).result(), flush=True)
        time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG) is Linux only")
def test_workers_end_when_the_parent_is_killed(tmp_path) -> None:
    script = tmp_path / "pool.py"
    script.write_text(SCRIPT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        assert _alive(worker)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(worker), "the worker outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
