// Compiles apps/ and libs/ with SWC into dist/ (path aliases rewritten to relative ESM imports).
// Files are overwritten in place (dist/ is never emptied first), so a process starting from
// dist/ while another run rebuilds it does not find modules missing.
// With --if-needed, does nothing when dist is newer than every source file.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist', '.built');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function buildIfNeeded({ force = false } = {}) {
  const sources = ['apps', 'libs', '.swcrc', 'package.json'].map((p) => join(root, p));
  const newest = Math.max(...sources.map((p) => (statSync(p).isDirectory() ? newestSource(p) : statSync(p).mtimeMs)));
  if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= newest) return false;
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/@swc/cli/bin/swc.js'), 'apps', 'libs', '-d', 'dist', '--config-file', '.swcrc', '--quiet', '--ignore', '**/*.spec.ts,**/*.d.ts'],
    { cwd: root, stdio: 'inherit' },
  );
  writeFileSync(stamp, new Date().toISOString());
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildIfNeeded({ force: !process.argv.includes('--if-needed') });
}
