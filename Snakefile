# mdm2screen: MDM2-amplified / TP53 wild-type eligibility screening.
#
#   snakemake --cores 8                          # demo cohort (config/config.yaml)
#   snakemake --cores 8 --configfile other.yaml  # any cohort
#
# Rules are thin: each calls the mdm2screen package (src/mdm2screen/). Read
# workflow/rules/common.smk for how the cohort is loaded and split into batches.

from snakemake.utils import min_version

min_version("9.0")


include: "workflow/rules/common.smk"
include: "workflow/rules/screen.smk"
include: "workflow/rules/summary.smk"


rule all:
    default_target: True
    input:
        rules.cohort_summary.output,
        missing_patient_outputs(),
