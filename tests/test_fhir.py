"""FHIR export (report/fhir.py): every demo patient's Bundle against the Genomics Reporting IG 3.0.0.

The guide's requirements for the profiles used are encoded below (``PROFILES``), taken from the
guide's published FSH source, not from the module under test:

    HL7 FHIR Genomics Reporting Implementation Guide 3.0.0 (STU3, FHIR 4.0.1),
    github.com/HL7/genomics-reporting, tag 3.0.0-published,
    commit 2b78de59bd610b1ccdccad9e2008fe14ed911147:
    input/fsh/CGGeneral.fsh (GenomicBase, GenomicReport), input/fsh/CGFindings.fsh (GenomicFinding,
    Variant, MolecularBiomarker), input/fsh/CGImplications.fsh (GenomicImplication,
    TherapeuticImplication), input/fsh/CGValueSets.fsh (GeneticTherapeuticImplicationsVS),
    input/fsh/CGCodeSystem.fsh (TbdCodesCS), input/pages/sequencing.xml ("Variant Assessment").

Every resource of every demo Bundle is parsed with the fhir.resources R4B models and checked
against that table: the required elements (min >= 1, base resource and profile), the fixed codes,
the category slices, elements the guide forbids (max 0), and for every component slice used, its
cardinality, its value type and the required bindings (HGVS, LL1971-2, UCUM '1').
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import DEMO, DEMO_STATUSES
from fhir.resources.R4B.bundle import Bundle
from report_fixtures import all_reports

from mdm2screen.pipeline import prepare
from mdm2screen.report import fhir
from mdm2screen.report.fhir import build_fhir_bundle
from mdm2screen.screen import Screener

GUIDE = "Genomics Reporting IG 3.0.0 (STU3), HL7/genomics-reporting@2b78de59bd610b1ccdccad9e2008fe14ed911147"
IG = "http://hl7.org/fhir/uv/genomics-reporting"
TBD = f"{IG}/CodeSystem/tbd-codes-cs"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
HGVS = "http://varnomen.hgvs.org"
HGNC = "http://www.genenames.org"
LAB = ("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")  # $OBSCAT#laboratory
GE = ("http://terminology.hl7.org/CodeSystem/v2-0074", "GE")  # $DIAGNOSTICSERVICE#GE
BIOMARKER = (TBD, "biomarker-category")  # TbdCodesCS#biomarker-category
CC, STRING, QUANTITY, RANGE = "valueCodeableConcept", "valueString", "valueQuantity", "valueRange"
MANY = None  # max cardinality *

# LL1971-2 (Variant.valueCodeableConcept, required binding). The guide's source codes only
# "Present" (LA9633-4); the other answers are LOINC's (Absent, No call, Indeterminate), as
# sequencing.xml names them.
VARIANT_ASSESSMENT = {"LA9633-4", "LA9634-2", "LA18198-4", "LA11884-6"}


def _slice(code: tuple[str, str], types: tuple[str, ...], value_min: int, maximum: int | None, binding: str = ""):
    return {"code": code, "types": types, "value_min": value_min, "max": maximum, "binding": binding}


# GenomicBase (CGGeneral.fsh): conclusion-string 0..1, value[x] only string.
_BASE_SLICES = [_slice((TBD, "conclusion-string"), (STRING,), 0, 1)]
# GenomicFinding (CGFindings.fsh): every slice 0..*, value[x] 1..1 CodeableConcept.
_FINDING_SLICES = [
    _slice((LOINC, "48018-6"), (CC,), 1, MANY, "hgnc"),  # gene-studied
    _slice((LOINC, "48001-2"), (CC,), 1, MANY),  # cytogenetic-location
    _slice((LOINC, "62374-4"), (CC,), 1, MANY),  # reference-sequence-assembly
    _slice((LOINC, "48000-4"), (CC,), 1, MANY),  # chromosome-identifier
]
# Variant (CGFindings.fsh): slices and their value[x] rules.
_VARIANT_SLICES = [
    _slice((LOINC, "48004-6"), (CC,), 1, 1, "hgvs"),  # representative-coding-hgvs (HGVSVS, required)
    _slice((LOINC, "81290-9"), (CC,), 1, 1, "hgvs"),  # genomic-hgvs
    _slice((LOINC, "81291-7"), (CC,), 1, 1),  # cytogenomic-nomenclature
    _slice((LOINC, "48013-7"), (CC,), 1, 1),  # genomic-ref-seq
    _slice((TBD, "protein-ref-seq"), (CC,), 1, 1),  # representative-protein-ref-seq
    _slice((LOINC, "51958-7"), (CC,), 1, 1),  # representative-transcript-ref-seq
    _slice((LOINC, "81254-5"), (RANGE,), 0, 1),  # exact-start-end
    _slice((LOINC, "81302-2"), (RANGE,), 0, 1),  # inner-start-end
    _slice((LOINC, "81301-4"), (RANGE,), 0, 1),  # outer-start-end
    _slice((LOINC, "92822-6"), (CC,), 1, 1),  # coordinate-system
    _slice((LOINC, "69547-8"), (STRING,), 0, 1),  # ref-allele
    _slice((LOINC, "69551-0"), (STRING,), 0, 1),  # alt-allele
    _slice((LOINC, "48019-4"), (CC,), 1, 1),  # coding-change-type
    _slice((LOINC, "48002-0"), (CC,), 1, 1),  # genomic-source-class
    _slice((LOINC, "81258-6"), (QUANTITY,), 0, 1, "ucum"),  # sample-allelic-frequency (system = $UCUM)
    _slice((LOINC, "82121-5"), (QUANTITY,), 0, 1),  # allelic-read-depth
    _slice((LOINC, "53034-5"), (CC,), 1, 1),  # allelic-state
    _slice((LOINC, "94186-4"), (CC,), 1, 1),  # variant-inheritance
    _slice((LOINC, "82309-6"), (CC,), 1, 1),  # variant-inheritance-basis
    _slice((LOINC, "81252-9"), (CC,), 1, MANY),  # variation-code
    _slice((LOINC, "48005-3"), (CC,), 1, 1, "hgvs"),  # representative-protein-hgvs
    _slice((LOINC, "82155-3"), (QUANTITY, RANGE), 0, 1, "count"),  # copy-number: code '1', system UCUM
    _slice((TBD, "variant-confidence-status"), (CC,), 1, 1),
    _slice((TBD, "repeat-motif"), (STRING,), 1, MANY),
    _slice((TBD, "repeat-number"), (QUANTITY,), 1, MANY),
]
# GenomicImplication and TherapeuticImplication (CGImplications.fsh).
_IMPLICATION_SLICES = [
    _slice((LOINC, "93044-6"), (CC,), 1, MANY),  # evidence-level
    _slice((LOINC, "53037-8"), (CC,), 1, 1),  # clinical-significance
    _slice((TBD, "therapeutic-implication"), (CC,), 1, MANY),
    _slice((LOINC, "81259-4"), (CC,), 1, MANY),  # phenotypic-treatment-context
    _slice((LOINC, "51963-7"), (CC,), 1, MANY),  # medication-assessed
    _slice((TBD, "associated-therapy"), (CC,), 1, MANY),  # therapy-assessed
]
# MolecularBiomarker (CGFindings.fsh): its own component slices.
_BIOMARKER_SLICES = [
    _slice((LOINC, "48018-6"), (CC,), 1, MANY, "hgnc"),  # gene-studied
    _slice((TBD, "biomarker-category"), (CC,), 1, MANY),
]

# Profile -> the guide's requirements. "required": elements with min >= 1 (base resource:
# status, code; profile additions noted). "categories": category slices, each 1..1 with
# coding 1..1 fixed to the code. "no_value": value[x] max 0.
PROFILES: dict[str, dict[str, Any]] = {
    f"{IG}/StructureDefinition/genomic-report": {
        "type": "DiagnosticReport",
        "required": ["status", "code", "category"],  # category[Genetics] 1..1
        "code": (LOINC, "51969-4"),
        "categories": [GE],
        "min_categories": 1,
        "slices": [],
    },
    f"{IG}/StructureDefinition/variant": {
        "type": "Observation",
        # valueCodeableConcept: sequencing.xml "Data producers SHALL include an assessment for each variant".
        "required": ["status", "code", "category", CC],
        "code": (LOINC, "69548-6"),
        "categories": [LAB, GE],  # GenomicBase: category 2..*, labCategory 1..1, geCategory 1..1
        "min_categories": 2,
        "value_codes": (LOINC, VARIANT_ASSESSMENT),
        "slices": _BASE_SLICES + _FINDING_SLICES + _VARIANT_SLICES,
    },
    f"{IG}/StructureDefinition/therapeutic-implication": {
        "type": "Observation",
        "required": ["status", "code", "category", "derivedFrom"],  # GenomicImplication: derivedFrom 1..*
        "code": (TBD, "therapeutic-implication"),
        "categories": [LAB, GE],
        "min_categories": 2,
        "no_value": True,  # GenomicImplication: value[x] 0..0
        "slices": _BASE_SLICES + _IMPLICATION_SLICES,
    },
    f"{IG}/StructureDefinition/molecular-biomarker": {
        "type": "Observation",
        "required": ["status", "code", "category"],
        "code": None,  # MolecularBiomarkerCodeVS (example)
        "categories": [LAB, BIOMARKER],  # category 2..*, labCategory 1..1, mbCategory 1..1
        "min_categories": 2,
        "slices": _BIOMARKER_SLICES,
    },
}
UNPROFILED = {"Patient", "Specimen"}  # base resources: nothing required beyond resourceType
ELIGIBLE = (SNOMED, "399223003")  # GeneticTherapeuticImplicationsVS
NOT_ELIGIBLE = (SNOMED, "444734003")
IND = ("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "IND")
NO_RESULT = ("pending", "not_done", "invalid", "conflicting")  # mdm2screen.ihc marker states with no result

DEMO_CONFIG = {
    "samples": str(DEMO / "samples.tsv"),
    "ihc": str(DEMO / "ihc.tsv"),
    "assays": {"DEMO_PANEL": str(DEMO / "demo_panel_targets.bed")},
}


# --------------------------------------------------------------------------- fixtures


def _screen(config: dict[str, Any], patients: list[str] | None = None) -> dict[str, dict[str, Any]]:
    cohort = prepare(config)
    screener = Screener(cohort.settings, cohort.arms, cohort.ihc)
    ids = patients or sorted(cohort.patients)
    # As written to patients/<id>.json: through JSON and back.
    return {pid: json.loads(json.dumps(screener.screen_patient(pid, cohort.patients[pid]))) for pid in ids}


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, dict[str, Any]]:
    out = _screen({**DEMO_CONFIG, "outdir": str(tmp_path_factory.mktemp("out"))})
    assert {pid: r["status"] for pid, r in out.items()} == DEMO_STATUSES
    return out


@pytest.fixture(scope="module")
def bundles(reports) -> dict[str, dict[str, Any]]:
    return {pid: build_fhir_bundle(r) for pid, r in reports.items()}


# --------------------------------------------------------------------------- helpers


def resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"]]


def codings(concept: dict[str, Any] | None) -> set[tuple[str, str]]:
    return {(c.get("system"), c.get("code")) for c in (concept or {}).get("coding", [])}


def profile_of(resource: dict[str, Any]) -> str:
    return resource["meta"]["profile"][0]


def of_profile(bundle: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [r for r in resources(bundle) if r.get("meta", {}).get("profile") == [f"{IG}/StructureDefinition/{name}"]]


def component(resource: dict[str, Any], system: str, code: str) -> list[dict[str, Any]]:
    return [c for c in resource.get("component", []) if (system, code) in codings(c["code"])]


def references(node: Any) -> Iterator[str]:  # noqa: ANN401 - any JSON
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def value_keys(element: dict[str, Any]) -> list[str]:
    return [k for k in element if k.startswith("value")]


def guide_problems(resource: dict[str, Any]) -> list[str]:
    """Every way ``resource`` breaks the guide's rules for its profile (PROFILES); [] when it meets them."""
    rtype = resource["resourceType"]
    if rtype in UNPROFILED:
        return []
    profiles = resource.get("meta", {}).get("profile", [])
    if len(profiles) != 1 or profiles[0] not in PROFILES:
        return [f"{rtype} {resource.get('id')}: meta.profile {profiles} is none of the guide's profiles used"]
    rule, where = PROFILES[profiles[0]], f"{profiles[0].rsplit('/', 1)[-1]} {resource.get('id')}"
    problems = []
    if rtype != rule["type"]:
        problems.append(f"{where}: a {rtype}, the profile constrains {rule['type']}")
    problems += [f"{where}: required {name} missing" for name in rule["required"] if not resource.get(name)]
    if rule.get("no_value") and value_keys(resource):
        problems.append(f"{where}: {value_keys(resource)} present, the guide says value[x] 0..0")
    if rule["code"] and rule["code"] not in codings(resource.get("code")):
        problems.append(f"{where}: code is not {rule['code']}")
    categories = resource.get("category", [])
    if len(categories) < rule["min_categories"]:
        problems.append(f"{where}: {len(categories)} categories, the guide needs {rule['min_categories']}")
    for pattern in rule["categories"]:
        matching = [c for c in categories if pattern in codings(c)]
        if len(matching) != 1 or len(matching[0].get("coding", [])) != 1:
            problems.append(f"{where}: category slice {pattern} must occur once with one coding")
    if "value_codes" in rule and CC in resource:
        system, allowed = rule["value_codes"]
        if not any(s == system and c in allowed for s, c in codings(resource[CC])):
            problems.append(f"{where}: value {codings(resource[CC])} not in LL1971-2")
    for s in rule["slices"]:
        used = [c for c in resource.get("component", []) if s["code"] in codings(c["code"])]
        if s["max"] is not None and len(used) > s["max"]:
            problems.append(f"{where}: {len(used)} components {s['code']}, max {s['max']}")
        for comp in used:
            keys = value_keys(comp)
            if s["value_min"] and not keys:
                problems.append(f"{where}: component {s['code']} has no value (value[x] 1..1)")
            if any(k not in s["types"] for k in keys):
                problems.append(f"{where}: component {s['code']} value {keys} not {s['types']}")
            problems += _binding_problems(where, s, comp)
    return problems


def _binding_problems(where: str, s: dict[str, Any], comp: dict[str, Any]) -> list[str]:
    problems = []
    if s["binding"] == "hgvs" and not any(system == HGVS for system, _ in codings(comp.get(CC))):
        problems.append(f"{where}: component {s['code']} not coded in HGVS (required binding)")
    if s["binding"] == "hgnc" and comp.get(CC, {}).get("coding"):
        if not any(system == HGNC and code.startswith("HGNC:") for system, code in codings(comp[CC])):
            problems.append(f"{where}: gene-studied coded outside HGNC ('HGNC:' prefix)")
    quantities = [comp[QUANTITY]] if QUANTITY in comp else []
    quantities += [comp[RANGE][k] for k in ("low", "high") if k in comp.get(RANGE, {})]
    if s["binding"] == "ucum" and any(q.get("system") != UCUM for q in quantities):
        problems.append(f"{where}: component {s['code']} quantity system is not UCUM")
    if s["binding"] == "count" and any(q.get("code") != "1" or q.get("system", UCUM) != UCUM for q in quantities):
        problems.append(f"{where}: copy number must have code '1' (UCUM)")
    return problems


# --------------------------------------------------------------------------- the guide


def test_the_module_uses_the_guide_version_and_profiles_the_table_encodes():
    assert fhir.GUIDE_VERSION == "3.0.0"
    assert set(fhir.PROFILES.values()) == set(PROFILES)


@pytest.mark.parametrize("patient_id", sorted(DEMO_STATUSES))
def test_every_demo_bundle_parses_and_every_resource_meets_the_guide(bundles, patient_id):
    bundle = bundles[patient_id]
    parsed = Bundle.model_validate(bundle)  # the fhir.resources R4B models
    assert parsed.type == "collection"
    assert Bundle.model_validate_json(json.dumps(bundle)).model_dump(mode="json", exclude_none=True) == bundle
    types = Counter(r["resourceType"] for r in resources(bundle))
    assert types["DiagnosticReport"] == 1 and types["Patient"] == 1 and types["Specimen"] >= 1
    assert set(types) <= {"DiagnosticReport", "Observation", "Patient", "Specimen"}
    problems = [p for r in resources(bundle) for p in guide_problems(r)]
    assert problems == [], f"{patient_id} against {GUIDE}:\n" + "\n".join(problems)
    # The profiles the task asks for are all there.
    for name in ("genomic-report", "variant", "therapeutic-implication"):
        assert of_profile(bundle, name), name


def test_the_checker_catches_what_the_guide_forbids(bundles):
    """The table is not vacuous: break each kind of rule once and the checker says so."""
    bundle = bundles["DEMO-01"]
    implication = copy.deepcopy(of_profile(bundle, "therapeutic-implication")[0])
    implication.pop("derivedFrom")
    implication["valueString"] = "eligible"
    variant = copy.deepcopy(of_profile(bundle, "variant")[0])
    variant["category"] = variant["category"][:1]
    variant[CC] = {"coding": [{"system": LOINC, "code": "LA6576-8"}]}
    for comp in component(variant, LOINC, "82155-3"):
        comp.pop(RANGE, None)
        comp[QUANTITY] = {"value": 14.1, "unit": "copies"}
    report = copy.deepcopy(of_profile(bundle, "genomic-report")[0])
    report["code"] = {"coding": [{"system": LOINC, "code": "00000-0"}]}
    found = "\n".join(guide_problems(implication) + guide_problems(variant) + guide_problems(report))
    for expected in ("derivedFrom missing", "value[x] 0..0", "categories", "not in LL1971-2", "code '1'"):
        assert expected in found, expected
    assert "code is not" in found


def test_bundle_entries_and_references_resolve(bundles):
    for pid, bundle in bundles.items():
        assert bundle["type"] == "collection"
        urls = [e["fullUrl"] for e in bundle["entry"]]
        assert len(urls) == len(set(urls)), pid
        for entry in bundle["entry"]:
            assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
        dangling = [ref for ref in references(bundle) if ref not in urls]
        assert dangling == [], f"{pid}: references to no entry: {dangling}"
        (report,) = of_profile(bundle, "genomic-report")
        patient = next(r for r in resources(bundle) if r["resourceType"] == "Patient")
        assert patient["identifier"][0]["value"] == pid
        observations = {f"urn:uuid:{r['id']}" for r in resources(bundle) if r["resourceType"] == "Observation"}
        assert {r["reference"] for r in report["result"]} == observations
        assert report["subject"]["reference"] == f"urn:uuid:{patient['id']}"
        specimens = {f"urn:uuid:{r['id']}" for r in resources(bundle) if r["resourceType"] == "Specimen"}
        assert {s["reference"] for s in report["specimen"]} == specimens
        for obs in resources(bundle):
            if obs["resourceType"] == "Observation":
                assert obs["subject"] == report["subject"]


# --------------------------------------------------------------------------- content


def test_a_tp53_mutation_gives_a_variant_with_its_hgvs_vaf_coordinates_and_build(bundles, reports):
    for pid in ("DEMO-02", "DEMO-07"):
        deciding = [v for v in reports[pid]["tp53"]["all_variants"] if v["decides"]]
        assert deciding, pid
        variants = of_profile(bundles[pid], "variant")
        for v in deciding:
            c_hgvs = f"NM_000546.6:{v['hgvs_c']}"
            (obs,) = [
                o for o in variants if any((HGVS, c_hgvs) in codings(c[CC]) for c in component(o, LOINC, "48004-6"))
            ]
            assert (LOINC, "LA9633-4") in codings(obs[CC])  # Present
            (p,) = component(obs, LOINC, "48005-3")
            assert (HGVS, v["hgvs_p"]) in codings(p[CC])
            (tx,) = component(obs, LOINC, "51958-7")
            assert ("http://www.ncbi.nlm.nih.gov/refseq", "NM_000546.6") in codings(tx[CC])
            (vaf,) = component(obs, LOINC, "81258-6")
            assert vaf[QUANTITY]["value"] == pytest.approx(v["vaf"])
            (span,) = component(obs, LOINC, "81254-5")
            assert span[RANGE]["low"]["value"] == v["pos"]
            assert span[RANGE]["high"]["value"] == v["pos"] + len(v["ref"]) - 1
            assert component(obs, LOINC, "69547-8")[0][STRING] == v["ref"]
            assert component(obs, LOINC, "69551-0")[0][STRING] == v["alt"]
            (coords,) = component(obs, LOINC, "92822-6")
            assert (LOINC, "LA30102-0") in codings(coords[CC])  # 1-based character counting
            (build,) = component(obs, LOINC, "62374-4")
            expected = {"GRCh37": "LA14029-5", "GRCh38": "LA26806-2"}[reports[pid]["samples"][-1]["build"]]
            assert (LOINC, expected) in codings(build[CC])
            (gene,) = component(obs, LOINC, "48018-6")
            assert (HGNC, "HGNC:11998") in codings(gene[CC])
            # The arms that required TP53 wild type derive from this variant.
            for arm in of_profile(bundles[pid], "therapeutic-implication"):
                assert f"urn:uuid:{obs['id']}" in [d["reference"] for d in arm["derivedFrom"]]
    (obs,) = [o for o in of_profile(bundles["DEMO-02"], "variant") if component(o, LOINC, "81290-9")]
    assert (HGVS, "NC_000017.11:g.7673806C>T") in codings(component(obs, LOINC, "81290-9")[0][CC])


def test_an_indeterminate_report_carries_no_firm_eligibility(bundles, reports):
    indeterminate = [pid for pid, r in reports.items() if r["status"] == "INDETERMINATE"]
    assert indeterminate == ["DEMO-06", "DEMO-09", "DEMO-11"]
    seen = Counter()
    for pid, bundle in bundles.items():
        arms = {a["id"]: a["status"] for a in reports[pid]["arms"]}
        implications = of_profile(bundle, "therapeutic-implication")
        assert len(implications) == len(arms)
        for obs in implications:
            (therapy,) = component(obs, TBD, "associated-therapy")
            arm_id = therapy[CC]["coding"][0]["code"]
            status = arms[arm_id]
            (implication,) = component(obs, TBD, "therapeutic-implication")
            codes = codings(implication[CC])
            interpretation = set().union(*(codings(i) for i in obs.get("interpretation", [])))
            seen[status] += 1
            if status == "ELIGIBLE":
                assert ELIGIBLE in codes and NOT_ELIGIBLE not in codes, (pid, arm_id)
            elif status == "NOT_ELIGIBLE":
                assert NOT_ELIGIBLE in codes and ELIGIBLE not in codes, (pid, arm_id)
            else:  # INDETERMINATE, PENDING_CONFIRMATION: never a firm code
                assert not codes & {ELIGIBLE, NOT_ELIGIBLE}, (pid, arm_id, codes)
                assert (f"{fhir.LOCAL}:arm-status", status) in codes
            if status == "INDETERMINATE":
                assert IND in interpretation and obs["status"] == "final"
            if status == "PENDING_CONFIRMATION":
                assert obs["status"] == "preliminary"
    assert seen["INDETERMINATE"] >= 3 and seen["PENDING_CONFIRMATION"] >= 1


def test_copy_number_over_unknown_purity_is_a_range_and_unassessable_is_absent(bundles, reports):
    def cn_obs(pid: str, gene: str) -> tuple[dict[str, Any], dict[str, Any]]:
        (obs,) = [o for o in of_profile(bundles[pid], "variant") if o["code"].get("text") == f"{gene} copy number"]
        (cn,) = component(obs, LOINC, "82155-3")
        return obs, cn

    lo, hi = reports["DEMO-01"]["mdm2"]["threshold"]["copy_number_range"]
    assert lo < hi
    obs, cn = cn_obs("DEMO-01", "MDM2")
    assert QUANTITY not in cn and cn[RANGE]["low"]["value"] == lo and cn[RANGE]["high"]["value"] == hi
    assert (f"{fhir.LOCAL}:gene-call", "amplified") in set().union(*(codings(i) for i in obs["interpretation"]))
    assert obs["method"]["text"] == reports["DEMO-01"]["mdm2"]["method"]
    # Straddling the threshold: a range and "indeterminate", never amplified or not.
    obs, cn = cn_obs("DEMO-10", "CDK4")
    assert reports["DEMO-10"]["cdk4"]["call"] == "uncertain" and RANGE in cn
    assert IND in set().union(*(codings(i) for i in obs["interpretation"]))
    # A stated absolute copy number: one value.
    lo, hi = reports["DEMO-02"]["mdm2"]["threshold"]["copy_number_range"]
    obs, cn = cn_obs("DEMO-02", "MDM2")
    assert lo == hi and cn[QUANTITY]["value"] == lo and RANGE not in cn
    # Not assessable: no number at all.
    for gene in ("MDM2", "CDK4"):
        obs, cn = cn_obs("DEMO-11", gene)
        assert set(value_keys(cn)) == set() and cn["dataAbsentReason"]
        assert (LOINC, "LA11884-6") in codings(obs[CC])  # Indeterminate, not Absent
        assert (HGNC, fhir.HGNC_IDS[gene]) in codings(component(obs, LOINC, "48018-6")[0][CC])


def test_tp53_wild_type_is_a_pertinent_negative_and_not_assessable_is_indeterminate(bundles, reports):
    for pid, report in reports.items():
        status = report["tp53"]["status"]
        summary = [
            o
            for o in of_profile(bundles[pid], "variant")
            if o["code"].get("text", "").startswith("TP53 variant assessment")
        ]
        if status == "mutated":
            assert summary == [], pid
            continue
        (obs,) = summary
        expected = {"wild_type": "LA9634-2", "not_assessable": "LA11884-6"}[status]
        assert codings(obs[CC]) == {(LOINC, expected)}, pid
    assert reports["DEMO-06"]["tp53"]["status"] == "not_assessable"


def test_ihc_and_fish_results_are_observations_and_missing_results_have_no_value(bundles, reports):
    for pid, report in reports.items():
        markers = {o["code"]["coding"][0]["code"]: o for o in of_profile(bundles[pid], "molecular-biomarker")}
        for key in ("mdm2", "p53", "fish"):
            state = report["ihc"][key]["state"]
            if state == "absent":
                assert key not in markers, (pid, key)
                continue
            obs = markers[key]
            if state in NO_RESULT:
                assert not value_keys(obs) and obs["dataAbsentReason"], (pid, key)
                assert obs["status"] == ("registered" if state == "pending" else "final")
            else:
                assert (f"{fhir.LOCAL}:ihc-result", state) in codings(obs[CC]), (pid, key)
    assert reports["DEMO-05"]["ihc"]["mdm2"]["state"] == "pending"
    assert reports["DEMO-03"]["ihc"]["mdm2"]["state"] == "invalid"
    # Rows that disagree (mdm2screen.ihc "conflicting"), or any state the exporter does not know: no value.
    for state in ("conflicting", "something_new"):
        report = copy.deepcopy(reports["DEMO-01"])
        report["ihc"]["mdm2"]["state"] = state
        (obs,) = [
            o
            for o in of_profile(build_fhir_bundle(report), "molecular-biomarker")
            if "MDM2 protein" in o["code"]["text"]
        ]
        assert not value_keys(obs) and (
            "http://terminology.hl7.org/CodeSystem/data-absent-reason",
            "unknown",
        ) in codings(obs["dataAbsentReason"])
    (fish,) = [
        o for o in of_profile(bundles["DEMO-10"], "molecular-biomarker") if o["code"]["coding"][0]["code"] == "fish"
    ]
    assert any(c.get(QUANTITY, {}).get("value") == 6.4 for c in fish["component"])


def test_the_same_report_gives_the_same_bundle_and_is_not_changed(reports):
    for pid, report in reports.items():
        before = copy.deepcopy(report)
        first = json.dumps(build_fhir_bundle(report), sort_keys=True)
        assert report == before, f"{pid}: the report was changed"
        rerun = copy.deepcopy(report)
        rerun["provenance"]["run"] = {"run_time": "2099-01-01T00:00:00Z", "host": "elsewhere"}
        assert json.dumps(build_fhir_bundle(rerun), sort_keys=True) == first, pid
    # Ids come from the patient and sample IDs; different content gives a different Bundle id.
    a, b = build_fhir_bundle(reports["DEMO-01"]), build_fhir_bundle(reports["DEMO-08"])
    assert a["id"] != b["id"]
    changed = copy.deepcopy(reports["DEMO-01"])
    changed["status"] = "NOT_ELIGIBLE"
    c = build_fhir_bundle(changed)
    assert c["id"] != a["id"]
    assert [e["fullUrl"] for e in c["entry"]] == [e["fullUrl"] for e in a["entry"]]
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", json.dumps(a)), "no clock time in the bundle"


def test_hgvs_already_on_a_transcript_is_kept_and_symbolic_alleles_get_no_end(reports):
    report = copy.deepcopy(reports["DEMO-02"])
    variant = report["tp53"]["all_variants"][0]
    variant["hgvs_c"] = "ENST00000269305.4:c.814G>A"
    sv = {
        **variant,
        "ref": "C",
        "alt": "<DEL>",
        "hgvs_c": None,
        "hgvs_p": None,
        "decides": False,
        "category": "filtered",
    }
    report["tp53"]["all_variants"].append(sv)
    bundle = build_fhir_bundle(report)
    assert [p for r in resources(bundle) for p in guide_problems(r)] == []
    variants = [o for o in of_profile(bundle, "variant") if o["code"].get("text") == "TP53 variant"]
    first, second = variants
    assert (HGVS, "ENST00000269305.4:c.814G>A") in codings(component(first, LOINC, "48004-6")[0][CC])
    assert component(first, LOINC, "51958-7")[0][CC] == {"text": "ENST00000269305.4"}  # not a RefSeq coding
    assert "high" not in component(second, LOINC, "81254-5")[0][RANGE]
    assert not component(second, LOINC, "81290-9") and not component(second, LOINC, "48019-4")
    assert (LOINC, "LA11884-6") in codings(second[CC])  # a filtered call is not "Present"


def test_trial_catalogue_arms_become_implications_named_after_their_trial(tmp_path):
    config = {**DEMO_CONFIG, "trials": ["mantra2", "master_key_intimal_sarcoma"], "outdir": str(tmp_path)}
    for pid, report in _screen(config, ["DEMO-01", "DEMO-10"]).items():
        bundle = build_fhir_bundle(report)
        assert [p for r in resources(bundle) for p in guide_problems(r)] == [], pid
        therapies = [
            component(o, TBD, "associated-therapy")[0][CC]["text"]
            for o in of_profile(bundle, "therapeutic-implication")
        ]
        assert any(t.startswith("MANTRA-2: ") for t in therapies), therapies
        assert len(therapies) == len(report["arms"])


def test_the_report_tests_own_reports_give_bundles_that_meet_the_guide():
    """The hand-built reports of tests/report_fixtures.py: hostile text, two samples, pending, mutated."""
    for name, report in all_reports().items():
        bundle = build_fhir_bundle(json.loads(json.dumps(report)))
        Bundle.model_validate(bundle)
        assert [p for r in resources(bundle) for p in guide_problems(r)] == [], name
        urls = {e["fullUrl"] for e in bundle["entry"]}
        assert set(references(bundle)) <= urls, name


def test_dates_the_fhir_types_do_not_take_are_left_out(reports):
    report = copy.deepcopy(reports["DEMO-09"])
    report["samples"][0]["collection_date"] = "May 2024"
    for row in report["ihc"]["mdm2"]["rows"]:
        row["date"] = "last week"
    bundle = build_fhir_bundle(report)
    assert "May 2024" not in json.dumps(bundle) and "last week" not in json.dumps(bundle)
    assert [p for r in resources(bundle) for p in guide_problems(r)] == []
