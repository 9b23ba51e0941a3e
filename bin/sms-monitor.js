#!/usr/bin/env node
// The sms-monitor CLI. Runs the compiled JavaScript in dist/ (built by `npm run build`, by
// `npm test` and `npm start`, and by `prepack` for the published package). In a development
// checkout that has not been built yet it runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error('sms-monitor: dist/ is missing; run `npm run build` first');
    process.exit(1);
  }
  register();
  await import('../cli/main.ts');
}
