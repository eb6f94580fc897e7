# Load and validate the configuration, sample sheet(s), IHC table and arms file before any
# work: every problem is listed at once and the run stops (mdm2screen.pipeline.prepare).
import sys
from pathlib import Path

import pandas as pd
import yaml
from snakemake.utils import validate

from mdm2screen.errors import ConfigError
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

# The same rules as JSON Schemas, checked the Snakemake way.
validate(config, "../schemas/config.schema.yaml")
validate(
    pd.DataFrame([dict(row.raw) for row in COHORT.rows]).fillna(""),
    "../schemas/samples.schema.yaml",
)

OUTDIR = str(COHORT.outdir)
BATCHES = COHORT.batches()
# Files whose change re-decides everyone. Sample sheets and the IHC table are not among them:
# each batch's params.fingerprint holds its own patients' rows, so a new sheet or an edited IHC
# row reruns only the batches it touches.
CONFIG_INPUTS = [str(COHORT.settings.arms_file)]
CONFIG_INPUTS += [str(p) for p in COHORT.settings["assays"].values()]


def patient_outputs(batch, suffix):
    return [f"{OUTDIR}/patients/{pid}{suffix}" for pid in batch.patients]
