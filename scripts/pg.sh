#!/usr/bin/env bash
# Embedded PostgreSQL for sms-monitor: one script used by `npm start`, `npm test` and CI.
#
#   scripts/pg.sh packages            install PostgreSQL, pg_cron, pgTAP and its runner when missing
#   scripts/pg.sh start [dev|test]       create (first run) or reuse the cluster, start it, print its URL
#   scripts/pg.sh stop  [dev|test]    stop it cleanly (fast shutdown)
#   scripts/pg.sh url   [dev|test]    print the connection URL of the instance's main database
#   scripts/pg.sh status [dev|test]
#   scripts/pg.sh destroy [test]      stop and delete a throwaway cluster
#
# State lives in .sms-monitor/<instance>/ (git-ignored): port, password (mode 600), url (mode 600)
# and `datadir`, a pointer to the data directory. When the script runs as root the cluster runs as
# the `postgres` user; if that user cannot reach the repository (a parent folder with mode 700, as
# in CI), the data directory goes under /var/lib/sms-monitor/ instead and the pointer says where.
# `start test --fresh` wipes the test cluster first so every test run starts from nothing.
set -euo pipefail

cmd=${1:-}
instance=${2:-dev}
fresh=false
[[ "${3:-}" == "--fresh" ]] && fresh=true
if [[ "$instance" == "--fresh" ]]; then
  echo "pg.sh: --fresh wipes a cluster: name the test instance (e.g. pg.sh start test --fresh)" >&2
  exit 2
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$root/.sms-monitor/$instance"
# Instances: `dev` (npm start; database sms_monitor) and `test` or `test-<name>` (npm test; database
# sms_monitor_test, tuned for speed). Separate test instances let several test runs share a machine.
case "$instance" in
  dev) dbname=sms_monitor ;;
  test|test-[a-z0-9]*) dbname=sms_monitor_test ;;
  *) echo "pg.sh: unknown instance '$instance' (dev, test or test-<name>)" >&2; exit 2 ;;
esac

log() { echo "[pg] $*" >&2; }
is_root() { [[ $(id -u) -eq 0 ]]; }

pg_bindir() {
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$v" && -x "/usr/lib/postgresql/$v/bin/postgres" ]] || return 1
  echo "/usr/lib/postgresql/$v/bin"
}
pg_major() { basename "$(dirname "$(pg_bindir)")"; }

ensure_packages() {
  local missing=() v
  if ! pg_bindir >/dev/null; then
    missing+=(postgresql)
  fi
  if [[ ${#missing[@]} -gt 0 ]]; then apt_install "${missing[@]}"; missing=(); fi
  v=$(pg_major)
  [[ -f "/usr/share/postgresql/$v/extension/pg_cron.control" ]] || missing+=("postgresql-$v-cron")
  [[ -f "/usr/share/postgresql/$v/extension/pgtap.control" ]] || missing+=("postgresql-$v-pgtap")
  command -v pg_prove >/dev/null || missing+=(libtap-parser-sourcehandler-pgtap-perl)  # test.sh: pg_prove --ext .sql -r
  command -v psql >/dev/null || missing+=("postgresql-client-$v")
  if [[ ${#missing[@]} -gt 0 ]]; then apt_install "${missing[@]}"; fi
}

apt_install() {
  if ! is_root; then
    log "missing Debian packages: $*"
    log "install them with:  sudo apt-get update && sudo apt-get install -y $*"
    exit 1
  fi
  log "installing Debian packages $*, once: PostgreSQL (about 80 MB) with pg_cron for the database" \
    "and its scheduler, pgTAP and its runner for the SQL tests"
  # apt's output goes to .sms-monitor/install.log (lib.sh: logged), printed only on failure.
  source "$root/scripts/lib.sh"
  # The package lists may be absent on a fresh machine: refresh them once, then install.
  DEBIAN_FRONTEND=noninteractive logged "apt-get update" apt-get update -q
  DEBIAN_FRONTEND=noninteractive logged "apt-get install" apt-get install -y -q --no-install-recommends "$@"
  # Debian's postgresql-common creates a default cluster on install; we never use it.
  if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters -h 2>/dev/null | while read -r ver name port status _; do
      [[ "$status" == online* ]] && pg_ctlcluster "$ver" "$name" stop >&2 || true
    done
  fi
}

# Run a command as the cluster's owner: `postgres` when we are root (initdb refuses root).
as_owner() {
  # From /, so that postgres does not complain that it cannot enter the caller's directory.
  if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
port_free() {
  node -e 'const s=require("net").createServer();s.once("error",()=>process.exit(1));s.listen(+process.argv[1],"127.0.0.1",()=>s.close(()=>process.exit(0)))' "$1"
}

choose_datadir() {
  # Prefer .sms-monitor/<instance>/data; fall back to /var/lib when the owner cannot reach it.
  local want="$state/data"
  if is_root; then
    mkdir -p "$want"
    chown postgres:postgres "$want"
    if runuser -u postgres -- test -w "$want" 2>/dev/null; then
      echo "$want"; return
    fi
    rmdir "$want" 2>/dev/null || true
    local key
    key=$(printf '%s' "$root" | sha1sum | cut -c1-12)
    want="/var/lib/sms-monitor/$key-$instance"
    log "user postgres cannot reach $state; the data directory goes to $want"
    mkdir -p "$want"
    chown postgres:postgres "$want"
    chmod 700 "$want"
  else
    mkdir -p "$want"
  fi
  echo "$want"
}

datadir() { cat "$state/datadir" 2>/dev/null || true; }

init_cluster() {
  local bindir data pwfile
  bindir=$(pg_bindir)
  data=$(choose_datadir)
  echo "$data" > "$state/datadir"
  umask 077
  openssl rand -hex 24 > "$state/password" 2>/dev/null || node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))' > "$state/password"
  pwfile=$(mktemp)
  cp "$state/password" "$pwfile"
  is_root && chown postgres "$pwfile"
  log "initdb $data (PostgreSQL $(pg_major))"
  as_owner "$bindir/initdb" -D "$data" -U postgres --pwfile="$pwfile" --auth-host=scram-sha-256 \
    --auth-local=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  rm -f "$pwfile"
  local conf="$data/postgresql.conf"
  {
    echo ""
    echo "# --- sms-monitor embedded cluster ($instance) ---"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = ''"
    echo "shared_preload_libraries = 'pg_cron'"
    echo "cron.database_name = '$dbname'"
    # pg_cron's default connects over libpq to localhost without a password, which this cluster's
    # scram-sha-256 refuses ("connection failed" on every run): run jobs in background workers.
    echo "cron.use_background_workers = on"
    echo "max_worker_processes = 16"
    echo "max_connections = 200"
    echo "timezone = 'UTC'"
    echo "log_min_messages = warning"
    echo "log_min_error_statement = panic"
    if [[ "$instance" == test* ]]; then
      # A throwaway cluster: durability buys nothing here and costs minutes.
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } | as_owner tee -a "$conf" >/dev/null
  umask 022
}

# Append "key = value" to postgresql.conf unless the key is set there already.
ensure_conf() {
  local conf; conf="$(datadir)/postgresql.conf"
  if ! as_owner grep -q "^$1 *=" "$conf"; then
    echo "$1 = $2" | as_owner tee -a "$conf" >/dev/null
    if running; then log "$1 changed: restarting PostgreSQL ($instance)"; stop_cluster; fi
  fi
}

running() {
  local data; data=$(datadir)
  [[ -n "$data" ]] && as_owner "$(pg_bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

write_url() {
  local port pw
  port=$(cat "$state/port"); pw=$(cat "$state/password")
  umask 077
  echo "postgres://postgres:$pw@127.0.0.1:$port/$dbname" > "$state/url"
  echo "postgres://postgres:$pw@127.0.0.1:$port/postgres" > "$state/admin-url"
  umask 022
}

start() {
  ensure_packages
  mkdir -p "$state"
  if $fresh && [[ "$instance" != test* ]]; then
    log "--fresh is for test clusters only; '$instance' keeps its data"; exit 2
  fi
  if $fresh && [[ -f "$state/datadir" ]]; then
    stop_cluster || true
    local old; old=$(datadir)
    [[ -n "$old" ]] && rm -rf "$old"
    rm -f "$state/datadir" "$state/port" "$state/password" "$state/url" "$state/admin-url"
  fi
  if [[ ! -f "$state/datadir" || ! -f "$(datadir)/PG_VERSION" ]]; then
    init_cluster
  fi
  # Clusters made before a setting was added get it on their next start.
  ensure_conf cron.use_background_workers on
  ensure_conf max_worker_processes 16
  if ! running; then
    local port
    port=$(cat "$state/port" 2>/dev/null || true)
    if [[ -z "$port" ]] || ! port_free "$port"; then port=$(free_port); fi
    echo "$port" > "$state/port"
    local logf="$(datadir)/server.log"
    log "starting PostgreSQL on 127.0.0.1:$port"
    as_owner "$(pg_bindir)/pg_ctl" -D "$(datadir)" -o "-p $port" -l "$logf" -w -t 60 start >/dev/null || {
      log "PostgreSQL failed to start; last lines of $logf:"; as_owner tail -n 20 "$logf" >&2; exit 1; }
  fi
  write_url
  # The password goes through the environment: `ps` shows command lines to every local user.
  local admin="postgres://postgres@127.0.0.1:$(cat "$state/port")/postgres"
  local pw; pw=$(cat "$state/password")
  if [[ $(PGPASSWORD=$pw psql "$admin" -XAtqc "select count(*) from pg_database where datname = '$dbname'") == 0 ]]; then
    PGPASSWORD=$pw psql "$admin" -Xqc "create database $dbname" >/dev/null
  fi
  cat "$state/url"
}

stop_cluster() {
  if running; then
    log "stopping PostgreSQL ($instance)"
    as_owner "$(pg_bindir)/pg_ctl" -D "$(datadir)" -m fast -w stop >/dev/null
  fi
}

case "$cmd" in
  packages) ensure_packages ;;
  start) start ;;
  stop) stop_cluster ;;
  url) [[ -f "$state/url" ]] || { log "no $instance cluster yet: run scripts/pg.sh start $instance"; exit 1; }; cat "$state/url" ;;
  admin-url) cat "$state/admin-url" ;;
  destroy)
    # Throwaway clusters (npm test): stop and delete the data directory and the state.
    [[ "$instance" == test* ]] || { log "destroy is for test clusters only, not '$instance'"; exit 2; }
    stop_cluster || true
    d=$(datadir); [[ -n "$d" && -d "$d" ]] && rm -rf "$d"
    rm -rf "$state" ;;
  status) if running; then echo "running on port $(cat "$state/port") (data: $(datadir))"; else echo "stopped"; exit 3; fi ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
