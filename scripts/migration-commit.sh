#!/usr/bin/env bash
# Commit migrations/current.sql as the next immutable migration (graphile-migrate commit).
# graphile-migrate expands every `--!include` into the committed file and proves the whole chain
# on a throwaway shadow database in the embedded test cluster first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh
trap 'bash scripts/pg.sh stop test' EXIT
admin=$(bash scripts/pg.sh start test >/dev/null && bash scripts/pg.sh admin-url test)
base=${admin%/postgres}
export ROOT_DATABASE_URL="$admin"
export SHADOW_DATABASE_URL="$base/sms_monitor_shadow"
export DATABASE_URL="$base/sms_monitor_scratch"
psql_url "$admin" -Xqc "drop database if exists sms_monitor_scratch" -c "create database sms_monitor_scratch"
npx graphile-migrate commit "$@"
