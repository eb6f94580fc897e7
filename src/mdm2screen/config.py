"""Configuration: load, fill defaults from the JSON schema, validate, list every problem.

The schema in ``workflow/schemas/config.schema.yaml`` is the single source of keys, defaults
and descriptions; Snakemake's ``validate()`` uses the same file.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .model import AmplificationRule
from .paths import DEFAULT_ARMS_FILE, schema_path
from .reference import known_genes

CONFIG_SCHEMA = schema_path("config.schema.yaml")
DEFAULT_ARMS = DEFAULT_ARMS_FILE
ALWAYS_EVALUATED_GENES = ("MDM2", "CDK4")
# Used when the schema (being extended) does not yet define copy_number.min_plausible_purity.
# A value quoted in a message is cut to this many characters: a hostile file must not be able
# to make a message (or the terminal) as large as its expansion.
MAX_QUOTED = 120


def cap(text: str, limit: int = MAX_QUOTED) -> str:
    """``text`` cut to ``limit`` characters, for names (keys, paths) built from user input."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def quote(value: object, limit: int = MAX_QUOTED) -> str:
    """``repr`` of a value for a message, at most ``limit`` characters (never the whole of a huge value)."""
    if isinstance(value, (list, tuple, dict, set)) and len(value) > limit:
        # repr of a huge container costs time and memory before it can be cut: describe it instead.
        return f"<{type(value).__name__} of {len(value)} items>"
    text = repr(value) if not isinstance(value, str) or len(value) <= limit else repr(value[:limit])
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader refusing anchors and aliases: nested aliases ("billion laughs") expand a few
    bytes of YAML into more data than memory holds; configuration files never need them."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: ANN401 - PyYAML's own signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            mark = event.start_mark
            kind = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
            raise yaml.composer.ComposerError(
                None,
                None,
                f"YAML {kind}s (&name, *name) are not supported; write the value out "
                f"(found {kind} {quote(event.anchor, 40)})",
                mark,
            )
        return super().compose_node(parent, index)


def parse_yaml(text: str, where: str) -> Any:  # noqa: ANN401 - any YAML document
    """Parse YAML text without anchors/aliases; ConfigError naming ``where`` otherwise."""
    try:
        # What yaml.load does, with the SafeLoader subclass constructed here (no yaml.load in the
        # package: the hardening test bans the name, whatever the loader).
        loader = _NoAliasLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        message = str(exc)
        if len(message) > 600:
            message = message[:597] + "..."
        raise ConfigError([f"{where}: malformed YAML: {message}"]) from None
    except RecursionError:
        raise ConfigError([f"{where}: malformed YAML: nested too deeply"]) from None


def load_yaml_file(path: str | Path, what: str = "YAML file") -> Any:  # noqa: ANN401 - any YAML document
    """A user's YAML file (configuration, arms file), parsed without anchors or aliases.

    Raises ConfigError with one sentence naming the file (``what`` says what it should be):
    missing, a folder, unreadable, not UTF-8 text, malformed YAML, or using anchors/aliases.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"{p}: {what} does not exist"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{p}: is a folder, expected a {what}"]) from None
    except OSError as exc:
        raise ConfigError([f"{p}: {what} cannot be read ({exc.strerror or exc})"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start}); expected a {what}"]) from None
    if "\x00" in text:
        raise ConfigError([f"{p}: binary content, expected a {what}"])
    return parse_yaml(text, str(p))


MAX_CONFIG_NODES = 100_000


def _structure_problem(raw: Any) -> str | None:  # noqa: ANN401
    """Why ``raw`` must not be walked by the validator: a container reached twice (what a YAML
    alias loads as; nested ones expand exponentially when walked or printed) or far more values
    than any configuration holds. None when it is a plain tree of reasonable size."""
    seen: set[int] = set()
    stack = [raw]
    count = 0
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_CONFIG_NODES:
            return f"more than {MAX_CONFIG_NODES:,} values; not a configuration"
        if isinstance(node, (dict, list)):
            if id(node) in seen:
                return "a value is shared by reference (a YAML alias, *name); aliases are not supported"
            seen.add(id(node))
            stack.extend(node.values() if isinstance(node, dict) else node)
    return None


def _non_finite(data: Any, where: str, problems: list[str]) -> None:  # noqa: ANN401
    """Every NaN or infinity (YAML .nan, .inf, -.inf) anywhere in the configuration."""
    if isinstance(data, float) and not math.isfinite(data):
        problems.append(
            f"config key '{cap(where or '(top level)')}': {data} is not a finite number (expected a number)"
        )
    elif isinstance(data, dict):
        for key, value in data.items():
            _non_finite(value, f"{where}.{key}" if where else str(key), problems)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _non_finite(value, f"{where}.{i}", problems)


def _gene_problems(raw: dict[str, Any], problems: list[str]) -> None:
    """Gene names in copy_number must be genes with shipped coordinates (a typo would crash a run
    or, in thresholds, silently leave the gene on the default rule)."""
    cn = raw.get("copy_number")
    if not isinstance(cn, dict):
        return
    known = known_genes()
    by_upper = {g.upper(): g for g in known}

    def check(name: object, key: str) -> None:
        if not isinstance(name, str) or name in known:
            return
        close = by_upper.get(name.upper())
        hint = f"; did you mean '{close}'? (gene names are case-sensitive)" if close else ""
        problems.append(f"config key '{key}': unknown gene {quote(name)} (known: {', '.join(sorted(known))}){hint}")

    genes = cn.get("genes")
    if isinstance(genes, list):
        for i, gene in enumerate(genes):
            check(gene, f"copy_number.genes.{i}")
    thresholds = cn.get("thresholds")
    if isinstance(thresholds, dict):
        for gene in thresholds:
            if gene != "default":
                check(gene, cap(f"copy_number.thresholds.{gene}"))


def load_schema(path: Path) -> Any:
    """One of mdm2screen's own schema files (YAML)."""
    with open(path) as handle:
        return yaml.safe_load(handle)


@cache
def config_schema() -> dict[str, Any]:
    return load_schema(CONFIG_SCHEMA)


def schema_default(*keys: str) -> Any:  # noqa: ANN401 - any default value
    """The default the configuration schema gives for a nested key (thresholds live only there)."""
    node: dict[str, Any] = config_schema()
    for key in keys:
        node = node["properties"][key]
    return copy.deepcopy(node["default"])


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
            problems.append(f"{where}: unknown key {quote(str(key))}{hint}")
    for key, sub in schema.get("properties", {}).items():
        if key in data:
            _unknown_keys(sub, data[key], f"{where}.{key}" if where != "top level" else key, problems)


def validation_problems(raw: dict[str, Any], source: str = "config") -> list[str]:
    """Every problem with a configuration mapping, as sentences naming the key."""
    schema = config_schema()
    problems: list[str] = []
    if not isinstance(raw, dict):
        return [f"{source}: expected a mapping of keys to values, found {type(raw).__name__}"]
    structure = _structure_problem(raw)
    if structure is not None:
        return [f"{source}: {structure}"]
    _unknown_keys(schema, raw, "top level", problems)
    # Imported here: workflow jobs skip validation (see load_settings) and this import (~0.08 s).
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path))):
        if error.validator == "additionalProperties":
            continue  # reported above with a suggestion
        key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        problems.append(f"config key '{cap(key)}': {_error_message(error)}")
    _non_finite(raw, "", problems)
    _gene_problems(raw, problems)
    return [f"{source}: {p}" for p in problems]


def _error_message(error: Any) -> str:  # noqa: ANN401 - jsonschema.ValidationError
    """jsonschema's message with the offending value quoted at most MAX_QUOTED characters."""
    message = error.message
    instance = error.instance
    if isinstance(instance, (list, dict, str)) and len(instance) > MAX_QUOTED // 4:
        full = repr(instance)
        if message.startswith(full):
            message = quote(instance) + message[len(full) :]
    if len(message) > 2 * MAX_QUOTED:
        message = message[: 2 * MAX_QUOTED - 3] + "..."
    return message


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
        """The configured rule for ``gene`` (its own thresholds entry, else ``default``); every value from config."""
        cn = self.data["copy_number"]
        thresholds = cn["thresholds"]
        entry = thresholds.get(gene) or thresholds["default"]  # load_settings always fills "default"
        return AmplificationRule(
            mode=entry["mode"],
            amplified_at=float(entry["amplified_at"]),
            gain_at=float(entry.get("gain_at", entry["amplified_at"])),
            summary=cn["summary"],
            min_covered_fraction=float(cn["min_covered_fraction"]),
            min_purity=float(cn["min_purity"]),
            deletion_at=float(cn["tp53_deletion_at"]),
            min_plausible_purity=float(cn["min_plausible_purity"]),
            plausible_ploidy=(float(cn["plausible_ploidy"][0]), float(cn["plausible_ploidy"][1])),
            unknown_ploidy=(float(cn["unknown_ploidy"][0]), float(cn["unknown_ploidy"][1])),
            min_bins=int(cn["min_bins"]),
            max_gap_bridged=int(cn["max_gap_bridged"]),
        )

    def min_plausible_purity(self) -> float:
        """Purity below which a sample sheet value is implausible (copy_number.min_plausible_purity)."""
        return float(self.data["copy_number"]["min_plausible_purity"])

    def genes(self) -> list[str]:
        genes = list(ALWAYS_EVALUATED_GENES)
        for gene in self.data["copy_number"]["genes"]:
            if gene not in genes and gene != "TP53":
                genes.append(gene)
        return genes

    def decision_relevant(self) -> dict[str, Any]:
        """The part of the configuration that can change a decision (for hashing and reports)."""
        return {
            k: v for k, v in self.data.items() if k not in ("outdir", "batch_size", "batch_threads", "samples", "ihc")
        }

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
    raw = load_yaml_file(p, "configuration file")
    return load_settings(raw or {}, source=str(p))


# --------------------------------------------------------------------------- the annotated template


def template_text() -> str:
    """Every configuration key with its default and description (its source) as YAML comments.

    config/template.yaml is this text; a test keeps the two identical, so the template can never
    drift from the schema it documents.
    """
    schema = config_schema()
    lines = [
        "# mdm2screen configuration: every key, its default and where the default comes from.",
        "# Generated from src/mdm2screen/data/schemas/config.schema.yaml (`mdm2screen config template`).",
        "# Copy the keys you change into your own file; `mdm2screen config show --config X` prints what a",
        "# run uses. Relative paths are relative to the folder Snakemake or mdm2screen runs in.",
        "",
    ]

    def flow(value: Any) -> str:  # noqa: ANN401 - any YAML value
        return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("...").strip()

    def walk(node: dict[str, Any], indent: int) -> None:
        pad = " " * indent
        for key, sub in node.get("properties", {}).items():
            text = " ".join(str(sub.get("description", "")).split())
            for line in textwrap.wrap(text, width=100 - indent - 2):
                lines.append(f"{pad}# {line}")
            if sub.get("type") == "object" and "properties" in sub:
                children = sub["properties"].values()
                if any("default" in c or c.get("type") == "object" for c in children):
                    lines.append(f"{pad}{key}:")
                else:  # only optional keys without defaults: the section's own default, keys as comments
                    lines.append(f"{pad}{key}: {flow(sub.get('default', {}))}")
                walk(sub, indent + 2)
            elif "default" in sub:
                lines.append(f"{pad}{key}: {flow(sub['default'])}")
            elif key in node.get("required", ()):
                lines.append(f"{pad}{key}: null  # required: fill in")
            else:
                lines.append(f"{pad}# {key}: (optional, no default)")
        if indent == 0:
            lines.append("")

    walk(schema, 0)
    return "\n".join(lines).rstrip() + "\n"
