"""One patient report as a FHIR R4 Bundle following the HL7 Genomics Reporting IG 3.0.0 (STU3).

``build_fhir_bundle(report)`` takes the patient report dict exactly as written to
``patients/<id>.json`` and returns a ``collection`` Bundle as a JSON-ready dict. The Bundle is
built and validated through the ``fhir.resources.R4B`` models (FHIR R4B is wire-compatible with
the R4 resources used here), then exported with the models' own JSON dump.

Profiles (IG 3.0.0, source github.com/HL7/genomics-reporting tag ``3.0.0-published``, commit
2b78de59bd610b1ccdccad9e2008fe14ed911147, ``input/fsh/*.fsh``):

- ``genomic-report`` (DiagnosticReport): the screening report, with the patient, every sample as
  a Specimen and every observation below as a result.
- ``variant`` (Observation): one per TP53 variant record (HGVS c. on the report's transcript and
  p., allele frequency, 1-based coordinates, build); a TP53 gene-level assessment when no variant
  decides (wild type: "Absent"; not assessable: "Indeterminate"); a copy-number variant for MDM2
  and CDK4 (and any other gene an arm's criteria name) whose copy number is a Range whenever
  purity or ploidy is unknown, and absent (``dataAbsentReason``) when the gene was not assessable.
- ``molecular-biomarker`` (Observation): MDM2 IHC, p53 IHC, MDM2 FISH when the IHC table has a
  row for them; pending, not done and unusable results carry a ``dataAbsentReason``, never a value.
- ``therapeutic-implication`` (Observation): one per trial arm, the guide's clinical-trial
  eligibility form. Only ELIGIBLE and NOT_ELIGIBLE carry the guide's SNOMED CT codes (399223003,
  444734003); PENDING_CONFIRMATION and INDETERMINATE carry only mdm2screen's own status code (and
  INDETERMINATE the interpretation "IND"), so no reader can take them for a firm eligibility.

Deterministic: every id is a UUID v5 of the patient and sample IDs (and the variant's key); the
Bundle's own id is a UUID v5 of the report's content without ``provenance.run``. Nothing reads
the clock: run-time fields (``provenance.run``) are left out, so identical reports give
byte-identical bundles.

Codes outside the guide's own source: LOINC LL1971-2 answers Absent (LA9634-2) and Indeterminate
(LA11884-6), RefSeq chromosome accessions, HGNC IDs of MDM2 and CDK4 (each cross-checked in
public code; see tests/test_fhir.py). mdm2screen's own concepts (arm status, gene call, IHC
result, criteria) use code systems under ``urn:mdm2screen:``.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from fhir.resources.R4B.bundle import Bundle

GUIDE_VERSION = "3.0.0"  # STU3
IG = "http://hl7.org/fhir/uv/genomics-reporting"
PROFILES = {
    "genomic-report": f"{IG}/StructureDefinition/genomic-report",
    "variant": f"{IG}/StructureDefinition/variant",
    "therapeutic-implication": f"{IG}/StructureDefinition/therapeutic-implication",
    "molecular-biomarker": f"{IG}/StructureDefinition/molecular-biomarker",
}
TBD = f"{IG}/CodeSystem/tbd-codes-cs"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
HGNC = "http://www.genenames.org"
HGVS = "http://varnomen.hgvs.org"
SO = "http://www.sequenceontology.org"
REFSEQ = "http://www.ncbi.nlm.nih.gov/refseq"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DIAGNOSTIC_SERVICE = "http://terminology.hl7.org/CodeSystem/v2-0074"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
URI_ID = "urn:ietf:rfc:3986"
LOCAL = "urn:mdm2screen"  # mdm2screen's own code systems and identifier systems: f"{LOCAL}:<name>"

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:mdm2screen:fhir")

# HGNC gene IDs ("HGNC:" prefix as code, symbol as display, as the guide's HGNCVS says).
HGNC_IDS = {"TP53": "HGNC:11998", "MDM2": "HGNC:6973", "CDK4": "HGNC:1773"}
# LOINC LL1040-6 answers as the guide's examples code them.
ASSEMBLIES = {"GRCh37": "LA14029-5", "GRCh38": "LA26806-2"}
_BUILD_ALIASES = {"hg19": "GRCh37", "grch37": "GRCh37", "hg38": "GRCh38", "grch38": "GRCh38"}
# RefSeq accession of the chromosome in each build (genomic-ref-seq, genomic HGVS).
CHROMOSOME_REFSEQ = {
    ("GRCh37", "12"): "NC_000012.11",
    ("GRCh37", "17"): "NC_000017.10",
    ("GRCh38", "12"): "NC_000012.12",
    ("GRCh38", "17"): "NC_000017.11",
}
TP53_TRANSCRIPT = "NM_000546.6"  # used only when the report does not name its transcript

# LOINC LL1971-2 (variant assessment; the Variant profile's required binding).
PRESENT = (LOINC, "LA9633-4", "Present")
ABSENT = (LOINC, "LA9634-2", "Absent")
INDETERMINATE = (LOINC, "LA11884-6", "Indeterminate")
# GeneticTherapeuticImplicationsVS (CGValueSets.fsh): the two clinical-trial eligibility findings.
ELIGIBLE_CODE = (SNOMED, "399223003", "Patient eligible for clinical trial (finding)")
NOT_ELIGIBLE_CODE = (SNOMED, "444734003", "Does not meet eligibility criteria for clinical trial (finding)")

_CN_GENES = ("MDM2", "CDK4")
_MARKERS = {  # report key -> (label, gene studied)
    "mdm2": ("MDM2 protein by immunohistochemistry", "MDM2"),
    "p53": ("p53 protein by immunohistochemistry", "TP53"),
    "fish": ("MDM2 amplification by FISH (MDM2/CEP12 ratio)", "MDM2"),
}
# Marker states that are a result (mdm2screen.ihc); every other state is none: Observation.status
# and dataAbsentReason (default "unknown", e.g. "conflicting" rows).
_IHC_RESULTS = {
    "positive", "negative", "wild_type_pattern", "aberrant", "overexpression", "null", "cytoplasmic",
    "amplified", "not_amplified", "equivocal",
}  # fmt: skip
_NO_RESULT = {
    "pending": ("registered", "temp-unknown"),
    "not_done": ("final", "not-performed"),
    "invalid": ("final", "error"),
}
_UNCERTAIN_IHC = {"equivocal"}
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_UNCERTAIN_CALLS = {"uncertain", "equivocal", "not_assessable"}
_UNCALLED_CATEGORIES = {"filtered", "duplicate_conflict"}  # listed, but not called present
_SYMBOLIC = re.compile(r"[<>\[\]*.]")


# --------------------------------------------------------------------------- small builders


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": system, "code": " ".join(str(code).split())}  # FHIR code: no leading, trailing or double spaces
    if display and display.strip():
        out["display"] = display
    return out


def _concept(*codings: tuple[str, str, str | None] | tuple[str, str], text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    coded = [c for c in (_coding(*c) for c in codings) if c["code"]]
    if coded:
        out["coding"] = coded
    if text and text.strip():
        out["text"] = text
    return out


def _date(value: Any) -> str | None:  # noqa: ANN401 - from JSON
    """An ISO date the FHIR dateTime type takes (YYYY, YYYY-MM, YYYY-MM-DD), else None."""
    return value if isinstance(value, str) and _DATE.fullmatch(value) else None


def _local(name: str, code: str, display: str | None = None) -> tuple[str, str, str | None]:
    return (f"{LOCAL}:{name}", code, display)


def _number(value: float) -> dict[str, Any]:
    """A unit-less count or ratio (the guide: code '1', system UCUM)."""
    return {"value": value, "system": UCUM, "code": "1"}


def _component(code: dict[str, Any], **value: Any) -> dict[str, Any]:  # noqa: ANN401 - one value[x]
    return {"code": code, **value}


def _loinc_component(code: str, **value: Any) -> dict[str, Any]:  # noqa: ANN401 - one value[x]
    return _component(_concept((LOINC, code)), **value)


def _conclusion(text: str) -> dict[str, Any]:
    return _component(_concept((TBD, "conclusion-string")), valueString=text)


def _absent(code: str, text: str | None = None) -> dict[str, Any]:
    return _concept((DATA_ABSENT, code), text=text)


def _gene_studied(gene: str) -> dict[str, Any]:
    hgnc = HGNC_IDS.get(gene)
    value = _concept((HGNC, hgnc, gene), text=gene) if hgnc else _concept(text=gene)
    return _loinc_component("48018-6", valueCodeableConcept=value)


def _build(build: str | None) -> str | None:
    if not build:
        return None
    return _BUILD_ALIASES.get(build.lower(), build)


def _assembly(build: str | None) -> list[dict[str, Any]]:
    if build not in ASSEMBLIES:
        return []
    return [_loinc_component("62374-4", valueCodeableConcept=_concept((LOINC, ASSEMBLIES[build], build)))]


def _chromosome_refseq(build: str | None, chrom: Any) -> str | None:  # noqa: ANN401 - from JSON
    name = str(chrom or "").removeprefix("chr")
    return CHROMOSOME_REFSEQ.get((build or "", name))


def _genomic_ref_seq(accession: str | None) -> list[dict[str, Any]]:
    if accession is None:
        return []
    return [_loinc_component("48013-7", valueCodeableConcept=_concept((REFSEQ, accession)))]


def _categories(*extra: tuple[str, str]) -> list[dict[str, Any]]:
    """GenomicBase's category slices: laboratory and genetics (each a concept with one coding)."""
    return [_concept((OBS_CATEGORY, "laboratory")), *(_concept(c) for c in extra)]


def _fmt(value: float) -> str:
    return f"{value:.2f}"


# --------------------------------------------------------------------------- the builder


class _Builder:
    def __init__(self, report: Mapping[str, Any]) -> None:
        self.report = report
        self.patient_id = str(report["patient_id"])
        self.entries: list[dict[str, Any]] = []
        self.samples = {str(s["sample_id"]): s for s in report.get("samples") or []}
        decision = report.get("decision_sample")
        self.decision = str(decision) if decision is not None and str(decision) in self.samples else None
        sample = self.samples.get(self.decision or "")
        self.build = _build((sample or {}).get("build") or (report.get("provenance") or {}).get("genome_build"))
        self.effective = _date((sample or {}).get("collection_date"))
        self.cn_refs: dict[str, str] = {}
        self.tp53_refs: list[str] = []
        self.marker_refs: dict[str, str] = {}

    # ids and references
    def uid(self, *parts: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, "\x1f".join((self.patient_id, *parts))))

    def add(self, resource: dict[str, Any], *parts: str) -> str:
        rid = self.uid(resource["resourceType"], *parts)
        resource = {"resourceType": resource["resourceType"], "id": rid, **resource}
        url = f"urn:uuid:{rid}"
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    @property
    def patient_ref(self) -> dict[str, str]:
        return {"reference": f"urn:uuid:{self.uid('Patient')}"}

    def specimen_ref(self, sample_id: str | None) -> dict[str, Any]:
        if sample_id is None or sample_id not in self.samples:
            return {}
        return {"specimen": {"reference": f"urn:uuid:{self.uid('Specimen', sample_id)}"}}

    def observation(self, profile: str, **fields: Any) -> dict[str, Any]:  # noqa: ANN401 - FHIR elements
        out: dict[str, Any] = {"resourceType": "Observation", "meta": {"profile": [PROFILES[profile]]}}
        out.update(fields)
        out.setdefault("subject", self.patient_ref)
        if self.effective and "effectiveDateTime" not in out:
            out["effectiveDateTime"] = self.effective
        return out

    # patient and specimens
    def patient_and_specimens(self) -> None:
        self.add(
            {"resourceType": "Patient", "identifier": [{"system": f"{LOCAL}:patient-id", "value": self.patient_id}]}
        )
        for sample_id, sample in self.samples.items():
            tumor_type = sample.get("tumor_type")
            specimen: dict[str, Any] = {
                "resourceType": "Specimen",
                "identifier": [{"system": f"{LOCAL}:sample-id", "value": sample_id}],
                "type": _concept(text=f"tumour sample ({tumor_type})" if tumor_type else "tumour sample"),
                "subject": self.patient_ref,
            }
            if _date(sample.get("collection_date")):
                specimen["collection"] = {"collectedDateTime": sample["collection_date"]}
            self.add(specimen, sample_id)

    # copy number
    def copy_number(self, gene: str, cn: Mapping[str, Any]) -> None:
        build = _build(cn.get("build")) or self.build
        call = str(cn.get("call") or "not_assessable")
        threshold = cn.get("threshold") or {}
        cn_range = threshold.get("copy_number_range")
        components = [
            _gene_studied(gene),
            _loinc_component("48019-4", valueCodeableConcept=_concept((SO, "SO:0001019", "copy_number_variation"))),
        ]
        if cn_range and len(cn_range) == 2 and None not in cn_range:
            lo, hi = float(min(cn_range)), float(max(cn_range))
            if lo == hi:
                components.append(_loinc_component("82155-3", valueQuantity=_number(lo)))
            else:  # purity or ploidy unknown: the plausible range, never a point
                components.append(_loinc_component("82155-3", valueRange={"low": _number(lo), "high": _number(hi)}))
        else:
            components.append(_loinc_component("82155-3", dataAbsentReason=_absent("unknown", "not assessable")))
        components += _assembly(build) + _genomic_ref_seq(_chromosome_refseq(build, cn.get("chrom")))
        components.append(_conclusion(self._cn_text(gene, cn, call)))
        interpretation = [_concept(_local("gene-call", call), text=f"{gene} {call.replace('_', ' ')}")]
        if call in _UNCERTAIN_CALLS:
            interpretation.insert(0, _concept((INTERPRETATION, "IND", "Indeterminate")))
        method = str(cn.get("method") or "").strip()
        obs = self.observation(
            "variant",
            status="final",
            category=_categories((DIAGNOSTIC_SERVICE, "GE")),
            code=_concept((LOINC, "69548-6"), text=f"{gene} copy number"),
            **self.specimen_ref(self.decision),
            valueCodeableConcept=_concept(INDETERMINATE if call == "not_assessable" else PRESENT),
            interpretation=interpretation,
            **({"method": _concept(text=method)} if method else {}),
            component=components,
        )
        self.cn_refs[gene] = self.add(obs, "copy-number", gene)

    @staticmethod
    @staticmethod
    def _cn_text(gene: str, cn: Mapping[str, Any], call: str) -> str:
        threshold = cn.get("threshold") or {}
        rule = ""
        if "amplified_at" in threshold:
            rule = f" under copy_number.thresholds (amplified at >= {threshold['amplified_at']:g} {threshold.get('mode', '')})"
        parts = [f"{gene}: {call.replace('_', ' ')}{rule.replace(' )', ')')}"]
        cn_range = threshold.get("copy_number_range")
        if cn_range and None not in cn_range:
            lo, hi = min(cn_range), max(cn_range)
            if lo == hi:
                parts.append(f"copy number {_fmt(lo)}")
            else:
                point = f"; reported point {_fmt(cn['copy_number'])}" if cn.get("copy_number") is not None else ""
                parts.append(f"copy number {_fmt(lo)}-{_fmt(hi)} over the plausible purity and ploidy{point}")
        parts += [str(r.get("message")) for r in cn.get("reasons") or [] if r.get("message")]
        return "; ".join(parts)

    # TP53
    def tp53(self) -> None:
        tp53 = self.report.get("tp53") or {}
        transcript = self._transcript()
        deciding = False
        for index, variant in enumerate(tp53.get("all_variants") or []):
            ref = self._tp53_variant(variant, transcript, index)
            if variant.get("decides"):
                deciding = True
                self.tp53_refs.append(ref)
        status = tp53.get("status")
        if status == "mutated" and deciding:
            return
        # The gene-level assessment: wild type is a pertinent negative, not assessable is indeterminate.
        value = {"wild_type": ABSENT, "mutated": PRESENT}.get(str(status), INDETERMINATE)
        reasons = "; ".join(str(r.get("message")) for r in tp53.get("reasons") or [] if r.get("message"))
        text = f"TP53 {str(status or 'not assessable').replace('_', ' ')}" + (f": {reasons}" if reasons else "")
        obs = self.observation(
            "variant",
            status="final",
            category=_categories((DIAGNOSTIC_SERVICE, "GE")),
            code=_concept((LOINC, "69548-6"), text="TP53 variant assessment (any deciding variant)"),
            **self.specimen_ref(self.decision),
            valueCodeableConcept=_concept(value),
            **(
                {"interpretation": [_concept((INTERPRETATION, "IND", "Indeterminate"))]}
                if value == INDETERMINATE
                else {}
            ),
            component=[_gene_studied("TP53"), *_assembly(self.build), _conclusion(text)],
        )
        self.tp53_refs.append(self.add(obs, "tp53-assessment"))

    def _transcript(self) -> str:
        named = ((self.report.get("provenance") or {}).get("reference") or {}).get("tp53_transcript")
        match = re.match(r"\s*(N[MR]_\d+\.\d+)", str(named or ""))
        return match.group(1) if match else TP53_TRANSCRIPT

    def _tp53_variant(self, v: Mapping[str, Any], transcript: str, index: int) -> str:
        chrom, pos, ref, alt = str(v.get("chrom", "")), v.get("pos"), str(v.get("ref", "")), str(v.get("alt", ""))
        refseq = _chromosome_refseq(self.build, chrom)
        components = [_gene_studied("TP53")]
        if v.get("hgvs_c"):
            c_dot = str(v["hgvs_c"])
            c_full = c_dot if ":" in c_dot else f"{transcript}:{c_dot}"
            components.append(_loinc_component("48004-6", valueCodeableConcept=_concept((HGVS, c_full), text=c_full)))
            tx = c_full.split(":", 1)[0]
            # RefSeq as the guide's examples code it; other accessions (Ensembl, LRG) as text.
            tx_value = _concept((REFSEQ, tx)) if re.fullmatch(r"N[MR]_\d+\.\d+", tx) else _concept(text=tx)
            components.append(_loinc_component("51958-7", valueCodeableConcept=tx_value))
        if v.get("hgvs_p"):
            p_dot = str(v["hgvs_p"])  # the protein accession is not in the report: the p. as given
            components.append(_loinc_component("48005-3", valueCodeableConcept=_concept((HGVS, p_dot), text=p_dot)))
        symbolic = bool(_SYMBOLIC.search(alt)) or not ref.isalpha()
        if refseq and isinstance(pos, int) and not symbolic and len(ref) == len(alt) == 1:
            g_dot = f"{refseq}:g.{pos}{ref}>{alt}"
            components.append(_loinc_component("81290-9", valueCodeableConcept=_concept((HGVS, g_dot), text=g_dot)))
        change = self._change_type(ref, alt, symbolic)
        if change:
            components.append(_loinc_component("48019-4", valueCodeableConcept=_concept(change)))
        components += _assembly(self.build) + _genomic_ref_seq(refseq)
        if isinstance(pos, int):
            components.append(
                _loinc_component(
                    "92822-6", valueCodeableConcept=_concept((LOINC, "LA30102-0", "1-based character counting"))
                )
            )
            span: dict[str, Any] = {"low": {"value": pos}}
            if not symbolic and ref:
                span["high"] = {"value": pos + len(ref) - 1}
            components.append(_loinc_component("81254-5", valueRange=span))
        if ref:
            components.append(_loinc_component("69547-8", valueString=ref))
        if alt:
            components.append(_loinc_component("69551-0", valueString=alt))
        if v.get("category") == "germline":
            components.append(
                _loinc_component("48002-0", valueCodeableConcept=_concept((LOINC, "LA6683-2", "Germline")))
            )
        if v.get("vaf") is not None:
            components.append(_loinc_component("81258-6", valueQuantity=_number(float(v["vaf"]))))
        if isinstance(v.get("alt_count"), int):
            components.append(_loinc_component("82121-5", valueQuantity=_number(v["alt_count"])))
        category = str(v.get("category") or "")
        why = str(v.get("why") or "")
        text = f"{category.replace('_', ' ')}{': ' if why else ''}{why}" + (
            f" (depth {v['depth']})" if isinstance(v.get("depth"), int) else ""
        )
        components.append(_conclusion(text))
        interpretation = [_concept(_local("tp53-variant-category", category), text=category.replace("_", " "))]
        obs = self.observation(
            "variant",
            status="final",
            category=_categories((DIAGNOSTIC_SERVICE, "GE")),
            code=_concept((LOINC, "69548-6"), text="TP53 variant"),
            **self.specimen_ref(self.decision),
            method=_concept((LOINC, "LA26398-0", "Sequencing")),
            valueCodeableConcept=_concept(INDETERMINATE if category in _UNCALLED_CATEGORIES else PRESENT),
            interpretation=interpretation,
            component=components,
        )
        key = f"{chrom}:{pos}:{ref}>{alt}"
        return self.add(obs, "tp53-variant", key, str(index))

    @staticmethod
    def _change_type(ref: str, alt: str, symbolic: bool) -> tuple[str, str, str] | None:
        # Sequence Ontology terms the guide's own examples use.
        if symbolic or not ref or not alt:
            return None
        if len(ref) == len(alt) == 1:
            return (SO, "SO:0001483", "SNV")
        if len(alt) == 1 and len(ref) > 1 and ref[0] == alt[0]:
            return (SO, "SO:0000159", "deletion")
        if len(ref) == 1 and len(alt) > 1 and ref[0] == alt[0]:
            return (SO, "SO:0000667", "insertion")
        return None

    # IHC / FISH
    def markers(self) -> None:
        ihc = self.report.get("ihc") or {}
        for key, (label, gene) in _MARKERS.items():
            call = ihc.get(key) or {}
            state = str(call.get("state") or "absent")
            if state == "absent":  # no row in the IHC table: no observation exists
                continue
            rows = [r for r in call.get("rows") or [] if isinstance(r, Mapping)]
            detail = str(call.get("detail") or state)
            fields: dict[str, Any] = {"status": "final"}
            if state in _IHC_RESULTS:
                fields["valueCodeableConcept"] = _concept(_local("ihc-result", state), text=detail)
                if state in _UNCERTAIN_IHC:
                    fields["interpretation"] = [_concept((INTERPRETATION, "IND", "Indeterminate"))]
            else:  # no usable result: never a value
                fields["status"], reason = _NO_RESULT.get(state, ("final", "unknown"))
                fields["dataAbsentReason"] = _absent(reason, detail)
            methods = sorted({str(r["method"]) for r in rows if r.get("method")})
            if methods:
                fields["method"] = _concept(text="; ".join(methods))
            dates = sorted(d for d in (_date(r.get("date")) for r in rows) if d)
            if dates:
                fields["effectiveDateTime"] = dates[-1]
            sample_ids = {str(r["sample_id"]) for r in rows if r.get("sample_id")}
            sample = next(iter(sample_ids)) if len(sample_ids) == 1 else self.decision
            components = [_gene_studied(gene)]
            if len(rows) == 1:
                components += self._measurements(rows[0])
            obs = self.observation(
                "molecular-biomarker",
                category=_categories((TBD, "biomarker-category")),
                code=_concept(_local("marker", key), text=label),
                **self.specimen_ref(sample),
                **fields,
                component=components,
            )
            self.marker_refs[key] = self.add(obs, "marker", key)

    @staticmethod
    def _measurements(row: Mapping[str, Any]) -> list[dict[str, Any]]:
        out = []
        if row.get("percent_positive") is not None:
            q = {"value": float(row["percent_positive"]), "unit": "%", "system": UCUM, "code": "%"}
            out.append(_component(_concept(_local("ihc", "percent-positive", "positive nuclei")), valueQuantity=q))
        if row.get("intensity") is not None:
            out.append(
                _component(
                    _concept(_local("ihc", "intensity", "staining intensity")), valueInteger=int(row["intensity"])
                )
            )
        if row.get("h_score") is not None:
            out.append(
                _component(_concept(_local("ihc", "h-score", "H-score")), valueQuantity=_number(float(row["h_score"])))
            )
        if row.get("ratio") is not None:
            out.append(
                _component(
                    _concept(_local("ihc", "fish-ratio", "MDM2/CEP12 ratio")),
                    valueQuantity=_number(float(row["ratio"])),
                )
            )
        return out

    # arms
    def arms(self) -> list[str]:
        refs = []
        tumor_type = (self.samples.get(self.decision or "") or {}).get("tumor_type")
        for arm in self.report.get("arms") or []:
            status = str(arm.get("status"))
            coding: list[tuple[str, str, str | None]] = []
            if status == "ELIGIBLE":
                coding.append(ELIGIBLE_CODE)
            elif status == "NOT_ELIGIBLE":
                coding.append(NOT_ELIGIBLE_CODE)
            coding.append(_local("arm-status", status))
            title = str(arm.get("title") or arm.get("id"))
            therapy = f"{arm['trial']}: {title}" if arm.get("trial") else title
            components = [
                _component(
                    _concept((TBD, "therapeutic-implication")), valueCodeableConcept=_concept(*coding, text=status)
                ),
                _component(
                    _concept((TBD, "associated-therapy")),
                    valueCodeableConcept=_concept(_local("arm", str(arm.get("id")), title), text=therapy),
                ),
            ]
            if tumor_type:
                components.append(_loinc_component("81259-4", valueCodeableConcept=_concept(text=str(tumor_type))))
            for criterion in _flatten(arm.get("criteria") or []):
                components.append(
                    _component(
                        _concept(
                            _local("criterion", str(criterion.get("id")), str(criterion.get("description") or ""))
                        ),
                        valueCodeableConcept=_concept(
                            _local("criterion-state", str(criterion.get("state"))),
                            text=str(criterion.get("evidence") or ""),
                        ),
                    )
                )
            reasons = "; ".join(str(r.get("message")) for r in arm.get("reasons") or [] if r.get("message"))
            components.append(_conclusion(f"{status}: {reasons}" if reasons else status))
            fields: dict[str, Any] = {}
            if status == "INDETERMINATE":
                fields["interpretation"] = [_concept((INTERPRETATION, "IND", "Indeterminate"))]
            obs = self.observation(
                "therapeutic-implication",
                status="preliminary" if status == "PENDING_CONFIRMATION" else "final",
                category=_categories((DIAGNOSTIC_SERVICE, "GE")),
                code=_concept((TBD, "therapeutic-implication")),
                **self.specimen_ref(self.decision),
                derivedFrom=[{"reference": r} for r in self._derived_from(arm)],
                **fields,
                component=components,
            )
            refs.append(self.add(obs, "arm", str(arm.get("id"))))
        return refs

    def _derived_from(self, arm: Mapping[str, Any]) -> list[str]:
        refs: list[str] = []
        for criterion in _flatten(arm.get("criteria") or []):
            kind = criterion.get("kind")
            if kind == "gene_amplified":
                text = f"{criterion.get('id')} {criterion.get('description')} {criterion.get('evidence')}"
                named = [g for g in self.cn_refs if re.search(rf"\b{re.escape(g)}\b", text, re.I)]
                refs += [self.cn_refs[g] for g in named or self.cn_refs]
            elif kind == "tp53_wild_type":
                refs += self.tp53_refs
            elif kind in ("mdm2_confirmed", "mdm2_ihc_positive", "mdm2_fish_amplified"):
                keys = {"mdm2_ihc_positive": ("mdm2",), "mdm2_fish_amplified": ("fish",)}.get(kind, ("mdm2", "fish"))
                refs += [self.marker_refs[k] for k in keys if k in self.marker_refs]
            elif kind == "p53_ihc_concordant":
                refs += [self.marker_refs[k] for k in ("p53",) if k in self.marker_refs] + self.tp53_refs
        if not refs:  # the guide requires derivedFrom 1..*: the findings the decision was made on
            refs = [*self.cn_refs.values(), *self.tp53_refs]
        return list(dict.fromkeys(refs))

    # the report
    def diagnostic_report(self, results: list[str]) -> None:
        arms = "; ".join(f"{a.get('id')}: {a.get('status')}" for a in self.report.get("arms") or [])
        reasons = "; ".join(str(r.get("message")) for r in self.report.get("reasons") or [] if r.get("message"))
        default = self.report.get("default_arm") or "default arm"
        conclusion = f"{self.report.get('status')} ({default})" + (f": {reasons}" if reasons else "") + "."
        if arms:
            conclusion += f" Arms: {arms}."
        report: dict[str, Any] = {
            "resourceType": "DiagnosticReport",
            "meta": {"profile": [PROFILES["genomic-report"]]},
            "status": "final",
            "category": [_concept((DIAGNOSTIC_SERVICE, "GE"))],
            "code": _concept((LOINC, "51969-4"), text="MDM2-inhibitor trial screening (MDM2, CDK4, TP53, IHC)"),
            "subject": self.patient_ref,
        }
        if self.effective:
            report["effectiveDateTime"] = self.effective
        if self.samples:
            report["specimen"] = [{"reference": f"urn:uuid:{self.uid('Specimen', s)}"} for s in self.samples]
        report["result"] = [{"reference": r} for r in results]
        report["conclusion"] = conclusion
        self.add(report)

    def bundle(self) -> dict[str, Any]:
        self.patient_and_specimens()
        genes = self.report.get("genes") or {}
        for gene in _CN_GENES:
            cn = self.report.get(gene.lower()) or genes.get(gene)
            if cn:
                self.copy_number(gene, cn)
        for gene in self._arm_genes(genes):
            self.copy_number(gene, genes[gene])
        self.tp53()
        self.markers()
        arm_refs = self.arms()
        results = [*self.cn_refs.values(), *self.tp53_refs, *self.marker_refs.values(), *arm_refs]
        self.diagnostic_report(results)
        # The DiagnosticReport first, then everything it points at in the order built.
        entries = [self.entries[-1], *self.entries[:-1]]
        bundle_id = str(uuid.uuid5(_NAMESPACE, f"{self.patient_id}\x1fBundle\x1f{_content_hash(self.report)}"))
        return {
            "resourceType": "Bundle",
            "id": bundle_id,
            "meta": {"tag": [_coding(f"{LOCAL}:guide", f"genomics-reporting-{GUIDE_VERSION}")]},
            "identifier": {"system": URI_ID, "value": f"urn:uuid:{bundle_id}"},
            "type": "collection",
            "entry": entries,
        }

    def _arm_genes(self, genes: Mapping[str, Any]) -> list[str]:
        """Genes other than MDM2/CDK4 that an arm's gene_amplified criterion names (e.g. from a trial)."""
        wanted = []
        for arm in self.report.get("arms") or []:
            for criterion in _flatten(arm.get("criteria") or []):
                if criterion.get("kind") != "gene_amplified":
                    continue
                text = f"{criterion.get('id')} {criterion.get('description')}"
                wanted += [g for g in genes if g not in _CN_GENES and re.search(rf"\b{re.escape(g)}\b", text, re.I)]
        return sorted(set(wanted))


def _flatten(criteria: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for criterion in criteria:
        out.append(criterion)
        out += _flatten(criterion.get("any_of") or [])
    return out


def _content_hash(report: Mapping[str, Any]) -> str:
    """SHA-256 of the report without its run-time block (``provenance.run``)."""
    content = dict(report)
    provenance = content.get("provenance")
    if isinstance(provenance, Mapping):
        content["provenance"] = {k: v for k, v in provenance.items() if k != "run"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def build_fhir_bundle(report: dict[str, Any]) -> dict[str, Any]:
    """The patient's report as a FHIR R4 ``collection`` Bundle (Genomics Reporting IG 3.0.0), JSON-ready.

    ``report`` is one patient report dict as written to ``patients/<id>.json``; it is not changed.
    The Bundle is validated by the ``fhir.resources.R4B`` models on the way out (a ``ValueError``
    from pydantic if anything does not fit them).
    """
    raw = _Builder(report).bundle()
    return Bundle.model_validate(raw).model_dump(mode="json", exclude_none=True)
