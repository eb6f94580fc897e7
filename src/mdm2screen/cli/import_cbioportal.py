"""``mdm2screen import-cbioportal``: a sample sheet from a cBioPortal/GENIE study (API: ``cbioportal.import_study``)."""

from __future__ import annotations

import argparse
import shlex
import sys

from ..errors import ConfigError
from .common import EXIT_CONFIG, EXIT_OK

NAME = "import-cbioportal"
HELP = "turn a cBioPortal/GENIE study folder into a sample sheet"
DESCRIPTION = "Write an mdm2screen sample sheet from a cBioPortal / GENIE study folder."
EPILOG = """example:
  mdm2screen import-cbioportal path/to/study --out study_samples.tsv --outdir results
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study_dir", help="cBioPortal study folder (meta_study.txt, meta_*.txt, data files)")
    parser.add_argument("--out", required=True, help="sample sheet to write (TSV)")
    parser.add_argument("--outdir", default="results", help="output folder for the suggested snakemake command")


def run(args: argparse.Namespace) -> int:
    """Exit 0 imported, 2 study unusable."""
    # Imported on use: building the parser (`mdm2screen --help`, any command) loads no API module.
    from ..cbioportal import import_study

    try:
        result = import_study(args.study_dir, args.out)
    except ConfigError as exc:
        print(f"cannot import {args.study_dir}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_CONFIG
    skipped = sum(1 for texts in result.problems.values() if any("skipped" in t for t in texts))
    print(
        f"Imported {args.study_dir}: {result.n_samples} samples written, {skipped} skipped, "
        f"{len(result.problems)} with problems"
    )
    print("Mapped:")
    for line in result.mapped:
        print(f"  - {line}")
    if result.study_problems:
        print("Study problems (import continued):")
        for line in result.study_problems:
            print(f"  - {line}")
    if result.problems:
        print("Could not map, per sample:")
        for sample, texts in sorted(result.problems.items()):
            for text in texts:
                print(f"  {sample}: {text}")
    print(f"Sample sheet: {result.sheet_path}")
    print("Next:")
    print(
        f"  snakemake --cores 4 --config samples={shlex.quote(str(result.sheet_path))} "
        f"outdir={shlex.quote(args.outdir)}"
    )
    return EXIT_OK
