"""The layers of docs/architecture.md, enforced on the import graph: each module imports only its own
layer and the layers below it. Function-level imports count too."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "src" / "mdm2screen"

# Lowest first. A module is in the layer of the longest prefix that names it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("mdm2screen", "mdm2screen.errors", "mdm2screen.paths", "mdm2screen.fileio", "mdm2screen.genome",
                    "mdm2screen.model", "mdm2screen.reference", "mdm2screen.config")),
    ("readers", ("mdm2screen.cn", "mdm2screen.variants.vcf", "mdm2screen.variants.maf", "mdm2screen.variants.fields",
                 "mdm2screen.variants.records", "mdm2screen.variants.headers", "mdm2screen.variants.sv",
                 "mdm2screen.sheet", "mdm2screen.ihc", "mdm2screen.sharedfiles")),
    ("evidence", ("mdm2screen.cn.genelevel", "mdm2screen.variants", "mdm2screen.evidence")),
    ("decision", ("mdm2screen.criteria", "mdm2screen.decision")),
    ("reports", ("mdm2screen.report", "mdm2screen.concordance", "mdm2screen.export")),
    ("application", ("mdm2screen.screen", "mdm2screen.pipeline", "mdm2screen.runner", "mdm2screen.nightly",
                     "mdm2screen.registry", "mdm2screen.app", "mdm2screen.cli", "mdm2screen.cbioportal",
                     "mdm2screen.workflow_hooks", "mdm2screen.adhoc", "mdm2screen.preflight", "mdm2screen.runlog")),
]  # fmt: skip
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}
# Package facades: `mdm2screen.cn` and `mdm2screen.variants` re-export readers and evidence alike.
FACADES = {"mdm2screen.cn": "evidence", "mdm2screen.variants": "evidence"}


def layer_of(module: str) -> str:
    if module in FACADES:
        return FACADES[module]
    best, found = -1, None
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), name
    assert found is not None, f"{module} belongs to no layer: add it to docs/architecture.md and LAYERS"
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every mdm2screen module ``path`` imports (relative imports resolved), at any depth in the file."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("mdm2screen"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("mdm2screen"):
                continue
            # `from . import x` / `from .pkg import mod`: the imported names may be modules themselves.
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                as_path = PACKAGE.parent / candidate.replace(".", "/")
                found.add(candidate if as_path.with_suffix(".py").exists() or as_path.is_dir() else target)
    return found


def test_every_module_has_a_layer() -> None:
    for path in PACKAGE.rglob("*.py"):
        layer_of(module_name(path))


def test_no_module_imports_a_layer_above_its_own() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        me = module_name(path)
        mine = RANK[layer_of(me)]
        for target in sorted(imports_of(path)):
            if target == me or target == "mdm2screen":
                continue
            theirs = RANK[layer_of(target)]
            if theirs > mine:
                problems.append(f"{me} ({layer_of(me)}) imports {target} ({layer_of(target)})")
    assert not problems, "imports against the layering (docs/architecture.md):\n" + "\n".join(problems)


def test_readers_do_not_import_evidence_interpretation() -> None:
    """Readers produce records; the evidence layer interprets them (no reader imports tp53/genelevel)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        me = module_name(path)
        if layer_of(me) != "readers":
            continue
        bad = [t for t in imports_of(path) if layer_of(t) == "evidence"]
        assert not bad, f"{me} imports {bad}"
