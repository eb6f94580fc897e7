"""The copy-number format registry: one entry per format, the only list of formats there is.

A format is one parser module plus one :class:`CnFormat` entry below: its name (the sample
sheet's ``cn_format``), its content signature (how ``detect.py`` recognises it), whether the
gene-level estimate may bridge gaps between its segments, and its coordinate convention (the
columns and 0-/1-based counting the off-chromosome sieve relies on). Detection, reading, the
sample sheet's ``cn_format`` check and gene-level gap bridging all read this registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import aceseq, ascat, bed, cnvkit, dragen, facets, gatk, purple, seg, sequenza
from ._common import Layout, ParsedFile, Table


@dataclass(frozen=True)
class CnFormat:
    name: str
    parse: Callable[..., ParsedFile]  # (path, lines, name[, sieve=]) -> ParsedFile
    # Content signature: header column keys (normalised, see _common.norm_key) -> whether they are this
    # format's. None: never detected from a header (a VCF, or seg_log10, which must be named).
    signature: Callable[[list[str]], bool] | None
    # Signatures are tried from the lowest rank: the most specific first (an ACEseq header also has
    # columns a BED table would accept).
    detect_rank: int | None
    # Whether gene_copy_number may bridge a gap between two segments (segment-level callers; not bins,
    # gene tables, VCF calls or BED tables, where a gap is unmeasured).
    gap_bridged: bool
    # Coordinate convention of a parsed header, for the off-chromosome sieve; None: always read in full.
    coordinates: Callable[[Table], Layout | None] | None
    vcf_signature: Callable[[Sequence[str]], bool] | None = None  # the lines of a VCF -> whether it is this
    headerless_signature: Callable[[str], bool] | None = None  # first line of a file without a header


def _is(detect: Callable[[list[str]], str | None], name: str) -> Callable[[list[str]], bool]:
    return lambda keys: detect(keys) == name


# In the order the sample sheet's error messages list them.
REGISTRY: tuple[CnFormat, ...] = (
    CnFormat("cnvkit", cnvkit.parse, _is(cnvkit.detect, "cnvkit"), 40, True, cnvkit.coordinates),
    CnFormat("cnvkit_cnr", cnvkit.parse, _is(cnvkit.detect, "cnvkit_cnr"), 41, False, cnvkit.coordinates),
    CnFormat("gatk_seg", gatk.parse, _is(gatk.detect, "gatk_seg"), 30, True, gatk.coordinates),
    CnFormat("seg", seg.parse, _is(seg.detect, "seg"), 90, True, seg.coordinates),
    CnFormat("seg_log10", seg.parse, None, None, True, seg.coordinates),
    CnFormat("purple_somatic", purple.parse, _is(purple.detect, "purple_somatic"), 11, True, purple.coordinates),
    CnFormat("purple_gene", purple.parse, _is(purple.detect, "purple_gene"), 10, False, None),
    CnFormat("facets", facets.parse, _is(facets.detect, "facets"), 70, True, facets.coordinates),
    CnFormat("ascat", ascat.parse, _is(ascat.detect, "ascat"), 80, True, ascat.coordinates),
    CnFormat("sequenza", sequenza.parse, _is(sequenza.detect, "sequenza"), 60, True, sequenza.coordinates),
    CnFormat("aceseq", aceseq.parse, _is(aceseq.detect, "aceseq"), 50, True, aceseq.coordinates),
    CnFormat("dragen_vcf", dragen.parse, None, None, False, None, vcf_signature=dragen.detect_vcf),
    CnFormat(
        "bed", bed.parse, _is(bed.detect, "bed"), 100, False, bed.coordinates, headerless_signature=bed.looks_headerless
    ),
)

FORMATS: tuple[str, ...] = tuple(f.name for f in REGISTRY)
BY_NAME: dict[str, CnFormat] = {f.name: f for f in REGISTRY}
assert len(BY_NAME) == len(REGISTRY), "format names are unique"
# Header signatures in the order detection tries them.
BY_SPECIFICITY: tuple[CnFormat, ...] = tuple(
    sorted((f for f in REGISTRY if f.signature is not None), key=lambda f: f.detect_rank or 0)
)


def gap_bridged(name: str) -> bool:
    """Whether segments of format ``name`` may be bridged across a gap (unknown names: no)."""
    entry = BY_NAME.get(name)
    return entry is not None and entry.gap_bridged
