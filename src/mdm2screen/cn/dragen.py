"""Illumina DRAGEN / TruSight Oncology 500 CNV VCF (``*.cnv.vcf.gz``, ``*_CopyNumberVariants.vcf``).

Convention (DRAGEN user guide, "CNV Output" -> "CNV VCF File",
https://help.dragen.illumina.com/product-guides/dragen-v4.3/dragen-dna-pipeline/cnv-calling/cnv-output;
somatic header lines from "Somatic CNV VCF Output"; TSO170/TSO500 "Copy Number Variants VCF"
help pages):

- header ``##source=DRAGEN_CNV``; ``##contig=<ID=..,length=..>`` lengths are checked against the
  declared build; somatic runs add ``##EstimatedTumorPurity=`` (``NA`` when the model is
  degenerate) and ``##OverallPloidy=``, used as the file's purity/ploidy when numeric;
- each record spans ``POS``..``INFO/END`` (**1-based inclusive**; the record ID
  ``DRAGEN:GAIN:chr:start-end`` states the same interval); ALT ``<DUP>``/``<DEL>``/``<CNV>``
  (or ``<LOH>`` in VCF 4.4) for events, ``.`` for copy-neutral REF calls
  (``--cnv-enable-ref-calls``), which are kept as segments so that they count as coverage;
- values: FORMAT ``SM`` = linear copy ratio of the segment mean, FORMAT ``CN`` = estimated
  (absolute) copy number, ``FC`` = fold change against a diploid baseline (TSO170/500, FORMAT or
  INFO). ``SM``/``FC`` is kept as the raw value (kind ``fold_change``) and ``CN`` as the absolute
  copy number; with only ``CN`` the value is ``CN``. A REF call without values is a ratio of 1.
- records whose FILTER is not ``PASS``/``.`` (cnvQual, cnvLength, ...) are skipped: a filtered
  call is neither evidence of a change nor of its absence. The notes count them.

Parsing uses pysam (htslib); its messages are silenced and every failure becomes InputError.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pysam

from ..errors import InputError
from ..genome import normalize_contig
from ..model import Segment
from . import _common
from ._common import (
    MISSING_TOKENS,
    NEGATIVE_CN_TOLERANCE,
    ParsedFile,
    too_large,
    validate_purity_ploidy,
)

FORMATS = ("dragen_vcf",)
CNV_ALTS = ("<DUP>", "<DEL>", "<CNV>", "<LOH>", "<GAIN>", "<LOSS>")


def detect_vcf(lines: Sequence[str]) -> bool:
    """True for a VCF whose header or records show copy-number content."""
    for text in lines[:2000]:
        if text.startswith("##"):
            if text.startswith("##source=DRAGEN_CNV") or any(f"##ALT=<ID={a[1:-1]}," in text for a in CNV_ALTS[:3]):
                return True
            if text.startswith(("##FORMAT=<ID=SM,", "##FORMAT=<ID=FC,", "##INFO=<ID=FC,")):
                return True
        elif not text.startswith("#"):
            fields = text.split("\t")
            if len(fields) > 4 and fields[4] in CNV_ALTS:
                return True
    return False


def _number(path: str, line: int | None, field: str, value: Any) -> float | None:
    """pysam value -> finite float or None; undeclared fields arrive as strings."""
    if value is None:
        return None
    if isinstance(value, tuple):
        if len(value) != 1:
            raise InputError(
                path,
                f"{field} has {len(value)} values",
                line=line,
                field=field,
                expected="one value",
                found=value,
                code="cn_value_invalid",
            )
        value = value[0]
        if value is None:
            return None
    if isinstance(value, str):
        if value.strip().lower() in MISSING_TOKENS:
            return None
        try:
            value = float(value)
        except ValueError:
            raise InputError(
                path,
                f"{field} is not a number",
                line=line,
                field=field,
                expected="a number",
                found=value,
                code="cn_value_invalid",
            ) from None
    try:
        # htslib stores VCF Floats as float32: keep the 7 significant digits the file had (5.8, not 5.80000019).
        out = float(f"{float(value):.7g}")
    except (TypeError, ValueError):
        raise InputError(
            path,
            f"{field} is not a number",
            line=line,
            field=field,
            expected="a number",
            found=value,
            code="cn_value_invalid",
        ) from None
    if not math.isfinite(out):
        raise InputError(
            path,
            f"{field} is not a finite number",
            line=line,
            field=field,
            expected="a finite number",
            found=value,
            code="cn_value_invalid",
        )
    return out


def _info_end(path: str, lines: Sequence[str], line: int, rec: pysam.VariantRecord) -> int:
    """INFO/END as written. htslib derives ``stop`` from SVLEN for symbolic alleles (one past END for a
    padded <DUP>), so the END in the record's own text line is the authority; without END, ``stop``."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    fields = text.split("\t")
    if len(fields) > 7 and fields[1] == str(rec.pos):
        for item in fields[7].split(";"):
            if item.startswith("END="):
                try:
                    return int(item[4:])
                except ValueError:
                    raise InputError(
                        path,
                        "INFO/END is not an integer",
                        line=line,
                        field="END",
                        expected="an integer position",
                        found=item[4:],
                        code="cn_unreadable",
                    ) from None
    return int(rec.stop)


def _field(rec: pysam.VariantRecord, sample: str, key: str) -> Any:
    """FORMAT value of ``sample`` if the record has that field, else the INFO value, else None."""
    if sample:
        values = rec.samples[sample]
        if key in values:
            return values[key]
    if key in rec.header.info and key in rec.info:
        return rec.info[key]
    return None


def _header_values(path: str, header: pysam.VariantHeader) -> tuple[float | None, float | None, dict[str, int]]:
    purity = ploidy = None
    for rec in header.records:
        key, value = rec.key, rec.value
        if key in ("EstimatedTumorPurity", "OverallPloidy") and value is not None:
            name = "purity" if key == "EstimatedTumorPurity" else "ploidy"
            if value.strip().lower() in MISSING_TOKENS:
                continue
            try:
                v = float(value)
            except ValueError:
                raise InputError(
                    path,
                    f"##{key} is not a number",
                    field=key,
                    expected="a number or NA",
                    found=value,
                    code="cn_value_invalid",
                ) from None
            v = validate_purity_ploidy(path, None, name, v)
            if name == "purity":
                purity = v
            else:
                ploidy = v
    lengths = {normalize_contig(name): int(c.length) for name, c in header.contigs.items() if c.length}
    return purity, ploidy, lengths


def parse(path: str, lines: Sequence[str], fmt: str) -> ParsedFile:
    n_header = 0
    for text in lines:
        if text.startswith("#"):
            n_header += 1
        else:
            break
    verbosity = pysam.get_verbosity()
    pysam.set_verbosity(0)  # htslib would print warnings for every odd record to stderr
    try:
        return _parse(path, lines, fmt, n_header)
    except InputError:
        raise
    except (ValueError, OSError, TypeError, KeyError, IndexError, UnicodeDecodeError, RuntimeError) as exc:
        raise InputError(
            path, f"VCF could not be parsed: {exc}", expected="a valid VCF (htslib)", code="cn_unreadable"
        ) from exc
    finally:
        pysam.set_verbosity(verbosity)


def _is_plain_gzip(path: str) -> bool:
    """gzip but not BGZF (no 'BC' extra subfield): htslib cannot read it, so a plain copy is parsed."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    return head[:2] == b"\x1f\x8b" and not (len(head) >= 14 and head[3] & 4 and head[12:14] == b"BC")


def _parse(path: str, lines: Sequence[str], fmt: str, n_header: int) -> ParsedFile:
    if not _is_plain_gzip(path):
        return _parse_vcf(path, path, lines, fmt, n_header)
    with tempfile.TemporaryDirectory(prefix="mdm2screen-vcf-") as tmp:
        plain = Path(tmp) / "plain.vcf"
        with open(plain, "w", encoding="utf-8") as out:  # line by line: never the whole text as one string
            for text in lines:
                out.write(text)
                out.write("\n")
        parsed = _parse_vcf(path, str(plain), lines, fmt, n_header)
    parsed.notes.append("gzip (not bgzip) compressed VCF read from a decompressed copy")
    return parsed


def _parse_vcf(path: str, source: str, lines: Sequence[str], fmt: str, n_header: int) -> ParsedFile:
    notes: list[str] = []
    with pysam.VariantFile(source) as vcf:
        purity, ploidy, lengths = _header_values(path, vcf.header)
        names = list(vcf.header.samples)
        samples: dict[str, list[Segment]] = {s: [] for s in names} if names else {"": []}
        filtered = no_value = neutral_default = kept = 0
        limit = _common.MAX_ROWS_KEPT  # looked up per call, so tests can lower it
        for i, rec in enumerate(vcf):
            line = n_header + i + 1
            filters = list(rec.filter.keys())
            if filters and filters != ["PASS"]:
                filtered += 1
                continue
            alts = rec.alts or ()
            is_ref = not alts or alts == (".",)
            if not is_ref and not any(a in CNV_ALTS for a in alts):
                no_value += 1  # not a copy-number record (e.g. a breakend)
                continue
            start, end = rec.pos, _info_end(path, lines, line, rec)
            if end < start:
                raise InputError(
                    path,
                    "record END is before POS",
                    line=line,
                    field="END",
                    expected=f">= {start}",
                    found=end,
                    code="cn_unreadable",
                )
            for name in samples:
                sm = _number(path, line, "SM", _field(rec, name, "SM"))
                fc = _number(path, line, "FC", _field(rec, name, "FC"))
                cn = _number(path, line, "CN", _field(rec, name, "CN"))
                ratio = sm if sm is not None else fc
                if ratio is not None and ratio < 0:
                    raise InputError(
                        path,
                        "copy ratio is negative",
                        line=line,
                        field="SM" if sm is not None else "FC",
                        expected="a ratio >= 0",
                        found=ratio,
                        code="cn_value_invalid",
                    )
                if cn is not None and cn < 0:
                    if cn < -NEGATIVE_CN_TOLERANCE:
                        raise InputError(
                            path,
                            "copy number is negative",
                            line=line,
                            field="CN",
                            expected="a copy number >= 0",
                            found=cn,
                            code="cn_value_invalid",
                        )
                    cn = 0.0
                if ratio is not None:
                    seg = Segment(
                        normalize_contig(rec.chrom), start, end, ratio, "fold_change", copy_number=cn, line=line
                    )
                elif cn is not None:
                    seg = Segment(normalize_contig(rec.chrom), start, end, cn, "copy_number", copy_number=cn, line=line)
                elif is_ref:
                    neutral_default += 1
                    seg = Segment(normalize_contig(rec.chrom), start, end, 1.0, "fold_change", line=line)
                else:
                    no_value += 1
                    continue
                kept += 1
                if kept > limit:
                    raise too_large(path, "segments to keep", limit, "segments kept")
                samples[name].append(seg)
    if filtered:
        notes.append(f"{filtered} record(s) with a FILTER other than PASS skipped (not used as evidence)")
    if no_value:
        notes.append(f"{no_value} record(s) without SM/FC/CN values or not copy-number records skipped")
    if neutral_default:
        notes.append(f"{neutral_default} REF (copy-neutral) record(s) without values taken as ratio 1.0")
    return ParsedFile(
        path,
        fmt,
        samples,
        names_samples=bool(names),
        purity=purity,
        ploidy=ploidy,
        contig_lengths=lengths or None,
        notes=notes,
    ).finish()
