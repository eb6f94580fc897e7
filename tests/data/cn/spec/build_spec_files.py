"""Write the specification-built copy-number test files in this folder (run once; output is committed).

No public example of these outputs was found (see /work/shared/testdata/INVENTORY.md, section 3),
so each file is built exactly to the caller's documented layout; the specification is cited
above each writer and again in tests/test_cn_readers.py. Values are chosen to exercise the
reader and the gene-level rules (MDM2 amplified, TP53 neutral or deleted) and are not patient data.

    python tests/data/cn/spec/build_spec_files.py
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = Path(__file__).resolve().parents[4] / "resources" / "reference" / "chrom_sizes.tsv"


def chrom_sizes(build: str) -> dict[str, int]:
    with open(SIZES, newline="") as handle:
        return {row["chrom"]: int(row[build]) for row in csv.DictReader(handle, delimiter="\t")}


def write(name: str, lines: list[str]) -> None:
    (HERE / name).write_text("\n".join(lines) + "\n")


def sam_header(build: str, prefix: str, sample: str | None) -> list[str]:
    """GATK SampleLocatableMetadata header: @HD, the sequence dictionary (@SQ), @RG with SM."""
    out = ["@HD\tVN:1.6"]
    for chrom, length in chrom_sizes(build).items():
        name = f"{prefix}{'M' if chrom == 'MT' and prefix else chrom}"
        out.append(f"@SQ\tSN:{name}\tLN:{length}")
    if sample:
        out.append(f"@RG\tID:GATKCopyNumber\tSM:{sample}")
    return out


def gatk_files() -> None:
    # GATK ModeledSegmentCollection (ModelSegments *.modelFinal.seg), GRCh38, chr-prefixed.
    cols = ("CONTIG START END NUM_POINTS_COPY_RATIO NUM_POINTS_ALLELE_FRACTION LOG2_COPY_RATIO_POSTERIOR_10 "
            "LOG2_COPY_RATIO_POSTERIOR_50 LOG2_COPY_RATIO_POSTERIOR_90 MINOR_ALLELE_FRACTION_POSTERIOR_10 "
            "MINOR_ALLELE_FRACTION_POSTERIOR_50 MINOR_ALLELE_FRACTION_POSTERIOR_90").split()
    rows = [
        "chr1\t10001\t120000000\t9120\t1430\t-0.041\t-0.012\t0.017\t0.461\t0.482\t0.497",
        # Only allele-fraction points here: GATK writes NaN copy-ratio posteriors (no copy-ratio evidence).
        "chr1\t143200001\t143900000\t0\t58\tNaN\tNaN\tNaN\t0.402\t0.438\t0.471",
        "chr12\t10001\t68700000\t5210\t812\t-0.052\t-0.021\t0.009\t0.468\t0.488\t0.499",
        "chr12\t68750001\t68900000\t42\t6\t2.851\t2.912\t2.973\t0.284\t0.331\t0.379",
        "chr12\t68950001\t133265309\t4013\t705\t-0.044\t-0.013\t0.018\t0.463\t0.485\t0.498",
        "chr17\t10001\t83247441\t6120\t911\t-0.031\t0.002\t0.034\t0.459\t0.481\t0.497",
    ]
    write("gatk_tumor.modelFinal.seg", sam_header("GRCh38", "chr", "TUMOR_GATK") + ["\t".join(cols)] + rows)

    # GATK CalledCopyRatioSegmentCollection (CallCopyRatioSegments *.called.seg), GRCh37, no prefix.
    cols = "CONTIG START END NUM_POINTS_COPY_RATIO MEAN_LOG2_COPY_RATIO CALL".split()
    rows = [
        "12\t60001\t69150000\t5003\t-0.018\t0",
        "12\t69150001\t69300000\t31\t0.584\t+",
        "12\t69300001\t133841895\t4120\t0.011\t0",
        "17\t60001\t81195210\t6233\t-0.027\t0",
    ]
    write("gatk_tumor.called.seg", sam_header("GRCh37", "", "TUMOR_CALLED") + ["\t".join(cols)] + rows)

    # GATK CopyRatioSegmentCollection (ModelSegments *.cr.seg), GRCh37.
    cols = "CONTIG START END NUM_POINTS_COPY_RATIO MEAN_LOG2_COPY_RATIO".split()
    rows = ["12\t60001\t69150000\t5003\t-0.018", "12\t69150001\t69300000\t31\t3.102",
            "12\t69300001\t133841895\t4120\t0.011"]
    write("gatk_tumor.cr.seg", sam_header("GRCh37", "", "TUMOR_CR") + ["\t".join(cols)] + rows)


def dragen_files() -> None:
    # DRAGEN somatic CNV VCF (help.dragen.illumina.com, "CNV Output" / "Somatic CNV VCF Output").
    sizes = chrom_sizes("GRCh38")
    header = [
        "##fileformat=VCFv4.2",
        "##source=DRAGEN_CNV",
        "##ModelSource=DEPTH+BAF",
        "##EstimatedTumorPurity=0.620000",
        "##DiploidCoverage=41.500000",
        "##OverallPloidy=2.050000",
        "##reference=file:///staging/reference/hg38_alt_masked_cnv",
        *[f"##contig=<ID=chr{c if c != 'MT' else 'M'},length={n}>" for c, n in sizes.items()],
        '##ALT=<ID=CNV,Description="Copy number variant region">',
        '##ALT=<ID=DEL,Description="Deletion relative to the reference">',
        '##ALT=<ID=DUP,Description="Region of elevated copy number relative to the reference">',
        '##INFO=<ID=REFLEN,Number=1,Type=Integer,Description="Number of REF positions included in this record">',
        '##INFO=<ID=SVLEN,Number=.,Type=Integer,Description="Difference in length between REF and ALT alleles">',
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant described in this record">',
        '##FILTER=<ID=cnvQual,Description="CNV with quality below 10">',
        '##FILTER=<ID=cnvCopyRatio,Description="CNV with copy ratio within +/- 0.2 of 1.0">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=SM,Number=1,Type=Float,Description="Linear copy ratio of the segment mean">',
        '##FORMAT=<ID=CN,Number=1,Type=Integer,Description="Estimated copy number">',
        '##FORMAT=<ID=BC,Number=1,Type=Integer,Description="Number of bins in the region">',
        '##FORMAT=<ID=PE,Number=2,Type=Integer,Description="Number of improperly paired end reads at start and '
        'stop breakpoints">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR_DRAGEN",
    ]
    c12, c17 = sizes["12"], sizes["17"]

    def rec(chrom: str, pos: int, end: int, kind: str, alt: str, qual: str, filt: str, sample: str) -> str:
        info = f"END={end};REFLEN={end - pos + 1}"
        if alt != ".":
            sign = "-" if alt == "<DEL>" else ""
            info = f"SVLEN={sign}{end - pos + 1};SVTYPE=CNV;" + info
        ident = f"DRAGEN:{kind}:{chrom}:{pos}-{end}"
        return f"{chrom}\t{pos}\t{ident}\tN\t{alt}\t{qual}\t{filt}\t{info}\tGT:SM:CN:BC:PE\t{sample}"

    records = [
        rec("chr1", 1000001, 1500000, "GAIN", "<DUP>", "3", "cnvQual", "1:1.610:4:41:0,0"),
        rec("chr2", 1, 10000, "REF", ".", ".", "PASS", "0:.:.:.:.,."),
        rec("chr12", 1, 68700000, "REF", ".", ".", "PASS", "0:1.010:2:68000:0,0"),
        # CN 14 at purity 0.62 corresponds to SM (14 * 0.62 + 2 * 0.38) / 2 = 4.72 (CNVkit/Illumina rescaling).
        rec("chr12", 68700001, 68900000, "GAIN", "<DUP>", "150", "PASS", "1:4.720:14:200:6,4"),
        rec("chr12", 68900001, c12, "REF", ".", ".", "PASS", "0:0.990:2:64000:0,0"),
        rec("chr17", 1, 7600000, "REF", ".", ".", "PASS", "0:1.000:2:7600:0,0"),
        rec("chr17", 7600001, 7700000, "LOSS", "<DEL>", "60", "PASS", "1:0.690:1:100:2,1"),
        rec("chr17", 7700001, c17, "REF", ".", ".", "PASS", "0:1.000:2:75000:0,0"),
    ]
    write("dragen_tumor.cnv.vcf", header + records)

    # TruSight Tumor 170 / TSO500 "Copy Number Variants VCF": one record per amplification gene,
    # <DUP> above the gene's cut-off, ALT '.' for reference calls; FC = fold change vs diploid.
    sizes37 = chrom_sizes("GRCh37")
    header = [
        "##fileformat=VCFv4.1",
        "##source=DRAGEN_CNV",
        *[f"##contig=<ID=chr{c if c != 'MT' else 'M'},length={n}>" for c, n in sizes37.items()],
        '##ALT=<ID=DUP,Description="Gene amplification">',
        '##ALT=<ID=DEL,Description="Gene deletion">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant described in this record">',
        '##INFO=<ID=ANT,Number=1,Type=String,Description="Gene">',
        '##FILTER=<ID=LowValidation,Description="DEL calls are only validated in silico">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=FC,Number=1,Type=Float,Description="Fold change">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTST_SAMPLE",
    ]
    records = [
        "chr7\t116312444\t.\tN\t<DUP>\t43\tPASS\tEND=116438440;ANT=MET\tGT:FC\t./1:2.2",
        "chr12\t58141510\t.\tN\t.\t30\tPASS\tEND=58146304;ANT=CDK4\tGT:FC\t./.:1.03",
        "chr12\t69201956\t.\tN\t<DUP>\t61\tPASS\tEND=69239320;ANT=MDM2\tGT:FC\t./1:5.8",
    ]
    write("tst_sample_CopyNumberVariants.vcf", header + records)


def sequenza_file() -> None:
    # cran/sequenza R/workflows.R, sequenza.results(): write.table(seg.res, ..., sep = "\t") -> quoted
    # header and quoted character columns (chromosome); GRCh37 positions from the seqz file.
    header = '"chromosome"\t"start.pos"\t"end.pos"\t"Bf"\t"N.BAF"\t"sd.BAF"\t"depth.ratio"\t"N.ratio"\t' \
             '"sd.ratio"\t"CNt"\t"A"\t"B"\t"LPP"'
    rows = [
        '"12"\t60179\t68950123\t0.4712\t4120\t0.0914\t1.0031\t60311\t0.2541\t2\t1\t1\t-11.52',
        '"12"\t68951400\t69410876\t0.1283\t41\t0.0822\t3.9877\t388\t0.3012\t12\t11\t1\t-9.87',
        '"12"\t69412011\t133779461\t0.4688\t5230\t0.0933\t0.9987\t70215\t0.2499\t2\t1\t1\t-11.48',
        '"17"\t6128\t7578000\t0.4801\t420\t0.0902\t0.9912\t5312\t0.2511\t2\t1\t1\t-11.02',
        # A homozygous deletion over the 5' half of TP53 (GRCh37 7,571,720-7,590,856).
        '"17"\t7578100\t7585000\t0\t0\t0\t0.1011\t21\t0.1998\t0\t0\t0\t-7.12',
        '"17"\t7585050\t81188023\t0.4777\t5012\t0.0911\t1.0012\t64022\t0.2520\t2\t1\t1\t-11.31',
    ]
    write("sequenza_sample_segments.txt", [header, *rows])


def bed_files() -> None:
    # UCSC BED: chromStart 0-based, chromEnd exclusive; copy number in column 4 (documented in cn/bed.py).
    rows = ["chr12\t69201955\t69244466\t24", "chr12\t58141509\t58146304\t2.5", "chr17\t7571719\t7590856\t2"]
    write("bed_headerless.bed", rows)
    write("bed_hash_header.bed", ["#chrom\tstart\tend\tcopy_number", *rows])
    # A plain table with a header and no 0-based marker: 1-based inclusive as written.
    write("bed_one_based.tsv", ["chrom\tstart\tend\tcopy_number", "12\t69201956\t69244466\t24",
                                "12\t58141510\t58146304\t2.5", "17\t7571720\t7590856\t2"])


if __name__ == "__main__":
    gatk_files()
    dragen_files()
    sequenza_file()
    bed_files()
