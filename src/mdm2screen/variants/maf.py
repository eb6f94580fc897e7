"""MAF reader: the rows of one region for one tumour barcode, as the file gives them (GDC MAF
specification and older TCGA/Firehose/Oncotator MAFs). Normalising and interpreting them is the
evidence layer's (calls.py).

Conventions, after docs.gdc.cancer.gov/Data/File_Formats/MAF_Format/:

* Coordinates are 1-based. ``-`` stands for an empty allele; an insertion sits between
  ``Start_Position`` and the next base. Rows are returned with the MAF's own alleles, End_Position,
  Variant_Classification and HGVS columns (those of the requested transcripts).
* Column names are matched case-insensitively (``Start_position`` in old MAFs); ``#version``
  lines and quoted fields are accepted; a repeated header line (concatenated MAFs) is skipped.
* A cohort MAF is read once per process: the TP53 rows and per-barcode row counts are cached
  under (real path, size, mtime), so hundreds of samples naming one MAF cost about one read.
* Samples are matched exactly (``tumor_sample`` or else ``sample_id`` equals
  ``Tumor_Sample_Barcode``): never by prefix, since TCGA barcodes of different aliquots share one.
"""

from __future__ import annotations

import difflib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..fileio import iter_text_lines
from ..genome import canonical_build, check_position, normalize_contig
from ..reference import gene_locus
from .records import RawAllele, RawVariants, Region, check_input, read_count

REQUIRED = ("hugo_symbol", "chromosome", "start_position", "reference_allele", "tumor_sample_barcode")
ALLELES = ("tumor_seq_allele2", "tumor_seq_allele1")
TRANSCRIPT_COLUMNS = ("transcript_id", "annotation_transcript", "refseq_mrna_id", "refseq")
MISSING = ("", ".", "NA", "N/A", "NaN", "nan", "None", "__UNKNOWN__")
# The columns a TP53-region row keeps (what read_maf and _row_alleles read): a GENIE MAF has over
# 100 columns, and the index of a cohort MAF is held, and written as a shared-file extract, whole.
ROW_COLUMNS = frozenset(
    (
        *REQUIRED,
        *ALLELES,
        *TRANSCRIPT_COLUMNS,
        "end_position",
        "t_alt_count",
        "t_ref_count",
        "t_depth",
        "filter",
        "mutation_status",
        "dbsnp_rs",
        "hgvsc",
        "cdna_change",
        "hgvsp",
        "hgvsp_short",
        "protein_change",
        "amino_acid_change",
        "variant_classification",
        "ncbi_build",
        "matched_norm_sample_barcode",
        "n_alt_count",
        "n_ref_count",
        "n_depth",
    )
)
# Rows kept in the cache: TP53 in either build, with room for any splice margin.
CACHE_PAD = 5000
_CACHE_SIZE = 8
SEQUENCED_PREFIX = "#sequenced_samples:"
# Note on the empty VariantSource of a sample listed as sequenced but without rows (the screening layer
# accepts the absence of rows only with this note or a sheet saying the sample was profiled).
SEQUENCED_NOTE = "sequenced, no rows: "


@dataclass
class MafRow:
    line: int
    values: dict[str, str]  # lower-case column name -> value


@dataclass
class MafIndex:
    """What one MAF holds for TP53, per Tumor_Sample_Barcode."""

    columns: list[str]
    rows_per_barcode: dict[str, int] = field(default_factory=dict)
    chrom_rows: dict[str, int] = field(default_factory=dict)  # rows on TP53's chromosome
    tp53_rows: dict[str, list[MafRow]] = field(default_factory=dict)
    builds: dict[str, dict[str, int]] = field(default_factory=dict)  # barcode -> NCBI_Build value -> first line
    max_chrom_pos: dict[str, tuple[int, int]] = field(default_factory=dict)  # barcode -> (pos, line)
    errors: dict[str, InputError] = field(default_factory=dict)  # first bad TP53-chromosome row per barcode
    # cBioPortal's "#sequenced_samples: A B C" comment: samples profiled, with or without rows -> its line
    sequenced: dict[str, int] = field(default_factory=dict)
    # None: every barcode's TP53 rows are held. Otherwise only these barcodes' are (a slice of a
    # shared-file extract, sharedfiles.py); the per-barcode counts and checks are whole.
    loaded: frozenset[str] | None = None


_cache: OrderedDict[tuple[str, int, int], MafIndex] = OrderedDict()
_lock = threading.Lock()
_stats = {"hits": 0, "misses": 0}


def _clean(field: str) -> str:
    return field.strip().strip('"').strip()


def _split(line: str) -> list[str]:
    return [_clean(f) for f in line.split("\t")]


def _field(fields: list[str], at: int | None) -> str:
    """The cleaned field at ``at``; "" when the row is shorter or the column absent."""
    return _clean(fields[at]) if at is not None and at < len(fields) else ""


def is_maf_header(fields: list[str]) -> bool:
    names = {f.lower() for f in fields}
    return "hugo_symbol" in names and "tumor_sample_barcode" in names


def _value(values: dict[str, str], key: str) -> str | None:
    v = values.get(key)
    if v is None or v.strip() in MISSING:
        return None
    return v.strip()


def _position(raw: str | None) -> int | None:
    """A 1-based coordinate, or None when the text is not a positive whole number."""
    text = (raw or "").strip()
    return int(text) if text.isdigit() and int(text) >= 1 else None


def _windows() -> list[tuple[int, int]]:
    windows = []
    for build in ("GRCh37", "GRCh38"):
        locus = gene_locus("TP53", build)
        windows.append((locus.start - CACHE_PAD, locus.end + CACHE_PAD))
    return windows


def _parse(path: Path, shown: str) -> MafIndex:
    tp53_chrom = gene_locus("TP53", "GRCh38").chrom
    windows = _windows()
    index: MafIndex | None = None
    columns: list[str] = []
    sequenced: dict[str, int] = {}
    for number, line in enumerate(iter_text_lines(path), start=1):
        if "\x00" in line:
            raise InputError(
                shown, "binary content where a MAF text line was expected", line=number, code="maf_unreadable"
            )
        if not line.strip():
            continue
        if line.startswith(SEQUENCED_PREFIX):
            # cBioPortal mutation data: "#sequenced_samples: A B C" (space- or tab-separated).
            for name in line[len(SEQUENCED_PREFIX) :].split():
                sequenced.setdefault(name, number)
            continue
        if index is None:
            if line.startswith("#"):
                continue  # "#version 2.4" and other comment lines before the header
            columns = [c.lower() for c in _split(line)]
            missing = [c for c in REQUIRED if c not in columns]
            if missing or not any(a in columns for a in ALLELES):
                absent = [*missing, *([] if any(a in columns for a in ALLELES) else ["tumor_seq_allele2"])]
                raise InputError(
                    shown,
                    f"not a MAF header: column(s) {', '.join(absent)} missing (names are matched case-insensitively)",
                    line=number,
                    expected="tab-separated columns including " + ", ".join(REQUIRED) + " and Tumor_Seq_Allele2",
                    found=line[:120],
                    code="maf_header_invalid",
                )
            index = MafIndex(columns=columns)
            # Column positions (the last of a repeated name, as a dict of the row would keep), and the
            # columns a TP53 row keeps: rows are split once and only those fields cleaned.
            at = {name: i for i, name in enumerate(columns)}
            at_barcode, at_build = at["tumor_sample_barcode"], at.get("ncbi_build")
            at_chrom, at_start = at["chromosome"], at["start_position"]
            kept = [(name, i) for name, i in at.items() if name in ROW_COLUMNS]
            continue
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        if _clean(fields[0]).lower() == "hugo_symbol":
            continue  # repeated header of a concatenated MAF
        barcode = _field(fields, at_barcode)
        if not barcode:
            continue
        index.rows_per_barcode[barcode] = index.rows_per_barcode.get(barcode, 0) + 1
        build_value = _field(fields, at_build)
        if build_value and build_value not in MISSING:
            index.builds.setdefault(barcode, {}).setdefault(build_value, number)
        chrom = normalize_contig(_field(fields, at_chrom))
        if chrom != tp53_chrom:
            continue
        index.chrom_rows[barcode] = index.chrom_rows.get(barcode, 0) + 1
        raw = _field(fields, at_start)
        start = _position(raw)
        if start is None:
            index.errors.setdefault(
                barcode,
                InputError(
                    shown,
                    "start position is not a positive whole number",
                    line=number,
                    field="Start_Position",
                    expected="an integer >= 1",
                    found=raw,
                    code="maf_value_invalid",
                ),
            )
            continue
        if start > index.max_chrom_pos.get(barcode, (0, 0))[0]:
            index.max_chrom_pos[barcode] = (start, number)
        if any(lo <= start <= hi for lo, hi in windows):
            values = {name: _clean(fields[i]) for name, i in kept if i < len(fields)}
            index.tp53_rows.setdefault(barcode, []).append(MafRow(number, values))
    if index is None:
        raise InputError(
            shown,
            "no MAF header line found",
            expected="a header with Hugo_Symbol ... Tumor_Sample_Barcode",
            found="only comments or empty lines",
            code="maf_header_invalid",
        )
    index.sequenced = sequenced
    return index


def load_maf(path: str | Path, *, fresh: bool = False) -> MafIndex:
    """Parsed MAF index, from the per-process cache when the file is unchanged (``fresh``: parse anyway)."""
    p = check_input(path)
    real = os.path.realpath(p)
    stat = os.stat(real)
    key = (real, stat.st_size, stat.st_mtime_ns)
    with _lock:
        if key in _cache and not fresh:
            _cache.move_to_end(key)
            _stats["hits"] += 1
            return _cache[key]
        _stats["misses"] += 1
    index = _parse(p, str(path))
    with _lock:
        _cache[key] = index
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return index


def _holding(index: MafIndex, path: str | Path, barcode: str | None) -> MafIndex:
    """``index``, or the file parsed again when it is a shared-file extract's slice without this barcode's
    TP53 rows (a barcode the file lacks needs none: the counts and names are whole)."""
    if index.loaded is not None and barcode in index.rows_per_barcode and barcode not in index.loaded:
        return load_maf(path, fresh=True)
    return index


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def cache_info() -> dict[str, int]:
    """Hits, misses (parses) and current size of the parsed-MAF cache, as cn.read.cache_info."""
    with _lock:
        return {**_stats, "size": len(_cache)}


def cache_export(real_path: str) -> list[tuple[tuple, MafIndex]]:
    """The cached index of the MAF at ``real_path`` with its cache key (``sharedfiles``)."""
    with _lock:
        return [(key, index) for key, index in _cache.items() if key[0] == real_path]


def cache_import(key: tuple, index: MafIndex) -> None:
    """Put an index built elsewhere (``sharedfiles``) in the cache under (real path, size, mtime_ns)."""
    with _lock:
        _cache[(key[0], key[1], key[2])] = index
        _cache.move_to_end((key[0], key[1], key[2]))
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def matched_normals(path: str | Path, barcode: str) -> set[str] | None:
    """The Matched_Norm_Sample_Barcode values of ``barcode``'s TP53-region rows (empty: the rows name no
    normal, a tumour-only call); None when the MAF has no such column (nothing is known)."""
    index = load_maf(path)
    if "matched_norm_sample_barcode" not in index.columns:
        return None
    rows = _holding(index, path, barcode).tp53_rows.get(barcode, [])
    return {v for row in rows if (v := _value(row.values, "matched_norm_sample_barcode")) is not None}


def normal_counts(path: str | Path, barcode: str) -> dict[int, tuple[str | None, int | None, int | None, int | None]]:
    """Per TP53-region row of ``barcode`` (by line): the matched normal's barcode and its read counts
    (n_alt_count, n_ref_count, n_depth), for rows that give any count. Counts are checked as the
    tumour's are (InputError for a negative or non-numeric count)."""
    index = _holding(load_maf(path), path, barcode)
    shown = str(path)
    out: dict[int, tuple[str | None, int | None, int | None, int | None]] = {}
    for row in index.tp53_rows.get(barcode, []):
        alt, ref, depth = (
            _count(shown, row.values, key, row.line) for key in ("n_alt_count", "n_ref_count", "n_depth")
        )
        if alt is not None or ref is not None or depth is not None:
            out[row.line] = (_value(row.values, "matched_norm_sample_barcode"), alt, ref, depth)
    return out


def _count(shown: str, values: dict[str, str], key: str, line: int) -> int | None:
    return read_count(shown, _value(values, key), key, line, code="maf_value_invalid")


def _vaf(shown: str, values: dict[str, str], line: int) -> tuple[float | None, int | None, int | None]:
    alt = _count(shown, values, "t_alt_count", line)
    ref = _count(shown, values, "t_ref_count", line)
    depth = _count(shown, values, "t_depth", line)
    if alt is not None and depth is not None and alt > depth:
        # t_ref_count + t_alt_count may differ from t_depth (reads with other alleles, caller-specific
        # depth filters), but no read count can exceed the depth: the row is corrupt.
        raise InputError(
            shown,
            "more alternate reads than reads in total (t_depth)",
            line=line,
            field="t_alt_count",
            expected=f"at most t_depth = {depth}",
            found=alt,
            code="maf_value_invalid",
        )
    total = alt + ref if alt is not None and ref is not None else depth
    if alt is None or not total:
        return None, depth, alt
    if alt > total:
        raise InputError(
            shown,
            "more alternate reads than reads in total",
            line=line,
            field="t_alt_count",
            expected=f"at most {total}",
            found=alt,
            code="maf_value_invalid",
        )
    return alt / total, depth if depth is not None else total, alt


def _canonical_row(values: dict[str, str], transcripts: tuple[str, ...]) -> bool:
    ids = [_value(values, c) for c in TRANSCRIPT_COLUMNS]
    present = [i for i in ids if i]
    return not present or any(i.split(".")[0] in transcripts for i in present)


def _hgvs(values: dict[str, str], transcripts: tuple[str, ...]) -> tuple[str | None, str | None]:
    if not _canonical_row(values, transcripts):
        return None, None
    c = _value(values, "hgvsc") or _value(values, "cdna_change")
    p = (
        _value(values, "hgvsp")
        or _value(values, "hgvsp_short")
        or _value(values, "protein_change")
        or _value(values, "amino_acid_change")
    )
    strip = lambda t: t.split(":", 1)[-1] if t else None  # noqa: E731 - ENST...:c.840A>T -> c.840A>T
    return strip(c), strip(p)


def read_maf(
    path: str | Path,
    *,
    build: str,
    region: Region,
    tumor_sample: str | None,
    sample_id: str | None,
    transcripts: tuple[str, ...],
) -> RawVariants:
    """The rows of one tumour barcode overlapping ``region``, and its row count on that chromosome.

    ``build`` is the declared (canonical) build the rows' NCBI_Build and positions are checked against;
    the HGVS columns are taken only from rows of ``transcripts`` (unversioned IDs) or rows naming none.
    """
    shown = str(path)
    barcode = tumor_sample or sample_id
    index = _holding(load_maf(path), path, barcode)
    how = "sample sheet tumor_sample" if tumor_sample else "sample_id"
    # Only for a barcode the file lacks: scanning every barcode per sample was quadratic in a cohort MAF.
    longer = (
        sorted(b for b in index.rows_per_barcode if b.startswith(barcode))
        if barcode and barcode not in index.rows_per_barcode
        else []
    )
    if longer:
        # Not "a sample without mutations": the sheet gave a shortened barcode (a TCGA sample barcode is a
        # prefix of its tumour and normal aliquots). The screening layer must not read this as no mutation.
        raise InputError(
            shown,
            f"no MAF row has Tumor_Sample_Barcode {barcode!r} ({how}), but {len(longer)} barcode(s) start with it: "
            f"{', '.join(longer[:5])}; barcodes are matched exactly, never by prefix; put the full barcode in the "
            "sample sheet's tumor_sample column",
            field="Tumor_Sample_Barcode",
            expected=f"{barcode} exactly",
            found=", ".join(longer[:5]),
            code="maf_sample_prefix_only",
        )
    if barcode and barcode not in index.rows_per_barcode and barcode in index.sequenced:
        # The file itself says this sample was profiled and no mutation of it is listed. Whether TP53 was
        # within what was profiled is for coverage evidence (gene panel, assay) to show, not for this note.
        note = (
            f"{SEQUENCED_NOTE}{barcode} ({how}) is listed in the MAF's #sequenced_samples line "
            f"(line {index.sequenced[barcode]}) and has no row in it"
        )
        return RawVariants(path=shown, format="maf", sample=barcode, alleles=[], records_on_chrom=0, head_notes=[note])
    if not barcode or barcode not in index.rows_per_barcode:
        known = list(dict.fromkeys([*index.rows_per_barcode, *index.sequenced]))
        close = difflib.get_close_matches(barcode or "", known, n=5, cutoff=0.5)
        raise InputError(
            shown,
            f"no MAF row has Tumor_Sample_Barcode {barcode!r} ({how}); barcodes are matched exactly, never by prefix"
            + (f"; closest barcodes: {', '.join(close)}" if close else "")
            + "; put the full barcode in the sample sheet's tumor_sample column",
            field="Tumor_Sample_Barcode",
            expected=barcode or "a barcode",
            found=", ".join(close) if close else f"{len(index.rows_per_barcode)} other barcodes",
            code="maf_sample_not_found",
        )
    if barcode in index.errors:
        raise index.errors[barcode]
    chrom, region_start, region_end = region
    for value, line in index.builds.get(barcode, {}).items():
        if canonical_build(value) != build:
            raise InputError(
                shown,
                "NCBI_Build of this sample's rows differs from the build the sample sheet declares",
                line=line,
                field="NCBI_Build",
                expected=build,
                found=value,
                code="build_mismatch",
            )
    if barcode in index.max_chrom_pos:
        pos, line = index.max_chrom_pos[barcode]
        check_position(shown, chrom, pos, build, line)
    alleles: list[RawAllele] = []
    for row in index.tp53_rows.get(barcode, []):
        alleles.extend(_row_alleles(shown, row, region_start, region_end, transcripts))
    on_chrom = index.chrom_rows.get(barcode, 0)
    tail = []
    if on_chrom == 0:
        tail.append(
            f"the MAF has {index.rows_per_barcode[barcode]} row(s) for {barcode} but none on chromosome {chrom}; "
            "a MAF lists only what was found, so this says nothing about TP53 coverage"
        )
    return RawVariants(
        path=shown,
        format="maf",
        sample=barcode,
        alleles=alleles,
        records_on_chrom=on_chrom,
        head_notes=[f"tumour barcode: {barcode} ({how})"],
        tail_notes=tail,
    )


def _row_alleles(
    shown: str, row: MafRow, region_start: int, region_end: int, transcripts: tuple[str, ...]
) -> list[RawAllele]:
    """One RawAllele per distinct tumour allele of a row overlapping the region (none otherwise)."""
    values, line = row.values, row.line
    start = _position(values["start_position"]) or 1
    ref = _value(values, "reference_allele") or "-"
    end = _position(_value(values, "end_position")) or start + max(len(ref.strip("-")), 1) - 1
    if end < region_start or start > region_end:
        return []
    vaf, depth, alt_count = _vaf(shown, values, line)
    filters = [f for f in (_value(values, "filter") or ".").replace(",", ";").split(";") if f] or ["."]
    if (_value(values, "mutation_status") or "").lower() == "germline":
        filters = [*filters, "germline"]
    rsid = _value(values, "dbsnp_rs")
    rsid = rsid if rsid and rsid.startswith("rs") else None
    hgvs_c, hgvs_p = _hgvs(values, transcripts)
    alts: list[str] = []
    for column in ALLELES:
        allele = _value(values, column)
        if allele and allele.upper() != ref.upper() and allele not in alts:
            alts.append(allele)
    return [
        RawAllele(
            values.get("chromosome", ""),
            start,
            ref,
            alt,
            line,
            filters=filters,
            vaf=vaf,
            depth=depth,
            alt_count=alt_count,
            terms=(_value(values, "variant_classification") or "").lower(),
            hgvs_c=hgvs_c,
            hgvs_p=hgvs_p,
            annotation_source="MAF",
            rsid=rsid,
            end=end,
        )
        for alt in alts
    ]
