"""``mdm2screen check``: validate everything a run reads, list every problem (API: ``pipeline.check_config``,
then ``preflight.preflight`` for the data files)."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_CONFIG, EXIT_OK, add_config_arguments

NAME = "check"
HELP = "validate config, sample sheet(s), IHC table, arms and every data file; list every problem"
# One line: argparse prints it as written (tests/test_cli_docs.py finds it in the help text).
DESCRIPTION = (
    "Validate the configuration, sample sheet(s), IHC table and arms file, then open every data file the sheets "
    "name, once each, and check what screening needs of it: it exists and can be read, its format is recognised "
    "(and agrees with cn_format), its genome build agrees with the sheet, and the row's sample is in a "
    "multi-sample file. Headers and first records are read (a small file in full); looking further for a sample "
    "stops after --time-per-file seconds per file, and what that leaves unverified is a warning. Problems are "
    "listed per patient. Exit 0 only when a run would read every file of every patient, else 2."
)
EPILOG = """example:
  mdm2screen check --config my_cohort.yaml --set outdir=/scratch/my_cohort
  mdm2screen check --config my_cohort.yaml --no-files      # configuration and sheets only
"""


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, found {value!r}") from None
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, found {value!r}")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..preflight import DEFAULT_TIME_PER_FILE

    add_config_arguments(parser)
    parser.add_argument(
        "--no-files",
        action="store_true",
        help="check the configuration and sample sheets only; do not open the data files they name",
    )
    parser.add_argument(
        "--time-per-file",
        type=_seconds,
        default=DEFAULT_TIME_PER_FILE,
        metavar="SECONDS",
        help="time one data file may take to scan past its head, e.g. to find a sample in a cohort MAF "
        "(default: %(default)s); what it leaves unverified is a warning",
    )


def run(args: argparse.Namespace) -> int:
    # Imported on use: building the parser (`mdm2screen --help`, any command) must not load the screening stack.
    from ..app import load_config
    from ..pipeline import check_config, prepare

    quiet = bool(getattr(args, "quiet", False))  # -q: errors and the result lines only
    config = load_config(args.config, args.set)
    result = check_config(config, source=args.config)  # ConfigError (exit 2) lists every structural problem
    summary = f"{result.n_patients} patients, {result.n_samples} samples, {result.n_batches} batches"
    if not quiet:
        for problem in result.warnings:
            print(f"warning: {problem}")
    if args.no_files:
        print(f"OK: {summary}; outputs go to {result.outdir} (data files not checked: --no-files)")
        return EXIT_OK

    from ..preflight import preflight

    files = preflight(prepare(config, source=args.config), time_per_file=args.time_per_file)
    checked = (
        f"{files.files_checked} data file(s) of {files.rows_checked} sample row(s) checked in {files.seconds:.1f} s"
    )
    if files.ok:
        print(f"OK: {summary}; outputs go to {result.outdir}")
        if not files.warnings:
            print(f"{checked}: no problems")
        elif quiet:
            print(f"{checked}: {len(files.warnings)} warning(s) (not shown with -q)")
        else:
            print(f"{checked}: {len(files.warnings)} warning(s), per patient:")
            print(files.format(), end="")
        return EXIT_OK
    patients = files.patients_with_errors()
    print(f"configuration and sample sheets: {summary}; outputs go to {result.outdir}")
    print(f"{checked}: {len(files.errors)} error(s), {len(files.warnings)} warning(s), per patient:")
    print(files.format(warnings=not quiet), end="")
    print(
        f"mdm2screen: {len(patients)} of {result.n_patients} patient(s) have data files a run cannot read "
        "(listed above)",
        file=sys.stderr,
    )
    return EXIT_CONFIG
