"""Trial arms as MatchMiner CTML trial documents, so a site running MatchMiner can match its whole database.

One JSON document per arm (``<arm id>.json``). JSON, not YAML, because that is what MatchEngine V2 loads:
its ``load`` command accepts ``--trial-format yml|json`` with json the default, but its loader only reads
YAML when the format is spelled ``yaml``, a value the command line refuses, so a YAML trial file is never
loaded through it (dfci/matchengine-V2 at 4f0497da92ed3548a40b096c5785e2696690f0d7, matchengine/main.py
and matchengine/internals/load.py). A JSON document is also valid YAML for the older loaders.

What the match tree can say (facts read in the repositories cited below):

- a node is exactly one of ``and`` / ``or`` (lists of nodes), ``genomic`` or ``clinical``;
- ``genomic``: ``hugo_symbol``, ``variant_category`` (Mutation, Copy Number Variation, ...), ``cnv_call``
  (Low/High Amplification, Homozygous/Heterozygous Deletion, each optionally prefixed with ``!``), ``wildtype``;
  MatchEngine maps ``High Amplification`` to the patient value ``High level amplification``: the lab's own
  categorical call. A copy-number threshold cannot be written;
- ``clinical``: ``oncotree_primary_diagnosis`` holds an OncoTree *name* (MatchEngine expands it to the name's
  OncoTree subtree and compares it with the patient's ``ONCOTREE_PRIMARY_DIAGNOSIS_NAME``); a leading ``!``
  makes the node an exclusion. There is no field for IHC, FISH or tumour purity.

So every arm becomes ``and`` of: MDM2 (or another gene) ``High Amplification``; TP53 ``wildtype: true`` and not
``Homozygous Deletion`` (mdm2screen counts a TP53 deep deletion as not wild type); the listed tumour types as
an ``or`` of OncoTree names; one ``!`` node per excluded type; ``any_of`` as ``or``. Criteria CTML cannot
express are left out of the match tree, never silently: each is listed, with why, in the document's
``mdm2screen.not_expressible`` (MatchEngine V2 reads only ``protocol_no``, ``nct_id``, ``treatment_list``,
``status`` and ``_summary`` of a trial: its ``projections.trial`` in matchengine/config/dfci_config.json)
and printed. Leaving a criterion out makes the CTML match *wider* than the arm (candidates to confirm), so an
``any_of`` with a branch CTML cannot express is left out whole: keeping only its other branches would drop
patients the arm accepts. Tumour types are exported only as the OncoTree codes the arm lists (a name is never
turned into a code: the OncoTree node named "Primary Brain Tumor" is one small node, not every primary CNS
tumour); a name that no listed code covers is listed as not expressed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import load_settings, parse_yaml
from ..criteria import Arm, Criterion, load_arms, normalize_tumor_type
from ..errors import ConfigError
from ..fileio import atomic_write
from ..paths import TRIALS_DIR, safe_child

# ---------------------------------------------------------------------------------------------------------------
# MatchMiner's CTML schema, restated as a JSON schema (our own wording) from these sources:
#   dfci/matchminer-api @ b3f70c798e54b47e4033d5409d91fe82cabb860f (2023-12-05)
#     matchminer/data_model.py: parent_schema (the trial document; treatment_list -> step -> arm, and the
#       fields each requires), yaml_match_schema (and / or / genomic / clinical), yaml_genomic_schema,
#       yaml_clinical_schema (field types and allowed values);
#     matchminer/validation.py: _validate_match validates match[0] against yaml_match_schema;
#     matchminer/settings_dev.py: the trial resource has allow_unknown False (unknown fields are refused).
#   dfci/matchengine-V2 @ 4f0497da92ed3548a40b096c5785e2696690f0d7 (2023-12-01)
#     matchengine/config/dfci_config.json (trial_identifier protocol_no; CNV_CALL via cnv_map;
#       ONCOTREE_PRIMARY_DIAGNOSIS via ref/oncotree_mapping.json, keyed by OncoTree names; projections.trial);
#     matchengine/plugins/DFCIQueryTransformers.py (cnv_map: High Amplification -> High level amplification);
#     matchengine/internals/query_transform.py (is_negate: a leading '!' makes the node an exclusion).
#   dfci/matchminer-engine @ 56a2efea294f56f2b66c58085f70350cc0a1388c (MatchEngine v1, deprecated)
#     matchengine/schema.py (hugo_symbol and variant_category required in a genomic node);
#     matchengine/engine.py and utilities.py ('!' on oncotree_primary_diagnosis -> $nin over the subtree).
# It is deliberately the strict intersection of what these accept: hugo_symbol and variant_category are
# required (v1 requires both, the API neither), a node has exactly one key, a branch is never empty, an arm
# has exactly one match root, and only the fields this exporter can emit are allowed. The API's other required
# top-level fields (principal_investigator, protocol_id, staff_list, site_list, sponsor_list, ...) are a site's
# OnCore administration, not eligibility: they are not emitted (see SITE_FIELDS) and a site adds them before
# posting a document to the MatchMiner API. MatchEngine V2 ``load`` needs none of them.
# ---------------------------------------------------------------------------------------------------------------
REPOSITORIES = {
    "dfci/matchminer-api": "b3f70c798e54b47e4033d5409d91fe82cabb860f",
    "dfci/matchengine-V2": "4f0497da92ed3548a40b096c5785e2696690f0d7",
    "dfci/matchminer-engine": "56a2efea294f56f2b66c58085f70350cc0a1388c",
}
VARIANT_CATEGORIES = ("Mutation", "Copy Number Variation", "Structural Variation")
CNV_CALLS = ("Low Amplification", "High Amplification", "Homozygous Deletion", "Heterozygous Deletion")
SITE_FIELDS = (
    "protocol_id",
    "principal_investigator",
    "age",
    "phase",
    "data_table4",
    "protocol_type",
    "protocol_target_accrual",
    "cancer_center_accrual_goal_upper",
    "program_area_list",
    "site_list",
    "management_group_list",
    "oncology_group_list",
    "staff_list",
    "sponsor_list",
)
EXTRA_FIELD = "mdm2screen"  # ignored by MatchEngine V2; the API refuses unknown fields: drop it before a POST


def _with_negation(values: Iterable[str]) -> list[str]:
    values = list(values)
    return values + [f"!{v}" for v in values]


CTML_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "MatchMiner CTML trial document, as mdm2screen export-ctml writes it",
    "type": "object",
    "required": ["protocol_no", "nct_id", "short_title", "long_title", "treatment_list"],
    "additionalProperties": False,
    "properties": {
        "protocol_no": {"type": "string", "minLength": 1},
        "nct_id": {"type": "string", "pattern": r"^(NCT[0-9]{8})?$"},
        "short_title": {"type": "string", "minLength": 1},
        "long_title": {"type": "string", "minLength": 1},
        "drug_list": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "drug": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"drug_name": {"type": "string"}},
                    },
                }
            },
        },
        "treatment_list": {
            "type": "object",
            "required": ["step"],
            "additionalProperties": False,
            "properties": {"step": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/step"}}},
        },
        EXTRA_FIELD: {"type": "object"},
    },
    "$defs": {
        "step": {
            "type": "object",
            "required": ["step_internal_id", "step_code", "step_type", "arm"],
            "additionalProperties": False,
            "properties": {
                "step_internal_id": {"type": "integer"},
                "step_code": {"type": "string"},
                "step_type": {"type": "string"},
                "arm": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/arm"}},
            },
        },
        "arm": {
            "type": "object",
            "required": ["arm_internal_id", "arm_code", "arm_description", "arm_suspended", "match"],
            "additionalProperties": False,
            "properties": {
                "arm_internal_id": {"type": "integer"},
                "arm_code": {"type": "string", "minLength": 1},
                "arm_description": {"type": "string", "minLength": 1},
                "arm_suspended": {"enum": ["Y", "N"]},
                "match": {"type": "array", "minItems": 1, "maxItems": 1, "items": {"$ref": "#/$defs/node"}},
            },
        },
        "node": {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
            "properties": {
                "and": {"$ref": "#/$defs/branch"},
                "or": {"$ref": "#/$defs/branch"},
                "genomic": {"$ref": "#/$defs/genomic"},
                "clinical": {"$ref": "#/$defs/clinical"},
            },
        },
        "branch": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/node"}},
        "genomic": {
            "type": "object",
            "required": ["hugo_symbol", "variant_category"],
            "additionalProperties": False,
            "properties": {
                "hugo_symbol": {"type": "string", "pattern": r"^[A-Z0-9][A-Z0-9-]*$"},
                "variant_category": {"enum": [*_with_negation(VARIANT_CATEGORIES), "Any Variation"]},
                "cnv_call": {"enum": _with_negation(CNV_CALLS)},
                "wildtype": {"type": "boolean"},
                "protein_change": {"type": "string"},
                "wildcard_protein_change": {"type": "string"},
                "exon": {"type": "integer"},
            },
            # a cnv_call only means something on a copy-number node (MatchEngine v1 README)
            "if": {"required": ["cnv_call"]},
            "then": {"properties": {"variant_category": {"const": "Copy Number Variation"}}},
        },
        "clinical": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {
                "oncotree_primary_diagnosis": {"type": "string", "pattern": r"^!?[^!\s].*$"},
                "age_numerical": {"type": "string"},
                "gender": {"enum": ["Male", "Female", "X"]},
            },
        },
    },
}

# OncoTree code -> name for the codes the arms and the trial catalogue list. Each pair as in MatchMiner's own
# OncoTree table, dfci/matchminer-api @ b3f70c7 matchminer/data/tumor_tree.txt (the same pairs are in
# dfci/matchminer-engine matchengine/data/tumor_tree.txt); every name is a key of MatchEngine V2's
# matchengine/ref/oncotree_mapping.json. CTML holds the name; the code is kept in the export's record.
# A code missing here is reported, never guessed: add its pair from that table.
ONCOTREE: dict[str, str] = {
    "AMPCA": "Ampullary Carcinoma",
    "BLCA": "Bladder Urothelial Carcinoma",
    "CHOL": "Cholangiocarcinoma",
    "DDLS": "Dedifferentiated Liposarcoma",
    "EHCH": "Extrahepatic Cholangiocarcinoma",
    "GB": "Glioblastoma",
    "GBC": "Gallbladder Cancer",
    "GBM": "Glioblastoma Multiforme",
    "IHCH": "Intrahepatic Cholangiocarcinoma",
    "INTS": "Intimal Sarcoma",
    "LUAD": "Lung Adenocarcinoma",
    "MCC": "Merkel Cell Carcinoma",
    "PAAD": "Pancreatic Adenocarcinoma",
    "PHCH": "Perihilar Cholangiocarcinoma",
    "SCLC": "Small Cell Lung Cancer",
    "UCEC": "Endometrial Carcinoma",
    "WDLS": "Well-Differentiated Liposarcoma",
}

HIGH_AMPLIFICATION = "High Amplification"
_MODE_TEXT = {
    "absolute": "copy number",
    "fold_change": "fold change (copy number / 2)",
    "relative_ploidy": "copy number / ploidy",
    "log2": "log2 ratio",
}
_NOT_EXPRESSIBLE = {
    "mdm2_confirmed": "MDM2 confirmation by IHC (or FISH) has no CTML field: a genomic node matches sequencing "
    "calls only and a clinical node has no IHC or FISH result; confirm it outside MatchMiner",
    "mdm2_ihc_positive": "MDM2 IHC has no CTML field (genomic nodes match sequencing calls only); check it "
    "outside MatchMiner",
    "mdm2_fish_amplified": "MDM2 FISH has no CTML field (genomic nodes match sequencing calls only); check it "
    "outside MatchMiner",
    "p53_ihc_concordant": "p53 IHC has no CTML field; review p53 IHC outside MatchMiner",
}


class CtmlError(ValueError):
    """An arm has nothing CTML can express, or an emitted document fails the CTML schema (a bug)."""


def _rule_text(rule: Mapping[str, Any]) -> str:
    mode = str(rule.get("mode", "absolute"))
    text = f"{_MODE_TEXT.get(mode, mode)} >= {float(rule['amplified_at']):g}"
    if "gain_at" in rule and float(rule["gain_at"]) < float(rule["amplified_at"]):
        text += f" (equivocal from {float(rule['gain_at']):g})"
    return text


def _gene_node(c: Criterion, rules: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, Any], str]:
    gene = str(c.params["gene"])
    rule = c.own_rule()
    if rule:
        wanted = f"this arm requires {_rule_text(rule)}"
    elif gene in rules:
        wanted = f"the configured rule (copy_number.thresholds) requires {_rule_text(rules[gene])}"
    else:
        wanted = "the configured rule (copy_number.thresholds) sets the cut-off"
    note = (
        f"{c.id} (gene_amplified {gene}): approximated. CTML cannot state a copy-number threshold; "
        f"cnv_call '{HIGH_AMPLIFICATION}' matches the lab's own high-level amplification call, at whatever cut-off "
        f"the lab uses, and {wanted}"
    )
    node = {
        "genomic": {"hugo_symbol": gene, "variant_category": "Copy Number Variation", "cnv_call": HIGH_AMPLIFICATION}
    }
    return node, note


def _tp53_nodes() -> list[dict[str, Any]]:
    return [
        {"genomic": {"hugo_symbol": "TP53", "variant_category": "Mutation", "wildtype": True}},
        {
            "genomic": {
                "hugo_symbol": "TP53",
                "variant_category": "Copy Number Variation",
                "cnv_call": "!Homozygous Deletion",
            }
        },
    ]


def map_tumor_types(types: Iterable[str]) -> list[dict[str, Any]]:
    """Each listed type: its OncoTree code and name when the arm lists the code, else what covers it (or nothing)."""
    types = list(types)
    listed_codes = [t.strip().upper() for t in types if t.strip().upper() in ONCOTREE]
    names_of_listed = {normalize_tumor_type(ONCOTREE[code]): code for code in listed_codes}
    rows: list[dict[str, Any]] = []
    for t in types:
        code = t.strip().upper()
        if code in ONCOTREE:
            rows.append({"listed": t, "oncotree_code": code, "oncotree_name": ONCOTREE[code], "in_ctml": "yes"})
        elif normalize_tumor_type(t) in names_of_listed:
            covering = names_of_listed[normalize_tumor_type(t)]
            rows.append(
                {"listed": t, "oncotree_code": covering, "oncotree_name": ONCOTREE[covering],
                 "in_ctml": f"as the listed code {covering} (same OncoTree name)"}
            )  # fmt: skip
        else:
            rows.append(
                {"listed": t, "oncotree_code": None, "oncotree_name": None,
                 "in_ctml": "no: the arm lists no OncoTree code for this name"}
            )  # fmt: skip
    return rows


def _tumor_nodes(c: Criterion, record: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    """(nodes, note): ``or`` of names for tumor_type_in, one ``!`` node per name for tumor_type_not_in."""
    rows = map_tumor_types(c.params["types"])
    for row in rows:
        record.append({"criterion": c.id, "kind": c.kind, **row})
    names = list(dict.fromkeys(r["oncotree_name"] for r in rows if r["in_ctml"] == "yes"))
    missing = [r["listed"] for r in rows if r["oncotree_code"] is None]
    include = c.kind == "tumor_type_in"
    if not names:
        return [], (
            f"{c.id} ({c.kind}): not expressed. The arm lists no OncoTree code ({', '.join(missing)}), so the "
            "CTML does not restrict tumour type; check it outside MatchMiner"
        )
    note = None
    if missing:
        effect = (
            "left out: MatchMiner records diagnoses as OncoTree names, so only the listed codes' subtrees match; "
            "check that they cover these"
            if include
            else "MatchMiner excludes only the listed codes' subtrees; exclude any of these they miss by hand"
        )
        note = f"{c.id} ({c.kind}): partly expressed. No OncoTree code is listed for {', '.join(missing)}: {effect}"
    if include:
        clinical = [{"clinical": {"oncotree_primary_diagnosis": n}} for n in names]
        return ([clinical[0]] if len(clinical) == 1 else [{"or": clinical}]), note
    return [{"clinical": {"oncotree_primary_diagnosis": f"!{n}"}} for n in names], note


def _translate(
    c: Criterion, rules: Mapping[str, Mapping[str, Any]], notes: list[str], record: list[dict[str, Any]]
) -> list[dict[str, Any]] | None:
    """The nodes for one criterion (ANDed by the caller), or None when CTML cannot express it (reason in notes)."""
    if c.kind == "gene_amplified":
        node, note = _gene_node(c, rules)
        notes.append(note)
        return [node]
    if c.kind == "tp53_wild_type":
        return _tp53_nodes()
    if c.kind in ("tumor_type_in", "tumor_type_not_in"):
        nodes, tumor_note = _tumor_nodes(c, record)
        if tumor_note:
            notes.append(tumor_note)
        return nodes or None
    if c.kind == "min_purity":
        notes.append(
            f"{c.id} (min_purity {float(c.params['value']):g}): not expressed. CTML has no tumour-purity field "
            "(clinical nodes know OncoTree diagnosis, age, gender and receptor status); check purity outside MatchMiner"
        )
        return None
    if c.kind in _NOT_EXPRESSIBLE:
        notes.append(f"{c.id} ({c.kind}): not expressed. {_NOT_EXPRESSIBLE[c.kind]}")
        return None
    if c.kind == "any_of":
        per_branch: list[list[str]] = [[] for _ in c.children]
        branches = [_translate(child, rules, per_branch[n], record) for n, child in enumerate(c.children)]
        lost = [n for n, b in enumerate(branches) if b is None]
        if lost:
            for n in lost:
                notes.extend(per_branch[n])
            ids = ", ".join(c.children[n].id for n in lost)
            notes.append(
                f"{c.id} (any_of): not expressed. {ids} cannot be written in CTML, and keeping only the other "
                "branches would drop patients the arm accepts that way, so the CTML does not restrict on this "
                "criterion; check it outside MatchMiner"
            )
            return None
        for branch_notes in per_branch:
            notes.extend(branch_notes)
        alternatives = [b[0] if len(b) == 1 else {"and": b} for b in branches if b is not None]
        return [{"or": alternatives}]
    notes.append(f"{c.id} ({c.kind}): not expressed. mdm2screen has no CTML translation for this kind")
    return None


def arm_to_ctml(
    arm: Arm,
    *,
    trial_meta: Mapping[str, Any] | None,
    rules: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The arm as a CTML trial document, and the criteria CTML cannot express (each with why).

    ``trial_meta``: the catalogue trial's ``trial:`` block (name, registry, drug), or None for an arms-file arm.
    ``rules``: the configured amplification rule per gene ({mode, amplified_at, gain_at}), quoted for a
    gene_amplified criterion without its own thresholds.
    """
    meta = dict(trial_meta or {})
    notes: list[str] = []
    record: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    for c in arm.criteria:
        translated = _translate(c, rules or {}, notes, record)
        if translated:
            nodes.extend(translated)
    if not nodes:
        raise CtmlError(f"arm '{arm.id}': no criterion can be expressed in CTML ({'; '.join(notes)})")
    registry = meta.get("registry")
    nct_id = registry if isinstance(registry, str) and registry.startswith("NCT") else ""
    name = str(meta.get("name") or arm.trial or arm.title)
    doc: dict[str, Any] = {
        "protocol_no": f"mdm2screen-{arm.id}",
        "nct_id": nct_id,
        "short_title": name,
        "long_title": arm.title,
    }
    if meta.get("drug"):
        doc["drug_list"] = {"drug": [{"drug_name": str(meta["drug"])}]}
    doc["treatment_list"] = {
        "step": [
            {
                "step_internal_id": 1,
                "step_code": "1",
                "step_type": "Treatment",
                "arm": [
                    {
                        "arm_internal_id": 1,
                        "arm_code": arm.id,
                        "arm_description": arm.title,
                        "arm_suspended": "N",
                        "match": [{"and": nodes}],
                    }
                ],
            }
        ]
    }
    doc[EXTRA_FIELD] = {
        "generated_by": f"mdm2screen {__version__} export-ctml",
        "arm_id": arm.id,
        "trial": meta.get("name") or arm.trial,
        "registry": registry,
        "source": arm.source,
        "not_expressible": notes,
        "tumour_types": record,
        "notes": [
            "The match tree is wider than the arm: every criterion listed in not_expressible is checked outside "
            "MatchMiner (mdm2screen screens the same arm with all of them).",
            "MatchMiner matches the lab's categorical calls (CNV_CALL, WILDTYPE) and expands each OncoTree name to "
            "its subtree; mdm2screen compares copy number with the arm's thresholds and tumour types by name.",
            f"protocol_no is mdm2screen's; replace it with the site's own. Before posting to the MatchMiner API, "
            f"drop '{EXTRA_FIELD}' (unknown fields are refused) and add the site's {', '.join(SITE_FIELDS)}.",
            "CTML schema restated from " + ", ".join(f"{repo}@{commit[:12]}" for repo, commit in REPOSITORIES.items()),
        ],
    }
    return doc, notes


def validate_ctml(doc: Any) -> list[str]:  # noqa: ANN401 - any parsed document
    """Every way ``doc`` breaks MatchMiner's CTML schema (CTML_SCHEMA plus the checks a JSON schema cannot make)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(CTML_SCHEMA)
    problems = [
        f"{'/'.join(str(x) for x in error.absolute_path) or '(top level)'}: {error.message}"
        for error in validator.iter_errors(doc)
    ]
    if problems:
        return problems
    known_names = set(ONCOTREE.values())
    for step in doc["treatment_list"]["step"]:
        for arm in step["arm"]:
            for where, clinical in _clinical_nodes(arm["match"][0], f"arm {arm['arm_code']}"):
                name = clinical.get("oncotree_primary_diagnosis")
                # The API checks the name against its OncoTree normalisation table (validation.py, normalized).
                if name is not None and name.removeprefix("!") not in known_names:
                    problems.append(f"{where}: oncotree_primary_diagnosis {name!r} is not a known OncoTree name")
    return problems


def _clinical_nodes(node: Mapping[str, Any], where: str) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for key, value in node.items():
        if key in ("and", "or"):
            for n, child in enumerate(value, start=1):
                yield from _clinical_nodes(child, f"{where}/{key}[{n}]")
        elif key == "clinical":
            yield f"{where}/clinical", value


def _trial_blocks(trials: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Catalogue trial name -> its ``trial:`` block (load_arms keeps only the name on each arm)."""
    blocks: dict[str, dict[str, Any]] = {}
    for name in trials:
        path = TRIALS_DIR / f"{name}.yaml"
        raw = parse_yaml(path.read_text(), str(path)) or {}
        block = raw.get("trial") or {}
        if block.get("name"):
            blocks[str(block["name"])] = dict(block)
    return blocks


def export_ctml(
    config: dict[str, Any],
    *,
    arm_ids: list[str] | None,
    out: Path | None,
    echo: Callable[[str], object] | None = print,
) -> list[Path]:
    """Write ``<out>/<arm id>.json`` for each arm of the configuration (or those in ``arm_ids``); the paths.

    ``out`` defaults to ``<outdir>/ctml``. Each document's ``mdm2screen.not_expressible`` lists what CTML
    cannot express; ``echo`` (print by default) is told each file and each of those criteria, and each arm
    not written because CTML can express none of its criteria.
    ConfigError for a broken configuration or arms file, or an unknown arm id.
    """
    settings = load_settings(config)
    trials = list(settings["trials"])
    arms = load_arms(settings.arms_file, trials=trials)
    selected = list(arms.arms)
    if arm_ids:
        known = [a.id for a in arms.arms]
        unknown = [a for a in arm_ids if a not in known]
        if unknown:
            raise ConfigError(
                [f"arm '{a}' is not in the arms file or selected trials (arms: {', '.join(known)})" for a in unknown]
            )
        selected = [a for a in arms.arms if a.id in arm_ids]
    folder = Path(out) if out is not None else settings.outdir / "ctml"
    blocks = _trial_blocks(trials)
    genes = {str(c.params["gene"]) for a in selected for c in _walk(a.criteria) if c.kind == "gene_amplified"}
    rules = {
        gene: {"mode": r.mode, "amplified_at": r.amplified_at, "gain_at": r.gain_at}
        for gene in sorted(genes)
        for r in [settings.amplification_rule(gene)]
    }
    written: list[Path] = []
    for arm in selected:
        try:
            doc, notes = arm_to_ctml(arm, trial_meta=blocks.get(arm.trial or ""), rules=rules)
        except CtmlError as exc:  # e.g. an IHC-only arm: a document matching everyone would mislead
            if echo is not None:
                echo(f"not written: {exc}")
            continue
        problems = validate_ctml(doc)
        if problems:
            raise CtmlError(f"arm '{arm.id}': the CTML document breaks MatchMiner's schema: " + "; ".join(problems))
        path = safe_child(folder, arm.id, ".json")
        atomic_write(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
        if echo is not None:
            if not notes:
                echo(f"{path}: arm {arm.id}; CTML expresses every criterion")
                continue
            echo(f"{path}: arm {arm.id}; CTML cannot express exactly:")
            for note in notes:
                echo(f"  - {note}")
    return written


def _walk(criteria: Iterable[Criterion]) -> Iterable[Criterion]:
    for c in criteria:
        yield c
        yield from _walk(c.children)
