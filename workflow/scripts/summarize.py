"""Snakemake script: merge batch tables into the cohort summary (see workflow/rules/summary.smk).

Its log (the rule's ``log:``, OUTDIR/logs/cohort_summary.log) ends with ``cohort summary complete``
(mdm2screen.runlog).
"""

import sys
from pathlib import Path

# Import the package from this checkout whichever Python runs the script (venv, conda env).
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))  # noqa: F821

from mdm2screen import runlog  # noqa: E402
from mdm2screen.pipeline import summarize_planned  # noqa: E402

with runlog.job_log(snakemake.log[0], "cohort summary") as job:  # noqa: F821 - injected by Snakemake
    tables = [Path(p) for p in snakemake.input.rows]  # noqa: F821
    for problem in snakemake.params.problems:  # noqa: F821 - found while planning; listed in the summary too
        runlog.log.warning("%s", problem)
    written = summarize_planned(
        dict(snakemake.config),  # noqa: F821
        tables,
        arms_sha256=snakemake.params.arms_sha256,  # noqa: F821
        problems=list(snakemake.params.problems),  # noqa: F821
        gistic=snakemake.params.gistic,  # noqa: F821
    )
    for name, path in written.items():
        job.info("wrote %s: %s", name, path)
    job.complete(f"{len(tables)} batch table(s), {len(written)} file(s) written")
