"""Locations of the bundled resources and validation of names that become paths."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The files the package reads, shipped inside it (package data), so an installed mdm2screen works
# from any folder: JSON Schemas, the default arms file, the trial catalogue and the reference data.
# A checkout shows the same files at their documented places through relative symbolic links
# (workflow/schemas/*, config/arms.yaml, config/trials, resources/reference).
DATA_DIR = PACKAGE_DIR / "data"
_CHECKOUT = PACKAGE_DIR.parent.parent
_REPO_RESOURCES = _CHECKOUT / "resources"
# Checkout location -> location under DATA_DIR, for the files that moved into the package.
_PACKAGED = {
    ("workflow", "schemas"): ("schemas",),
    ("config", "arms.yaml"): ("arms.yaml",),
    ("config", "trials"): ("trials",),
    ("resources", "reference"): ("reference",),
}

# Patient and sample IDs become file names: letters, digits and . _ - only, starting with a
# letter or digit, at most 128 characters (documented in the README, "Sample sheet").
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ID_PATTERN_TEXT = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters"


def data_path(*parts: str) -> Path:
    """A file shipped with the package: ``data_path("trials", "mantra2.yaml")``."""
    return DATA_DIR.joinpath(*parts)


def schema_path(name: str) -> Path:
    """A JSON Schema: ``config.schema.yaml``, ``samples.schema.yaml``, ``arms.schema.yaml``, ``patient_report.schema.json``."""
    return DATA_DIR / "schemas" / name


def reference_path(name: str) -> Path:
    """A reference data file (gene coordinates, TP53 transcript, chromosome sizes); sources in its README.md."""
    return DATA_DIR / "reference" / name


DEFAULT_ARMS_FILE = DATA_DIR / "arms.yaml"
TRIALS_DIR = DATA_DIR / "trials"


def resources_dir() -> Path:
    """The checkout's ``resources/`` folder (the demo cohort; its ``reference/`` is the package's)."""
    return _REPO_RESOURCES


def resource_path(*parts: str) -> Path:
    """``resources/<parts>``; ``resource_path("reference", name)`` is the package's reference file."""
    return repo_path("resources", *parts)


def is_valid_id(value: str) -> bool:
    return bool(ID_PATTERN.match(value)) and value not in (".", "..")


def safe_child(base: Path, name: str, suffix: str = "") -> Path:
    """``base/name+suffix`` (resolved) after checking ``name`` cannot escape ``base``.

    ``name`` must be a valid ID, so it has no "/" and is not "." or ".."; the only way left
    for the child to lead outside ``base`` is a symbolic link already sitting at that name,
    which is refused as before (a link that stays inside ``base`` resolves to its target).
    """
    if not is_valid_id(name):
        raise ValueError(f"refusing to use {name!r} in a file name: IDs must be {ID_PATTERN_TEXT}")
    filename = f"{name}{suffix}"
    base_resolved = _resolved_dir(os.fspath(base), "" if base.is_absolute() else os.getcwd())
    child = base_resolved / filename
    # An odd suffix from a caller (with a separator) or a link already at that name: resolve it
    # fully, as before, and insist it stays inside base.
    if os.sep in filename or (os.altsep and os.altsep in filename) or _is_link(child):
        child = child.resolve()
        if base_resolved not in child.parents:
            raise ValueError(f"refusing to write {child}: outside {base}")
    return child


def _is_link(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:  # missing (the usual case) or unreadable: resolve() treats it as no link either
        return False


@lru_cache(maxsize=64)
def _resolved_dir(base: str, cwd: str) -> Path:
    """``Path(base).resolve()``, once per folder (and working folder, for a relative one).

    Resolving walks every component with lstat; reports go to the same folder all run long.
    """
    return Path(cwd, base).resolve()


def repo_root() -> Path:
    """The checkout holding config/, workflow/ and resources/, or for an installed package its data folder."""
    return _CHECKOUT if (_CHECKOUT / "workflow").is_dir() and _REPO_RESOURCES.is_dir() else DATA_DIR


def repo_path(*parts: str) -> Path:
    """``<checkout>/<parts>``; the files that moved into the package resolve to the package's copy.

    ``repo_path("config", "arms.yaml")`` is ``data_path("arms.yaml")`` and
    ``repo_path("workflow", "schemas", name)`` is ``schema_path(name)``, in a checkout or installed.
    """
    for prefix, packaged in _PACKAGED.items():
        if parts[: len(prefix)] == prefix:
            return DATA_DIR.joinpath(*packaged, *parts[len(prefix) :])
    return repo_root().joinpath(*parts)


def output_folder_problem(folder: str | Path) -> str | None:
    """Why ``folder`` cannot take the run's outputs (one sentence naming it), or None.

    Creates the folder (callers call this only once the run's inputs are valid) and writes and
    removes one empty probe file: permission bits alone say nothing for root, and a read-only
    mount or a full quota shows only on writing.
    """
    p = Path(folder)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"{p}: output folder cannot be created: a file of that name is in the way"
    except OSError as exc:
        return f"{p}: output folder cannot be created ({exc.strerror or exc})"
    if not os.access(p, os.W_OK | os.X_OK):
        return f"{p}: output folder is not writable (read-only folder or file system)"
    try:
        fd, probe = tempfile.mkstemp(prefix=".mdm2screen-write-probe-", dir=p)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"{p}: output folder is not writable ({exc.strerror or exc})"
    return None


def where_relative(path: str | Path) -> str:
    """For a "does not exist" message: the path as resolved, and the folder it was resolved from when
    it is relative (configuration paths are relative to the working folder, Snakemake's convention)."""
    p = Path(path)
    if p.is_absolute():
        return ""
    return f" (resolved to {Path.cwd() / p}; relative paths in the configuration are relative to the folder the run starts in, {Path.cwd()})"
