"""The variant layer: TP53 variants from a VCF or MAF, TP53 coverage evidence, and the TP53 status.

Public API (used by the screening layer)::

    detect_variant_format(path) -> "vcf" | "maf"
    read_tp53_variants(path, *, build, tumor_sample, sample_id, settings) -> VariantSource
    annotate_tp53(chrom, pos, ref, alt, build, splice_site_bases=2, splice_region_bases=8)
        -> (consequence class, HGVS c., HGVS p.)
    assess_coverage(*, build, bam=None, coverage=None, assay_targets=None, panel_genes=None, settings)
        -> CoverageEvidence
    assess_tp53(source, coverage, *, cn, settings, build) -> TP53Evidence
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from ..errors import InputError
from ..fileio import GZIP_MAGIC
from ..genome import canonical_build
from ..model import VariantSource
from .calls import read_maf_calls, read_vcf_calls
from .coverage import assess_coverage
from .maf import is_maf_header
from .records import check_input, input_error
from .tp53 import TP53Settings, assess_tp53
from .transcript import CONSEQUENCE_CLASSES, annotate_tp53

__all__ = [
    "CONSEQUENCE_CLASSES",
    "TP53Settings",
    "annotate_tp53",
    "assess_coverage",
    "assess_tp53",
    "detect_variant_format",
    "read_tp53_variants",
]

_SNIFF_BYTES = 1 << 16
# Enough for a VCF's first line; the full sniff window is decompressed only when it is not one.
_QUICK_SNIFF_BYTES = 1 << 10


def _head(p: Path, size: int = _SNIFF_BYTES) -> bytes:
    """The first ``size`` bytes of the file, decompressed when gzip/bgzip."""
    try:
        with open(p, "rb") as handle:
            magic = handle.read(2)
        if magic == GZIP_MAGIC:
            with gzip.open(p, "rb") as handle:
                return handle.read(size)
        with open(p, "rb") as handle:
            return handle.read(size)
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        raise input_error(p, exc) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(p, f"compressed file is truncated or corrupt: {exc}", code="input_corrupt") from exc


def detect_variant_format(path: str | Path) -> str:
    """ "vcf" or "maf", from the content (header lines), never from the file name."""
    p = check_input(path)
    quick = _head(p, _QUICK_SNIFF_BYTES)
    if quick.startswith(b"##fileformat=VCF") and b"\x00" not in quick:
        return "vcf"
    head = _head(p)
    if head.startswith(b"BCF\x02"):
        return "vcf"
    if b"\x00" in head:
        raise InputError(path, "binary content where a VCF or MAF was expected", code="input_binary")
    text = head.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    if len(head) == _SNIFF_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut off by the sniff window
    first = next((line for line in lines if line.strip()), "")
    if first.startswith("##fileformat=VCF") or first.startswith("#CHROM\tPOS"):
        return "vcf"
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue  # MAF "#version 2.4" and comment lines
        if is_maf_header([f.strip().strip('"') for f in line.split("\t")]):
            return "maf"
        break
    # The content of a file that is neither is not quoted: it may be anything (a credentials file named by
    # mistake), and reports travel further than the file did.
    raise InputError(
        path,
        "neither a VCF nor a MAF",
        expected="a VCF ('##fileformat=VCF...') or a MAF (header with Hugo_Symbol ... Tumor_Sample_Barcode)",
        found=f"a text file whose first line ({len(first)} characters) is neither" if first else "no text",
        code="variants_format_unknown",
    )


def read_tp53_variants(
    path: str | Path,
    *,
    build: str,
    tumor_sample: str | None,
    sample_id: str | None,
    settings: TP53Settings,
) -> VariantSource:
    """Every variant the VCF or MAF holds in the TP53 region for this sample, plus the chr17 record count.

    The reader (vcf.py, maf.py) reads the region; calls.py makes the records VariantCalls."""
    canon = canonical_build(build)
    if canon is None:
        raise InputError(
            path,
            "unknown genome build",
            field="build",
            expected="GRCh37 or GRCh38 (or an alias)",
            found=build,
            code="build_unknown",
        )
    try:
        fmt = detect_variant_format(path)
        if fmt == "maf":
            return read_maf_calls(path, build=canon, tumor_sample=tumor_sample, sample_id=sample_id, settings=settings)
        return read_vcf_calls(path, build=canon, tumor_sample=tumor_sample, settings=settings)
    except OSError as exc:
        # The file vanished or lost its permissions after it was checked: an InputError, never a crash.
        raise input_error(path, exc) from exc
