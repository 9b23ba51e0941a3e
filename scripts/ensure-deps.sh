#!/usr/bin/env bash
# Install what `npm start`, `npm test` and `npm run bench` need on a fresh Debian machine:
# PostgreSQL with pg_cron, pgTAP and its runner (Debian packages, when missing), and the npm
# dependencies (when node_modules is missing or older than package-lock.json), then builds dist/.
# Each install says what it fetches and why in one line; the package managers' own output goes to
# .sms-monitor/install.log (scripts/lib.sh: logged), whose path is printed when something fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh
bash scripts/pg.sh packages
if [[ ! -d node_modules/.bin || ! -f node_modules/.package-lock.json \
      || package-lock.json -nt node_modules/.package-lock.json ]]; then
  # `npm ci`: exactly the committed lock file, never rewriting it (client/test/lockfile.test.ts
  # checks that the lock is in sync with package.json, optional platform entries included).
  count=$(node -e 'const l = require("./package-lock.json");
    console.log(Object.keys(l.packages ?? {}).filter((k) => k.startsWith("node_modules/")).length)' 2>/dev/null || echo "the")
  echo "[deps] installing $count npm packages from package-lock.json (npm ci, about 230 MB in" \
    "node_modules/): the libraries, the TypeScript compiler and the test runner; 1-2 minutes" >&2
  t0=$SECONDS
  logged "npm ci" npm ci --no-audit --no-fund --no-progress
  echo "[deps] npm packages installed in $((SECONDS - t0)) s (npm's output: $(install_log))" >&2
fi
# The compiled JavaScript the CLI runs (dist/): rebuilt when any TypeScript source is newer.
stamp=dist/.build-stamp
if [[ ! -f $stamp ]] || [[ -n $(find client notifier cli server package.json tsconfig.json tsconfig.build.json \
      -name '*.ts' -newer "$stamp" -not -path '*/test/*' -print -quit 2>/dev/null) ]]; then
  echo "[deps] building dist/ (tsc -p tsconfig.build.json)" >&2
  rm -rf dist
  npx tsc -p tsconfig.build.json
  touch "$stamp"
fi
