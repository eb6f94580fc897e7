# Load and validate the configuration, sample sheet(s), IHC table and arms file before any
# work: every problem is listed at once and the run stops (mdm2screen.pipeline.prepare).
import sys
import pandas as pd
from pathlib import Path

import yaml
from snakemake.utils import validate

from mdm2screen.errors import ConfigError
from mdm2screen.pipeline import prepare
from mdm2screen.sheet import sheet_paths

# Without --configfile/--config the demo cohort runs. Loaded here rather than with the
# `configfile:` directive so that keys left out of another cohort's file (e.g. `ihc`) take
# schema defaults instead of the demo's values.
if not config:
    with open(Path(workflow.basedir) / "config" / "config.yaml") as handle:
        config.update(yaml.safe_load(handle))

validate(config, "../schemas/config.schema.yaml")

try:
    COHORT = prepare(dict(config), source="config")
except ConfigError as error:
    sys.exit(f"mdm2screen: {error}")

for _sheet in sheet_paths(config["samples"]):
    validate(
        pd.read_csv(_sheet, sep="\t", dtype=str, comment="#").fillna(""),
        "../schemas/samples.schema.yaml",
    )

OUTDIR = str(COHORT.outdir)
BATCHES = COHORT.batches()
CONFIG_INPUTS = [str(p) for p in COHORT.sheets] + [str(COHORT.settings.arms_file)]
if COHORT.settings["ihc"]:
    CONFIG_INPUTS.append(str(COHORT.settings["ihc"]))
CONFIG_INPUTS += [str(p) for p in COHORT.settings["assays"].values()]


def patient_outputs(batch, suffix):
    return [f"{OUTDIR}/patients/{pid}{suffix}" for pid in batch.patients]
