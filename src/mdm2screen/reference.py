"""Gene coordinates and TP53 reference data shipped in ``resources/reference/``.

Sources are documented in ``resources/reference/README.md``. Coordinates are 1-based,
inclusive, canonical-transcript extents, with plain contig names.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from .genome import BUILDS
from .paths import reference_path


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
