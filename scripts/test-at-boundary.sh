#!/usr/bin/env bash
# Tests own their time: run the whole suite (`npm test`) with pg_cron's jobs due while the tests run,
# to show that no scheduled job changes a test's result.
#
#   bash scripts/test-at-boundary.sh 1   the tests start 2 s before a whole minute
#                                        (sms-monitor-check-alerts runs every minute)
#   bash scripts/test-at-boundary.sh 5   ... before a minute divisible by 5 (the refresh of
#                                        sms_metrics_daily runs too)
#
# npm test installs, starts its cluster and migrates as usual (the migration registers the jobs),
# then waits for that moment (SMS_MONITOR_TEST_BOUNDARY, scripts/test.sh) before pgTAP and vitest.
# Its output ends with the job runs pg_cron made during the run and where, then the closing line;
# the exit status is npm test's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
every=${1:-1}
[[ "$every" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [minutes: 1 or 5]" >&2; exit 2; }
SMS_MONITOR_TEST_BOUNDARY=$every exec npm test
