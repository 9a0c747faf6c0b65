import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without type declarations
import { SERVICE_NODE_FLAGS } from '../../scripts/service-node-flags.mjs';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** npm start, the image and the bench run the service with the same Node flags. */
describe('the service Node flags', () => {
  const flags = SERVICE_NODE_FLAGS as string[];

  it('are what npm start passes to node', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
    expect(start).toBe(`bash scripts/with-node.sh node ${flags.join(' ')} scripts/start.mjs`);
  });

  it("are what the Dockerfile's CMD passes to node", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    expect(JSON.parse(cmd!)).toEqual(['node', ...flags, 'dist/apps/latchkey/src/main.js']);
  });

  it('are flags this Node accepts (it refuses an unknown one with exit code 9)', () => {
    expect(spawnSync(process.execPath, [...flags, '-e', '0']).status).toBe(0);
    expect(spawnSync(process.execPath, ['--heap-growing-percentt=50', '-e', '0']).status).toBe(9);
  });
});
