# mdm2screen: MDM2-amplified / TP53 wild-type eligibility screening.
#
#   snakemake --cores 8                          # demo cohort (config/config.yaml)
#   snakemake --cores 8 --configfile other.yaml  # any cohort
#
# Rules are thin: each calls the mdm2screen package (src/mdm2screen/). Read
# workflow/rules/common.smk for how the cohort is loaded and split into batches.

from snakemake.utils import min_version

from mdm2screen.workflow_hooks import end_of_run

min_version("9.0")


include: "workflow/rules/common.smk"
include: "workflow/rules/screen.smk"
include: "workflow/rules/summary.smk"


rule all:
    default_target: True
    input:
        rules.cohort_summary.output,
        [path for paths in MISSING_REPORTS.values() for path in paths],
        patient_report_folder(),


# Without this every run lingers up to a second after its last job, and another quarter of a second
# while Python collects garbage it is about to hand back anyway (mdm2screen/workflow_hooks.py).
onsuccess:
    end_of_run()


onerror:
    end_of_run()
