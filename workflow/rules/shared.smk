# One job per shared file (a cohort MAF or a multi-sample SEG that several sample rows read): it
# parses the file as screening reads it, once, into OUTDIR/shared/<name>.extract
# (mdm2screen.sharedfiles), and every batch job naming the file loads only its own samples' slices.
# The source is the rule's input, so an edited, appended or touched file is parsed again, and the
# batches that read it rerun. Extracts are checked against the source's size and modification
# time when loaded: a stale one is ignored and the source parsed instead.
for _index, _shared in enumerate(SHARED_FILES):

    rule:
        name:
            f"extract_shared_{_index}"
        input:
            source=_shared.source,
        output:
            extract=str(_shared.extract),
        log:
            f"{OUTDIR}/logs/shared/{_shared.extract.stem}.log",
        conda:
            "../envs/screen.yaml"
        resources:
            mem_mb=4000,
            runtime=60,
        params:
            patients=_shared.patients,
            arms_sha256=ARMS_SHA256,
        script:
            "../scripts/extract_shared.py"
