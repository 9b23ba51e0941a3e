#!/usr/bin/env bash
# npm test: everything, from a fresh clone. Installs what is missing, starts a throwaway embedded
# PostgreSQL (unless DATABASE_URL names a server where we may create databases), then runs the
# type check, the pgTAP suite (pg_prove --ext .sql) and the vitest suite. Fails if any of them fails.
#
# Tests own their time: pg_cron runs its jobs only in cron.database_name, so the pgTAP files in
# sql/tests/ run in a database of their own (sms_monitor_tap) where no scheduled job ever runs, and
# only the files in sql/tests/scheduler/ (the ones that test the pg_cron jobs) run in the cron database.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh
plain_output_unless_tty   # no ANSI colour codes in logs written to a file (NO_COLOR)
bash scripts/ensure-deps.sh || exit 1
bash scripts/test-tools.sh || exit 1   # chromium and promtool for server/test

instance=${SMS_MONITOR_TEST_INSTANCE:-test}
tap_db="sms_monitor_tap_$$"   # never cron.database_name: no pg_cron job runs in it
if [[ -n "${DATABASE_URL:-}" ]]; then
  admin_url=$DATABASE_URL
  cron_db=""                  # a shared server's cron database is not ours to test in
else
  trap 'bash scripts/pg.sh destroy "$instance"' EXIT
  bash scripts/pg.sh start "$instance" --fresh >/dev/null || exit 1
  admin_url=$(bash scripts/pg.sh admin-url "$instance")
  cron_db=sms_monitor_test    # the test cluster's cron.database_name: sql/tests/scheduler/ runs there
fi
export TEST_ADMIN_URL=$admin_url
tap_url=$(url_with_db "$admin_url" "$tap_db")

status=0
step() { echo; echo "== $*"; }

step "type check (tsc --noEmit)"
npx tsc -p tsconfig.json --noEmit || status=1

# pg_prove with the connection of $1 in PG* variables (no password on a command line), on $2...
run_pg_prove() {
  local url=$1; shift
  SMS_URL=$url node -e '
    const u = new URL(process.env.SMS_URL);
    console.log(`export PGHOST=${u.hostname} PGPORT=${u.port || 5432} PGUSER=${decodeURIComponent(u.username)} PGPASSWORD=${decodeURIComponent(u.password)} PGDATABASE=${u.pathname.slice(1)}`);
  ' > "$tap_log.env"
  ( source "$tap_log.env"; rm -f "$tap_log.env"; pg_prove --ext .sql --failures "$@" ) 2>&1 | tee -a "$tap_log"
  return "${PIPESTATUS[0]}"
}
tap_log=$(mktemp)

step "pgTAP: sql/tests (pg_prove --ext .sql) on $tap_db, a database where pg_cron runs no job"
psql_url "$admin_url" -Xqc "select 1" >/dev/null || exit 1
cron_setting=$(psql_url "$admin_url" -XAtc "select current_setting('cron.database_name', true)")
if [[ "$cron_setting" == "$tap_db" ]]; then
  echo "refusing to run pgTAP in $tap_db: it is cron.database_name, where pg_cron's jobs would race the tests" >&2
  exit 1
fi
psql_url "$admin_url" -Xqc "drop database if exists $tap_db" -c "create database $tap_db" || exit 1
DATABASE_URL=$tap_url npx sms-monitor migrate --include-current || exit 1
run_pg_prove "$tap_url" sql/tests || status=1
psql_url "$admin_url" -Xqc "drop database if exists $tap_db with (force)" || true

if [[ -n "$cron_db" ]]; then
  step "pgTAP: sql/tests/scheduler (the pg_cron jobs) on $cron_db, the cron database"
  cron_url=$(url_with_db "$admin_url" "$cron_db")
  DATABASE_URL=$cron_url npx sms-monitor migrate --include-current || exit 1
  run_pg_prove "$cron_url" sql/tests/scheduler || status=1
else
  echo "(sql/tests/scheduler skipped: DATABASE_URL names a server whose cron database this run does not own)"
fi

step "vitest: client/test, notifier/test, cli/test, server/test"
vitest_json=$(mktemp)
npx vitest run --reporter=default --reporter=json --outputFile.json="$vitest_json" || status=1

# One closing line for the whole run: pgTAP assertions plus vitest tests.
tap_total=$(grep -Eo 'Tests=[0-9]+' "$tap_log" | cut -d= -f2 | awk '{s+=$1} END {print s+0}')
tap_failed=$(grep -Eo 'Failed [0-9]+/[0-9]+ subtests' "$tap_log" | awk '{split($2,a,"/"); s+=a[1]} END {print s+0}')
read -r v_passed v_failed < <(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(r.numPassedTests, r.numFailedTests + (r.success ? 0 : 0));
' "$vitest_json" 2>/dev/null || echo "0 1")
rm -f "$tap_log" "$vitest_json"
passed=$(( ${tap_total:-0} - ${tap_failed:-0} + v_passed ))
failed=$(( ${tap_failed:-0} + v_failed ))
if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi
echo
echo "sms-monitor: ${passed} passed, ${failed} failed"
exit $status
