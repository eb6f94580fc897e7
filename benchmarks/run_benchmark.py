#!/usr/bin/env python3
"""mdm2screen performance benchmark: the one documented command (see benchmarks/README.md).

    .venv/bin/python benchmarks/run_benchmark.py --sizes 100 1000 10000 --workdir /tmp/mdm2bench

For each cohort size N it generates (or reuses) a synthetic cohort (benchmarks/make_cohort.py)
and measures, on the same files:

* ``dag_s``: ``snakemake --dry-run`` (parse, validate the sheet, build the DAG);
* ``run_s``: a full ``snakemake --cores C`` run (every report and the cohort summary), with the
  peak memory of the process tree: RSS of the largest single process (GNU ``/usr/bin/time -v``
  when installed, else polling) and the largest sum over all processes of the tree at one
  moment (polling ``/proc`` every 0.1 s);
* ``noop_s``: the same command again with nothing to do;
* ``floor_s``: benchmarks/floor.py on the same files with the same number of cores;
* for N up to ``--repeat-max-n`` (1,000), the full run and the floor are measured ``--repeat``
  times (3), alternating, from a clean output folder each time (earlier outputs are moved aside,
  not deleted, until the end: see ``set_aside``): ``run_s`` and ``floor_s`` are then
  the medians, ``ratio`` the median of the ratios of adjacent pairs and ``ratio_pairs`` every
  pair. A run of a few seconds on a shared VM swings by 10-30% from one moment to the next, and
  one run set against one floor measured later said more about the moment than about the code;
* ``screen_s``: ``mdm2screen screen --jobs C`` (the same batches, reports and summary without
  Snakemake, its own output folder), and its ratio to the floor;
* ``nightly_initial_s``: ``mdm2screen nightly`` on the cohort (its own output folder, empty
  registry: everyone is screened), then ``nightly_add_s``: 1% new samples arrive as a new sheet
  (plus their IHC rows) and ``mdm2screen nightly`` runs again;
* ``snakemake_add_s``: the full Snakemake command after the same addition, on the outputs of
  the full run (how many batch jobs rerun is reported too).

Once per invocation, ``snakemake_baseline_s`` times a three-job Snakemake workflow that only
touches files: Snakemake's own fixed cost on this machine, which every workflow run pays.

The added samples are removed again afterwards, so a cohort folder can be reused by the next run.
Once per invocation it also runs the shared-file cohort (500 sheet rows, one ~20 MB MAF, one
~5 MB SEG) and profiles ``mdm2screen screen`` (one process) with cProfile.

Output: a table on stdout, ``<workdir>/results.json`` and ``<workdir>/results.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import pstats
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import floor as floor_mod  # noqa: E402 - benchmarks/ is not a package
import make_cohort  # noqa: E402

GNU_TIME = "/usr/bin/time"
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
TIMEOUT_S = 4 * 3600
TARGETS = {
    "run_s_at_10000": 300.0,
    "peak_mb": 1024.0,
    "nightly_add_s_at_10000": 30.0,
    "ratio_at_1000": 3.0,
}


# --------------------------------------------------------------------------- measuring


# Kinds of process in a run, by a marker in the command line (first match wins): Snakemake runs
# its scripts as .snakemake/scripts/tmp*.<script name>.py.
ROLES = (
    ("summary job", "summarize.py"),
    ("batch jobs", "screen_batch.py"),
    ("snakemake main", "snakemake"),
    ("mdm2screen", "mdm2screen"),
)


class TreeMonitor(threading.Thread):
    """Polls /proc for the RSS of a process and all its descendants (no psutil)."""

    def __init__(self, root_pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.root = root_pid
        self.interval = interval
        self.peak_sum_kb = 0
        self.peak_single_kb = 0
        self.peak_processes = 0
        self.peak_single_cmd = ""  # command line of the largest process seen
        self.peak_by_role_kb: dict[str, int] = {}  # largest process of each ROLES kind
        self._cpu_ticks: dict[int, int] = {}  # last user+system CPU time seen per process of the tree
        self._roles: dict[int, str] = {}
        self.samples = 0
        self._stop_event = threading.Event()

    @staticmethod
    def _parents() -> tuple[dict[int, int], dict[int, int]]:
        """(parent pid, user+system CPU clock ticks) of every process."""
        parents, ticks = {}, {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue  # the process ended between listing and reading
            # Field 4 is the parent pid, 14 and 15 utime and stime; the command name (field 2) may
            # hold spaces and ')'.
            rest = stat[stat.rfind(b")") + 2:].split()
            if len(rest) > 12:
                parents[int(entry.name)] = int(rest[1])
                ticks[int(entry.name)] = int(rest[11]) + int(rest[12])
        return parents, ticks

    def sample(self) -> None:
        parents, ticks = self._parents()
        children: dict[int, list[int]] = {}
        for pid, ppid in parents.items():
            children.setdefault(ppid, []).append(pid)
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, ()))
        total = single = 0
        biggest = self.root
        for pid in tree:
            if pid in ticks:
                self._cpu_ticks[pid] = ticks[pid]
            try:
                with open(f"/proc/{pid}/statm", "rb") as handle:
                    rss = int(handle.read().split()[1]) * PAGE_KB
            except (OSError, IndexError, ValueError):
                continue
            total += rss
            if rss > single:
                single, biggest = rss, pid
            role = self._role(pid)
            self.peak_by_role_kb[role] = max(self.peak_by_role_kb.get(role, 0), rss)
        self.peak_sum_kb = max(self.peak_sum_kb, total)
        if single > self.peak_single_kb:
            self.peak_single_kb = single
            with contextlib.suppress(OSError):
                with open(f"/proc/{biggest}/cmdline", "rb") as handle:
                    self.peak_single_cmd = handle.read().replace(b"\0", b" ").decode(errors="replace")[:300]
        self.peak_processes = max(self.peak_processes, len(tree))
        self.samples += 1

    def _role(self, pid: int) -> str:
        role = self._roles.get(pid)
        if role is None:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                cmdline = ""
            role = next((name for name, marker in ROLES if marker in cmdline), "other")
            self._roles[pid] = role
        return role

    def cpu_seconds_by_role(self) -> dict[str, float]:
        """CPU time per ROLES kind, as last seen by polling (a process's final 0.1 s may be missed)."""
        per_tick = os.sysconf("SC_CLK_TCK")
        out: dict[str, float] = {}
        for pid, ticks in self._cpu_ticks.items():
            role = self._role(pid)
            out[role] = out.get(role, 0.0) + ticks / per_tick
        return {k: round(v, 2) for k, v in sorted(out.items())}

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


@dataclass
class Measurement:
    seconds: float
    returncode: int
    peak_rss_max_process_mb: float  # largest single process (GNU time when available)
    peak_rss_tree_mb: float  # largest sum over the process tree at one moment (polling)
    max_processes: int
    largest_process: str  # command line of the process with the largest RSS seen by polling
    peak_rss_by_role_mb: dict[str, float]  # polling; see ROLES
    cpu_s_by_role: dict[str, float]  # polling; see ROLES
    rss_source: str
    load_before: tuple[float, float, float]
    log: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def measure(cmd: list[str], *, log: Path, cwd: Path = REPO, env: dict[str, str] | None = None) -> Measurement:
    """Run ``cmd`` to completion and measure wall time and memory; output goes to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    time_file = log.with_suffix(".time")
    use_time = os.access(GNU_TIME, os.X_OK)
    full = [GNU_TIME, "-v", "-o", str(time_file), *cmd] if use_time else cmd
    # Start from a quiet disk: writeback of what earlier steps wrote or deleted (a cohort, a
    # removed results folder) would otherwise land inside this step; it swung runs by 30%.
    os.sync()
    load = os.getloadavg()
    with open(log, "w") as out:
        began = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        monitor = TreeMonitor(proc.pid)
        monitor.start()
        try:
            rc = proc.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        seconds = time.perf_counter() - began
        monitor.stop()
    max_process_kb, source = monitor.peak_single_kb, "polling /proc every 0.1 s"
    if use_time and time_file.exists():
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_file.read_text())
        if match:
            max_process_kb, source = max(int(match.group(1)), monitor.peak_single_kb), "GNU time -v"
    return Measurement(
        seconds=round(seconds, 3), returncode=rc, peak_rss_max_process_mb=round(max_process_kb / 1024, 1),
        peak_rss_tree_mb=round(monitor.peak_sum_kb / 1024, 1), max_processes=monitor.peak_processes,
        largest_process=monitor.peak_single_cmd,
        peak_rss_by_role_mb={k: round(v / 1024, 1) for k, v in sorted(monitor.peak_by_role_kb.items())},
        cpu_s_by_role=monitor.cpu_seconds_by_role(),
        rss_source=source, load_before=tuple(round(x, 2) for x in load), log=str(log),
    )


def measure_step(cmd: list[str], log: Path, errors: list[str], what: str) -> Measurement:
    """``measure`` one step of a size's run; a failing step is added to ``errors``."""
    result = measure(cmd, log=log)
    if result.returncode != 0:
        errors.append(f"{what} failed (exit {result.returncode}), see {result.log}")
    return result


SNAKEMAKE_EXTRA: list[str] = []  # --snakemake-args, e.g. ["--max-checksum-file-size", "0"]


# --------------------------------------------------------------------------- earlier outputs

SET_ASIDE = ".set_aside"


def set_aside(workdir: Path, *folders: Path) -> None:
    """Move earlier outputs out of the way (a rename, in the same file system) instead of deleting
    them before a timed step; ``clear_set_aside`` deletes them once nothing more is timed.

    Deleting a results folder of ~2,000 report files right before a full run made that run
    0.6-0.9 s slower on the benchmark VM's ext4: creating files stays slow for tens of seconds
    after a mass deletion (benchmarks/README.md, Finding 11). That cost belongs to the benchmark's
    housekeeping, not to mdm2screen, and the floor, which creates no files, never paid it.
    """
    bin_ = workdir / SET_ASIDE
    bin_.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        if folder.exists():
            os.rename(folder, bin_ / f"{folder.parent.name}_{folder.name}_{time.time_ns()}")


def clear_set_aside(workdir: Path) -> None:
    shutil.rmtree(workdir / SET_ASIDE, ignore_errors=True)


def snakemake_cmd(config: Path, rundir: Path, cores: int, *extra: str) -> list[str]:
    # --directory keeps Snakemake's .snakemake/ state in the benchmark's folder, not in the repo.
    return [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "workflow" / "Snakefile"), "--directory", str(rundir),
            "--configfile", str(config), "--cores", str(cores), *SNAKEMAKE_EXTRA, *extra]


def screen_cmd(config: Path, outdir: Path, cores: int) -> list[str]:
    return [sys.executable, "-m", "mdm2screen.cli", "screen", "--config", str(config), "--set", f"outdir={outdir}",
            "--jobs", str(cores)]


BASELINE_SNAKEFILE = """
rule all:
    input: "c"
rule a:
    output: "a"
    shell: "touch {output}"
rule b:
    input: "a"
    output: "b"
    shell: "touch {output}"
rule c:
    input: "b"
    output: "c"
    shell: "touch {output}"
"""


def snakemake_baseline(workdir: Path, cores: int) -> dict[str, Any]:
    """Snakemake's fixed cost here: a workflow of three jobs that only touch files (best of 3)."""
    folder = workdir / "snakemake_baseline"
    times = []
    for attempt in range(3):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        (folder / "Snakefile").write_text(BASELINE_SNAKEFILE)
        m = measure([sys.executable, "-m", "snakemake", "--cores", str(cores), "--quiet"], cwd=folder,
                    log=folder / f"run{attempt}.log")
        if m.returncode == 0:
            times.append(m.seconds)
    return {"jobs": 3, "seconds": min(times) if times else None, "all_seconds": times}


def nightly_cmd(config: Path, cores: int) -> list[str]:
    return [sys.executable, "-m", "mdm2screen.cli", "nightly", "--config", str(config), "--jobs", str(cores)]


def nightly_available() -> bool:
    try:
        import mdm2screen.nightly as nightly
    except ImportError:
        return False
    return hasattr(nightly, "run_nightly")


def jobs_run(log: Path) -> int:
    """Batch jobs Snakemake ran, counted from its log."""
    if not log.exists():
        return 0
    return len(re.findall(r"\(Rule: screen_[^)]+\)", log.read_text(errors="replace")))


# --------------------------------------------------------------------------- one size


@dataclass
class SizeResult:
    n: int
    patients: int = 0
    batches: int = 0
    input_mb: float = 0.0
    generate_s: float | None = None
    generated_now: bool = False
    dag_s: float | None = None
    run: dict[str, Any] = field(default_factory=dict)
    run_s: float | None = None
    reports: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    noop_s: float | None = None
    floor: dict[str, Any] = field(default_factory=dict)
    floor_s: float | None = None
    ratio: float | None = None
    ratio_pairs: list[list[float]] = field(default_factory=list)  # [run s, floor s] measured back to back
    screen: dict[str, Any] = field(default_factory=dict)
    screen_s: float | None = None
    screen_ratio: float | None = None
    added: int = 0
    nightly_tool: str = ""
    nightly_initial: dict[str, Any] = field(default_factory=dict)
    nightly_initial_s: float | None = None
    nightly_add: dict[str, Any] = field(default_factory=dict)
    nightly_add_s: float | None = None
    snakemake_add_s: float | None = None
    snakemake_add_jobs: int | None = None
    snakemake_add_batches: int | None = None
    errors: list[str] = field(default_factory=list)


def _cohort_ready(root: Path, n: int, seed: int) -> bool:
    """True when ``root`` holds the cohort of N samples from ``seed`` (an interrupted addition is undone)."""
    info = root / "cohort_cohort.json"
    if not info.exists() or not (root / "samples" / "cohort.tsv").exists():
        return False
    data = json.loads(info.read_text())
    if data.get("total_samples") != n or data.get("seed") != seed:
        return False
    for extra in (root / "samples").glob("new_*.tsv"):
        make_cohort.remove_samples(root, extra.name, seed=seed, keep=n)
    return True


def _statuses(outdir: Path) -> dict[str, int]:
    summary = outdir / "cohort" / "summary.tsv"
    counts: dict[str, int] = {}
    if summary.exists():
        import csv

        with open(summary, newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                counts[row["status"]] = counts.get(row["status"], 0) + 1
    return dict(sorted(counts.items()))


def _batch_count(config: Path) -> tuple[int, int]:
    """(patients, batches) exactly as the workflow will split them."""
    import yaml

    from mdm2screen.pipeline import prepare

    cohort = prepare(yaml.safe_load(config.read_text()), source=str(config))
    return len(cohort.patients), len(cohort.batches())


def bench_size(n: int, args: argparse.Namespace, say) -> SizeResult:
    res = SizeResult(n=n)
    root = Path(args.workdir) / f"n{n}"
    if args.regenerate or not _cohort_ready(root, n, args.seed):
        shutil.rmtree(root, ignore_errors=True)
        say(f"N={n}: generating the cohort in {root}")
        info = make_cohort.make_cohort(root, n, seed=args.seed, workers=args.cores)
        res.generate_s, res.generated_now = info.seconds, True
    else:
        res.generate_s = json.loads((root / "cohort_cohort.json").read_text()).get("seconds")
        say(f"N={n}: reusing the cohort in {root}")
    config = make_cohort.write_config(root)
    outdir = root / "results"
    rundir = root / "run"
    logs = root / "logs"
    set_aside(Path(args.workdir), outdir, rundir, root / "results_nightly", root / "results_screen", logs)
    rundir.mkdir(parents=True)
    res.patients, res.batches = _batch_count(config)
    tasks = floor_mod.floor_tasks(root / "samples")
    res.input_mb = round(sum(os.path.getsize(t.path) for t in tasks) / 1e6, 1)

    say(f"N={n}: snakemake --dry-run")
    dag = measure_step(snakemake_cmd(config, rundir, args.cores, "--dry-run"), logs / "dryrun.log", res.errors,
                       "dry run")
    res.dag_s = dag.seconds

    say(f"N={n}: full snakemake run ({res.patients} patients, {res.batches} batch jobs, {args.cores} cores)")
    run = measure_step(snakemake_cmd(config, rundir, args.cores), logs / "run.log", res.errors, "full run")
    res.run, res.run_s = run.to_dict(), run.seconds
    res.reports = len(list((outdir / "patients").glob("*.json"))) if (outdir / "patients").exists() else 0
    res.statuses = _statuses(outdir)

    noop = measure(snakemake_cmd(config, rundir, args.cores), log=logs / "noop.log")
    res.noop_s = noop.seconds

    say(f"N={n}: floor ({len(tasks)} files, {args.cores} cores)")
    os.sync()  # the same quiet start as every measured step (see measure)
    fl = floor_mod.run_floor(tasks, cores=args.cores)
    res.floor, res.floor_s = fl.to_dict(), fl.seconds
    if fl.errors:
        res.errors.append(f"floor: {len(fl.errors)} error(s), first: {fl.errors[0]}")
    if res.run_s and fl.seconds:
        res.ratio_pairs.append([res.run_s, fl.seconds])
    repeats = args.repeat if n <= args.repeat_max_n else 1
    for attempt in range(2, repeats + 1):
        say(f"N={n}: full snakemake run and floor again ({attempt} of {repeats}), from a clean output folder")
        set_aside(Path(args.workdir), outdir, rundir)
        rundir.mkdir(parents=True)
        again = measure_step(snakemake_cmd(config, rundir, args.cores), logs / f"run_{attempt}.log", res.errors,
                             f"full run ({attempt})")
        os.sync()
        fl_again = floor_mod.run_floor(tasks, cores=args.cores)
        if again.returncode == 0 and fl_again.seconds:
            res.ratio_pairs.append([again.seconds, fl_again.seconds])
    if res.ratio_pairs:
        res.run_s = round(statistics.median(r for r, _ in res.ratio_pairs), 3)
        res.floor_s = round(statistics.median(f for _, f in res.ratio_pairs), 3)
        res.ratio = round(statistics.median(r / f for r, f in res.ratio_pairs), 2)

    say(f"N={n}: mdm2screen screen --jobs {args.cores} (no Snakemake)")
    direct = measure_step(screen_cmd(config, root / "results_screen", args.cores), logs / "screen.log", res.errors,
                          "mdm2screen screen")
    res.screen, res.screen_s = direct.to_dict(), direct.seconds
    res.screen_ratio = round(direct.seconds / res.floor_s, 2) if res.floor_s else None

    if args.skip_nightly:
        return res
    added = max(1, round(n * args.nightly_fraction))
    nightly_config = make_cohort.write_config(root, outdir=root / "results_nightly", name="config_nightly.yaml")
    have_nightly = nightly_available()
    res.nightly_tool = "mdm2screen nightly" if have_nightly else "unavailable (mdm2screen.nightly missing)"
    if have_nightly:
        say(f"N={n}: mdm2screen nightly, first run (empty registry)")
        first = measure_step(nightly_cmd(nightly_config, args.cores), logs / "nightly_initial.log", res.errors,
                             "nightly (initial)")
        res.nightly_initial, res.nightly_initial_s = first.to_dict(), first.seconds
    try:
        say(f"N={n}: adding {added} samples (new sheet new_0001.tsv)")
        make_cohort.make_cohort(root, added, seed=args.seed, start=n, sheet_name="new_0001.tsv", workers=1)
        res.added = added
        if have_nightly:
            say(f"N={n}: mdm2screen nightly after the addition")
            again = measure_step(nightly_cmd(nightly_config, args.cores), logs / "nightly_add.log", res.errors,
                                 f"nightly (+{added})")
            res.nightly_add, res.nightly_add_s = again.to_dict(), again.seconds
        say(f"N={n}: snakemake after the addition")
        _, res.snakemake_add_batches = _batch_count(config)
        inc = measure_step(snakemake_cmd(config, rundir, args.cores), logs / "snakemake_add.log", res.errors,
                           f"snakemake (+{added})")
        res.snakemake_add_s, res.snakemake_add_jobs = inc.seconds, jobs_run(Path(inc.log))
    finally:
        make_cohort.remove_samples(root, "new_0001.tsv", seed=args.seed, keep=n)
    return res


# --------------------------------------------------------------------------- shared files and profile

SHARED_PROBE = r"""
import json, sys, time, yaml
from mdm2screen.pipeline import ensure_shared_extracts, prepare, run_batch
from mdm2screen.variants import maf
from mdm2screen.cn import read as cn_read
config = yaml.safe_load(open(sys.argv[1]))
config["outdir"] = sys.argv[2]
cohort = prepare(config, source=sys.argv[1])
began = time.perf_counter()
extracts = ensure_shared_extracts(cohort)  # what the shared-file rules do, once per run
extract_s = time.perf_counter() - began
cn_read.cache_clear(); maf.clear_cache()  # then a batch job: a new process, nothing parsed
parsed_before = (maf.cache_info()["misses"], cn_read.cache_info()["misses"])
batch = cohort.batches()[0]
began = time.perf_counter()
run_batch(cohort, batch.patients)
print(json.dumps({"batch_patients": len(batch.patients), "batch_s": round(time.perf_counter() - began, 3),
                  "extracts": len(extracts), "extract_s": round(extract_s, 3),
                  "maf_parses": maf.cache_info()["misses"] - parsed_before[0],
                  "cn_parses": cn_read.cache_info()["misses"] - parsed_before[1],
                  "cn_cache_hits": cn_read.cache_info()["hits"]}))
"""


def bench_shared(args: argparse.Namespace, say) -> dict[str, Any]:
    root = Path(args.workdir) / "shared"
    info_file, params_file = root / "cohort_cohort.json", root / "params.json"
    wanted = {"rows": args.shared_rows, "maf_mb": args.shared_maf_mb, "seg_mb": args.shared_seg_mb, "seed": args.seed}
    if args.regenerate or not info_file.exists() or not params_file.exists() or json.loads(
        params_file.read_text()
    ) != wanted:
        shutil.rmtree(root, ignore_errors=True)
        say(f"shared-file cohort: generating {args.shared_rows} rows, {args.shared_maf_mb} MB MAF, "
            f"{args.shared_seg_mb} MB SEG")
        make_cohort.make_shared_cohort(root, rows=args.shared_rows, maf_mb=args.shared_maf_mb,
                                       seg_mb=args.shared_seg_mb, seed=args.seed)
        params_file.write_text(json.dumps(wanted) + "\n")
    info = json.loads(info_file.read_text())
    config, rundir, logs = make_cohort.write_config(root), root / "run", root / "logs"
    set_aside(Path(args.workdir), root / "results", rundir, logs, root / "probe")
    rundir.mkdir(parents=True)
    patients, batches = _batch_count(config)
    say(f"shared-file cohort: full snakemake run ({patients} patients, {batches} batch jobs)")
    run = measure(snakemake_cmd(config, rundir, args.cores), log=logs / "run.log")
    fl = floor_mod.run_floor(floor_mod.floor_tasks(root / "samples"), cores=args.cores)
    # One batch in one process, as a Snakemake job runs it: how often were the shared files parsed?
    probe = subprocess.run([sys.executable, "-c", SHARED_PROBE, str(config), str(root / "probe")],
                           capture_output=True, text=True, cwd=REPO, timeout=TIMEOUT_S, check=False)
    probe_data: dict[str, Any] = {}
    if probe.returncode == 0 and probe.stdout.strip():
        probe_data = json.loads(probe.stdout.strip().splitlines()[-1])
    else:
        probe_data = {"error": probe.stderr[-2000:]}
    return {
        "rows": info["n_samples"], "patients": patients, "batches": batches,
        "maf_mb": round(info["counts"]["files"]["maf_bytes"] / 1e6, 1),
        "seg_mb": round(info["counts"]["files"]["seg_bytes"] / 1e6, 1),
        "run": run.to_dict(), "run_s": run.seconds, "floor": fl.to_dict(), "floor_s": fl.seconds,
        "ratio": round(run.seconds / fl.seconds, 2) if fl.seconds else None,
        "reports": len(list((root / "results" / "patients").glob("*.json"))),
        "statuses": _statuses(root / "results"), "per_job_probe": probe_data,
    }


def profile_screen(n: int, args: argparse.Namespace, say, top: int = 25) -> dict[str, Any]:
    """cProfile of ``mdm2screen screen`` (all batches in one process) on cohort N."""
    root = Path(args.workdir) / f"n{n}"
    out = Path(args.workdir) / f"profile_n{n}"
    set_aside(Path(args.workdir), out)
    out.mkdir(parents=True)
    prof = out / "screen.prof"
    say(f"profiling mdm2screen screen on N={n}")
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "mdm2screen.cli", "screen", "--config",
           str(root / "config.yaml"), "--set", f"outdir={out / 'results'}"]
    m = measure(cmd, log=out / "screen.log")
    plain = measure([sys.executable, "-m", "mdm2screen.cli", "screen", "--config", str(root / "config.yaml"), "--set",
                     f"outdir={out / 'results_plain'}"], log=out / "screen_plain.log")
    result: dict[str, Any] = {"n": n, "profiled_s": m.seconds, "screen_s": plain.seconds,
                              "screen_peak_rss_mb": plain.peak_rss_max_process_mb, "returncode": m.returncode}
    if not prof.exists():
        result["error"] = f"no profile written, see {m.log}"
        return result
    stats = pstats.Stats(str(prof))
    total = stats.total_tt
    rows = []
    for (filename, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": f"{_short(filename)}:{line}({func})", "calls": nc, "tottime_s": round(tt, 3),
                     "cumtime_s": round(ct, 3), "cum_pct": round(100 * ct / total, 1) if total else None})
    by_cum = sorted(rows, key=lambda r: -r["cumtime_s"])
    by_tot = sorted(rows, key=lambda r: -r["tottime_s"])
    result.update(total_s=round(total, 3), by_cumulative=by_cum[:top], by_tottime=by_tot[:top])
    with open(out / "top.txt", "w") as handle:
        stats.stream = handle  # type: ignore[attr-defined]
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
    result["report"] = str(out / "top.txt")
    return result


def _short(filename: str) -> str:
    for marker in ("/site-packages/", "/src/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# --------------------------------------------------------------------------- output

COLUMNS = (
    ("N", lambda r: f"{r['n']:,}"),
    ("patients", lambda r: f"{r['patients']:,}"),
    ("jobs", lambda r: str(r["batches"])),
    ("input MB", lambda r: f"{r['input_mb']:,.0f}"),
    ("generate s", lambda r: _fmt(r["generate_s"])),
    ("DAG s", lambda r: _fmt(r["dag_s"])),
    ("run s", lambda r: _fmt(r["run_s"])),
    ("peak RSS max proc MB", lambda r: _fmt(r["run"].get("peak_rss_max_process_mb"), 0)),
    ("peak RSS tree MB", lambda r: _fmt(r["run"].get("peak_rss_tree_mb"), 0)),
    ("snakemake main / batch job / summary job MB", lambda r: " / ".join(
        _fmt(r["run"].get("peak_rss_by_role_mb", {}).get(role), 0)
        for role in ("snakemake main", "batch jobs", "summary job"))),
    ("CPU s: snakemake main / batch jobs / summary job", lambda r: " / ".join(
        _fmt(r["run"].get("cpu_s_by_role", {}).get(role))
        for role in ("snakemake main", "batch jobs", "summary job"))),
    ("floor s", lambda r: _fmt(r["floor_s"], 2)),
    ("run/floor", lambda r: _fmt(r["ratio"], 2)),
    ("run/floor of each pair", lambda r: " ".join(_fmt(run / fl, 2) for run, fl in r.get("ratio_pairs") or []) or "-"),
    ("screen --jobs s", lambda r: _fmt(r.get("screen_s"))),
    ("screen/floor", lambda r: _fmt(r.get("screen_ratio"), 2)),
    ("no-op s", lambda r: _fmt(r["noop_s"])),
    ("nightly first s", lambda r: _fmt(r["nightly_initial_s"])),
    ("+1% samples", lambda r: str(r["added"])),
    ("nightly +1% s", lambda r: _fmt(r["nightly_add_s"])),
    ("snakemake +1% s (jobs rerun)", lambda r: f"{_fmt(r['snakemake_add_s'])} ({r['snakemake_add_jobs']}"
                                               f"/{r['snakemake_add_batches']})" if r["snakemake_add_s"] else "-"),
)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(rows: list[dict[str, Any]]) -> str:
    head = [c for c, _ in COLUMNS]
    body = [[f(r) for _, f in COLUMNS] for r in rows]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---:" for _ in head) + "|"]
    lines += ["| " + " | ".join(b) + " |" for b in body]
    return "\n".join(lines)


def details(results: dict[str, Any]) -> str:
    """Shared-file cohort, profile and errors, as markdown paragraphs."""
    parts: list[str] = []
    baseline = results.get("snakemake_baseline") or {}
    if baseline.get("seconds") is not None:
        parts += [f"Snakemake baseline: a workflow of {baseline['jobs']} jobs that only touch files takes "
                  f"{baseline['seconds']:.2f} s (best of {len(baseline['all_seconds'])}): start-up, DAG and "
                  "shutdown that every run pays.", ""]
    shared = results.get("shared")
    if shared:
        probe = shared["per_job_probe"]
        parts += [
            f"Shared-file cohort: {shared['rows']} rows -> one {shared['maf_mb']} MB MAF and one {shared['seg_mb']} MB "
            f"SEG; {shared['batches']} batch jobs. Full run {shared['run_s']:.1f} s (peak RSS max process "
            f"{shared['run']['peak_rss_max_process_mb']:.0f} MB), floor {shared['floor_s']:.2f} s, ratio "
            f"{_fmt(shared['ratio'], 1)}. Extracts of the {probe.get('extracts')} shared files written once in "
            f"{probe.get('extract_s')} s; then one batch of {probe.get('batch_patients')} patients in a fresh process: "
            f"MAF parsed {probe.get('maf_parses')} time(s), copy-number files parsed {probe.get('cn_parses')} time(s) "
            f"({probe.get('cn_cache_hits')} cache hits), {probe.get('batch_s')} s.",
            "",
        ]
    prof = results.get("profile")
    if prof and "by_tottime" in prof:
        parts += [f"Profile of `mdm2screen screen` on N={prof['n']} (one process): {prof['screen_s']:.1f} s "
                  f"unprofiled, {prof['profiled_s']:.1f} s under cProfile. Top functions by own time:", "",
                  "| function | calls | own s | cumulative s |", "|---|---:|---:|---:|"]
        parts += [f"| `{r['function']}` | {r['calls']:,} | {r['tottime_s']:.2f} | {r['cumtime_s']:.2f} |"
                  for r in prof["by_tottime"][:15]]
        parts.append("")
    errors = [f"N={r['n']}: {e}" for r in results["sizes"] for e in r["errors"]]
    if errors:
        parts += ["Errors:", "", *[f"- {e}" for e in errors], ""]
    return "\n".join(parts)


def markdown(results: dict[str, Any]) -> str:
    env = results["environment"]
    head = [
        f"# mdm2screen benchmark, {results['started']}",
        "",
        f"Machine: {env['cpus']} CPUs ({env['cores_used']} used), {env['mem_gb']} GB RAM, {env['platform']}; "
        f"Python {env['python']}, snakemake {env['snakemake']}, floor engine: {env['floor_engine']}. "
        f"Code: git {env['code']['git_head']} with {env['code']['uncommitted_paths']} uncommitted path(s), "
        f"sources sha256 {env['code']['source_sha256']}. "
        f"Load average at start {env['load_start']}, at end {env.get('load_end')}."
        + (f" Extra Snakemake options: `{env['snakemake_args']}`." if env.get("snakemake_args") else ""),
        "",
        table(results["sizes"]),
        "",
    ]
    return "\n".join(head) + "\n" + details(results)


def code_state() -> dict[str, Any]:
    """Which code was measured: git HEAD, uncommitted changes, and a hash of the package and workflow sources."""
    import hashlib

    def git(*args: str) -> str:
        try:
            out = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, timeout=30,
                                 check=False)
        except (OSError, subprocess.SubprocessError):
            return ""
        return out.stdout.strip()

    digest = hashlib.sha256()
    files = sorted([*(REPO / "src" / "mdm2screen").rglob("*.py"), *(REPO / "workflow").rglob("*")])
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return {"git_head": git("rev-parse", "--short", "HEAD"),
            "uncommitted_paths": len(git("status", "--porcelain").splitlines()),
            "source_sha256": digest.hexdigest()[:16]}


def environment(cores: int) -> dict[str, Any]:
    import snakemake

    exe, engine = floor_mod.bcftools_engine()
    mem_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kb = int(next(x for x in open("/proc/meminfo") if x.startswith("MemTotal")).split()[1])
    return {
        "cpus": os.cpu_count(), "cores_used": cores, "mem_gb": round(mem_kb / 1024 / 1024, 1),
        "platform": platform.platform(), "python": platform.python_version(),
        "snakemake": getattr(snakemake, "__version__", "?"), "floor_engine": engine,
        "gnu_time": os.access(GNU_TIME, os.X_OK), "load_start": tuple(round(x, 2) for x in os.getloadavg()),
        "snakemake_args": " ".join(SNAKEMAKE_EXTRA), "code": code_state(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="mdm2screen performance benchmark (see benchmarks/README.md)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000], help="cohort sizes (samples)")
    parser.add_argument("--workdir", default="/tmp/mdm2bench", help="where cohorts and results go (outside the repo)")
    parser.add_argument("--cores", type=int, default=2, help="cores for Snakemake, nightly and the floor")
    parser.add_argument("--seed", type=int, default=make_cohort.DEFAULT_SEED)
    parser.add_argument("--regenerate", action="store_true", help="regenerate cohorts even if present")
    parser.add_argument("--nightly-fraction", type=float, default=0.01, help="share of new samples for nightly")
    parser.add_argument("--skip-nightly", action="store_true", help="skip the nightly and incremental steps")
    parser.add_argument("--shared-rows", type=int, default=500, help="shared-file cohort rows (0: skip it)")
    parser.add_argument("--shared-maf-mb", type=float, default=20.0)
    parser.add_argument("--shared-seg-mb", type=float, default=5.0)
    parser.add_argument("--profile", type=int, default=None,
                        help="cohort size to profile with cProfile (default: 1000 if measured, else the largest "
                             "size up to 1000; 0 skips)")
    parser.add_argument("--snakemake-args", default="",
                        help="extra Snakemake options for every Snakemake run, as one string "
                             "(e.g. \"--max-checksum-file-size 0\"); recorded in the results")
    parser.add_argument("--repeat", type=int, default=3,
                        help="full run and floor measured this many times, alternating, for N <= --repeat-max-n")
    parser.add_argument("--repeat-max-n", type=int, default=1000)
    parser.add_argument("--tag", default="", help="write results_TAG.json/.md instead of results.json/.md")
    args = parser.parse_args(argv)
    SNAKEMAKE_EXTRA[:] = shlex.split(args.snakemake_args)
    workdir = Path(args.workdir).resolve()
    if workdir == REPO or REPO in workdir.parents:
        parser.error("--workdir must be outside the repository")
    workdir.mkdir(parents=True, exist_ok=True)
    args.workdir = str(workdir)

    def say(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    results: dict[str, Any] = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "environment": environment(args.cores),
                               "targets": TARGETS, "sizes": []}
    say("Snakemake baseline (three jobs that touch files)")
    results["snakemake_baseline"] = snakemake_baseline(workdir, args.cores)
    for n in args.sizes:
        results["sizes"].append(asdict(bench_size(n, args, say)))
        _write(workdir, results, args.tag)  # partial results survive an interrupted run
    if args.shared_rows > 0:
        results["shared"] = bench_shared(args, say)
    profile_n = args.profile
    if profile_n is None:
        small = [n for n in args.sizes if n <= 1000]
        profile_n = 1000 if 1000 in args.sizes else (max(small) if small else 0)
    if profile_n:
        results["profile"] = profile_screen(profile_n, args, say)
    results["environment"]["load_end"] = tuple(round(x, 2) for x in os.getloadavg())
    say("deleting the outputs of earlier runs, set aside while timing")
    clear_set_aside(workdir)
    json_path, md_path = _write(workdir, results, args.tag)
    print(table(results["sizes"]))
    print()
    print(details(results))
    print(f"Results: {json_path} and {md_path}")
    failed = [e for r in results["sizes"] for e in r["errors"]]
    return 1 if failed else 0


def _write(workdir: Path, results: dict[str, Any], tag: str = "") -> tuple[Path, Path]:
    stem = f"results_{tag}" if tag else "results"
    json_path, md_path = workdir / f"{stem}.json", workdir / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=1, default=str) + "\n")
    md_path.write_text(markdown(results) + "\n")
    return json_path, md_path


if __name__ == "__main__":
    sys.exit(main())
