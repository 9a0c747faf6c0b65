import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: a plain .mjs script without types
import { buildIfNeeded } from '../../scripts/build.mjs';
import { PGLITE_TEMPLATE_DIR } from './test-database.js';

/**
 * Once per run: build dist/ for the suites that start the service as a real process, and
 * make an empty, initialised PGlite cluster that embedded suites copy (initdb takes ~5 s;
 * a copy takes ~0.1 s). The template holds no schema: every suite still runs migrations.
 */
export default async function setup() {
  (buildIfNeeded as () => boolean)();
  if (!existsSync(PGLITE_TEMPLATE_DIR)) {
    const staging = mkdtempSync(join(tmpdir(), 'latchkey-pglite-staging-'));
    const db = await PGlite.create({ dataDir: join(staging, 'pglite') });
    await db.close();
    try {
      renameSync(join(staging, 'pglite'), PGLITE_TEMPLATE_DIR);
    } catch {
      // another run made it first
    }
    rmSync(staging, { recursive: true, force: true });
  }
}
