// Runs every bench/sections/*.ts (or those named on the command line, e.g. `npm run bench ingest`).
// Each section gets a fresh migrated database and prints its own table of medians.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabase, type BenchSection } from './lib.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sections');
const wanted = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)));

for (const file of files) {
  const mod = (await import(path.join(dir, file))) as { default: BenchSection };
  const section = mod.default;
  console.log(`\n## ${section.title}\n`);
  const db = await benchDatabase(section.name);
  try {
    await section.run(db);
  } finally {
    await db.drop();
  }
}
