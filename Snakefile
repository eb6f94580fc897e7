# mdm2screen's workflow is workflow/Snakefile, where Snakemake and snakedeploy look for it. This
# file only keeps `snakemake --snakefile Snakefile` (and the tools and tests that name it) working:
# Snakemake picks ./Snakefile before ./workflow/Snakefile, so it must be the same workflow.


include: "workflow/Snakefile"


# An included file's `default_target: True` does not carry over to the file including it
# (Workflow.include restores the includer's default target), so name it here.
workflow.default_target = "all"
