#!/usr/bin/env bash
# Migrates a Citus coordinator and distributes the metric storage (sql/citus/distribute.sql).
#   DATABASE_URL=postgres://postgres:...@127.0.0.1:5433/sms_monitor \
#   CITUS_WORKERS="citus-worker-1 citus-worker-2" bash scripts/citus-distribute.sh
# CITUS_WORKERS (optional): worker host names, as the coordinator reaches them (port 5432), added
# with citus_add_node first; CITUS_COORDINATOR_HOST (default citus-coordinator) is how the workers
# reach the coordinator. Without the citus extension the SQL says so and distributes nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${DATABASE_URL:?set DATABASE_URL to the coordinator's database (as its owner)}"
npx sms-monitor migrate --no-pgtap
if [[ -n "${CITUS_WORKERS:-}" ]]; then
  psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -q \
    -c "select citus_set_coordinator_host('${CITUS_COORDINATOR_HOST:-citus-coordinator}', 5432)"
  for w in $CITUS_WORKERS; do
    psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -q -c "select citus_add_node('$w', 5432)"
  done
fi
psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -f sql/citus/distribute.sql
