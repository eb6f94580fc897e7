"""``mdm2screen history``: one patient's decisions over time (API: ``app.patient_history``)."""

from __future__ import annotations

import argparse
import sys

from ..errors import ConfigError
from .common import DEFAULT_CONFIG, EXIT_CONFIG, EXIT_OK, add_registry_location, format_table

NAME = "history"
HELP = "show a patient's decisions over time from the registry"
DESCRIPTION = "Show one patient's decisions over time from the nightly registry."
EPILOG = """example:
  mdm2screen history DEMO-07 --outdir results
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("patient", help="patient ID as in the sample sheet")
    add_registry_location(parser)
    parser.add_argument(
        "--format", choices=("text", "tsv"), default="text", help="output format (default: %(default)s)"
    )


def run(args: argparse.Namespace) -> int:
    # Imported on use: building the parser (`mdm2screen --help`, any command) must not load the registry.
    from ..app import HISTORY_COLUMNS, open_registry, patient_history
    from ..registry import RegistryError

    try:
        with open_registry(outdir=args.outdir, config=args.config or DEFAULT_CONFIG) as registry:
            rows = patient_history(registry, args.patient)
    except (RegistryError, ConfigError) as exc:
        print(f"mdm2screen history: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if not rows:
        print(f"mdm2screen history: patient {args.patient!r} is not in the registry {registry.path}", file=sys.stderr)
        return EXIT_CONFIG
    if args.format == "text":
        print(f"{args.patient}: {len(rows)} decision(s); * marks the current one")
    sys.stdout.write(format_table(rows, HISTORY_COLUMNS, args.format))
    return EXIT_OK
