#!/usr/bin/env bash
# Install what `npm start`, `npm test` and `npm run bench` need on a fresh Debian machine:
# PostgreSQL with pg_cron and pgTAP plus pg_prove (Debian packages, when missing), and the npm
# dependencies (when node_modules is missing or older than package-lock.json).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/pg.sh packages
if [[ ! -d node_modules/.bin || ! -f node_modules/.package-lock.json \
      || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[deps] installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
