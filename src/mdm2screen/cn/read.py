"""``read_copy_number``: dispatch to a format reader, pick the sample, check the build, cache.

Sample selection (``sample`` argument, from the sample sheet's ``cn_sample``):

- files that name their samples (SEG, ASCAT/FACETS with a sample column, GATK ``@RG SM:``,
  DRAGEN VCF sample columns): ``sample`` must match a name in the file **exactly**; no prefix,
  case or barcode-truncation guess (a 12- or 15-character TCGA barcode is a prefix of several
  aliquots, tumour and normal). No match -> InputError(code='cn_sample_not_found') listing the
  names that start with it and the closest names (difflib). Without ``sample`` a file holding
  exactly one sample is used; with several, ``fallback_sample`` (the sheet's ``sample_id``) is
  looked up exactly; no ``fallback_sample`` or no such sample -> the same error, listing the
  closest names and asking for ``cn_sample``.
  A single-sample file that names another sample than ``sample`` is refused too: that is a
  contradiction in the sheet, not something to resolve by guessing.
- files that name no sample (CNVkit, PURPLE, Sequenza, ACEseq, BED, FACETS without an ID
  column): ``sample`` cannot be checked; the profile carries it and a note says so.

Build check (``build`` from the sample sheet): header contig lengths (GATK ``@SQ LN:``, VCF
``##contig``) via :func:`genome.check_contig_lengths`, and the furthest coordinate of every
chromosome against the declared build via :func:`genome.check_position`; both raise
InputError(code='build_mismatch').

``keep_chromosomes`` (the chromosomes the screened genes lie on): a profile holds segments on those
chromosomes only. For every format with a coordinate convention in ``formats.REGISTRY`` the
off-chromosome sieve (``_common.OffChromosomes``) takes plain lines elsewhere out before parsing:
they are checked for field count and coordinates and still feed the build check, but their values
are not parsed; anything else goes to the parser, and its segments elsewhere are set aside after.
A file or sample whose rows all lie elsewhere still reads as a profile (its genes are then not
covered), except a bin-level ``.cnr``, which then has no usable bins. The PURPLE gene table (rows
looked up by gene name) and DRAGEN VCFs are read in full.

Per-file limits (``_common.MAX_TEXT_BYTES``, ``MAX_LINES``, ``MAX_ROWS_KEPT``): the text is
streamed in (gzip inflated chunk by chunk) and held compactly; past a limit the file is refused
with InputError(code='cn_too_large') naming it and the limit, so one decompression bomb makes
one patient INDETERMINATE instead of exhausting the batch job's memory. A path that is a FIFO
or device (``input_not_a_file``, never opened), not readable (``input_unreadable``) or gone
(``cn_missing``) is refused the same way.

Parsed files are cached by (real path, size, mtime_ns, requested format, kept chromosomes) in a small LRU, so a
sample sheet with 500 rows naming one multi-sample SEG file parses it once; a changed file
(new size or mtime) is parsed again. Beyond the newest file the cache holds at most
``MAX_ROWS_KEPT`` segments in all.
"""

from __future__ import annotations

import copy
import difflib
import os
import threading
from collections import OrderedDict
from collections.abc import Collection
from pathlib import Path

from ..errors import InputError
from ..fileio import check_readable
from ..genome import canonical_build, check_contig_lengths, check_position, normalize_contig
from ..model import CopyNumberProfile
from . import _common
from ._common import MAX_QUOTE, OffChromosomes, ParsedFile, chrom_order, quote, read_cn_text
from .detect import detect_from_lines
from .formats import BY_NAME, FORMATS

__all__ = ["FORMATS", "cache_clear", "cache_info", "read_copy_number"]

# Parsed files, one mechanism: a sheet whose 500 rows name one multi-sample SEG parses it once.
# Measured on benchmarks/make_cohort.py --shared (500 rows, one 5.8 MB SEG): 0.4 s with, 192 s without.
CACHE_SIZE = 8
_cache: OrderedDict[tuple, ParsedFile] = OrderedDict()
# Files that could not be used, by the same key: the error is raised again without reading the file.
FAILURES_KEPT = 64
_failures: OrderedDict[tuple, InputError] = OrderedDict()
_cache_lock = threading.Lock()
_stats = {"hits": 0, "misses": 0}


def cache_info() -> dict[str, int]:
    """Hits, misses and current size of the parsed-file cache (for tests and logging)."""
    with _cache_lock:
        return {**_stats, "size": len(_cache)}


def cache_clear() -> None:
    with _cache_lock:
        _cache.clear()
        _failures.clear()
        _stats.update(hits=0, misses=0)


def _parse_file(
    path: str, fmt: str | None, keep_chromosomes: frozenset[str] | None = None, *, fresh: bool = False
) -> ParsedFile:
    # One stat: missing, a folder, a FIFO or device (never opened), no permission, empty.
    p = check_readable(path, code="cn_missing")
    try:
        st = p.stat()
        real = os.path.realpath(p)
    except OSError as exc:  # gone since the check: reported like any missing file
        raise InputError(p, "file does not exist (it disappeared while being read)", code="cn_missing") from exc
    key = (real, st.st_size, st.st_mtime_ns, fmt, keep_chromosomes)
    with _cache_lock:
        hit = None if fresh else _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            _stats["hits"] += 1
            return hit
        failed = None if fresh else _failures.get(key)
        if failed is not None:
            _stats["hits"] += 1
            raise copy.copy(failed)
        _stats["misses"] += 1
    try:
        return _parse_uncached(path, p, fmt, keep_chromosomes, key)
    except InputError as exc:
        # A file that cannot be used fails the same way for every sample naming it: a cohort SEG past
        # the per-file limit was otherwise read up to the limit again for each of its samples.
        with _cache_lock:
            _failures[key] = exc
            while len(_failures) > FAILURES_KEPT:
                _failures.popitem(last=False)
        raise


def _parse_uncached(
    path: str, p: Path, fmt: str | None, keep_chromosomes: frozenset[str] | None, key: tuple
) -> ParsedFile:
    lines = read_cn_text(p)
    entry = BY_NAME[fmt if fmt is not None else detect_from_lines(path, lines)]
    if keep_chromosomes is not None and entry.coordinates is not None:
        sieve = OffChromosomes(keep_chromosomes, entry.coordinates)
        parsed = _set_aside(entry.parse(str(path), lines, entry.name, sieve=sieve), sieve)
    else:
        parsed = entry.parse(str(path), lines, entry.name)
    if not _usable(parsed, None):
        raise InputError(
            path,
            "no usable segments in the file",
            expected="segments with values",
            found="; ".join(parsed.notes) or "none",
            code="cn_no_segments",
        )
    with _cache_lock:
        _cache[key] = parsed
        _cache.move_to_end(key)
        # At most CACHE_SIZE files and, beyond the newest, _common.MAX_ROWS_KEPT segments in all:
        # eight files at the per-file limit would otherwise be held at once.
        while len(_cache) > CACHE_SIZE or (len(_cache) > 1 and _cache_weight() > _common.MAX_ROWS_KEPT):
            _cache.popitem(last=False)
    return parsed


def _set_aside(parsed: ParsedFile, sieve: OffChromosomes) -> ParsedFile:
    """Keep only segments on the kept chromosomes; record the others, and the lines the sieve took out,
    in ``set_aside`` and the build check's ``max_end``, as a full read would have counted them."""
    set_aside = dict(sieve.samples)
    if "" in set_aside and parsed.names_samples and len(parsed.samples) == 1 and "" not in parsed.samples:
        # A file naming its one sample in a header (GATK @RG SM:), not in a column.
        set_aside[next(iter(parsed.samples))] = set_aside.pop("")
    dropped = 0
    for name, segments in parsed.samples.items():
        kept = [s for s in segments if s.chrom in sieve.keep]
        if len(kept) < len(segments):
            dropped += len(segments) - len(kept)
            set_aside[name] = set_aside.get(name, 0) + len(segments) - len(kept)
            parsed.samples[name] = kept
    if any(sieve.samples):
        # Samples in the order the file names them, those seen only on lines taken out included.
        parsed.samples = {**{n: parsed.samples.get(n, []) for n in sieve.samples if n}, **parsed.samples}
    parsed.set_aside = {name: n for name, n in set_aside.items() if n}
    # parsed.max_end already holds the end of every segment built; of equal ends the first line wins.
    for chrom, (end, line) in sieve.max_end.items():
        best = parsed.max_end.get(chrom)
        if best is None or end > best[0] or (end == best[0] and (line or 0) < (best[1] or 0)):
            parsed.max_end[chrom] = (end, line)
    # A full read indexes chromosomes in sorted order (the build check reports the first).
    parsed.max_end = dict(sorted(parsed.max_end.items(), key=lambda item: chrom_order(item[0])))
    if count := sieve.count + dropped:
        unit = "bin" if parsed.is_bin_level else "row"
        parsed.notes.append(
            f"{count} {unit}(s) on chromosomes the screened genes do not lie on were checked for "
            "coordinates only (used for the genome-build check, not for any call)"
        )
    return parsed


def _weight(parsed: ParsedFile) -> int:
    return sum(map(len, parsed.samples.values())) + len(parsed.gene_rows or ())


def _cache_weight() -> int:
    return sum(_weight(parsed) for parsed in _cache.values())


def _usable(parsed: ParsedFile, sample: str | None) -> bool:
    """Whether the file (``sample`` None) or one sample (its key in ``samples``) holds data.

    Rows set aside off the kept chromosomes are what a full read would have made segments of, so they
    count: a sample measured only on other chromosomes reads as a profile whose genes are not
    covered, as it would without ``keep_chromosomes``. A bin-level file keeps its own rule: with
    no bin on the genes' chromosomes it has no usable bins.
    """
    if parsed.gene_rows or (any(parsed.samples.values()) if sample is None else parsed.samples.get(sample)):
        return True
    if parsed.is_bin_level:
        return False
    return bool(parsed.set_aside) if sample is None else sample in parsed.set_aside


def _names(names: list[str]) -> str:
    """Whole names, comma-separated, within MAX_QUOTE characters of file content."""
    shown = ""
    for name in names:
        joined = f"{shown}, {name}" if shown else name
        if len(joined) > MAX_QUOTE:
            return (shown + ", ..." if shown else quote(name)) if len(names) > 1 else quote(name)
        shown = joined
    return shown


def _candidates(wanted: str, names: list[str]) -> str:
    prefixed = [n for n in names if n.startswith(wanted) or wanted.startswith(n)]
    close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.5)
    shown = list(dict.fromkeys(prefixed[:10] + close))
    return _names(shown) if shown else _names(sorted(names)[:10])


def _select(parsed: ParsedFile, sample: str | None, fallback: str | None = None) -> tuple[str | None, list, list[str]]:
    notes: list[str] = []
    if not parsed.names_samples:
        if sample:
            notes.append(f"the file does not name its sample; it is taken to be {sample!r} as the sample sheet says")
        return sample, parsed.samples.get("", []), notes
    names = list(parsed.samples)
    if sample is None:
        if len(names) == 1:
            return names[0], parsed.samples[names[0]], notes
        if fallback is not None and fallback in parsed.samples:
            notes.append(
                f"sample {fallback!r} chosen among the {len(names)} samples in the file by the sample "
                "sheet's sample_id (exact match; cn_sample was empty)"
            )
            return fallback, parsed.samples[fallback], notes
        if fallback is not None:
            raise InputError(
                parsed.path,
                f"file holds {len(names)} samples and none is named {fallback!r}, the sample sheet's sample_id "
                f"(exact match required, no prefix matching); closest: {_candidates(fallback, names)}; "
                "put the sample's name in cn_sample",
                field="cn_sample",
                expected="cn_sample, or a sample_id exactly as in the file",
                found=fallback,
                code="cn_sample_not_found",
            )
        raise InputError(
            parsed.path,
            f"file holds {len(names)} samples; the sample sheet must name one (cn_sample)",
            field="cn_sample",
            expected="one exact sample name",
            found=_names(names[:10]) + (" ..." if len(names) > 10 else ""),
            code="cn_sample_not_found",
        )
    if sample in parsed.samples:
        return sample, parsed.samples[sample], notes
    raise InputError(
        parsed.path,
        f"sample {sample!r} not found among the {len(names)} sample(s) in the file (exact match required, "
        f"no prefix matching); candidates: {_candidates(sample, names)}",
        field="cn_sample",
        expected="a sample name exactly as in the file",
        found=sample,
        code="cn_sample_not_found",
    )


def parsed_key_chromosomes(keep_chromosomes: Collection[str] | None) -> frozenset[str] | None:
    """``keep_chromosomes`` as the parse cache keys it (normalised contig names)."""
    return frozenset(normalize_contig(c) for c in keep_chromosomes) if keep_chromosomes is not None else None


def _holds(parsed: ParsedFile, sample: str | None, fallback: str | None) -> bool:
    """Whether ``parsed`` holds the segments of every sample :func:`_select` may pick for these names."""
    if parsed.loaded_samples is None or not parsed.names_samples:
        return True
    if sample:
        candidates = {sample}
    elif len(parsed.samples) == 1:
        candidates = set(parsed.samples)
    else:
        candidates = {fallback} if fallback else set()
    return all(name in parsed.loaded_samples for name in candidates if name in parsed.samples)


def _check_build(parsed: ParsedFile, build: str) -> None:
    if parsed.contig_lengths:
        check_contig_lengths(parsed.path, parsed.contig_lengths, build)
    for chrom, (end, line) in parsed.max_end.items():
        check_position(parsed.path, chrom, end, build, line)


def read_copy_number(
    path: str | Path,
    *,
    fmt: str | None = None,
    sample: str | None = None,
    build: str,
    keep_chromosomes: Collection[str] | None = None,
    fallback_sample: str | None = None,
) -> CopyNumberProfile:
    """Read one sample's copy-number profile from ``path``.

    ``fmt`` (a FORMATS name) always wins over detection; None detects from content. See the
    module docstring for ``sample``, ``fallback_sample`` (the sheet's sample_id) and the build
    check. Every problem with the file raises InputError naming the file (and line/field where
    known), including a file past the per-file limits (``cn_too_large``).
    """
    path = str(path)
    declared = canonical_build(build)
    if declared is None:
        raise InputError(
            path,
            "unknown genome build",
            field="build",
            expected="GRCh37 or GRCh38 (or hg19/hg38)",
            found=build,
            code="build_unknown",
        )
    if fmt is not None and fmt not in BY_NAME:
        close = difflib.get_close_matches(fmt, FORMATS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise InputError(
            path,
            f"unknown copy-number format{hint}",
            field="cn_format",
            expected=", ".join(FORMATS),
            found=fmt,
            code="cn_format_unknown",
        )
    parsed = _parse_file(path, fmt, parsed_key_chromosomes(keep_chromosomes))
    if not _holds(parsed, sample, fallback_sample):
        # A slice of a shared-file extract without this sample's segments: parse the file itself.
        parsed = _parse_file(path, fmt, parsed_key_chromosomes(keep_chromosomes), fresh=True)
    _check_build(parsed, declared)
    chosen_sample, segments, notes = _select(parsed, sample, fallback_sample)
    if not _usable(parsed, chosen_sample if parsed.names_samples else ""):
        raise InputError(
            path,
            f"sample {chosen_sample!r} has no usable segments",
            field="cn_sample",
            expected="at least one segment with a value",
            found="0 segments",
            code="cn_no_segments",
        )
    return CopyNumberProfile(
        path=path,
        format=parsed.fmt,
        sample=chosen_sample,
        # New lists over shared Segment/GeneRow objects: cheap for 100k-bin files; treat them as read-only.
        segments=list(segments),
        purity=parsed.purity,
        ploidy=parsed.ploidy,
        contig_lengths=dict(parsed.contig_lengths) if parsed.contig_lengths else None,
        gene_rows=dict(parsed.gene_rows) if parsed.gene_rows else None,
        is_bin_level=parsed.is_bin_level,
        notes=[*parsed.notes, *notes],
    )


def cache_export(real_path: str) -> list[tuple[tuple, ParsedFile]]:
    """The cached parses of the file at ``real_path`` (its real path), with their cache keys
    (``sharedfiles``: a shared file's parse is written once and loaded by every batch job)."""
    with _cache_lock:
        return [(key, parsed) for key, parsed in _cache.items() if key[0] == real_path]


def cache_import(key: tuple, parsed: ParsedFile) -> None:
    """Put a parse made elsewhere (``sharedfiles``) in the cache under ``key``: (real path, size,
    mtime_ns, format, kept chromosomes), the key ``_parse_file`` looks up. Shared parses are exempt
    from the size bound only as the newest entry, like the file just parsed."""
    with _cache_lock:
        _cache[key] = parsed
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE or (len(_cache) > 1 and _cache_weight() > _common.MAX_ROWS_KEPT):
            _cache.popitem(last=False)
