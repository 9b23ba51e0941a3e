#!/usr/bin/env bash
# npm start: the whole system, locally. Installs what is missing, starts the embedded PostgreSQL
# (with pg_cron) in .sms-monitor/<instance>/ unless DATABASE_URL is set, applies the migrations,
# prints how to connect and what can deliver, then runs the notifier daemon until stopped.
#
# A service: SIGTERM or SIGINT to `npm start` (npm forwards both to this script), or Ctrl-C, stops
# every child this script started (TERM, then waits for it) and the embedded PostgreSQL, and exits
# 0, at any moment: the set-up steps (npm install, initdb, migrations) run in process groups of
# their own that a signal ends at once. A child that ends on its own stops the rest and npm start
# fails with its status. SMS_MONITOR_INSTANCE picks the embedded instance (default dev; tests use
# test-<name>).
#
# Least privilege: with the embedded database the notifier runs as the login role sms_notifier
# (member of sms_monitor_notifier) and the HTTP server as sms_monitor_http (NOINHERIT member of
# sms_monitor_authenticator), never as the superuser; their passwords live in mode-600 files under
# .sms-monitor/<instance>/ and travel only through the environment or psql's stdin, never on a
# command line. The admin token for the dashboard goes to .sms-monitor/<instance>/admin-token
# (mode 600); the banner prints its path, not the token.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

instance=${SMS_MONITOR_INSTANCE:-dev}
embedded=false
pg_started=false
children=()
step_pid=
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
  if [[ -n $step_pid ]]; then
    # The step's whole group (initdb's own postgres, npm's children), until none is left: 10 s,
    # then KILL.
    kill -TERM -- "-$step_pid" 2>/dev/null || true
    wait "$step_pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do kill -0 -- "-$step_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$step_pid" 2>/dev/null || true
  fi
  for pid in "${children[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${children[@]}"; do wait "$pid" 2>/dev/null || true; done
  if $pg_started; then bash scripts/pg.sh stop "$instance" || true; fi
}
on_signal() {
  log "$1: stopping"
  stop_all
  exit 0
}
# From the first line: a signal during set-up (npm install, initdb, migrations) ends the step in
# progress (see step) and stops what was started so far.
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGINT' INT
trap 'stop_all' EXIT   # a failing step (set -e) does not leave the embedded PostgreSQL running

# Runs a set-up step in a process group of its own and waits for it. bash runs a trap only once the
# foreground command returns (npm install can take minutes); `wait` returns at once on a signal,
# and stop_all then ends the step's whole group (npm's children, initdb, psql).
step() {
  setsid "$@" &
  step_pid=$!
  local rc=0
  wait "$step_pid" || rc=$?
  step_pid=
  return "$rc"
}

# Runs a long-lived child in the background and remembers it, so that stop_all stops it.
start_child() {
  "$@" &
  children+=("$!")
  log "started $* (pid $!)"
}

# The dashboard's port, checked before anything is installed or printed: a port in use is one line
# naming the variable that changes it (the server checks again when it binds).
port=${SMS_MONITOR_HTTP_PORT:-8787}
if [[ -z "${DATABASE_URL:-}" || -n "${SMS_MONITOR_HTTP_DATABASE_URL:-}" ]]; then
  busy=$(SMS_PORT=$port node -e '
    const s = require("net").createServer();
    s.once("error", (e) => { console.log(e.code); });
    s.listen(Number(process.env.SMS_PORT), "127.0.0.1", () => s.close());')
  if [[ -n $busy ]]; then
    log "port $port is not free ($busy): set SMS_MONITOR_HTTP_PORT to another port, e.g. SMS_MONITOR_HTTP_PORT=8788 npm start"
    exit 1
  fi
fi

step bash scripts/ensure-deps.sh

if [[ -z "${DATABASE_URL:-}" ]]; then
  embedded=true
  pg_started=true   # set first: a signal while pg.sh starts it still stops it
  step bash scripts/pg.sh start "$instance" >/dev/null
  DATABASE_URL=$(cat ".sms-monitor/$instance/url")
fi
export DATABASE_URL
url_hint='"$DATABASE_URL"'
$embedded && url_hint="\"\$(cat .sms-monitor/$instance/url)\""

step node bin/sms-monitor.js migrate

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

# ---- the login roles of the services, the dashboard (sms-monitor serve) and the --demo simulator ----
# The embedded setup gets a JWT secret (.sms-monitor/<instance>/jwt-secret, mode 600) and two login
# roles with passwords in mode-600 files: sms_notifier (notifier-password) for the notifier and
# sms_monitor_http (http-password) for `serve`. With your own DATABASE_URL the notifier uses it as
# it is, and the dashboard runs when SMS_MONITOR_JWT_SECRET and SMS_MONITOR_HTTP_DATABASE_URL (a
# login role in sms_monitor_authenticator; docs/http.md) are set.
demo=false
for arg in "$@"; do [[ $arg == --demo ]] && demo=true; done
http_url="${SMS_MONITOR_HTTP_DATABASE_URL:-}"
notifier_url=$DATABASE_URL
dashboard=true
state=.sms-monitor/$instance
mkdir -p "$state"

# A URL of the same server and database as another login; the password comes and goes through the
# environment, never argv.
url_as() {
  SMS_URL="$DATABASE_URL" SMS_USER="$1" SMS_PW="$(cat "$2")" node -e '
    const u = new URL(process.env.SMS_URL); u.username = process.env.SMS_USER; u.password = process.env.SMS_PW;
    console.log(u.toString());'
}

if $embedded; then
  ( umask 077
    [[ -s $state/jwt-secret ]] || node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))' > "$state/jwt-secret"
    for f in http-password notifier-password; do
      [[ -s $state/$f ]] || node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))' > "$state/$f"
    done )
  if [[ $(psql_url "$DATABASE_URL" -XAtqc "select count(*) from pg_roles where rolname = 'sms_monitor_authenticator'") != 1 ]]; then
    log "dashboard skipped: this schema has no sms_monitor_authenticator role yet (migrations too old)"
    dashboard=false
  fi
  # The passwords (hex) reach psql on its stdin, not its command line.
  psql_url "$DATABASE_URL" -Xq -v ON_ERROR_STOP=1 >/dev/null <<SQL
\set notifier_pw '$(cat "$state/notifier-password")'
\set http_pw '$(cat "$state/http-password")'
select 'create role sms_notifier login' where not exists (select from pg_roles where rolname = 'sms_notifier') \gexec
select format('alter role sms_notifier login nosuperuser nocreaterole nocreatedb password %L', :'notifier_pw') \gexec
grant sms_monitor_notifier to sms_notifier;
\if $($dashboard && echo true || echo false)
select 'create role sms_monitor_http login noinherit' where not exists (select from pg_roles where rolname = 'sms_monitor_http') \gexec
select format('alter role sms_monitor_http login noinherit nosuperuser nocreaterole nocreatedb password %L', :'http_pw') \gexec
grant sms_monitor_authenticator to sms_monitor_http;
\endif
SQL
  notifier_url=$(url_as sms_notifier "$state/notifier-password")
  $dashboard && http_url=$(url_as sms_monitor_http "$state/http-password")
  export SMS_MONITOR_JWT_SECRET=${SMS_MONITOR_JWT_SECRET:-$(cat "$state/jwt-secret")}
fi

args=()
[[ $has_cron == t ]] || args+=(--evaluate-every 60s)
DATABASE_URL=$notifier_url start_child node bin/sms-monitor.js notifier "${args[@]}"

dashboard_lines=()
if ! $dashboard; then
  :
elif [[ -z "$http_url" || -z "${SMS_MONITOR_JWT_SECRET:-}" ]]; then
  log "dashboard skipped: set SMS_MONITOR_HTTP_DATABASE_URL and SMS_MONITOR_JWT_SECRET (docs/http.md)"
else
  DATABASE_URL=$http_url start_child node bin/sms-monitor.js serve --port "$port"
  serve_pid=${children[-1]}
  # Ready before its URL is printed: /healthz answers, or serve ended (a port taken meanwhile: its
  # one line on stderr says so) and npm start fails.
  until SMS_PORT=$port node -e 'fetch(`http://127.0.0.1:${process.env.SMS_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))'; do
    if ! kill -0 "$serve_pid" 2>/dev/null; then
      log "the dashboard's server did not start (see the line above); stopping"
      exit 1
    fi
    sleep 0.2
  done
  token_file=$state/admin-token
  ( umask 077; node bin/sms-monitor.js token --role admin --ttl 12h > "$token_file" )
  dashboard_lines+=("  dashboard:  http://127.0.0.1:$port/  (sign in with the admin token in $token_file, valid 12 hours;"
    "              or open \"http://127.0.0.1:$port/#token=\$(cat $token_file)\"; a reader token: npx sms-monitor token --role reader)")
  if $demo; then
    # The demo's rules also notify the log channel, which always delivers: their notifications are
    # the notifier's JSON lines in this terminal (and "log: sent" on the page). The per-carrier
    # rule is updated only where this database has it.
    psql_url "$DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -c "update sms_monitor.sms_alert_thresholds
       set notification_channels = notification_channels || '{log}'
     where alert_type in ('delivery_rate_critical', 'carrier_delivery_rate_critical') and not 'log' = any(notification_channels)" >/dev/null
    start_child node bin/sms-monitor.js simulate --users 200 --rate 20 --backfill 7 --incident carrier --after 30s --incident-for 5m --ack-after 20s
    dashboard_lines+=("  demo:       7 days of history, then live traffic for 200 users as message events (carriers, countries,"
      "              senders, error codes); from 30 s the carrier T-Mobile fails 60 % of its messages until"
      "              carrier_delivery_rate_critical opens for it (the next minute's check; at most 5 minutes), the"
      "              simulator acknowledges it 20 s later and sends the backlog until it resolves. The page's"
      "              incident view shows T-Mobile as the worst carrier; the incident links to that row."
      "              Both delivery rules also notify the log channel: their notifications appear here as JSON lines")
  fi
fi

cat <<INFO

sms-monitor is running.
  database:   $redacted$($embedded && echo "  (embedded; full URL with password in .sms-monitor/$instance/url)")
  services:   $($embedded && echo "the notifier as login role sms_notifier, the HTTP server as sms_monitor_http (passwords in .sms-monitor/$instance/, mode 600)" || echo "the notifier with DATABASE_URL, the HTTP server with SMS_MONITOR_HTTP_DATABASE_URL")
  evaluation: $([[ $has_cron == t ]] && echo "pg_cron runs sms_monitor.check_sms_alerts() every minute" || echo "no pg_cron here: the notifier evaluates every 60 s")
  channels:   can deliver: $(IFS=' '; echo "${configured[*]}")$([[ ${#missing[@]} -gt 0 ]] && printf '; not configured: %s' "$(printf '%s, ' "${missing[@]}" | sed 's/, $//')")
  rules with no configured channel: ${unreached:-none}
  record a metric from psql:
    psql $url_hint -c "select sms_monitor.record_sms_event('sent_count', gen_random_uuid())"
  read today's figures:
    psql $url_hint -c "select * from sms_monitor.get_sms_daily_metrics(current_date)"
INFO
[[ ${#dashboard_lines[@]} -gt 0 ]] && printf '%s\n' "${dashboard_lines[@]}"
printf 'Press Ctrl-C to stop.\n\n'

# Until a child ends on its own (a bad SLACK_WEBHOOK_URL, say): that is a failure of npm start.
# A signal interrupts this wait and goes through on_signal, which exits 0.
wait -n "${children[@]}" || status=$?
log "a child exited on its own (status $status); stopping the rest"
stop_all
[[ $status -eq 0 ]] && status=1
exit "$status"
