# Shared shell helpers for scripts/*.sh (sourced, not run).

# psql on a connection URL without its password on the command line, where `ps` would show it
# to every local user: the password travels in PGPASSWORD, the URL goes without it.
psql_url() {
  local url=$1 parts
  shift
  parts=$(SMS_URL="$url" node -e '
    const u = new URL(process.env.SMS_URL);
    const p = decodeURIComponent(u.password);
    u.password = "";
    console.log(u.toString());
    console.log(p);')
  PGPASSWORD=$(sed -n 2p <<<"$parts") psql "$(sed -n 1p <<<"$parts")" "$@"
}

# The same server and credentials, another database (the URL comes and goes through the
# environment, not argv).
url_with_db() {
  SMS_URL="$1" SMS_DB="$2" node -e '
    const u = new URL(process.env.SMS_URL);
    u.pathname = "/" + process.env.SMS_DB;
    console.log(u.toString());'
}

# A URL with its password replaced, safe to print.
redact_url() {
  SMS_URL="$1" node -e '
    const u = new URL(process.env.SMS_URL);
    if (u.password) u.password = "***";
    console.log(u.toString());'
}

# vitest (through tinyrainbow) colours its output whenever TERM is not "dumb", even into a pipe or
# a log file. Plain text unless stdout is a terminal or the caller asked for colour (FORCE_COLOR).
plain_output_unless_tty() {
  if [[ ! -t 1 && -z "${FORCE_COLOR:-}" ]]; then export NO_COLOR=1; fi
}

# Package managers (apt-get, dpkg, npm) print hundreds of lines that say nothing about the tests:
# their output goes to .sms-monitor/install.log; a failure prints that path and the last lines.
# (The path is fixed when this file is sourced: callers may change folder before logging.)
SMS_MONITOR_INSTALL_LOG=${SMS_MONITOR_INSTALL_LOG:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.sms-monitor/install.log"}
install_log() {
  mkdir -p "$(dirname "$SMS_MONITOR_INSTALL_LOG")"
  echo "$SMS_MONITOR_INSTALL_LOG"
}
# logged <what> <command...>: run the command with its output appended to install_log.
logged() {
  local what=$1 log
  shift
  log=$(install_log)
  echo "--- $(date -u +%Y-%m-%dT%H:%M:%SZ) $what: $*" >>"$log"
  if ! "$@" >>"$log" 2>&1; then
    echo "[install] $what failed; the whole output is in $log, its last lines:" >&2
    tail -n 15 "$log" >&2
    return 1
  fi
}
