"""Genome builds, contig naming and build consistency checks.

Contig names are normalised to the plain style (``12``, ``17``, ``X``, ``MT``) everywhere
inside mdm2screen, so ``chr12`` and ``12`` files work side by side, even within one sample.
Build mismatches are detected from contig lengths (VCF ``##contig`` lines, GATK ``@SQ``
headers) and from coordinates past a chromosome's end; they are never guessed.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from functools import cache, lru_cache

from .errors import InputError
from .paths import reference_path

BUILDS = ("GRCh37", "GRCh38")

# Aliases users and tools write for the two builds.
BUILD_ALIASES = {
    "grch37": "GRCh37",
    "hg19": "GRCh37",
    "37": "GRCh37",
    "b37": "GRCh37",
    "hs37d5": "GRCh37",
    "grch38": "GRCh38",
    "hg38": "GRCh38",
    "38": "GRCh38",
}

_NUMERIC_SEX = {"23": "X", "24": "Y", "25": "MT"}


def canonical_build(name: str | None) -> str | None:
    """Map a build alias (``hg19``, ``37`` ...) to ``GRCh37``/``GRCh38``; None if unknown."""
    if name is None:
        return None
    return BUILD_ALIASES.get(str(name).strip().lower())


@lru_cache(maxsize=4096)
def normalize_contig(name: str) -> str:
    """``chr12`` -> ``12``, ``chrM``/``M`` -> ``MT``, ``23`` -> ``X``; others unchanged."""
    c = str(name).strip().strip('"')
    if c[:3].lower() == "chr":
        c = c[3:]
    if c in ("M", "m"):
        return "MT"
    if c in _NUMERIC_SEX:
        return _NUMERIC_SEX[c]
    if c in ("x", "y"):
        return c.upper()
    return c


@cache
def chrom_sizes(build: str) -> dict[str, int]:
    """Primary-assembly chromosome lengths of ``build`` (from resources/reference/chrom_sizes.tsv)."""
    if build not in BUILDS:
        raise ValueError(f"unknown genome build {build!r}; expected one of {', '.join(BUILDS)}")
    with open(reference_path("chrom_sizes.tsv"), newline="") as handle:
        return {row["chrom"]: int(row[build]) for row in csv.DictReader(handle, delimiter="\t")}


def build_from_contig_lengths(lengths: Mapping[str, int]) -> str | None:
    """Return the build whose primary chromosome lengths match ``lengths`` (names normalised).

    Only chromosomes 1-22 and X are compared (they differ between the builds). Returns None
    when no comparable contig is present or the lengths match neither build.
    """
    votes: dict[str, int] = {}
    for raw_name, length in lengths.items():
        name = normalize_contig(raw_name)
        if name in ("Y", "MT") or length is None:
            continue
        for build in BUILDS:
            if chrom_sizes(build).get(name) == int(length):
                votes[build] = votes.get(build, 0) + 1
    if not votes:
        return None
    if len(votes) == 2:
        # Identical lengths for both builds do not occur for 1-22/X; be explicit anyway.
        return max(votes, key=lambda b: votes[b]) if votes["GRCh37"] != votes["GRCh38"] else None
    return next(iter(votes))


def check_contig_lengths(path: str, lengths: Mapping[str, int], declared_build: str) -> None:
    """Raise InputError(code='build_mismatch') when header contig lengths contradict the build."""
    found = build_from_contig_lengths(lengths)
    if found is not None and found != declared_build:
        raise InputError(
            path,
            "contig lengths in the file header belong to another genome build than the sample sheet declares",
            field="build",
            expected=declared_build,
            found=found,
            code="build_mismatch",
        )


def check_position(path: str, chrom: str, pos: int, declared_build: str, line: int | None = None) -> None:
    """Raise InputError(code='build_mismatch') for a coordinate past the chromosome's end."""
    size = chrom_sizes(declared_build).get(normalize_contig(chrom))
    if size is not None and pos > size:
        raise InputError(
            path,
            f"position {pos:,} is past the end of chromosome {chrom} in {declared_build} "
            f"({size:,} bp): the file is probably from another build",
            line=line,
            expected=f"coordinates within {declared_build}",
            found=pos,
            code="build_mismatch",
        )
