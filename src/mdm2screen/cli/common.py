"""What the command modules share: exit codes, argument types, the configuration options, tables."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_CONFIG, EXIT_LOCKED = 0, 1, 2, 3
DEFAULT_CONFIG = "config/config.yaml"


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, found {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, found {value!r}")
    return number


def iso_date(value: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, found {value!r}") from None


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """``--config/-c`` and ``--set KEY=VALUE`` (read by ``app.load_config``)."""
    parser.add_argument("--config", "-c", default=DEFAULT_CONFIG, help="configuration YAML (default: %(default)s)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key; dotted keys reach nested ones (copy_number.min_purity=0.3)",
    )


def add_registry_location(parser: argparse.ArgumentParser) -> None:
    """``--outdir`` or ``--config``: where the nightly registry is (read by ``app.open_registry``)."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--outdir", "-o", help="output folder holding registry.sqlite")
    where.add_argument(
        "--config", "-c", help=f"configuration YAML whose outdir holds the registry (default: {DEFAULT_CONFIG})"
    )


def format_table(rows: list[dict[str, Any]], columns: list[str], fmt: str) -> str:
    """``rows`` as TSV, or as text in aligned columns (the last, free-text column never padded nor cut)."""
    if fmt == "tsv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, delimiter="\t", lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    widths = {c: max([len(c), *(len(str(r.get(c, ""))) for r in rows)]) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) if i < len(columns) - 1 else c for i, c in enumerate(columns))]
    for r in rows:
        lines.append(
            "  ".join(
                str(r.get(c, "")).ljust(widths[c]) if i < len(columns) - 1 else str(r.get(c, ""))
                for i, c in enumerate(columns)
            )
        )
    return "\n".join(lines) + "\n"
