"""Evidence per sample: every file of one sample-sheet row read and interpreted, never decided.

For each sample: each screened gene's copy-number estimate (with its range over what is unknown),
TP53 (every variant with its evidence, whether TP53 was shown to be sequenced, TP53 copy number),
the patient's IHC/FISH resolved for the sample, and the files read with their checksums. Every
access to the sample's files, checksums included, is inside this module's error boundary: a bad
file becomes a reason and "not assessable" evidence, never an exception that leaves the batch.
Which thresholds and arms decide is the decision layer's business (``decision.py``).
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .cn import chromosome_profile, gene_copy_number, read_copy_number
from .config import Settings
from .errors import InputError
from .fileio import read_text_lines, sha256_file
from .ihc import IHCTable, MarkerCall, resolve_marker
from .model import (
    AmplificationRule,
    CopyNumberProfile,
    CoverageEvidence,
    GeneCopyNumber,
    Reason,
    TP53Evidence,
    VariantSource,
)
from .reference import gene_locus
from .sheet import GENE_PANEL_KEYWORDS, SampleRow
from .variants import TP53Settings, assess_coverage, assess_tp53, read_tp53_variants
from .variants.transcript import tp53_model

log = logging.getLogger(__name__)

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


@lru_cache(maxsize=256)
def read_gene_panel(path: str) -> frozenset[str]:
    """Genes of a cBioPortal gene panel file (``gene_list:`` line) or a one-gene-per-line list."""
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
    """What one sample's files show; no decision."""

    row: SampleRow
    genes: dict[str, GeneCopyNumber]
    tp53: TP53Evidence
    files: list[dict[str, Any]]
    errors: list[Reason] = field(default_factory=list)
    chr12: dict[str, Any] | None = None
    mdm2_ihc: MarkerCall | None = None
    p53_ihc: MarkerCall | None = None
    fish: MarkerCall | None = None


class EvidenceAssembler:
    """Reads and interprets each sample's files with one configuration."""

    def __init__(self, settings: Settings, ihc: IHCTable, *, arm_genes: Iterable[str] = ()) -> None:
        self.settings = settings
        self.ihc = ihc
        self.tp53_settings = TP53Settings.from_config(settings["tp53"])
        # Genes an arm names are evaluated even when copy_number.genes does not list them.
        self.genes = list(dict.fromkeys([*settings.genes(), *(g for g in arm_genes if g != "TP53")]))
        self.rules: dict[str, AmplificationRule] = {g: settings.amplification_rule(g) for g in [*self.genes, "TP53"]}
        self._tp53_coding: dict[str, tuple[tuple[int, int], ...]] = {}
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
        purity, ploidy = row.purity, row.ploidy
        source: str | None = "sample sheet"
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
            model = tp53_model(build)
            found = tuple(
                (e.cds_start, e.cds_end) for e in model.exons if e.cds_start is not None and e.cds_end is not None
            )
            self._tp53_coding[build] = found
        return found

    def _coverage(self, row: SampleRow, errors: list[Reason]) -> CoverageEvidence:
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
                if (
                    exc.code == "maf_sample_not_found"
                    and row.variants_profiled
                    and coverage.verified
                    and coverage.adequate
                ):
                    # A MAF lists only what was found: a sample its study says was profiled for mutations
                    # (sheet column variants_profiled, written by import-cbioportal from the _sequenced case
                    # list or the gene panel matrix), with TP53 in its panel and no MAF row, had no mutation
                    # called. Without that statement an absent barcode is a typo or a missing sample.
                    source = VariantSource(
                        str(row.vcf), "maf", row.tumor_sample or row.sample_id, [], 0, notes=[str(exc)]
                    )
                else:
                    code = (
                        exc.code
                        if exc.code.startswith(("vcf_", "maf_", "variants_", "build_", "input_"))
                        else "variants_unreadable"
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

    def assemble(self, row: SampleRow, patient_id: str) -> SampleEvidence:
        """Every file of one sample-sheet row read and interpreted; the patient's IHC/FISH resolved for it."""
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
        rows = self.ihc.for_patient(patient_id)
        scoring = self.settings["ihc_scoring"]
        return SampleEvidence(
            row=row,
            genes=genes,
            tp53=tp53,
            files=files,
            errors=errors,
            chr12=chr12,
            mdm2_ihc=resolve_marker(rows, "MDM2", row.sample_id, scoring),
            p53_ihc=resolve_marker(rows, "p53", row.sample_id, scoring),
            fish=resolve_marker(rows, "MDM2_FISH", row.sample_id, scoring),
        )


def _unexpected(path: Any, what: str, exc: BaseException) -> Reason:
    """A reader failed in a way it does not report itself: the patient is not assessable, the batch goes on."""
    log.error("%s %s could not be read", what, path, exc_info=exc)
    detail = str(exc)[:200]
    return Reason(
        "input_unexpected_error",
        f"{what} {path} could not be read ({type(exc).__name__}: {detail}); "
        "the patient is not assessable until it is fixed (see the batch log)",
    )
