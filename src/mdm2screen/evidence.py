"""Evidence per sample: every file of one sample-sheet row read and interpreted, never decided.

For each sample: each screened gene's copy-number estimate (with its range over what is unknown),
TP53 (every variant with its evidence, whether TP53 was shown to be sequenced, TP53 copy number),
the patient's IHC/FISH resolved for the sample, the files read with their checksums, and the
tool versions the input files name (for the audit). Purity and ploidy: the sample sheet's when
it states them, else the copy-number caller's own (the copy-number file itself, or the files the
caller writes beside it: ``cn/caller_meta.py``), else not stated (copy number as a range); each
with its source, and a caller QC failure (PURPLE FAIL_*/NO_TUMOR) as an error of the sample. Every
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
from .cn.caller_meta import (
    CallerPurity,
    Kind,
    StatedValue,
    agreed,
    cn_file_software,
    find_caller_purity,
    same_value,
    stated_in_file,
)
from .cn.genelevel import FocalRule
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
    Segment,
    TP53Evidence,
    VariantSource,
)
from .reference import gene_locus
from .sheet import GENE_PANEL_KEYWORDS, SampleRow
from .variants import TP53Settings, assess_coverage, assess_tp53, read_tp53_variants
from .variants.calls import maf_normal_support, read_vcf_column, vcf_sample_columns
from .variants.headers import FileSoftware, variant_file_software
from .variants.maf import matched_normals
from .variants.sv import read_structural_variants, sv_region
from .variants.sv_evidence import StructuralEvidence, judge_structural_variants
from .variants.tp53 import NormalSupport, OriginPolicy, TP53Context, VariantKey, match_benign
from .variants.transcript import tp53_model

log = logging.getLogger(__name__)

CHR12_WINDOW = 8_000_000  # bases either side of CDK4..MDM2 shown in the report's plot


@lru_cache(maxsize=4096)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    return _KNOWN_SHA256.get((path, size, mtime_ns)) or sha256_file(path)


# Checksums computed elsewhere for a file in this state (a shared-file extract's header): a batch
# job need not hash a cohort MAF of hundreds of megabytes again for its reports' audit block.
_KNOWN_SHA256: dict[tuple[str, int, int], str] = {}


def remember_sha256(path: str | os.PathLike[str], size: int, mtime_ns: int, digest: str) -> None:
    """Record the SHA-256 of ``path`` while it has this size and modification time."""
    _KNOWN_SHA256[(os.path.abspath(path), size, mtime_ns)] = digest


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


PURITY_NOT_STATED = "not stated (range over plausible purity)"


@dataclass
class PurityPloidy:
    """The purity and ploidy a sample's copy numbers are read at, where each came from, and what the
    copy-number caller's own files say (also when the sample sheet overrides them)."""

    purity: float | None = None
    ploidy: float | None = None
    purity_source: str = PURITY_NOT_STATED
    ploidy_source: str = "not stated"
    caller: str | None = None  # whose files beside the copy numbers were read (PURPLE, Sequenza, ...)
    caller_files: list[str] = field(default_factory=list)
    caller_purity: float | None = None  # what the caller's files agree on, used or not
    caller_ploidy: float | None = None
    qc_status: str | None = None  # the caller's own QC status, as written (PURPLE QCStatus / fit method)
    notes: list[Reason] = field(default_factory=list)  # values refused, disagreements, QC warnings


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
    purity_ploidy: PurityPloidy = field(default_factory=PurityPloidy)
    # Tool versions the input files name (variants/headers.py, cn/caller_meta.py): for the audit only.
    software: list[dict[str, Any]] = field(default_factory=list)


class EvidenceAssembler:
    """Reads and interprets each sample's files with one configuration."""

    def __init__(self, settings: Settings, ihc: IHCTable, *, arm_genes: Iterable[str] = ()) -> None:
        self.settings = settings
        self.ihc = ihc
        self.tp53_settings = TP53Settings.from_config(settings["tp53"])
        self.origin_policy = OriginPolicy.from_config(settings["policy"])
        self.sv_flank = int(settings["structural_variants"]["flank"])
        self.loh_max_minor_cn = float(settings["copy_number"]["loh_max_minor_cn"])
        # Genes an arm names are evaluated even when copy_number.genes does not list them.
        self.genes = list(dict.fromkeys([*settings.genes(), *(g for g in arm_genes if g != "TP53")]))
        self.rules: dict[str, AmplificationRule] = {g: settings.amplification_rule(g) for g in [*self.genes, "TP53"]}
        self.focal = FocalRule.from_config(settings["copy_number"]["focal"])
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

    def _copy_number(
        self, row: SampleRow, errors: list[Reason], files: list[dict[str, Any]], software: list[dict[str, Any]]
    ) -> tuple[dict[str, GeneCopyNumber], dict[str, Any] | None, PurityPloidy, list[Segment] | None]:
        """Each gene's copy number, the chromosome 12 plot data, the purity and ploidy used, and the
        segments on TP53's chromosome (allele-specific copy numbers for LOH; None: no usable file)."""
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
            return genes, None, self._sheet_only(row), None
        assert row.cn_file is not None  # a profile was read from it
        chosen = self._purity_ploidy(row, profile, errors, files, software)
        qc_failure = next((r for r in errors if r.code == "caller_qc_failed"), None)
        if qc_failure is not None:
            # The caller's own QC says its copy numbers are no evidence (no tumour found, contamination):
            # none of them makes a call, amplified or not.
            for gene in [*self.genes, "TP53"]:
                genes[gene] = unassessable_gene(gene, row.build, qc_failure)
            return genes, None, chosen, None
        purity, ploidy = chosen.purity, chosen.ploidy
        source = chosen.purity_source if purity is not None else None
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
                    focal=None if gene == "TP53" else self.focal,
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
        tp53_chrom = gene_locus("TP53", row.build).chrom
        return genes, chr12, chosen, [seg for seg in profile.segments if seg.chrom == tp53_chrom]

    def _ploidy_not_stated(self) -> str:
        lo, hi = self.rules["MDM2"].unknown_ploidy
        span = f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"
        return f"not stated (copy_number.unknown_ploidy {span} considered)"

    def _sheet_only(self, row: SampleRow) -> PurityPloidy:
        return PurityPloidy(
            purity=row.purity,
            ploidy=row.ploidy,
            purity_source="sample sheet" if row.purity is not None else PURITY_NOT_STATED,
            ploidy_source="sample sheet" if row.ploidy is not None else self._ploidy_not_stated(),
        )

    def _purity_ploidy(
        self,
        row: SampleRow,
        profile: CopyNumberProfile,
        errors: list[Reason],
        files: list[dict[str, Any]],
        software: list[dict[str, Any]],
    ) -> PurityPloidy:
        """Sample sheet first; else what the caller states (the copy-number file itself and the files it
        writes beside it must agree); else not stated. A caller QC failure is an error of the sample."""
        assert row.cn_file is not None
        chosen = self._sheet_only(row)
        caller: CallerPurity | None = None
        try:
            caller = find_caller_purity(
                row.cn_file, profile.format, min_plausible_purity=self.settings.min_plausible_purity()
            )
        except Exception as exc:  # noqa: BLE001 - a sidecar never stops the sample, let alone the batch
            log.error("files beside %s could not be read", row.cn_file, exc_info=exc)
            chosen.notes.append(
                Reason(
                    "caller_file_unreadable",
                    f"the copy-number caller's files beside {row.cn_file} could not be read "
                    f"({type(exc).__name__}: {str(exc)[:200]}); their purity and ploidy are not used",
                )
            )
        if caller is not None:
            chosen.caller, chosen.caller_files, chosen.qc_status = caller.caller, list(caller.files), caller.qc_status
            for path in caller.files:
                files.append(
                    {"role": "cn_caller_file", "path": path, "sha256": file_sha256(Path(path)),
                     "format": f"{caller.caller.lower()}_sidecar", "sample_id": row.sample_id}
                )  # fmt: skip
            for r in caller.problems:
                (errors if r.code == "caller_qc_failed" else chosen.notes).append(r)
            if caller.software is not None and (caller.software.tools or caller.software.notes):
                software.append(_software_entry("cn_caller_file", row, caller.software))
        name = Path(row.cn_file).name
        kinds: tuple[Kind, Kind] = ("purity", "ploidy")
        found: dict[Kind, tuple[StatedValue | None, StatedValue | None, Reason | None]] = {}
        for kind in kinds:
            own = stated_in_file(kind, getattr(profile, kind), row.cn_file)
            statements = ([own] if own else []) + (caller.stated(kind) if caller else [])
            found[kind] = (own, *agreed(statements))
        # Files that disagree on one value come from more than one run: neither value from them is trusted.
        mixed = any(conflict is not None for _, _, conflict in found.values())
        for kind in kinds:
            own, agreed_value, conflict = found[kind]
            if caller is not None and caller.qc_failed:
                agreed_value = None  # the caller's QC failed: its values are not evidence (errors say why)
            if conflict is not None:
                chosen.notes.append(conflict)
            elif mixed and agreed_value is not None:
                chosen.notes.append(
                    Reason(
                        f"caller_{kind}_not_used",
                        f"the copy-number caller's {kind} {agreed_value.describe()} is not used either: its files "
                        "disagree on another value, so they may come from more than one run",
                    )
                )
                agreed_value = None
            if agreed_value is not None:
                setattr(chosen, f"caller_{kind}", agreed_value.value)
            sheet = getattr(row, kind)
            if sheet is not None:
                if agreed_value is not None and not same_value(_sheet_value(kind, sheet), agreed_value):
                    chosen.notes.append(
                        Reason(
                            f"{kind}_sheet_overrides_caller",
                            f"the sample sheet's {kind} {sheet:g} is used; the copy-number caller states "
                            f"{agreed_value.describe()}",
                        )
                    )
                continue
            if agreed_value is None:
                continue
            setattr(chosen, kind, agreed_value.value)
            where = Path(agreed_value.file).name
            setattr(
                chosen,
                f"{kind}_source",
                f"copy-number file {name}"
                if agreed_value is own
                else f"{caller.caller if caller else 'caller'} file {where}",
            )
        return chosen

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
        self,
        row: SampleRow,
        cn: GeneCopyNumber,
        errors: list[Reason],
        files: list[dict[str, Any]],
        purity_ploidy: PurityPloidy,
        segments: list[Segment] | None,
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
        context = self._tp53_context(row, cn, source, errors, files, purity_ploidy, segments)
        evidence = assess_tp53(source, coverage, cn=cn, settings=self.tp53_settings, build=row.build, context=context)
        if context.normal_sample is not None and context.normal is None:
            evidence.reasons.append(Reason("tp53_normal_not_read", context.normal_detail))
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

    def _tp53_context(
        self,
        row: SampleRow,
        cn: GeneCopyNumber,
        source: VariantSource | None,
        errors: list[Reason],
        files: list[dict[str, Any]],
        purity_ploidy: PurityPloidy,
        segments: list[Segment] | None,
    ) -> TP53Context:
        """What the TP53 assessment weighs beyond the variant file: the SV VCF, allele-specific copy number,
        the matched normal (or why there is none), the sample type, purity, and the origin policies."""
        model = tp53_model(row.build)
        coding = self._coding("TP53", row.build)
        context = TP53Context(
            policy=self.origin_policy,
            loh_max_minor_cn=self.loh_max_minor_cn,
            sample_type=row.sample_type,
            normal_named=row.normal_sample is not None,
            purity=purity_ploidy.purity,
            # The TP53 copy number at a stated purity: with purity unknown it is a range, no expectation.
            tp53_copy_number=(
                cn.copy_number if purity_ploidy.purity is not None and cn.call != "not_assessable" else None
            ),
            segments=segments,
            coding=(model.chrom, min(a for a, _ in coding), max(b for _, b in coding)) if coding else None,
        )
        if row.sv_vcf is not None:
            context.structural, context.structural_failure = self._structural_variants(row, files)
            if context.structural_failure is not None:
                errors.append(context.structural_failure)
        if source is not None:
            self._matched_normal(row, source, context)
        return context

    def _structural_variants(
        self, row: SampleRow, files: list[dict[str, Any]]
    ) -> tuple[StructuralEvidence | None, Reason | None]:
        """The sample's SV VCF read around TP53 and judged; a file that cannot be read is a reason."""
        assert row.sv_vcf is not None
        region = sv_region(row.build, self.sv_flank)
        try:
            source = read_structural_variants(
                row.sv_vcf,
                build=row.build,
                region=region,
                tumor_sample=row.tumor_sample,
                normal_sample=row.normal_sample,
            )
        except InputError as exc:
            code = exc.code if exc.code.startswith(("vcf_", "build_", "input_")) else "sv_unreadable"
            return None, Reason(code, f"structural-variant file unusable: {exc}; TP53 cannot be called wild type")
        except Exception as exc:  # noqa: BLE001 - one patient's file never stops the batch
            return None, _unexpected(row.sv_vcf, "structural-variant file", exc)
        for f in files:
            if f["role"] == "sv_vcf":
                f["format"] = "sv_vcf"
        judged = judge_structural_variants(
            source, tp53_model(row.build), region=region, flank=self.sv_flank, settings=self.tp53_settings
        )
        return judged, None

    def _matched_normal(self, row: SampleRow, source: VariantSource, context: TP53Context) -> None:
        """Find the matched normal's column and read it, or say why germline origin rests on the tumour alone
        (tumour-only) or on the caller's own filters (a caller that had a normal this file does not name)."""
        if source.format != "vcf":
            normals = matched_normals(source.path, source.sample) if source.sample else None
            support: dict[VariantKey, NormalSupport] = {}
            if normals:
                try:
                    support = maf_normal_support(source)
                except InputError as exc:  # a bad count: the normal is not used, and the note says why
                    context.normal_detail = f"the MAF's normal read counts could not be read: {exc}"
                    return
            if row.normal_sample:
                context.normal_detail = (
                    f"the sample sheet names the matched normal {row.normal_sample!r}, but a MAF's normal columns "
                    "are not read: germline origin rests on the caller's germline filters"
                )
            elif normals == set() and self._needs_origin_check(source, row.build):
                # The MAF's own column says these calls had no matched normal: judge the tumour VAF.
                context.tumour_only = True
                context.tumour_only_detail = (
                    "tumour-only: the MAF's Matched_Norm_Sample_Barcode is empty on this sample's TP53 rows and the "
                    "sample sheet names no normal_sample"
                )
            elif normals and support:
                context.normal = support
                context.normal_sample = ", ".join(sorted(normals))
                context.normal_detail = (
                    f"the MAF's normal read counts (n_alt_count, n_ref_count, n_depth) of {context.normal_sample}"
                )
            elif normals:
                context.normal_detail = (
                    f"the MAF's calls had the matched normal {', '.join(sorted(normals))}, but its rows give no normal "
                    "read counts: germline origin rests on the caller's germline filters"
                )
            else:
                context.normal_detail = (
                    "a MAF without a Matched_Norm_Sample_Barcode column: whether its caller had a matched normal is "
                    "not known; germline origin rests on the caller's germline filters"
                )
            return
        column, how = row.normal_sample, "the sample sheet's normal_sample"
        if column is None:
            if not self._needs_origin_check(source, row.build):
                context.tumour_only_detail = "no TP53 variant whose VAF could point to germline origin"
                return
            found = vcf_sample_columns(source.path)
            if found is None:
                context.tumour_only_detail = "the VCF's sample columns could not be read"
                return
            columns, declared = found
            others = [c for c in columns if c != source.sample]
            if not others:
                context.tumour_only = True
                context.tumour_only_detail = (
                    f"tumour-only: the VCF has {'no sample column' if not columns else f'one sample column ({columns[0]})'}"
                    " and the sample sheet names no normal_sample"
                )
                return
            if declared in others:
                column, how = declared, "the VCF's ##normal_sample header line"
            elif source.sample == "TUMOR" and "NORMAL" in others:
                column, how = "NORMAL", "Strelka2's NORMAL column"
            else:
                context.tumour_only_detail = (
                    f"the VCF has other sample columns ({', '.join(others)}), so its caller probably had a matched "
                    "normal; name it in the sample sheet's normal_sample to check TP53 variants against it"
                )
                return
        context.normal_sample = column
        try:
            context.normal = read_vcf_column(source.path, build=row.build, sample=column, settings=self.tp53_settings)
            context.normal_detail = f"column {column} ({how})"
        except InputError as exc:
            detail = (
                f"the matched normal {column!r} ({how}) is not a sample column of the VCF"
                if exc.code == "vcf_sample_not_found"
                else f"the matched normal {column!r} ({how}) could not be read: {exc}"
            )
            context.normal_detail = f"{detail}; TP53 variants are judged as in a tumour-only sample"
            context.tumour_only, context.tumour_only_detail = True, context.normal_detail

    def _needs_origin_check(self, source: VariantSource, build: str) -> bool:
        """Whether any TP53 record could be flagged (a deciding kind of change, not a benign polymorphism):
        the VCF's sample columns are read only then."""
        canon = tp53_model(build).build
        deciding = self.tp53_settings.deciding_consequences
        return any(call.consequence in deciding and match_benign(call, canon) is None for call in source.variants)

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
        software: list[dict[str, Any]] = []
        genes, chr12, purity_ploidy, tp53_segments = self._copy_number(row, errors, files, software)
        tp53 = self._tp53(row, genes["TP53"], errors, files, purity_ploidy, tp53_segments)
        tp53.copy_number = genes["TP53"]
        software[:0] = self._input_software(row, files)
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
            purity_ploidy=purity_ploidy,
            software=software,
        )

    @staticmethod
    def _input_software(row: SampleRow, files: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Tool versions the variant, SV and copy-number files name in their headers (the audit's record of
        the caller and annotation tools). Never an error of the sample: a problem is a note."""
        found = []
        for f in files:
            if f["role"] not in ("vcf", "cn_file", "sv_vcf"):
                continue
            try:
                if f["role"] in ("vcf", "sv_vcf"):
                    kind = "vcf" if f["role"] == "sv_vcf" else f["format"] if f["format"] in ("vcf", "maf") else None
                    entry: FileSoftware | None = variant_file_software(f["path"], kind)
                else:
                    entry = cn_file_software(f["path"], f["format"]) if f["format"] else None
                    entry = entry or FileSoftware(f["path"])
            except Exception as exc:  # noqa: BLE001 - the audit record never stops the sample
                log.error("tool versions of %s could not be read", f["path"], exc_info=exc)
                entry = FileSoftware(f["path"], notes=[f"header not read ({type(exc).__name__}: {str(exc)[:200]})"])
            if entry is not None:
                found.append(_software_entry(f["role"], row, entry))
        return found


def _software_entry(role: str, row: SampleRow, software: FileSoftware) -> dict[str, Any]:
    return {"role": role, "sample_id": row.sample_id, **software.to_dict()}


def _sheet_value(kind: Kind, value: float) -> StatedValue:
    return StatedValue(kind, value, repr(float(value)), "sample sheet", "")


def _unexpected(path: Any, what: str, exc: BaseException) -> Reason:
    """A reader failed in a way it does not report itself: the patient is not assessable, the batch goes on."""
    log.error("%s %s could not be read", what, path, exc_info=exc)
    detail = str(exc)[:200]
    return Reason(
        "input_unexpected_error",
        f"{what} {path} could not be read ({type(exc).__name__}: {detail}); "
        "the patient is not assessable until it is fixed (see the batch log)",
    )
