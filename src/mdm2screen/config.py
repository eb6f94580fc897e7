"""Configuration: load, fill defaults from the JSON schema, validate, list every problem.

The schema in ``workflow/schemas/config.schema.yaml`` is the single source of keys, defaults
and descriptions; Snakemake's ``validate()`` uses the same file.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .model import AmplificationRule
from .paths import repo_path

CONFIG_SCHEMA = repo_path("workflow", "schemas", "config.schema.yaml")
DEFAULT_ARMS = repo_path("config", "arms.yaml")
ALWAYS_EVALUATED_GENES = ("MDM2", "CDK4")


def load_schema(path: Path) -> Any:
    """One of mdm2screen's own schema files (YAML)."""
    with open(path) as handle:
        return yaml.safe_load(handle)


@cache
def config_schema() -> dict[str, Any]:
    return load_schema(CONFIG_SCHEMA)


def _fill_defaults(schema: dict[str, Any], data: dict[str, Any]) -> None:
    for key, sub in schema.get("properties", {}).items():
        if key not in data and "default" in sub:
            data[key] = copy.deepcopy(sub["default"])
        if isinstance(data.get(key), dict) and sub.get("type") == "object" and "properties" in sub:
            _fill_defaults(sub, data[key])


def _unknown_keys(schema: dict[str, Any], data: Any, where: str, problems: list[str]) -> None:
    if not isinstance(data, dict) or schema.get("additionalProperties", True) is not False:
        return
    known = list(schema.get("properties", {}))
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
            problems.append(f"{where}: unknown key '{key}'{hint}")
    for key, sub in schema.get("properties", {}).items():
        if key in data:
            _unknown_keys(sub, data[key], f"{where}.{key}" if where != "top level" else key, problems)


def validation_problems(raw: dict[str, Any], source: str = "config") -> list[str]:
    """Every problem with a configuration mapping, as sentences naming the key."""
    schema = config_schema()
    problems: list[str] = []
    if not isinstance(raw, dict):
        return [f"{source}: expected a mapping of keys to values, found {type(raw).__name__}"]
    _unknown_keys(schema, raw, "top level", problems)
    # Imported here: workflow jobs skip validation (see load_settings) and this import (~0.08 s).
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path))):
        if error.validator == "additionalProperties":
            continue  # reported above with a suggestion
        key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        problems.append(f"config key '{key}': {error.message}")
    return [f"{source}: {p}" for p in problems]


@dataclass(frozen=True)
class Settings:
    """The validated configuration with defaults filled in."""

    data: dict[str, Any]
    source: str

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def outdir(self) -> Path:
        return Path(self.data["outdir"])

    @property
    def arms_file(self) -> Path:
        return Path(self.data["arms_file"]) if self.data.get("arms_file") else DEFAULT_ARMS

    def amplification_rule(self, gene: str) -> AmplificationRule:
        cn = self.data["copy_number"]
        thresholds = cn["thresholds"]
        entry = (
            thresholds.get(gene) or thresholds.get("default") or {"mode": "absolute", "amplified_at": 8, "gain_at": 6}
        )
        return AmplificationRule(
            mode=entry["mode"],
            amplified_at=float(entry["amplified_at"]),
            gain_at=float(entry.get("gain_at", entry["amplified_at"])),
            summary=cn["summary"],
            min_covered_fraction=float(cn["min_covered_fraction"]),
            min_purity=float(cn["min_purity"]),
            deletion_at=float(cn["tp53_deletion_at"]),
        )

    def genes(self) -> list[str]:
        genes = list(ALWAYS_EVALUATED_GENES)
        for gene in self.data["copy_number"]["genes"]:
            if gene not in genes and gene != "TP53":
                genes.append(gene)
        return genes

    def decision_relevant(self) -> dict[str, Any]:
        """The part of the configuration that can change a decision (for hashing and reports)."""
        return {k: v for k, v in self.data.items() if k not in ("outdir", "batch_size", "batch_threads", "samples", "ihc")}

    def sha256(self, arms_text: str = "") -> str:
        payload = json.dumps(self.decision_relevant(), sort_keys=True) + "\n" + arms_text
        return hashlib.sha256(payload.encode()).hexdigest()


def load_settings(raw: dict[str, Any] | None, source: str = "config", *, validated: bool = False) -> Settings:
    """Validate ``raw`` and return Settings with defaults; ConfigError lists every problem.

    ``validated``: the process that planned the run (Snakemake's main process) has validated this
    very mapping, so a job of that run only fills in the defaults.
    """
    data = copy.deepcopy(raw or {})
    problems = [] if validated else validation_problems(data, source)
    if problems:
        raise ConfigError(problems)
    _fill_defaults(config_schema(), data)
    thresholds = data["copy_number"]["thresholds"]
    if "default" not in thresholds:
        thresholds["default"] = copy.deepcopy(
            config_schema()["properties"]["copy_number"]["properties"]["thresholds"]["default"]["default"]
        )
    for gene, entry in thresholds.items():
        gain = entry.get("gain_at")
        if gain is not None and gain > entry["amplified_at"]:
            problems.append(
                f"{source}: config key 'copy_number.thresholds.{gene}': gain_at ({gain}) must not exceed amplified_at ({entry['amplified_at']})"
            )
    if problems:
        raise ConfigError(problems)
    return Settings(data=data, source=source)


def load_settings_file(path: str | Path) -> Settings:
    p = Path(path)
    try:
        with open(p) as handle:
            raw = yaml.safe_load(handle)
    except FileNotFoundError as exc:
        raise ConfigError([f"{p}: configuration file does not exist"]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([f"{p}: malformed YAML: {exc}"]) from exc
    return load_settings(raw or {}, source=str(p))
