#!/bin/sh
# Entry point of the application image: `sms-monitor <command> [options]`. Without DATABASE_URL,
# the connection string is built from PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE with the
# user, password and database URL-encoded (docker/database-url.mjs), so a password with @ : / % #
# works as it is.
set -eu
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(node /app/docker/database-url.mjs)
  export DATABASE_URL
fi
exec node /app/bin/sms-monitor.js "$@"
