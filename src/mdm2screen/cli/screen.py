"""``mdm2screen screen``: screen a whole cohort without Snakemake (API: ``pipeline.screen_config``)."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, add_config_arguments, positive_int

NAME = "screen"
HELP = "screen the whole cohort without Snakemake, in this process or --jobs workers"
DESCRIPTION = "Screen the whole cohort without Snakemake: the same batches, reports and summary as the workflow."
EPILOG = """Logs: one per batch in {outdir}/logs/screen/<batch>.log (as the workflow writes them), and the
run's own {outdir}/logs/mdm2screen_screen_<UTC time>.log (its path is printed last).

example:
  mdm2screen screen --config my_cohort.yaml --jobs 8
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs",
        "-j",
        type=positive_int,
        default=1,
        help="worker processes (default: %(default)s; e.g. the number of cores)",
    )
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    # Imported on use: building the parser (`mdm2screen --help`, any command) must not load the screening stack.
    from ..app import load_config
    from ..pipeline import screen_config

    result = screen_config(load_config(args.config, args.set), source=args.config, jobs=args.jobs)
    print(f"Screened {result.n_patients} patients. Reports: {result.reports}; summary: {result.summary}")
    return EXIT_OK
