#!/usr/bin/env bash
# npm run bench: every benchmark in bench/sections/, against a throwaway embedded cluster with the
# default (durable) settings unless DATABASE_URL is set. Prints medians and ratios to baselines.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-deps.sh
if [[ -z "${DATABASE_URL:-}" ]]; then
  bash scripts/pg.sh start dev >/dev/null
  export BENCH_ADMIN_URL=$(bash scripts/pg.sh admin-url dev)
else
  export BENCH_ADMIN_URL=$DATABASE_URL
fi
exec npx tsx bench/run.ts "$@"
