"""TP53 variant calls from a reader's raw records: normalised, annotated with the transcript model,
structural variants interpreted, and the notes assess_tp53 turns into reasons.

The readers (vcf.py, maf.py) only read the region they are given; this is where a record becomes a
VariantCall. ``read_tp53_variants`` (the package's entry point) joins the two.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pysam

from ..errors import InputError
from ..model import VariantCall, VariantSource
from .maf import normal_counts, read_maf
from .records import RawAllele, RawVariants, StructuralAllele
from .sv import Breakend, StructuralVariant, classify_tp53_sv, junction_of, parse_breakend
from .tp53 import (
    BUILD_SUSPECT_NOTE,
    REFERENCE_MISMATCH_NOTE,
    STRUCTURAL_UNCERTAIN_NOTE,
    NormalSupport,
    TP53Settings,
    VariantKey,
    tp53_region,
)
from .transcript import (
    ENSEMBL_TRANSCRIPT,
    MAF_CLASSES,
    TP53Model,
    annotate_change,
    map_so_terms,
    normalize,
    splice_side,
    tp53_model,
)
from .vcf import PYSAM_ERRORS, _quiet, _readable_copy, read_vcf

# The canonical TP53 transcript as files name it: Ensembl, RefSeq, and the UCSC known gene Oncotator MAFs use.
CANONICAL_IDS = (ENSEMBL_TRANSCRIPT, "NM_000546", "uc002gim")


def read_vcf_calls(path: str | Path, *, build: str, tumor_sample: str | None, settings: TP53Settings) -> VariantSource:
    """The TP53 calls of a VCF (``build`` canonical)."""
    model = tp53_model(build)
    read = functools.partial(
        read_vcf,
        path,
        build=model.build,
        region=tp53_region(model.build, settings),
        tumor_sample=tumor_sample,
        transcripts=CANONICAL_IDS,
        watch=_cds_span(_other(model).build),
    )
    raw = read()
    source = to_source(raw, model, settings)
    if raw.indexed and len({c.key() for c in source.variants}) != len(source.variants):
        # Duplicates are reported with their line numbers, which only streaming gives.
        source = to_source(read(use_index=False), model, settings)
    return source


def read_vcf_column(
    path: str | Path, *, build: str, sample: str, settings: TP53Settings
) -> dict[VariantKey, NormalSupport]:
    """Another sample column's values (the matched normal's) at each TP53 record of a VCF, by normalised
    variant: the reader reads that column exactly as it reads the tumour's (``build`` canonical). Raises
    InputError as read_vcf does (``vcf_sample_not_found`` when ``sample`` is not a column)."""
    model = tp53_model(build)
    raw = read_vcf(path, build=model.build, region=tp53_region(model.build, settings), tumor_sample=sample,
                   transcripts=CANONICAL_IDS)  # fmt: skip
    source = to_source(raw, model, settings)
    return {call.key(): NormalSupport(sample, call.vaf, call.depth, call.alt_count) for call in source.variants}


def maf_normal_support(source: VariantSource) -> dict[VariantKey, NormalSupport]:
    """The matched normal's read counts that a MAF gives on the rows of ``source``'s TP53 calls
    (n_alt_count, n_ref_count, n_depth), by normalised variant; empty when no row gives them."""
    if source.sample is None:
        return {}
    counts = normal_counts(source.path, source.sample)
    support = {}
    for call in source.variants:
        if call.line is None or call.line not in counts:
            continue
        normal, alt, ref, depth = counts[call.line]
        total = alt + ref if alt is not None and ref is not None else depth
        vaf = alt / total if alt is not None and total else None
        support[call.key()] = NormalSupport(normal or "matched normal", vaf, depth if depth is not None else total, alt)
    return support


def vcf_sample_columns(path: str | Path) -> tuple[list[str], str | None] | None:
    """(the sample columns a VCF's header names, its ``##normal_sample=`` value), or None when the header
    cannot be read (the variant reader reports the file itself). Whether a caller had a matched normal is
    judged from them."""
    try:
        with _readable_copy(Path(path)) as (readable, _), _quiet(), pysam.VariantFile(str(readable)) as vf:
            declared = next(
                (str(r.value).strip() for r in vf.header.records if r.key == "normal_sample" and r.value), None
            )
            return list(vf.header.samples), declared
    except (InputError, OSError, *PYSAM_ERRORS):
        return None


def read_maf_calls(
    path: str | Path, *, build: str, tumor_sample: str | None, sample_id: str | None, settings: TP53Settings
) -> VariantSource:
    """The TP53 calls of one tumour barcode of a MAF (``build`` canonical)."""
    model = tp53_model(build)
    raw = read_maf(
        path,
        build=model.build,
        region=tp53_region(model.build, settings),
        tumor_sample=tumor_sample,
        sample_id=sample_id,
        transcripts=CANONICAL_IDS,
    )
    return to_source(raw, model, settings)


@functools.cache
def _cds_span(build: str) -> tuple[int, int]:
    """First and last coding base of TP53 in ``build`` (where a record of the other build is looked for)."""
    bases = tp53_model(build).plus_bases
    return min(bases), max(bases)


def to_source(raw: RawVariants, model: TP53Model, settings: TP53Settings) -> VariantSource:
    """A reader's records as VariantCalls, in file order, with every note in the order it arose."""
    notes = list(raw.head_notes)
    variants: list[VariantCall] = []
    seen: dict[tuple[str, int, str, str], int | None] = {}  # key -> first line
    suspect = False
    for allele in raw.alleles:
        if not allele.in_region:
            if not suspect and _in_other_build_cds(allele.pos, allele.ref, other := _other(model)):
                suspect = True
                notes.append(
                    f"{BUILD_SUSPECT_NOTE}record {allele.chrom}:{allele.pos} {allele.ref}>{allele.alt} lies in "
                    f"TP53's coding sequence in {other.build} with a matching REF, but outside TP53 in the declared "
                    f"{model.build}: check the sample sheet's build"
                )
            continue
        call = _call(allele, model, settings, notes)
        # Every record is kept: which of two disagreeing records is right is for assess_tp53 to refuse to guess.
        if call.key() in seen:
            first, line = seen[call.key()], allele.line
            if raw.format == "maf":
                notes.append(
                    f"duplicate row for {call.chrom}:{call.pos} {call.ref}>{call.alt} (lines {first} and {line});"
                    " every row kept"
                )
            else:
                lines = f" (lines {first} and {line})" if first and line else ""
                notes.append(
                    f"duplicate record for {call.chrom}:{call.pos} {call.ref}>{call.alt}{lines}; every record kept"
                )
        else:
            seen[call.key()] = allele.line
        variants.append(call)
    notes.extend(raw.tail_notes)
    return VariantSource(
        path=raw.path,
        format=raw.format,
        sample=raw.sample,
        variants=variants,
        records_on_tp53_chrom=raw.records_on_chrom,
        indexed=raw.indexed,
        notes=notes,
    )


def _other(model: TP53Model) -> TP53Model:
    return tp53_model("GRCh38" if model.build == "GRCh37" else "GRCh37")


def _call(allele: RawAllele, model: TP53Model, settings: TP53Settings, notes: list[str]) -> VariantCall:
    """One allele as a VariantCall, with its notes (annotation, structural variant, VAF field)."""
    maf = allele.annotation_source == "MAF"
    if maf:
        # A MAF's splice_site does not say donor or acceptor: the transcript model does (below).
        given_class = None if allele.terms == "splice_site" else MAF_CLASSES.get(allele.terms or "")
    else:
        given_class = map_so_terms(allele.terms) if allele.terms else None
    annotated = allele.annotation_source is not None
    call = allele_call(
        model,
        allele.pos,
        allele.ref,
        allele.alt,
        settings=settings,
        filters=allele.filters,
        vaf=allele.vaf,
        depth=allele.depth,
        alt_count=allele.alt_count,
        given=(given_class, allele.hgvs_c, allele.hgvs_p) if annotated else None,
        given_source=(allele.annotation_source or "computed") if annotated else "computed",
        rsid=allele.rsid,
        line=allele.line,
        notes=notes,
    )
    if maf and allele.terms == "splice_site":
        if call.consequence not in ("splice_donor", "splice_acceptor"):
            call.consequence = splice_side(model, allele.pos, allele.end or allele.pos)
        call.annotation_source = "MAF"
    if allele.sv is not None:
        consequence, text, uncertain = structural_consequence(model, allele, allele.sv, settings)
        if consequence is not None:
            call.consequence, call.annotation_source = consequence, "computed"
        accepted = {a.lower() for a in settings.accepted_filters}
        if uncertain and all(f.lower() in accepted for f in allele.filters or ["."]):
            # A passing SV that may reach TP53: never wild type (assess_tp53 reads this note).
            notes.append(f"{STRUCTURAL_UNCERTAIN_NOTE}{call.chrom}:{call.pos} {allele.alt} (FILTER "
                         f"{';'.join(allele.filters or ['.'])}): {text}; TP53 cannot be called wild type")  # fmt: skip
        else:
            notes.append(f"{call.chrom}:{call.pos} {allele.alt}: {text}")
    if allele.vaf_field is not None and allele.vaf is not None:
        notes.append(f"{call.chrom}:{call.pos} {call.ref}>{call.alt}: VAF from {allele.vaf_field}")
    return call


def _in_other_build_cds(pos: int, ref: str, other: TP53Model) -> bool:
    """True when REF at ``pos`` sits in the other build's TP53 CDS and matches it base for base."""
    ref = ref.upper()
    if not ref or len(ref) > 50 or pos not in other.plus_bases:
        return False  # most records: the first base is already outside that CDS
    known = [other.plus_bases.get(pos + i) for i in range(len(ref))]
    return all(k is not None for k in known) and "".join(k for k in known if k) == ref


# --------------------------------------------------------------------------- structural variants


def as_structural_variant(allele: RawAllele, sv: StructuralAllele) -> StructuralVariant:
    """A symbolic or breakend record of the small-variant VCF as the SV reader's StructuralVariant, so that
    one classification (:func:`.sv.classify_tp53_sv`) judges SVs of either file."""
    orientation = junction = None
    mate = Breakend(sv.mate[0], sv.mate[1]) if sv.mate is not None else None
    try:
        parsed = parse_breakend(allele.alt)
    except ValueError:
        parsed = None
    if parsed is not None and mate is not None:
        orientation = parsed[0]
        junction = junction_of(orientation, sv.pos, mate.pos) if mate.chrom == sv.chrom else "translocation"
    elif sv.svtype == "BND" and mate is None:
        orientation = "single"
    interval = sv.svtype != "BND"
    return StructuralVariant(
        ids=(), svtype=sv.svtype, svtype_stated=None,
        notation="breakend" if parsed is not None else "symbolic" if allele.alt.startswith("<") else "single_breakend",
        chrom=sv.chrom, pos=sv.pos, end=sv.end if interval else None, sized=sv.sized, mate=mate,
        orientation=orientation, junction=junction, filters=tuple(allele.filters), qual=None, imprecise=False,
        ci_pos=None, ci_end=None, somatic_score=None, info_support=(), tumour=None, normal=None, event=None,
        line=allele.line,
    )  # fmt: skip


def structural_consequence(
    model: TP53Model, allele: RawAllele, sv: StructuralAllele, settings: TP53Settings
) -> tuple[str | None, str, bool]:
    """(consequence class or None, note, uncertain) of a structural variant of the small-variant VCF.

    :func:`.sv.classify_tp53_sv` places it (splice margin: ``settings.margin``): a deletion of coding bases is
    structural_deletion, any other breakpoint inside the gene structural_rearrangement; an SV whose extent or
    position is uncertain (no END or SVLEN, starting before the gene) has no class and ``uncertain`` True;
    one wholly inside an intron, holding the whole gene or outside it is listed, not counted.
    """
    placed = classify_tp53_sv(as_structural_variant(allele, sv), model, splice_margin=settings.margin)
    if placed.kind == "deletion_over_coding_exons":
        return "structural_deletion", placed.detail, False
    if placed.effect == "disrupting":
        return "structural_rearrangement", placed.detail, False
    if placed.effect == "uncertain":
        return None, placed.detail, True
    return None, f"{placed.detail}; listed, not counted", False


# --------------------------------------------------------------------------- building calls


_DELETED_BASES = re.compile(r"(del|dup)[ACGTN]+$")


def _without_deleted_bases(hgvs_c: str) -> str:
    """``c.936delC`` -> ``c.936del``: older annotators spell out the bases; the same description."""
    return _DELETED_BASES.sub(r"\1", hgvs_c)


def allele_call(
    model: TP53Model,
    pos: int,
    ref: str,
    alt: str,
    *,
    settings: TP53Settings,
    filters: list[str],
    vaf: float | None,
    depth: int | None,
    alt_count: int | None,
    given: tuple[str | None, str | None, str | None] | None,
    given_source: str,
    rsid: str | None,
    line: int | None,
    notes: list[str],
) -> VariantCall:
    """One VariantCall: normalised key, consequence and HGVS (the file's annotation when usable).

    ``given`` is the file's own (class, HGVS c., HGVS p.) for the canonical transcript, or None.
    A class of None/"other" is unusable and the transcript model decides. HGVS is the model's
    (one normalisation for every input format); the file's text is used only where the model
    cannot confirm the reference base, and a differing c. is noted.
    """
    try:
        change = normalize(pos, ref, alt, model)
    except ValueError:
        # Symbolic (<DEL>), breakend or non-DNA alleles: listed, never interpreted.
        cons = given[0] if given and given[0] else "other"
        return VariantCall(
            chrom=model.chrom, pos=pos, ref=ref, alt=alt, filters=filters, vaf=vaf, depth=depth,
            alt_count=alt_count, consequence=cons, hgvs_c=given[1] if given else None,
            hgvs_p=given[2] if given else None, annotation_source=given_source if given and given[0] else "computed",
            rsid=rsid, line=line,
        )  # fmt: skip
    ann = annotate_change(model, change, settings.splice_site_bases, settings.splice_region_bases)
    where = f"line {line}" if line else f"{model.chrom}:{pos}"
    if ann.ref_mismatch:
        notes.append(f"{REFERENCE_MISMATCH_NOTE}{where}: {ann.ref_mismatch}; check the genome build of the file")
    consequence, hgvs_c, hgvs_p, source = ann.consequence, ann.hgvs_c, ann.hgvs_p, "computed"
    if given is not None:
        if ann.ref_mismatch or not hgvs_c:
            # The model's numbering rests on the reference base it could not confirm: keep the file's.
            hgvs_c = given[1] or hgvs_c
            hgvs_p = given[2] or hgvs_p
        elif given[1] and _without_deleted_bases(given[1]) != hgvs_c:
            # HGVS is computed on the shipped transcript for every input, so one variant reads the
            # same from a VCF and a MAF; the annotator's differing text is kept as a note.
            notes.append(
                f"{where}: the {given_source} annotation writes {given[1]}; shown as {hgvs_c} "
                "(HGVS 3' rule on the genome, computed for every input alike)"
            )
        if given[0] and given[0] != "other":
            consequence, source = given[0], given_source
            if given[0] != ann.consequence and not ann.ref_mismatch:
                notes.append(
                    f"{where}: the {given_source} annotation says {given[0]}, the transcript model says "
                    f"{ann.consequence}; the {given_source} annotation is used"
                )
    return VariantCall(
        chrom=model.chrom,
        pos=change.key_pos,
        ref=change.key_ref,
        alt=change.key_alt,
        filters=filters,
        vaf=vaf,
        depth=depth,
        alt_count=alt_count,
        consequence=consequence,
        hgvs_c=hgvs_c,
        hgvs_p=hgvs_p,
        annotation_source=source,
        rsid=rsid,
        line=line,
    )
