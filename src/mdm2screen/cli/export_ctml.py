"""``mdm2screen export-ctml``: write each trial arm as a MatchMiner CTML trial document (API: ``export.ctml.export_ctml``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_OK, add_config_arguments

NAME = "export-ctml"
HELP = "write each trial arm as a MatchMiner CTML trial document (JSON)"
DESCRIPTION = (
    "Write each arm of the arms file and the selected catalogue trials as a MatchMiner CTML trial document "
    "(<arm id>.json, the format MatchEngine V2 loads), so a MatchMiner site can match its whole database against "
    "the same criteria. Criteria CTML cannot express (IHC/FISH confirmation, purity, exact copy-number "
    "thresholds, tumour types without an OncoTree code) are printed and recorded in each document's "
    "'mdm2screen' field."
)
EPILOG = """example:
  mdm2screen export-ctml --config my_cohort.yaml --arm mantra2_local --out ctml/
  matchengine load -t ctml/ --trial-format json    # MatchEngine V2, at the MatchMiner site
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument(
        "--arm", action="append", dest="arms", metavar="ID", help="only this arm (repeat for several; default: all)"
    )
    parser.add_argument("--out", "-o", type=Path, help="output folder (default: <outdir>/ctml)")


def run(args: argparse.Namespace) -> int:
    # Imported on use: building the parser (`mdm2screen --help`, any command) must not load the screening stack.
    from ..app import load_config
    from ..export.ctml import export_ctml

    paths = export_ctml(load_config(args.config, args.set), arm_ids=args.arms, out=args.out)
    print(f"OK: {len(paths)} CTML trial documents written")
    return EXIT_OK
