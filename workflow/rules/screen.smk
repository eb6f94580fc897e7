# One job per batch of patients (config `batch_size`): one Python process screens the whole
# batch, with `batch_threads` worker processes, and writes one JSON and one HTML report per
# patient, so 10,000 samples cost tens of jobs, not 10,000 interpreter start-ups. Its declared
# outputs are the batch table and any of its reports that are missing (common.smk,
# MISSING_REPORTS). Batches are fixed at parse time from the sample sheets
# (pipeline.Cohort.batches: per sheet, so a new sheet adds batches and leaves the others alone),
# hence one rule per batch, named screen_<sheet>_b<n>.
#
# The batch's data files are tracked through `params.fingerprint` (their size and modification
# time, with the sheet and IHC rows, the config and the arms file's text) and the assays' target
# BEDs through `params.assay_files` (their content), rather than as inputs: Snakemake records a
# checksum of every input for every output.
for _batch in BATCHES:

    rule:
        name:
            f"screen_{_batch.id}"
        input:
            # The extracts of the shared files its samples read (shared.smk), loaded in the job.
            extracts=BATCH_EXTRACTS[_batch.id],
        output:
            rows=f"{OUTDIR}/batches/{_batch.id}.tsv",
            reports=MISSING_REPORTS[_batch.id],
        log:
            f"{OUTDIR}/logs/screen/{_batch.id}.log",
        group:
            "screen"
        conda:
            "../envs/screen.yaml"
        threads: BATCH_THREADS
        resources:
            mem_mb=1000,
            runtime=30,
        params:
            patients=_batch.patients,
            fingerprint=_batch.fingerprint,
            assay_files=ASSAY_FILES,
            arms_sha256=ARMS_SHA256,
        script:
            "../scripts/screen_batch.py"
