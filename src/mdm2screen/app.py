"""The application API behind the commands that must start fast: the configuration with its
``--set`` overrides, and the registry queries of ``mdm2screen history`` and ``mdm2screen list``.

Only the configuration and the registry are loaded here, never the screening stack: ``list``
and ``history`` answer from the registry alone. The screening commands' API is
``pipeline.check_config`` / ``pipeline.screen_config`` (``check``, ``screen``),
``nightly.run_nightly`` (``nightly``) and ``cbioportal.import_study`` (``import-cbioportal``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from .config import cap, config_schema, load_settings, load_yaml_file, parse_yaml
from .errors import ConfigError
from .registry import Registry, registry_path

STATUSES = ("ELIGIBLE", "PENDING_CONFIRMATION", "INDETERMINATE", "NOT_ELIGIBLE")
HISTORY_COLUMNS = ["decided_at", "run", "status", "arms", "decision_sample", "config", "current", "first_reason"]
LIST_COLUMNS = ["patient_id", "status", "arms", "decided_at", "decision_sample", "report", "first_reason"]


class UnknownArm(ValueError):
    """``list --arm`` names an arm that is in no decision of the registry."""

    def __init__(self, arm: str, known: list[str]) -> None:
        self.arm = arm
        self.known = known
        super().__init__(f"arm {arm!r} is in no decision of the registry (known arms: {', '.join(known) or 'none'})")


def load_config(path: str | None, overrides: list[str]) -> dict:
    """The configuration file (``None``: no file, every key at its default) with ``--set KEY=VALUE``
    overrides (dotted keys for nested settings, e.g. ``copy_number.thresholds.default.amplified_at=12``);
    ConfigError lists every problem."""
    raw = load_yaml_file(Path(path), "configuration file") if path is not None else {}
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ConfigError([f"{path}: expected a mapping of keys to values, found {type(raw).__name__}"])
    problems = []
    for item in overrides:
        key, sep, value = item.partition("=")
        shown = cap(repr(item))
        if not sep or not key.strip():
            problems.append(f"option --set {shown}: expected KEY=VALUE")
            continue
        try:
            parsed = parse_yaml(value, f"option --set {shown}: value")
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        # Dotted keys reach nested settings: --set copy_number.min_purity=0.3
        *parents, leaf = key.strip().split(".")
        node, schema = raw, config_schema()
        for part in parents:
            schema = schema.get("properties", {}).get(part) or schema.get("additionalProperties") or {}
            child = node.get(part)
            if child is None:
                # A section not in the file starts from its default: --set copy_number.thresholds.
                # default.amplified_at=12 keeps the default rule's mode and gain_at.
                default = schema.get("default", {}) if isinstance(schema, dict) else {}
                child = node[part] = copy.deepcopy(default) if isinstance(default, dict) else {}
            if not isinstance(child, dict):
                problems.append(f"option --set {shown}: '{part}' is not a section of the configuration")
                break
            node = child
        else:
            node[leaf] = parsed
    if problems:
        raise ConfigError(problems)
    return raw


def open_registry(*, outdir: str | None, config: str) -> Registry:
    """The nightly registry (read only) of ``outdir``, else of the output folder the configuration file
    ``config`` names. RegistryError when there is none; ConfigError for a broken configuration."""
    folder = Path(outdir) if outdir else load_settings(load_config(config, []), config).outdir
    return Registry(registry_path(folder), readonly=True)


def _arms_text(arms: dict[str, str]) -> str:
    return ", ".join(f"{a}={s}" for a, s in arms.items())


def patient_history(registry: Registry, patient_id: str) -> list[dict[str, Any]]:
    """A patient's decisions, oldest first (``HISTORY_COLUMNS``; ``current`` is "*" on the current one).
    Empty when the patient is not in the registry."""
    decisions = registry.history(patient_id)
    current = registry.current().get(patient_id)
    return [
        {
            "decided_at": d.decided_at,
            "run": d.run_id,
            "status": d.status,
            "arms": _arms_text(d.arms),
            "decision_sample": d.decision_sample or "",
            "config": d.config_sha256[:12],
            "current": "*" if current is not None and current.id == d.id else "",
            "first_reason": d.first_reason,
        }
        for d in decisions
    ]


def current_decisions(
    registry: Registry, *, status: str | None = None, since: str | None = None, arm: str | None = None
) -> list[dict[str, Any]]:
    """Every patient's current decision (``LIST_COLUMNS``), by patient ID.

    ``status`` keeps patients with that status (in ``arm`` when given), ``since`` (YYYY-MM-DD) those
    decided on or after that day (UTC); ``arm`` shows that arm's status instead of the overall one
    and raises UnknownArm when no decision has it.
    """
    current = registry.current()
    if arm:
        known = sorted({a for d in current.values() for a in d.arms})
        if arm not in known:
            raise UnknownArm(arm, known)
    rows = []
    for pid in sorted(current):
        d = current[pid]
        shown = d.arms.get(arm, "not screened") if arm else d.status
        if status and shown != status:
            continue
        if since and d.decided_at[:10] < since:
            continue
        rows.append(
            {
                "patient_id": pid,
                "status": shown,
                "arms": _arms_text(d.arms),
                "decided_at": d.decided_at,
                "decision_sample": d.decision_sample or "",
                "report": d.report_html,
                "first_reason": d.first_reason,
            }
        )
    return rows


def effective_config(path: str, overrides: list[str]) -> dict[str, Any]:
    """The configuration as a run uses it: the file, the overrides and every default, validated."""
    settings = load_settings(load_config(path, overrides), path)
    return settings.data
