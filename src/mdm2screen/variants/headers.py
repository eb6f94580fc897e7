"""Which tools made an input file, as its own header says: for the report's audit block, never for a call.

VCF (VCF 4.2/4.3 specification, section 1.4: meta-information lines ``##key=value``): the lines
before ``#CHROM`` are read as text, nothing after them. Recorded:

* ``##source=`` (one per tool in a pipeline; Strelka's ``##source_version=`` gives its version),
* ``##<Tool>Version=`` lines: ``##MutectVersion`` (Mutect2), ``##SnpEffVersion`` (SnpEff, e.g.
  ``"4.3t (build 2017-11-24 10:18), by Pablo Cingolani"``), ``##purpleVersion``,
  ``##bcftools_<command>Version`` (bcftools), ``##DRAGENVersion=<ID=dragen,Version="SW: ...">``,
* ``##GATKCommandLine=<ID=Mutect2,...,Version="4.1.0.0">`` (GATK 4: tool and version),
* ``##VEP="v106" time=... cache=... assembly=... ensembl=... gencode=...`` (Ensembl VEP's own header
  line, ensembl-vep ``OutputFactory::headers``; older releases write ``##VEP=v83 ...``) and
  ``##VEP-command-line='...'``,
* ``##SnpEffCmd="..."`` (the command, which names the SnpEff database, e.g. ``GRCh38.86``),
* ``##fileDate=`` and ``##reference=``.

Real examples: ncsa/phyloflow ``VEP_raw.A25.mutect2.filtered.snp.vcf`` (VEP v106, GATK
FilterMutectCalls/Mutect2, bcftools 1.8), umccr/gpgr ``purple.somatic.vcf.gz`` (SnpEff 4.3t,
Strelka 2.9.10, PURPLE 2.43, bcftools).

MAF (GDC MAF specification; vcf2maf): ``#version`` (and GDC's ``#annotation.spec``,
``#filedate``) comment lines before the header; a MAF records no annotator version, so the
presence of vcf2maf's VEP columns (``Allele Gene Feature Feature_type Consequence ... HGVSc
HGVSp``) is recorded as "VEP columns present, version not recorded in a MAF".

Text from a file is reported as found (length-capped, control characters removed): escaping it
is the report's business. Header reading is bounded (:data:`MAX_HEADER_BYTES`) and cached by
(real path, size, mtime), since a cohort MAF is named by hundreds of sample rows.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pysam

from ..errors import InputError
from ..fileio import GZIP_MAGIC, open_input

# A header past this many bytes of text is not read further (GRCh38 VCFs with ~3,400 contig lines
# and a full VEP header are ~0.5 MB); the tools already found are kept and a note says so.
MAX_HEADER_BYTES = 8 * 1024 * 1024
MAX_TEXT = 300  # characters of a version or detail kept from a file
MAX_TOOLS = 40  # tools listed per file (a pipeline VCF names dozens of bcftools steps)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_VERSION_KEY = re.compile(r"^(?P<tool>[A-Za-z][A-Za-z0-9_.-]*?)_?[Vv]ersion$")
# vcf2maf's VEP columns (mskcc/vcf2maf docs/vep_maf_readme.txt): present only in VEP-annotated MAFs.
VEP_MAF_COLUMNS = frozenset({"allele", "gene", "feature", "feature_type", "consequence", "hgvsc", "hgvsp"})


def clean(text: str | None, limit: int = MAX_TEXT) -> str | None:
    """File text fit for a report field: control characters removed, at most ``limit`` characters."""
    if text is None:
        return None
    text = _CONTROL.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text or None


@dataclass(frozen=True)
class ToolRecord:
    """One tool an input file names: its name, version (None when the file gives none) and where it was read."""

    tool: str
    version: str | None
    source: str  # the header line or file it was read from, e.g. "##VEP", "purple.version"
    detail: str | None = None  # cache/assembly, build date, command line: whatever identifies the run further

    def to_dict(self) -> dict[str, str | None]:
        return {"tool": self.tool, "version": self.version, "source": self.source, "detail": self.detail}


@dataclass
class FileSoftware:
    """The tools one input file names, with its date and reference where it states them."""

    path: str
    tools: list[ToolRecord] = field(default_factory=list)
    file_date: str | None = None
    reference: str | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, record: ToolRecord) -> None:
        # One entry per tool and version (a pipeline VCF names bcftools once per command it ran).
        key = (record.tool.lower(), record.version)
        if any((t.tool.lower(), t.version) == key for t in self.tools):
            return
        if len(self.tools) >= MAX_TOOLS:
            note = f"more than {MAX_TOOLS} tools named; the rest are not listed"
            if note not in self.notes:
                self.notes.append(note)
            return
        self.tools.append(record)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "tools": [t.to_dict() for t in self.tools],
            "file_date": self.file_date,
            "reference": self.reference,
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- reading header lines


def _text_lines(path: Path) -> Generator[str, None, None]:
    """Lines of a plain or gzip/bgzip text file, decoded leniently, until the caller stops."""
    with open_input(path) as raw:
        compressed = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        handle: Any = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        wrapper = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="\n")
        try:
            yield from (line.rstrip("\n").rstrip("\r") for line in wrapper)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(path, f"compressed file is truncated or corrupt: {exc}", code="input_corrupt") from exc


def closing_lines(path: Path) -> Iterator[str]:
    """:func:`_text_lines`, with the file closed as soon as the caller stops reading (not at garbage
    collection): header readers stop after a few lines."""
    with closing(_text_lines(path)) as lines:
        yield from lines


def _is_bcf(path: Path) -> bool:
    """A BCF starts with the magic ``BCF\\2`` inside its first BGZF block (BCF2 specification)."""
    with open_input(path) as raw:
        head = raw.read(65536)
    if head[:2] == GZIP_MAGIC:
        try:
            head = zlib.decompressobj(wbits=31).decompress(head, 16)
        except zlib.error:
            return False
    return head[:3] == b"BCF"


def _leading_lines(path: Path, prefix: str, software: FileSoftware) -> list[str]:
    """The file's first lines that start with ``prefix`` (the header), within MAX_HEADER_BYTES."""
    lines: list[str] = []
    size = 0
    for line in closing_lines(path):
        if not line.startswith(prefix):
            if prefix == "##" and line.startswith("#"):
                lines.append(line)  # the '#CHROM' line ends a VCF header
            break
        size += len(line) + 1
        if size > MAX_HEADER_BYTES:
            software.notes.append(f"header longer than {MAX_HEADER_BYTES:,} bytes: read only that far")
            break
        lines.append(line)
    return lines


# --------------------------------------------------------------------------- VCF


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _structured(value: str) -> dict[str, str]:
    """Fields of a structured meta line value ``<ID=x,Version="y",...>`` (VCF spec 1.4), quotes honoured."""
    body = value.strip()
    if body.startswith("<") and body.endswith(">"):
        body = body[1:-1]
    fields: dict[str, str] = {}
    for m in re.finditer(r'([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|[^,]*)', body):
        fields.setdefault(m.group(1), _unquote(m.group(2)))
    return fields


def _vep(value: str) -> ToolRecord:
    """``##VEP="v106" time="..." cache="..." assembly="GRCh37.p13" ensembl=106.f4b50c6 ...``."""
    pairs = dict((k, _unquote(v)) for k, v in re.findall(r'([A-Za-z0-9_.-]+)=("[^"]*"|\S+)', value))
    first = value.strip().split()[0] if value.strip() else ""
    version = _unquote(first) if "=" not in first else None
    detail = "; ".join(f"{k} {pairs[k]}" for k in ("cache", "assembly", "ensembl", "gencode", "time") if k in pairs)
    return ToolRecord("VEP", clean(version), "##VEP", clean(detail))


def _snpeff(value: str) -> ToolRecord:
    """``##SnpEffVersion="4.3t (build 2017-11-24 10:18), by Pablo Cingolani"`` -> 4.3t (build ...)."""
    text = _unquote(value)
    version = text.split(", by ")[0].strip()
    return ToolRecord("SnpEff", clean(version), "##SnpEffVersion")


def _name_version(text: str) -> tuple[str, str | None]:
    """``"GenerateSVCandidates 1.4.0-1-g1f363ea"`` -> (name, version); a bare name has no version."""
    parts = text.strip().rsplit(" ", 1)
    if len(parts) == 2 and re.match(r"^v?\d", parts[1]):
        return clean(parts[0], 80) or "?", clean(parts[1])
    return clean(text, 80) or "?", None


def vcf_header_software(path: str | Path, lines: list[str] | None = None) -> FileSoftware:
    """The tools a VCF's meta-information lines name (see the module docstring). Raises InputError
    when the file cannot be read; a BCF's header is read with pysam."""
    p = Path(path)
    software = FileSoftware(str(path))
    if lines is None:
        if _is_bcf(p):
            try:
                with pysam.VariantFile(str(p)) as vf:
                    lines = str(vf.header).splitlines()
            except (OSError, ValueError) as exc:
                raise InputError(p, f"BCF header cannot be read: {exc}", code="vcf_unreadable") from exc
        else:
            lines = _leading_lines(p, "##", software)
    pending_source: list[str] = []
    commands: dict[str, list[str]] = {}
    for line in lines:
        if not line.startswith("##") or "=" not in line:
            continue
        key, value = line[2:].split("=", 1)
        if key == "source":
            pending_source.append(_unquote(value))
        elif key == "source_version" and pending_source:
            # Strelka: ##source=strelka then ##source_version=2.9.10
            software.add(ToolRecord(_name_version(pending_source.pop())[0], clean(_unquote(value)), "##source_version"))
        elif key == "VEP":
            software.add(_vep(value))
        elif key in ("VEP-command-line", "SnpEffCmd"):
            commands.setdefault("VEP" if key.startswith("VEP") else "SnpEff", []).append(_unquote(value))
        elif key == "SnpEffVersion":
            software.add(_snpeff(value))
        elif key == "GATKCommandLine":
            f = _structured(value)
            if f.get("ID"):
                software.add(ToolRecord(f"GATK {clean(f['ID'], 80)}", clean(f.get("Version")), "##GATKCommandLine"))
        elif key == "DRAGENVersion":
            f = _structured(value)
            software.add(ToolRecord("DRAGEN", clean(f.get("Version") or _unquote(value)), "##DRAGENVersion"))
        elif key == "fileDate":
            software.file_date = clean(_unquote(value), 40)
        elif key == "reference":
            software.reference = clean(_unquote(value))
        elif (m := _VERSION_KEY.match(key)) and not value.startswith("<"):
            tool = m.group("tool")
            tool = {"Mutect": "Mutect2"}.get(tool, tool)
            if tool.startswith("bcftools_"):
                tool = "bcftools"
            software.add(ToolRecord(clean(tool, 80) or tool, clean(_unquote(value)), f"##{clean(key, 80)}"))
    versioned = {t.tool.lower().removeprefix("gatk ") for t in software.tools if t.version}
    for text in pending_source:
        # "GenerateSVCandidates 1.4.0" (Manta) names its version; ##source=Mutect2 next to
        # ##GATKCommandLine=<ID=Mutect2,...,Version=...> is listed once, with that version.
        name, version = _name_version(text)
        if name.lower() not in versioned:
            software.add(ToolRecord(name, version, "##source"))
    # A command line identifies the annotation run (SnpEff names its database there): kept as detail.
    for tool, texts in commands.items():
        detail = clean(" | ".join(dict.fromkeys(texts)))
        for i, record in enumerate(software.tools):
            if record.tool == tool:
                software.tools[i] = ToolRecord(
                    record.tool,
                    record.version,
                    record.source,
                    detail if record.detail is None else clean(f"{record.detail}; {detail}"),
                )
                break
        else:
            software.add(ToolRecord(tool, None, "##VEP-command-line" if tool == "VEP" else "##SnpEffCmd", detail))
    return software


# --------------------------------------------------------------------------- MAF


def maf_header_software(path: str | Path) -> FileSoftware:
    """``#version``-style comment lines before a MAF's header, and whether its columns are VEP's."""
    p = Path(path)
    software = FileSoftware(str(path))
    columns: list[str] = []
    size = 0
    for line in closing_lines(p):
        size += len(line) + 1
        if size > MAX_HEADER_BYTES:
            software.notes.append(f"header longer than {MAX_HEADER_BYTES:,} bytes: read only that far")
            break
        if line.startswith("#"):
            key, _, value = line[1:].strip().partition(" ")
            if key == "version":
                software.add(ToolRecord("MAF format", clean(value), "#version"))
            elif key == "annotation.spec":
                software.add(ToolRecord("GDC annotation", clean(value), "#annotation.spec"))
            elif key.lower() == "filedate":
                software.file_date = clean(value, 40)
            continue
        if line.strip():
            columns = [c.strip().lower() for c in line.split("\t")]
            break
    if VEP_MAF_COLUMNS <= set(columns):
        software.add(
            ToolRecord(
                "VEP",
                None,
                "MAF columns",
                "VEP annotation columns present (vcf2maf layout); a MAF records no VEP version",
            )
        )
    return software


# --------------------------------------------------------------------------- entry point


def _looks_like_maf(path: Path) -> bool:
    for line in closing_lines(path):
        return not line.startswith("##")
    return False


@lru_cache(maxsize=256)
def _cached(real: str, size: int, mtime_ns: int, kind: str) -> FileSoftware:
    p = Path(real)
    if kind == "maf" or (kind == "" and _looks_like_maf(p)):
        return maf_header_software(p)
    return vcf_header_software(p)


def variant_file_software(path: str | Path, kind: str | None = None) -> FileSoftware:
    """The tools a VCF or MAF names in its header (``kind`` "vcf"/"maf" when known, else sniffed).

    Never raises for a bad file: its problem becomes a note (the variant reader reports the file itself).
    """
    shown = str(path)
    try:
        st = os.stat(path)
        found = _cached(os.path.realpath(path), st.st_size, st.st_mtime_ns, kind or "")
    except InputError as exc:
        return FileSoftware(shown, notes=[f"header not read: {exc.detail}"])
    except OSError as exc:
        return FileSoftware(shown, notes=[f"header not read: {exc.strerror or exc}"])
    return FileSoftware(shown, list(found.tools), found.file_date, found.reference, list(found.notes))
