// docs/reference.md against the code: every environment variable the sources read is in its
// "Environment variables" tables and every variable there is read somewhere; every command and
// subcommand the CLI registers is a row of its CLI table and every row names one. No database.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';

const reference = readFileSync(path.join(repoRoot, 'docs', 'reference.md'), 'utf8');

/** The text of one "## heading" section of reference.md. */
function section(heading: string): string {
  const start = reference.indexOf(`\n## ${heading}`);
  expect(start, `docs/reference.md has a "## ${heading}" section`).toBeGreaterThan(-1);
  const end = reference.indexOf('\n## ', start + 1);
  return reference.slice(start, end === -1 ? undefined : end);
}

/** The first cell of every table row of a section (header and separator rows left out). */
function firstCells(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.slice(2, l.search(/ \| /) > 0 ? l.search(/ \| /) : undefined));
}

// ---- environment variables -----------------------------------------------------------------------

/** Where the code is: sources, scripts, tests, the compose file and the images' files. */
const SCANNED = ['bin', 'cli', 'client', 'notifier', 'server', 'scripts', 'docker', 'test', 'bench', 'docker-compose.yml', 'vitest.config.ts'];
/** Read by the scripts but set by the system or the shell, not by a user of sms-monitor. */
const NOT_OURS = new Set(['PATH', 'HOME', 'BASH_SOURCE', 'PIPESTATUS', 'SECONDS', 'PWD']);

function files(entry: string): string[] {
  const p = path.join(repoRoot, entry);
  if (!statSync(p, { throwIfNoEntry: false })) return [];
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p).filter((n) => n !== 'node_modules' && n !== 'output' && !n.startsWith('.'))
    .flatMap((n) => files(path.join(entry, n)));
}

/** Variable -> the files that read it. */
function variablesRead(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (name: string, file: string) => {
    if (NOT_OURS.has(name)) return;
    const rel = path.relative(repoRoot, file);
    found.set(name, [...new Set([...(found.get(name) ?? []), rel])]);
  };
  for (const file of SCANNED.flatMap(files)) {
    const text = readFileSync(file, 'utf8');
    if (/\.(ts|js|mjs)$/.test(file)) {
      // process.env.X, env.X, env['X'] (a ProcessEnv handed down), and the notifier's setting('X', ...).
      for (const m of text.matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]+)/g)) add(m[1]!, file);
      for (const m of text.matchAll(/\bsetting\('([A-Z][A-Z0-9_]+)'/g)) add(m[1]!, file);
      // a table of variable names read through env[name] (server/limits.ts): `key: 'SMS_MONITOR_X',`
      for (const m of text.matchAll(/^\s+[a-zA-Z]+: '(SMS_MONITOR_[A-Z0-9_]+)',?$/gm)) add(m[1]!, file);
    } else if (file.endsWith('.sh')) {
      // ${X:-...}-style expansions read the environment; so does $X when the script never assigns X.
      const assigned = new Set([...text.matchAll(/(?:^|[\s;(])(?:export\s+|local\s+)?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
      for (const m of text.matchAll(/\$\{([A-Z][A-Z0-9_]*):?[-?=+]/g)) add(m[1]!, file);
      for (const m of text.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)) if (!assigned.has(m[1])) add(m[1]!, file);
    } else if (/\.ya?ml$/.test(file)) {
      for (const m of text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)) add(m[1]!, file);
    } else if (file.endsWith('.sql')) {
      for (const m of text.matchAll(/\\getenv\s+\w+\s+([A-Z][A-Z0-9_]*)/g)) add(m[1]!, file);
    }
  }
  return found;
}

function variablesDocumented(): string[] {
  return firstCells(section('Environment variables')).flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!));
}

describe('docs/reference.md', () => {
  it('README.md and docs/ speak of the system as it is: no "the original", no CI, no issue numbers', () => {
    const docs = ['README.md', ...readdirSync(path.join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const found = docs.flatMap((f) => readFileSync(path.join(repoRoot, f), 'utf8').split('\n')
      .map((line, i) => [f, i + 1, line] as const)
      .filter(([, , line]) => /\bthe original\b|\boriginal's\b|\bissue #?\d+|\bCI\b/i.test(line.replace(/npm ci\b/g, '')))
      .map(([file, n, line]) => `${file}:${n}: ${line.trim()}`));
    expect(found).toEqual([]);
  });

  it('documents every environment variable the code reads, and only those', () => {
    const read = variablesRead();
    const documented = variablesDocumented();
    expect(documented.length).toBeGreaterThan(20);
    expect(new Set(documented).size, 'each variable has one row').toBe(documented.length);
    const undocumented = [...read.keys()].filter((v) => !documented.includes(v)).map((v) => `${v} (${read.get(v)!.join(', ')})`);
    expect(undocumented, 'read by the code, missing from docs/reference.md').toEqual([]);
    expect(documented.filter((v) => !read.has(v)), 'in docs/reference.md, read by no code').toEqual([]);
  });

  it('lists every CLI command and subcommand, and only those', async () => {
    // The commands as cli/main.ts registers them (main.ts itself parses argv, so its register calls are replayed).
    const main = readFileSync(path.join(repoRoot, 'cli', 'main.ts'), 'utf8');
    const program = new Command();
    const registers = [...main.matchAll(/import \{ (register\w+) \} from '\.\/([\w-]+)\.ts'/g)];
    expect(registers.length).toBeGreaterThan(10);
    for (const [, fn, file] of registers) {
      const mod = (await import(`../../cli/${file}.ts`)) as Record<string, (p: Command) => void>;
      mod[fn!]!(program);
    }
    const commands = program.commands.flatMap((c) => (c.commands.length ? c.commands.map((s) => `${c.name()} ${s.name()}`) : [c.name()])).sort();
    // A row names its command with the words before the first argument or option; `[add]` is a
    // default subcommand said optionally; a row may name two forms separated by ", ".
    const rows = firstCells(section('CLI: `sms-monitor`')).flatMap((cell) => cell.split('`, `').map((form) => {
      const words: string[] = [];
      for (const w of form.replace(/`/g, '').split(' ')) {
        const plain = /^\[?([a-z][a-z-]*)\]?$/.exec(w);
        if (!plain || w === '[options]') break;
        words.push(plain[1]!);
      }
      return words.join(' ');
    }));
    expect([...new Set(rows)].sort(), 'docs/reference.md CLI table vs the registered commands').toEqual(commands);
  });

  it('agrees with docker-compose.yml on the server: port 8787 and its login role', () => {
    const compose = readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('"127.0.0.1:${SMS_MONITOR_HTTP_PORT:-8787}:8787"');
    expect(reference).toContain('published on `127.0.0.1:${SMS_MONITOR_HTTP_PORT:-8787}`');
    expect(reference).not.toMatch(/default 3000/);
    const roles = readFileSync(path.join(repoRoot, 'docker', 'login-roles.sql'), 'utf8');
    expect(roles).toMatch(/sms_server\s+NOINHERIT member of sms_monitor_authenticator/);
    expect(reference).toContain('`sms_server` (a NOINHERIT member of `sms_monitor_authenticator`');
  });
});
