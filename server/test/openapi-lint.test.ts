// The OpenAPI document (/api/openapi.json, with the response schemas of client/schemas.ts) passes
// Spectral's OpenAPI ruleset (spectral:oas) with no error and no warning. Spectral runs from
// node_modules, offline, on the document the real server serves.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot } from '../../client/migrate.ts';
import { startTestServer, type TestServer } from './harness.ts';

let t: TestServer;
const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-monitor-openapi-'));
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t?.close(); rmSync(dir, { recursive: true, force: true }); });

it('spectral:oas finds nothing in the OpenAPI document', async () => {
  const doc = await t.request('GET', '/api/openapi.json');
  expect(doc.status).toBe(200);
  writeFileSync(path.join(dir, 'openapi.json'), doc.text);
  writeFileSync(path.join(dir, '.spectral.json'), JSON.stringify({ extends: ['spectral:oas'] }));
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(path.join(repoRoot, 'node_modules/.bin/spectral'),
      ['lint', 'openapi.json', '--ruleset', '.spectral.json', '--format', 'json', '--quiet'],
      { cwd: dir, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
  });
  const findings = (JSON.parse(out.stdout || '[]') as Array<{ code: string; severity: number; path: string[]; message: string }>)
    .filter((f) => f.severity <= 1)
    .map((f) => `${f.severity} ${f.code} at ${f.path.join('.')}: ${f.message}`);
  expect(findings).toEqual([]);
  expect(out.stderr).toBe('');
}, 90_000);
