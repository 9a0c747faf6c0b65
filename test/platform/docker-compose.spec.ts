import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Debian's docker-compose (installed by .ci/run), or the docker compose v2 plugin.
const compose = spawnSync('docker-compose', ['version']).status === 0
  ? 'docker-compose'
  : spawnSync('docker', ['compose', 'version']).status === 0
    ? 'docker'
    : undefined;

describe.runIf(compose)('docker-compose.yml', () => {
  const config = () => {
    const args = compose === 'docker' ? ['compose', 'config'] : ['config'];
    return execFileSync(compose!, args, { cwd: ROOT, env: { PATH: process.env.PATH }, encoding: 'utf8' });
  };

  it('passes `compose config` with postgres (volume, healthcheck), redis and the service', () => {
    const text = config();
    expect(text).toMatch(/postgres:\n/);
    expect(text).toMatch(/redis:\n/);
    expect(text).toMatch(/latchkey:\n/);
    expect(text).toContain('pg_isready');
    expect(text).toContain('postgres-data:/var/lib/postgresql/data');
    expect(text).toContain('DATABASE_URL: postgres://latchkey:latchkey@postgres:5432/latchkey');
    expect(text).toContain('/health/ready');
  });
});
