"""``mdm2screen nightly``: screen what is new or changed, write the digest (API: ``nightly.run_nightly``)."""

from __future__ import annotations

import argparse
import sys
import traceback

from ..errors import ConfigError
from .common import EXIT_CONFIG, EXIT_ERROR, EXIT_LOCKED, EXIT_OK, add_config_arguments, iso_date, positive_int

NAME = "nightly"
HELP = "screen only what is new or changed since the last run (for cron)"
DESCRIPTION = "Screen only patients whose inputs, IHC rows or criteria changed since their last decision."
EPILOG = """Decisions go to {outdir}/registry.sqlite, what changed to {outdir}/digests/<date>.json/.html,
the run's log to {outdir}/logs/mdm2screen_nightly_<UTC time>.log (its path is printed last).

example (crontab):
  30 2 * * *  cd /srv/screening && mdm2screen nightly --config site.yaml --jobs 8

Exit codes: 0 done (INDETERMINATE patients and skipped sheets are results), 1 internal error,
2 broken configuration or registry, 3 another nightly run holds the lock.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument(
        "--wait", action="store_true", help="wait for a running nightly run to finish instead of exiting 3"
    )
    parser.add_argument("--date", type=iso_date, default=None, help="date the digest is filed under (default: today)")
    parser.add_argument(
        "--jobs",
        "-j",
        type=positive_int,
        default=2,
        help="worker processes when many patients changed (default: %(default)s)",
    )
    parser.add_argument(
        "--force", action="store_true", help="screen every patient again (new decision rows only where the key changed)"
    )


def run(args: argparse.Namespace) -> int:
    # Imported on use: building the parser (`mdm2screen --help`, any command) must not load the screening stack.
    from ..app import load_config
    from ..nightly import LockHeld, run_nightly
    from ..registry import RegistryError

    # Progress and what the run is doing go to stderr (off with -q), every patient with -v, all to the run log.
    try:
        result = run_nightly(
            load_config(args.config, args.set),
            source=args.config,
            date=args.date,
            wait=args.wait,
            jobs=args.jobs,
            force=args.force,
        )
    except ConfigError as exc:
        print(f"mdm2screen nightly: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except LockHeld as exc:
        print(f"mdm2screen nightly: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except RegistryError as exc:
        print(f"mdm2screen nightly: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:  # e.g. an output folder that cannot be written: say which, no traceback
        print(f"mdm2screen nightly: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception:
        print(
            "mdm2screen nightly: internal error; the registry stays consistent and the next run resumes the work.\n"
            + traceback.format_exc(),
            file=sys.stderr,
        )
        return EXIT_ERROR
    skipped = {} if getattr(args, "quiet", False) else result.skipped_sheets  # warnings: not under -q
    for sheet, problems in skipped.items():
        print(
            f"mdm2screen nightly: warning: sample sheet {sheet} was skipped (its patients were not screened):",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
    for failure in result.failures:
        print(
            f"mdm2screen nightly: error: {failure.patient_id} could not be screened: {failure.message}", file=sys.stderr
        )
    d = result.digest
    state = (
        "no changes"
        if d["no_changes"]
        else f"{d['counts']['decided']} decided, {d['counts']['status_changes']} status change(s)"
    )
    print(
        f"Nightly run {result.run_id}: {result.n_patients} patients, {result.n_screened} screened ({state}). "
        f"Digest: {result.digest_html}"
    )
    return EXIT_ERROR if result.failures else EXIT_OK
