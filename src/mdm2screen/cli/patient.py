"""``mdm2screen patient``: screen one patient ad hoc, with the same code path as a cohort (API: ``adhoc.screen_one``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import DEFAULT_CONFIG, EXIT_OK, add_config_arguments

NAME = "patient"
HELP = "screen one patient from its files, print the decision per arm, write its reports"
DESCRIPTION = (
    "Screen one patient from its copy-number and variant files: the same code path as a cohort run. "
    "Writes a one-row sample sheet (and IHC table) to OUT/input/, the reports to OUT/patients/, and "
    "prints the decision per arm with every criterion's evidence. A data file that cannot be used makes "
    "the patient INDETERMINATE (exit 0); a value the sample sheet or IHC table cannot hold stops (exit 2). "
    "Settings: --config, else config/config.yaml when there is one, else every default; the configuration's "
    "samples, ihc and outdir are replaced by this patient's files and --out."
)
EPILOG = """example:
  mdm2screen patient --cn tumour.cns --vcf tumour.vcf.gz --build GRCh38 --out one_patient
  mdm2screen patient --cn NB-S-599-T.purple.cnv.somatic.tsv --vcf somatic.vcf.gz --build GRCh38 \\
      --gene-panel WGS --ihc-mdm2 positive --ihc-p53 wild_type_pattern --arm mdm2_inhibitor
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    files = parser.add_argument_group("the tumour sample (sample sheet columns; see the README)")
    files.add_argument("--cn", required=True, metavar="FILE", help="copy-number calls, any supported format")
    files.add_argument("--vcf", required=True, metavar="FILE", help="somatic variants: VCF (plain or bgzipped) or MAF")
    files.add_argument("--build", required=True, help="genome build: GRCh37 or GRCh38 (hg19/hg38 accepted)")
    files.add_argument("--patient-id", help="patient ID (default: the copy-number file's name up to its first '.')")
    files.add_argument("--sample-id", help="sample ID (default: the patient ID)")
    files.add_argument("--cn-format", help="copy-number format (default: detected from the file's content)")
    files.add_argument("--cn-sample", help="sample name inside a multi-sample segment file")
    files.add_argument("--tumor-sample", help="tumour column of a multi-sample VCF, or the MAF's Tumor_Sample_Barcode")
    files.add_argument("--purity", help="tumour purity (copy_number.min_plausible_purity to 1)")
    files.add_argument("--ploidy", help="tumour ploidy")
    files.add_argument("--tumor-type", help="tumour type (free text; arms may include or exclude types)")
    files.add_argument("--assay", help="assay name (config key assays: maps it to a target BED)")
    files.add_argument("--gene-panel", help="WES, WGS or a gene panel file: evidence that TP53 was sequenced")
    files.add_argument("--bam", metavar="FILE", help="indexed BAM/CRAM: TP53 coverage evidence")
    files.add_argument("--coverage", metavar="FILE", help="mosdepth per-base/regions BED.gz: TP53 coverage evidence")
    files.add_argument("--collection-date", help="sample collection date (YYYY-MM-DD)")
    ihc = parser.add_argument_group("IHC and FISH (IHC table; wording as in the README)")
    ihc.add_argument("--ihc-mdm2", metavar="RESULT", help="MDM2 IHC: positive, negative, equivocal, pending, not_done")
    ihc.add_argument(
        "--ihc-p53", metavar="RESULT", help="p53 IHC: wild_type_pattern, aberrant, null, overexpression, ..."
    )
    fish = ihc.add_mutually_exclusive_group()
    fish.add_argument("--fish", metavar="RESULT", help="MDM2 FISH: amplified, not_amplified, equivocal, ...")
    fish.add_argument("--fish-ratio", metavar="RATIO", help="MDM2/CEP12 FISH ratio (scored with ihc_scoring)")
    ihc.add_argument(
        "--fish-signals",
        metavar="MDM2,CEP12",
        help="FISH mean signals per nucleus, MDM2 then CEP12 (gives the ratio; > 2 of both with ratio < 2 is polysomy)",
    )
    ihc.add_argument("--fish-nuclei", metavar="N", help="nuclei scored for the FISH result")
    parser.add_argument(
        "--arm",
        action="append",
        default=[],
        metavar="ARM_ID",
        help="print only this arm (repeatable; default: every arm). The reports hold every arm",
    )
    parser.add_argument(
        "--out", default="mdm2screen_patient", metavar="DIR", help="output folder (default: %(default)s)"
    )
    parser.add_argument("--json", action="store_true", help="print the JSON report instead of the summary")
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    # Imported on use: building the parser (`mdm2screen --help`, any command) must not load the screening stack.
    from ..adhoc import PatientInput, screen_one, summary_text

    config: str | None = args.config
    if args.config == DEFAULT_CONFIG and not Path(DEFAULT_CONFIG).is_file():
        # Unlike a cohort, one patient needs no configuration file: without one, every default.
        config = None
    patient = PatientInput(
        cn_file=args.cn,
        vcf=args.vcf,
        build=args.build,
        patient_id=args.patient_id,
        sample_id=args.sample_id,
        cn_format=args.cn_format,
        cn_sample=args.cn_sample,
        tumor_sample=args.tumor_sample,
        purity=args.purity,
        ploidy=args.ploidy,
        assay=args.assay,
        collection_date=args.collection_date,
        tumor_type=args.tumor_type,
        bam=args.bam,
        coverage=args.coverage,
        gene_panel=args.gene_panel,
        ihc_mdm2=args.ihc_mdm2,
        ihc_p53=args.ihc_p53,
        fish=args.fish,
        fish_ratio=args.fish_ratio,
        fish_signals=args.fish_signals,
        fish_nuclei=args.fish_nuclei,
    )
    result = screen_one(patient, args.out, config=config, overrides=args.set, arms=args.arm)
    if args.json:
        sys.stdout.write(result.json_report.read_text())
    else:
        sys.stdout.write(summary_text(result))
    return EXIT_OK
