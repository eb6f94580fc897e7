"""The ``mdm2screen`` command: one module per sub-command, each with ``add_arguments(parser)`` and
``run(args) -> exit code``, which calls the command's API function in a domain module.

Exit codes (documented in the README, "Exit codes"):
  0  the run finished; INDETERMINATE patients are results, not failures
  1  an unexpected internal error
  2  the configuration, sample sheet, IHC table or arms file is broken (every problem listed)
  3  another nightly run holds the lock on the output folder
"""

from __future__ import annotations

import argparse
import logging
import sys

from .. import __version__
from ..errors import ConfigError
from . import (
    check,
    config_cmd,
    export_cbioportal,
    export_ctml,
    history,
    import_cbioportal,
    listing,
    nightly,
    patient,
    screen,
)
from .common import EXIT_CONFIG, EXIT_ERROR, EXIT_LOCKED, EXIT_OK

__all__ = ["EXIT_CONFIG", "EXIT_ERROR", "EXIT_LOCKED", "EXIT_OK", "build_parser", "main"]

# In the order `mdm2screen --help` lists them.
COMMANDS = (
    check,
    screen,
    patient,
    config_cmd,
    nightly,
    history,
    listing,
    import_cbioportal,
    export_cbioportal,
    export_ctml,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mdm2screen",
        description="MDM2-inhibitor trial eligibility screening",
        epilog="example:\n  mdm2screen check --config config/config.yaml\n\n"
        "`mdm2screen COMMAND --help` shows a command's options and an example.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mdm2screen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every patient decided")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        p = sub.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.DESCRIPTION,
            epilog=command.EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(p)
        p.set_defaults(run=command.run, command_parser=p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        args, unknown = build_parser().parse_known_args(argv)
        if unknown:  # reported by the command's own parser, with its usage line
            args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        if args.verbose:
            logging.getLogger("mdm2screen").setLevel(logging.INFO)
        return args.run(args)
    except ConfigError as exc:
        print(f"mdm2screen: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:  # e.g. a disk filling up mid-run: say which file, no traceback
        print(f"mdm2screen: {exc}", file=sys.stderr)
        return EXIT_ERROR
