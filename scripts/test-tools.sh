#!/usr/bin/env bash
# What only `npm test` needs beyond ensure-deps.sh: Debian's chromium (the dashboard page's browser
# test drives it through puppeteer-core, which never downloads a browser) and promtool from Debian's
# `prometheus` package (the /metrics test runs `promtool check metrics`; the service is not started).
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v promtool >/dev/null || missing+=(prometheus)
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "[test-tools] missing Debian packages: ${missing[*]}" >&2
  echo "[test-tools] install them with:  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "[test-tools] installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# policy-rc.d: installing prometheus must not start its service on this machine.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=true; fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || { $created_policy && rm -f "$policy"; exit 1; }
$created_policy && rm -f "$policy"
exit 0
