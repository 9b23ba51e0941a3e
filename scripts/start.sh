#!/usr/bin/env bash
# npm start: the whole system, locally. Installs what is missing, starts the embedded PostgreSQL
# (with pg_cron) in .sms-monitor/ unless DATABASE_URL is set, applies the migrations, prints how
# to connect, then runs the notifier daemon in the foreground until Ctrl-C (SIGINT/SIGTERM),
# when it stops the daemon and the embedded database cleanly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh
bash scripts/ensure-deps.sh

embedded=false
if [[ -z "${DATABASE_URL:-}" ]]; then
  DATABASE_URL=$(bash scripts/pg.sh start dev)
  embedded=true
fi
export DATABASE_URL
url_hint='"$DATABASE_URL"'
$embedded && url_hint='"$(cat .sms-monitor/dev/url)"'

npx sms-monitor migrate

redacted=$(redact_url "$DATABASE_URL")
has_cron=$(psql_url "$DATABASE_URL" -XAtqc "select exists (select from pg_extension where extname = 'pg_cron')")
cat <<INFO

sms-monitor is running.
  database:   $redacted$($embedded && echo "  (embedded; full URL with password in .sms-monitor/dev/url)")
  evaluation: $([[ $has_cron == t ]] && echo "pg_cron runs sms_monitor.check_sms_alerts() every minute" || echo "no pg_cron here: the notifier evaluates every 60 s")
  record a metric from psql:
    psql $url_hint -c "select sms_monitor.record_sms_event('sent_count', gen_random_uuid())"
  read today's figures:
    psql $url_hint -c "select sms_monitor.refresh_sms_metrics_daily(); select * from sms_monitor.get_sms_daily_metrics(current_date)"
Press Ctrl-C to stop.

INFO

child=
status=0
shutdown() {
  trap - INT TERM
  if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  if $embedded; then bash scripts/pg.sh stop dev; fi
  exit "$status"
}
trap shutdown INT TERM

if node bin/sms-monitor.js --help 2>/dev/null | grep -q "^  notifier"; then
  args=()
  [[ $has_cron == t ]] || args+=(--evaluate-every 60s)
  node bin/sms-monitor.js notifier "${args[@]}" &
else
  echo "[start] (the notifier daemon is not part of this build yet; the database stays up)" >&2
  sleep infinity &
fi
child=$!
# The notifier ending on its own (a bad SLACK_WEBHOOK_URL, say) is a failure of npm start: keep
# its exit status; Ctrl-C goes through the trap above and exits 0.
wait "$child" || status=$?
[[ $status -ne 0 ]] && echo "[start] the notifier exited with status $status; stopping" >&2
shutdown
