"""Snakemake script: screen one batch of patients (see workflow/rules/screen.smk).

Its log (the rule's ``log:``, OUTDIR/logs/screen/<batch>.log) gets a header, every warning, one line
per patient and, last, ``batch <id> complete: ...`` (mdm2screen.runlog).
"""

import sys
from pathlib import Path

# Import the package from this checkout whichever Python runs the script (venv, conda env).
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # noqa: F821

from mdm2screen import runlog  # noqa: E402
from mdm2screen.pipeline import prepare, run_batch  # noqa: E402

rows = Path(snakemake.output.rows)  # noqa: F821 - injected by Snakemake
batch_id = rows.stem  # the table is OUTDIR/batches/<batch id>.tsv
patients = list(snakemake.params.patients)  # noqa: F821
with runlog.job_log(snakemake.log[0], f"batch {batch_id}") as job:  # noqa: F821
    # Only this batch's patients: Snakemake's main process validated the whole cohort before any job.
    cohort = prepare(
        dict(snakemake.config),  # noqa: F821
        source="config",
        patients=patients,
        validated_arms_sha256=snakemake.params.arms_sha256,  # noqa: F821
    )
    run_batch(cohort, patients, rows, jobs=snakemake.threads, job_log=job)  # noqa: F821
