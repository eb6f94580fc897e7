"""What the variant readers share: input checks, field parsing, and the raw records they return.

Readers (vcf.py, maf.py) only read: they hand back the records of the region they were given, as the
file wrote them. Normalising, annotating with the transcript model and categorising is the evidence
layer's (calls.py, tp53.py).
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError

# One region of a chromosome, 1-based inclusive: (normalised chrom, start, end).
Region = tuple[str, int, int]


def check_input(path: str | Path) -> Path:
    """``path`` as a Path once it is shown to be a non-empty regular file this process may read.

    The file type is checked with stat before anything opens the file: opening a FIFO blocks until a
    writer appears, so a named pipe (or socket, device) given in the sample sheet must never be opened.
    Readers still call :func:`input_error` on an OSError from opening, since the file can vanish or lose
    its permissions between this check and the read.
    """
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise input_error(p, exc) from exc
    if stat.S_ISDIR(st.st_mode):
        raise InputError(p, "is a folder, not a file", expected="a file", found="a folder", code="input_not_a_file")
    if not stat.S_ISREG(st.st_mode):
        kind = "a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else "a socket or device"
        raise InputError(
            p,
            f"is {kind}, not a regular file; it was not opened",
            expected="a file",
            found=kind,
            code="input_not_a_file",
        )
    if not os.access(p, os.R_OK):
        raise InputError(
            p,
            "permission denied: this user may not read the file",
            expected="a file readable by the user running mdm2screen",
            found="no read permission",
            code="input_unreadable",
        )
    if st.st_size == 0:
        raise InputError(p, "file is empty", code="input_empty")
    return p


def input_error(path: str | Path, exc: OSError) -> InputError:
    """The InputError for an OSError raised while opening or reading ``path`` (never the OS text alone)."""
    if isinstance(exc, FileNotFoundError):
        return InputError(
            path,
            "file does not exist (or vanished while it was being read)",
            expected="the file named in the sample sheet",
            found="no such file",
            code="input_missing",
        )
    if isinstance(exc, PermissionError):
        return InputError(
            path,
            "permission denied: this user may not read the file",
            expected="a file readable by the user running mdm2screen",
            found="permission denied",
            code="input_unreadable",
        )
    if isinstance(exc, IsADirectoryError):
        return InputError(path, "is a folder, not a file", expected="a file", found="a folder", code="input_not_a_file")
    return InputError(path, f"cannot be read: {exc.strerror or exc}", code="input_unreadable")


def read_count(path: str, value: Any, field: str, line: int | None, code: str = "vcf_value_invalid") -> int | None:
    """A read count: missing ('', '.') -> None; not a whole number >= 0 -> InputError (VCF and MAF alike)."""
    if value is None or str(value).strip() in ("", "."):
        return None
    try:
        number = float(str(value).strip())
    except ValueError as exc:
        raise InputError(
            path,
            "read count is not a number",
            line=line,
            field=field,
            expected="a non-negative integer",
            found=value,
            code=code,
        ) from exc
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise InputError(
            path,
            "read count is negative or not whole",
            line=line,
            field=field,
            expected="a non-negative integer",
            found=value,
            code=code,
        )
    return int(number)


@dataclass(frozen=True)
class StructuralAllele:
    svtype: str  # DEL, DUP, INV, INS, CNV or BND
    chrom: str  # normalised
    pos: int  # POS (the padding base before a symbolic event)
    end: int  # last affected base (INFO/END, or POS + |SVLEN|); POS for breakends and insertions
    mate: tuple[str, int] | None  # breakend mate (normalised chrom, pos)
    sized: bool = True  # False: a <DEL>/<DUP>/<INV>/<CNV> without INFO/END or SVLEN (extent unknown)


@dataclass
class RawAllele:
    """One ALT allele of a record as the file gives it (a multi-allelic record gives several)."""

    chrom: str  # as the file writes it
    pos: int
    ref: str
    alt: str
    line: int | None
    in_region: bool = True  # False: a record of the reader's ``watch`` window, alleles only (no values read)
    filters: list[str] = field(default_factory=list)
    vaf: float | None = None
    depth: int | None = None
    alt_count: int | None = None
    vaf_field: str | None = None  # where the VAF came from ("FORMAT/AF", ...); None when not from a field
    # The file's own annotation of the canonical transcript: SO terms (VEP/SnpEff) or a MAF
    # Variant_Classification, HGVS c./p.; annotation_source is None when the file has none.
    terms: str | None = None
    hgvs_c: str | None = None
    hgvs_p: str | None = None
    annotation_source: str | None = None
    rsid: str | None = None
    end: int | None = None  # last reference base (MAF End_Position)
    sv: StructuralAllele | None = None


@dataclass
class RawVariants:
    """A reader's result: the region's alleles in file order, and how many records its chromosome has."""

    path: str
    format: str  # "vcf" or "maf"
    sample: str | None
    alleles: list[RawAllele]
    records_on_chrom: int
    indexed: bool = False
    head_notes: list[str] = field(default_factory=list)  # said before any per-record note
    tail_notes: list[str] = field(default_factory=list)  # said after them
