// Prints a postgres:// connection string built from the libpq variables PGHOST, PGPORT, PGUSER,
// PGPASSWORD and PGDATABASE, each part URL-encoded (docker/entrypoint.sh). Exits 2 without PGHOST.
const env = process.env;
if (!env.PGHOST) {
  console.error('sms-monitor: set DATABASE_URL, or PGHOST (with PGUSER, PGPASSWORD, PGDATABASE, PGPORT)');
  process.exit(2);
}
const enc = encodeURIComponent;
const user = env.PGUSER ? enc(env.PGUSER) + (env.PGPASSWORD ? `:${enc(env.PGPASSWORD)}` : '') + '@' : '';
const host = env.PGHOST.includes(':') ? `[${env.PGHOST}]` : env.PGHOST;
process.stdout.write(`postgres://${user}${host}:${env.PGPORT || '5432'}/${enc(env.PGDATABASE || 'postgres')}`);
