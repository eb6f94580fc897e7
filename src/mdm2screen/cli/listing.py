"""``mdm2screen list``: every patient's current decision, filtered (API: ``app.current_decisions``)."""

from __future__ import annotations

import argparse
import sys

from ..errors import ConfigError
from .common import DEFAULT_CONFIG, EXIT_CONFIG, EXIT_OK, add_registry_location, format_table, iso_date

NAME = "list"
HELP = "list patients from the registry by status and date"
DESCRIPTION = "List the current decision of every patient in the nightly registry."
EPILOG = """example:
  mdm2screen list --outdir results --status ELIGIBLE --since 2026-11-01
"""
# As app.STATUSES (not imported from there: building the parser loads no API module).
STATUSES = ("ELIGIBLE", "PENDING_CONFIRMATION", "INDETERMINATE", "NOT_ELIGIBLE")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_registry_location(parser)
    parser.add_argument(
        "--status", type=str.upper, choices=STATUSES, help="only patients with this status (in --arm, if given)"
    )
    parser.add_argument("--since", type=iso_date, help="only decisions made on or after this date (YYYY-MM-DD, UTC)")
    parser.add_argument("--arm", help="show and filter on this trial arm's status instead of the default arm's")
    parser.add_argument(
        "--format", choices=("text", "tsv"), default="text", help="output format (default: %(default)s)"
    )


def run(args: argparse.Namespace) -> int:
    # Imported on use: building the parser (`mdm2screen --help`, any command) must not load the registry.
    from ..app import LIST_COLUMNS, UnknownArm, current_decisions, open_registry
    from ..registry import RegistryError

    try:
        with open_registry(outdir=args.outdir, config=args.config or DEFAULT_CONFIG) as registry:
            rows = current_decisions(registry, status=args.status, since=args.since, arm=args.arm)
    except (RegistryError, ConfigError, UnknownArm) as exc:
        print(f"mdm2screen list: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    sys.stdout.write(format_table(rows, LIST_COLUMNS, args.format))
    if args.format == "text":
        print(f"{len(rows)} patient(s)", file=sys.stderr)
    return EXIT_OK
