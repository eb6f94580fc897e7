"""The patient report as a typed model: built from a patient's decision, written as JSON, rendered as HTML.

Field order is the JSON's key order (workflow/schemas/patient_report.schema.json); the same inputs
and configuration give byte-identical JSON apart from ``provenance.run``.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import importlib.metadata
import os
import platform
import socket
import subprocess
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import pysam
import pysam.version

from .. import __version__
from ..cn.genelevel import co_alterations
from ..config import Settings
from ..criteria import Arms
from ..decision import PatientDecision, SampleDecision
from ..evidence import file_sha256
from ..ihc import IHCTable
from ..model import GeneCopyNumber
from ..paths import reference_path, repo_root
from ..variants.transcript import HGVS_CONVENTION
from ..variants.transcript import TRANSCRIPT as TP53_TRANSCRIPT

SCHEMA_VERSION = "1.4.0"
# The genomic sequence the TP53 HGVS is computed on (reference.py, data/reference/README.md).
TP53_GENOMIC = "RefSeqGene NG_017013.2 (GRCh37 17:7563097-7595868, GRCh38 17:7659779-7692550)"
REFERENCE = {
    "genes": "resources/reference/genes.tsv (SpliceAI 1.3.1 GENCODE v24 canonical transcripts)",
    "tp53_transcript": "NM_000546.6 / ENST00000269305",
}


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The pipeline's git commit when it runs from a checkout (for the audit block)."""
    root = repo_root()
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _shallow(obj: Any) -> dict[str, Any]:  # noqa: ANN401 - any of the dataclasses below
    # One level, field by field: dataclasses.asdict deep-copies every nested value (slow at 10,000 reports).
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


@dataclass
class SampleSummary:
    sample_id: str
    build: str
    collection_date: str | None
    tumor_type: str | None
    sample_type: str | None  # tissue | plasma (cfDNA/ctDNA) | None: not stated
    purity: float | None  # what the copy numbers were read at: the sheet's, else the caller's own
    ploidy: float | None
    purity_source: str  # "sample sheet", "<caller> file <name>", "copy-number file <name>", "not stated (...)"
    ploidy_source: str
    caller_estimate: dict[str, Any] | None  # what the copy-number caller's own files say, QC status, notes
    assay: str | None
    used_for_decision: bool
    evaluable: bool
    status: str
    files: list[dict[str, Any]]
    sheet: str
    sheet_line: int | None
    mdm2: dict[str, Any]
    cdk4: dict[str, Any]
    tp53_status: str
    tp53_deciding: list[str]
    errors: list[dict[str, str]]

    @classmethod
    def of(cls, d: SampleDecision, used: bool) -> SampleSummary:
        ev, row = d.evidence, d.evidence.row

        def short(g: GeneCopyNumber) -> dict[str, Any]:
            return {"call": g.call, "amplified": g.amplified, "copy_number": g.copy_number}

        pp = ev.purity_ploidy
        caller = None
        if pp.caller is not None or pp.notes:
            caller = {
                "caller": pp.caller,
                "files": list(pp.caller_files),
                "purity": pp.caller_purity,
                "ploidy": pp.caller_ploidy,
                "qc_status": pp.qc_status,
                "notes": [r.to_dict() for r in pp.notes],
            }
        return cls(
            sample_id=row.sample_id,
            build=row.build,
            collection_date=row.collection_date.isoformat() if row.collection_date else None,
            tumor_type=row.tumor_type,
            sample_type=row.sample_type,
            purity=pp.purity,
            ploidy=pp.ploidy,
            purity_source=pp.purity_source,
            ploidy_source=pp.ploidy_source,
            caller_estimate=caller,
            assay=row.assay,
            used_for_decision=used,
            evaluable=d.evaluable,
            status=d.status,
            files=ev.files,
            sheet=str(row.sheet),
            sheet_line=row.line,
            mdm2=short(ev.genes["MDM2"]),
            cdk4=short(ev.genes["CDK4"]),
            tp53_status=ev.tp53.status,
            tp53_deciding=[v.hgvs_p or v.hgvs_c or f"{v.chrom}:{v.pos}{v.ref}>{v.alt}" for v in ev.tp53.deciding],
            errors=[r.to_dict() for r in ev.errors],
        )


@dataclass
class IHCSection:
    mdm2: dict[str, Any]
    p53: dict[str, Any]
    fish: dict[str, Any]
    rows: list[dict[str, Any]]
    problems: list[str]


@lru_cache(maxsize=1)
def software_versions() -> dict[str, str | None]:
    """Versions of what read the files and ran the screen (Python's is in ``run``: it is per host)."""

    def installed(name: str) -> str | None:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "mdm2screen": __version__,
        "pysam": pysam.__version__,
        "htslib": getattr(pysam.version, "__htslib_version__", None),
        "snakemake": installed("snakemake"),
    }


@lru_cache(maxsize=1)
def reference_data() -> dict[str, Any]:
    """Versions of the shipped reference data, read from the files themselves: the TP53 transcript the
    HGVS and consequences are computed on, where each build's gene coordinates come from, and the
    SHA-256 of every reference file (a changed file shows as a changed checksum)."""
    tp53: dict[str, str] = {}
    sources: dict[str, set[str]] = {}
    with open(reference_path("genes.tsv"), newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row.get("gene") == "TP53":
                tp53 = {k: row.get(k) or "" for k in ("mane_select_ensembl", "mane_status")}
            for key, value in row.items():
                if key and key.endswith("_source") and value:
                    sources.setdefault(key.removesuffix("_source").replace("grch", "GRCh"), set()).add(value)
    folder = reference_path("genes.tsv").parent
    files = [
        {"name": p.name, "sha256": file_sha256(p)}
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix != ".md" and "LICENSE" not in p.name.upper()  # data, not documentation
    ]
    return {
        "tp53_transcript": TP53_TRANSCRIPT,
        "hgvs_convention": HGVS_CONVENTION,
        "tp53_genomic": TP53_GENOMIC,
        "tp53_transcript_ensembl": tp53.get("mane_select_ensembl") or None,
        "tp53_transcript_status": tp53.get("mane_status") or None,
        "gene_coordinates": {build: "; ".join(sorted(values)) for build, values in sorted(sources.items())},
        "files": files,
    }


@dataclass
class Provenance:
    pipeline_version: str
    git_commit: str | None
    software: dict[str, str | None]
    config: dict[str, Any]
    config_sha256: str
    arms_file: str
    inputs: list[dict[str, Any]]
    genome_build: str
    reference: dict[str, str]
    run: dict[str, Any]  # run-time fields: the only ones that differ between identical runs
    # Tools the input files name in their headers (callers, VEP, SnpEff; PURPLE/FACETS/Sequenza files):
    # one entry per sample and file, as read (variants/headers.py, cn/caller_meta.py).
    inputs_software: list[dict[str, Any]]
    reference_data: dict[str, Any]


@dataclass
class PatientReport:
    schema_version: str
    patient_id: str
    status: str
    default_arm: str
    reasons: list[dict[str, str]]
    arms: list[dict[str, Any]]
    decision_sample: str
    mdm2: dict[str, Any]
    cdk4: dict[str, Any]
    genes: dict[str, dict[str, Any]]
    co_alterations: list[dict[str, Any]]
    tp53: dict[str, Any]
    ihc: IHCSection
    samples: list[SampleSummary]
    history: dict[str, Any]
    # Per sample over time (date, tissue/plasma, MDM2, TP53 with VAFs) and the MDM2-inhibitor start date.
    timeline: dict[str, Any]
    chr12_profile: dict[str, Any] | None
    provenance: Provenance

    def to_dict(self) -> dict[str, Any]:
        d = _shallow(self)
        d["ihc"] = _shallow(self.ihc)
        d["samples"] = [_shallow(s) for s in self.samples]
        d["provenance"] = _shallow(self.provenance)
        return d


@dataclass(frozen=True)
class ReportContext:
    """What every report of a run shares: configuration, arms, IHC table, the genes screened."""

    settings: Settings
    arms: Arms
    ihc: IHCTable
    config_sha256: str
    genes: list[str]


def _inputs(decision: PatientDecision, ctx: ReportContext) -> list[dict[str, Any]]:
    inputs = []
    seen = set()
    for d in decision.chronological:
        for f in d.evidence.files:
            key = (f["role"], f["path"], f["sample_id"])
            if key not in seen:
                seen.add(key)
                inputs.append(dict(f))
    if ctx.ihc.path is not None:
        inputs.append(
            {"role": "ihc", "path": str(ctx.ihc.path), "sha256": file_sha256(ctx.ihc.path), "format": "ihc_tsv",
             "sample_id": None}
        )  # fmt: skip
    for sheet in sorted({str(d.evidence.row.sheet) for d in decision.samples}):
        inputs.append(
            {"role": "sample_sheet", "path": sheet, "sha256": file_sha256(Path(sheet)), "format": "tsv",
             "sample_id": None}
        )  # fmt: skip
    inputs.append(
        {"role": "arms", "path": ctx.arms.source, "sha256": file_sha256(Path(ctx.arms.source)), "format": "yaml",
         "sample_id": None}
    )  # fmt: skip
    return inputs


def build_report(decision: PatientDecision, ctx: ReportContext) -> PatientReport:
    chosen = decision.chosen.evidence
    assert chosen.mdm2_ihc is not None and chosen.p53_ihc is not None and chosen.fish is not None
    pid = decision.patient_id
    return PatientReport(
        schema_version=SCHEMA_VERSION,
        patient_id=pid,
        status=decision.arm_results[0].status,
        default_arm=ctx.arms.default_arm,
        reasons=[r.to_dict() for r in decision.reasons],
        arms=[a.to_dict() for a in decision.arm_results],
        decision_sample=chosen.row.sample_id,
        mdm2=chosen.genes["MDM2"].to_dict(),
        cdk4=chosen.genes["CDK4"].to_dict(),
        genes={g: chosen.genes[g].to_dict() for g in ctx.genes if g not in ("MDM2", "CDK4")},
        co_alterations=co_alterations(chosen.genes),
        tp53=chosen.tp53.to_dict(),
        ihc=IHCSection(
            mdm2=chosen.mdm2_ihc.to_dict(),
            p53=chosen.p53_ihc.to_dict(),
            fish=chosen.fish.to_dict(),
            rows=[r.to_dict() for r in ctx.ihc.for_patient(pid)],
            problems=list(ctx.ihc.patient_problems.get(pid, [])),
        ),
        samples=[SampleSummary.of(d, d is decision.chosen) for d in decision.chronological],
        history={"events": decision.events},
        timeline=copy.deepcopy(decision.timeline),
        chr12_profile=chosen.chr12,
        provenance=Provenance(
            pipeline_version=__version__,
            git_commit=git_commit(),
            software=dict(software_versions()),
            config=ctx.settings.decision_relevant(),
            config_sha256=ctx.config_sha256,
            arms_file=ctx.arms.source,
            inputs=_inputs(decision, ctx),
            genome_build=chosen.row.build,
            reference=dict(REFERENCE),
            run={
                "run_time": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
                "host": socket.gethostname(),
                "python": platform.python_version(),
                "pid": os.getpid(),
            },
            inputs_software=[dict(entry) for d in decision.chronological for entry in d.evidence.software],
            reference_data=copy.deepcopy(reference_data()),  # the cached dict is never handed out
        ),
    )
