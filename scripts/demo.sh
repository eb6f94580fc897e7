#!/usr/bin/env bash
# Set up (first time only) and screen the bundled demo cohort with Snakemake.
# Extra arguments go to snakemake, e.g.  bash scripts/demo.sh --cores 8
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
if [ "$#" -eq 0 ]; then set -- --cores "$(nproc 2>/dev/null || echo 2)"; fi
snakemake "$@"
echo
echo "Patient reports: $ROOT/results/patients/<patient_id>.html (and .json)"
echo "Cohort summary:  $ROOT/results/cohort/summary.html (summary.tsv, summary.csv, summary.xlsx)"
