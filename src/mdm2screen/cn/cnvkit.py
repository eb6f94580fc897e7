"""CNVkit segment (.cns, .call.cns) and bin (.cnr) tables.

Convention (CNVkit docs, "File formats": https://cnvkit.readthedocs.io/en/stable/fileformats.html):
tab-separated, header ``chromosome start end gene log2 ...``; ``start`` is **0-based** like BED
(half-open), so 1 is added; ``end`` is kept. ``log2`` is the log2 copy ratio against a diploid
reference. Optional columns:

- ``cn``: absolute integer copy number written by ``cnvkit.py call`` (.call.cns) -> used as
  ``Segment.copy_number`` (the raw log2 is kept as the value);
- ``cn1``/``cn2``: allele-specific copy numbers from ``call`` with a VCF (cnvlib/call.py: ``cn1 >= cn2``,
  ``cn1 + cn2 = cn``; empty where the BAF is unknown) -> major/minor, dropped by ``allelic.AlleleChecks``
  when they contradict ``cn``;
- ``probes``: bins in the segment (present in every .cns, absent from .cnr);
- ``weight``/``depth``: bin weight and depth (.cnr).

Segments with ``probes`` = 0 are placeholders without data (older CNVkit releases wrote them,
some with ``end < start``) and are skipped. Empty fields (as CNVkit writes for ``baf``/``cn1``/
``cn2`` when not estimated) are missing values. A row whose ``log2`` is missing is skipped and
counted in the notes.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._common import (
    Layout,
    OffChromosomes,
    ParsedFile,
    Table,
    check_copy_number,
    make_segment,
    parse_count,
    parse_float,
    read_table,
    skipped_note,
)
from .allelic import AlleleChecks

FORMATS = ("cnvkit", "cnvkit_cnr")
BASE_KEYS = {"chromosome", "start", "end", "log2"}


def detect(keys: list[str]) -> str | None:
    """CNVkit tables have ``chromosome start end gene log2``; ``probes`` marks segments."""
    ks = set(keys)
    if not (BASE_KEYS | {"gene"}) <= ks or "spread" in ks:  # 'spread' marks a reference .cnn
        return None
    if "probes" in ks:
        return "cnvkit"
    if "weight" in ks:
        return "cnvkit_cnr"
    return None


def coordinates(table: Table) -> Layout:
    return Layout(table.col("chromosome"), table.col("start"), table.col("end"), zero_based=True)


def parse(path: str, lines: Sequence[str], fmt: str, sieve: OffChromosomes | None = None) -> ParsedFile:
    """Parse a CNVkit table. A .cnr holds tens of thousands of bins and a screen needs only the
    chromosomes its genes lie on: ``sieve`` (see ``_common.OffChromosomes``) takes the others out."""
    table = read_table(
        path,
        lines,
        fmt,
        lambda keys: BASE_KEYS <= set(keys),
        "CNVkit columns 'chromosome start end gene log2 ...'",
        sieve=sieve,
    )
    ci, si, ei = coordinates(table)[:3]
    li = table.col("log2")
    cni = table.col("cn", required=False)
    c1i = table.col("cn1", required=False)
    c2i = table.col("cn2", required=False)
    pi = table.col("probes", required=False)
    notes: list[str] = []
    segments = []
    skipped = empty = 0
    alleles = AlleleChecks()
    for row in table.rows:
        log2 = parse_float(table, row, li)
        if log2 is None:
            skipped += 1
            continue
        n_probes = parse_count(table, row, pi)
        if n_probes == 0:
            # Older CNVkit versions emit 0-probe placeholder segments, some with end < start
            # (real example: cnvkit test/formats/amplicon.cns line 5). They hold no data.
            empty += 1
            continue
        cn = check_copy_number(table, row, cni, parse_float(table, row, cni), notes) if cni is not None else None
        major = parse_float(table, row, c1i) if c1i is not None else None
        minor = parse_float(table, row, c2i) if c2i is not None else None
        major, minor = alleles.check(row.line, major, minor, total=cn)
        seg = make_segment(
            table,
            row,
            ci,
            si,
            ei,
            zero_based=True,
            value=log2,
            kind="log2",
            copy_number=cn,
            n_probes=n_probes,
            major=major,
            minor=minor,
        )
        segments.append(seg)
    if note := skipped_note(skipped, "log2 is missing"):
        notes.append(note)
    if note := skipped_note(empty, "the segment has 0 probes (an empty placeholder without data)"):
        notes.append(note)
    if cni is not None:
        notes.append("absolute copy number taken from the 'cn' column (cnvkit.py call); log2 kept as raw value")
    notes.extend(alleles.notes())
    return ParsedFile(
        path, fmt, {"": segments}, names_samples=False, is_bin_level=(fmt == "cnvkit_cnr"), notes=notes
    ).finish()
