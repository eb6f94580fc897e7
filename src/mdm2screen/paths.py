"""Locations of the bundled resources and validation of names that become paths."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_RESOURCES = PACKAGE_DIR.parent.parent / "resources"
_PACKAGED_RESOURCES = PACKAGE_DIR / "resources"

# Patient and sample IDs become file names: letters, digits and . _ - only, starting with a
# letter or digit, at most 128 characters (documented in the README, "Sample sheet").
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ID_PATTERN_TEXT = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters"


def resources_dir() -> Path:
    """The ``resources/`` folder: the repository's, or the copy installed with the package."""
    return _REPO_RESOURCES if _REPO_RESOURCES.is_dir() else _PACKAGED_RESOURCES


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def is_valid_id(value: str) -> bool:
    return bool(ID_PATTERN.match(value)) and value not in (".", "..")


def safe_child(base: Path, name: str, suffix: str = "") -> Path:
    """``base/name+suffix`` after checking ``name`` cannot escape ``base``."""
    if not is_valid_id(name):
        raise ValueError(f"refusing to use {name!r} in a file name: IDs must be {ID_PATTERN_TEXT}")
    child = (base / f"{name}{suffix}").resolve()
    if base.resolve() not in child.parents:
        raise ValueError(f"refusing to write {child}: outside {base}")
    return child


def repo_root() -> Path:
    """The repository (or installed data) root holding config/, workflow/ and resources/."""
    return resources_dir().parent


def repo_path(*parts: str) -> Path:
    return repo_root().joinpath(*parts)
