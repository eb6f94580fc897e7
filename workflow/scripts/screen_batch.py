"""Snakemake script: screen one batch of patients (see workflow/rules/screen.smk)."""

import logging
import sys
from pathlib import Path

# Import the package from this checkout whichever Python runs the script (venv, conda env).
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # noqa: F821

from mdm2screen.pipeline import prepare, run_batch  # noqa: E402

logging.basicConfig(
    filename=snakemake.log[0],  # noqa: F821 - injected by Snakemake
    level=logging.INFO,
    format="%(asctime)s %(levelname)s %(message)s",
)
patients = list(snakemake.params.patients)  # noqa: F821
# Only this batch's patients: Snakemake's main process validated the whole cohort before any job.
cohort = prepare(
    dict(snakemake.config),  # noqa: F821
    source="config",
    patients=patients,
    validated_arms_sha256=snakemake.params.arms_sha256,  # noqa: F821
)
run_batch(cohort, patients, Path(snakemake.output.rows), jobs=snakemake.threads)  # noqa: F821
