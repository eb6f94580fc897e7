# Load and validate the configuration, sample sheet(s), IHC table and arms file before any
# work: every problem is listed at once and the run stops (mdm2screen.pipeline.prepare).
import os
import sys
from pathlib import Path

import pandas as pd
import yaml
from snakemake.utils import validate

from mdm2screen.errors import ConfigError
from mdm2screen.fileio import sha256_file
from mdm2screen.pipeline import prepare

# Without --configfile/--config the demo cohort runs. Loaded here rather than with the
# `configfile:` directive so that keys left out of another cohort's file (e.g. `ihc`) take
# schema defaults instead of the demo's values.
if not config:
    with open(Path(workflow.basedir) / "config" / "config.yaml") as handle:
        config.update(yaml.safe_load(handle))

# mdm2screen's own checks run first: they list every problem with file, line and column.
try:
    COHORT = prepare(dict(config), source="config")
except ConfigError as error:
    sys.exit(f"mdm2screen: {error}")

# The same rules as JSON Schemas, checked the Snakemake way. prepare() has already checked every
# row against them (with file and line in each message), so the schema sees the first row of each
# sheet: its columns and their types. Validating all rows again cost seconds at 10,000 samples.
validate(config, "../schemas/config.schema.yaml")
_first_rows = {row.sheet: dict(row.raw) for row in reversed(COHORT.rows)}
validate(
    pd.DataFrame(list(_first_rows.values())).fillna(""),
    "../schemas/samples.schema.yaml",
)

OUTDIR = str(COHORT.outdir)
BATCHES = COHORT.batches()
PROBLEMS = COHORT.problems
# The assays' target BEDs, by content: an edit re-decides everyone. (The arms file's text is
# already in every patient's fingerprint, with the configuration.) A param rather than inputs:
# Snakemake checksums every input again for each of a batch's hundreds of outputs when it records
# the job. Sample sheets and the IHC table are not among them either: each batch's
# params.fingerprint holds its own patients' rows, so a new sheet or an edited IHC row reruns only
# the batches it touches.
ASSAY_FILES = {
    str(path): sha256_file(path) for path in COHORT.settings["assays"].values()
}
# The parsed cohort is not needed past this point; the batches hold what the rules use.
del COHORT, _first_rows


def patient_outputs(batch, suffix):
    return [f"{OUTDIR}/patients/{pid}{suffix}" for pid in batch.patients]


def missing_patient_outputs():
    """Per-patient reports not on disk: new patients, or a report someone deleted.

    Snakemake reruns a job for a missing output only when another job or the target asks for
    that file. Asking for all 20,000 reports of a 10,000-patient cohort in rule `all` cost
    seconds of DAG building (Snakemake matches each requested file against its producer's
    outputs one by one), so `all` asks for the summary (which needs every batch table) plus the
    reports that are missing from batches whose table exists (a batch without its table runs
    anyway, so on a first run nothing is listed).
    """
    return [
        path
        for batch in BATCHES
        if os.path.exists(f"{OUTDIR}/batches/{batch.id}.tsv")
        for suffix in (".json", ".html")
        for path in patient_outputs(batch, suffix)
        if not os.path.exists(path)
    ]
