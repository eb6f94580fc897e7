# Load and validate the configuration, sample sheet(s), IHC table and arms file before any
# work: every problem is listed at once and the run stops (mdm2screen.pipeline.prepare).
import os
import sys

import pandas as pd
import yaml
from snakemake.utils import validate

from mdm2screen.errors import ConfigError
from mdm2screen.fileio import sha256_file
from mdm2screen.paths import schema_path
from mdm2screen.pipeline import gistic_samples, prepare, shared_files

# Without --configfile/--config the demo cohort runs (a deployment passes its own config). Loaded
# here rather than with the `configfile:` directive so that keys left out of another cohort's file
# (e.g. `ihc`) take schema defaults instead of the demo's values. The file is the workflow's own,
# found next to this one; the paths in it are relative to the working folder, as in any config.
if not config:
    with open(workflow.source_path("../../config/config.yaml")) as handle:
        config.update(yaml.safe_load(handle))

# mdm2screen's own checks run first: they list every problem with file, line and column.
try:
    COHORT = prepare(dict(config), source="config")
except ConfigError as error:
    sys.exit(f"mdm2screen: {error}")

# The same rules as JSON Schemas, checked the Snakemake way. prepare() has already checked every
# row against them (with file and line in each message), so the schema sees the first row of each
# sheet: its columns and their types. Validating all rows again cost seconds at 10,000 samples.
# The schemas are the package's own (workflow/schemas/ links to them), the files prepare() used.
validate(config, str(schema_path("config.schema.yaml")))
_first_rows = {row.sheet: dict(row.raw) for row in reversed(COHORT.rows)}
validate(
    pd.DataFrame(list(_first_rows.values())).fillna(""),
    str(schema_path("samples.schema.yaml")),
)

OUTDIR = str(COHORT.outdir)
BATCHES = COHORT.batches()
BATCH_THREADS = COHORT.settings["batch_threads"]
WRITE_FHIR = COHORT.settings["outputs"]["fhir"]
PROBLEMS = COHORT.problems
GISTIC_SAMPLES = gistic_samples(COHORT.rows)
# The jobs take the configuration and arms file as validated here (while the arms file is
# unchanged) rather than importing the schema validator again in each of them.
ARMS_SHA256 = COHORT.arms.sha256
# The assays' target BEDs, by content: an edit re-decides everyone. (The arms file's text is
# already in every patient's fingerprint, with the configuration.) A param rather than inputs:
# Snakemake checksums every input again for each of a batch's hundreds of outputs when it records
# the job. Sample sheets and the IHC table are not among them either: each batch's
# params.fingerprint holds its own patients' rows, so a new sheet or an edited IHC row reruns only
# the batches it touches.
ASSAY_FILES = {
    str(path): sha256_file(path) for path in COHORT.settings["assays"].values()
}
# Files many samples read (a cohort MAF, a multi-sample SEG): each is parsed once, by its own
# rule (shared.smk), into an extract that each batch job loads only its samples' slices of.
SHARED_FILES = shared_files(COHORT)
_extract_of = {shared.source: str(shared.extract) for shared in SHARED_FILES}
BATCH_EXTRACTS = {
    batch.id: sorted(
        {
            _extract_of[os.fspath(path)]
            for pid in batch.patients
            for row in COHORT.patients[pid]
            for path in (row.cn_file, row.vcf)
            if path is not None and os.fspath(path) in _extract_of
        }
    )
    for batch in BATCHES
}
# The parsed cohort is not needed past this point; the batches hold what the rules use.
del COHORT, _first_rows, _extract_of


def missing_patient_reports(batch):
    """This batch's per-patient reports (JSON and HTML) that are not on disk, once it has run.

    A batch job writes a JSON and an HTML report for each of its patients, but declares as
    outputs only its table plus the reports that are missing: Snakemake writes an incomplete
    marker and a metadata record for every declared output, which for 2 reports per patient
    cost more main-process time at N = 1,000 than the whole floor baseline (benchmarks/README.md).
    A missing report is declared, and `all` asks for it, so a deleted report is written again
    by its batch alone. Before a batch's first run nothing is listed: its table is missing, so
    it runs anyway.
    """
    if not os.path.exists(f"{OUTDIR}/batches/{batch.id}.tsv"):
        return []
    reports = (
        f"{OUTDIR}/patients/{pid}{suffix}"
        for pid in batch.patients
        for suffix in (".json", ".html")
    )
    return [path for path in reports if not os.path.exists(path)]


# Looked up once per parse: the batch rules declare them and rule `all` asks for them.
MISSING_REPORTS = {batch.id: missing_patient_reports(batch) for batch in BATCHES}


def patient_report_folder():
    """The per-patient HTML reports for `snakemake --report`, one entry per `<patient>.html`.

    The reports are not outputs of the batch jobs (see missing_patient_reports), so rule `all`
    takes their folder as an input marked for the report, with a file pattern; the folder exists
    once any batch has run, which is when there is something to report.
    """
    folder = f"{OUTDIR}/patients"
    if not os.path.isdir(folder):
        return []
    # Assigned first: Snakemake's parser reads `report` at the start of a line as its directive.
    # The caption's path is relative to workflow/Snakefile, where `all` asks for this folder.
    # Snakemake reads a caption relative to the file defining the rule that uses it, in a clone
    # as in a module fetched with github(...); workflow.basedir is the deploying workflow's folder.
    marked = report(
        folder,
        patterns=["{patient}.html"] + (["{patient}.fhir.json"] if WRITE_FHIR else []),
        caption="report/patient.rst",
        category="Patient reports",
        labels={"patient": "{patient}"},
    )
    return [marked]
