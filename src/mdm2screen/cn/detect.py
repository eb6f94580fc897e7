"""Recognise a copy-number file's format from its content, never from its name.

Rules, in order:

1. ``##fileformat=VCF`` first line: ``dragen_vcf`` when the header or records show copy-number
   content (``##source=DRAGEN_CNV``, ``<DUP>``/``<DEL>``/``<CNV>`` ALT definitions, ``SM``/``FC``
   fields); any other VCF is not a copy-number file.
2. GATK SAM-style header lines (``@HD``/``@SQ``/``@RG``) are skipped; then the first line (of the
   first 400 non-blank ones) whose columns match a format's signature decides. Signatures are
   tried from the most to the least specific (``formats.REGISTRY``'s ``detect_rank``: PURPLE gene
   table, PURPLE somatic, GATK, CNVkit, ACEseq, Sequenza, FACETS, ASCAT, SEG, BED). Lines before
   that (comments, an R warning) are allowed.
3. No header at all but a first line ``chrom <int> <int> <number>``: headerless ``bed``.

``seg_log10`` is never returned: a log10 file looks exactly like a log2 SEG file, and guessing
the base would change copy numbers by a factor of 3.3 in the exponent. It must be named in the
sample sheet. When nothing matches, InputError(code='cn_format_unknown') says how many lines were
looked at, never what they hold (an unrecognised file is not quoted).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import InputError
from ._common import guess_delimiter, norm_key, read_cn_text, split_fields
from .formats import BY_SPECIFICITY, REGISTRY

MAX_SCAN = 400
# Formats no rule detects (seg_log10: the base of a ratio cannot be told from the numbers).
_ONLY_NAMED = tuple(f.name for f in REGISTRY if not (f.signature or f.vcf_signature or f.headerless_signature))


def detect_from_lines(path: str | Path, lines: Sequence[str]) -> str:
    """Format name for already-read text lines of ``path`` (see module docstring)."""
    text_lines = [t for t in lines[: MAX_SCAN * 20] if t.strip()]
    if not text_lines:
        raise InputError(
            path,
            "file has no text lines",
            expected="a copy-number table or CNV VCF",
            found="only blank lines",
            code="cn_format_unknown",
        )
    if text_lines[0].startswith("##fileformat=VCF"):
        for entry in REGISTRY:
            if entry.vcf_signature is not None and entry.vcf_signature(lines):
                return entry.name
        raise InputError(
            path,
            "VCF without copy-number records or header definitions (a small-variant VCF?)",
            expected="a CNV VCF (DRAGEN/TSO500: <DUP>/<DEL>/<CNV>, SM/CN/FC)",
            found="a VCF with none of them",
            code="cn_format_unknown",
        )
    seen = 0
    scanned = 0
    for text in text_lines:
        if text.startswith(("##", "@")):
            continue
        scanned += 1
        if scanned > MAX_SCAN:
            break
        keys = [norm_key(c) for c in split_fields(text, guess_delimiter(text))]
        if len(keys) >= 3:
            for entry in BY_SPECIFICITY:
                if entry.signature(keys):  # type: ignore[misc]
                    return entry.name
        seen += 1
    first = next((t for t in text_lines if not t.startswith(("##", "@", "#", "track", "browser"))), "")
    if first:
        for entry in REGISTRY:
            if entry.headerless_signature is not None and entry.headerless_signature(first):
                return entry.name
    raise InputError(
        path,
        "copy-number format not recognised from the content (file names are not used)",
        expected=f"one of {', '.join(f.name for f in REGISTRY if f.name not in _ONLY_NAMED)} "
        f"({', '.join(_ONLY_NAMED)} only when named)",
        # Never the lines themselves: an unrecognised file may hold anything (credentials, say),
        # and this message is copied into every report.
        found=f"{seen} non-blank line(s), none with the columns of a known format" if seen else "(no header-like line)",
        code="cn_format_unknown",
    )


def detect_format(path: str | Path) -> str:
    """Detect the copy-number format of ``path`` from its header, columns and content.

    Raises InputError(code='cn_format_unknown') listing the first lines seen when nothing
    matches; file problems (missing, empty, binary, truncated gzip, past the per-file limits)
    raise InputError too.
    """
    return detect_from_lines(str(path), read_cn_text(path))
