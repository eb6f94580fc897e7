"""Write the specification-built SV test VCFs in this folder (run once; the output is committed).

No public caller output with a breakend inside TP53 was found (/work/shared/testdata/INVENTORY.md,
section 4, "Searched for but not found"), so these files are written by hand to each caller's documented
VCF layout, cited above each writer and in ../ATTRIBUTION.md, and place TP53 events (GRCh37/GRCh38
exons: resources/reference/tp53_exons.tsv): an intron-1 breakend and deletions of coding exons. The
values exercise the reader; they are not patient data. Every file says so in a ##mdm2screen_note line.

    python tests/data/sv/spec/build_spec_files.py
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
TAB = "\t"
NOTE = "##mdm2screen_note=Built by hand for mdm2screen tests to the {what}; not caller output (tests/data/sv/ATTRIBUTION.md)"


def info(id_: str, number: str, type_: str, description: str) -> str:
    return f'##INFO=<ID={id_},Number={number},Type={type_},Description="{description}">'


def fmt(id_: str, number: str, type_: str, description: str) -> str:
    return f'##FORMAT=<ID={id_},Number={number},Type={type_},Description="{description}">'


def write(name: str, header: list[str], columns: list[str], records: list[list[object]]) -> None:
    fixed = ["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]
    lines = [*header, "#" + TAB.join([*fixed, *columns])]
    lines += [TAB.join(map(str, record)) for record in records]
    (HERE / name).write_text("\n".join(lines) + "\n")


def manta() -> None:
    """Manta somatic SVs (Manta user guide, github.com/Illumina/manta docs/userGuide/README.md: "VCF Sample
    Names" (columns named after the BAMs' read groups), "VCF INFO Fields", "VCF FORMAT Fields" (PR and SR:
    ref,alt), "VCF FILTER Fields" (MinSomaticScore); header lines as in Manta's demo somaticSV.vcf.gz).
    GRCh38, chr-prefixed."""
    header = [
        "##fileformat=VCFv4.1",
        "##fileDate=20240115",
        "##source=GenerateSVCandidates 1.6.0",
        "##reference=file:///refs/GRCh38/Homo_sapiens_assembly38.fasta",
        "##contig=<ID=chr12,length=133275309>",
        "##contig=<ID=chr17,length=83257441>",
        NOTE.format(what="Manta user guide"),
        info("IMPRECISE", "0", "Flag", "Imprecise structural variation"),
        info("SVTYPE", "1", "String", "Type of structural variant"),
        info("SVLEN", ".", "Integer", "Difference in length between REF and ALT alleles"),
        info("END", "1", "Integer", "End position of the variant described in this record"),
        info("CIPOS", "2", "Integer", "Confidence interval around POS"),
        info("CIEND", "2", "Integer", "Confidence interval around END"),
        info("CIGAR", "A", "String", "CIGAR alignment for each alternate indel allele"),
        info("MATEID", ".", "String", "ID of mate breakend"),
        info("EVENT", "1", "String", "ID of event associated to breakend"),
        info("HOMLEN", ".", "Integer", "Length of base pair identical homology at event breakpoints"),
        info("HOMSEQ", ".", "String", "Sequence of base pair identical homology at event breakpoints"),
        info("BND_DEPTH", "1", "Integer", "Read depth at local translocation breakend"),
        info("MATE_BND_DEPTH", "1", "Integer", "Read depth at remote translocation mate breakend"),
        info("SOMATIC", "0", "Flag", "Somatic mutation"),
        info("SOMATICSCORE", "1", "Integer", "Somatic variant quality score"),
        fmt("PR", ".", "Integer", "Spanning paired-read support for the ref and alt alleles in the order listed"),
        fmt(
            "SR",
            ".",
            "Integer",
            "Split reads for the ref and alt alleles in the order listed, for reads where P(allele|read)>0.999",
        ),
        '##FILTER=<ID=MinSomaticScore,Description="Somatic score is less than 30">',
        '##ALT=<ID=DEL,Description="Deletion">',
        '##ALT=<ID=INS,Description="Insertion">',
        '##ALT=<ID=DUP:TANDEM,Description="Tandem Duplication">',
        "##cmdline=/opt/manta/bin/configManta.py --normalBam=/data/P01_N.bam --tumorBam=/data/P01_T.bam "
        "--referenceFasta=/refs/GRCh38/Homo_sapiens_assembly38.fasta --runDir=P01_manta",
    ]
    deleted = "G" + "CCTCTGATTC" * 6  # 61 bases: POS's base and the 60 deleted (htslib does not check REF)
    records: list[list[object]] = [
        # chr12 side of the TP53 intron-1 translocation (VCF 4.2, 5.4: ]p]t, the piece ending at p joined before t)
        ["chr12", 68900001, "MantaBND:100:0:1:0:0:0:1", "A", "]chr17:7680000]A", ".", "PASS",
         "SVTYPE=BND;MATEID=MantaBND:100:0:1:0:0:0:0;SOMATIC;SOMATICSCORE=87;BND_DEPTH=40;MATE_BND_DEPTH=38",
         "PR:SR", "35,0:30,0", "28,11:25,14"],
        # a 60-bp deletion in coding exon 7 written with sequence alleles (Manta's small deletions)
        ["chr17", 7674200, "MantaDEL:150:0:0:0:0:0", deleted, deleted[0], ".", "PASS",
         "END=7674260;SVTYPE=DEL;SVLEN=-60;CIGAR=1M60D;SOMATIC;SOMATICSCORE=71", "PR:SR", "41,0:39,0", "29,6:27,13"],
        # <DEL> removing coding exons 6 and 5
        ["chr17", 7674700, "MantaDEL:200:0:1:0:0:0", "C", "<DEL>", ".", "PASS",
         "END=7675400;SVTYPE=DEL;SVLEN=-700;CIPOS=0,2;CIEND=0,2;HOMLEN=2;HOMSEQ=TG;SOMATIC;SOMATICSCORE=64",
         "PR:SR", "40,0:38,0", "30,9:29,12"],
        # an imprecise deletion inside intron 4 (7,675,237-7,675,993), filtered for a low somatic score
        ["chr17", 7675500, "MantaDEL:300:0:1:0:0:0", "A", "<DEL>", ".", "MinSomaticScore",
         "END=7675700;SVTYPE=DEL;SVLEN=-200;IMPRECISE;CIPOS=-120,120;CIEND=-110,110;SOMATIC;SOMATICSCORE=12",
         "PR", "44,0", "39,3"],
        # chr17 side of the translocation, inside TP53 intron 1 (7,676,623-7,687,376; t[p[)
        ["chr17", 7680000, "MantaBND:100:0:1:0:0:0:0", "T", "T[chr12:68900001[", ".", "PASS",
         "SVTYPE=BND;MATEID=MantaBND:100:0:1:0:0:0:1;SOMATIC;SOMATICSCORE=87;BND_DEPTH=38;MATE_BND_DEPTH=40",
         "PR:SR", "33,0:31,0", "26,11:24,14"],
        # a deletion far from TP53
        ["chr17", 10000000, "MantaDEL:400:0:1:0:0:0", "G", "<DEL>", ".", "PASS",
         "END=10005000;SVTYPE=DEL;SVLEN=-5000;SOMATIC;SOMATICSCORE=55", "PR:SR", "30,0:28,0", "25,8:20,9"],
    ]  # fmt: skip
    write("manta_somatic_tp53.grch38.vcf", header, ["P01_N", "P01_T"], records)


def delly() -> None:
    """DELLY 1.x somatic SVs (github.com/dellytools/delly, src/util.h and src/delly.h header lines: CHR2/POS2
    "Genomic position for CHR2 in case of an inter-chromosomal translocation", FORMAT DR/DV/RR/RV; a
    translocation is one BND record with CHR2/POS2). GRCh37 without prefix; tumour column first."""
    header = [
        "##fileformat=VCFv4.2",
        "##FILEDATE=20240115",
        "##reference=/refs/hs37d5.fa",
        "##contig=<ID=5,length=180915260>",
        "##contig=<ID=17,length=81195210>",
        NOTE.format(what="DELLY VCF header definitions"),
        '##ALT=<ID=DEL,Description="Deletion">',
        '##ALT=<ID=DUP,Description="Duplication">',
        '##ALT=<ID=INV,Description="Inversion">',
        '##ALT=<ID=BND,Description="Translocation">',
        '##FILTER=<ID=LowQual,Description="Poor quality and insufficient number of PEs and SRs.">',
        info("CIEND", "2", "Integer", "PE confidence interval around END"),
        info("CIPOS", "2", "Integer", "PE confidence interval around POS"),
        info("CHR2", "1", "String", "Chromosome for POS2 coordinate in case of an inter-chromosomal translocation"),
        info("POS2", "1", "Integer", "Genomic position for CHR2 in case of an inter-chromosomal translocation"),
        info("END", "1", "Integer", "End position of the structural variant"),
        info("PE", "1", "Integer", "Paired-end support of the structural variant"),
        info("MAPQ", "1", "Integer", "Median mapping quality of paired-ends"),
        info("SR", "1", "Integer", "Split-read support"),
        info("SRQ", "1", "Float", "Split-read consensus alignment quality"),
        info("CT", "1", "String", "Paired-end signature induced connection type"),
        info("IMPRECISE", "0", "Flag", "Imprecise structural variation"),
        info("PRECISE", "0", "Flag", "Precise structural variation"),
        info("SVTYPE", "1", "String", "Type of structural variant"),
        info("SVMETHOD", "1", "String", "Type of approach used to detect SV"),
        info("SOMATIC", "0", "Flag", "Somatic structural variant."),
        fmt("GT", "1", "String", "Genotype"),
        fmt("GQ", "1", "Integer", "Genotype Quality"),
        fmt("FT", "1", "String", "Per-sample genotype filter"),
        fmt("RC", "1", "Integer", "Raw high-quality read counts or base counts for the SV"),
        fmt("DR", "1", "Integer", "# high-quality reference pairs"),
        fmt("DV", "1", "Integer", "# high-quality variant pairs"),
        fmt("RR", "1", "Integer", "# high-quality reference junction reads"),
        fmt("RV", "1", "Integer", "# high-quality variant junction reads"),
    ]
    keys = "GT:GQ:FT:RC:DR:DV:RR:RV"
    method = "SVMETHOD=EMBL.DELLYv1.1.6"
    records: list[list[object]] = [
        # a translocation written once, on chromosome 5; its partner lies in TP53 intron 1 (7,579,941-7,590,694)
        ["5", 10000000, "BND00000001", "N", "N]17:7585000]", 1020, "PASS",
         f"PRECISE;SVTYPE=BND;{method};END=10000001;CHR2=17;POS2=7585000;PE=12;MAPQ=60;CT=3to3;CIPOS=-3,3;CIEND=-3,3;SR=8;SRQ=0.98;SOMATIC",
         keys, "0/1:10000:PASS:0:31:12:40:8", "0/0:58:PASS:0:36:0:44:0"],
        # a duplication holding the whole gene (both ends outside it)
        ["17", 7560000, "DUP00000002", "N", "<DUP>", 860, "PASS",
         f"PRECISE;SVTYPE=DUP;{method};END=7600000;CHR2=17;PE=9;MAPQ=60;CT=5to3;CIPOS=-2,2;CIEND=-2,2;SR=6;SRQ=0.97;SOMATIC",
         keys, "0/1:10000:PASS:5120:40:9:35:6", "0/0:61:PASS:3300:38:0:40:0"],
        # a deletion of coding exons 8 and 7, from intron 8 (7,576,927-7,577,018) to intron 6
        ["17", 7576950, "DEL00000003", "N", "<DEL>", 1200, "PASS",
         f"PRECISE;SVTYPE=DEL;{method};END=7577700;CHR2=17;PE=15;MAPQ=60;CT=3to5;CIPOS=-1,1;CIEND=-1,1;SR=11;SRQ=0.99;SOMATIC",
         keys, "0/1:10000:PASS:210:28:15:30:11", "0/0:70:PASS:390:33:0:37:0"],
        # an imprecise inversion starting 344 bp beyond exon 1; its confidence interval reaches into the gene
        ["17", 7591200, "INV00000004", "N", "<INV>", 300, "LowQual",
         f"IMPRECISE;SVTYPE=INV;{method};END=7650000;CHR2=17;PE=4;MAPQ=38;CT=3to3;CIPOS=-400,400;CIEND=-300,300;SOMATIC",
         keys, "0/1:20:LowQual:0:25:4:0:0", "0/0:30:PASS:0:29:0:0:0"],
    ]  # fmt: skip
    write("delly_somatic_tp53.grch37.vcf", header, ["P02T", "P02N"], records)


def gridss() -> None:
    """GRIDSS + GRIPSS (github.com/PapenfussLab/gridss, "VCF output" in its documentation: every SV as breakend
    records paired by MATEID, single breakends t. , fragment counts VF and BVF; hartwigmedical/hmftools gripss:
    the PON filter). GRCh37 without prefix; reference (normal) column first, as in the COLO829 GRIPSS file."""
    header = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=3,length=198022430>",
        "##contig=<ID=17,length=81195210>",
        NOTE.format(what="GRIDSS/GRIPSS VCF fields"),
        '##FILTER=<ID=PASS,Description="Variant passes all filters">',
        '##FILTER=<ID=PON,Description="Found in panel of normals">',
        info("SVTYPE", "1", "String", "Type of structural variant"),
        info("MATEID", ".", "String", "ID of mate breakends"),
        info("EVENT", "1", "String", "ID of event associated to breakend"),
        info("CIPOS", "2", "Integer", "Confidence interval around POS for imprecise variants"),
        info("CIRPOS", "2", "Integer", "Confidence interval around remote breakend POS for imprecise variants"),
        info(
            "VF",
            "1",
            "Integer",
            "Count of fragments supporting the variant breakpoint allele and not the reference allele.",
        ),
        info("BVF", "1", "Integer", "Count of fragments providing breakend for the variant allele."),
        info("SR", "1", "Integer", "Count of split reads supporting breakpoint"),
        info("RP", "1", "Integer", "Count of read pairs supporting breakpoint"),
        fmt("GT", "1", "String", "Genotype"),
        fmt(
            "VF",
            "1",
            "Integer",
            "Count of fragments supporting the variant breakpoint allele and not the reference allele.",
        ),
        fmt("BVF", "1", "Integer", "Count of fragments providing breakend for the variant allele."),
        fmt("SR", "1", "Integer", "Count of split reads supporting breakpoint per category"),
        fmt("RP", "1", "Integer", "Count of read pairs supporting breakpoint per category"),
        fmt("REF", "1", "Integer", "Count of reads mapping across this breakend"),
        fmt(
            "REFPAIR",
            "1",
            "Integer",
            "Count of reference read pairs spanning this breakend supporting the reference allele",
        ),
        "##gridssVersion=2.13.2",
        "##gripssVersion=2.3.2",
    ]
    keys = "GT:VF:BVF:SR:RP:REF:REFPAIR"
    pon = "SVTYPE=BND;EVENT=gridss3_1;VF=6;SR=2;RP=4;CIPOS=-3,3;CIRPOS=-3,3"
    pair = "SVTYPE=BND;EVENT=gridss1_1;VF=41;SR=22;RP=19"
    records: list[list[object]] = [
        ["3", 12345678, "gridss3_1h", "A", "A]17:7579800]", 95.2, "PON", f"{pon};MATEID=gridss3_1o",
         keys, ".:0:0:0:0:40:38", ".:6:0:2:4:51:44"],
        # a single breakend in intron 6 (7,577,609-7,578,176): its fragments are counted in BVF
        ["17", 7577900, "gridss2_1b", "C", "CTTAGGATTAGGC.", 210.4, "PASS", "SVTYPE=BND;BVF=14;VF=0;SR=0;RP=0",
         keys, ".:0:0:0:0:35:30", ".:0:14:0:0:38:29"],
        # a deletion written as a breakend pair (t[p[ then ]p]t) from intron 5 to intron 3, removing coding exons 5 and 4
        ["17", 7578300, "gridss1_1o", "T", "T[17:7579650[", 812.5, "PASS", f"{pair};MATEID=gridss1_1h",
         keys, ".:0:0:0:0:44:39", ".:41:3:22:19:30:26"],
        ["17", 7579650, "gridss1_1h", "A", "]17:7578300]A", 812.5, "PASS", f"{pair};MATEID=gridss1_1o",
         keys, ".:0:0:0:0:47:41", ".:41:2:22:19:33:28"],
        # chr17 side of a panel-of-normals breakend pair, in intron 2 (7,579,722-7,579,838)
        ["17", 7579800, "gridss3_1o", "G", "G]3:12345678]", 95.2, "PON", f"{pon};MATEID=gridss3_1h",
         keys, ".:0:0:0:0:36:33", ".:6:0:2:4:48:40"],
    ]  # fmt: skip
    write("gridss_gripss_tp53.grch37.vcf", header, ["P03R", "P03T"], records)


def svaba() -> None:
    """SvABA (github.com/walaj/svaba; header lines and fields as in its viewer/svaba/am.svaba.germline.sv.vcf:
    sample columns named by BAM path, ##source recording the tumour (-t) and normal (-n) BAMs, breakend pairs
    with MATEID, FORMAT AD/DR/SR). GRCh38, chr-prefixed; normal column first, as in that file."""
    header = [
        "##fileformat=VCFv4.2",
        "##fileDate=20240115",
        "##source=svaba(v1.1.0) run -t /data/P04_tumor.bam -n /data/P04_normal.bam -p 8 -G Homo_sapiens_assembly38.fasta -a P04",
        "##reference=Homo_sapiens_assembly38.fasta",
        "##contig=<ID=chr3,length=198295559>",
        "##contig=<ID=chr17,length=83257441>",
        NOTE.format(what="SvABA VCF fields"),
        info("DISC_MAPQ", "1", "Integer", "Mean mapping quality of discordant reads mapped here"),
        info("SCTG", "1", "String", "Identifier for the contig assembled by svaba to make the SV call"),
        info(
            "EVDNC",
            "1",
            "String",
            "Evidence for variant. ASSMB assembly only, ASDIS assembly+discordant. DSCRD discordant only",
        ),
        info("SVTYPE", "1", "String", "Type of structural variant"),
        info("SPAN", "1", "Integer", "Distance between the breakpoints. -1 for interchromosomal"),
        info(
            "MAPQ", "1", "Integer", "Mapping quality (BWA-MEM) of this fragement of the contig (-1 if discordant only)"
        ),
        info("MATEID", "1", "String", "ID of mate breakends"),
        '##FILTER=<ID=PASS,Description="Strong assembly support, strong discordant support, or combined support. Strong MAPQ">',
        '##FILTER=<ID=LOWMAPQ,Description="Assembly contig has non 60/60 mapq and no discordant support">',
        fmt("LO", "1", "Float", "Log-odds that this variant is real vs artifact"),
        fmt("DR", "1", "Integer", "Number of discordant-supported reads for this variant"),
        fmt("SR", "1", "Integer", "Number of spanning reads for this variants"),
        fmt("LR", "1", "Float", "Log-odds that this variant is REF vs AF=0.5"),
        fmt("GQ", "1", "String", "Genotype quality (currently not supported. Always 0)"),
        fmt("DP", "1", "Integer", "Depth of coverage: Number of reads covering site."),
        fmt("AD", "1", "Integer", "Allele depth: Number of reads supporting the variant"),
        fmt("GT", "1", "String", "Most likely genotype"),
        "##SAMPLE=<ID=/data/P04_tumor.bam>",
        "##SAMPLE=<ID=/data/P04_normal.bam>",
    ]
    keys = "GT:AD:DP:GQ:SR:DR:LR:LO"
    lowmapq = "DISC_MAPQ=12;EVDNC=ASSMB;MAPQ=22;SCTG=c_3_60000001_60025001_4C;SPAN=-1;SVTYPE=BND"
    inversion = "DISC_MAPQ=60;EVDNC=ASDIS;MAPQ=60;SCTG=c_17_7681501_7706501_12C;SPAN=218000;SVTYPE=BND"
    records: list[list[object]] = [
        ["chr3", 60000000, "45:2", "A", "[chr17:7700000[A", 18, "LOWMAPQ", f"{lowmapq};MATEID=45:1",
         keys, "0/0:0:31:0:0:0:3.1:-3.1", "0/1:5:44:0:5:0:-4.2:6.0"],
        # an inversion-type rearrangement with one breakpoint inside TP53 intron 1 (7,676,623-7,687,376)
        ["chr17", 7682000, "31:1", "T", "T]chr17:7900000]", 84, "PASS", f"{inversion};MATEID=31:2",
         keys, "0/0:0:38:0:0:0:9.9:-9.9", "0/1:19:52:0:13:11:-28.4:31.7"],
        ["chr17", 7700000, "45:1", "C", "[chr3:60000000[C", 18, "LOWMAPQ", f"{lowmapq};MATEID=45:2",
         keys, "0/0:0:29:0:0:0:3.0:-3.0", "0/1:5:40:0:5:0:-4.1:5.9"],
        ["chr17", 7900000, "31:2", "G", "G]chr17:7682000]", 84, "PASS", f"{inversion};MATEID=31:1",
         keys, "0/0:0:41:0:0:0:9.8:-9.8", "0/1:19:50:0:13:11:-28.0:31.2"],
    ]  # fmt: skip
    write("svaba_somatic_tp53.grch38.vcf", header, ["/data/P04_normal.bam", "/data/P04_tumor.bam"], records)


if __name__ == "__main__":
    manta()
    delly()
    gridss()
    svaba()
