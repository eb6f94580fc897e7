"""Evidence data model shared by the layers: readers -> evidence -> decision -> reports.

Coordinates are 1-based and inclusive everywhere in this model, whatever the source format
used (each reader converts and documents its own convention). Contig names are plain
(``12``, ``17``, ``X``); see :func:`mdm2screen.genome.normalize_contig`.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

# Kinds of raw copy-number value a file can carry.
ValueKind = Literal["log2", "log10", "copy_number", "fold_change"]


@dataclass(frozen=True)
class Reason:
    """One reason behind a call or a status: a stable code plus a sentence for people."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


# --------------------------------------------------------------------------- copy number


@dataclass(slots=True)
class Segment:
    chrom: str  # normalised contig name
    start: int  # 1-based inclusive
    end: int  # 1-based inclusive
    value: float  # raw value as in the file (log2, log10, fold change or copy number)
    value_kind: ValueKind
    copy_number: float | None = None  # absolute total copy number if the file states it
    n_probes: int | None = None
    major_cn: float | None = None
    minor_cn: float | None = None
    line: int | None = None  # line number in the source file (1-based)

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@dataclass
class GeneRow:
    """A row of a gene-level table (e.g. PURPLE purple.cnv.gene.tsv)."""

    gene: str
    chrom: str
    start: int
    end: int
    min_copy_number: float
    max_copy_number: float
    line: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class CopyNumberProfile:
    """Everything a copy-number reader extracts from one file for one sample."""

    path: str
    format: str  # a name from mdm2screen.cn.FORMATS, e.g. "cnvkit", "purple_somatic", "seg"
    sample: str | None
    segments: list[Segment]  # sorted by (chrom, start); may be bins for .cnr
    purity: float | None = None  # stated by the file itself (PURPLE, FACETS, Sequenza)
    ploidy: float | None = None
    contig_lengths: dict[str, int] | None = None  # from a header, names normalised
    gene_rows: dict[str, GeneRow] | None = None  # gene-level tables only
    is_bin_level: bool = False  # CNVkit .cnr: bins, summarised per gene by median
    notes: list[str] = field(default_factory=list)


@dataclass
class AmplificationRule:
    """How a gene's copy number is judged; one per gene, from config."""

    mode: Literal["absolute", "relative_ploidy", "log2", "fold_change"] = "absolute"
    amplified_at: float = 8.0  # value >= this: amplified
    gain_at: float = 5.0  # gain_at <= value < amplified_at: equivocal (gain, not amplification)
    summary: Literal["max", "weighted"] = "weighted"
    min_covered_fraction: float = 0.5
    min_purity: float = 0.2  # lower end of the purity range considered when purity is unknown
    deletion_at: float = 0.5  # copy number <= this: homozygous deletion (used for TP53)
    min_plausible_purity: float = 0.08  # a stated purity below this is implausible: not assessable
    plausible_ploidy: tuple[float, float] = (1.0, 8.0)  # a stated ploidy outside this is implausible
    unknown_ploidy: tuple[float, float] = (2.0, 2.0)  # ploidy range considered when ploidy is unknown
    min_bins: int = 3  # bin-level files: fewer bins over the gene -> not assessable
    max_gap_bridged: int = 1_000_000  # bp; probe gaps up to this are split at their midpoint


@dataclass
class GeneCopyNumber:
    gene: str
    build: str
    chrom: str
    start: int
    end: int
    # amplified | equivocal | not_amplified | deleted | not_assessable
    call: str
    amplified: bool | None  # None when not assessable; never False for missing evidence
    copy_number: float | None  # absolute tumour copy number used for the call
    raw_value: float | None  # as in the file (log2 / log10 / fold change / copy number)
    raw_kind: str | None
    method: str  # e.g. "max over overlapping segments", "coverage-weighted mean", "PURPLE gene table"
    threshold: dict[str, Any]  # mode, amplified_at, gain_at, compared value
    covered_fraction: float  # fraction of the gene body covered by segments, 0..1
    segments: list[dict[str, Any]]  # segments used, with overlap_bp and line
    purity: float | None = None
    ploidy: float | None = None
    purity_source: str | None = None  # "sample sheet", "file", None
    reasons: list[Reason] = field(default_factory=list)
    # The estimate with its uncertainty (None when nothing could be estimated):
    estimate: CopyNumberEstimate | None = None
    observed_fraction: float = 0.0  # fraction of the gene body covered by measured (not interpolated) bases
    deletion: dict[str, Any] | None = None  # deletion evidence (TP53: over coding exons), see genelevel
    # The amplicon around the gene and whether it is focal (genelevel.estimate_amplicon); None
    # when not estimated (TP53, or no focal rule given).
    amplicon: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        # Field by field rather than dataclasses.asdict: its recursive deep copy of every
        # segment dict was a tenth of a batch's screening time. One level of copying is enough,
        # the values are scalars.
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["threshold"] = dict(self.threshold)
        d["segments"] = [dict(s) for s in self.segments]
        d["reasons"] = [r.to_dict() for r in self.reasons]
        d["estimate"] = self.estimate.to_dict() if self.estimate is not None else None
        d["deletion"] = dict(self.deletion) if self.deletion is not None else None
        d["amplicon"] = copy.deepcopy(self.amplicon) if self.amplicon is not None else None
        return d


@dataclass(frozen=True)
class CNComponent:
    """One measured piece of a gene's copy number: a segment's value and how much of the gene it covers.

    ``value`` is a linear ratio against the sample's average when ``converted`` (log2/log10/fold
    change files), else an absolute tumour copy number stated by the file.
    """

    value: float
    log2: float  # raw log2 ratio (converted) or log2(CN / 2) (absolute)
    weight: float  # measured bases of the gene (1 for single-value summaries)
    converted: bool


@dataclass(frozen=True)
class CopyNumberEstimate:
    """A gene's copy number as a function of what is unknown, evaluated over its plausible range.

    ``purity`` and ``ploidy`` are (low, high) ranges: a point when stated, the configured plausible
    range when unknown. ``summary`` says how components combine: ``weighted`` (mean weighted by
    measured bases), ``max`` (highest compared value) or ``single``. ``partial_max`` is the highest
    copy number reported inside the gene by a gene-level table (PURPLE maxCopyNumber).
    """

    components: tuple[CNComponent, ...]
    summary: str
    purity: tuple[float, float]
    ploidy: tuple[float, float]
    purity_stated: bool
    ploidy_stated: bool
    can_exclude: bool = True  # False: a stated purity so low that a negative result cannot exclude amplification
    partial_max: float | None = None
    assumptions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "purity_range": list(self.purity),
            "ploidy_range": list(self.ploidy),
            "purity_stated": self.purity_stated,
            "ploidy_stated": self.ploidy_stated,
            "can_exclude": self.can_exclude,
            "partial_max": self.partial_max,
            "assumptions": list(self.assumptions),
            "components": [
                {"value": c.value, "log2": c.log2, "weight": c.weight, "converted": c.converted}
                for c in self.components
            ],
        }


# --------------------------------------------------------------------------- variants


@dataclass
class VariantCall:
    """One variant record in the TP53 region, whatever its fate."""

    chrom: str
    pos: int  # 1-based, VCF-style (normalised, left-aligned)
    ref: str
    alt: str
    filters: list[str]  # ["PASS"], ["."], or the failed filters
    vaf: float | None
    depth: int | None
    alt_count: int | None
    consequence: str  # project class, see mdm2screen.variants.CONSEQUENCE_CLASSES
    hgvs_c: str | None
    hgvs_p: str | None
    annotation_source: str  # "VEP", "SnpEff", "MAF", "computed"
    rsid: str | None = None
    line: int | None = None
    # Filled by the TP53 assessment:
    decides: bool = False
    category: str = (
        ""  # deciding | below_vaf | filtered | germline | benign_polymorphism | non_deciding_consequence | vaf_unknown
    )
    why: str = ""

    def key(self) -> tuple[str, int, str, str]:
        return (self.chrom, self.pos, self.ref, self.alt)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VariantSource:
    """What a variant reader found for TP53 in one sample's VCF or MAF."""

    path: str
    format: str  # "vcf" or "maf"
    sample: str | None  # tumour column / barcode used
    variants: list[VariantCall]  # every record overlapping the TP53 region (+ splice margin)
    records_on_tp53_chrom: int  # records (any FILTER) on TP53's chromosome; 0 means no evidence
    indexed: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class CoverageEvidence:
    """Whether TP53 was examined: from BAM/CRAM, mosdepth, or an assay's targets."""

    verified: bool  # True when some coverage evidence was evaluated
    adequate: bool | None  # None when not verified
    method: str | None  # "bam", "mosdepth", "assay_targets", "gene_panel", None
    fraction_covered: float | None = None  # fraction of TP53 coding bases at >= min_depth / targeted
    min_depth: int | None = None
    detail: str = ""


@dataclass
class TP53Evidence:
    status: Literal["wild_type", "mutated", "not_assessable"]
    variants: list[VariantCall]  # every TP53 variant seen, each with decides/category/why
    coverage: CoverageEvidence
    reasons: list[Reason] = field(default_factory=list)
    copy_number: GeneCopyNumber | None = None  # TP53 gene-level CN (homozygous deletion check)
    source: str | None = None  # path of the VCF/MAF

    @property
    def deciding(self) -> list[VariantCall]:
        return [v for v in self.variants if v.decides]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "variants": [v.to_dict() for v in self.deciding],
            "all_variants": [v.to_dict() for v in self.variants],
            "coverage": asdict(self.coverage),
            "reasons": [r.to_dict() for r in self.reasons],
            "copy_number": self.copy_number.to_dict() if self.copy_number else None,
            "source": self.source,
        }
