"""Screening: evidence per sample -> decision per patient -> report dict.

This is the layer the Snakemake rules and the nightly command call. It never raises for a
bad per-sample file: the InputError becomes a reason and the evidence it would have given
becomes "not assessable", so one bad file never stops the cohort and never turns into a
finding.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import platform
import re
import socket
import stat
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .config import Settings
from .criteria import ArmResult, Arms, Evidence, evaluate_arm
from .errors import InputError
from .fileio import sha256_file
from .ihc import IHCTable, MarkerCall, resolve_marker
from .model import CopyNumberProfile, CoverageEvidence, GeneCopyNumber, Reason, TP53Evidence, VariantSource
from .paths import repo_root
from .reference import gene_locus
from .sheet import GENE_PANEL_KEYWORDS, SampleRow

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1.1.0"
CHR12_WINDOW = 8_000_000  # bases either side of CDK4..MDM2 shown in the report's plot


@lru_cache(maxsize=4096)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file, computed once per process for files shared by many samples.

    One stat per call: the sheet, IHC table and arms file are asked for once per patient, and
    resolving their full path each time cost more than hashing every data file.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    try:
        return _sha256_cached(os.path.abspath(path), st.st_size, st.st_mtime_ns)
    except (OSError, InputError):
        # Unreadable or gone since the stat: the reader of that file reports it for the patient.
        return None


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


@lru_cache(maxsize=256)
def read_gene_panel(path: str) -> frozenset[str]:
    """Genes of a cBioPortal gene panel file (``gene_list:`` line) or a one-gene-per-line list."""
    from .fileio import read_text_lines

    genes: set[str] = set()
    for line in read_text_lines(path):
        if line.lower().startswith("gene_list:"):
            # Same reading as the cBioPortal importer: symbols separated by tabs, spaces or commas.
            genes.update(g.upper() for g in re.split(r"[\s,]+", line.split(":", 1)[1]) if g)
        elif ":" not in line and line.strip() and not line.startswith("#"):
            genes.add(line.strip().split("\t")[0].upper())
    return frozenset(genes)


def unassessable_gene(gene: str, build: str, reason: Reason) -> GeneCopyNumber:
    locus = gene_locus(gene, build)
    return GeneCopyNumber(
        gene=gene,
        build=build,
        chrom=locus.chrom,
        start=locus.start,
        end=locus.end,
        call="not_assessable",
        amplified=None,
        copy_number=None,
        raw_value=None,
        raw_kind=None,
        method="none: no usable copy-number data",
        threshold={},
        covered_fraction=0.0,
        segments=[],
        reasons=[reason],
    )


@dataclass
class SampleEvidence:
    row: SampleRow
    genes: dict[str, GeneCopyNumber]
    tp53: TP53Evidence
    files: list[dict[str, Any]]
    errors: list[Reason] = field(default_factory=list)
    chr12: dict[str, Any] | None = None
    arm_results: list[ArmResult] = field(default_factory=list)
    mdm2_ihc: MarkerCall | None = None
    p53_ihc: MarkerCall | None = None
    fish: MarkerCall | None = None

    @property
    def evaluable(self) -> bool:
        """Usable for the decision: read without error and no molecular criterion unknown."""
        if self.errors:
            return False
        default = self.arm_results[0] if self.arm_results else None
        if default is None:
            return False
        return all(
            r.state != "unknown"
            for r in default.results
            if not r.criterion.confirmation and r.criterion.kind != "p53_ihc_concordant"
        )

    @property
    def status(self) -> str:
        return self.arm_results[0].status if self.arm_results else "INDETERMINATE"


class Screener:
    """Screens patients with one configuration; holds what is shared across patients."""

    def __init__(self, settings: Settings, arms: Arms, ihc: IHCTable) -> None:
        self.settings = settings
        self.arms = arms
        # Default arm first: the top-level status and sample evaluability use it.
        self.arm_order = sorted(arms.arms, key=lambda a: a.id != arms.default_arm)
        self.ihc = ihc
        from .variants import TP53Settings

        tp = settings["tp53"]
        self.tp53_settings = TP53Settings(
            min_vaf=tp["min_vaf"],
            accepted_filters=tuple(tp["accepted_filters"]),
            germline_filters=tuple(tp["germline_filters"]),
            deciding_consequences=tuple(tp["deciding_consequences"]),
            splice_site_bases=tp["splice_site_bases"],
            splice_region_bases=tp["splice_region_bases"],
            unknown_vaf_decides=tp["unknown_vaf_decides"],
            min_depth=tp["min_depth"],
            min_coverage_fraction=tp["min_coverage_fraction"],
            require_coverage=tp["require_coverage"],
        )
        arm_genes = [c.params["gene"] for arm in arms.arms for c in _walk(arm.criteria) if c.kind == "gene_amplified"]
        self.genes = list(dict.fromkeys([*settings.genes(), *(g for g in arm_genes if g != "TP53")]))
        cn = settings["copy_number"]
        self.rules = {
            g: dataclasses.replace(
                settings.amplification_rule(g),
                min_plausible_purity=float(cn["min_plausible_purity"]),
                plausible_ploidy=(float(cn["plausible_ploidy"][0]), float(cn["plausible_ploidy"][1])),
                unknown_ploidy=(float(cn["unknown_ploidy"][0]), float(cn["unknown_ploidy"][1])),
            )
            for g in [*self.genes, "TP53"]
        }
        self._tp53_coding: dict[str, tuple[tuple[int, int], ...]] = {}
        self.config_sha256 = settings.sha256(arms.text)
        self._chromosomes_by_build: dict[str, frozenset[str]] = {}

    def _gene_chromosomes(self, build: str) -> frozenset[str]:
        """Chromosomes of the screened genes and TP53 (the only ones a call can depend on)."""
        found = self._chromosomes_by_build.get(build)
        if found is None:
            found = frozenset(gene_locus(g, build).chrom for g in [*self.genes, "TP53"])
            self._chromosomes_by_build[build] = found
        return found

    # ------------------------------------------------------------------ per sample

    def _copy_number(self, row: SampleRow, errors: list[Reason], files: list[dict[str, Any]]):
        from .cn import chromosome_profile, gene_copy_number, read_copy_number

        genes: dict[str, GeneCopyNumber] = {}
        profile: CopyNumberProfile | None = None
        if row.cn_file is None:
            reason = Reason("cn_missing", f"sample {row.sample_id}: no copy-number file given in the sample sheet")
            errors.append(reason)
        else:
            try:
                profile = read_copy_number(
                    row.cn_file,
                    fmt=row.cn_format,
                    sample=row.cn_sample or None,
                    build=row.build,
                    keep_chromosomes=self._gene_chromosomes(row.build),
                    fallback_sample=row.sample_id,
                )
                files[-1]["format"] = profile.format
            except InputError as exc:
                reason = Reason(
                    exc.code if exc.code.startswith(("cn_", "build_", "input_")) else "cn_unreadable",
                    f"copy-number file unusable: {exc}",
                )
                errors.append(reason)
            except Exception as exc:  # noqa: BLE001 - one patient's file never stops the batch
                reason = _unexpected(row.cn_file, "copy-number file", exc)
                errors.append(reason)
        if profile is None:
            for gene in [*self.genes, "TP53"]:
                genes[gene] = unassessable_gene(gene, row.build, reason)
            return genes, None
        purity, ploidy, source = row.purity, row.ploidy, "sample sheet"
        if purity is None and profile.purity is not None:
            purity, source = profile.purity, "copy-number file"
        if ploidy is None and profile.ploidy is not None:
            ploidy = profile.ploidy
        if purity is None:
            source = None
        for gene in [*self.genes, "TP53"]:
            try:
                genes[gene] = gene_copy_number(
                    profile,
                    gene_locus(gene, row.build),
                    self.rules[gene],
                    purity=purity,
                    ploidy=ploidy,
                    purity_source=source,
                    coding=self._coding("TP53", row.build) if gene == "TP53" else None,
                )
            except InputError as exc:
                genes[gene] = unassessable_gene(
                    gene, row.build, Reason("cn_unreadable", f"copy-number file unusable: {exc}")
                )
        mdm2, cdk4 = gene_locus("MDM2", row.build), gene_locus("CDK4", row.build)
        lo, hi = min(mdm2.start, cdk4.start) - CHR12_WINDOW, max(mdm2.end, cdk4.end) + CHR12_WINDOW
        try:
            segments = chromosome_profile(profile, "12", purity=purity, ploidy=ploidy, start=max(1, lo), end=hi)
        except InputError:
            segments = []
        chr12 = {
            "build": row.build,
            "window": [max(1, lo), hi],
            "segments": segments,
            "genes": [
                {"gene": g, "start": gene_locus(g, row.build).start, "end": gene_locus(g, row.build).end}
                for g in ("CDK4", "MDM2")
                + tuple(x for x in self.genes if x not in ("MDM2", "CDK4") and gene_locus(x, row.build).chrom == "12")
            ],
            "threshold": self.rules["MDM2"].amplified_at if self.rules["MDM2"].mode == "absolute" else None,
        }
        return genes, chr12

    def _coding(self, gene: str, build: str) -> tuple[tuple[int, int], ...]:
        """TP53's coding intervals (a deletion counts only where measured over them)."""
        found = self._tp53_coding.get(build)
        if found is None:
            from .variants.transcript import tp53_model

            model = tp53_model(build)
            found = tuple(
                (e.cds_start, e.cds_end) for e in model.exons if e.cds_start is not None and e.cds_end is not None
            )
            self._tp53_coding[build] = found
        return found

    def _coverage(self, row: SampleRow, errors: list[Reason]) -> CoverageEvidence:
        from .variants import assess_coverage

        targets = None
        if row.assay:
            mapped = self.settings["assays"].get(row.assay)
            targets = str(mapped) if mapped else None
        panel: set[str] | None = None
        try:
            if row.gene_panel in GENE_PANEL_KEYWORDS:
                panel = {"TP53"}
            elif row.gene_panel:
                panel = set(read_gene_panel(row.gene_panel))
            return assess_coverage(
                build=row.build,
                bam=str(row.bam) if row.bam else None,
                coverage=str(row.coverage) if row.coverage else None,
                assay_targets=targets,
                panel_genes=panel,
                settings=self.tp53_settings,
                reference=self.settings["reference_fasta"].get(row.build),
            )
        except InputError as exc:
            errors.append(Reason("coverage_unreadable", f"coverage evidence unusable: {exc}"))
            return CoverageEvidence(verified=True, adequate=False, method="error", detail=str(exc))
        except Exception as exc:  # noqa: BLE001 - one patient's file never stops the batch
            reason = _unexpected(row.bam or row.coverage or row.gene_panel, "coverage evidence", exc)
            errors.append(reason)
            return CoverageEvidence(verified=True, adequate=False, method="error", detail=reason.message)

    def _tp53(
        self, row: SampleRow, cn: GeneCopyNumber, errors: list[Reason], files: list[dict[str, Any]]
    ) -> TP53Evidence:
        from .variants import assess_tp53, read_tp53_variants

        coverage = self._coverage(row, errors)
        source = None
        failure: Reason | None = None
        if row.vcf is None:
            failure = Reason("variants_missing", f"sample {row.sample_id}: no VCF or MAF given in the sample sheet")
        else:
            try:
                source = read_tp53_variants(
                    row.vcf,
                    build=row.build,
                    tumor_sample=row.tumor_sample,
                    sample_id=row.sample_id,
                    settings=self.tp53_settings,
                )
                for f in files:
                    if f["role"] == "vcf":
                        f["format"] = source.format
            except InputError as exc:
                if exc.code == "maf_sample_not_found" and row.variants_profiled and coverage.verified and coverage.adequate:
                    # A MAF lists only what was found: a sample its study says was profiled for mutations
                    # (sheet column variants_profiled, written by import-cbioportal from the _sequenced case
                    # list or the gene panel matrix), with TP53 in its panel and no MAF row, had no mutation
                    # called. Without that statement an absent barcode is a typo or a missing sample.
                    source = VariantSource(
                        str(row.vcf), "maf", row.tumor_sample or row.sample_id, [], 0, notes=[str(exc)]
                    )
                else:
                    code = (
                        exc.code if exc.code.startswith(("vcf_", "maf_", "variants_", "build_", "input_")) else "variants_unreadable"
                    )
                    failure = Reason(code, f"variant file unusable: {exc}")
            except Exception as exc:  # noqa: BLE001 - one patient's file never stops the batch
                failure = _unexpected(row.vcf, "variant file", exc)
        evidence = assess_tp53(source, coverage, cn=cn, settings=self.tp53_settings, build=row.build)
        if row.assay and row.assay not in self.settings["assays"]:
            evidence.reasons.append(
                Reason(
                    "assay_targets_unknown",
                    f"assay {row.assay!r} has no target BED under `assays:` in the configuration, so its coverage of TP53 was not checked",
                )
            )
        self._tp53_copy_number(evidence, cn)
        if failure is not None:
            errors.append(failure)
            if evidence.status != "mutated":
                evidence.status = "not_assessable"
            evidence.reasons = [failure, *(r for r in evidence.reasons if r.code != "variants_missing")]
        elif (
            source is not None
            and source.format == "maf"
            and source.records_on_tp53_chrom == 0
            and source.notes
            and not source.notes[0].startswith("sequenced, no rows: ")
        ):
            evidence.reasons.append(
                Reason(
                    "maf_no_rows_sequenced",
                    f"no MAF row for {source.sample}; TP53 was sequenced ({coverage.detail}), so no TP53 mutation was called",
                )
            )
        return evidence

    @staticmethod
    def _tp53_copy_number(evidence: TP53Evidence, cn: GeneCopyNumber) -> None:
        """A loss that would be homozygous at some plausible purity leaves TP53 unknown, never wild type."""
        deletion = cn.deletion or {}
        if deletion.get("state") == "possible" and evidence.status == "wild_type":
            evidence.status = "not_assessable"
            message = next((r.message for r in cn.reasons if r.code == "possible_homozygous_deletion"), "")
            evidence.reasons.insert(0, Reason("tp53_possible_homozygous_deletion", message))
        elif deletion.get("state") == "outside_coding":
            message = next((r.message for r in cn.reasons if r.code == "deletion_outside_coding"), "")
            evidence.reasons.append(Reason("tp53_deletion_outside_coding", message))

    def evaluate_sample(self, row: SampleRow) -> SampleEvidence:
        errors: list[Reason] = []
        files: list[dict[str, Any]] = []
        for role, path in row.files():
            files.append(
                {
                    "role": role,
                    "path": str(path),
                    "sha256": file_sha256(path),
                    "format": row.cn_format if role == "cn_file" else None,
                    "sample_id": row.sample_id,
                }
            )
        # _copy_number fills the detected format into the cn_file entry: keep it last when present.
        files.sort(key=lambda f: f["role"] == "cn_file")
        genes, chr12 = self._copy_number(row, errors, files)
        tp53 = self._tp53(row, genes["TP53"], errors, files)
        tp53.copy_number = genes["TP53"]
        return SampleEvidence(row=row, genes=genes, tp53=tp53, files=files, errors=errors, chr12=chr12)

    def _decide(self, ev: SampleEvidence, patient_id: str) -> None:
        rows = self.ihc.for_patient(patient_id)
        scoring = self.settings["ihc_scoring"]
        ev.mdm2_ihc = resolve_marker(rows, "MDM2", ev.row.sample_id, scoring)
        ev.p53_ihc = resolve_marker(rows, "p53", ev.row.sample_id, scoring)
        ev.fish = resolve_marker(rows, "MDM2_FISH", ev.row.sample_id, scoring)
        evidence = Evidence(
            genes=ev.genes,
            tp53=ev.tp53,
            mdm2_ihc=ev.mdm2_ihc,
            p53_ihc=ev.p53_ihc,
            fish=ev.fish,
            tumor_type=ev.row.tumor_type,
            purity=ev.row.purity if ev.row.purity is not None else ev.genes["MDM2"].purity,
            policy=self.settings["policy"],
            rules=self.rules,
        )
        ev.arm_results = [evaluate_arm(arm, evidence) for arm in self.arm_order]

    # ------------------------------------------------------------------ per patient

    def screen_patient(self, patient_id: str, rows: list[SampleRow]) -> dict[str, Any]:
        evidence = [self.evaluate_sample(r) for r in rows]
        for ev in evidence:
            self._decide(ev, patient_id)
        # Most recent first; undated samples after dated ones, in sheet order.
        order = sorted(
            range(len(evidence)),
            key=lambda i: (
                evidence[i].row.collection_date is None,
                -(evidence[i].row.collection_date or dt.date.min).toordinal(),
                i,
            ),
        )
        chronological = sorted(
            evidence, key=lambda e: (e.row.collection_date is None, e.row.collection_date or dt.date.min)
        )
        evaluable = [evidence[i] for i in order if evidence[i].evaluable]
        latest = evidence[order[0]]
        chosen = evaluable[0] if evaluable else latest
        extra: list[Reason] = []
        arm_results = chosen.arm_results
        if len(evidence) > 1 and any(e.row.collection_date is None for e in evidence):
            extra.append(
                Reason(
                    "sample_order_unknown",
                    "several samples without a collection_date: their order in time is unknown, sheet order was used",
                )
            )
        if chosen is not latest:
            note = Reason(
                "newer_sample_not_evaluable",
                f"the most recent sample {latest.row.sample_id} could not be evaluated "
                f"({'; '.join(r.message for r in (latest.errors or latest.arm_results[0].reasons[:1]))}); "
                f"decision based on earlier sample {chosen.row.sample_id}",
            )
            extra.append(note)
            if self.settings["policy"]["newer_sample_unevaluable"] == "INDETERMINATE":
                arm_results = [self._downgrade(a, note) for a in arm_results]
        events = history_events(chronological)
        default = arm_results[0]
        reasons = [*default.reasons, *extra]
        for e in events:
            reasons.append(Reason(e["code"], e["message"]))
        return self._report(patient_id, evidence, chronological, chosen, arm_results, reasons, events)

    @staticmethod
    def _downgrade(arm: ArmResult, note: Reason) -> ArmResult:
        if arm.status in ("ELIGIBLE", "PENDING_CONFIRMATION"):
            return _NotedArm(arm.arm, "INDETERMINATE", arm.results, note)
        return arm

    def _report(self, patient_id, evidence, chronological, chosen, arm_results, reasons, events) -> dict[str, Any]:
        inputs = []
        seen = set()
        for ev in chronological:
            for f in ev.files:
                key = (f["role"], f["path"], f["sample_id"])
                if key not in seen:
                    seen.add(key)
                    inputs.append(dict(f))
        if self.ihc.path is not None:
            inputs.append(
                {
                    "role": "ihc",
                    "path": str(self.ihc.path),
                    "sha256": file_sha256(self.ihc.path),
                    "format": "ihc_tsv",
                    "sample_id": None,
                }
            )
        sheets = sorted({str(e.row.sheet) for e in evidence})
        for sheet in sheets:
            inputs.append(
                {
                    "role": "sample_sheet",
                    "path": sheet,
                    "sha256": file_sha256(Path(sheet)),
                    "format": "tsv",
                    "sample_id": None,
                }
            )
        inputs.append(
            {
                "role": "arms",
                "path": self.arms.source,
                "sha256": file_sha256(Path(self.arms.source)),
                "format": "yaml",
                "sample_id": None,
            }
        )
        genes_other = {g: chosen.genes[g].to_dict() for g in self.genes if g not in ("MDM2", "CDK4")}
        ihc_rows = [r.to_dict() for r in self.ihc.for_patient(patient_id)]
        report = {
            "schema_version": SCHEMA_VERSION,
            "patient_id": patient_id,
            "status": arm_results[0].status,
            "default_arm": self.arms.default_arm,
            "reasons": [r.to_dict() for r in _dedupe(reasons)],
            "arms": [a.to_dict() for a in arm_results],
            "decision_sample": chosen.row.sample_id,
            "mdm2": chosen.genes["MDM2"].to_dict(),
            "cdk4": chosen.genes["CDK4"].to_dict(),
            "genes": genes_other,
            "tp53": chosen.tp53.to_dict(),
            "ihc": {
                "mdm2": chosen.mdm2_ihc.to_dict(),
                "p53": chosen.p53_ihc.to_dict(),
                "fish": chosen.fish.to_dict(),
                "rows": ihc_rows,
                "problems": list(self.ihc.patient_problems.get(patient_id, [])),
            },
            "samples": [self._sample_dict(e, e is chosen) for e in chronological],
            "history": {"events": events},
            "chr12_profile": chosen.chr12,
            "provenance": {
                "pipeline_version": __version__,
                "git_commit": git_commit(),
                "config": self.settings.decision_relevant(),
                "config_sha256": self.config_sha256,
                "arms_file": self.arms.source,
                "inputs": inputs,
                "genome_build": chosen.row.build,
                "reference": {
                    "genes": "resources/reference/genes.tsv (SpliceAI 1.3.1 GENCODE v24 canonical transcripts)",
                    "tp53_transcript": "NM_000546.6 / ENST00000269305",
                },
                "run": {
                    "run_time": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
                    "host": socket.gethostname(),
                    "python": platform.python_version(),
                    "pid": os.getpid(),
                },
            },
        }
        return report

    @staticmethod
    def _sample_dict(ev: SampleEvidence, used: bool) -> dict[str, Any]:
        def short(g: GeneCopyNumber) -> dict[str, Any]:
            return {"call": g.call, "amplified": g.amplified, "copy_number": g.copy_number}

        return {
            "sample_id": ev.row.sample_id,
            "build": ev.row.build,
            "collection_date": ev.row.collection_date.isoformat() if ev.row.collection_date else None,
            "tumor_type": ev.row.tumor_type,
            "purity": ev.row.purity,
            "ploidy": ev.row.ploidy,
            "assay": ev.row.assay,
            "used_for_decision": used,
            "evaluable": ev.evaluable,
            "status": ev.status,
            "files": ev.files,
            "sheet": str(ev.row.sheet),
            "sheet_line": ev.row.line,
            "mdm2": short(ev.genes["MDM2"]),
            "cdk4": short(ev.genes["CDK4"]),
            "tp53_status": ev.tp53.status,
            "tp53_deciding": [v.hgvs_p or v.hgvs_c or f"{v.chrom}:{v.pos}{v.ref}>{v.alt}" for v in ev.tp53.deciding],
            "errors": [r.to_dict() for r in ev.errors],
        }


def _walk(criteria):  # noqa: ANN001, ANN202 - criteria and their any_of children, depth first
    for c in criteria:
        yield c
        yield from _walk(c.children)


def _unexpected(path: Any, what: str, exc: BaseException) -> Reason:
    """A reader failed in a way it does not report itself: the patient is not assessable, the batch goes on."""
    log.error("%s %s could not be read", what, path, exc_info=exc)
    detail = str(exc)[:200]
    return Reason("input_unexpected_error", f"{what} {path} could not be read ({type(exc).__name__}: {detail}); "
                  "the patient is not assessable until it is fixed (see the batch log)")


class _NotedArm(ArmResult):
    """An arm result downgraded by a patient-level note (newer sample not evaluable)."""

    def __init__(self, arm, status, results, note: Reason) -> None:
        super().__init__(arm, status, results)
        self.note = note

    @property
    def reasons(self) -> list[Reason]:
        return [self.note, *super().reasons]


def _dedupe(reasons: list[Reason]) -> list[Reason]:
    seen = set()
    out = []
    for r in reasons:
        if (r.code, r.message) not in seen:
            seen.add((r.code, r.message))
            out.append(r)
    return out


def _vaf_text(vaf: float | None) -> str:
    return "unknown" if vaf is None else f"{vaf:.1%}"


def history_events(chronological: list[SampleEvidence]) -> list[dict[str, Any]]:
    """Changes between consecutive samples: acquired TP53 mutations, MDM2 amplification lost."""
    events: list[dict[str, Any]] = []
    for earlier, later in zip(chronological, chronological[1:], strict=False):
        if earlier.tp53.status == "wild_type":
            before = {v.key(): v for v in earlier.tp53.variants}
            for v in later.tp53.deciding:
                old = before.get(v.key())
                if old is not None and old.decides:
                    continue
                label = v.hgvs_p or v.hgvs_c or f"{v.chrom}:{v.pos}{v.ref}>{v.alt}"
                old_vaf = f"VAF {_vaf_text(old.vaf)} ({old.category.replace('_', ' ')})" if old else "not detected"
                events.append(
                    {
                        "code": "acquired_tp53_mutation",
                        "message": (
                            f"acquired TP53 mutation {label}: not present in {earlier.row.sample_id} "
                            f"({old_vaf}), VAF {_vaf_text(v.vaf)} in {later.row.sample_id}. Acquired TP53 mutations "
                            "are the known resistance mechanism to MDM2 inhibitors"
                        ),
                        "variant": label,
                        "earlier_sample": earlier.row.sample_id,
                        "later_sample": later.row.sample_id,
                        "earlier_vaf": old.vaf if old else 0.0,
                        "later_vaf": v.vaf,
                    }
                )
        a, b = earlier.genes["MDM2"], later.genes["MDM2"]
        if a.amplified is True and b.amplified is False:
            events.append(
                {
                    "code": "mdm2_amplification_lost",
                    "message": f"MDM2 amplification lost: {a.copy_number:.1f} copies in {earlier.row.sample_id}, {b.copy_number:.1f} in {later.row.sample_id}",
                    "earlier_sample": earlier.row.sample_id,
                    "later_sample": later.row.sample_id,
                    "earlier_copy_number": a.copy_number,
                    "later_copy_number": b.copy_number,
                }
            )
    return events
