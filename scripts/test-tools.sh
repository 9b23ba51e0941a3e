#!/usr/bin/env bash
# What only `npm test` needs beyond ensure-deps.sh, installed once:
#   chromium  Debian's browser (about 350 MB with its libraries): the dashboard page test
#             (server/test/page.test.ts) drives it through puppeteer-core, which never downloads one.
#   promtool  (a 48 MB binary from the 19 MB prometheus .deb): the /metrics test runs
#             `promtool check metrics`. It is taken out of the package with `dpkg -x` into
#             .sms-monitor/tools/bin/ (on PATH for npm test and vitest): installing the package
#             would enable and start a Prometheus service at every boot, which the tests never use.
# Each install says what it fetches and why in one line; apt/dpkg output goes to
# .sms-monitor/install.log (its path is printed when something fails).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh
tools_bin="$PWD/.sms-monitor/tools/bin"
export DEBIAN_FRONTEND=noninteractive
is_root() { [[ $(id -u) -eq 0 ]]; }
apt_lists_refreshed=false
refresh_apt_lists() {
  $apt_lists_refreshed && return 0
  logged "apt-get update" apt-get update -q
  apt_lists_refreshed=true
}

if ! command -v chromium >/dev/null; then
  if ! is_root; then
    echo "[test-tools] the dashboard page test needs Debian's chromium (about 350 MB); install it with:" >&2
    echo "[test-tools]   sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium" >&2
    exit 1
  fi
  echo "[test-tools] installing chromium (about 350 MB with its libraries, once) for the dashboard page test" >&2
  refresh_apt_lists
  logged "apt-get install chromium" apt-get install -y -q --no-install-recommends chromium
fi

if ! command -v promtool >/dev/null && [[ ! -x "$tools_bin/promtool" ]]; then
  echo "[test-tools] extracting promtool (19 MB download, once) from Debian's prometheus package into" \
    ".sms-monitor/tools/bin for the /metrics test; no Prometheus service is installed" >&2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # apt-get download fetches the .deb into the current folder and installs nothing.
  if ! (cd "$work" && logged "apt-get download prometheus" apt-get download prometheus); then
    is_root || { echo "[test-tools] could not download the prometheus package; as root: apt-get update" >&2; exit 1; }
    refresh_apt_lists
    (cd "$work" && logged "apt-get download prometheus" apt-get download prometheus)
  fi
  logged "dpkg -x prometheus" dpkg -x "$work"/prometheus_*.deb "$work/root"
  mkdir -p "$tools_bin"
  install -m 755 "$work/root/usr/bin/promtool" "$tools_bin/promtool"
fi
exit 0
