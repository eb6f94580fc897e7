#!/usr/bin/env python3
"""The floor: the least work any TP53/MDM2 screening tool must do on a cohort's files.

For every distinct variant file of the sample sheet(s):

* an indexed VCF (``.vcf.gz`` with ``.tbi``/``.csi``): ``bcftools view -H -r <TP53 region>``,
  a random-access read of the TP53 region only;
* any other VCF (plain text, or bgzipped without an index): ``bcftools view -H -t <TP53 region>``,
  which has to stream the whole file;
* anything else (a MAF): a streaming read of every line (Python), once per file.

For every distinct copy-number file: a streaming read of every line (Python), once per file.
A file named by many sheet rows (a cohort MAF or SEG) is read once, which is the least any tool
can do. The region is TP53's transcript +/- 8 bases in the sample's build, given under both
contig spellings (``17:..`` and ``chr17:..``) so one command serves either naming.

Tasks run in ``cores`` worker processes, the same number of cores the workflow gets. bcftools
comes from PATH (Debian/Ubuntu: ``apt-get install -y bcftools``); without it the bcftools
bundled in pysam (``pysam.bcftools.view``, run in-process) is used and the result says so.

Command line::

    python benchmarks/floor.py /tmp/mdm2bench/n1000/samples --cores 2
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mdm2screen.genome import canonical_build
from mdm2screen.reference import gene_locus

SPLICE_MARGIN = 8  # bases either side of TP53, as mdm2screen's default splice_region_bases
VCF_SUFFIXES = (".vcf", ".vcf.gz", ".vcf.bgz", ".bcf")


@dataclass(frozen=True)
class FloorTask:
    kind: str  # vcf_region | vcf_stream | text_read
    path: str
    region: str = ""  # bcftools region list, for the vcf kinds


@dataclass
class FloorResult:
    seconds: float
    cores: int
    engine: str  # "bcftools 1.16 (/usr/bin/bcftools)" or "pysam.bcftools (bundled with pysam 0.24.1)"
    tasks: dict[str, int] = field(default_factory=dict)  # per kind
    tp53_records: int = 0  # records bcftools returned in the TP53 regions (sanity check)
    lines_read: int = 0  # lines of the streamed text files
    bytes_in: int = 0  # size of every distinct input file
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def tp53_region(build: str) -> str:
    """bcftools region list for TP53 (+ splice margin) in ``build``, under both contig spellings."""
    locus = gene_locus("TP53", canonical_build(build) or build)
    span = f"{locus.start - SPLICE_MARGIN}-{locus.end + SPLICE_MARGIN}"
    return f"{locus.chrom}:{span},chr{locus.chrom}:{span}"


def _sheet_files(samples: str | Path) -> list[Path]:
    p = Path(samples)
    if p.is_dir():
        return sorted(x for x in p.glob("*.tsv") if x.is_file() and not x.name.startswith("."))
    return [p]


def _resolve(sheet: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (sheet.parent / path).resolve()


def _is_indexed(path: Path) -> bool:
    return path.name.endswith((".gz", ".bgz", ".bcf")) and any(
        Path(str(path) + s).exists() for s in (".tbi", ".csi")
    )


def floor_tasks(samples: str | Path) -> list[FloorTask]:
    """One task per distinct file named by the sheet(s) under ``samples`` (a sheet or a folder of sheets)."""
    tasks: dict[str, FloorTask] = {}
    for sheet in _sheet_files(samples):
        with open(sheet, newline="", encoding="utf-8-sig") as handle:
            lines = [line for line in handle if not line.startswith("#")]
        for row in csv.DictReader(lines, delimiter="\t"):
            build = (row.get("build") or "GRCh37").strip()
            vcf = (row.get("vcf") or "").strip()
            if vcf:
                path = _resolve(sheet, vcf)
                if str(path) not in tasks:
                    if not path.name.endswith(VCF_SUFFIXES):
                        tasks[str(path)] = FloorTask("text_read", str(path))
                    elif _is_indexed(path):
                        tasks[str(path)] = FloorTask("vcf_region", str(path), tp53_region(build))
                    else:
                        tasks[str(path)] = FloorTask("vcf_stream", str(path), tp53_region(build))
            cn = (row.get("cn_file") or "").strip()
            if cn:
                path = _resolve(sheet, cn)
                tasks.setdefault(str(path), FloorTask("text_read", str(path)))
    return list(tasks.values())


def bcftools_engine() -> tuple[str | None, str]:
    """(bcftools executable or None for pysam's bundled one, description for the output)."""
    exe = shutil.which("bcftools")
    if exe:
        try:
            out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False)
            version = out.stdout.splitlines()[0] if out.stdout else "bcftools"
        except (OSError, subprocess.SubprocessError):
            version = "bcftools"
        return exe, f"{version} ({exe})"
    import pysam

    return None, f"pysam.bcftools (bundled with pysam {pysam.__version__}; no bcftools on PATH)"


def _run_bcftools(exe: str | None, task: FloorTask) -> tuple[int, str | None]:
    option = "-r" if task.kind == "vcf_region" else "-t"
    if exe is None:
        # pysam >= 0.24 no longer imports its bcftools wrapper with the package.
        import pysam
        import pysam.bcftools

        try:
            text = pysam.bcftools.view("-H", option, task.region, task.path)
        except pysam.utils.SamtoolsError as exc:
            return 0, f"{task.path}: {exc}"
        return text.count("\n"), None
    out = subprocess.run([exe, "view", "-H", option, task.region, task.path], capture_output=True, check=False)
    if out.returncode != 0:
        return 0, f"{task.path}: bcftools exit {out.returncode}: {out.stderr.decode(errors='replace')[:200]}"
    return out.stdout.count(b"\n"), None


def _read_lines(path: str) -> int:
    with open(path, "rb") as handle:
        gz = handle.read(2) == b"\x1f\x8b"
    opener = gzip.open if gz else open
    n = 0
    with opener(path, "rb") as handle:  # type: ignore[operator]
        for _ in handle:
            n += 1
    return n


def _work(args: tuple[str | None, list[FloorTask]]) -> tuple[int, int, list[str]]:
    exe, tasks = args
    records = lines = 0
    errors: list[str] = []
    for task in tasks:
        if task.kind == "text_read":
            try:
                lines += _read_lines(task.path)
            except (OSError, EOFError) as exc:
                errors.append(f"{task.path}: {exc}")
        else:
            n, error = _run_bcftools(exe, task)
            records += n
            if error:
                errors.append(error)
    return records, lines, errors


def run_floor(tasks: Iterable[FloorTask], *, cores: int = 2) -> FloorResult:
    """Run every task on ``cores`` processes; wall time covers only the reads, not the planning."""
    tasks = list(tasks)
    exe, engine = bcftools_engine()
    # Interleave kinds so every worker gets its share of slow streamed files.
    chunks = [tasks[i::max(1, cores * 8)] for i in range(max(1, cores * 8))]
    chunks = [c for c in chunks if c]
    began = time.perf_counter()
    if cores > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(max_workers=cores) as pool:
            parts = list(pool.map(_work, [(exe, c) for c in chunks]))
    else:
        parts = [_work((exe, c)) for c in chunks]
    seconds = time.perf_counter() - began
    kinds: dict[str, int] = {}
    for t in tasks:
        kinds[t.kind] = kinds.get(t.kind, 0) + 1
    return FloorResult(
        seconds=round(seconds, 3),
        cores=cores,
        engine=engine,
        tasks=dict(sorted(kinds.items())),
        tp53_records=sum(p[0] for p in parts),
        lines_read=sum(p[1] for p in parts),
        bytes_in=sum(os.path.getsize(t.path) for t in tasks if os.path.exists(t.path)),
        errors=[e for p in parts for e in p[2]][:20],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Floor baseline: bcftools TP53 region + a read of every CN file.")
    parser.add_argument("samples", help="sample sheet, or folder of sample sheets")
    parser.add_argument("--cores", type=int, default=2, help="worker processes (default: %(default)s)")
    args = parser.parse_args(argv)
    result = run_floor(floor_tasks(args.samples), cores=args.cores)
    print(json.dumps(result.to_dict(), indent=1))
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
