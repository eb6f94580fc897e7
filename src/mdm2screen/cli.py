"""The ``mdm2screen`` command.

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
from pathlib import Path

from . import __version__
from .errors import ConfigError

EXIT_OK, EXIT_ERROR, EXIT_CONFIG, EXIT_LOCKED = 0, 1, 2, 3


def load_config(path: str, overrides: list[str]) -> dict:
    """The configuration file with ``--set KEY=VALUE`` overrides; ConfigError lists every problem."""
    from .config import cap, load_yaml_file, parse_yaml

    p = Path(path)
    raw = load_yaml_file(p, "configuration file") or {}
    if not isinstance(raw, dict):
        raise ConfigError([f"{p}: expected a mapping of keys to values, found {type(raw).__name__}"])
    problems = []
    for item in overrides:
        key, sep, value = item.partition("=")
        shown = cap(repr(item))
        if not sep or not key.strip():
            problems.append(f"option --set {shown}: expected KEY=VALUE")
            continue
        try:
            raw[key] = parse_yaml(value, f"option --set {shown}: value")
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return raw


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, found {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, found {value!r}")
    return number


def cmd_check(args: argparse.Namespace) -> int:
    from .pipeline import prepare

    cohort = prepare(load_config(args.config, args.set), source=args.config)
    n_samples = len(cohort.rows)
    print(
        f"OK: {len(cohort.patients)} patients, {n_samples} samples, {len(cohort.batches())} batches; outputs go to {cohort.outdir}"
    )
    # IHC values that make a patient's marker invalid do not stop the run, but are all listed.
    problems = list(cohort.problems)
    listed = set(problems)
    problems += [p for p in cohort.ihc.cohort_problems() if p not in listed]
    for problem in problems:
        print(f"warning: {problem}")
    return EXIT_OK


def cmd_screen(args: argparse.Namespace) -> int:
    """Screen a whole cohort without Snakemake: the same batches, reports and summary."""
    from .paths import output_folder_problem
    from .pipeline import prepare, screen_cohort, summarize

    cohort = prepare(load_config(args.config, args.set), source=args.config)
    unwritable = output_folder_problem(cohort.outdir)
    if unwritable is not None:
        raise ConfigError([unwritable])
    tables = screen_cohort(cohort, jobs=args.jobs)
    written = summarize(cohort, tables)
    print(
        f"Screened {len(cohort.patients)} patients. Reports: {cohort.outdir / 'patients'}; summary: {written.get('summary.html', cohort.outdir / 'cohort')}"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mdm2screen", description="MDM2-inhibitor trial eligibility screening")
    parser.add_argument("--version", action="version", version=f"mdm2screen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every patient decided")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="validate config, sample sheet(s), IHC table and arms; list every problem")
    screen = sub.add_parser(
        "screen", help="screen the whole cohort without Snakemake, in this process or --jobs workers"
    )
    screen.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        default=1,
        help="worker processes (default: %(default)s; e.g. the number of cores)",
    )
    for p in (check, screen):
        p.add_argument("--config", "-c", default="config/config.yaml", help="configuration YAML (default: %(default)s)")
        p.add_argument(
            "--set", action="append", default=[], metavar="KEY=VALUE", help="override a top-level config key"
        )
    check.set_defaults(func=cmd_check)
    screen.set_defaults(func=cmd_screen)

    # These commands parse their own arguments (see their modules).
    for name, helptext in (
        ("nightly", "screen only what is new or changed since the last run (for cron)"),
        ("history", "show a patient's decisions over time from the registry"),
        ("list", "list patients from the registry by status and date"),
        ("import-cbioportal", "turn a cBioPortal/GENIE study folder into a sample sheet"),
    ):
        sub.add_parser(name, help=helptext, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    delegated = {
        "nightly": ("mdm2screen.nightly", "main_nightly"),
        "history": ("mdm2screen.nightly", "main_history"),
        "list": ("mdm2screen.nightly", "main_list"),
        "import-cbioportal": ("mdm2screen.cbioportal", "main_import"),
    }
    try:
        if argv and argv[0] in delegated:
            import importlib

            module, function = delegated[argv[0]]
            return getattr(importlib.import_module(module), function)(argv[1:])
        args = build_parser().parse_args(argv)
        if args.verbose:
            logging.getLogger("mdm2screen").setLevel(logging.INFO)
        return args.func(args)
    except ConfigError as exc:
        print(f"mdm2screen: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:  # e.g. a disk filling up mid-run: say which file, no traceback
        print(f"mdm2screen: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
