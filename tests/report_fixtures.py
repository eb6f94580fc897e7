"""Builders of patient report dicts for the report tests.

Each builder returns a fresh dict shaped like the lead's screening output and valid against
``workflow/schemas/patient_report.schema.json`` (the tests check that). Copy-number values come
from a real CNVkit segment file (``resources/demo/data/etal_cnvkit/tr95t.cns``, etal/cnvkit, Apache-2.0) and
TP53 variant values from the real A25 Mutect2/Strelka2 VCFs of ncsa/phyloflow (MIT); see
``tests/data/report/README.md``. Everything else (IDs, dates, IHC rows) is made up but follows
the formats the pipeline documents.
"""

from __future__ import annotations

import copy
import csv
import json
import re
from functools import lru_cache
from typing import Any

from conftest import CNVKIT

from mdm2screen.criteria import combine
from mdm2screen.fileio import sha256_file
from mdm2screen.paths import repo_path
from mdm2screen.reference import gene_locus

TR95T_CNS = CNVKIT / "tr95t.cns"  # the demo's copy (tests/conftest.py finds each real file's one copy)
SCHEMA_PATH = repo_path("workflow", "schemas", "patient_report.schema.json")

HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "R&D ünïcødé 🧬 ≥ 8",
)

# What a self-contained page must never contain: a URL, a protocol-relative src/href, CSS
# imports or url(), or an element that fetches something.
EXTERNAL_PATTERNS = (
    re.compile(r"https?://", re.I),
    re.compile(r"""(?:src|href|action|srcset)\s*=\s*["']?\s*//""", re.I),
    re.compile(r"@import", re.I),
    re.compile(r"url\(", re.I),
    re.compile(r"<(?:link|iframe|object|embed|img|base)\b", re.I),
)

THRESHOLD = {"mode": "absolute", "amplified_at": 8.0, "gain_at": 6.0}
ARM_TITLES = {
    "mdm2_inhibitor": "MDM2 inhibitor monotherapy (e.g. milademetan)",
    "mdm2_cdk4_combination": "MDM2 inhibitor + CDK4/6 inhibitor (MDM2 and CDK4 co-amplified)",
}
ARMS = [{"id": k, "title": v} for k, v in ARM_TITLES.items()]
CONFIG = {
    "arms_file": None,
    "assays": {"DEMO_PANEL": "resources/demo/demo_panel_targets.bed"},
    "copy_number": {
        "genes": ["MDM2", "CDK4", "FRS2", "HMGA2", "YEATS4", "CDKN2A"],
        "summary": "weighted",
        "min_covered_fraction": 0.5,
        "min_purity": 0.2,
        "tp53_deletion_at": 0.5,
        "thresholds": {"default": {"mode": "absolute", "amplified_at": 8, "gain_at": 6}},
    },
    "tp53": {"min_vaf": 0.05, "accepted_filters": ["PASS", "."], "min_depth": 100, "min_coverage_fraction": 0.95},
    "ihc_scoring": {"mdm2_min_percent": 10, "mdm2_min_intensity": 2, "fish_ratio_amplified": 2.0},
    "policy": {"mdm2_ihc_negative": "NOT_ELIGIBLE", "p53_ihc_discordant": "INDETERMINATE"},
    "report": {"title": "MDM2 inhibitor eligibility screening", "pdf": False},
}


# --------------------------------------------------------------------------- real copy number


@lru_cache(maxsize=1)
def _tr95t_chr12() -> tuple[dict[str, Any], ...]:
    """Chromosome 12 segments of tr95t.cns, converted to 1-based inclusive coordinates.

    CNVkit writes BED-style 0-based half-open starts; log2 is converted to total copy number
    as 2 * 2**log2 (pure diploid sample, no purity given).
    """
    rows = []
    with open(TR95T_CNS, newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        for line, rec in enumerate(reader, start=2):
            if rec["chromosome"] != "chr12":
                continue
            log2 = float(rec["log2"])
            rows.append(
                {
                    "chrom": "12",
                    "start": int(rec["start"]) + 1,
                    "end": int(rec["end"]),
                    "raw_value": log2,
                    "copy_number": round(2 * 2**log2, 4),
                    "line": line,
                }
            )
    return tuple(rows)


def _call(cn: float | None, covered: float, threshold: dict[str, Any]) -> tuple[str, bool | None]:
    if cn is None or covered < 0.5:
        return "not_assessable", None
    if cn >= threshold["amplified_at"]:
        return "amplified", True
    if cn >= threshold["gain_at"]:
        return "equivocal", None
    return "not_amplified", False


def gene_cn(gene: str, segments: list[dict[str, Any]] | tuple[dict[str, Any], ...], build: str = "GRCh37",
            raw_kind: str = "log2", method: str = "max over overlapping segments") -> dict[str, Any]:
    """A gene copy-number dict (model.GeneCopyNumber.to_dict shape) from segments."""
    locus = gene_locus(gene, build)
    used = []
    for seg in segments:
        if seg["chrom"] != locus.chrom or seg["end"] < locus.start or seg["start"] > locus.end:
            continue
        overlap = min(seg["end"], locus.end) - max(seg["start"], locus.start) + 1
        used.append(dict(seg, overlap_bp=overlap))
    length = locus.end - locus.start + 1
    covered = min(1.0, sum(s["overlap_bp"] for s in used) / length)
    best = max(used, key=lambda s: s["copy_number"]) if used else None
    cn = best["copy_number"] if best else None
    call, amplified = _call(cn, covered, THRESHOLD)
    reasons = []
    if call == "not_assessable":
        reasons.append({"code": f"{gene.lower()}_not_covered",
                        "message": f"segments cover {covered:.0%} of {gene}; at least 50% is needed"})
    return {
        "gene": gene,
        "build": build,
        "chrom": locus.chrom,
        "start": locus.start,
        "end": locus.end,
        "call": call,
        "amplified": amplified,
        "copy_number": cn,
        "raw_value": best["raw_value"] if best else None,
        "raw_kind": raw_kind if best else None,
        "method": method,
        "threshold": dict(THRESHOLD, value_compared=cn),
        "covered_fraction": round(covered, 4),
        "segments": used,
        "purity": None,
        "ploidy": None,
        "purity_source": None,
        "reasons": reasons,
    }


def chr12_profile(segments: list[dict[str, Any]] | tuple[dict[str, Any], ...], build: str = "GRCh37") -> dict[str, Any]:
    """The ``chr12_profile`` block: segments in a window around CDK4..MDM2 plus gene positions."""
    genes = [gene_locus(g, build) for g in ("CDK4", "HMGA2", "MDM2", "YEATS4", "FRS2")]
    lo = min(g.start for g in genes) - 3_000_000
    hi = max(g.end for g in genes) + 3_000_000
    return {
        "build": build,
        "window": [lo, hi],
        "segments": [
            {"start": s["start"], "end": s["end"], "copy_number": s["copy_number"], "raw_value": s["raw_value"]}
            for s in segments
            if s["end"] >= lo and s["start"] <= hi
        ],
        "genes": [{"gene": g.gene, "start": g.start, "end": g.end} for g in genes],
    }


def _short(gene: dict[str, Any]) -> dict[str, Any]:
    return {k: gene[k] for k in ("call", "amplified", "copy_number")}


# --------------------------------------------------------------------------- TP53


def _variant(**kw: Any) -> dict[str, Any]:
    base = {
        "chrom": "17", "pos": 0, "ref": "", "alt": "", "filters": ["PASS"], "vaf": None, "depth": None,
        "alt_count": None, "consequence": "", "hgvs_c": None, "hgvs_p": None, "annotation_source": "VEP",
        "rsid": None, "line": None, "decides": False, "category": "", "why": "",
    }
    base.update(kw)
    return base


def arg280ser(line: int = 3862) -> dict[str, Any]:
    """17:7577098 T>A, A25 Mutect2 (VEP CSQ): AF 0.331, AD 7,3, DP 10, PASS."""
    return _variant(
        pos=7577098, ref="T", alt="A", vaf=0.331, depth=10, alt_count=3, consequence="missense",
        hgvs_c="c.840A>T", hgvs_p="p.Arg280Ser", line=line, decides=True, category="deciding",
        why="missense, FILTER PASS, VAF 33.1% >= 5%",
    )


def ser378pro_lowevs(line: int = 21877) -> dict[str, Any]:
    """17:7572977 A>G, A25 Strelka2: FILTER LowEVS, tumour tier-1 G 2 / A 9 (VAF 0.18)."""
    return _variant(
        pos=7572977, ref="A", alt="G", filters=["LowEVS"], vaf=0.1818, depth=11, alt_count=2,
        consequence="missense", hgvs_c="c.1132T>C", hgvs_p="p.Ser378Pro", annotation_source="computed",
        line=line, category="filtered", why="FILTER LowEVS is not an accepted filter (PASS, .)",
    )


def _coverage(verified: bool = True) -> dict[str, Any]:
    if not verified:
        return {"verified": False, "adequate": None, "method": None, "fraction_covered": None, "min_depth": None,
                "detail": "no BAM, mosdepth or assay targets given: TP53 coverage not verified"}
    return {"verified": True, "adequate": True, "method": "assay_targets", "fraction_covered": 1.0, "min_depth": None,
            "detail": "all 1,182 TP53 coding bases are inside DEMO_PANEL targets"}


# --------------------------------------------------------------------------- criteria and arms


def _crit(cid: str, kind: str, description: str, state: str, evidence: str) -> dict[str, Any]:
    return {"id": cid, "kind": kind, "description": description, "confirmation": kind == "mdm2_confirmed",
            "state": state, "evidence": evidence}


def _arm(arm_id: str, criteria: list[dict[str, Any]]) -> dict[str, Any]:
    status = combine([c["state"] for c in criteria])  # the project's one status rule
    lead = {"NOT_ELIGIBLE": "not_met", "INDETERMINATE": "unknown", "PENDING_CONFIRMATION": "pending"}.get(status, "met")
    ordered = [c for c in criteria if c["state"] == lead] + [c for c in criteria if c["state"] != lead]
    reasons = [{"code": f"{c['id']}_{c['state']}", "message": c["evidence"]} for c in ordered]
    return {"id": arm_id, "title": ARM_TITLES[arm_id], "status": status, "reasons": reasons, "criteria": criteria}


def _gene_text(gene: dict[str, Any]) -> str:
    cn = "n/a" if gene["copy_number"] is None else f"{gene['copy_number']:.2f}"
    return f"{gene['gene']} copy number {cn} ({gene['call'].replace('_', ' ')}; amplified at >= 8 absolute)"


def _state_of(gene: dict[str, Any]) -> str:
    return {True: "met", False: "not_met"}.get(gene["amplified"], "unknown")


def build_arms(mdm2: dict, cdk4: dict, tp53: tuple[str, str], mdm2_ihc: tuple[str, str],
               p53: tuple[str, str]) -> list[dict[str, Any]]:
    shared_tail = [
        _crit("tp53_wild_type", "tp53_wild_type", "TP53 wild type", *tp53),
        _crit("mdm2_confirmed", "mdm2_confirmed", "MDM2 confirmed by IHC (or FISH)", *mdm2_ihc),
        _crit("p53_ihc_concordant", "p53_ihc_concordant",
              "p53 IHC, when done, does not contradict TP53 wild type", *p53),
    ]
    m = _crit("gene_amplified_MDM2", "gene_amplified", "MDM2 amplified by NGS", _state_of(mdm2), _gene_text(mdm2))
    c = _crit("gene_amplified_CDK4", "gene_amplified", "CDK4 amplified by NGS", _state_of(cdk4), _gene_text(cdk4))
    return [_arm("mdm2_inhibitor", [m, *copy.deepcopy(shared_tail)]),
            _arm("mdm2_cdk4_combination", [copy.deepcopy(m), c, *copy.deepcopy(shared_tail)])]


# --------------------------------------------------------------------------- IHC


def ihc_row(line: int, marker: str, state: str, how: str, *, sample_id: str | None, result: str | None = None,
            percent: float | None = None, intensity: int | None = None, method: str | None = None,
            date: str | None = "2023-03-02", patient_id: str = "") -> dict[str, Any]:
    return {"line": line, "patient_id": patient_id, "sample_id": sample_id, "marker": marker, "result": result,
            "percent_positive": percent, "intensity": intensity, "h_score": None, "ratio": None, "method": method,
            "date": date, "state": state, "how": how}


def _ihc(mdm2: tuple[str, str, list], p53: tuple[str, str, list] | None = None,
         problems: list[str] | None = None) -> dict[str, Any]:
    p53 = p53 or ("absent", "no p53 result in the IHC table", [])
    return {
        "mdm2": {"state": mdm2[0], "detail": mdm2[1], "rows": mdm2[2]},
        "p53": {"state": p53[0], "detail": p53[1], "rows": p53[2]},
        "fish": {"state": "absent", "detail": "no MDM2_FISH result in the IHC table", "rows": []},
        "rows": mdm2[2] + p53[2],
        "problems": problems or [],
    }


# --------------------------------------------------------------------------- whole reports


def _file(role: str, path: str, sample_id: str, fmt: str, sha: str) -> dict[str, Any]:
    return {"role": role, "path": path, "sha256": sha, "format": fmt, "sample_id": sample_id}


SHA_CNS = sha256_file(TR95T_CNS)  # the real copy-number file behind the fixtures
SHA_VCF = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"  # VCFs are not copied


def _sample(sample_id: str, date: str | None, tumor_type: str | None, mdm2: dict, cdk4: dict, tp53_status: str,
            *, used: bool, status: str, build: str = "GRCh37", errors: list | None = None) -> dict[str, Any]:
    return {
        "sample_id": sample_id,
        "build": build,
        "collection_date": date,
        "tumor_type": tumor_type,
        "used_for_decision": used,
        "evaluable": tp53_status != "not_assessable" and mdm2["call"] != "not_assessable",
        "status": status,
        "files": [
            _file("cn_file", f"data/{sample_id}/{sample_id}.cns", sample_id, "cnvkit_cns", SHA_CNS),
            _file("vcf", f"data/{sample_id}/{sample_id}.vcf.gz", sample_id, "vcf", SHA_VCF),
        ],
        "mdm2": _short(mdm2),
        "cdk4": _short(cdk4),
        "tp53_status": tp53_status,
        "errors": errors or [],
    }


def _provenance(samples: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "pipeline_version": "0.1.0",
        "git_commit": "c3bfd5e4a1f0b2c3d4e5f60718293a4b5c6d7e8f",
        "config": copy.deepcopy(CONFIG),
        "config_sha256": "5f2b9c1e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
        "arms_file": "config/arms.yaml",
        "inputs": [f for s in samples for f in s["files"]],
        "genome_build": samples[0]["build"],
        "reference": {"genes": "resources/reference/genes.tsv", "tp53_transcript": "ENST00000269305 / NM_000546.6"},
        "run": {"run_time": "2024-05-14T09:30:00Z", "host": "screen-node-01"},
    }


def _report(patient_id: str, arms: list[dict], mdm2: dict, cdk4: dict, genes: dict, tp53: dict, ihc: dict,
            samples: list[dict], decision_sample: str | None, profile: dict | None,
            events: list[dict] | None = None) -> dict[str, Any]:
    default = arms[0]
    return {
        "schema_version": "1.0.0",
        "patient_id": patient_id,
        "status": default["status"],
        "default_arm": default["id"],
        "reasons": copy.deepcopy(default["reasons"]),
        "arms": arms,
        "decision_sample": decision_sample,
        "mdm2": mdm2,
        "cdk4": cdk4,
        "genes": genes,
        "tp53": tp53,
        "ihc": ihc,
        "samples": samples,
        "history": {"events": events or []},
        "chr12_profile": profile,
        "provenance": _provenance(samples),
    }


def _tr95t_genes() -> tuple[dict, dict, dict]:
    segs = _tr95t_chr12()
    mdm2 = gene_cn("MDM2", segs)
    cdk4 = gene_cn("CDK4", segs)
    genes = {g: gene_cn(g, segs) for g in ("MDM2", "CDK4", "FRS2", "HMGA2", "YEATS4")}
    return mdm2, cdk4, genes


def _tp53_wt() -> dict[str, Any]:
    return {"status": "wild_type", "variants": [], "all_variants": [], "coverage": _coverage(True),
            "reasons": [{"code": "tp53_no_deciding_variant",
                         "message": "no TP53 variant passes the filters; all TP53 coding bases targeted"}],
            "copy_number": None, "source": "data/TR95T/TR95T.vcf.gz"}


def eligible_report() -> dict[str, Any]:
    """MDM2 ~14 copies (tr95t.cns log2 2.817), CDK4 ~23, TP53 wild type, MDM2 IHC positive: ELIGIBLE."""
    mdm2, cdk4, genes = _tr95t_genes()
    rows = [ihc_row(2, "MDM2", "positive", "80% nuclei at intensity 3 (>= 10% nuclei at intensity >= 2)",
                    sample_id="TR95T", percent=80, intensity=3, method="IHC clone SMP14", patient_id="PT-0001"),
            ihc_row(3, "p53", "wild_type_pattern", "reported wild_type_pattern", sample_id="TR95T",
                    result="wild_type_pattern", method="IHC clone DO-7", patient_id="PT-0001")]
    ihc = _ihc(("positive", "MDM2: 80% nuclei at intensity 3 (>= 10% nuclei at intensity >= 2) (line 2)", rows[:1]),
               ("wild_type_pattern", "p53: reported wild_type_pattern (line 3)", rows[1:]))
    arms = build_arms(mdm2, cdk4, ("met", "no deciding TP53 variant"),
                      ("met", ihc["mdm2"]["detail"]), ("met", ihc["p53"]["detail"]))
    samples = [_sample("TR95T", "2023-02-20", "intimal sarcoma", mdm2, cdk4, "wild_type", used=True, status="ELIGIBLE")]
    return _report("PT-0001", arms, mdm2, cdk4, genes, _tp53_wt(), ihc, samples, "TR95T", chr12_profile(_tr95t_chr12()))


def pending_report() -> dict[str, Any]:
    """Molecularly eligible, no MDM2 IHC yet: PENDING_CONFIRMATION; empty chr12 profile."""
    mdm2, cdk4, genes = _tr95t_genes()
    ihc = _ihc(("absent", "no MDM2 result in the IHC table", []))
    arms = build_arms(mdm2, cdk4, ("met", "no deciding TP53 variant"),
                      ("pending", "no MDM2 IHC result: request MDM2 IHC to confirm"),
                      ("met", "no p53 IHC (not required)"))
    samples = [_sample("TR95T-B", "2023-05-11", "intimal sarcoma", mdm2, cdk4, "wild_type", used=True,
                       status="PENDING_CONFIRMATION")]
    profile = {"build": "GRCh37", "window": [55_000_000, 73_000_000], "segments": [], "genes": []}
    return _report("PT-0002", arms, mdm2, cdk4, genes, _tp53_wt(), ihc, samples, "TR95T-B", profile)


def _flat_chr12(cn: float = 2.0) -> list[dict[str, Any]]:
    # ASCAT S98 (VerenaK90/LACHESIS): one chromosome 12 segment 454,504-132,332,384, nMajor 1 / nMinor 1.
    return [{"chrom": "12", "start": 454_504, "end": 132_332_384, "raw_value": cn, "copy_number": cn, "line": 9}]


def tp53_mutated_report() -> dict[str, Any]:
    """p.Arg280Ser (PASS, VAF 0.331) decides; p.Ser378Pro (LowEVS) is shown but filtered: NOT_ELIGIBLE."""
    segs = _flat_chr12()
    mdm2 = gene_cn("MDM2", segs, raw_kind="copy_number", method="ASCAT total copy number (nMajor + nMinor)")
    cdk4 = gene_cn("CDK4", segs, raw_kind="copy_number", method="ASCAT total copy number (nMajor + nMinor)")
    genes = {"MDM2": mdm2, "CDK4": cdk4, "CDKN2A": gene_cn("CDKN2A", [])}
    deciding = arg280ser()
    tp53 = {"status": "mutated", "variants": [deciding], "all_variants": [deciding, ser378pro_lowevs()],
            "coverage": _coverage(True),
            "reasons": [{"code": "tp53_mutated", "message": "TP53 p.Arg280Ser (missense, VAF 33.1%)"}],
            "copy_number": gene_cn("TP53", [{"chrom": "17", "start": 460_780, "end": 78_515_017, "raw_value": 1.0,
                                              "copy_number": 1.0, "line": 12}], raw_kind="copy_number"),
            "source": "data/A25/VEP_raw.A25.mutect2.filtered.snp.vcf"}
    ihc = _ihc(("absent", "no MDM2 result in the IHC table", []))
    arms = build_arms(mdm2, cdk4, ("not_met", "TP53 mutated: p.Arg280Ser (missense, VAF 33.1%)"),
                      ("pending", "no MDM2 IHC result: request MDM2 IHC to confirm"),
                      ("met", "no p53 IHC (not required)"))
    samples = [_sample("A25", "2022-11-03", "hepatocellular carcinoma", mdm2, cdk4, "mutated", used=True,
                       status="NOT_ELIGIBLE")]
    return _report("PT-0003", arms, mdm2, cdk4, genes, tp53, ihc, samples, "A25",
                   chr12_profile(segs))


def indeterminate_report() -> dict[str, Any]:
    """MDM2 amplified but the VCF has no chromosome 17 records: TP53 not assessable, INDETERMINATE."""
    mdm2, cdk4, genes = _tr95t_genes()
    tp53 = {"status": "not_assessable", "variants": [], "all_variants": [], "coverage": _coverage(False),
            "reasons": [{"code": "tp53_no_records",
                         "message": "the VCF has no records on chromosome 17 (167 records, all on chr2 and chrX): "
                                    "an unsequenced TP53 is not wild type"}],
            "copy_number": None, "source": "data/XI003/mutect.somatic.vcf.gz"}
    ihc = _ihc(("positive", "MDM2: reported positive (line 7)",
                [ihc_row(7, "MDM2", "positive", "reported positive", sample_id="XI003", result="positive",
                         patient_id="PT-0004")]))
    arms = build_arms(mdm2, cdk4, ("unknown", "TP53 not assessable: " + tp53["reasons"][0]["message"]),
                      ("met", ihc["mdm2"]["detail"]), ("met", "no p53 IHC (not required)"))
    samples = [_sample("XI003", "2023-08-30", None, mdm2, cdk4, "not_assessable", used=True, status="INDETERMINATE")]
    return _report("PT-0004", arms, mdm2, cdk4, genes, tp53, ihc, samples, "XI003", None)


def two_sample_report() -> dict[str, Any]:
    """2021 biopsy eligible; 2023 biopsy (decision sample) has acquired p.Arg280Ser: NOT_ELIGIBLE."""
    mdm2, cdk4, genes = _tr95t_genes()
    deciding = arg280ser()
    tp53 = {"status": "mutated", "variants": [deciding], "all_variants": [deciding], "coverage": _coverage(True),
            "reasons": [{"code": "tp53_mutated", "message": "TP53 p.Arg280Ser (missense, VAF 33.1%)"}],
            "copy_number": None, "source": "data/S2-2023/S2-2023.vcf.gz"}
    rows = [ihc_row(4, "MDM2", "positive", "reported positive", sample_id="S1-2021", result="positive",
                    date="2021-04-12", patient_id="PT-0005")]
    ihc = _ihc(("positive", "MDM2: reported positive (line 4) (on sample S1-2021, not the decision sample)", rows))
    arms = build_arms(mdm2, cdk4, ("not_met", "TP53 mutated: p.Arg280Ser (missense, VAF 33.1%)"),
                      ("met", ihc["mdm2"]["detail"]), ("met", "no p53 IHC (not required)"))
    samples = [
        _sample("S1-2021", "2021-04-01", "dedifferentiated liposarcoma", mdm2, cdk4, "wild_type", used=False,
                status="ELIGIBLE"),
        _sample("S2-2023", "2023-06-15", "dedifferentiated liposarcoma", mdm2, cdk4, "mutated", used=True,
                status="NOT_ELIGIBLE"),
    ]
    events = [{"code": "acquired_tp53_mutation",
               "message": "TP53 p.Arg280Ser (VAF 33.1%) found in S2-2023 (2023-06-15) was absent from S1-2021 "
                          "(2021-04-01): acquired TP53 mutation, the earlier eligibility no longer holds",
               "from_sample": "S1-2021", "to_sample": "S2-2023"}]
    return _report("PT-0005", arms, mdm2, cdk4, genes, tp53, ihc, samples, "S2-2023",
                   chr12_profile(_tr95t_chr12()), events)


def hostile_report() -> dict[str, Any]:
    """Free text fields carry markup, ampersands and unicode; IDs stay valid (they are validated)."""
    script, img, uni = HOSTILE
    report = tp53_mutated_report()
    report["patient_id"] = "PT-0006"
    sample = report["samples"][0]
    sample["tumor_type"] = f"{script} {uni}"
    for f in sample["files"]:
        f["path"] = f"data/{img}/{script}.vcf"
    report["provenance"]["inputs"] = copy.deepcopy(sample["files"])
    report["provenance"]["arms_file"] = f"config/{img}.yaml"
    report["provenance"]["config"]["report"]["title"] = script
    report["provenance"]["run"]["host"] = img
    variant = report["tp53"]["all_variants"][1]
    variant["hgvs_p"] = script
    variant["hgvs_c"] = img
    variant["why"] = f"FILTER {uni} {script}"
    variant["filters"] = [img]
    report["tp53"]["reasons"].append({"code": "note", "message": script})
    report["reasons"].append({"code": "hostile", "message": f"{script} & {img}"})
    report["arms"][0]["reasons"].insert(0, {"code": "hostile", "message": f"{img} {uni}"})
    report["arms"][1]["criteria"][0]["evidence"] = script
    row = ihc_row(9, "MDM2", "equivocal", f"{script}", sample_id="A25", percent=5, method=f"{script} {img} {uni}",
                  patient_id="PT-0006")
    report["ihc"]["mdm2"] = {"state": "equivocal", "detail": img, "rows": [row]}
    report["ihc"]["rows"] = [row]
    report["ihc"]["problems"] = [f"ihc.tsv, line 12: {script}"]
    report["mdm2"]["reasons"].append({"code": "hostile", "message": img})
    report["mdm2"]["method"] = script
    report["genes"]["CDKN2A"]["reasons"][0]["message"] = script
    report["history"]["events"].append({"code": "note", "message": script})
    report["chr12_profile"]["genes"].append({"gene": script, "start": 69_300_000, "end": 69_310_000})
    return report


def all_reports() -> dict[str, dict[str, Any]]:
    return {
        "eligible": eligible_report(),
        "pending": pending_report(),
        "tp53_mutated": tp53_mutated_report(),
        "indeterminate": indeterminate_report(),
        "two_sample": two_sample_report(),
        "hostile": hostile_report(),
    }


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())
