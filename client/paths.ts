// Where the package lives on disk. Kept apart from migrate.ts so that finding the embedded
// database's URL (config.ts) does not load graphile-migrate and postgres: the CLI starts faster.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The package's root (where package.json, sql/ and migrations/ are): found by walking up from this
 * file, so it is the same from the TypeScript sources (client/) and the built JavaScript (dist/client/).
 */
export const repoRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'migrations'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`sms-monitor: no package root (package.json beside migrations/) above ${start}`);
  }
}
