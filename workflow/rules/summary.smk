rule cohort_summary:
    input:
        rows=[f"{OUTDIR}/batches/{batch.id}.tsv" for batch in BATCHES],
    output:
        tsv=report(
            f"{OUTDIR}/cohort/summary.tsv",
            caption="../report/summary.rst",
            category="Cohort summary",
        ),
        html=report(
            f"{OUTDIR}/cohort/summary.html",
            caption="../report/summary.rst",
            category="Cohort summary",
        ),
        csv=f"{OUTDIR}/cohort/summary.csv",
        xlsx=report(
            f"{OUTDIR}/cohort/summary.xlsx",
            caption="../report/summary.rst",
            category="Cohort summary",
        ),
        cn_plot=report(
            f"{OUTDIR}/cohort/mdm2_cn_by_tp53.svg",
            caption="../report/plots.rst",
            category="Cohort summary",
        ),
        status_plot=report(
            f"{OUTDIR}/cohort/status_counts.svg",
            caption="../report/plots.rst",
            category="Cohort summary",
        ),
    log:
        f"{OUTDIR}/logs/cohort_summary.log",
    conda:
        "../envs/summary.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        # Found while planning the run, so that this job does not read the sample sheets again:
        # cohort-level problems (e.g. IHC rows naming unknown patients), listed in the summary,
        # and the samples whose GISTIC calls the summary compares with mdm2screen's.
        problems=PROBLEMS,
        gistic=GISTIC_SAMPLES,
        arms_sha256=ARMS_SHA256,
    script:
        "../scripts/summarize.py"
