"""Gene coordinates and TP53 reference data shipped in ``resources/reference/``.

Sources are documented in ``resources/reference/README.md``. Coordinates are 1-based,
inclusive, canonical-transcript extents, with plain contig names.

The genomic sequence of the TP53 locus (RefSeqGene NG_017013.2, the whole gene with 5 kb
upstream and 8.6 kb downstream) is read once per process and placed on the chromosome of each
build through ``tp53_genomic.tsv``; see :func:`tp53_genomic`.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
from dataclasses import dataclass
from functools import cache

from .genome import BUILDS
from .paths import reference_path

# The TP53 RefSeqGene record as NCBI publishes it (copied byte for byte, gzip-compressed), and the
# SHA-256 of the uncompressed FASTA: a file that differs is a packaging error, never used.
TP53_GENOMIC_FASTA = "tp53_genomic_NG_017013.2.fa.gz"
TP53_GENOMIC_SHA256 = "105c16b03731e46465bfa06a248a38d9aa6faa0b29ae0d89a13ac3b8b2759367"
TP53_GENOMIC_MAP = "tp53_genomic.tsv"


@dataclass(frozen=True)
class GeneLocus:
    gene: str
    build: str
    chrom: str  # plain style, e.g. "12"
    start: int  # 1-based inclusive
    end: int  # 1-based inclusive
    strand: str  # "+" or "-"

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def label(self) -> str:
        return f"{self.gene} chr{self.chrom}:{self.start:,}-{self.end:,} ({self.build})"


@cache
def gene_loci(build: str) -> dict[str, GeneLocus]:
    if build not in BUILDS:
        raise ValueError(f"unknown genome build {build!r}")
    key = build.lower()
    loci = {}
    with open(reference_path("genes.tsv"), newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            loci[row["gene"]] = GeneLocus(
                gene=row["gene"],
                build=build,
                chrom=row["chrom"],
                start=int(row[f"{key}_start"]),
                end=int(row[f"{key}_end"]),
                strand=row["strand"],
            )
    return loci


def gene_locus(gene: str, build: str) -> GeneLocus:
    loci = gene_loci(build)
    if gene not in loci:
        raise KeyError(
            f"gene {gene!r} has no coordinates in resources/reference/genes.tsv (have {', '.join(sorted(loci))})"
        )
    return loci[gene]


@cache
def known_genes(build: str | None = None) -> frozenset[str]:
    """Genes with coordinates in resources/reference/genes.tsv for ``build`` (None: in every build)."""
    builds = BUILDS if build is None else (build,)
    genes: frozenset[str] | None = None
    for b in builds:
        names = frozenset(gene_loci(b))
        genes = names if genes is None else genes & names
    return genes or frozenset()


# --------------------------------------------------------------------------- genomic sequence


@dataclass(frozen=True)
class GenomicSequence:
    """A stretch of one chromosome's plus strand taken from a shipped reference sequence."""

    accession: str  # the source record, e.g. NG_017013.2
    build: str
    chrom: str  # plain style
    start: int  # 1-based genomic position of seq[0]
    seq: str  # plus strand, upper case A/C/G/T

    @property
    def end(self) -> int:
        return self.start + len(self.seq) - 1

    def base(self, pos: int) -> str | None:
        """The plus-strand base at ``pos``; None outside the shipped stretch (unknown, never guessed)."""
        if self.start <= pos <= self.end:
            return self.seq[pos - self.start]
        return None

    def fetch(self, start: int, end: int) -> str | None:
        """Plus-strand bases ``start..end`` (inclusive; "" when end < start); None unless all are known."""
        if end < start:
            return ""
        if start < self.start or end > self.end:
            return None
        return self.seq[start - self.start : end - self.start + 1]


_COMPLEMENT = str.maketrans("ACGT", "TGCA")


@cache
def _fasta_records(name: str, sha256: str) -> dict[str, str]:
    """Accession -> sequence of a shipped gzip FASTA, after checking its content's SHA-256."""
    with gzip.open(reference_path(name), "rb") as handle:
        raw = handle.read()
    found = hashlib.sha256(raw).hexdigest()
    if found != sha256:
        raise RuntimeError(f"{name}: content SHA-256 is {found}, expected {sha256} (damaged or replaced file)")
    records: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in raw.decode("ascii").splitlines():
        if line.startswith(">"):
            current = records.setdefault(line[1:].split()[0], [])
        elif current is not None:
            current.append(line.strip().upper())
    return {acc: "".join(parts) for acc, parts in records.items()}


@cache
def tp53_genomic(build: str) -> GenomicSequence:
    """The plus-strand genomic sequence of the TP53 locus in ``build`` (read once per process).

    NG_017013.2 runs in TP53's transcript direction, i.e. it is the reverse complement of the
    chromosome's plus strand; ``tp53_genomic.tsv`` places it on chromosome 17 of each build.
    """
    if build not in BUILDS:
        raise ValueError(f"unknown genome build {build!r}")
    with open(reference_path(TP53_GENOMIC_MAP), newline="") as handle:
        rows = [row for row in csv.DictReader(handle, delimiter="\t") if row["build"] == build]
    if len(rows) != 1:
        raise RuntimeError(f"{TP53_GENOMIC_MAP} must have exactly one row for {build}, found {len(rows)}")
    row = rows[0]
    record = _fasta_records(TP53_GENOMIC_FASTA, TP53_GENOMIC_SHA256).get(row["accession"])
    if record is None:
        raise RuntimeError(f"{TP53_GENOMIC_FASTA} holds no record {row['accession']}")
    acc_start, acc_end = int(row["accession_start"]), int(row["accession_end"])
    g_start, g_end = int(row["genomic_start"]), int(row["genomic_end"])
    piece = record[acc_start - 1 : acc_end]
    if len(piece) != acc_end - acc_start + 1 or len(piece) != g_end - g_start + 1 or set(piece) - set("ACGT"):
        raise RuntimeError(f"{TP53_GENOMIC_MAP} row for {build} does not fit {row['accession']} ({len(record)} bp)")
    if row["accession_strand"] == "minus":
        piece = piece.translate(_COMPLEMENT)[::-1]
    elif row["accession_strand"] != "plus":
        raise RuntimeError(
            f"{TP53_GENOMIC_MAP}: accession_strand must be plus or minus, not {row['accession_strand']!r}"
        )
    return GenomicSequence(row["accession"], build, row["chrom"], g_start, piece)
