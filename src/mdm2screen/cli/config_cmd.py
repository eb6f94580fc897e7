"""``mdm2screen config``: the configuration a run would use, or the annotated template of every key."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, add_config_arguments

NAME = "config"
HELP = "print the effective configuration (show) or the annotated template of every key (template)"
DESCRIPTION = (
    "show: the configuration file with --set overrides and every default filled in, validated, as a run "
    "uses it. template: every key with its default and its source as comments (config/template.yaml)."
)
EPILOG = """example:
  mdm2screen config show --config my_cohort.yaml --set copy_number.min_purity=0.3
  mdm2screen config template > my_cohort.yaml
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("show", "template"), help="what to print")
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    # Imported on use: building the parser must not load the configuration machinery's schema.
    import yaml

    from ..app import effective_config
    from ..config import template_text

    if args.action == "template":
        print(template_text(), end="")
    else:
        print(yaml.safe_dump(effective_config(args.config, args.set), sort_keys=False), end="")
    return EXIT_OK
