"""Was TP53 examined? Coverage evidence from a BAM/CRAM, mosdepth output, an assay BED or a gene panel.

Every method is judged per TP53 coding exon (NM_000546, 11 exons, 10 coding): the evidence is
adequate only when each coding exon has at least ``min_coverage_fraction`` of its bases covered
(at ``min_depth`` reads for BAM/mosdepth, targeted for an assay BED). Judging per exon matters:
a panel that skips exon 3 (22 bp) still covers 98% of the coding bases overall.
"""

from __future__ import annotations

import copy
import statistics
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pysam

from ..errors import InputError
from ..fileio import iter_text_lines, read_text_lines
from ..genome import canonical_build, check_contig_lengths, check_position, normalize_contig
from ..model import CoverageEvidence
from .records import check_input, input_error
from .tp53 import TP53Settings
from .transcript import TP53Model, tp53_model

PYSAM_ERRORS = (OSError, ValueError, TypeError, KeyError, IndexError, NotImplementedError, RuntimeError)


@dataclass(frozen=True)
class CodingExon:
    number: int
    start: int  # genomic, 1-based inclusive
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def coding_exons(model: TP53Model) -> list[CodingExon]:
    return [
        CodingExon(e.number, e.cds_start, e.cds_end)
        for e in model.exons
        if e.cds_start is not None and e.cds_end is not None
    ]


@contextmanager
def _quiet() -> Iterator[None]:
    previous = pysam.set_verbosity(0)
    try:
        yield
    finally:
        pysam.set_verbosity(previous)


def _judge(
    method: str,
    model: TP53Model,
    covered: set[int],
    settings: TP53Settings,
    depth_text: str = "",
    min_depth: int | None = None,
    what: str = "covered",
) -> CoverageEvidence:
    """Per-exon fractions of covered coding bases -> CoverageEvidence."""
    exons = coding_exons(model)
    total = sum(e.length for e in exons)
    hit = 0
    short = []
    for exon in exons:
        n = sum(1 for g in range(exon.start, exon.end + 1) if g in covered)
        hit += n
        if n / exon.length < settings.min_coverage_fraction:
            short.append(f"exon {exon.number} {n / exon.length * 100:.0f}%")
    fraction = hit / total
    detail = f"{hit}/{total} TP53 coding bases {what} ({fraction * 100:.1f}%)"
    if depth_text:
        detail += f"; {depth_text}"
    if short:
        detail += f"; exons below {settings.min_coverage_fraction * 100:g}%: {', '.join(short)}"
    return CoverageEvidence(
        verified=True,
        adequate=not short,
        method=method,
        fraction_covered=round(fraction, 4),
        min_depth=min_depth,
        detail=detail,
    )


def _depth_summary(depths: list[float]) -> str:
    if not depths:
        return "no depth values"
    return f"depth min {min(depths):g}x, median {statistics.median(depths):g}x"


# --------------------------------------------------------------------------- BAM / CRAM


def bam_coverage(
    path: str | Path, model: TP53Model, settings: TP53Settings, *, reference: str | Path | None = None
) -> CoverageEvidence:
    """Depth over TP53 coding bases from an indexed BAM/CRAM (pysam count_coverage).

    Reads flagged unmapped, secondary, QC-fail or duplicate are not counted (pysam's default
    ``read_callback='all'``, the same flags mosdepth excludes), nor bases below quality 15.
    ``reference`` is the build's FASTA, needed to decode a CRAM (without it htslib searches
    REF_PATH / REF_CACHE and the header's UR field); a BAM ignores it.
    """
    p = check_input(path)
    with _quiet():
        try:
            aln = pysam.AlignmentFile(str(p), reference_filename=str(reference) if reference is not None else None)
        except PYSAM_ERRORS as exc:
            raise InputError(
                p, f"not a readable BAM/CRAM: {exc}", expected="an indexed BAM or CRAM", code="coverage_bam_unreadable"
            ) from exc
        with aln:
            if not aln.has_index():
                raise InputError(
                    p,
                    "BAM/CRAM has no index: TP53 depth cannot be read without one",
                    expected=f"{p.name}.bai, .csi or .crai next to the file (samtools index)",
                    found="no index",
                    code="coverage_index_missing",
                )
            lengths = {normalize_contig(n): int(length) for n, length in zip(aln.references, aln.lengths, strict=True)}
            check_contig_lengths(str(p), lengths, model.build)
            contig = next((n for n in aln.references if normalize_contig(n) == model.chrom), None)
            depths: dict[int, int] = {}
            for exon in coding_exons(model):
                if contig is None:
                    break
                try:
                    counts = aln.count_coverage(contig, exon.start - 1, exon.end)
                except PYSAM_ERRORS as exc:
                    hint = ""
                    if aln.is_cram:  # htslib reports a reference it cannot find as "truncated file"
                        hint = (
                            f"; a CRAM is decoded with its reference: set reference_fasta.{model.build} in the "
                            "configuration (or REF_PATH / REF_CACHE)"
                            + (" - the one given may not be this CRAM's reference" if reference else "")
                        )
                    raise InputError(
                        p,
                        f"reading depth over TP53 exon {exon.number} failed: {exc}{hint}",
                        code="coverage_bam_unreadable",
                    ) from exc
                for offset in range(exon.length):
                    depths[exon.start + offset] = sum(int(base[offset]) for base in counts)
    covered = {g for g, d in depths.items() if d >= settings.min_depth}
    values = [float(depths.get(g, 0)) for e in coding_exons(model) for g in range(e.start, e.end + 1)]
    text = _depth_summary(values) + ("" if contig else f"; no chromosome {model.chrom} in the BAM header")
    return _judge("bam", model, covered, settings, text, settings.min_depth, what=f"at >= {settings.min_depth}x")


# --------------------------------------------------------------------------- mosdepth


def _index_for(p: Path) -> Path | None:
    """The .csi/.tbi next to ``p`` when it is not older than ``p`` (a stale index gives wrong rows)."""
    for suffix in (".csi", ".tbi"):
        index = Path(str(p) + suffix)
        if index.exists() and index.stat().st_mtime_ns >= p.stat().st_mtime_ns:
            return index
    return None


def _bed_rows(p: Path, model: TP53Model) -> Iterable[tuple[int | None, list[str]]]:
    """(line or None, fields) of BED rows on TP53's chromosome near TP53; tabix when indexed."""
    exons = coding_exons(model)
    lo, hi = min(e.start for e in exons), max(e.end for e in exons)
    index = _index_for(p)
    if index is not None:
        with _quiet():
            try:
                tbx = pysam.TabixFile(str(p), index=str(index))
            except PYSAM_ERRORS as exc:
                raise InputError(p, f"tabix index unusable: {exc}", code="coverage_unreadable") from exc
            with tbx:
                for name in tbx.contigs:
                    if normalize_contig(name) != model.chrom:
                        continue
                    try:
                        for text in tbx.fetch(name, lo - 1, hi):
                            yield None, text.rstrip("\r\n").split("\t")
                    except PYSAM_ERRORS as exc:
                        raise InputError(p, f"tabix fetch failed: {exc}", code="coverage_unreadable") from exc
        return
    for number, text in enumerate(iter_text_lines(p), start=1):
        if "\x00" in text:
            raise InputError(p, "binary content where BED text was expected", line=number, code="coverage_unreadable")
        if not text.strip() or text.startswith(("#", "track", "browser")):
            continue
        fields = text.split("\t") if "\t" in text else text.split()
        if normalize_contig(fields[0]) != model.chrom:
            continue
        yield number, fields


def _interval(p: Path, fields: list[str], line: int | None, model: TP53Model) -> tuple[int, int]:
    """1-based inclusive interval of a BED row (BED is 0-based, half-open)."""
    if len(fields) < 3:
        raise InputError(
            p,
            "BED row has fewer than 3 columns",
            line=line,
            expected="chrom, start, end",
            found="\t".join(fields),
            code="coverage_unreadable",
        )
    try:
        start0, end = int(fields[1]), int(fields[2])
    except ValueError as exc:
        raise InputError(
            p,
            "BED start/end are not whole numbers",
            line=line,
            expected="integers",
            found=f"{fields[1]} {fields[2]}",
            code="coverage_unreadable",
        ) from exc
    if start0 < 0 or end < start0:
        raise InputError(
            p,
            "BED interval is negative or ends before it starts",
            line=line,
            expected="0 <= start <= end",
            found=f"{start0} {end}",
            code="coverage_unreadable",
        )
    check_position(str(p), model.chrom, end, model.build, line)
    return start0 + 1, end


def mosdepth_coverage(path: str | Path, model: TP53Model, settings: TP53Settings) -> CoverageEvidence:
    """Depth over TP53 coding bases from mosdepth ``per-base.bed.gz`` or ``regions.bed.gz``.

    Per-base rows are ``chrom start end depth`` runs of equal depth; regions rows add an optional
    name before the mean depth. A base in no row has depth 0. For regions, each base gets the mean
    depth of its region (noted in the detail: a mean can hide a shallow stretch).
    """
    p = check_input(path)
    targets = {g for e in coding_exons(model) for g in range(e.start, e.end + 1)}
    depths: dict[int, float] = {}
    kind = "per-base"
    first, last = min(targets), max(targets)
    for line, fields in _bed_rows(p, model):
        start, end = _interval(p, fields, line, model)
        if len(fields) < 4:
            # A 3-column BED has no depth: its last column is the end coordinate, which read as a
            # depth would make every listed base look deeply covered.
            raise InputError(
                p,
                "no depth column: mosdepth rows are chrom, start, end, [name,] depth",
                line=line,
                expected="4 or 5 tab-separated columns",
                found=f"{len(fields)} columns",
                code="coverage_unreadable",
            )
        raw = fields[-1].strip()
        try:
            value = float(raw)
        except ValueError as exc:
            raise InputError(
                p,
                "depth is not a number",
                line=line,
                field="depth",
                expected="a number",
                found=raw,
                code="coverage_unreadable",
            ) from exc
        if value < 0 or value != value:
            raise InputError(
                p, "depth is negative", line=line, field="depth", expected=">= 0", found=raw, code="coverage_unreadable"
            )
        if len(fields) >= 5 or "." in raw:
            kind = "regions (mean depth per region)"
        for g in range(max(start, first), min(end, last) + 1):
            if g in targets:
                depths[g] = max(depths.get(g, 0.0), value)
    covered = {g for g, d in depths.items() if d >= settings.min_depth}
    values = [depths.get(g, 0.0) for g in sorted(targets)]
    return _judge(
        "mosdepth",
        model,
        covered,
        settings,
        f"mosdepth {kind}; {_depth_summary(values)}",
        settings.min_depth,
        what=f"at >= {settings.min_depth}x",
    )


# --------------------------------------------------------------------------- assay targets / gene panel


def assay_coverage(path: str | Path, model: TP53Model, settings: TP53Settings) -> CoverageEvidence:
    """Fraction of TP53 coding bases inside the assay's target BED.

    One assay BED serves thousands of samples: the verdict is computed once per file version,
    model and settings, and a copy handed out each time.
    """
    p = check_input(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns, model.build, settings)
    if key not in _ASSAY_CACHE:
        if len(_ASSAY_CACHE) > 64:
            _ASSAY_CACHE.clear()
        _ASSAY_CACHE[key] = _assay_coverage_uncached(p, model, settings)
    return copy.copy(_ASSAY_CACHE[key])


_ASSAY_CACHE: dict[tuple, CoverageEvidence] = {}


def _assay_coverage_uncached(p: Path, model: TP53Model, settings: TP53Settings) -> CoverageEvidence:
    targets = {g for e in coding_exons(model) for g in range(e.start, e.end + 1)}
    covered: set[int] = set()
    n_rows = 0
    for number, text in enumerate(read_text_lines(p), start=1):
        if not text.strip() or text.startswith(("#", "track", "browser")):
            continue
        fields = text.split("\t") if "\t" in text else text.split()
        if normalize_contig(fields[0]) != model.chrom:
            continue
        n_rows += 1
        start, end = _interval(p, fields, number, model)
        covered |= {g for g in targets if start <= g <= end}
    return _judge(
        "assay_targets",
        model,
        covered,
        settings,
        f"{n_rows} target interval(s) on chromosome {model.chrom}",
        None,
        what="targeted",
    )


def panel_coverage(panel_genes: set[str]) -> CoverageEvidence:
    genes = {g.strip().upper() for g in panel_genes if g and g.strip()}
    inside = "TP53" in genes
    return CoverageEvidence(
        verified=True,
        adequate=inside,
        method="gene_panel",
        fraction_covered=None,
        min_depth=None,
        detail=(
            "TP53 is in the gene panel" if inside else f"TP53 is not among the {len(genes)} genes of the gene panel"
        ),
    )


def assess_coverage(
    *,
    build: str,
    bam: str | None = None,
    coverage: str | None = None,
    assay_targets: str | None = None,
    panel_genes: set[str] | None = None,
    settings: TP53Settings,
    reference: str | None = None,
) -> CoverageEvidence:
    """Combine every coverage evidence given; all must be adequate. None given -> not verified.

    ``reference``: the build's FASTA, for a CRAM in ``bam``.
    """
    canon = canonical_build(build)
    if canon is None:
        raise InputError(
            None,
            "unknown genome build",
            field="build",
            expected="GRCh37 or GRCh38 (or an alias)",
            found=build,
            code="build_unknown",
        )
    model = tp53_model(canon)
    results: list[CoverageEvidence] = []
    for given, judge in (
        (bam, lambda p: bam_coverage(p, model, settings, reference=reference)),
        (coverage, lambda p: mosdepth_coverage(p, model, settings)),
        (assay_targets, lambda p: assay_coverage(p, model, settings)),
    ):
        if not given:
            continue
        try:
            results.append(judge(given))
        except OSError as exc:
            # Vanished or unreadable after its check (check_input): an InputError naming it, never a crash.
            raise input_error(given, exc) from exc
    if panel_genes is not None:
        results.append(panel_coverage(panel_genes))
    if not results:
        return CoverageEvidence(
            verified=False,
            adequate=None,
            method=None,
            detail="no coverage evidence (bam, coverage, assay or gene panel) given",
        )
    if len(results) == 1:
        return results[0]
    fractions = [r.fraction_covered for r in results if r.fraction_covered is not None]
    depths = [r.min_depth for r in results if r.min_depth is not None]
    return CoverageEvidence(
        verified=True,
        adequate=all(bool(r.adequate) for r in results),
        method="+".join(str(r.method) for r in results),
        fraction_covered=min(fractions) if fractions else None,
        min_depth=max(depths) if depths else None,
        detail="; ".join(f"{r.method}: {r.detail}" for r in results),
    )
