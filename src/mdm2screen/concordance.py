"""Concordance of mdm2screen's MDM2/CDK4 calls with a study's GISTIC discrete copy-number table.

The table is cBioPortal's "Discrete Copy Number Data" (https://docs.cbioportal.org/file-formats/
#discrete-copy-number-data): ``Hugo_Symbol`` and/or ``Entrez_Gene_Id``, then one column per
sample, values -2 (deep loss), -1 (shallow loss), 0 (diploid), 1 (gain), 2 (high-level
amplification); blank or ``NA`` when absent. GISTIC's raw ``all_thresholded.by_genes.txt``
headers (``Gene Symbol``, ``Locus ID``, ``Cytoband``) are accepted as well.

The comparison is informative only: GISTIC thresholds log2 ratios relative to each sample's
arm-level medians, mdm2screen judges (purity/ploidy-adjusted) absolute copy number, so the two
can disagree for sound reasons. Disagreements are listed with a note saying why they may differ.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import InputError
from .fileio import atomic_write, iter_text_lines
from .paths import reference_path

BINS = ("2", "1", "<=0", "NA")
CALL_ORDER = ("amplified", "equivocal", "not_amplified", "deleted", "not_assessable")
NULL_CELLS = frozenset({"", "na", "nan", "n/a", "null", "none"})
ALLOWED_VALUES = (-2.0, -1.5, -1.0, 0.0, 1.0, 2.0)  # -1.5 appears in older cBioPortal studies
HUGO_HEADERS = ("HUGO_SYMBOL", "GENE SYMBOL")
ENTREZ_HEADERS = ("ENTREZ_GENE_ID", "GENE ID", "LOCUS ID")
IGNORED_HEADERS = ("CYTOBAND",)

NOTE_AMP_VS_GAIN = (
    "mdm2screen calls {gene} amplified (copy number {cn}) but GISTIC reports only a low-level gain (1). GISTIC's "
    "high-level threshold is set per sample relative to arm-level medians, so a focal amplification in a broadly "
    "gained or high-ploidy genome can stay below it; review the segments."
)
NOTE_AMP_VS_NEUTRAL = (
    "mdm2screen calls {gene} amplified (copy number {cn}) but GISTIC reports {value} (no gain). Arm-median-relative "
    "thresholds rarely explain this much; check that both results come from the same sample and segmentation."
)
NOTE_NOT_AMP_VS_HIGH = (
    "mdm2screen calls {gene} not amplified (copy number {cn}) but GISTIC reports high-level amplification (2). "
    "GISTIC thresholds log2 ratios relative to the sample's arm-level medians, not absolute copies, so a modest "
    "focal gain can reach 2 while staying below mdm2screen's copy-number cut-off; check purity and ploidy."
)
NOTE_DELETED_VS_HIGH = (
    "mdm2screen calls {gene} deleted (copy number {cn}) but GISTIC reports high-level amplification (2): the results "
    "contradict each other beyond any threshold difference; check the sample identity."
)


@lru_cache(maxsize=1)
def _entrez_ids() -> dict[str, str]:
    """Hugo symbol -> Entrez gene ID from resources/reference/genes.tsv (for Entrez-only tables)."""
    with open(reference_path("genes.tsv"), newline="") as handle:
        return {row["gene"]: row["entrez_id"] for row in csv.DictReader(handle, delimiter="\t") if row.get("entrez_id")}


def _cells(line: str) -> list[str]:
    return [c.strip().strip('"').strip() for c in next(csv.reader(io.StringIO(line), delimiter="\t"), [])]


def _value(path: Path, line: int, sample: str, cell: str) -> float | None:
    if cell.strip().lower() in NULL_CELLS:
        return None
    try:
        number = float(cell)
    except ValueError:
        number = float("nan")
    if number not in ALLOWED_VALUES:
        raise InputError(path, "not a discrete copy-number value", line=line, field=sample,
                         expected="-2, -1, 0, 1 or 2 (blank or NA when absent)", found=cell, code="gistic_unreadable")
    return number


def read_discrete_cna(path: str | Path, genes: Iterable[str]) -> tuple[dict[str, dict[str, float | None]], list[str]]:
    """Values of ``genes`` in a discrete CNA table: ({gene: {sample: value or None}}, sample columns).

    Streams the file and parses only the requested genes' rows (GENIE tables are large). A gene
    listed twice is resolved by its Entrez ID; conflicting rows raise InputError.
    """
    p = Path(path)
    wanted = {g.upper(): g for g in genes}
    entrez = {_entrez_ids().get(g): g for g in wanted.values() if _entrez_ids().get(g)}
    header: list[str] | None = None
    hugo_col: int | None = None
    entrez_col: int | None = None
    last_gene_col = 0
    sample_cols: list[tuple[int, str]] = []
    found: dict[str, tuple[int, bool, dict[str, float | None]]] = {}  # gene -> (line, entrez matches, values)
    for number, line in enumerate(iter_text_lines(p), start=1):
        if not line.strip() or (header is None and line.startswith("#")):
            continue
        if header is None:
            header = _cells(line)
            upper = [h.upper() for h in header]
            hugo_col = next((i for i, h in enumerate(upper) if h in HUGO_HEADERS), None)
            entrez_col = next((i for i, h in enumerate(upper) if h in ENTREZ_HEADERS), None)
            if hugo_col is None and entrez_col is None:
                raise InputError(p, "no gene column in the header", line=number,
                                 expected="Hugo_Symbol and/or Entrez_Gene_Id, then one column per sample",
                                 found=line, code="gistic_unreadable")
            gene_cols = {hugo_col, entrez_col} | {i for i, h in enumerate(upper) if h in IGNORED_HEADERS}
            last_gene_col = max(i for i in (hugo_col, entrez_col) if i is not None)
            sample_cols = [(i, h) for i, h in enumerate(header) if i not in gene_cols]
            names = [h for _, h in sample_cols]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes or "" in names:
                raise InputError(p, "sample columns must be named and unique", line=number,
                                 found=", ".join(dupes) or "an empty column name", code="gistic_unreadable")
            continue
        # Look at the gene columns only before splitting a (possibly 100,000-sample) line.
        key_cells = [c.strip().strip('"') for c in line.split("\t", last_gene_col + 1)[: last_gene_col + 1]]
        symbol = key_cells[hugo_col] if hugo_col is not None and hugo_col < len(key_cells) else ""
        gene_id = key_cells[entrez_col] if entrez_col is not None and entrez_col < len(key_cells) else ""
        # The Entrez ID is authoritative when the symbol is not one we want (e.g. an alias).
        gene = wanted.get(symbol.upper()) or entrez.get(gene_id)
        if gene is None:
            continue
        cells = _cells(line)
        if len(cells) > len(header) and any(cells[len(header):]):
            raise InputError(p, "more cells than header columns", line=number, expected=f"{len(header)} cells",
                             found=len(cells), code="gistic_unreadable")
        cells += [""] * (len(header) - len(cells))
        values = {name: _value(p, number, name, cells[i]) for i, name in sample_cols}
        matches = bool(gene_id) and gene_id == _entrez_ids().get(gene)
        if gene in found:
            earlier_line, earlier_matches, earlier_values = found[gene]
            if earlier_values == values or (earlier_matches and not matches):
                continue  # same values, or the earlier row is the one with the gene's Entrez ID
            if matches and not earlier_matches:
                found[gene] = (number, matches, values)
                continue
            raise InputError(p, f"{gene} appears on lines {earlier_line} and {number} with different values",
                             line=number, field="Hugo_Symbol", code="gistic_unreadable")
        found[gene] = (number, matches, values)
    if header is None:
        raise InputError(
            p, "no header line", expected="Hugo_Symbol, then one column per sample", code="gistic_unreadable"
        )
    return {gene: values for gene, (_, _, values) in found.items()}, [name for _, name in sample_cols]


def _bin(value: float | None) -> str:
    if value is None:
        return "NA"
    if value >= 2:
        return "2"
    if value >= 1:
        return "1"
    return "<=0"


def _gistic_out(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == int(value) else value


def _cn_text(copy_number: Any) -> str:
    return "unknown" if copy_number is None else f"{float(copy_number):.3g}"


def gistic_concordance(calls: list[dict], cna_path: str | Path, genes: Iterable[str] = ("MDM2", "CDK4")) -> dict:
    """Cross-tabulate mdm2screen calls against GISTIC values, per gene, and list discordant samples.

    ``calls``: ``{"sample_id", "gene", "call", "copy_number"}`` dicts (calls for other genes are
    ignored). Concordant: amplified vs 2, not_amplified vs 1 or <=0. Discordant: amplified vs <=1,
    not_amplified vs 2 (and deleted vs 2). ``equivocal`` and ``not_assessable`` are tabulated only.
    ``n_samples_compared`` counts samples with, for at least one gene, an assessed call
    (anything but ``not_assessable``) and a GISTIC value. Raises InputError for an unreadable
    table and ValueError for malformed ``calls``.
    """
    genes = tuple(genes)
    values, samples = read_discrete_cna(cna_path, genes)
    sample_set = set(samples)
    by_gene: dict[str, dict[str, dict[str, Any]]] = {g: {} for g in genes}
    for index, call in enumerate(calls):
        if not isinstance(call, dict) or not all(k in call for k in ("sample_id", "gene", "call")):
            raise ValueError(f"calls[{index}] must be a dict with sample_id, gene and call; got {call!r}")
        gene = str(call["gene"])
        if gene not in by_gene:
            continue
        sample = str(call["sample_id"])
        if sample in by_gene[gene]:
            raise ValueError(f"calls: {sample} has two {gene} calls")
        by_gene[gene][sample] = call

    result: dict[str, Any] = {"genes": {}, "source": str(cna_path), "n_samples_compared": 0}
    compared: set[str] = set()
    for gene in genes:
        gene_values = values.get(gene)
        seen_calls = {str(c["call"]) for c in by_gene[gene].values()}
        order = [c for c in CALL_ORDER if c in seen_calls] + sorted(seen_calls - set(CALL_ORDER))
        table = {c: dict.fromkeys(BINS, 0) for c in order}
        discordant: list[dict[str, Any]] = []
        n_concordant = 0
        not_in_table: list[str] = []
        for sample, call in sorted(by_gene[gene].items()):
            label = str(call["call"])
            value = gene_values.get(sample) if gene_values is not None else None
            if sample not in sample_set:
                not_in_table.append(sample)
            table[label][_bin(value)] += 1
            if value is None:
                continue
            if label != "not_assessable":
                compared.add(sample)
            cn = call.get("copy_number")
            note = None
            if label == "amplified":
                if value >= 2:
                    n_concordant += 1
                else:
                    template = NOTE_AMP_VS_GAIN if value >= 1 else NOTE_AMP_VS_NEUTRAL
                    note = template.format(gene=gene, cn=_cn_text(cn), value=_gistic_out(value))
            elif label == "not_amplified":
                if value >= 2:
                    note = NOTE_NOT_AMP_VS_HIGH.format(gene=gene, cn=_cn_text(cn))
                else:
                    n_concordant += 1
            elif label == "deleted" and value >= 2:
                note = NOTE_DELETED_VS_HIGH.format(gene=gene, cn=_cn_text(cn))
            if note is not None:
                discordant.append({
                    "sample_id": sample,
                    "mdm2screen_call": label,
                    "copy_number": None if cn is None else float(cn),
                    "gistic": _gistic_out(value),
                    "note": note,
                })
        result["genes"][gene] = {
            "table": table,
            "discordant": discordant,
            "n_concordant": n_concordant,
            "in_table": gene_values is not None,
            "samples_not_in_table": not_in_table,
        }
    result["n_samples_compared"] = len(compared)
    return result


def write_concordance_tsv(result: dict, path: str | Path) -> None:
    """Write the cross-table as TSV: one row per gene and mdm2screen call, with the discordant samples."""
    buffer = io.StringIO()
    buffer.write(f"# GISTIC concordance against {result.get('source')}; samples compared: "
                 f"{result.get('n_samples_compared', 0)}\n")
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(["gene", "mdm2screen_call", "gistic_2", "gistic_1", "gistic_le0", "gistic_NA",
                     "discordant_samples"])
    for gene, data in result.get("genes", {}).items():
        by_call: dict[str, list[str]] = {}
        for item in data.get("discordant", []):
            cn = "unknown" if item.get("copy_number") is None else f"{item['copy_number']:.3g}"
            by_call.setdefault(item["mdm2screen_call"], []).append(
                f"{item['sample_id']} (GISTIC {item['gistic']}, CN {cn})"
            )
        for call, counts in data.get("table", {}).items():
            writer.writerow([gene, call, counts.get("2", 0), counts.get("1", 0), counts.get("<=0", 0),
                             counts.get("NA", 0), "; ".join(by_call.get(call, []))])
    atomic_write(path, buffer.getvalue())
