#!/usr/bin/env bash
# npm start: the whole system, locally. Installs what is missing, starts the embedded PostgreSQL
# (with pg_cron) in .sms-monitor/<instance>/ unless DATABASE_URL is set, applies the migrations,
# prints how to connect and what can deliver, then runs the notifier daemon until stopped.
#
# A service: SIGTERM or SIGINT to `npm start` (npm forwards both to this script), or Ctrl-C, stops
# every child this script started (TERM, then waits for it) and the embedded PostgreSQL, and exits
# 0. A child that ends on its own stops the rest and npm start fails with its status.
# SMS_MONITOR_INSTANCE picks the embedded instance (default dev; tests use test-<name>).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

instance=${SMS_MONITOR_INSTANCE:-dev}
embedded=false
pg_started=false
children=()
stopping=false
status=0

log() { echo "[start] $*" >&2; }

stop_all() {
  # Ignore further signals while stopping: Ctrl-C in a terminal reaches npm and this script both
  # (npm forwards it too), and systemd or `timeout` signal the whole group; a second signal must
  # not end the script halfway and leave the embedded PostgreSQL running.
  trap '' INT TERM
  $stopping && return
  stopping=true
  local pid
  for pid in "${children[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${children[@]}"; do wait "$pid" 2>/dev/null || true; done
  if $pg_started; then bash scripts/pg.sh stop "$instance" || true; fi
}
on_signal() {
  log "$1: stopping"
  stop_all
  exit 0
}
# From the first line: a signal during set-up (npm install, initdb, migrations) stops what was
# started so far once the step in progress returns.
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGINT' INT
trap 'stop_all' EXIT   # a failing step (set -e) does not leave the embedded PostgreSQL running

# Runs a long-lived child in the background and remembers it, so that stop_all stops it.
start_child() {
  "$@" &
  children+=("$!")
  log "started $* (pid $!)"
}

bash scripts/ensure-deps.sh

if [[ -z "${DATABASE_URL:-}" ]]; then
  embedded=true
  pg_started=true   # set first: a signal while pg.sh starts it still stops it
  DATABASE_URL=$(bash scripts/pg.sh start "$instance")
fi
export DATABASE_URL
url_hint='"$DATABASE_URL"'
$embedded && url_hint="\"\$(cat .sms-monitor/$instance/url)\""

node bin/sms-monitor.js migrate

redacted=$(redact_url "$DATABASE_URL")
has_cron=$(psql_url "$DATABASE_URL" -XAtqc "select exists (select from pg_extension where extname = 'pg_cron')")

# Which channels can deliver here (the notifier reads the same variables; see docs/notifier.md),
# and which enabled rules would have every notification fail as "not configured".
configured=(log)
missing=()
if [[ -n "${SLACK_WEBHOOK_URL:-}" ]]; then configured+=(slack); else missing+=("slack (set SLACK_WEBHOOK_URL)"); fi
if [[ -n "${PAGERDUTY_INTEGRATION_KEY:-}" ]]; then configured+=(pagerduty); else missing+=("pagerduty (set PAGERDUTY_INTEGRATION_KEY)"); fi
if [[ -n "${SMTP_URL:-}" && -n "${ALERT_EMAIL_FROM:-}" && -n "${ALERT_EMAIL_TO:-}" ]]; then configured+=(email)
else missing+=("email (set SMTP_URL, ALERT_EMAIL_FROM and ALERT_EMAIL_TO)"); fi
channel_list=$(IFS=,; echo "${configured[*]}")
unreached=$(psql_url "$DATABASE_URL" -XAtq -v channels="{$channel_list}" <<'SQL'
select coalesce(string_agg(format('%s (%s)', alert_type, array_to_string(notification_channels, ', ')), '; ' order by alert_type), '')
  from sms_monitor.sms_alert_thresholds
 where is_enabled and not (notification_channels && :'channels'::text[]);
SQL
)

cat <<INFO

sms-monitor is running.
  database:   $redacted$($embedded && echo "  (embedded; full URL with password in .sms-monitor/$instance/url)")
  evaluation: $([[ $has_cron == t ]] && echo "pg_cron runs sms_monitor.check_sms_alerts() every minute" || echo "no pg_cron here: the notifier evaluates every 60 s")
  channels:   can deliver: $(IFS=' '; echo "${configured[*]}")$([[ ${#missing[@]} -gt 0 ]] && printf '; not configured: %s' "$(printf '%s, ' "${missing[@]}" | sed 's/, $//')")
  rules with no configured channel: ${unreached:-none}
  record a metric from psql:
    psql $url_hint -c "select sms_monitor.record_sms_event('sent_count', gen_random_uuid())"
  read today's figures:
    psql $url_hint -c "select sms_monitor.refresh_sms_metrics_daily(); select * from sms_monitor.get_sms_daily_metrics(current_date)"
Press Ctrl-C to stop.

INFO

args=()
[[ $has_cron == t ]] || args+=(--evaluate-every 60s)
start_child node bin/sms-monitor.js notifier "${args[@]}"

# ---- the dashboard (sms-monitor serve) and the --demo simulator ----
# The embedded setup gets a JWT secret (.sms-monitor/<instance>/jwt-secret, mode 600) and a login
# role sms_monitor_http in sms_monitor_authenticator (password in .sms-monitor/<instance>/http-password,
# mode 600); `serve` runs beside the notifier and the URL printed carries an admin token in its
# fragment. With your own DATABASE_URL: set SMS_MONITOR_JWT_SECRET and SMS_MONITOR_HTTP_DATABASE_URL
# (a login role in sms_monitor_authenticator; docs/http.md), else the dashboard is skipped.
demo=false
for arg in "$@"; do [[ $arg == --demo ]] && demo=true; done
http_url="${SMS_MONITOR_HTTP_DATABASE_URL:-}"
port=${SMS_MONITOR_HTTP_PORT:-8787}
dashboard=true
if $embedded; then
  dir=.sms-monitor/$instance
  ( umask 077
    [[ -s $dir/jwt-secret ]] || node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))' > "$dir/jwt-secret"
    [[ -s $dir/http-password ]] || node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))' > "$dir/http-password" )
  if [[ $(psql_url "$DATABASE_URL" -XAtqc "select count(*) from pg_roles where rolname = 'sms_monitor_authenticator'") != 1 ]]; then
    log "dashboard skipped: this schema has no sms_monitor_authenticator role yet (migrations too old)"
    dashboard=false
  fi
fi
if $embedded && $dashboard; then
  psql_url "$DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -v pw="$(cat "$dir/http-password")" >/dev/null <<'SQL'
select 'create role sms_monitor_http login noinherit' where not exists (select from pg_roles where rolname = 'sms_monitor_http') \gexec
select format('alter role sms_monitor_http login noinherit password %L', :'pw') \gexec
grant sms_monitor_authenticator to sms_monitor_http;
SQL
  http_url=$(SMS_URL="$DATABASE_URL" SMS_PW="$(cat "$dir/http-password")" node -e '
    const u = new URL(process.env.SMS_URL); u.username = "sms_monitor_http"; u.password = process.env.SMS_PW; console.log(u.toString());')
  export SMS_MONITOR_JWT_SECRET=${SMS_MONITOR_JWT_SECRET:-$(cat "$dir/jwt-secret")}
fi
if ! $dashboard; then
  :
elif [[ -z "$http_url" || -z "${SMS_MONITOR_JWT_SECRET:-}" ]]; then
  log "dashboard skipped: set SMS_MONITOR_HTTP_DATABASE_URL and SMS_MONITOR_JWT_SECRET (docs/http.md)"
else
  DATABASE_URL=$http_url start_child node bin/sms-monitor.js serve --port "$port"
  token=$(node bin/sms-monitor.js token --role admin --ttl 12h)
  echo "  dashboard:  http://127.0.0.1:$port/#token=$token"
  echo "              (an admin token for 12 hours; another: npx sms-monitor token --role reader)"
  if $demo; then
    # The demo's rule also notifies the log channel, which always delivers: its notifications are
    # the notifier's JSON lines in this terminal (and "log: sent" on the page).
    psql_url "$DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -c "update sms_monitor.sms_alert_thresholds
       set notification_channels = notification_channels || '{log}'
     where alert_type = 'delivery_rate_critical' and not 'log' = any(notification_channels)" >/dev/null
    start_child node bin/sms-monitor.js simulate --users 200 --rate 20 --backfill 7 --incident delivery --after 30s --incident-for 3m --ack-after 20s
    echo "  demo:       7 days of history, then live traffic for 200 users; a carrier fault from 30 s fails half the"
    echo "              messages until delivery_rate_critical opens (the next minute's check), the simulator"
    echo "              acknowledges it 20 s later and sends the backlog until it resolves: about 4 minutes in all."
    echo "              delivery_rate_critical now also notifies the log channel: its notifications appear here as JSON lines"
  fi
fi

# Until a child ends on its own (a bad SLACK_WEBHOOK_URL, say): that is a failure of npm start.
# A signal interrupts this wait and goes through on_signal, which exits 0.
wait -n "${children[@]}" || status=$?
log "a child exited on its own (status $status); stopping the rest"
stop_all
[[ $status -eq 0 ]] && status=1
exit "$status"
