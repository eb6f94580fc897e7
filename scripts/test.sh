#!/usr/bin/env bash
# Set up (first time only) and run the whole test suite: ruff and mypy, then pytest (unit tests,
# the workflow on the demo cohort, snakefmt and snakemake --lint). Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
# Static checks first: a lint or type error fails the run before the (longer) tests.
ruff check src tests benchmarks workflow/scripts
mypy
set +e
python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: treating as a failure" >&2
    exit 1
fi
exit "$status"
