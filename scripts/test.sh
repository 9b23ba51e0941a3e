#!/usr/bin/env bash
# npm test: everything, from a fresh clone. Installs what is missing, starts a throwaway embedded
# PostgreSQL (unless DATABASE_URL names a server where we may create databases), then runs the
# type check, the pgTAP suite (pg_prove --ext .sql -r) and the vitest suite. Fails if any of them fails.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh
plain_output_unless_tty   # no ANSI colour codes in logs written to a file (NO_COLOR)
bash scripts/ensure-deps.sh || exit 1
bash scripts/test-tools.sh || exit 1   # chromium and promtool for server/test

instance=${SMS_MONITOR_TEST_INSTANCE:-test}
if [[ -n "${DATABASE_URL:-}" ]]; then
  admin_url=$DATABASE_URL
  tap_db="sms_monitor_tap_$$"
else
  trap 'bash scripts/pg.sh destroy "$instance"' EXIT
  bash scripts/pg.sh start "$instance" --fresh >/dev/null || exit 1
  admin_url=$(bash scripts/pg.sh admin-url "$instance")
  tap_db=sms_monitor_test   # the cron.database_name of the test cluster: pg_cron jobs are tested too
fi
export TEST_ADMIN_URL=$admin_url
tap_url=$(url_with_db "$admin_url" "$tap_db")

status=0
step() { echo; echo "== $*"; }

step "type check (tsc --noEmit)"
npx tsc -p tsconfig.json --noEmit || status=1

step "pgTAP: sql/tests (pg_prove --ext .sql -r) on $tap_db"
psql_url "$admin_url" -Xqc "select 1" >/dev/null || exit 1
if [[ -n "${DATABASE_URL:-}" ]]; then
  psql_url "$admin_url" -Xqc "drop database if exists $tap_db" -c "create database $tap_db" || exit 1
fi
DATABASE_URL=$tap_url npx sms-monitor migrate --include-current || exit 1
tap_log=$(mktemp)
SMS_URL=$tap_url node -e '
  const u = new URL(process.env.SMS_URL);
  console.log(`export PGHOST=${u.hostname} PGPORT=${u.port || 5432} PGUSER=${decodeURIComponent(u.username)} PGPASSWORD=${decodeURIComponent(u.password)} PGDATABASE=${u.pathname.slice(1)}`);
' > "$tap_log.env"
( source "$tap_log.env"; pg_prove --ext .sql -r --failures sql/tests ) 2>&1 | tee "$tap_log"
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
rm -f "$tap_log.env"
if [[ -n "${DATABASE_URL:-}" ]]; then psql_url "$admin_url" -Xqc "drop database if exists $tap_db" || true; fi

step "vitest: client/test, notifier/test, cli/test, server/test"
vitest_json=$(mktemp)
npx vitest run --reporter=default --reporter=json --outputFile.json="$vitest_json" || status=1

# One closing line for the whole run: pgTAP assertions plus vitest tests.
tap_total=$(grep -Eo 'Tests=[0-9]+' "$tap_log" | tail -1 | cut -d= -f2)
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
