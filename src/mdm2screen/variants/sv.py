"""Structural-variant VCFs: the SVs touching a region (TP53 and a flank), as the caller wrote them, and
where one SV lies in TP53 (:func:`classify_tp53_sv`, a pure function of the SV and the exon table).

Reading (:func:`read_structural_variants`) goes through pysam, like ``vcf.py`` and with its helpers:
plain, bgzipped, plain-gzip and BCF files, a byte-order mark, a cut-off last line or a truncated
bgzip file (``vcf_truncated``), the header's contig lengths and ``##reference`` against the declared
build (``build_mismatch``). What it returns is what the file says; nothing is judged here.

Notation (VCF 4.2 specification, samtools.github.io/hts-specs/VCFv4.2.pdf: section 1.4.5 for the
reserved INFO keys SVTYPE, END, SVLEN, CIPOS, CIEND, IMPRECISE, MATEID, EVENT; section 5.3 for symbolic
alleles; section 5.4 for breakends):

* symbolic ``<DEL>``, ``<DUP>``, ``<DUP:TANDEM>``, ``<INV>``, ``<INS>``, ``<CNV>``: POS is the padding base
  before the event, END (or POS + |SVLEN|) its last base;
* breakends ``t[p[``, ``t]p]``, ``]p]t``, ``[p[t`` (p = ``chrom:pos``, the mate), and single breakends
  ``t.`` / ``.t``. Between two positions of one chromosome the orientation says which adjacency the
  breakend makes (section 5.4: ``t[p[`` with p after POS joins POS to p, deleting what lies between),
  read into ``junction``: DEL, DUP, INV or INS. GRIDSS writes every SV so, ESVEE every SV but SGL;
  SVTYPE, when the file gives it, wins over the notation (ESVEE ``SVTYPE=DEL`` on breakend records);
* explicit sequence alleles (Manta's small deletions and insertions);
* a mate given in INFO ``CHR2`` + ``POS2`` (DELLY from 0.8) or ``CHR2`` + ``END`` (DELLY 0.7 ``<TRA>``, the
  ICGC-converted files with ``REF=ALT``), whatever ALT says.

A breakend pair (two records naming each other in MATEID, or, without MATEID, each other's position)
is reported once: the record whose own position lies in the region, else the first in the file, with
the other's ID and FILTER (``mate_filters``). Support is read from the tumour column (and the normal's
when one is known): Manta/DRAGEN ``PR``/``SR`` (ref,alt), DELLY ``DR``/``DV``/``RR``/``RV``, LUMPY
``SU``/``PE``/``SR``, GRIDSS/GRIPSS/ESVEE ``VF`` (``BVF`` for single breakends), ``RP``, ``SR``,
``REF``/``REFPAIR``, ESVEE ``DF``/``SF``/``AF``, SvABA ``AD``/``DR``/``SR``; every count is checked to be
a whole number >= 0 (``vcf_value_invalid``). FILTER is kept as written: ``filter_status`` says
``pass`` (PASS), ``unfiltered`` (``.``: the caller applied no filters) or ``filtered`` (anything else,
e.g. Manta ``MinSomaticScore``, GRIPSS/ESVEE ``PON``, PURPLE ``INFERRED``).

Which records are read: every record is streamed (records on other chromosomes are read for mates
pointing into the region: DELLY writes a translocation once, on either side). One fast path: a
bgzipped file whose index ``vcf.py`` verifies against it (see there, "index verification"), of a caller
that writes both breakends of every pair (INFO MATEID declared, no CHR2/POS2), not re-filtered with
bcftools (whose filtering can drop one record of a pair): only the region's chromosome is parsed, all
of it, so that an event spanning the region with both ends outside is still seen. Anything unusual
declines to the stream, which reports problems with their line numbers.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol

import pysam

from ..errors import InputError
from ..genome import canonical_build, check_contig_lengths, check_position, normalize_contig
from ..paths import reference_path
from ..reference import gene_locus
from .records import Region, check_input, input_error, read_count

# Private helpers of vcf.py, shared so that SV VCFs are opened, checked and streamed the one way VCFs are.
from .vcf import (
    PYSAM_ERRORS,
    _check_header_build,
    _check_last_line,
    _is_bcf,
    _LineNumbers,
    _quiet,
    _readable_copy,
    _scrub,
    _usable_index,
    _verify_index,
    malformed_record,
    verified_records,
)

SV_TYPES = ("DEL", "DUP", "INV", "INS", "CNV", "BND")
INTERVAL_TYPES = ("DEL", "DUP", "INV", "CNV")  # an extent POS..END on one chromosome
# SVTYPE values written for the same things: DELLY 0.7 / ICGC TRA, ESVEE SGL (single breakend),
# Manta's DUP:TANDEM subtype, LUMPY/others' TDUP.
TYPE_ALIASES = {"TRA": "BND", "CTX": "BND", "SGL": "BND", "TDUP": "DUP"}

FilterStatus = Literal["pass", "unfiltered", "filtered"]

_BREAKENDS = (
    (re.compile(r"^([^\[\]]+)\[([^\[\]]+)\[$"), "t[p["),
    (re.compile(r"^([^\[\]]+)\]([^\[\]]+)\]$"), "t]p]"),
    (re.compile(r"^\]([^\[\]]+)\]([^\[\]]+)$"), "]p]t"),
    (re.compile(r"^\[([^\[\]]+)\[([^\[\]]+)$"), "[p[t"),
)
_SINGLE_BREAKEND = re.compile(r"^(?:\.[A-Za-z]+|[A-Za-z]+\.)$")
_NOT_VARIANTS = frozenset({"*", ".", "<*>", "<NON_REF>"})
# INFO keys holding a record's total support, reported as written (DELLY PE/SR, LUMPY SU/PE/SR, GRIDSS VF/RP/SR).
INFO_SUPPORT_KEYS = ("PE", "SR", "SU", "RP", "VF", "BVF")
# Header lines that bcftools writes when it filters a file: one record of a breakend pair may be gone.
_REFILTERED = ("bcftools_viewCommand", "bcftools_filterCommand")
_REGION_ARG = re.compile(r"--region[= ]+(\S+)")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Breakend:
    """The other end of a structural variant: a mate breakend, or a partner given in INFO CHR2."""

    chrom: str  # normalised
    pos: int
    ci: tuple[int, int] | None = None  # confidence interval offsets (GRIDSS CIRPOS), when the record gives them


@dataclass(frozen=True)
class SVSupport:
    """Reads supporting an SV in one sample column, as the caller counted them (None: not given)."""

    sample: str
    alt_pairs: int | None = None  # Manta PR alt, DELLY DV, LUMPY PE, GRIDSS RP, ESVEE DF, SvABA DR
    alt_split_reads: int | None = None  # Manta SR alt, DELLY RV, LUMPY/GRIDSS SR, ESVEE SF, SvABA SR
    alt_fragments: int | None = None  # GRIDSS/GRIPSS/ESVEE VF (BVF for single breakends), LUMPY SU, SvABA AD
    ref_pairs: int | None = None  # Manta PR ref, DELLY DR, GRIDSS/ESVEE REFPAIR
    ref_reads: int | None = None  # Manta SR ref, DELLY RR, GRIDSS/ESVEE REF
    allele_fraction: float | None = None  # ESVEE FORMAT/AF
    sample_filter: str | None = None  # FORMAT/FT (Manta, DELLY)
    fields: tuple[str, ...] = ()  # the FORMAT fields read

    @property
    def any_alt(self) -> int | None:
        """Highest alt count of any kind, or None when the column states none."""
        counts = [c for c in (self.alt_pairs, self.alt_split_reads, self.alt_fragments) if c is not None]
        return max(counts) if counts else None


@dataclass(frozen=True)
class StructuralVariant:
    """One SV touching the region, as written (a breakend pair once).

    ``svtype`` is SVTYPE when given (``TRA``/``SGL`` read as BND, ``DUP:TANDEM`` as DUP), else what
    the ALT notation says. ``end`` is the last base of an interval event (DEL/DUP/INV/CNV written
    with END, SVLEN or sequence alleles; POS for an insertion); ``sized`` is False for an interval
    event without END or SVLEN. ``junction`` is the adjacency a breakend makes with a mate on the same
    chromosome (DEL, DUP, INV, INS), "translocation" for a mate on another chromosome.
    """

    ids: tuple[str, ...]  # this record's ID, then its mate's (MATEID) when known; '.' IDs left out
    svtype: str
    svtype_stated: str | None  # INFO/SVTYPE as written
    notation: str  # symbolic | breakend | single_breakend | sequence | info_only
    chrom: str  # normalised
    pos: int
    end: int | None
    sized: bool
    mate: Breakend | None
    orientation: str | None  # "t[p[", "t]p]", "]p]t", "[p[t" (VCF 4.2 section 5.4), "single"
    junction: str | None
    filters: tuple[str, ...]  # as written: ("PASS",), ("."), or the failed filters
    qual: float | None
    imprecise: bool
    ci_pos: tuple[int, int] | None
    ci_end: tuple[int, int] | None
    somatic_score: int | None  # Manta SOMATICSCORE
    info_support: tuple[tuple[str, int], ...]  # INFO totals present among INFO_SUPPORT_KEYS
    tumour: SVSupport | None
    normal: SVSupport | None
    event: str | None
    line: int | None  # 1-based line in the file (None when read through the index)
    mate_filters: tuple[str, ...] | None = None  # FILTER of the mate record, when it was read

    @property
    def filter_status(self) -> FilterStatus:
        values = [f for f in self.filters if f]
        if values == ["PASS"]:
            return "pass"
        if not values or values == ["."]:
            return "unfiltered"
        return "filtered"

    def positions_on(self, chrom: str) -> list[int]:
        """This SV's breakpoints on ``chrom``: POS, END of an interval event, the mate's position."""
        out = []
        if self.chrom == chrom:
            out.append(self.pos)
            if self.end is not None and self.end != self.pos:
                out.append(self.end)
        if self.mate is not None and self.mate.chrom == chrom:
            out.append(self.mate.pos)
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["filter_status"] = self.filter_status
        return data


@dataclass
class SVSource:
    """What :func:`read_structural_variants` found in one SV VCF."""

    path: str
    caller: str | None  # from the header (##source, ##gridssVersion ...), or a record's DELLY SVMETHOD
    tumour_sample: str | None  # column support was read from; None: unknown (support not read)
    normal_sample: str | None
    sample_choice: str  # how the columns were chosen
    variants: list[StructuralVariant]
    records: int | None  # records read (None when only the region's chromosome was, through the index)
    records_on_chrom: int  # records on the region's chromosome
    chrom_declared: bool | None  # the header's ##contig lines name the chromosome (None: no contig lines)
    run_regions: tuple[str, ...] = ()  # Manta --region arguments in ##cmdline: the caller looked only there
    # The header shows the caller never looked at the region: ##contig lines without its chromosome, or
    # run_regions that miss it (the Manta demo). No SV found then means nothing.
    region_excluded: bool = False
    indexed: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "caller": self.caller,
            "tumour_sample": self.tumour_sample,
            "normal_sample": self.normal_sample,
            "sample_choice": self.sample_choice,
            "variants": [v.to_dict() for v in self.variants],
            "records": self.records,
            "records_on_chrom": self.records_on_chrom,
            "chrom_declared": self.chrom_declared,
            "run_regions": list(self.run_regions),
            "region_excluded": self.region_excluded,
            "indexed": self.indexed,
            "notes": list(self.notes),
        }


def sv_region(build: str, flank: int, gene: str = "TP53") -> Region:
    """(chrom, start, end): ``gene`` (resources/reference/genes.tsv, ``build``) widened by ``flank`` bases."""
    if flank < 0:
        raise ValueError(f"flank must be >= 0, got {flank}")
    canon = canonical_build(build)
    if canon is None:
        raise ValueError(f"unknown genome build {build!r}")
    locus = gene_locus(gene, canon)
    return locus.chrom, max(1, locus.start - flank), locus.end + flank


# --------------------------------------------------------------------------- notation


def parse_breakend(alt: str) -> tuple[str, str, int] | None:
    """(orientation, mate contig as written, mate position) of a breakend ALT (VCF 4.2 section 5.4);
    None for any other allele. ValueError for an ALT with brackets that is not breakend notation.

    The mate contig may hold ':' (HLA contigs) and may be written ``<ctg>`` (an assembly contig)."""
    if "[" not in alt and "]" not in alt:
        return None
    for pattern, orientation in _BREAKENDS:
        found = pattern.match(alt)
        if found is None:
            continue
        mate = found.group(2) if orientation in ("t[p[", "t]p]") else found.group(1)
        chrom, colon, pos = mate.rpartition(":")
        if not colon or not chrom or not pos.isdigit() or int(pos) < 0:
            break
        return orientation, chrom.strip("<>"), int(pos)
    raise ValueError(f"not breakend notation (t[p[, t]p], ]p]t or [p[t with p = chrom:pos): {alt!r}")


def junction_of(orientation: str, pos: int, mate_pos: int) -> str:
    """The adjacency a breakend at ``pos`` joined to ``mate_pos`` on the same chromosome makes.

    ``t[p[`` joins the bases after p behind POS: with p beyond POS it skips what lies between (DEL;
    next to POS nothing is skipped: INS), before POS it repeats it (DUP). ``]p]t`` is the same seen
    from the other side. ``t]p]`` and ``[p[t`` join a piece reverse-complemented: INV.
    """
    if orientation == "t[p[":
        if mate_pos == pos + 1:
            return "INS"
        return "DEL" if mate_pos > pos else "DUP"
    if orientation == "]p]t":
        if mate_pos == pos - 1:
            return "INS"
        return "DEL" if mate_pos < pos else "DUP"
    return "INV"


def _normal_type(text: str | None) -> str | None:
    if not text:
        return None
    head = text.strip().upper().split(":", 1)[0]
    return TYPE_ALIASES.get(head, head) or None


# --------------------------------------------------------------------------- header


def _meta(header: pysam.VariantHeader, key: str) -> str | None:
    for rec in header.records:
        if rec.key == key and rec.value:
            return str(rec.value).strip()
    return None


_HEADER_CALLERS = (
    ("gridssVersion", "GRIDSS"),
    ("gripssVersion", "GRIPSS"),
    ("esveeVersion", "ESVEE"),
    ("EsveeVersion", "ESVEE"),
    ("bpiVersion", "BPI"),
    ("purpleVersion", "PURPLE"),
)


def caller_of(header: pysam.VariantHeader) -> str | None:
    """The caller(s) a header names: ``##source`` (Manta's ``GenerateSVCandidates``, DRAGEN, LUMPY,
    SvABA, ...), then the Hartwig tools' ``##<tool>Version`` lines, in pipeline order."""
    parts: list[str] = []
    source = _meta(header, "source")
    if source:
        words = source.split()
        low = source.lower()
        if low.startswith("generatesvcandidates"):
            parts.append("Manta" + (f" {words[1]}" if len(words) > 1 else ""))
        elif low.startswith("svaba"):
            version = re.match(r"svaba\(?v?([0-9][^)\s]*)", source, re.IGNORECASE)
            parts.append("SvABA" + (f" {version.group(1)}" if version else ""))
        else:
            parts.append(words[0])
    for key, name in _HEADER_CALLERS:
        value = _meta(header, key)
        if value and not any(p.startswith(name) for p in parts):
            parts.append(f"{name} {value}")
    return " + ".join(parts) or None


def _svaba_columns(header: pysam.VariantHeader) -> tuple[str | None, str | None]:
    """(tumour, normal) BAM paths from SvABA's ``##source=svaba(...) run -t T.bam -n N.bam``: SvABA names
    its sample columns by BAM path (walaj/svaba, viewer/svaba/am.svaba.germline.sv.vcf)."""
    source = _meta(header, "source") or ""
    if not source.lower().startswith("svaba"):
        return None, None
    tumour = re.search(r"(?:^|\s)-t\s+(\S+)", source)
    normal = re.search(r"(?:^|\s)-n\s+(\S+)", source)
    return (tumour.group(1) if tumour else None), (normal.group(1) if normal else None)


def choose_sv_samples(
    header: pysam.VariantHeader, tumor_sample: str | None, normal_sample: str | None
) -> tuple[str | None, str | None, str, list[str]]:
    """(tumour column, normal column, how, notes). Never guesses from column order: SV callers name
    columns after the BAMs' read groups (Manta user guide, "VCF Sample Names") in no documented order.

    The sheet's ``tumor_sample`` names the small-variant VCF's column; when the SV VCF has no such
    column it is noted, not an error (support counts are then unknown; the breakpoints are not).
    """
    samples = list(header.samples)
    notes: list[str] = []
    if not samples:
        return None, None, "sites-only VCF: no support counts", notes
    svaba_t, svaba_n = _svaba_columns(header)
    tumour = how = None
    if tumor_sample and tumor_sample in samples:
        tumour, how = tumor_sample, "sample sheet tumor_sample"
    elif tumor_sample:
        notes.append(f"the sample sheet's tumor_sample {tumor_sample!r} is not a column of the SV VCF")
    normal = None
    if normal_sample and normal_sample in samples:
        normal = normal_sample
    elif normal_sample:
        notes.append(f"the sample sheet's normal_sample {normal_sample!r} is not a column of the SV VCF")
    declared_t, declared_n = _meta(header, "tumor_sample"), _meta(header, "normal_sample")
    if tumour is None:
        for candidate, why in (
            (declared_t, "##tumor_sample header line"),
            (svaba_t, "SvABA ##source -t argument"),
            ("TUMOR" if "TUMOR" in samples else None, "column named TUMOR"),
        ):
            if candidate and candidate in samples:
                tumour, how = candidate, why
                break
    if normal is None:
        for candidate in (declared_n, svaba_n, "NORMAL" if "NORMAL" in samples else None):
            if candidate and candidate in samples and candidate != tumour:
                normal = candidate
                break
    if tumour is None and len(samples) == 1 and samples[0] != normal:
        tumour, how = samples[0], "the only sample column"
    if tumour is None and normal is not None and len(samples) == 2:
        tumour = samples[1] if samples[0] == normal else samples[0]
        how = f"the column that is not the normal ({normal})"
    if tumour is not None and normal is None and len(samples) == 2:
        normal = samples[1] if samples[0] == tumour else samples[0]
    if tumour is None:
        notes.append(
            f"the SV VCF has {len(samples)} sample columns ({', '.join(samples)}) and nothing says which is "
            "the tumour; support counts are not read (name it in the sample sheet's tumor_sample or normal_sample)"
        )
        return None, normal, "tumour column unknown", notes
    return tumour, normal, how or "", notes


def _run_regions(header: pysam.VariantHeader) -> tuple[str, ...]:
    """Manta's ``--region`` arguments in ``##cmdline``: the run looked only there (the Manta demo)."""
    cmdline = _meta(header, "cmdline") or ""
    return tuple(_REGION_ARG.findall(cmdline))


def _covers(run_regions: Sequence[str], region: Region) -> bool:
    chrom, start, end = region
    for text in run_regions:
        name, _, span = text.rpartition(":") if ":" in text else (text, "", "")
        if normalize_contig(name) != chrom:
            continue
        if not span:
            return True
        lo, _, hi = span.replace(",", "").partition("-")
        try:
            if int(lo) <= end and (not hi or int(hi) >= start):
                return True
        except ValueError:
            return True  # an argument this reader cannot read says nothing against the region
    return False


@dataclass
class _Header:
    shown: str
    build: str
    region: Region
    caller: str | None
    tumour: str | None
    normal: str | None
    how: str
    chr2: bool  # INFO CHR2 declared: a partner may be given in INFO
    pos2: bool
    end_declared: bool
    chrom_declared: bool | None
    run_regions: tuple[str, ...]
    notes: list[str]
    pairs_written_twice: (
        bool  # MATEID declared, no CHR2/POS2, not re-filtered: both breakends of every pair are records
    )


def _read_header(shown: str, header: pysam.VariantHeader, build: str, region: Region, tumor: str | None,
                 normal: str | None) -> _Header:  # fmt: skip
    try:
        lengths = {normalize_contig(name): c.length for name, c in header.contigs.items() if c.length}
        check_contig_lengths(shown, lengths, build)
        _check_header_build(shown, header, build)
        tumour, normal_col, how, notes = choose_sv_samples(header, tumor, normal)
        info = set(header.info.keys())
        contigs = [normalize_contig(name) for name in header.contigs.keys()]
        refiltered = any(rec.key in _REFILTERED for rec in header.records)
        head = _Header(
            shown=shown,
            build=build,
            region=region,
            caller=caller_of(header),
            tumour=tumour,
            normal=normal_col,
            how=how,
            chr2="CHR2" in info,
            pos2="POS2" in info,
            end_declared="END" in info,
            chrom_declared=(region[0] in contigs) if contigs else None,
            run_regions=_run_regions(header),
            notes=notes,
            pairs_written_twice="MATEID" in info and "CHR2" not in info and "POS2" not in info and not refiltered,
        )
    except PYSAM_ERRORS as exc:  # e.g. non-UTF-8 bytes in a header line
        raise InputError(shown, f"malformed VCF header: {exc}", code="vcf_unreadable") from exc
    if head.chrom_declared is False:
        head.notes.append(f"the header's ##contig lines do not include chromosome {region[0]}")
    if head.run_regions and not _covers(head.run_regions, region):
        head.notes.append(
            f"the caller was run on {', '.join(head.run_regions)} only (##cmdline --region), not on the region"
        )
    return head


# --------------------------------------------------------------------------- record values


def _info(rec: pysam.VariantRecord, key: str) -> Any:
    if key not in rec.header.info or key not in rec.info:
        return None
    return rec.info[key]


def _first(value: Any) -> Any:
    if isinstance(value, tuple):
        return value[0] if value else None
    return value


def _info_int(shown: str, rec: pysam.VariantRecord, key: str, line: int | None) -> int | None:
    value = _first(_info(rec, key))
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise InputError(
            shown, f"INFO/{key} is not a whole number", line=line, field=f"INFO/{key}", expected="an integer",
            found=value, code="vcf_value_invalid",
        ) from exc  # fmt: skip


def _interval(shown: str, rec: pysam.VariantRecord, key: str, line: int | None) -> tuple[int, int] | None:
    """A confidence interval (CIPOS, CIEND, CIRPOS): two whole numbers, the first <= the second."""
    value = _info(rec, key)
    if value is None:
        return None
    values = value if isinstance(value, tuple) else (value,)
    if len(values) != 2 or any(v is None for v in values) or int(values[0]) > int(values[1]):
        raise InputError(
            shown, f"INFO/{key} is not a confidence interval", line=line, field=f"INFO/{key}",
            expected="two integers, the first <= the second (e.g. -10,10)", found=",".join(map(str, values)),
            code="vcf_value_invalid",
        )  # fmt: skip
    return int(values[0]), int(values[1])


def _raw_info_end(rec: pysam.VariantRecord) -> int | None:
    """INFO/END as the line writes it. htslib takes END as the record's own end on its chromosome, and
    drops it when it lies before POS; on a translocation record (CHR2 another chromosome) END is the
    partner's position, so it is read from the record's text."""
    columns = str(rec).split("\t", 8)
    if len(columns) < 8:
        return None
    for item in columns[7].split(";"):
        if item.startswith("END="):
            try:
                return int(item[4:])
            except ValueError:
                return None
    return None


def _qual(shown: str, rec: pysam.VariantRecord, line: int | None) -> float | None:
    qual = rec.qual
    if qual is None:
        return None
    if not math.isfinite(qual):
        raise InputError(
            shown, "QUAL is not a finite number", line=line, field="QUAL", expected="a number or '.'",
            found=qual, code="vcf_value_invalid",
        )  # fmt: skip
    return round(float(qual), 6)


def _counts(shown: str, data: Any, key: str, line: int | None) -> list[int | None] | None:
    """The values of FORMAT ``key`` in one sample as counts (None entries for '.'), None when absent."""
    try:
        value = data[key] if key in data else None
    except PYSAM_ERRORS:
        return None
    if value is None:
        return None
    values = value if isinstance(value, tuple) else (value,)
    return [read_count(shown, v, f"FORMAT/{key}", line) for v in values]


def _support(shown: str, rec: pysam.VariantRecord, sample: str, single: bool, line: int | None) -> SVSupport:
    """The support of one sample column; see the module docstring for which field means what."""
    data = rec.samples[sample]
    fmt = set(rec.format.keys())
    got: dict[str, Any] = {}
    used: list[str] = []

    def values(key: str) -> list[int | None] | None:
        return _counts(shown, data, key, line) if key in fmt else None

    def put(name: str, key: str, value: object) -> None:
        if name not in got and value is not None:
            got[name] = value
            used.append(key)

    if (pr := values("PR")) is not None and len(pr) == 2:  # Manta / DRAGEN: ref,alt
        put("ref_pairs", "PR", pr[0])
        put("alt_pairs", "PR", pr[1])
    if (sr := values("SR")) is not None and len(sr) == 2:  # Manta / DRAGEN: ref,alt
        put("ref_reads", "SR", sr[0])
        put("alt_split_reads", "SR", sr[1])
    elif sr is not None and len(sr) == 1:  # LUMPY, GRIDSS, SvABA: alt split reads
        put("alt_split_reads", "SR", sr[0])
    # DELLY: DR/DV reference/variant pairs, RR/RV reference/variant junction reads. Without DV, DR is
    # SvABA's discordant reads supporting the variant.
    delly = "DV" in fmt
    singles = (
        [("DV", "alt_pairs"), ("RV", "alt_split_reads"), ("DR", "ref_pairs"), ("RR", "ref_reads")] if delly
        else [("DR", "alt_pairs")]
    ) + [("PE", "alt_pairs"), ("RP", "alt_pairs"), ("DF", "alt_pairs"), ("SF", "alt_split_reads"),
         ("REFPAIR", "ref_pairs"), ("REF", "ref_reads"), ("SU", "alt_fragments")]  # fmt: skip
    # GRIDSS counts a single breakend's fragments in BVF (its VF is 0); VF otherwise. SvABA's AD is alt reads.
    singles += [("BVF", "alt_fragments")] if single else []
    singles += [("VF", "alt_fragments"), ("AD", "alt_fragments")]
    for key, name in singles:
        if name not in got and (found := values(key)) is not None and len(found) == 1:
            put(name, key, found[0])
    if "AF" in fmt:  # ESVEE: allele fraction of the breakend
        try:
            af = _first(data["AF"])
        except PYSAM_ERRORS:
            af = None
        if af is not None:
            if not isinstance(af, (int, float)) or not math.isfinite(af) or not 0 <= af <= 1:
                raise InputError(
                    shown, "allele fraction outside 0..1", line=line, field="FORMAT/AF",
                    expected="a fraction between 0 and 1", found=af, code="vcf_value_invalid",
                )  # fmt: skip
            put("allele_fraction", "AF", round(float(af), 6))
    if "FT" in fmt:
        try:
            ft = _first(data["FT"])
        except PYSAM_ERRORS:
            ft = None
        if ft not in (None, "."):
            put("sample_filter", "FT", str(ft))
    return SVSupport(sample=sample, fields=tuple(dict.fromkeys(used)), **got)


# --------------------------------------------------------------------------- one record


@dataclass(frozen=True)
class _Shape:
    svtype: str
    stated: str | None
    notation: str
    end: int | None
    sized: bool
    mate: tuple[str, int] | None
    orientation: str | None
    junction: str | None


def _shape(head: _Header, rec: pysam.VariantRecord, chrom: str, alt: str, line: int | None) -> _Shape | None:
    """What one ALT allele describes, or None for an allele that is no structural variant."""
    shown = head.shown
    stated_raw = _first(_info(rec, "SVTYPE"))
    stated = str(stated_raw).strip().upper() if stated_raw else None
    svtype = _normal_type(stated)
    try:
        breakend = parse_breakend(alt)
    except ValueError as exc:
        raise InputError(
            shown, f"malformed breakend ALT: {exc}", line=line, field="ALT",
            expected="breakend notation of the VCF 4.2 specification, section 5.4", found=alt, code="vcf_unreadable",
        ) from exc  # fmt: skip
    mate: tuple[str, int] | None = None
    orientation = None
    if breakend is not None:
        orientation, mate_chrom, mate_pos = breakend
        mate = (normalize_contig(mate_chrom), mate_pos)
        notation, svtype = "breakend", svtype or "BND"
    elif _SINGLE_BREAKEND.match(alt):
        notation, svtype, orientation = "single_breakend", svtype or "BND", "single"
    elif alt.startswith("<") and alt.endswith(">"):
        notation, svtype = "symbolic", svtype or _normal_type(alt[1:-1])
    else:
        ref = rec.ref or ""
        if len(ref) == len(alt) and svtype is None:
            return None  # a substitution: not a structural variant
        notation = "info_only" if len(ref) == len(alt) else "sequence"
        svtype = svtype or ("DEL" if len(ref) > len(alt) else "INS")
    if svtype is None:  # "<>": a symbolic allele naming nothing
        raise InputError(
            shown, "symbolic ALT allele without a name", line=line, field="ALT", expected="e.g. <DEL>, <DUP>, <INV>",
            found=alt, code="vcf_unreadable",
        )  # fmt: skip
    if mate is None and head.chr2:
        partner = _first(_info(rec, "CHR2"))
        if partner:
            other = normalize_contig(str(partner))
            where = _info_int(shown, rec, "POS2", line) if head.pos2 else None
            if other != chrom:
                where = where if where is not None else (_raw_info_end(rec) if head.end_declared else None)
                mate = (other, where) if where is not None else None
                if mate is None:
                    raise InputError(
                        shown, "translocation without a partner position", line=line, field="INFO/CHR2",
                        expected="INFO/POS2 or END with the position on CHR2", found=partner, code="vcf_unreadable",
                    )  # fmt: skip
            elif svtype == "BND" and where is not None:
                mate = (other, where)
    end: int | None = None
    sized = True
    junction = None
    if mate is not None:
        if mate[0] == chrom and orientation in ("t[p[", "t]p]", "]p]t", "[p[t"):
            junction = junction_of(orientation, rec.pos, mate[1])
        elif mate[0] != chrom:
            junction = "translocation"
    elif notation != "single_breakend" and (svtype in INTERVAL_TYPES or svtype == "INS"):
        stop = rec.stop  # INFO/END, or POS + len(REF) - 1 (htslib)
        if svtype == "INS":
            end = rec.pos
        elif stop > rec.pos:
            end = stop
        else:
            svlen = _info_int(shown, rec, "SVLEN", line)
            end = rec.pos + abs(svlen) if svlen else None
            sized = end is not None
    return _Shape(svtype, stated, notation, end, sized, mate, orientation, junction)


def _touches(shape: _Shape, chrom: str, pos: int, region: Region) -> bool:
    """True when the SV has a position in the region or spans part of it (an unsized event starting
    before it might reach it)."""
    rchrom, start, end = region
    points = []
    if chrom == rchrom:
        points.append(pos)
        if shape.end is not None:
            points.append(shape.end)
    if shape.mate is not None and shape.mate[0] == rchrom:
        points.append(shape.mate[1])
    if any(start <= p <= end for p in points):
        return True
    if chrom == rchrom and len(points) >= 2 and min(points) <= end and max(points) >= start:
        return True  # an event, or an intrachromosomal breakend, spanning the region
    return chrom == rchrom and not shape.sized and pos <= end


class _Collector:
    """What the records of one file add up to."""

    def __init__(self, head: _Header) -> None:
        self.head = head
        self.found: list[StructuralVariant] = []
        self.records = 0
        self.on_chrom = 0
        self.delly: str | None = None
        self._chrom_of: dict[int, str] = {}

    def add(self, rec: pysam.VariantRecord, line: int | None) -> None:
        head = self.head
        rid = rec.rid
        chrom = self._chrom_of.get(rid)
        if chrom is None:
            chrom = self._chrom_of[rid] = normalize_contig(rec.chrom)
        self.records += 1
        on_chrom = chrom == head.region[0]
        alts = rec.alts or ()
        if on_chrom:
            self.on_chrom += 1
            check_position(head.shown, rec.chrom, rec.pos, head.build, line)
        elif not head.chr2 and not any("[" in a or "]" in a for a in alts):
            return  # on another chromosome and pointing nowhere: nothing of the region
        if self.delly is None and "SVMETHOD" in rec.header.info:
            method = _first(_info(rec, "SVMETHOD"))
            if method and str(method).upper().startswith("EMBL.DELLY"):
                self.delly = "DELLY " + str(method)[len("EMBL.DELLY") :]
        for alt in alts:
            if alt in _NOT_VARIANTS:
                continue
            shape = _shape(head, rec, chrom, alt, line)
            if shape is None or not _touches(shape, chrom, rec.pos, head.region):
                continue
            if shape.mate is not None:
                check_position(head.shown, shape.mate[0], shape.mate[1], head.build, line)
            self.found.append(self._variant(rec, chrom, shape, line))

    def _variant(self, rec: pysam.VariantRecord, chrom: str, shape: _Shape, line: int | None) -> StructuralVariant:
        head, shown = self.head, self.head.shown
        single = shape.notation == "single_breakend"
        ids = tuple(i for i in (rec.id or "").split(";") if i and i != ".")
        mate_id = _first(_info(rec, "MATEID"))
        if mate_id:
            ids = ids[:1] + (str(mate_id),)
        mate = None
        if shape.mate is not None:
            mate = Breakend(shape.mate[0], shape.mate[1], _interval(shown, rec, "CIRPOS", line))
        info_support = []
        for key in INFO_SUPPORT_KEYS:
            value = read_count(shown, _first(_info(rec, key)), f"INFO/{key}", line)
            if value is not None:
                info_support.append((key, value))
        event = _first(_info(rec, "EVENT"))
        return StructuralVariant(
            ids=ids,
            svtype=shape.svtype,
            svtype_stated=shape.stated,
            notation=shape.notation,
            chrom=chrom,
            pos=rec.pos,
            end=shape.end,
            sized=shape.sized,
            mate=mate,
            orientation=shape.orientation,
            junction=shape.junction,
            filters=tuple(str(k) for k in rec.filter.keys()) or (".",),
            qual=_qual(shown, rec, line),
            imprecise="IMPRECISE" in rec.header.info and "IMPRECISE" in rec.info,
            ci_pos=_interval(shown, rec, "CIPOS", line),
            ci_end=_interval(shown, rec, "CIEND", line) if shape.end is not None else None,
            somatic_score=_info_int(shown, rec, "SOMATICSCORE", line),
            info_support=tuple(info_support),
            tumour=_support(shown, rec, head.tumour, single, line) if head.tumour else None,
            normal=_support(shown, rec, head.normal, single, line) if head.normal else None,
            event=str(event) if event else None,
            line=line,
        )


def _inside(sv: StructuralVariant, region: Region) -> bool:
    return sv.chrom == region[0] and region[1] <= sv.pos <= region[2]


def _merge_pairs(found: list[StructuralVariant], region: Region) -> list[StructuralVariant]:
    """Each breakend pair once (see the module docstring); the mate's FILTER kept in ``mate_filters``."""
    first_with_id: dict[str, int] = {}
    by_place: dict[tuple[str, int, str, int], int] = {}
    for i, sv in enumerate(found):
        if sv.ids:
            first_with_id.setdefault(sv.ids[0], i)
        if sv.mate is not None:
            by_place.setdefault((sv.chrom, sv.pos, sv.mate.chrom, sv.mate.pos), i)
    used: set[int] = set()
    out = []
    for i, sv in enumerate(found):
        if i in used:
            continue
        partner = None
        if len(sv.ids) == 2:
            j = first_with_id.get(sv.ids[1])
            if j is not None and j != i and j not in used and found[j].ids[1:] == sv.ids[:1]:
                partner = j
        if partner is None and sv.mate is not None and not (len(sv.ids) == 2 and sv.ids[1] in first_with_id):
            j = by_place.get((sv.mate.chrom, sv.mate.pos, sv.chrom, sv.pos))
            if j is not None and j != i and j not in used:
                partner = j
        if partner is None:
            out.append(sv)
            continue
        used.update((i, partner))
        other = found[partner]
        primary, secondary = (other, sv) if _inside(other, region) and not _inside(sv, region) else (sv, other)
        out.append(replace(primary, mate_filters=secondary.filters))
    return out


# --------------------------------------------------------------------------- reading


def _stream(vf: pysam.VariantFile, collector: _Collector, shown: str, readable: Path) -> None:
    lines = _LineNumbers(readable)
    ordinal = 0

    try:
        for rec in vf:
            ordinal += 1
            try:
                collector.add(rec, lines.of(ordinal))
            except PYSAM_ERRORS as exc:  # e.g. fewer sample columns than the header names
                raise malformed_record(exc, shown, readable, lines.of(ordinal)) from exc
    except PYSAM_ERRORS as exc:  # htslib could not read the next record (InputError is none of these)
        raise malformed_record(exc, shown, readable, lines.of(ordinal + 1), f" after record {ordinal}") from exc


def _read_indexed(p: Path, head: _Header) -> _Collector | str | None:
    """The fast path (module docstring): the region chromosome's records, read at the offsets of an index
    vcf.py has verified against the file. None, or why not as text, when the stream must be used."""
    index = _usable_index(p)
    if index is None:
        return None
    verified = _verify_index(p, index, head.region[0])
    if not isinstance(verified, tuple):
        return verified
    header, by_name = verified
    if len(by_name) > 1:
        return None  # two spellings of one chromosome: the stream reads them in file order
    lines = next(iter(by_name.values()), [])
    collector = _Collector(head)
    try:
        with verified_records(header, lines) as vf:
            for rec in vf:
                collector.add(rec, None)
    except (InputError, *PYSAM_ERRORS):
        return None  # the stream reports it with its line number
    return collector if collector.records == len(lines) else None


def read_structural_variants(
    path: str | Path,
    *,
    build: str,
    region: Region,
    tumor_sample: str | None = None,
    normal_sample: str | None = None,
    use_index: bool = True,
) -> SVSource:
    """The structural variants of an SV VCF touching ``region`` (normalised chrom, 1-based start, end).

    ``build`` is the sample sheet's (contig lengths, ``##reference`` and positions are checked against
    it); ``tumor_sample`` / ``normal_sample`` name the columns support is read from (see
    :func:`choose_sv_samples`). ``use_index=False`` always streams. Raises InputError (codes of
    ``docs/error_model.md``: ``input_*``, ``vcf_truncated``, ``vcf_unreadable``, ``vcf_value_invalid``,
    ``build_mismatch``) for a file that cannot be read.
    """
    canon = canonical_build(build)
    if canon is None:
        raise InputError(
            path, "unknown genome build", field="build", expected="GRCh37 or GRCh38 (or an alias)", found=build,
            code="build_unknown",
        )  # fmt: skip
    chrom, start, end = region
    if start < 1 or end < start:
        raise ValueError(f"region {chrom}:{start}-{end} is not a 1-based interval")
    p = check_input(path)
    shown = str(path)
    try:
        return _read(p, shown, canon, (normalize_contig(chrom), start, end), tumor_sample, normal_sample, use_index)
    except OSError as exc:  # vanished or lost its permissions after the check: an InputError, never a crash
        raise input_error(path, exc) from exc


def _read(p: Path, shown: str, build: str, region: Region, tumor_sample: str | None, normal_sample: str | None,
          use_index: bool) -> SVSource:  # fmt: skip
    with _readable_copy(p) as (readable, bgzf), _quiet():
        if not bgzf and not _is_bcf(readable):
            _check_last_line(readable, shown)
        try:
            vf = pysam.VariantFile(str(readable))
        except PYSAM_ERRORS as exc:
            raise InputError(
                shown, f"not a readable VCF/BCF: {_scrub(exc, readable, shown)}",
                expected="a VCF (plain, gzip or bgzip) or BCF", code="vcf_unreadable",
            ) from exc  # fmt: skip
        with vf:
            head = _read_header(shown, vf.header, build, region, tumor_sample, normal_sample)
            fast: _Collector | str | None = None
            if bgzf and use_index and head.pairs_written_twice:
                fast = _read_indexed(p, head)
            if isinstance(fast, _Collector):
                return _finish(shown, fast, indexed=True)
            collector = _Collector(head)
            if isinstance(fast, str):
                head.notes.append(f"the index next to the SV VCF was not used ({fast}); the file was streamed")
            _stream(vf, collector, shown, readable)
    return _finish(shown, collector, indexed=False)


def _finish(shown: str, collector: _Collector, indexed: bool) -> SVSource:
    head = collector.head
    notes = list(head.notes)
    caller = head.caller or collector.delly
    if collector.on_chrom == 0:
        notes.append(f"no record on chromosome {head.region[0]} in the SV VCF")
    variants = sorted(_merge_pairs(collector.found, head.region), key=lambda v: (v.chrom != head.region[0], v.pos))
    return SVSource(
        path=shown,
        caller=caller,
        tumour_sample=head.tumour,
        normal_sample=head.normal,
        sample_choice=head.how,
        variants=variants,
        records=None if indexed else collector.records,
        records_on_chrom=collector.on_chrom,
        chrom_declared=head.chrom_declared,
        run_regions=head.run_regions,
        region_excluded=head.chrom_declared is False
        or (bool(head.run_regions) and not _covers(head.run_regions, head.region)),
        indexed=indexed,
        notes=notes,
    )


# --------------------------------------------------------------------------- TP53 exons


@dataclass(frozen=True)
class ExonSpan:
    number: int  # transcript order (exon 1 is 5')
    start: int  # genomic, 1-based inclusive
    end: int
    cds_start: int | None  # coding part, None for a non-coding exon
    cds_end: int | None


@dataclass(frozen=True)
class GeneExons:
    gene: str
    build: str
    chrom: str  # normalised
    exons: tuple[ExonSpan, ...]  # transcript order


@cache
def tp53_exons(build: str) -> GeneExons:
    """TP53's exons (NM_000546.6) in ``build`` from resources/reference/tp53_exons.tsv (the table
    ``transcript.tp53_model`` reads and checks against the coding sequence)."""
    canon = canonical_build(build)
    if canon is None:
        raise ValueError(f"unknown genome build {build!r}")
    with open(reference_path("tp53_exons.tsv"), newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["build"].lower() == canon.lower()]
    if not rows:
        raise RuntimeError(f"tp53_exons.tsv has no rows for {canon}")

    def number(text: str) -> int | None:
        return int(text) if text.strip() else None

    exons = tuple(
        ExonSpan(int(r["exon_number"]), int(r["exon_start"]), int(r["exon_end"]),
                 number(r["cds_genomic_start"]), number(r["cds_genomic_end"]))
        for r in sorted(rows, key=lambda r: int(r["exon_number"]))
    )  # fmt: skip
    return GeneExons("TP53", canon, normalize_contig(rows[0]["chrom"]), exons)


# --------------------------------------------------------------------------- where an SV lies in TP53


class ExonLike(Protocol):
    @property
    def number(self) -> int: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def cds_start(self) -> int | None: ...
    @property
    def cds_end(self) -> int | None: ...


class TranscriptLike(Protocol):
    """:class:`GeneExons`, or the evidence layer's ``transcript.TP53Model``."""

    @property
    def chrom(self) -> str: ...
    @property
    def exons(self) -> Sequence[ExonLike]: ...


SVKind = Literal[
    "deletion_over_coding_exons",
    "breakend_in_gene",
    "within_intron",
    "duplication_of_whole_gene",
    "spans_whole_gene",
    "extent_unknown",
    "breakend_near_gene",
    "outside",
]
Effect = Literal["disrupting", "uncertain", "not_disrupting"]
EFFECTS: dict[str, Effect] = {
    "deletion_over_coding_exons": "disrupting",
    "breakend_in_gene": "disrupting",
    "extent_unknown": "uncertain",
    "breakend_near_gene": "uncertain",
    "within_intron": "not_disrupting",
    "duplication_of_whole_gene": "not_disrupting",
    "spans_whole_gene": "not_disrupting",
    "outside": "not_disrupting",
}


@dataclass(frozen=True)
class SVClassification:
    """Where an SV lies in the gene. ``effect`` is what the geometry alone says; FILTER, support and
    germline origin are the evidence layer's to weigh."""

    kind: SVKind
    effect: Effect
    breakpoints: tuple[
        tuple[int, str], ...
    ]  # (position, "exon 5" / "intron 1" / "upstream (5')" ...) on the gene's chromosome
    exons: tuple[int, ...]  # coding exons whose coding bases a deletion removes
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def place(pos: int, transcript: TranscriptLike) -> str:
    """Where ``pos`` lies: "exon N", "intron N" (between exons N and N+1), "upstream (5')", "downstream (3')"."""
    exons = sorted(transcript.exons, key=lambda e: e.number)
    for exon in exons:
        if exon.start <= pos <= exon.end:
            return f"exon {exon.number}"
    lo, hi = min(e.start for e in exons), max(e.end for e in exons)
    minus = len(exons) > 1 and exons[0].start > exons[-1].start
    if pos < lo:
        return "downstream (3')" if minus else "upstream (5')"
    if pos > hi:
        return "upstream (5')" if minus else "downstream (3')"
    for a, b in zip(exons, exons[1:], strict=False):
        if min(a.end, b.end) < pos < max(a.start, b.start):
            return f"intron {a.number}"
    return "gene body"  # pragma: no cover - the exons tile the gene, every position is placed above


def _affected(sv: StructuralVariant, chrom: str) -> tuple[str, int, int] | None:
    """(type, first, last) of the bases an SV deletes, duplicates, inverts or inserts at, on ``chrom``."""
    if sv.chrom != chrom or not sv.sized:
        return None
    if sv.mate is None:
        if sv.svtype == "INS" or (sv.end is not None and sv.svtype in INTERVAL_TYPES):
            last = sv.end if sv.end is not None else sv.pos
            # POS is the padding base before a symbolic or sequence deletion/duplication/inversion (VCF 4.2, 5.3).
            first = sv.pos if sv.svtype == "INS" else min(sv.pos + 1, last)
            return sv.svtype, first, last
        return None
    if sv.mate.chrom != chrom:
        return None
    kind = sv.svtype if sv.svtype in ("DEL", "DUP", "INV", "INS") else sv.junction
    if kind not in ("DEL", "DUP", "INV", "INS"):
        return None
    lo, hi = sorted((sv.pos, sv.mate.pos))
    if kind == "DEL":
        return kind, lo + 1, max(lo + 1, hi - 1)  # the bases between the two joined breakends
    if kind == "INS":
        return kind, lo, lo
    return kind, (lo if kind == "DUP" else lo + 1), hi


def _coding_exons(transcript: TranscriptLike, first: int, last: int) -> tuple[int, ...]:
    return tuple(sorted(
        e.number for e in transcript.exons
        if e.cds_start is not None and e.cds_end is not None and first <= e.cds_end and last >= e.cds_start
    ))  # fmt: skip


def _within_one_intron(transcript: TranscriptLike, first: int, last: int, margin: int) -> int | None:
    """The intron first..last lies in, at least ``margin`` bases from both exons (as calls.py judges SVs
    in the small-variant VCF), else None."""
    exons = sorted(transcript.exons, key=lambda e: e.start)
    for left, right in zip(exons, exons[1:], strict=False):
        if left.end + margin < first and last < right.start - margin:
            return min(left.number, right.number)
    return None


def classify_tp53_sv(sv: StructuralVariant, transcript: TranscriptLike, *, splice_margin: int) -> SVClassification:
    """Where ``sv`` lies in the gene ``transcript`` describes (:func:`tp53_exons`, or the evidence layer's
    TP53 model), and what that alone means for the gene.

    * ``deletion_over_coding_exons`` (disrupting): a deletion (symbolic, sequence, or a breakend pair
      joined as a deletion) removing coding bases; the exons are named.
    * ``breakend_in_gene`` (disrupting): any other SV with a breakpoint in the transcript (first to
      last exon): a translocation or inversion breakend (intron 1 rearrangements in osteosarcoma), a
      duplication or deletion ending inside it, a single breakend, an insertion in an exon.
    * ``within_intron`` (not disrupting): a deletion, duplication, inversion or insertion wholly inside
      one intron, at least ``splice_margin`` bases from both exons (the rule calls.py applies to SVs in
      the small-variant VCF).
    * ``duplication_of_whole_gene`` / ``spans_whole_gene`` (not disrupting): both ends outside, the
      gene inside a duplication (an intact extra copy) or an inversion.
    * ``extent_unknown`` (uncertain): an interval event without END or SVLEN starting before the gene.
    * ``breakend_near_gene`` (uncertain): no breakpoint inside, but a confidence interval (CIPOS,
      CIEND, CIRPOS) reaching into the gene.
    * ``outside`` (not disrupting).
    """
    if splice_margin < 0:
        raise ValueError(f"splice_margin must be >= 0, got {splice_margin}")
    chrom = transcript.chrom
    lo = min(e.start for e in transcript.exons)
    hi = max(e.end for e in transcript.exons)
    points: list[tuple[int, tuple[int, int] | None]] = []
    if sv.chrom == chrom:
        points.append((sv.pos, sv.ci_pos))
        if sv.end is not None and sv.end != sv.pos:
            points.append((sv.end, sv.ci_end))
    if sv.mate is not None and sv.mate.chrom == chrom:
        points.append((sv.mate.pos, sv.mate.ci))
    placed = tuple((p, place(p, transcript)) for p, _ in points)
    where = "; ".join(f"{chrom}:{p:,} {text}" for p, text in placed)

    def result(kind: SVKind, detail: str, exons: tuple[int, ...] = ()) -> SVClassification:
        return SVClassification(kind, EFFECTS[kind], placed, exons, detail)

    affected = _affected(sv, chrom)
    if affected is not None and affected[0] == "DEL":
        removed = _coding_exons(transcript, affected[1], affected[2])
        if removed:
            names = ", ".join(map(str, removed))
            return result(
                "deletion_over_coding_exons",
                f"{sv.svtype} {chrom}:{affected[1]:,}-{affected[2]:,} deletes coding bases of exon(s) {names} "
                f"(breakpoints: {where})",
                removed,
            )
    if sv.chrom == chrom and not sv.sized:
        if lo <= sv.pos <= hi:
            return result("breakend_in_gene", f"{sv.svtype} of unknown extent starting inside the gene at {where}")
        if sv.pos < lo:
            return result(
                "extent_unknown",
                f"{sv.svtype} at {chrom}:{sv.pos:,} has no END or SVLEN: whether it reaches the gene is unknown",
            )
    inside = [(p, text) for p, text in placed if lo <= p <= hi]
    if inside:
        if affected is not None:
            intron = _within_one_intron(transcript, affected[1], affected[2], splice_margin)
            if intron is not None:
                return result(
                    "within_intron",
                    f"{affected[0]} {chrom}:{affected[1]:,}-{affected[2]:,} lies wholly inside intron {intron}, "
                    f"more than {splice_margin} bases from its exons",
                )
        what = {"translocation": "translocation breakend"}.get(sv.junction or "", f"{sv.svtype} breakpoint")
        return result(
            "breakend_in_gene", f"{what} inside the gene: {'; '.join(f'{chrom}:{p:,} {t}' for p, t in inside)}"
        )
    if affected is not None and affected[1] <= lo and affected[2] >= hi:
        if affected[0] == "DUP":
            return result(
                "duplication_of_whole_gene", f"DUP {chrom}:{affected[1]:,}-{affected[2]:,} holds the whole gene"
            )
        return result(
            "spans_whole_gene",
            f"{affected[0]} {chrom}:{affected[1]:,}-{affected[2]:,} holds the whole gene; both breakpoints lie outside it",
        )
    for p, ci in points:
        if ci is not None and p + ci[0] <= hi and p + ci[1] >= lo:
            return result(
                "breakend_near_gene",
                f"breakpoint {chrom}:{p:,} lies outside the gene, but its confidence interval ({ci[0]:+d},{ci[1]:+d}) reaches into it",
            )
    return result("outside", f"no breakpoint inside the gene ({where or 'none on chromosome ' + chrom})")


def iter_classified(
    source: SVSource, transcript: TranscriptLike, *, splice_margin: int
) -> Iterator[tuple[StructuralVariant, SVClassification]]:
    """Each SV of ``source`` with its classification."""
    for sv in source.variants:
        yield sv, classify_tp53_sv(sv, transcript, splice_margin=splice_margin)
