// The provider spellings are mapped once, in sms_message_status_spellings: the webhooks pass a
// provider's own status word through and the database maps it. docs/messages.md prints the table;
// this test keeps the printed table equal to the database's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot } from '../../client/paths.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

it('docs/messages.md lists exactly the spellings of sms_message_status_spellings', async () => {
  const rows = await db.sql<{ provider: string; spelling: string; status: string }[]>`
    select provider, spelling, status from sms_monitor.sms_message_status_spellings order by provider collate "C", spelling collate "C"`;
  const expected = rows.map((r) => `| ${r.provider === '' ? '(any)' : `\`${r.provider}\``} | \`${r.spelling}\` | \`${r.status}\` |`);
  const doc = readFileSync(path.join(repoRoot, 'docs', 'messages.md'), 'utf8');
  const block = /<!-- spellings:start -->\n([\s\S]*?)<!-- spellings:end -->/.exec(doc);
  expect(block, 'the spellings block in docs/messages.md').not.toBeNull();
  const printed = block![1]!.trim().split('\n').slice(2);
  expect(printed).toEqual(expected);
  expect(rows.length).toBeGreaterThan(15);
});
