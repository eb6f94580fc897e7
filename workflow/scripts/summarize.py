"""Snakemake script: merge batch tables into the cohort summary (see workflow/rules/summary.smk)."""

import logging
import sys
from pathlib import Path

# Import the package from this checkout whichever Python runs the script (venv, conda env).
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # noqa: F821

from mdm2screen.pipeline import summarize_planned  # noqa: E402

logging.basicConfig(
    filename=snakemake.log[0],  # noqa: F821 - injected by Snakemake
    level=logging.INFO,
    format="%(asctime)s %(levelname)s %(message)s",
)
written = summarize_planned(
    dict(snakemake.config),  # noqa: F821
    [Path(p) for p in snakemake.input.rows],  # noqa: F821
    arms_sha256=snakemake.params.arms_sha256,  # noqa: F821
    problems=list(snakemake.params.problems),  # noqa: F821
    gistic=snakemake.params.gistic,  # noqa: F821
)
for name, path in written.items():
    logging.info("wrote %s: %s", name, path)
