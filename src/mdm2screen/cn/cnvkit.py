"""CNVkit segment (.cns, .call.cns) and bin (.cnr) tables.

Convention (CNVkit docs, "File formats": https://cnvkit.readthedocs.io/en/stable/fileformats.html):
tab-separated, header ``chromosome start end gene log2 ...``; ``start`` is **0-based** like BED
(half-open), so 1 is added; ``end`` is kept. ``log2`` is the log2 copy ratio against a diploid
reference. Optional columns:

- ``cn``: absolute integer copy number written by ``cnvkit.py call`` (.call.cns) -> used as
  ``Segment.copy_number`` (the raw log2 is kept as the value);
- ``cn1``/``cn2``: allele-specific copy numbers from ``call`` with a VCF -> major/minor;
- ``probes``: bins in the segment (present in every .cns, absent from .cnr);
- ``weight``/``depth``: bin weight and depth (.cnr).

Segments with ``probes`` = 0 are placeholders without data (older CNVkit releases wrote them,
some with ``end < start``) and are skipped. Empty fields (as CNVkit writes for ``baf``/``cn1``/
``cn2`` when not estimated) are missing values. A row whose ``log2`` is missing is skipped and
counted in the notes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ._common import (
    ParsedFile,
    Table,
    check_copy_number,
    contig_or_none,
    make_segment,
    parse_count,
    parse_float,
    read_table,
    skipped_note,
)

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


class _OtherChromosomes:
    """Bins on chromosomes no screened gene lies on: checked, counted, never made into segments.

    Used as ``read_table``'s ``skip_line`` hook, it takes a plain line whose field count,
    coordinates and chromosome are in order, and records its end for the genome-build check,
    without building a row. Anything unusual is left to the normal path, which reports it.
    """

    def __init__(self, keep: frozenset[str]) -> None:
        self.keep = keep
        self.count = 0
        self.max_end: dict[str, tuple[int, int | None]] = {}
        self._layout: tuple[int, int, int, int, str | None] | None = None

    def __call__(self, table: Table, line_no: int, text: str) -> bool:
        if self._layout is None:
            self._layout = (table.col("chromosome"), table.col("start"), table.col("end"), len(table.columns),
                            table.delimiter)
        ci, si, ei, ncol, delimiter = self._layout
        fields = text.split(delimiter)
        if len(fields) != ncol:
            return False
        chrom = contig_or_none(fields[ci])
        if chrom is None or chrom in self.keep:
            return False
        try:
            start, end = int(fields[si]), int(fields[ei])
        except ValueError:
            return False
        if start < 0 or end < start + 1:  # 0-based start: the normal path names the problem
            return False
        self.add(chrom, end, line_no)
        return True

    def add(self, chrom: str, end: int, line_no: int | None) -> None:
        best = self.max_end.get(chrom)
        if best is None or end > best[0]:
            self.max_end[chrom] = (end, line_no)
        self.count += 1


def parse(path: str, lines: Sequence[str], fmt: str, keep_chromosomes: Collection[str] | None = None) -> ParsedFile:
    """Parse a CNVkit table; for a bin-level .cnr, ``keep_chromosomes`` limits the bins kept.

    A .cnr holds tens of thousands of bins, and a screen needs only the chromosomes its genes lie
    on. Bins elsewhere are still split, counted against the header and range-checked (their end
    feeds the genome-build check), but not turned into segments.
    """
    other = (
        _OtherChromosomes(frozenset(keep_chromosomes)) if keep_chromosomes is not None and fmt == "cnvkit_cnr" else None
    )
    table = read_table(
        path,
        lines,
        fmt,
        lambda keys: BASE_KEYS <= set(keys),
        "CNVkit columns 'chromosome start end gene log2 ...'",
        skip_line=other,
    )
    ci, si, ei = table.col("chromosome"), table.col("start"), table.col("end")
    li = table.col("log2")
    cni = table.col("cn", required=False)
    c1i = table.col("cn1", required=False)
    c2i = table.col("cn2", required=False)
    pi = table.col("probes", required=False)
    notes: list[str] = []
    segments = []
    skipped = empty = 0
    for row in table.rows:
        if other is not None:
            chrom = contig_or_none(row.fields[ci])
            if chrom is not None and chrom not in other.keep:
                # A bin the hook left to this path: its coordinates are checked as any segment's
                # (the error names the line); its value is not read.
                bin_ = make_segment(table, row, ci, si, ei, zero_based=True, value=0.0, kind="log2")
                other.add(chrom, bin_.end, row.line)
                continue
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
        segments.append(
            make_segment(table, row, ci, si, ei, zero_based=True, value=log2, kind="log2", copy_number=cn,
                         n_probes=n_probes, major=major, minor=minor)
        )
    if note := skipped_note(skipped, "log2 is missing"):
        notes.append(note)
    if note := skipped_note(empty, "the segment has 0 probes (an empty placeholder without data)"):
        notes.append(note)
    if other is not None and other.count:
        notes.append(f"{other.count} bin(s) on chromosomes the screened genes do not lie on were checked for "
                     "coordinates only (used for the genome-build check, not for any call)")
    if cni is not None:
        notes.append("absolute copy number taken from the 'cn' column (cnvkit.py call); log2 kept as raw value")
    return ParsedFile(path, fmt, {"": segments}, names_samples=False, is_bin_level=(fmt == "cnvkit_cnr"),
                      notes=notes, max_end=dict(other.max_end) if other else {}).finish()
