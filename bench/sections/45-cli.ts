// CLI start-up: what a command costs over starting Node itself. Each variant is a child
// process, spawned ROUNDS times, interleaved with the baseline `node -e 0` so that the machine's
// load at any moment weighs on both alike. Target: `sms-monitor --help` ≤ 2 × `node -e 0`.
// `status --json` adds one connection and one query to the bench database; `npx sms-monitor
// --help` is what a user types (npm's own start-up on top).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../client/paths.ts';
import { median, printTable, type BenchDatabase, type BenchSection } from '../lib.ts';

const ROUNDS = 21;
const bin = path.join(repoRoot, 'bin', 'sms-monitor.js');

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const section: BenchSection = {
  name: 'cli',
  title: 'CLI start-up: child processes, median ms',
  async run(db: BenchDatabase) {
    const env = { ...process.env, DATABASE_URL: db.url };
    const variants: Array<[string, string, string[]]> = [
      ['node -e 0 (baseline)', process.execPath, ['-e', '0']],
      ['node bin/sms-monitor.js --help', process.execPath, [bin, '--help']],
      ['node bin/sms-monitor.js alerts list --help', process.execPath, [bin, 'alerts', 'list', '--help']],
      ['node bin/sms-monitor.js status --json (one query)', process.execPath, [bin, 'status', '--json']],
      ['npx sms-monitor --help', 'npx', ['sms-monitor', '--help']],
    ];
    const times = variants.map(() => [] as number[]);
    for (const [, cmd, args] of variants) timed(cmd, args, env); // warm the file cache
    for (let r = 0; r < ROUNDS; r++) {
      variants.forEach(([, cmd, args], i) => { times[i]!.push(timed(cmd, args, env)); });
    }
    const base = median(times[0]!);
    printTable(['command', `median ms (${ROUNDS} runs)`, '× node -e 0'],
      variants.map(([name], i) => [name, median(times[i]!), (median(times[i]!) / base).toFixed(2)]));
  },
};
export default section;
