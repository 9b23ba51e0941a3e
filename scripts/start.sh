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

# ==== issue 8: the dashboard (sms-monitor serve) and the --demo simulator ====
# The embedded setup gets a JWT secret (.sms-monitor/dev/jwt-secret, mode 600) and a login role
# sms_monitor_http in sms_monitor_authenticator (password in .sms-monitor/dev/http-password, mode
# 600); `serve` runs beside the notifier and the URL printed carries an admin token in its fragment.
# With your own DATABASE_URL: set SMS_MONITOR_JWT_SECRET and SMS_MONITOR_HTTP_DATABASE_URL (a login
# role in sms_monitor_authenticator; docs/http.md), else the dashboard is skipped.
demo=false
for arg in "$@"; do [[ $arg == --demo ]] && demo=true; done
dashboard_pids=()
dashboard_start() {
  local http_url="${SMS_MONITOR_HTTP_DATABASE_URL:-}" port=${SMS_MONITOR_HTTP_PORT:-8787} token
  if $embedded; then
    umask 077
    [[ -s .sms-monitor/dev/jwt-secret ]] || node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))' > .sms-monitor/dev/jwt-secret
    [[ -s .sms-monitor/dev/http-password ]] || node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))' > .sms-monitor/dev/http-password
    umask 022
    if [[ $(psql_url "$DATABASE_URL" -XAtqc "select count(*) from pg_roles where rolname = 'sms_monitor_authenticator'") != 1 ]]; then
      echo "[start] dashboard skipped: this schema has no sms_monitor_authenticator role yet (migrations too old)" >&2
      return 0
    fi
    psql_url "$DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -v pw="$(cat .sms-monitor/dev/http-password)" >/dev/null <<'SQL' || { echo "[start] dashboard skipped: could not set up its login role" >&2; return 0; }
select 'create role sms_monitor_http login noinherit' where not exists (select from pg_roles where rolname = 'sms_monitor_http') \gexec
select format('alter role sms_monitor_http login noinherit password %L', :'pw') \gexec
grant sms_monitor_authenticator to sms_monitor_http;
SQL
    http_url=$(SMS_URL="$DATABASE_URL" SMS_PW="$(cat .sms-monitor/dev/http-password)" node -e '
      const u = new URL(process.env.SMS_URL); u.username = "sms_monitor_http"; u.password = process.env.SMS_PW; console.log(u.toString());')
    export SMS_MONITOR_JWT_SECRET=${SMS_MONITOR_JWT_SECRET:-$(cat .sms-monitor/dev/jwt-secret)}
  fi
  if [[ -z "$http_url" || -z "${SMS_MONITOR_JWT_SECRET:-}" ]]; then
    echo "[start] dashboard skipped: set SMS_MONITOR_HTTP_DATABASE_URL and SMS_MONITOR_JWT_SECRET (docs/http.md)" >&2
    return 0
  fi
  DATABASE_URL=$http_url node bin/sms-monitor.js serve --port "$port" &
  dashboard_pids+=($!)
  token=$(node bin/sms-monitor.js token --role admin --ttl 12h)
  echo "  dashboard:  http://127.0.0.1:$port/#token=$token"
  echo "              (an admin token for 12 hours; another: npx sms-monitor token --role reader)"
  if $demo; then
    node bin/sms-monitor.js simulate --users 200 --rate 20 --incident delivery --after 3m --incident-for 2m --ack-after 1m &
    dashboard_pids+=($!)
    echo "  demo:       simulated traffic for 200 users; a delivery incident fires after about 3 minutes, is acknowledged a minute later and resolves once the hour's delivery rate is back above 92 %"
  fi
}
dashboard_stop() {
  local p
  for p in "${dashboard_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${dashboard_pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
# ==== end issue 8 ====

child=
status=0
shutdown() {
  trap - INT TERM
  dashboard_stop   # issue 8
  if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  if $embedded; then bash scripts/pg.sh stop dev; fi
  exit "$status"
}
trap shutdown INT TERM
dashboard_start   # issue 8: serve (+ simulate with --demo) beside the notifier

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
