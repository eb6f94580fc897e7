"""``mdm2screen export-cbioportal``: screening results as clinical sample attributes of a cBioPortal study
(API: ``export.cbioportal.export_cbioportal``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ConfigError
from .common import EXIT_CONFIG, EXIT_OK

NAME = "export-cbioportal"
HELP = "add screening results to a cBioPortal study as clinical sample attributes"
DESCRIPTION = (
    "Add the results of a run (status per arm, MDM2 copy number, TP53 status, first reason) to the study's "
    "clinical sample file as MDM2SCREEN_* attributes, so the imported study shows who is eligible."
)
EPILOG = """example:
  mdm2screen export-cbioportal --results results_study --study path/to/study
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", required=True, help="output folder of the run (holds patients/*.json)")
    parser.add_argument("--study", required=True, help="the cBioPortal study folder that was screened")


def run(args: argparse.Namespace) -> int:
    """Exit 0 exported, 2 results or study unusable (nothing written)."""
    # Imported on use: building the parser (`mdm2screen --help`, any command) loads no API module.
    from ..export.cbioportal import export_cbioportal

    try:
        written = export_cbioportal(Path(args.results), Path(args.study))
    except ConfigError as exc:
        print(f"cannot export {args.results} to {args.study}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_CONFIG
    for path in written:
        print(f"MDM2SCREEN_* attributes written to {path}")
    return EXIT_OK
