"""Snakemake script: parse one shared file into its extract (see workflow/rules/shared.smk)."""

import sys
from pathlib import Path

# Import the package from this checkout whichever Python runs the script (venv, conda env).
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # noqa: F821

from mdm2screen import runlog  # noqa: E402
from mdm2screen.pipeline import prepare, write_shared_extract  # noqa: E402

source = snakemake.input.source  # noqa: F821 - injected by Snakemake
with runlog.job_log(snakemake.log[0], f"shared file {Path(source).name}") as job:  # noqa: F821
    # Only the patients whose reads the extract holds: the main process validated the whole cohort.
    cohort = prepare(
        dict(snakemake.config),  # noqa: F821
        source="config",
        patients=list(snakemake.params.patients),  # noqa: F821
        validated_arms_sha256=snakemake.params.arms_sha256,  # noqa: F821
    )
    extract = write_shared_extract(cohort, source)
    job.complete(f"{source} -> {extract}")
