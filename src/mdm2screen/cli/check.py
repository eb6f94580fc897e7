"""``mdm2screen check``: validate everything a run reads, list every problem (API: ``pipeline.check_config``)."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, add_config_arguments

NAME = "check"
HELP = "validate config, sample sheet(s), IHC table and arms; list every problem"
DESCRIPTION = "Validate the configuration, sample sheet(s), IHC table and arms file; list every problem at once."
EPILOG = """example:
  mdm2screen check --config my_cohort.yaml --set outdir=/scratch/my_cohort
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    # Imported on use: building the parser (`mdm2screen --help`, any command) must not load the screening stack.
    from ..app import load_config
    from ..pipeline import check_config

    result = check_config(load_config(args.config, args.set), source=args.config)
    print(
        f"OK: {result.n_patients} patients, {result.n_samples} samples, {result.n_batches} batches; outputs go to {result.outdir}"
    )
    for problem in result.warnings:
        print(f"warning: {problem}")
    return EXIT_OK
