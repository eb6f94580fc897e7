#!/usr/bin/env python3
"""Deterministic synthetic cohorts for the mdm2screen performance benchmark.

Two kinds of cohort, both written outside the repository (default under /tmp):

* ``make_cohort(out, n)``: ``n`` tumour samples, each with its own copy-number file and
  somatic VCF of real size. Copy-number files: CNVkit ``.cns`` (hundreds of segments),
  CNVkit ``.cnr`` (tens of thousands of bins), PURPLE ``purple.cnv.somatic.tsv`` and
  single-sample IGV/DNAcopy SEG. VCFs: Mutect2 + VEP ``CSQ`` (tumour column first), plain
  Mutect2, Strelka2 (NORMAL/TUMOR, tier counts); a few hundred to a few thousand records;
  bgzipped + tabix-indexed, bgzipped without index, or plain text. Statuses are mixed:
  MDM2 amplified (with or without CDK4), equivocal gain, not amplified; TP53 hotspot mutated
  (R273H, R248Q, R175H, R248W, R282W, G245S, R342*), subclonal below the VAF cut-off,
  filtered, wild type, or no chromosome-17 record at all; MDM2 IHC positive / negative /
  pending / raw scores / absent. About 4% of patients have a second, later sample.
* ``make_shared_cohort(out)``: 500 sheet rows that all point at one ~20 MB cohort MAF
  (``tumor_sample`` = aliquot barcode) and one ~5 MB multi-sample SEG (``cn_sample``), to
  show that such files are read about once per job, not once per sample.

File layouts copy the headers of real files (see benchmarks/README.md, "Where the layouts
come from"): CNVkit ``tr95t.cns`` / ``amplicon.cnr`` (etal/cnvkit), PURPLE
``*.purple.cnv.somatic.tsv`` (hartwigmedical/hmftools, VerenaK90/LACHESIS), Mutect2 + VEP
``VEP_raw.A25.mutect2.filtered.snp.vcf`` (ncsa/phyloflow), Strelka2 ``strelka2.somatic.snvs.vcf.gz``
(VerenaK90/LACHESIS), the Firehose GBMLGG MAF and SNP6 SEG (RTCGA). No real file is copied.

Determinism: every sample is drawn from ``random.Random(f"{seed}:{index}")`` and every
shared record pool from its own named seed, so the output does not depend on the number
of worker processes or on the order in which samples are written.

Command line::

    python benchmarks/make_cohort.py --n 1000 --out /tmp/mdm2bench/n1000
    python benchmarks/make_cohort.py --n 10 --start 1000 --out /tmp/mdm2bench/n1000 --sheet new_0001.tsv
    python benchmarks/make_cohort.py --shared --out /tmp/mdm2bench/shared
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import io
import json
import math
import os
import random
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import pysam

from mdm2screen.genome import chrom_sizes
from mdm2screen.reference import gene_locus
from mdm2screen.variants.transcript import tp53_model

DEFAULT_SEED = 20240917
CHROMS = tuple([str(i) for i in range(1, 23)] + ["X"])
SHARD = 1000  # samples per data sub-folder, to keep directories small
TP53_GUARD = 60_000  # background records and breakpoints keep this far from TP53
GENE_GUARD = 5_000  # no random breakpoint this close to MDM2/CDK4/TP53
POOL_SIZE = 12_000  # background VCF records per (build, flavour, naming) pool (>= 3x the largest VCF)
SHEET_COLUMNS = (
    "patient_id", "sample_id", "build", "cn_file", "vcf", "cn_format", "cn_sample", "tumor_sample",
    "purity", "ploidy", "assay", "collection_date", "tumor_type",
)  # fmt: skip
IHC_COLUMNS = ("patient_id", "sample_id", "marker", "result", "percent_positive", "intensity", "h_score", "ratio",
               "method", "date")
TRUTH_COLUMNS = (
    "sample_id", "patient_id", "build", "cn_kind", "cn_file", "mdm2_state", "mdm2_cn", "cdk4_amplified",
    "tp53", "vcf_kind", "vcf_storage", "vcf", "n_records", "mdm2_ihc",
)  # fmt: skip
TUMOR_TYPES = (
    "Dedifferentiated liposarcoma", "Well-differentiated liposarcoma", "Intimal sarcoma",
    "Undifferentiated pleomorphic sarcoma", "Glioblastoma", "Lung adenocarcinoma", "Bladder urothelial carcinoma",
    "Breast invasive carcinoma", "Gastric adenocarcinoma", "Melanoma",
)  # fmt: skip
BACKGROUND_GENES = (
    "NOC2L", "SCNN1D", "CDK11A", "ARID1A", "NRAS", "NOTCH2", "DNMT3A", "ALK", "SF3B1", "IDH1", "CTNNB1", "PIK3CA",
    "FBXW7", "APC", "NSD1", "EGFR", "BRAF", "EZH2", "MYC", "CDKN2B", "PTEN", "WT1", "ATM", "KRAS", "ERBB3", "RB1",
    "BRCA2", "AKT1", "IDH2", "CDH1", "NF1", "ERBB2", "SMAD4", "STK11", "KEAP1", "ARAF", "KDM6A", "ATRX",
)  # fmt: skip
CSQ_FIELDS = (
    "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|cDNA_position|"
    "CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|DISTANCE|STRAND|FLAGS|SYMBOL_SOURCE|"
    "HGNC_ID|CANONICAL|HGVS_OFFSET|MAX_AF|MAX_AF_POPS|CLIN_SIG|SOMATIC|PHENO"
)
TP53_TX, TP53_PROT = "ENST00000269305.4", "ENSP00000269305.4"
TP53_GENE, TP53_ALT_TX = "ENSG00000141510", "ENST00000420246"


@dataclass(frozen=True)
class Hotspot:
    """A TP53 hotspot; genomic position and plus-strand alleles are taken from the shipped TP53 model."""

    name: str
    c_pos: int  # c. position of the changed base
    cds_ref: str  # coding-strand reference base (checked against the model)
    cds_alt: str
    codons: str  # VEP "Codons" (changed base upper case)
    amino_acids: str
    hgvs_p: str
    short_p: str  # MAF Protein_Change style
    consequence: str
    impact: str


HOTSPOTS = (
    Hotspot("R273H", 818, "G", "A", "cGt/cAt", "R/H", "p.Arg273His", "p.R273H", "missense_variant", "MODERATE"),
    Hotspot("R248Q", 743, "G", "A", "cGg/cAg", "R/Q", "p.Arg248Gln", "p.R248Q", "missense_variant", "MODERATE"),
    Hotspot("R175H", 524, "G", "A", "cGc/cAc", "R/H", "p.Arg175His", "p.R175H", "missense_variant", "MODERATE"),
    Hotspot("R248W", 742, "C", "T", "Cgg/Tgg", "R/W", "p.Arg248Trp", "p.R248W", "missense_variant", "MODERATE"),
    Hotspot("R282W", 844, "C", "T", "Cgg/Tgg", "R/W", "p.Arg282Trp", "p.R282W", "missense_variant", "MODERATE"),
    Hotspot("G245S", 733, "G", "A", "Ggc/Agc", "G/S", "p.Gly245Ser", "p.G245S", "missense_variant", "MODERATE"),
    Hotspot("R342*", 1024, "C", "T", "Cga/Tga", "R/*", "p.Arg342Ter", "p.R342*", "stop_gained", "HIGH"),
)
COMPLEMENT = str.maketrans("ACGT", "TGCA")


@dataclass(frozen=True)
class HotspotSite:
    chrom: str
    pos: int
    ref: str  # plus strand
    alt: str
    exon: str  # "8/11"
    cdna: int


@cache
def hotspot_site(name: str, build: str) -> HotspotSite:
    """Genomic coordinates of a hotspot in ``build`` (checked against the TP53 CDS)."""
    spot = next(h for h in HOTSPOTS if h.name == name)
    model = tp53_model(build)
    g = model.c_to_genomic[spot.c_pos - 1]
    ref = model.plus_bases[g]
    if ref != spot.cds_ref.translate(COMPLEMENT):  # TP53 is on the minus strand
        raise RuntimeError(f"TP53 model disagrees with hotspot {name}: plus-strand base {ref} at {g}")
    exon = next(e for e in model.exons if e.start <= g <= e.end)
    return HotspotSite(model.chrom, g, ref, spot.cds_alt.translate(COMPLEMENT), f"{exon.number}/{len(model.exons)}",
                       spot.c_pos + model.c1_n - 1)


# --------------------------------------------------------------------------- sample plans


@dataclass
class SamplePlan:
    """Everything drawn for one sample; the writers only format it."""

    index: int
    patient_id: str
    sample_id: str
    build: str
    prefix: str  # contig prefix: "" or "chr"
    cn_kind: str  # cns | cnr | purple | seg
    mdm2_state: str  # amplified | gain | neutral
    mdm2_cn: float
    cdk4_amplified: bool
    cdk4_cn: float
    tp53: str  # wild_type | <hotspot name> | subclonal:<name> | filtered:<name> | no_chr17
    tp53_vaf: float
    vcf_kind: str  # mutect2_vep | mutect2 | strelka2
    storage: str  # bgzip_tabix | bgzip | plain
    n_records: int
    n_segments: int
    purity: float | None
    ploidy: float | None
    assay: str | None
    collection_date: str
    tumor_type: str
    tumor_sample_in_sheet: bool
    mdm2_ihc: str  # positive | negative | pending | scores_pos | scores_neg | equivocal | none
    p53_ihc: str | None

    @property
    def shard(self) -> str:
        return f"{self.index // SHARD:03d}"

    @property
    def cn_name(self) -> str:
        return {"cns": f"{self.sample_id}.cns", "cnr": f"{self.sample_id}.cnr",
                "purple": f"{self.sample_id}.purple.cnv.somatic.tsv", "seg": f"{self.sample_id}.seg"}[self.cn_kind]

    @property
    def vcf_name(self) -> str:
        base = f"{self.sample_id}.{self.vcf_kind}.somatic.vcf"
        return base if self.storage == "plain" else base + ".gz"


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights=weights)[0]


def patient_of(index: int) -> tuple[str, str, int]:
    """(patient_id, sample_id, sample number) for sample ``index``: every 25th sample is a second biopsy."""
    if index % 25 == 24:
        return f"BP{index - 1:06d}", f"BP{index - 1:06d}-T2", 2
    return f"BP{index:06d}", f"BP{index:06d}-T1", 1


def plan_sample(seed: int, index: int) -> SamplePlan:
    rng = random.Random(f"{seed}:{index}")
    patient_id, sample_id, number = patient_of(index)
    build = "GRCh38" if rng.random() < 0.15 else "GRCh37"
    prefix = "chr" if build == "GRCh38" or rng.random() < 0.1 else ""
    cn_kind = _pick(rng, (("cns", 0.55), ("purple", 0.35), ("cnr", 0.03), ("seg", 0.07)))
    state = _pick(rng, (("amplified", 0.25), ("gain", 0.05), ("neutral", 0.70)))
    mdm2_cn = {"amplified": rng.uniform(12, 45), "gain": rng.uniform(6.2, 7.4), "neutral": rng.uniform(1.6, 3.4)}[state]
    cdk4_amp = state == "amplified" and rng.random() < 0.6
    cdk4_cn = rng.uniform(12, 40) if cdk4_amp else rng.uniform(1.7, 3.2)
    tp53 = _pick(rng, (("wild_type", 0.70), ("hotspot", 0.22), ("subclonal", 0.03), ("filtered", 0.03),
                       ("no_chr17", 0.02)))
    spot = rng.choice(HOTSPOTS).name
    vaf = 0.0
    if tp53 == "hotspot":
        tp53, vaf = spot, rng.uniform(0.15, 0.7)
    elif tp53 in ("subclonal", "filtered"):
        vaf = rng.uniform(0.02, 0.04) if tp53 == "subclonal" else rng.uniform(0.08, 0.2)
        tp53 = f"{tp53}:{spot}"
    vcf_kind = _pick(rng, (("mutect2_vep", 0.4), ("mutect2", 0.2), ("strelka2", 0.4)))
    storage = _pick(rng, (("bgzip_tabix", 0.55), ("plain", 0.40), ("bgzip", 0.05)))
    # Log-uniform between a few hundred and a few thousand records, like real WES somatic calls.
    n_records = int(math.exp(rng.uniform(math.log(300), math.log(4000))))
    n_segments = {"cns": rng.randint(150, 600), "purple": rng.randint(200, 900), "seg": rng.randint(100, 400),
                  "cnr": rng.randint(20_000, 50_000)}[cn_kind]
    purity = round(rng.uniform(0.3, 0.95), 2) if cn_kind in ("cns", "cnr", "seg") and rng.random() < 0.5 else None
    ploidy = round(rng.uniform(1.8, 3.6), 2) if purity is not None and rng.random() < 0.5 else None
    base = dt.date(2023, 1, 2) + dt.timedelta(days=rng.randrange(0, 600))
    if number == 2:
        base = dt.date(2024, 9, 1) + dt.timedelta(days=rng.randrange(0, 90))
    mdm2_ihc = _pick(rng, (("positive", 0.50), ("negative", 0.12), ("pending", 0.10), ("scores_pos", 0.08),
                           ("scores_neg", 0.04), ("equivocal", 0.03), ("none", 0.13)))
    p53_ihc = _pick(rng, (("wild_type_pattern", 0.2), ("overexpression", 0.05), ("null", 0.02), ("none", 0.73)))
    return SamplePlan(
        index=index, patient_id=patient_id, sample_id=sample_id, build=build, prefix=prefix, cn_kind=cn_kind,
        mdm2_state=state, mdm2_cn=round(mdm2_cn, 3), cdk4_amplified=cdk4_amp, cdk4_cn=round(cdk4_cn, 3), tp53=tp53,
        tp53_vaf=round(vaf, 3), vcf_kind=vcf_kind, storage=storage, n_records=n_records, n_segments=n_segments,
        purity=purity, ploidy=ploidy, assay=f"BENCH_PANEL_{build[-2:]}" if rng.random() < 0.7 else None,
        collection_date=base.isoformat(), tumor_type=rng.choice(TUMOR_TYPES),
        tumor_sample_in_sheet=rng.random() < 0.5, mdm2_ihc=mdm2_ihc, p53_ihc=None if p53_ihc == "none" else p53_ihc,
    )


# --------------------------------------------------------------------------- copy number


def _contig(prefix: str, chrom: str) -> str:
    if prefix and chrom == "MT":
        return "chrM"
    return prefix + chrom


@dataclass
class CNSegment:
    chrom: str
    start: int  # 1-based inclusive
    end: int
    cn: float  # absolute total copy number
    probes: int


def genome_segments(rng: random.Random, plan: SamplePlan, n_segments: int) -> list[CNSegment]:
    """A genome-wide segmentation with focal 12q15 (MDM2) / 12q14 (CDK4) events as planned."""
    sizes = chrom_sizes(plan.build)
    total = sum(sizes[c] for c in CHROMS)
    mdm2, cdk4, tp53 = (gene_locus(g, plan.build) for g in ("MDM2", "CDK4", "TP53"))
    events: list[tuple[int, int, float]] = []  # on chromosome 12: (start, end, cn)
    if plan.mdm2_state != "neutral":
        lo = mdm2.start - rng.randint(150_000, 2_500_000)
        events.append((lo, mdm2.end + rng.randint(150_000, 2_500_000), plan.mdm2_cn))
    if plan.cdk4_amplified:
        events.append((cdk4.start - rng.randint(100_000, 1_500_000), cdk4.end + rng.randint(100_000, 1_500_000),
                       plan.cdk4_cn))
    guarded = {
        "12": [(mdm2.start - GENE_GUARD, mdm2.end + GENE_GUARD), (cdk4.start - GENE_GUARD, cdk4.end + GENE_GUARD)],
        "17": [(tp53.start - TP53_GUARD, tp53.end + TP53_GUARD)],
    }
    out: list[CNSegment] = []
    for chrom in CHROMS:
        size = sizes[chrom]
        k = max(1, round(n_segments * size / total))
        cuts = set()
        for _ in range(k - 1):
            x = rng.randrange(10_000, size - 10_000)
            if not any(a <= x <= b for a, b in guarded.get(chrom, ())):
                cuts.add(x)
        if chrom == "12":
            for a, b, _cn in events:
                cuts.update((a, b + 1))
        bounds = [1, *sorted(cuts), size + 1]
        # Arm-level background: a few copy-number states per chromosome, diploid most often.
        level = rng.choice((2.0, 2.0, 2.0, 1.0, 3.0, 4.0)) if rng.random() < 0.35 else 2.0
        for s, e in zip(bounds, bounds[1:], strict=False):
            if e - s < 2:
                continue
            cn = level
            if rng.random() < 0.08:
                level = rng.choice((1.0, 2.0, 2.0, 3.0, 4.0))
                cn = level
            if chrom == "12":
                for a, b, ev_cn in events:
                    if a <= s and e - 1 <= b:
                        cn = ev_cn
                # The MDM2 and CDK4 segments themselves follow the plan exactly when not amplified.
                if plan.mdm2_state == "neutral" and s <= mdm2.end and e - 1 >= mdm2.start:
                    cn = plan.mdm2_cn
                if not plan.cdk4_amplified and s <= cdk4.end and e - 1 >= cdk4.start:
                    cn = plan.cdk4_cn
            if chrom == "17" and s <= tp53.end and e - 1 >= tp53.start:
                cn = rng.choice((1.0, 2.0, 2.0, 3.0))
            cn = max(0.05, cn + rng.gauss(0, 0.04))
            out.append(CNSegment(chrom, s, e - 1, cn, max(3, int((e - s) / 20_000 * rng.uniform(0.5, 1.5)))))
    return out


def _log2(cn: float) -> float:
    return math.log2(cn / 2.0)


def _observed_log2(plan: SamplePlan, cn: float) -> float:
    """log2 ratio a caller observes for tumour copy number ``cn`` diluted by normal cells (purity p).

    Inverse of CNVkit's rescaling CN = (2R - 2(1 - p)) / p (cnvkit.py call --purity).
    """
    if plan.purity is None:
        return _log2(cn)
    p = plan.purity
    return math.log2((p * cn + 2.0 * (1.0 - p)) / 2.0)


def _gene_names(plan: SamplePlan, seg: CNSegment) -> str:
    names = [g for g in ("CDK4", "MDM2", "TP53") if _overlaps(plan.build, g, seg)]
    return ",".join(names) if names else "-"


@cache
def _locus_tuple(build: str, gene: str) -> tuple[str, int, int]:
    locus = gene_locus(gene, build)
    return locus.chrom, locus.start, locus.end


def _overlaps(build: str, gene: str, seg: CNSegment) -> bool:
    chrom, start, end = _locus_tuple(build, gene)
    return seg.chrom == chrom and seg.start <= end and seg.end >= start


CNVKIT_CNS_HEADER = "chromosome\tstart\tend\tgene\tlog2\tprobes\tweight\tdepth\n"  # etal/cnvkit test/formats/tr95t.cns
CNVKIT_CNR_HEADER = "chromosome\tstart\tend\tgene\tlog2\tdepth\tweight\n"  # etal/cnvkit test/formats/amplicon.cnr
# hartwigmedical/hmftools .../purple/tumor_sample.purple.cnv.somatic.tsv (also VerenaK90/LACHESIS NB-S-599-T)
PURPLE_HEADER = (
    "chromosome\tstart\tend\tcopyNumber\tbafCount\tobservedBAF\tbaf\tsegmentStartSupport\tsegmentEndSupport\tmethod\t"
    "depthWindowCount\tgcContent\tminStart\tmaxStart\tminorAlleleCopyNumber\tmajorAlleleCopyNumber\n"
)
SEG_HEADER = "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n"  # etal/cnvkit test/formats/cw-tr-log2.seg


def write_cns(path: Path, plan: SamplePlan, segs: list[CNSegment], rng: random.Random) -> None:
    buf = io.StringIO()
    buf.write(CNVKIT_CNS_HEADER)
    for s in segs:
        # CNVkit writes 0-based starts (BED convention).
        buf.write(f"{_contig(plan.prefix or 'chr', s.chrom)}\t{s.start - 1}\t{s.end}\t{_gene_names(plan, s)}\t"
                  f"{_observed_log2(plan, s.cn) + rng.gauss(0, 0.02):.6f}\t{s.probes}\t"
                  f"{s.probes * rng.uniform(0.5, 0.9):.4f}\t{rng.uniform(0.6, 1.6):.5f}\n")
    path.write_text(buf.getvalue())


def write_cnr(path: Path, plan: SamplePlan, segs: list[CNSegment], rng: random.Random) -> None:
    """Bin-level CNVkit: antitarget bins across the genome plus target bins, with bins inside MDM2/CDK4/TP53."""
    sizes = chrom_sizes(plan.build)
    total = sum(sizes[c] for c in CHROMS)
    step = total // plan.n_segments
    bins: list[tuple[str, int, int, str, float]] = []  # chrom, start0, end, gene, cn
    by_chrom: dict[str, list[CNSegment]] = {}
    for s in segs:
        by_chrom.setdefault(s.chrom, []).append(s)
    for chrom in CHROMS:
        chrom_segs = by_chrom[chrom]
        starts = [s.start for s in chrom_segs]
        genes = [(g, *_locus_tuple(plan.build, g)[1:]) for g in ("CDK4", "MDM2", "TP53")
                 if _locus_tuple(plan.build, g)[0] == chrom]
        positions: list[tuple[int, int, str]] = []
        pos = rng.randrange(1_000, step)
        while pos + 200 < sizes[chrom]:
            # CNVkit: narrow target bins carry a gene name (or "-"), wide off-target bins "Antitarget".
            if rng.random() < 0.4:
                width, label = rng.randint(150, 260), rng.choice((*BACKGROUND_GENES, "-"))
            else:
                width, label = rng.randint(20_000, 90_000), "Antitarget"
            positions.append((pos, min(pos + width, sizes[chrom]), label))
            pos += max(width + 100, int(rng.expovariate(1 / step)))
        for gene, g_start, g_end in genes:
            # Target bins ("exons") inside the gene body, as a capture panel has them.
            n_exons = 8 if gene == "CDK4" else 11
            span = g_end - g_start
            for i in range(n_exons):
                a = g_start + int(span * (i + 0.5) / n_exons)
                positions.append((a, a + rng.randint(120, 220), gene))
        positions.sort()
        for a, b, gene in positions:
            j = max(0, bisect.bisect_right(starts, a + 1) - 1)
            bins.append((chrom, a, b, gene, chrom_segs[j].cn))
    buf = io.StringIO()
    buf.write(CNVKIT_CNR_HEADER)
    prefix = plan.prefix or "chr"
    for chrom, a, b, gene, cn in bins:
        noise = rng.gauss(0, 0.25 if gene == "Antitarget" else 0.12)
        buf.write(f"{prefix}{chrom}\t{a}\t{b}\t{gene}\t{_observed_log2(plan, cn) + noise:.5f}\t"
                  f"{rng.uniform(5, 900):.3f}\t{rng.uniform(0.2, 1.0):.5f}\n")
    path.write_text(buf.getvalue())


def write_purple(path: Path, plan: SamplePlan, segs: list[CNSegment], rng: random.Random) -> None:
    buf = io.StringIO()
    buf.write(PURPLE_HEADER)
    prev_end: dict[str, int] = {}
    for s in segs:
        minor = round(min(s.cn / 2, rng.choice((0.0, s.cn / 2, 1.0))), 4)
        first = prev_end.get(s.chrom) is None
        support_start = "TELOMERE" if first else rng.choice(("BND", "DEL", "DUP", "NONE", "CENTROMERE"))
        buf.write(
            f"{_contig(plan.prefix, s.chrom)}\t{s.start}\t{s.end}\t{s.cn:.4f}\t{rng.randint(0, 40_000)}\t"
            f"{rng.uniform(0.5, 1.0):.4f}\t{rng.uniform(0.5, 1.0):.4f}\t{support_start}\t"
            f"{rng.choice(('BND', 'DEL', 'DUP', 'NONE', 'CENTROMERE'))}\tBAF_WEIGHTED\t{rng.randint(10, 90_000)}\t"
            f"{rng.uniform(0.35, 0.5):.4f}\t{s.start}\t{s.start}\t{minor:.4f}\t{s.cn - minor:.4f}\n"
        )
        prev_end[s.chrom] = s.end
    path.write_text(buf.getvalue())


def write_seg(path: Path, plan: SamplePlan, segs: list[CNSegment], rng: random.Random) -> None:
    buf = io.StringIO()
    buf.write(SEG_HEADER)
    for s in segs:
        buf.write(f"{plan.sample_id}\t{_contig(plan.prefix, s.chrom)}\t{s.start}\t{s.end}\t{s.probes}\t"
                  f"{_observed_log2(plan, s.cn) + rng.gauss(0, 0.02):.4f}\n")
    path.write_text(buf.getvalue())


CN_WRITERS = {"cns": write_cns, "cnr": write_cnr, "purple": write_purple, "seg": write_seg}


# --------------------------------------------------------------------------- VCF


def _contig_lines(build: str, prefix: str) -> str:
    return "".join(f"##contig=<ID={_contig(prefix, c)},length={n}>\n" for c, n in chrom_sizes(build).items())


HEADERS = Path(__file__).resolve().parent / "headers"
# Meta-information lines copied from real files (provenance in headers/README.md); {sample} and
# {normal} are filled per sample, contig lines are written for the sample's build.
MUTECT2_META = (HEADERS / "mutect2.vcf.header").read_text()
STRELKA2_META = (HEADERS / "strelka2.vcf.header").read_text()
VEP_META = (
    '##VEP="v106" time="2022-07-11 02:22:52" cache="/opt/vep/vep_data/homo_sapiens/104_{build}" '
    'ensembl-variation=106.2aa7a5d ensembl=106.f4b50c6 assembly="{build}"\n'
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
    + CSQ_FIELDS + '">\n'
)
MUTECT2_FILTERS = ("t_lod", "germline_risk", "clustered_events", "base_quality", "strand_artifact", "panel_of_normals",
                   "bad_haplotype;germline_risk", "contamination")


def vcf_header(plan: SamplePlan) -> str:
    normal = f"{plan.patient_id}-N1"
    head = "##fileformat=VCFv4.2\n" if plan.vcf_kind != "strelka2" else "##fileformat=VCFv4.1\n"
    if plan.vcf_kind == "strelka2":
        head += STRELKA2_META + _contig_lines(plan.build, plan.prefix)
        return head + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR\n"
    head += MUTECT2_META.replace("{sample}", plan.sample_id).replace("{normal}", normal)
    head += _contig_lines(plan.build, plan.prefix)
    if plan.vcf_kind == "mutect2_vep":
        head += VEP_META.format(build=plan.build)
    return head + f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{plan.sample_id}\t{normal}\n"


def _csq(values: dict[str, str]) -> str:
    names = CSQ_FIELDS.split("|")
    return "|".join(values.get(n, "") for n in names)


def _mutect2_line(rng: random.Random, contig: str, pos: int, ref: str, alt: str, filt: str, vaf: float,
                  csq: str | None) -> str:
    depth = rng.randint(20, 250)
    alt_n = max(1, round(depth * vaf)) if vaf > 0 else 0
    ref_n = max(0, depth - alt_n)
    ndepth = rng.randint(15, 200)
    info = (f"CONTQ={rng.randint(1, 93)};DP={depth + ndepth};ECNT=1;GERMQ={rng.randint(1, 93)};"
            f"MBQ=36,{rng.randint(20, 40)};"
            f"MFRL={rng.randint(150, 300)},{rng.randint(150, 300)};MMQ=60,60;MPOS={rng.randint(5, 45)};"
            f"NALOD={rng.uniform(0.5, 2.5):.2f};NLOD={rng.uniform(2, 30):.2f};POPAF={rng.uniform(0.1, 6):.2f};"
            f"TLOD={rng.uniform(3, 60):.2f}")
    if csq is not None:
        info += f";CSQ={csq}"
    f1 = alt_n // 2
    tumour = (f"0/1:{ref_n},{alt_n}:{alt_n / max(1, depth):.3f}:{depth}:{ref_n // 2},{f1}:"
              f"{ref_n - ref_n // 2},{alt_n - f1}")
    normal = f"0/0:{ndepth},0:{1 / (ndepth + 2):.3f}:{ndepth}:{ndepth // 2},0:{ndepth - ndepth // 2},0"
    return f"{contig}\t{pos}\t.\t{ref}\t{alt}\t.\t{filt}\t{info}\tGT:AD:AF:DP:F1R2:F2R1\t{tumour}\t{normal}\n"


def _tier_counts(ref: str, alt: str, ref_n: int, alt_n: int) -> str:
    counts = {b: 0 for b in "ACGT"}
    counts[ref] += ref_n
    counts[alt] += alt_n
    return ":".join(f"{counts[b]},{counts[b] + (1 if counts[b] else 0)}" for b in "ACGT")


def _strelka2_line(rng: random.Random, contig: str, pos: int, ref: str, alt: str, filt: str, vaf: float) -> str:
    depth = rng.randint(25, 200)
    alt_n = max(1, round(depth * vaf))
    ndepth = rng.randint(20, 120)
    qss = rng.randint(10, 120)
    info = (f"SOMATIC;QSS={qss};TQSS=1;NT=ref;QSS_NT={qss};TQSS_NT=1;SGT={ref}{ref}->{ref}{alt};DP={depth + ndepth};"
            f"MQ={rng.uniform(40, 60):.2f};MQ0={rng.randint(0, 3)};ReadPosRankSum={rng.uniform(-3, 3):.2f};"
            f"SNVSB={rng.uniform(0, 5):.2f};SomaticEVS={rng.uniform(1, 20):.2f}")
    normal = f"{ndepth}:0:0:0:{_tier_counts(ref, alt, ndepth, 0)}"
    tumour = f"{depth}:{rng.randint(0, 3)}:0:0:{_tier_counts(ref, alt, depth - alt_n, alt_n)}"
    return f"{contig}\t{pos}\t.\t{ref}\t{alt}\t.\t{filt}\t{info}\tDP:FDP:SDP:SUBDP:AU:CU:GU:TU\t{normal}\t{tumour}\n"


@dataclass
class RecordPool:
    keys: list[tuple[int, int]]  # (chromosome rank, position), sorted
    lines: list[str]


@cache
def record_pool(seed: int, build: str, kind: str, prefix: str) -> RecordPool:
    """Background somatic records (never inside TP53), sorted; samples draw subsets of it."""
    rng = random.Random(f"{seed}:pool:{build}:{kind}:{prefix}")
    sizes = chrom_sizes(build)
    total = sum(sizes[c] for c in CHROMS)
    _, tp53_start, tp53_end = _locus_tuple(build, "TP53")
    drawn: set[tuple[int, int]] = set()
    while len(drawn) < POOL_SIZE:
        x = rng.randrange(total)
        for rank, chrom in enumerate(CHROMS):  # noqa: B007 - rank and chrom are used after the loop
            if x < sizes[chrom]:
                break
            x -= sizes[chrom]
        pos = x + 1
        if chrom == "17" and tp53_start - TP53_GUARD <= pos <= tp53_end + TP53_GUARD:
            continue
        drawn.add((rank, pos))
    keys = sorted(drawn)
    lines = []
    for rank, pos in keys:
        chrom = CHROMS[rank]
        ref = rng.choice("ACGT")
        alt = rng.choice([b for b in "ACGT" if b != ref])
        vaf = 0.03 + 0.9 * rng.random() ** 2  # skewed to low VAFs, like somatic calls in impure tumours
        contig = _contig(prefix, chrom)
        if kind == "strelka2":
            filt = "PASS" if rng.random() < 0.85 else rng.choice(("LowEVS", "LowDepth"))
            lines.append(_strelka2_line(rng, contig, pos, ref, alt, filt, vaf))
            continue
        filt = "PASS" if rng.random() < 0.6 else rng.choice(MUTECT2_FILTERS)
        csq = None
        if kind == "mutect2_vep":
            gene = rng.choice(BACKGROUND_GENES)
            term, impact = rng.choice((("intron_variant", "MODIFIER"), ("missense_variant", "MODERATE"),
                                       ("synonymous_variant", "LOW"), ("3_prime_UTR_variant", "MODIFIER"),
                                       ("intergenic_variant", "MODIFIER"), ("stop_gained", "HIGH")))
            gid = rng.randrange(10**5, 10**6)
            csq = _csq({"Allele": alt, "Consequence": term, "IMPACT": impact, "SYMBOL": gene,
                        "Gene": f"ENSG00000{gid}", "Feature_type": "Transcript", "Feature": f"ENST00000{gid + 7}",
                        "BIOTYPE": "protein_coding", "STRAND": rng.choice(("1", "-1")), "SYMBOL_SOURCE": "HGNC",
                        "HGNC_ID": str(rng.randrange(100, 30_000)), "CANONICAL": "YES"})
        lines.append(_mutect2_line(rng, contig, pos, ref, alt, filt, vaf, csq))
    return RecordPool(keys, lines)


def tp53_record(rng: random.Random, plan: SamplePlan) -> tuple[tuple[int, int], str] | None:
    if plan.tp53 in ("wild_type", "no_chr17"):
        return None
    state, _, name = plan.tp53.rpartition(":")
    spot = next(h for h in HOTSPOTS if h.name == name)
    site = hotspot_site(name, plan.build)
    contig = _contig(plan.prefix, site.chrom)
    key = (CHROMS.index(site.chrom), site.pos)
    if plan.vcf_kind == "strelka2":
        filt = "LowEVS" if state == "filtered" else "PASS"
        return key, _strelka2_line(rng, contig, site.pos, site.ref, site.alt, filt, plan.tp53_vaf)
    filt = "t_lod" if state == "filtered" else "PASS"
    csq = None
    if plan.vcf_kind == "mutect2_vep":
        common = {"Allele": site.alt, "Consequence": spot.consequence, "IMPACT": spot.impact, "SYMBOL": "TP53",
                  "Gene": TP53_GENE, "Feature_type": "Transcript", "BIOTYPE": "protein_coding", "EXON": site.exon,
                  "Existing_variation": "COSV52661038", "STRAND": "-1", "SYMBOL_SOURCE": "HGNC",
                  "HGNC_ID": "11998", "SOMATIC": "1", "PHENO": "1"}
        canonical = _csq({**common, "Feature": TP53_TX.split(".")[0], "HGVSc": f"{TP53_TX}:c.{spot.c_pos}"
                          f"{spot.cds_ref}>{spot.cds_alt}", "HGVSp": f"{TP53_PROT}:{spot.hgvs_p}",
                          "cDNA_position": str(site.cdna), "CDS_position": str(spot.c_pos),
                          "Protein_position": str((spot.c_pos + 2) // 3), "Amino_acids": spot.amino_acids,
                          "Codons": spot.codons, "CANONICAL": "YES"})
        # A second, non-canonical transcript entry: the reader must pick ENST00000269305.
        other = _csq({**common, "Feature": TP53_ALT_TX, "Consequence": "intron_variant", "IMPACT": "MODIFIER"})
        csq = f"{canonical},{other}"
    return key, _mutect2_line(rng, contig, site.pos, site.ref, site.alt, filt, plan.tp53_vaf, csq)


def vcf_text(seed: int, plan: SamplePlan, rng: random.Random) -> str:
    pool = record_pool(seed, plan.build, plan.vcf_kind, plan.prefix)
    chosen = sorted(rng.sample(range(len(pool.keys)), min(plan.n_records, len(pool.keys))))
    chr17 = CHROMS.index("17")
    if plan.tp53 == "no_chr17":  # a subset file: chromosome 17 was never called (not evidence of wild type)
        chosen = [i for i in chosen if pool.keys[i][0] != chr17]
    keys = [pool.keys[i] for i in chosen]
    lines = [pool.lines[i] for i in chosen]
    extra = tp53_record(rng, plan)
    if extra is not None:
        at = bisect.bisect_left(keys, extra[0])
        lines.insert(at, extra[1])
    return vcf_header(plan) + "".join(lines)


def write_vcf(path: Path, seed: int, plan: SamplePlan, rng: random.Random) -> None:
    text = vcf_text(seed, plan, rng)
    if plan.storage == "plain":
        path.write_text(text)
        return
    plain = path.with_suffix("")  # x.vcf.gz -> x.vcf
    plain.write_text(text)
    if plan.storage == "bgzip_tabix":
        # Compresses with BGZF and writes x.vcf.gz.tbi; removes the plain copy.
        pysam.tabix_index(str(plain), preset="vcf", force=True, keep_original=False)
    else:
        pysam.tabix_compress(str(plain), str(path), force=True)
        plain.unlink()


# --------------------------------------------------------------------------- cohort


def write_sample(out: Path, seed: int, plan: SamplePlan) -> int:
    """Write one sample's files; returns bytes written."""
    folder = out / "data" / plan.shard
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}:{plan.index}:files")
    segs = genome_segments(rng, plan, plan.n_segments if plan.cn_kind != "cnr" else 300)
    cn_path = folder / plan.cn_name
    CN_WRITERS[plan.cn_kind](cn_path, plan, segs, rng)
    vcf_path = folder / plan.vcf_name
    write_vcf(vcf_path, seed, plan, rng)
    size = cn_path.stat().st_size + vcf_path.stat().st_size
    tbi = Path(str(vcf_path) + ".tbi")
    return size + (tbi.stat().st_size if tbi.exists() else 0)


def _write_chunk(args: tuple[str, int, list[int]]) -> int:
    out, seed, indices = args
    return sum(write_sample(Path(out), seed, plan_sample(seed, i)) for i in indices)


def sheet_row(plan: SamplePlan) -> dict[str, str]:
    rel = f"../data/{plan.shard}/"
    tumor_sample = ""
    if plan.vcf_kind != "strelka2" and plan.tumor_sample_in_sheet:
        tumor_sample = plan.sample_id
    return {
        "patient_id": plan.patient_id,
        "sample_id": plan.sample_id,
        "build": plan.build if plan.index % 7 else {"GRCh37": "hg19", "GRCh38": "hg38"}[plan.build],
        "cn_file": rel + plan.cn_name,
        "vcf": rel + plan.vcf_name,
        "cn_format": "seg" if plan.cn_kind == "seg" and plan.index % 2 else "",
        "cn_sample": plan.sample_id if plan.cn_kind == "seg" else "",
        "tumor_sample": tumor_sample,
        "purity": "" if plan.purity is None else f"{plan.purity}",
        "ploidy": "" if plan.ploidy is None else f"{plan.ploidy}",
        "assay": plan.assay or "",
        "collection_date": plan.collection_date,
        "tumor_type": plan.tumor_type,
    }


def ihc_rows(plan: SamplePlan) -> list[dict[str, str]]:
    rng = random.Random(f"ihc:{plan.sample_id}")
    date = (dt.date.fromisoformat(plan.collection_date) + dt.timedelta(days=rng.randint(3, 20))).isoformat()
    rows = []
    base = {"patient_id": plan.patient_id, "sample_id": plan.sample_id, "date": date}
    state = plan.mdm2_ihc
    if state in ("positive", "negative", "pending", "equivocal"):
        rows.append({**base, "marker": "MDM2", "result": state, "method": "IHC clone SMP14 (synthetic)"})
    elif state == "scores_pos":
        rows.append({**base, "marker": "MDM2", "percent_positive": str(rng.randint(30, 95)),
                     "intensity": str(rng.choice((2, 3))), "method": "IHC clone SMP14 (synthetic)"})
    elif state == "scores_neg":
        rows.append({**base, "marker": "MDM2", "percent_positive": str(rng.randint(0, 5)),
                     "intensity": str(rng.choice((0, 1))), "method": "IHC clone SMP14 (synthetic)"})
    if plan.p53_ihc:
        rows.append({**base, "marker": "p53", "result": plan.p53_ihc, "method": "IHC clone DO-7 (synthetic)"})
    return rows


def truth_row(plan: SamplePlan) -> dict[str, str]:
    return {
        "sample_id": plan.sample_id, "patient_id": plan.patient_id, "build": plan.build, "cn_kind": plan.cn_kind,
        "cn_file": f"data/{plan.shard}/{plan.cn_name}", "mdm2_state": plan.mdm2_state, "mdm2_cn": str(plan.mdm2_cn),
        "cdk4_amplified": str(plan.cdk4_amplified).lower(), "tp53": plan.tp53, "vcf_kind": plan.vcf_kind,
        "vcf_storage": plan.storage, "vcf": f"data/{plan.shard}/{plan.vcf_name}", "n_records": str(plan.n_records),
        "mdm2_ihc": plan.mdm2_ihc,
    }


def _write_tsv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), delimiter="\t", lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(buf.getvalue())
    os.replace(tmp, path)


def write_panels(out: Path) -> dict[str, str]:
    """Assay target BEDs (0-based half-open): TP53 coding exons +/-10 bp, MDM2/CDK4 exons, 400 other targets."""
    panels = {}
    for build in ("GRCh37", "GRCh38"):
        rng = random.Random(f"panel:{build}")
        rows: list[tuple[int, int, int, str]] = []
        model = tp53_model(build)
        for exon in model.exons:
            if exon.cds_start is not None and exon.cds_end is not None:
                rows.append((CHROMS.index("17"), exon.cds_start - 11, exon.cds_end + 10, f"TP53_exon{exon.number}"))
        for gene in ("MDM2", "CDK4"):
            chrom, start, end = _locus_tuple(build, gene)
            for i in range(8):
                a = start + (end - start) * i // 8
                rows.append((CHROMS.index(chrom), a, a + 180, f"{gene}_target{i + 1}"))
        sizes = chrom_sizes(build)
        for i in range(400):
            chrom = rng.choice(CHROMS[:-1])
            a = rng.randrange(100_000, sizes[chrom] - 100_000)
            rows.append((CHROMS.index(chrom), a, a + rng.randint(120, 300), f"target{i + 1}"))
        rows.sort()
        path = out / f"bench_panel_{build}.bed"
        path.write_text(f"# BENCH_PANEL_{build[-2:]} targets ({build}, BED 0-based half-open), synthetic\n"
                        + "".join(f"{CHROMS[c]}\t{a}\t{b}\t{name}\n" for c, a, b, name in rows))
        panels[f"BENCH_PANEL_{build[-2:]}"] = str(path)
    return panels


def write_config(out: Path, *, outdir: Path | None = None, name: str = "config.yaml", extra: str = "") -> Path:
    """A run configuration with absolute paths (Snakemake and mdm2screen may run from anywhere)."""
    panels = {f"BENCH_PANEL_{b[-2:]}": out / f"bench_panel_{b}.bed" for b in ("GRCh37", "GRCh38")}
    lines = [f"samples: {out / 'samples'}", f"ihc: {out / 'ihc.tsv'}", f"outdir: {outdir or out / 'results'}"]
    present = [f"  {k}: {v}" for k, v in panels.items() if v.exists()]
    if present:
        lines += ["assays:", *present]
    path = out / name
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


@dataclass
class CohortInfo:
    root: str
    sheet: str
    ihc: str
    config: str
    first_index: int
    n_samples: int  # written by this call
    total_samples: int  # in the cohort after this call
    n_patients: int  # in the cohort after this call
    bytes_written: int
    seconds: float
    seed: int = DEFAULT_SEED
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _count(plans: list[SamplePlan]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for attr in ("cn_kind", "mdm2_state", "vcf_kind", "storage", "mdm2_ihc", "build"):
        tally: dict[str, int] = {}
        for p in plans:
            tally[getattr(p, attr)] = tally.get(getattr(p, attr), 0) + 1
        out[attr] = dict(sorted(tally.items()))
    tp53: dict[str, int] = {}
    for p in plans:
        key = p.tp53.split(":")[0] if ":" in p.tp53 else p.tp53
        key = key if key in ("wild_type", "no_chr17", "subclonal", "filtered") else "mutated"
        tp53[key] = tp53.get(key, 0) + 1
    out["tp53"] = dict(sorted(tp53.items()))
    return out


def make_cohort(out: str | Path, n: int, *, seed: int = DEFAULT_SEED, start: int = 0, sheet_name: str = "cohort.tsv",
                workers: int = 1) -> CohortInfo:
    """Write samples ``start .. start+n-1`` and their sheet; rewrite the IHC table and truth for ``0 .. start+n-1``.

    Calling it again with ``start`` = the current size adds samples as a new sheet in
    ``samples/`` (what a nightly run picks up): existing files are left untouched.
    """
    began = time.perf_counter()
    out = Path(out).resolve()
    (out / "samples").mkdir(parents=True, exist_ok=True)
    if start == 0:
        write_panels(out)
    indices = list(range(start, start + n))
    chunks = [indices[i:i + 50] for i in range(0, len(indices), 50)]
    if workers > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            written = sum(pool.map(_write_chunk, [(str(out), seed, c) for c in chunks]))
    else:
        written = sum(_write_chunk((str(out), seed, c)) for c in chunks)
    plans_new = [plan_sample(seed, i) for i in indices]
    _write_tsv(out / "samples" / sheet_name, SHEET_COLUMNS, (sheet_row(p) for p in plans_new))
    all_plans = [plan_sample(seed, i) for i in range(start + n)]
    _write_tsv(out / "ihc.tsv", IHC_COLUMNS, (r for p in all_plans for r in ihc_rows(p)))
    _write_tsv(out / "truth.tsv", TRUTH_COLUMNS, (truth_row(p) for p in all_plans))
    config = write_config(out)
    info = CohortInfo(
        root=str(out), sheet=str(out / "samples" / sheet_name), ihc=str(out / "ihc.tsv"), config=str(config),
        first_index=start, n_samples=n, total_samples=start + n, n_patients=len({p.patient_id for p in all_plans}),
        bytes_written=written, seconds=round(time.perf_counter() - began, 3), seed=seed, counts=_count(all_plans),
    )
    (out / f"cohort_{sheet_name.removesuffix('.tsv')}.json").write_text(json.dumps(info.to_dict(), indent=1) + "\n")
    return info


def remove_samples(out: str | Path, sheet_name: str, *, seed: int = DEFAULT_SEED, keep: int) -> None:
    """Undo an addition: drop the added sheet and its files; IHC table and truth back to ``0 .. keep-1``."""
    out = Path(out).resolve()
    sheet = out / "samples" / sheet_name
    if sheet.exists():
        with open(sheet, newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                for col in ("cn_file", "vcf"):
                    p = (sheet.parent / row[col]).resolve()
                    for q in (p, Path(str(p) + ".tbi")):
                        if q.exists():
                            q.unlink()
        sheet.unlink()
    (out / f"cohort_{sheet_name.removesuffix('.tsv')}.json").unlink(missing_ok=True)
    plans = [plan_sample(seed, i) for i in range(keep)]
    _write_tsv(out / "ihc.tsv", IHC_COLUMNS, (r for p in plans for r in ihc_rows(p)))
    _write_tsv(out / "truth.tsv", TRUTH_COLUMNS, (truth_row(p) for p in plans))


# --------------------------------------------------------------------------- shared-file cohort

# Header of the Firehose/Oncotator MAF (RTCGA GBMLGG.mutations, 80 columns), copied verbatim.
MAF_COLUMNS = (
    "Hugo_Symbol", "Entrez_Gene_Id", "Center", "NCBI_Build", "Chromosome", "Start_position", "End_position", "Strand",
    "Variant_Classification", "Variant_Type", "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2",
    "dbSNP_RS", "dbSNP_Val_Status", "Tumor_Sample_Barcode", "Matched_Norm_Sample_Barcode", "Match_Norm_Seq_Allele1",
    "Match_Norm_Seq_Allele2", "Tumor_Validation_Allele1", "Tumor_Validation_Allele2", "Match_Norm_Validation_Allele1",
    "Match_Norm_Validation_Allele2", "Verification_Status", "Validation_Status", "Mutation_Status",
    "Sequencing_Phase", "Sequence_Source", "Validation_Method", "Score", "BAM_file", "Sequencer",
    "Tumor_Sample_UUID", "Matched_Norm_Sample_UUID", "Genome_Change", "Annotation_Transcript", "Transcript_Strand",
    "Transcript_Exon", "Transcript_Position", "cDNA_Change", "Codon_Change", "Protein_Change", "Other_Transcripts",
    "Refseq_mRNA_Id", "Refseq_prot_Id", "SwissProt_acc_Id", "SwissProt_entry_Id", "Description", "UniProt_AApos",
    "UniProt_Region", "UniProt_Site", "UniProt_Natural_Variations", "UniProt_Experimental_Info",
    "GO_Biological_Process", "GO_Cellular_Component", "GO_Molecular_Function", "COSMIC_overlapping_mutations",
    "COSMIC_fusion_genes", "COSMIC_tissue_types_affected", "COSMIC_total_alterations_in_gene",
    "Tumorscape_Amplification_Peaks", "Tumorscape_Deletion_Peaks", "TCGAscape_Amplification_Peaks",
    "TCGAscape_Deletion_Peaks", "DrugBank", "ref_context", "gc_content", "CCLE_ONCOMAP_overlapping_mutations",
    "CCLE_ONCOMAP_total_mutations_in_gene", "CGC_Mutation_Type", "CGC_Translocation_Partner",
    "CGC_Tumor_Types_Somatic", "CGC_Tumor_Types_Germline", "CGC_Other_Diseases", "DNARepairGenes_Role",
    "FamilialCancerDatabase_Syndromes", "MUTSIG_Published_Results", "OREGANNO_ID", "OREGANNO_Values",
    "bcr_patient_barcode",
)  # fmt: skip
# Firehose SNP6 segment header (RTCGA GBMLGG.snp6.minus_germline_cnv.hg19).
FIREHOSE_SEG_HEADER = "Sample\tChromosome\tStart\tEnd\tNum_Probes\tSegment_Mean\n"
MAF_CLASSES = (("Missense_Mutation", 0.55), ("Silent", 0.25), ("Nonsense_Mutation", 0.05), ("Intron", 0.05),
               ("3'UTR", 0.05), ("Splice_Site", 0.05))


def _maf_background_row(rng: random.Random) -> dict[str, str]:
    chrom = rng.choice(CHROMS)
    size = chrom_sizes("GRCh37")[chrom]
    _, t_start, t_end = _locus_tuple("GRCh37", "TP53")
    while True:
        pos = rng.randrange(10_000, size - 10_000)
        if not (chrom == "17" and t_start - TP53_GUARD <= pos <= t_end + TP53_GUARD):
            break
    ref = rng.choice("ACGT")
    alt = rng.choice([b for b in "ACGT" if b != ref])
    gene = rng.choice(BACKGROUND_GENES)
    c_pos = rng.randint(1, 4000)
    aa = rng.choice("ACDEFGHIKLMNPQRSTVWY")
    return {
        "Hugo_Symbol": gene, "Entrez_Gene_Id": str(rng.randint(1, 100_000)), "Center": "broad.mit.edu",
        "NCBI_Build": "37", "Chromosome": chrom, "Start_position": str(pos), "End_position": str(pos),
        "Strand": "+", "Variant_Classification": _pick(rng, MAF_CLASSES), "Variant_Type": "SNP",
        "Reference_Allele": ref, "Tumor_Seq_Allele1": ref, "Tumor_Seq_Allele2": alt,
        "Verification_Status": "", "Mutation_Status": "Somatic", "Sequencing_Phase": "Phase_I",
        "Sequence_Source": "Capture", "Sequencer": "Illumina GAIIx", "Genome_Change": f"g.chr{chrom}:{pos}{ref}>{alt}",
        "Annotation_Transcript": f"uc00{rng.randint(1, 9)}{rng.choice('abcdefgh')}{rng.choice('xyz')}"
                                 f"{rng.randint(1, 9)}.1",
        "Transcript_Strand": rng.choice("+-"), "Transcript_Exon": str(rng.randint(1, 30)),
        "Transcript_Position": str(c_pos + 100), "cDNA_Change": f"c.{c_pos}{ref}>{alt}",
        "Codon_Change": f"c.({c_pos}-{c_pos + 2})GCA>ACA", "Protein_Change": f"p.{aa}{c_pos // 3 + 1}{aa}",
        "Refseq_mRNA_Id": f"NM_{rng.randint(1000, 999_999):06d}",
        "Refseq_prot_Id": f"NP_{rng.randint(1000, 999_999):06d}",
        "Description": f"{gene} protein (synthetic)", "GO_Biological_Process": "cell cycle|signal transduction",
        "GO_Cellular_Component": "nucleus|cytoplasm", "GO_Molecular_Function": "protein binding",
        "COSMIC_total_alterations_in_gene": str(rng.randint(0, 2000)),
        "Tumorscape_Amplification_Peaks": "all_cancers(77;0.00164)|all_epithelial(69;0.000959)",
        "TCGAscape_Deletion_Peaks": "Epithelial(90;1.79e-36)|OV - Ovarian serous cystadenocarcinoma(86;3.94e-22)",
        "ref_context": "".join(rng.choice("ACGT") for _ in range(21)), "gc_content": f"{rng.uniform(0.3, 0.7):.3f}",
    }


def _maf_tp53_row(rng: random.Random, name: str) -> dict[str, str]:
    spot = next(h for h in HOTSPOTS if h.name == name)
    site = hotspot_site(name, "GRCh37")
    return {
        "Hugo_Symbol": "TP53", "Entrez_Gene_Id": "7157", "Center": "broad.mit.edu", "NCBI_Build": "37",
        "Chromosome": "17", "Start_position": str(site.pos), "End_position": str(site.pos), "Strand": "+",
        "Variant_Classification": "Nonsense_Mutation" if spot.consequence == "stop_gained" else "Missense_Mutation",
        "Variant_Type": "SNP", "Reference_Allele": site.ref, "Tumor_Seq_Allele1": site.ref,
        "Tumor_Seq_Allele2": site.alt, "Mutation_Status": "Somatic", "Sequencing_Phase": "Phase_I",
        "Sequence_Source": "Capture", "Sequencer": "Illumina GAIIx",
        "Genome_Change": f"g.chr17:{site.pos}{site.ref}>{site.alt}", "Annotation_Transcript": "uc002gim.2",
        "Transcript_Strand": "-", "Transcript_Exon": site.exon.split("/")[0], "Transcript_Position": str(site.cdna),
        "cDNA_Change": f"c.{spot.c_pos}{spot.cds_ref}>{spot.cds_alt}", "Protein_Change": spot.short_p,
        "Refseq_mRNA_Id": "NM_000546", "Refseq_prot_Id": "NP_000537", "SwissProt_acc_Id": "P04637",
        "SwissProt_entry_Id": "P53_HUMAN", "Description": "tumor protein p53",
        "ref_context": "".join(rng.choice("ACGT") for _ in range(21)), "gc_content": f"{rng.uniform(0.4, 0.7):.3f}",
    }


def make_shared_cohort(out: str | Path, *, rows: int = 500, maf_mb: float = 20.0, seg_mb: float = 5.0,
                       seed: int = DEFAULT_SEED) -> CohortInfo:
    """``rows`` sheet rows naming one cohort MAF (~``maf_mb`` MB) and one multi-sample SEG (~``seg_mb`` MB)."""
    began = time.perf_counter()
    out = Path(out).resolve()
    (out / "samples").mkdir(parents=True, exist_ok=True)
    (out / "data").mkdir(exist_ok=True)
    rng = random.Random(f"{seed}:shared")
    plans = []
    for i in range(rows):
        tss, participant = f"{(i // 97) % 90 + 10:02d}", f"{1000 + i:04d}"
        patient = f"TCGA-{tss}-{participant}"
        plans.append({
            "patient": patient,
            "sample": f"{patient}-01A",
            "maf_barcode": f"{patient}-01A-01D-{1400 + i % 300:04d}-08",  # WXS aliquot (MAF)
            "seg_barcode": f"{patient}-01A-01D-{100 + i % 300:04d}-01",  # SNP6 aliquot (SEG), another analyte
            "normal_seg": f"{patient}-10A-01D-{100 + i % 300:04d}-01",
            "mdm2": _pick(rng, (("amplified", 0.25), ("neutral", 0.75))),
            "tp53": _pick(rng, (("mutated", 0.3), ("wild_type", 0.7))),
            "spot": rng.choice(HOTSPOTS).name,
            "ihc": _pick(rng, (("positive", 0.6), ("negative", 0.15), ("pending", 0.15), ("none", 0.1))),
        })
    # MAF: a pool of background rows, each sample taking its share, rows grouped by sample like Firehose.
    pool_rng = random.Random(f"{seed}:shared:maf-pool")
    pool = [_maf_background_row(pool_rng) for _ in range(4000)]
    row_bytes = sum(len("\t".join(r.get(c, "") for c in MAF_COLUMNS)) + 40 for r in pool[:200]) / 200
    per_sample = max(1, int(maf_mb * 1e6 / row_bytes / rows))
    maf = out / "data" / "cohort.maf"
    with open(maf, "w") as handle:
        handle.write("\t".join(MAF_COLUMNS) + "\n")
        for p in plans:
            picked = [dict(pool[j]) for j in rng.sample(range(len(pool)), per_sample)]
            if p["tp53"] == "mutated":
                picked.insert(rng.randrange(len(picked) + 1), _maf_tp53_row(rng, p["spot"]))
            for r in picked:
                r["Tumor_Sample_Barcode"] = p["maf_barcode"]
                r["Matched_Norm_Sample_Barcode"] = p["maf_barcode"].replace("-01A-", "-10A-")
                r["bcr_patient_barcode"] = p["sample"][:15]
                handle.write("\t".join(r.get(c, "") for c in MAF_COLUMNS) + "\n")
    # SEG: tumour and (for a tenth) matched-normal aliquots, ~seg_mb MB in all.
    n_profiles = rows + rows // 10
    per_profile = max(30, int(seg_mb * 1e6 / 52 / n_profiles))
    seg = out / "data" / "cohort.seg"
    with open(seg, "w") as handle:
        handle.write(FIREHOSE_SEG_HEADER)
        for k, p in enumerate(plans):
            targets = [(p["seg_barcode"], p["mdm2"])]
            if k % 10 == 0:
                targets.append((p["normal_seg"], "neutral"))
            for barcode, state in targets:
                seg_rng = random.Random(f"{seed}:shared:seg:{barcode}")
                fake = SamplePlan(
                    index=k, patient_id=p["patient"], sample_id=p["sample"], build="GRCh37", prefix="", cn_kind="seg",
                    mdm2_state=state,
                    mdm2_cn=seg_rng.uniform(12, 40) if state == "amplified" else seg_rng.uniform(1.7, 3),
                    cdk4_amplified=False, cdk4_cn=2.0, tp53="wild_type", tp53_vaf=0, vcf_kind="", storage="",
                    n_records=0, n_segments=per_profile, purity=None, ploidy=None, assay=None,
                    collection_date="2015-01-01", tumor_type="", tumor_sample_in_sheet=True, mdm2_ihc="none",
                    p53_ihc=None,
                )
                for s in genome_segments(seg_rng, fake, per_profile):
                    handle.write(f"{barcode}\t{s.chrom}\t{s.start}\t{s.end}\t{s.probes}\t{_log2(s.cn):.4f}\n")
    sheet_rows = [{
        "patient_id": p["patient"], "sample_id": p["sample"], "build": "GRCh37", "cn_file": "../data/cohort.seg",
        "vcf": "../data/cohort.maf", "cn_sample": p["seg_barcode"], "tumor_sample": p["maf_barcode"],
        "tumor_type": "Glioblastoma", "collection_date": "2015-06-01",
    } for p in plans]
    _write_tsv(out / "samples" / "cohort.tsv", SHEET_COLUMNS, sheet_rows)
    ihc = [{"patient_id": p["patient"], "sample_id": p["sample"], "marker": "MDM2", "result": p["ihc"],
            "method": "IHC clone SMP14 (synthetic)", "date": "2015-07-01"} for p in plans if p["ihc"] != "none"]
    _write_tsv(out / "ihc.tsv", IHC_COLUMNS, ihc)
    _write_tsv(out / "truth.tsv", ("sample_id", "mdm2_state", "tp53"),
               ({"sample_id": p["sample"], "mdm2_state": p["mdm2"], "tp53": p["tp53"]} for p in plans))
    config = write_config(out)
    info = CohortInfo(
        root=str(out), sheet=str(out / "samples" / "cohort.tsv"), ihc=str(out / "ihc.tsv"), config=str(config),
        first_index=0, n_samples=rows, total_samples=rows, n_patients=rows,
        bytes_written=maf.stat().st_size + seg.stat().st_size, seconds=round(time.perf_counter() - began, 3),
        seed=seed, counts={"files": {"maf_bytes": maf.stat().st_size, "seg_bytes": seg.stat().st_size}},
    )
    (out / "cohort_cohort.json").write_text(json.dumps(info.to_dict(), indent=1) + "\n")
    return info


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="cohort folder (created; keep it outside the repository)")
    parser.add_argument("--n", type=int, default=100, help="samples to write (default: %(default)s)")
    parser.add_argument("--start", type=int, default=0, help="index of the first sample (to add to a cohort)")
    parser.add_argument("--sheet", default="cohort.tsv", help="sample sheet name inside OUT/samples/")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    parser.add_argument("--shared", action="store_true", help="write the shared-file (one MAF + one SEG) cohort")
    parser.add_argument("--rows", type=int, default=500, help="--shared: sheet rows (default: %(default)s)")
    parser.add_argument("--maf-mb", type=float, default=20.0, help="--shared: MAF size in MB")
    parser.add_argument("--seg-mb", type=float, default=5.0, help="--shared: SEG size in MB")
    args = parser.parse_args(argv)
    if args.shared:
        info = make_shared_cohort(args.out, rows=args.rows, maf_mb=args.maf_mb, seg_mb=args.seg_mb, seed=args.seed)
    else:
        info = make_cohort(args.out, args.n, seed=args.seed, start=args.start, sheet_name=args.sheet,
                           workers=args.workers)
    print(json.dumps(info.to_dict(), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
