#!/usr/bin/env bash
# Create .venv with Python 3.11 and install mdm2screen with its test tools, once; reinstall
# only when pyproject.toml changes. Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEFAULT_VENV="$ROOT/.venv"
case "$ROOT" in
    *[[:space:]]*)
        # Snakemake runs `script:` rules as `<python> <script>` without quoting the interpreter's
        # path, so a virtual environment under a path with a space cannot run the workflow: keep it
        # in the user's cache instead (one per checkout), and say where.
        DEFAULT_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/mdm2screen/venv-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
        case "$DEFAULT_VENV" in
            *[[:space:]]*) DEFAULT_VENV="${TMPDIR:-/tmp}/mdm2screen-venv-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)" ;;
        esac
        echo "note: the checkout's path has a space; its virtual environment is $DEFAULT_VENV" >&2
        ;;
esac
VENV="${MDM2SCREEN_VENV:-$DEFAULT_VENV}"
if [ "${MDM2SCREEN_PRINT_VENV:-}" = 1 ]; then  # for tests: say where the environment goes, set up nothing
    echo "$VENV"
    return 0 2>/dev/null || exit 0
fi
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "mdm2screen needs Python >= 3.11; found $("$PYTHON" --version 2>&1)" >&2
    exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating $VENV ..."
    "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.mdm2screen-installed"
WANT="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    echo "Installing mdm2screen and its dependencies into $VENV ..."
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT[test,slurm]"
    echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
