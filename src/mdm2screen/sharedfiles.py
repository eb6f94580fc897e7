"""Shared input files, parsed once per run: extracts that batch jobs load, each only its samples' slice.

A cohort MAF or a multi-sample SEG named by thousands of sample-sheet rows used to be parsed by
every batch job again (cost: file size x number of batches; hours at GENIE size). The readers
already reduce such a file to what screening needs, with the source's own line numbers:
``variants.maf.MafIndex`` (every barcode's row count, build values, furthest position and first
bad row, and its TP53-region rows) and ``cn._common.ParsedFile`` (every sample's name, the build
check's coordinates, and the segments on the screened genes' chromosomes). An *extract* is that
reduction written to disk once (:func:`write_extract`: a Snakemake rule per shared file, or
``mdm2screen screen``/``nightly`` before their batches). :func:`load_extracts` puts it into the
readers' caches, in a batch job with only that batch's samples' slices (TP53 rows, segments): the
per-sample part is stored sample by sample behind an offset table, so a job of 1,000 patients
reads 1,000 slices however large the cohort.

The readers answer from their cache exactly as after their own parse: exact barcode matching
with the closest candidates (every name is in the common part), NCBI_Build and contig checks,
line numbers of bad rows in the source file. The sliced object says which samples it holds
(``MafIndex.loaded``, ``ParsedFile.loaded_samples``); asked for another, the reader parses the
source itself. So an extract changes how long a run takes, never what it decides.

Validity. An extract records the source's real path, size, modification time and SHA-256, the
mdm2screen version and a fingerprint of the reader code. It is used only while the source's
size and modification time are the recorded ones and the reader code is the same; otherwise it
is ignored (logged) and the reader parses the source. :func:`write_extract` reuses an existing
extract whose source has the same SHA-256 (a copied or touched file) without parsing again.

Per-sample digests. Each entry also records, per sample, a digest of everything the reader uses
for that sample (:func:`sample_digests`): a nightly run keys a patient on its own slice of a
shared file rather than on the whole file, so rows appended for new samples re-decide only them.

Format. JSON: a header line, then per cache entry a line with its per-sample digests, common
part and offset table, followed by the per-sample slices (each a JSON value). Python's json keeps
key order and writes floats exactly, so the round trip is exact; it is data only, never code. An exact round trip of the readers'
objects, far faster to load than any text format. Extracts are written by the run into its own
output folder (``OUTDIR/shared/``) and read from nowhere else.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from . import __version__
from .cn import read as cn_read
from .cn._common import ParsedFile
from .errors import InputError
from .fileio import atomic_write, sha256_file
from .model import GeneRow, Segment
from .paths import safe_child
from .variants import maf
from .variants.maf import MafIndex, MafRow

log = logging.getLogger(__name__)

MAGIC = "mdm2screen shared-file extract"
FORMAT_VERSION = 3
SUFFIX = ".extract"
# The code whose output an extract holds: a change to any of these makes old extracts stale.
_READER_CODE = ("cn", "variants/maf.py", "variants/records.py", "genome.py", "reference.py", "fileio.py", "model.py")


# --------------------------------------------------------------------------- the two reader caches
#
# Each reader object is written as JSON: a common part and per-sample slices. Python's json writes
# floats by repr and keeps key order, so the round trip is exact; tuples and frozensets, which
# JSON lacks, are rebuilt by the decoders below. (No pickle: an extract is data, never code.)


def _error_to_json(error: InputError) -> dict[str, Any]:
    found = error.found if error.found is None or isinstance(error.found, (str, int, float)) else str(error.found)
    return {"path": error.path, "detail": error.detail, "line": error.line, "field": error.field,
            "expected": error.expected, "found": found, "code": error.code}  # fmt: skip


def _error_from_json(d: dict[str, Any]) -> InputError:
    return InputError(d["path"], d["detail"], line=d["line"], field=d["field"], expected=d["expected"],
                      found=d["found"], code=d["code"])  # fmt: skip


def _maf_common(index: MafIndex) -> dict[str, Any]:
    return {
        "columns": index.columns,
        "rows_per_barcode": index.rows_per_barcode,
        "chrom_rows": index.chrom_rows,
        "builds": index.builds,
        "max_chrom_pos": index.max_chrom_pos,
        "errors": {barcode: _error_to_json(e) for barcode, e in index.errors.items()},
        "sequenced": index.sequenced,
    }


def _maf_split(index: MafIndex) -> tuple[dict[str, Any], dict[str, Any]]:
    slices = {barcode: [[row.line, row.values] for row in rows] for barcode, rows in index.tp53_rows.items()}
    return _maf_common(index), slices


def _maf_join(common: dict[str, Any], slices: dict[str, Any], wanted: frozenset[str] | None) -> MafIndex:
    return MafIndex(
        columns=common["columns"],
        rows_per_barcode=common["rows_per_barcode"],
        chrom_rows=common["chrom_rows"],
        tp53_rows={barcode: [MafRow(line, values) for line, values in rows] for barcode, rows in slices.items()},
        builds=common["builds"],
        max_chrom_pos={barcode: (pos, line) for barcode, (pos, line) in common["max_chrom_pos"].items()},
        errors={barcode: _error_from_json(e) for barcode, e in common["errors"].items()},
        sequenced=common["sequenced"],
        loaded=wanted,
    )


def _maf_digests(index: MafIndex) -> dict[str, str]:
    # Everything read_maf uses for one barcode, and nothing of the others: appending another
    # sample's rows leaves this one's digest as it was.
    common = _maf_common(index)
    return {
        barcode: _digest(
            index.columns,
            count,
            index.chrom_rows.get(barcode),
            index.builds.get(barcode),
            index.max_chrom_pos.get(barcode),
            common["errors"].get(barcode),
            index.sequenced.get(barcode),
            [[row.line, row.values] for row in index.tp53_rows.get(barcode, [])],
        )
        for barcode, count in index.rows_per_barcode.items()
    }


_SEGMENT_FIELDS = tuple(f.name for f in dataclasses.fields(Segment))


def _segments_to_json(segments: list[Segment]) -> list[list[Any]]:
    return [[getattr(seg, name) for name in _SEGMENT_FIELDS] for seg in segments]


def _segments_from_json(rows: list[list[Any]]) -> list[Segment]:
    return [Segment(*row) for row in rows]


def _cn_common(parsed: ParsedFile) -> dict[str, Any]:
    return {
        "path": parsed.path,
        "fmt": parsed.fmt,
        "names": list(parsed.samples),
        "names_samples": parsed.names_samples,
        "purity": parsed.purity,
        "ploidy": parsed.ploidy,
        "contig_lengths": parsed.contig_lengths,
        "gene_rows": None
        if parsed.gene_rows is None
        else {gene: dataclasses.asdict(row) for gene, row in parsed.gene_rows.items()},
        "is_bin_level": parsed.is_bin_level,
        "notes": parsed.notes,
        "max_end": parsed.max_end,
        "set_aside": parsed.set_aside,
    }


def _cn_split(parsed: ParsedFile) -> tuple[dict[str, Any], dict[str, Any]]:
    return _cn_common(parsed), {name: _segments_to_json(segs) for name, segs in parsed.samples.items()}


def _cn_join(common: dict[str, Any], slices: dict[str, Any], wanted: frozenset[str] | None) -> ParsedFile:
    # A file naming no sample is read whole: there is nothing to slice.
    held = wanted if common["names_samples"] else None
    return ParsedFile(
        path=common["path"],
        fmt=common["fmt"],
        samples={name: _segments_from_json(slices[name]) if name in slices else [] for name in common["names"]},
        names_samples=common["names_samples"],
        purity=common["purity"],
        ploidy=common["ploidy"],
        contig_lengths=common["contig_lengths"],
        gene_rows=None
        if common["gene_rows"] is None
        else {gene: GeneRow(**row) for gene, row in common["gene_rows"].items()},
        is_bin_level=common["is_bin_level"],
        notes=common["notes"],
        max_end={chrom: (end, line) for chrom, (end, line) in common["max_end"].items()},
        set_aside=common["set_aside"],
        loaded_samples=held,
    )


def _cn_digests(parsed: ParsedFile) -> dict[str, str]:
    if not parsed.names_samples:
        return {}
    common = _cn_common(parsed)
    shared = [common[k] for k in ("fmt", "purity", "ploidy", "contig_lengths", "is_bin_level", "notes", "max_end")]
    return {
        name: _digest(shared, parsed.set_aside.get(name), _segments_to_json(segments))
        for name, segments in parsed.samples.items()
    }


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()


def _key_to_json(key: tuple) -> list[Any]:
    return [sorted(part) if isinstance(part, frozenset) else part for part in key]


def _key_from_json(cache_name: str, key: list[Any]) -> tuple:
    if cache_name == "cn":  # (real path, size, mtime_ns, format, kept chromosomes)
        real, size, mtime, fmt, keep = key
        return (real, size, mtime, fmt, frozenset(keep) if keep is not None else None)
    return tuple(key)


@dataclass(frozen=True)
class _Cache:
    export: Callable[[str], list[tuple[tuple, Any]]]
    store: Callable[[tuple, Any], None]
    split: Callable[[Any], tuple[dict[str, Any], dict[str, Any]]]
    join: Callable[[dict[str, Any], dict[str, Any], frozenset[str] | None], Any]
    # Per sample, a digest of everything the reader uses for that sample (nightly's input keys).
    digests: Callable[[Any], dict[str, str]]


_CACHES: dict[str, _Cache] = {
    "cn": _Cache(cn_read.cache_export, cn_read.cache_import, _cn_split, _cn_join, _cn_digests),
    "maf": _Cache(maf.cache_export, maf.cache_import, _maf_split, _maf_join, _maf_digests),
}


# --------------------------------------------------------------------------- identity and header


@cache
def reader_fingerprint() -> str:
    """SHA-256 over the reader modules' source and the package's reference data."""
    package = Path(__file__).parent
    files: list[Path] = []
    for name in _READER_CODE:
        path = package / name
        files += sorted(path.glob("*.py")) if path.is_dir() else [path]
    files += sorted((package / "data" / "reference").glob("*.tsv"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class SourceStamp:
    """What identifies the source file's state for an extract."""

    real_path: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> SourceStamp:
        real = os.path.realpath(path)
        st = os.stat(real)
        return cls(real, st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class ExtractHeader:
    magic: str
    format_version: int
    mdm2screen: str
    readers: str
    source: SourceStamp
    source_sha256: str
    entries: int

    def usable_for(self, stamp: SourceStamp) -> str | None:
        """None when this extract may stand for the source now at ``stamp``; else why not."""
        if self.magic != MAGIC or self.format_version != FORMAT_VERSION:
            return "not an extract of this format version"
        if self.mdm2screen != __version__ or self.readers != reader_fingerprint():
            return "written by other reader code"
        if self.source != stamp:
            return "the source file has changed since (size or modification time)"
        return None


def extract_name(source: str | os.PathLike[str]) -> str:
    """File name of the extract of ``source``: a hash of its real path, then a readable stem (only
    letters, digits, '.', '_' and '-': the name is a safe file name whatever the source's)."""
    real = os.path.realpath(source)
    stem = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in Path(real).name)[:60]
    return f"{hashlib.sha256(real.encode()).hexdigest()[:16]}-{stem or 'file'}{SUFFIX}"


def extract_path(folder: str | os.PathLike[str], source: str | os.PathLike[str]) -> Path:
    return safe_child(Path(folder), extract_name(source))


def read_header(path: str | os.PathLike[str]) -> ExtractHeader | None:
    """The header of the extract at ``path``; None when there is none or it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return _load_header(handle)
    except OSError:
        return None


def _load_header(handle: BinaryIO) -> ExtractHeader | None:
    try:
        d = json.loads(handle.readline())
        return ExtractHeader(
            d["magic"], d["format_version"], d["mdm2screen"], d["readers"], SourceStamp(**d["source"]),
            d["source_sha256"], d["entries"],
        )  # fmt: skip
    except Exception:  # noqa: BLE001 - any unreadable extract is simply not used
        return None


def _header_line(header: ExtractHeader) -> bytes:
    return (json.dumps(dataclasses.asdict(header), separators=(",", ":")) + "\n").encode()


# --------------------------------------------------------------------------- writing


def write_extract(
    source: str | os.PathLike[str], dest: str | os.PathLike[str], parse: Callable[[], None]
) -> ExtractHeader:
    """Write the extract of ``source`` to ``dest`` (atomically) and return its header.

    ``parse`` reads the source through the readers exactly as screening does (for example by
    assembling the evidence of a sample that names it), which leaves the parse in the readers'
    caches; every cached parse of the source is then written. When ``dest`` already holds an
    extract of a source with the same content (SHA-256) by the same reader code, its entries are
    kept and only the source's stamp renewed.
    """
    stamp = SourceStamp.of(source)
    digest = sha256_file(stamp.real_path)
    entries: list[tuple[str, tuple, Any]] | None = None
    previous = read_header(dest)
    if (
        previous is not None
        and previous.source_sha256 == digest
        and previous.source.real_path == stamp.real_path
        and previous.usable_for(previous.source) is None
    ):
        entries = _read_entries(Path(dest), None)
        if entries is not None:  # keys hold the stamp: a touched file is found under its new one
            entries = [
                (name, (stamp.real_path, stamp.size, stamp.mtime_ns, *key[3:]), obj) for name, key, obj in entries
            ]
    if entries is None:
        parse()
        entries = [
            (name, key, obj)
            for name, cache_ in _CACHES.items()
            for key, obj in cache_.export(stamp.real_path)
            if tuple(key[:3]) == (stamp.real_path, stamp.size, stamp.mtime_ns)
        ]
    encoded = []
    for name, key, obj in entries:
        try:
            encoded.append(_encode_entry(name, key, obj))
        except (TypeError, ValueError) as exc:  # a value JSON cannot hold: batches parse this one themselves
            log.warning("shared file %s: one parse not written to its extract (%s)", stamp.real_path, exc)
    header = ExtractHeader(MAGIC, FORMAT_VERSION, __version__, reader_fingerprint(), stamp, digest, len(encoded))
    atomic_write(Path(dest), b"".join([_header_line(header), *encoded]))
    return header


def write_unusable_extract(dest: str | os.PathLike[str], why: str) -> None:
    """An extract that stands for nothing (the source could not be read): loaders ignore it, so every
    sample reads the source and reports its problem; a workflow rule still has its output."""
    atomic_write(Path(dest), (json.dumps({"magic": MAGIC, "unusable": why}) + "\n").encode())


def _encode_entry(name: str, key: tuple, obj: Any) -> bytes:
    """One entry: a JSON line (cache, key, per-sample digests, common part, offset table), then the slices."""
    cache_ = _CACHES[name]
    digests = cache_.digests(obj)
    common, slices = cache_.split(obj)
    blobs = {sample: json.dumps(part, separators=(",", ":")).encode() for sample, part in slices.items()}
    offsets: dict[str, tuple[int, int]] = {}
    at = 0
    for sample, blob in blobs.items():
        offsets[sample] = (at, len(blob))
        at += len(blob)
    line = {"cache": name, "key": _key_to_json(key), "digests": digests, "common": common, "offsets": offsets,
            "length": at}  # fmt: skip
    return b"".join([(json.dumps(line, separators=(",", ":")) + "\n").encode(), *blobs.values()])


# --------------------------------------------------------------------------- loading


def _read_entries(path: Path, wanted: frozenset[str] | None) -> list[tuple[str, tuple, Any]] | None:
    """The entries of the extract at ``path``, each joined with the slices of ``wanted`` (None: all)."""
    entries = []
    try:
        with open(path, "rb") as handle:
            header = _load_header(handle)
            if header is None:
                return None
            for _ in range(header.entries):
                entry = json.loads(handle.readline())
                name, offsets = entry["cache"], entry["offsets"]
                base = handle.tell()
                slices = {}
                # "" is the one sample of a file that names none: always read with any slice.
                for sample in offsets if wanted is None else [s for s in (*wanted, "") if s in offsets]:
                    at, size = offsets[sample]
                    handle.seek(base + at)
                    slices[sample] = json.loads(handle.read(size))
                handle.seek(base + entry["length"])
                key = _key_from_json(name, entry["key"])
                entries.append((name, key, _CACHES[name].join(entry["common"], slices, wanted)))
    except Exception:  # noqa: BLE001 - a damaged extract is ignored, the source parsed instead
        return None
    return entries


def sample_digests(path: str | os.PathLike[str]) -> dict[str, str]:
    """Sample name -> digest of what the readers use for it, from the extract at ``path`` (every
    entry; a name in several entries gets their digests combined). Empty when the extract is
    unusable for its source as it is now."""
    header = read_header(path)
    if header is None:
        return {}
    try:
        if header.usable_for(SourceStamp.of(header.source.real_path)) is not None:
            return {}
    except OSError:
        return {}
    found: dict[str, list[str]] = {}
    try:
        with open(path, "rb") as handle:
            _load_header(handle)
            for _ in range(header.entries):
                entry = json.loads(handle.readline())
                for sample, digest in entry["digests"].items():
                    found.setdefault(sample, []).append(digest)
                handle.seek(handle.tell() + entry["length"])
    except Exception:  # noqa: BLE001 - a damaged extract gives no digests: whole-file checksums apply
        return {}
    return {sample: digests[0] if len(digests) == 1 else _digest(*digests) for sample, digests in found.items()}


@dataclass
class LoadResult:
    used: list[str] = field(default_factory=list)  # sources now answered from an extract
    ignored: dict[str, str] = field(default_factory=dict)  # extract path -> why it was not used


def load_extracts(paths: Iterable[str | os.PathLike[str]], samples: Collection[str] | None = None) -> LoadResult:
    """Put every usable extract among ``paths`` into the readers' caches (absent paths are skipped).

    ``samples``: the sample names (barcodes, cn_sample, sample_id) whose per-sample slices to read;
    None reads them all. A reader asked later for a sample outside them parses the source itself.
    """
    wanted = frozenset(samples) if samples is not None else None
    result = LoadResult()
    for raw in paths:
        path = Path(raw)
        header = read_header(path)
        if header is None:
            if path.exists():
                result.ignored[str(path)] = "not a readable extract"
            continue
        try:
            stamp = SourceStamp.of(header.source.real_path)
        except OSError:
            result.ignored[str(path)] = "its source file is gone"
            continue
        why = header.usable_for(stamp)
        entries = _read_entries(path, wanted) if why is None else None
        if why is None and entries is None:
            why = "the extract is damaged"
        if why is not None or entries is None:
            result.ignored[str(path)] = why or "unusable"
            continue
        for name, key, obj in entries:
            _CACHES[name].store(key, obj)
        result.used.append(header.source.real_path)
    for path_text, why in result.ignored.items():
        log.warning("shared-file extract %s not used (%s): its source is parsed instead", path_text, why)
    return result
