// `npm ci` (what CI, the Dockerfile and scripts/ensure-deps.sh run) accepts the committed lock
// file: it refuses one that is out of sync with package.json, including a missing optional
// platform-specific entry that `npm install` would silently add. `--dry-run` checks exactly that
// without installing, in a scratch directory holding only the two files.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../migrate.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-monitor-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npmCiDryRun(cwd: string): Promise<{ code: number; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return new Promise((resolve) => {
    execFile('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      { cwd, env, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr });
      });
  });
}

describe('the committed package-lock.json', () => {
  it('is in sync with package.json: npm ci accepts it', async () => {
    copyFileSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
    copyFileSync(path.join(repoRoot, 'package-lock.json'), path.join(dir, 'package-lock.json'));
    const r = await npmCiDryRun(dir);
    expect(r.stderr).not.toMatch(/npm error/);
    expect(r.code).toBe(0);
  }, 300_000);
});
