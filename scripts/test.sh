#!/usr/bin/env bash
# npm test: everything, from a fresh clone. Installs what is missing (each install says what and
# why in one line; the package managers' output goes to .sms-monitor/install.log), starts a
# throwaway embedded PostgreSQL (unless DATABASE_URL names a server where we may create databases),
# then runs the type check, the pgTAP suite (pg_prove --ext .sql) and the vitest suite. Fails if any
# of them fails; the last line is always `sms-monitor: N passed, M failed`.
#
# Time: the type check and pgTAP (a few seconds of SQL) run in the background while vitest runs
# its files in parallel (vitest.config.ts), each file on a database of its own; their output is
# printed after vitest's.
#
# Tests own their time: pg_cron runs its jobs only in cron.database_name, so the pgTAP files in
# sql/tests/ run in a database of their own (sms_monitor_tap_<pid>) where no scheduled job ever runs,
# and only the files in sql/tests/scheduler/ (the ones that test the pg_cron jobs) run in the cron
# database. sql/tests/scheduler/jobs_stay_home.sql checks that no job runs in any other database.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh
plain_output_unless_tty   # no ANSI colour codes in logs written to a file (NO_COLOR)
bash scripts/ensure-deps.sh || exit 1
bash scripts/test-tools.sh || exit 1   # chromium and promtool for server/test
export PATH="$PWD/.sms-monitor/tools/bin:$PATH"   # promtool, when test-tools.sh extracted it

instance=${SMS_MONITOR_TEST_INSTANCE:-test}
tap_db="sms_monitor_tap_$$"   # never cron.database_name: no pg_cron job runs in it
work=$(mktemp -d)
background=()
own_cluster=false
cleanup() {
  local pid
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  $own_cluster && bash scripts/pg.sh destroy "$instance"
  rm -rf "$work"
}
trap cleanup EXIT
if [[ -n "${DATABASE_URL:-}" ]]; then
  admin_url=$DATABASE_URL
  cron_db=""                  # a shared server's cron database is not ours to test in
else
  own_cluster=true
  bash scripts/pg.sh start "$instance" --fresh >/dev/null || exit 1
  admin_url=$(bash scripts/pg.sh admin-url "$instance")
  cron_db=sms_monitor_test    # the test cluster's cron.database_name: sql/tests/scheduler/ runs there
fi
export TEST_ADMIN_URL=$admin_url
tap_url=$(url_with_db "$admin_url" "$tap_db")

status=0
step() { echo; echo "== $* [$(date -u +%H:%M:%S) UTC]"; }

# Started first, printed after vitest: tsc needs no database.
( npx tsc -p tsconfig.json --noEmit > "$work/tsc.out" 2>&1; echo $? > "$work/tsc.rc" ) &
background+=($!)

# The pgTAP runner (with --ext .sql) on the connection of $1, given in PG* variables (no password on a command line), over $2...
run_tap() {
  local url=$1; shift
  SMS_URL=$url node -e '
    const u = new URL(process.env.SMS_URL);
    console.log(`export PGHOST=${u.hostname} PGPORT=${u.port || 5432} PGUSER=${decodeURIComponent(u.username)} PGPASSWORD=${decodeURIComponent(u.password)} PGDATABASE=${u.pathname.slice(1)}`);
  ' > "$work/pg.env"
  ( source "$work/pg.env"; rm -f "$work/pg.env"; pg_prove --ext .sql --failures "$@" ) 2>&1
}

# The migrations run here, one after another (they create the cluster's roles), before vitest
# starts; vitest's global setup migrates its own template.
step "migrations for pgTAP: $tap_db (no pg_cron job runs there)${cron_db:+ and $cron_db (the cron database)}"
psql_url "$admin_url" -Xqc "select 1" >/dev/null || exit 1
cron_setting=$(psql_url "$admin_url" -XAtc "select current_setting('cron.database_name', true)")
if [[ "$cron_setting" == "$tap_db" ]]; then
  echo "refusing to run pgTAP in $tap_db: it is cron.database_name, where pg_cron's jobs would race the tests" >&2
  exit 1
fi
PGOPTIONS='-c client_min_messages=warning' psql_url "$admin_url" -Xqc "drop database if exists $tap_db" \
  -c "create database $tap_db" || exit 1
DATABASE_URL=$tap_url npx sms-monitor migrate --include-current > "$work/migrate.out" 2>&1 \
  || { cat "$work/migrate.out"; exit 1; }
if [[ -n "$cron_db" ]]; then
  cron_url=$(url_with_db "$admin_url" "$cron_db")
  DATABASE_URL=$cron_url npx sms-monitor migrate --include-current > "$work/migrate.out" 2>&1 \
    || { cat "$work/migrate.out"; exit 1; }
fi
echo "migrated"

# scripts/test-at-boundary.sh: the tests start 2 s before pg_cron's jobs are due (the next minute
# divisible by SMS_MONITOR_TEST_BOUNDARY, at least 10 s after the jobs were registered), so the
# jobs run while pgTAP and the first vitest files do.
if [[ -n "${SMS_MONITOR_TEST_BOUNDARY:-}" ]]; then
  period=$(( SMS_MONITOR_TEST_BOUNDARY * 60 ))
  now_ms=$(( $(date +%s%N) / 1000000 ))
  due=$(( (now_ms / 1000 + 10) / period * period + period ))
  wait_ms=$(( (due - 2) * 1000 - now_ms ))
  echo "waiting until $(date -u -d "@$((due - 2))" +%H:%M:%S) UTC: pg_cron's jobs are due at $(date -u -d "@$due" +%H:%M) UTC"
  sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
fi

(
  tap_status=0
  {
    step "pgTAP: sql/tests (pg_prove --ext .sql) on $tap_db, a database where pg_cron runs no job"
    run_tap "$tap_url" sql/tests || tap_status=1
    psql_url "$admin_url" -Xqc "drop database if exists $tap_db with (force)" || true
    if [[ -n "$cron_db" ]]; then
      step "pgTAP: sql/tests/scheduler (the pg_cron jobs) on $cron_db, the cron database"
      run_tap "$cron_url" sql/tests/scheduler || tap_status=1
    else
      echo "(sql/tests/scheduler skipped: DATABASE_URL names a server whose cron database this run does not own)"
    fi
  } > "$work/tap.out" 2>&1
  echo $tap_status > "$work/tap.rc"
) &
background+=($!)

step "vitest: client/test, notifier/test, cli/test, server/test, docker/test (files in parallel; type check and pgTAP meanwhile)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$work/vitest.json" || status=1

wait "${background[@]}"
background=()
step "type check (tsc --noEmit)"
cat "$work/tsc.out"
[[ "$(cat "$work/tsc.rc" 2>/dev/null)" == 0 ]] && echo "no type errors" || status=1
cat "$work/tap.out"
[[ "$(cat "$work/tap.rc" 2>/dev/null)" == 0 ]] || status=1

# What pg_cron ran meanwhile, and where: only in the cron database (tests own their time).
if [[ -n "$cron_db" ]]; then
  runs=$(psql_url "$cron_url" -XAtc "select coalesce(string_agg(format('%s %s in %s (%s)',
      to_char(d.start_time at time zone 'UTC', 'HH24:MI:SS'), coalesce(j.jobname, d.command), d.database, d.status),
      '; ' order by d.start_time), 'none')
    from cron.job_run_details d left join cron.job j using (jobid)" 2>/dev/null || echo "unknown")
  echo
  echo "pg_cron job runs during this run (UTC): $runs"
fi

# One closing line for the whole run: pgTAP assertions (every run of the pgTAP runner) plus vitest tests.
tap_total=$(grep -Eo 'Tests=[0-9]+' "$work/tap.out" | cut -d= -f2 | awk '{s+=$1} END {print s+0}')
tap_failed=$(grep -Eo 'Failed [0-9]+/[0-9]+ subtests' "$work/tap.out" | awk '{split($2,a,"/"); s+=a[1]} END {print s+0}')
read -r v_passed v_failed < <(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(r.numPassedTests, r.numFailedTests);
' "$work/vitest.json" 2>/dev/null || echo "0 1")
passed=$(( ${tap_total:-0} - ${tap_failed:-0} + v_passed ))
failed=$(( ${tap_failed:-0} + v_failed ))
if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi
trap - EXIT
cleanup >/dev/null 2>&1
echo
echo "sms-monitor: ${passed} passed, ${failed} failed"
exit $status
