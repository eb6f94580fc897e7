"""Copy-number layer: readers for common callers' outputs and the gene-level estimate.

Public API (used by the screening layer)::

    FORMATS                       accepted values of the sample sheet's ``cn_format`` column
    detect_format(path)           format from content (never the file name)
    read_copy_number(path, *, fmt=None, sample=None, build, keep_chromosomes=None,
                     fallback_sample=None) -> CopyNumberProfile
    gene_copy_number(profile, locus, rule, *, purity, ploidy, purity_source) -> GeneCopyNumber
    chromosome_profile(profile, chrom, *, purity, ploidy, start=None, end=None) -> list[dict]

Each format is its own parser module (whose docstring states the format's coordinate convention)
plus one entry in ``formats.REGISTRY``; every profile is 1-based inclusive with normalised contig names.
"""

from __future__ import annotations

from .detect import detect_format
from .formats import FORMATS
from .genelevel import chromosome_profile, gene_copy_number
from .read import read_copy_number

__all__ = ["FORMATS", "chromosome_profile", "detect_format", "gene_copy_number", "read_copy_number"]
