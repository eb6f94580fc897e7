"""Snakemake script: screen one batch of patients (see workflow/rules/screen.smk)."""

import logging
from pathlib import Path

from mdm2screen.pipeline import prepare, run_batch

logging.basicConfig(
    filename=snakemake.log[0],  # noqa: F821 - injected by Snakemake
    level=logging.INFO,
    format="%(asctime)s %(levelname)s %(message)s",
)
cohort = prepare(dict(snakemake.config), source="config")  # noqa: F821
run_batch(cohort, snakemake.params.patients, Path(snakemake.output.rows))  # noqa: F821
