"""The ``mdm2screen`` command: one module per sub-command, each with ``add_arguments(parser)`` and
``run(args) -> exit code``, which calls the command's API function in a domain module.

``-v/--verbose`` and ``-q/--quiet`` are accepted before and after the command (``mdm2screen -v screen``,
``mdm2screen screen -v``); ``runlog.configure_console`` sets what they show. A command that writes a run
log (``screen``, ``nightly``, ``patient``: ``runlog.run_log``) ends with ``log: <path>`` on stderr.

Exit codes (documented in the README, "Exit codes"):
  0  the run finished; INDETERMINATE patients are results, not failures
  1  an unexpected internal error
  2  the configuration, sample sheet, IHC table or arms file is broken, or (`check`) a data file a
     run could not read (every problem listed)
  3  another nightly run holds the lock on the output folder
"""

from __future__ import annotations

import argparse
import sys

from .. import __version__, runlog
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


def verbosity_options(default: object) -> argparse.ArgumentParser:
    """``-v`` / ``-q`` as a parent parser. The command parsers' copies default to SUPPRESS, so that an
    option given before the command is not overwritten by the command's defaults."""
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_mutually_exclusive_group()
    group.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="also show every patient decided (INFO)"
    )
    group.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="show only errors and the final result lines"
    )
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mdm2screen",
        parents=[verbosity_options(False)],
        description="MDM2-inhibitor trial eligibility screening",
        epilog="example:\n  mdm2screen check --config config/config.yaml\n\n"
        "`mdm2screen COMMAND --help` shows a command's options and an example.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mdm2screen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        p = sub.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.DESCRIPTION,
            epilog=command.EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[verbosity_options(argparse.SUPPRESS)],
        )
        command.add_arguments(p)
        p.set_defaults(run=command.run, command_parser=p)
    return parser


def verbosity(args: argparse.Namespace) -> int:
    """``runlog.QUIET``, ``NORMAL`` or ``VERBOSE`` from ``-q`` / ``-v`` (wherever they were given)."""
    if args.verbose and args.quiet:
        args.command_parser.error("argument -q/--quiet: not allowed with argument -v/--verbose")
    return runlog.VERBOSE if args.verbose else runlog.QUIET if args.quiet else runlog.NORMAL


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    runlog.configure_console(runlog.NORMAL)  # until the options are read: warnings and errors
    runlog.take_run_log()  # forget a run log of an earlier call in this process
    try:
        args, unknown = build_parser().parse_known_args(argv)
        if unknown:  # reported by the command's own parser, with its usage line
            args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        runlog.configure_console(verbosity(args))
        return args.run(args)
    except ConfigError as exc:
        print(f"mdm2screen: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:  # e.g. a disk filling up mid-run: say which file, no traceback
        print(f"mdm2screen: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        # Last, whatever happened: where the run's own account of it is.
        run_log = runlog.take_run_log()
        if run_log is not None:
            print(f"log: {run_log}", file=sys.stderr)
