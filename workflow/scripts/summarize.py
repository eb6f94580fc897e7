"""Snakemake script: merge batch tables into the cohort summary (see workflow/rules/summary.smk)."""

import logging
from pathlib import Path

from mdm2screen.pipeline import prepare, summarize

logging.basicConfig(
    filename=snakemake.log[0],  # noqa: F821 - injected by Snakemake
    level=logging.INFO,
    format="%(asctime)s %(levelname)s %(message)s",
)
cohort = prepare(dict(snakemake.config), source="config")  # noqa: F821
written = summarize(cohort, [Path(p) for p in snakemake.input.rows])  # noqa: F821
for name, path in written.items():
    logging.info("wrote %s: %s", name, path)
