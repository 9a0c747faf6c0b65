import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Debian's docker-compose (installed by .ci/run), or the docker compose v2 plugin.
const compose = spawnSync('docker-compose', ['version']).status === 0
  ? 'docker-compose'
  : spawnSync('docker', ['compose', 'version']).status === 0
    ? 'docker'
    : undefined;

const REPLICAS = ['latchkey-1', 'latchkey-2', 'latchkey-3'];

describe.runIf(compose)('docker-compose.yml', () => {
  const config = (env: Record<string, string> = {}, extra: string[] = []) => {
    const args = compose === 'docker' ? ['compose', 'config', ...extra] : ['config', ...extra];
    return execFileSync(compose!, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  };

  /** The normalized file's services, each as the text of its block (compose config's own layout). */
  function services(text: string): Map<string, string> {
    const lines = text.split('\n');
    const blocks = new Map<string, string>();
    let name: string | undefined;
    for (const line of lines.slice(lines.indexOf('services:') + 1)) {
      if (/^\S/.test(line)) break;
      const header = /^ {2}([\w.-]+):$/.exec(line);
      if (header) blocks.set((name = header[1]!), '');
      else if (name) blocks.set(name, `${blocks.get(name)}${line}\n`);
    }
    return blocks;
  }

  it('passes `compose config` with postgres (volume, healthcheck), redis, three replicas and nginx', () => {
    expect(config({}, ['--services']).trim().split('\n').sort()).toEqual(['latchkey-1', 'latchkey-2', 'latchkey-3', 'nginx', 'postgres', 'redis']);
    const blocks = services(config());
    expect(blocks.get('postgres')).toContain('pg_isready');
    expect(blocks.get('postgres')).toContain('postgres-data:/var/lib/postgresql/data');
    expect(blocks.get('redis')).toContain('redis-cli');
  });

  it('runs every replica from the same image on the same Postgres, Redis, issuer and key, each with a readiness check', () => {
    const key = 'ab'.repeat(32);
    const blocks = services(config({ KEY_ENCRYPTION_KEY: key, ISSUER: 'https://id.example.com', ADMIN_TOKEN: 'admin-token-0123456789' }));
    for (const replica of REPLICAS) {
      const block = blocks.get(replica)!;
      expect(block, replica).toBeDefined();
      expect(block).toContain('DATABASE_URL: postgres://latchkey:latchkey@postgres:5432/latchkey');
      expect(block).toContain('REDIS_URL: redis://redis:6379');
      expect(block).toMatch(/ISSUER: '?https:\/\/id\.example\.com'?\n/);
      expect(block).toMatch(new RegExp(`KEY_ENCRYPTION_KEY: '?${key}'?\\n`));
      expect(block).toMatch(/WORKERS: '?1'?\n/);
      expect(block).toContain('/health/ready');
      expect(block).toMatch(/image: latchkey:local\n/);
      // Started only once Postgres and Redis are healthy; not published: reached through nginx.
      expect(block).toMatch(/postgres:\n\s+condition: service_healthy/);
      expect(block).toMatch(/redis:\n\s+condition: service_healthy/);
      expect(block).not.toMatch(/\bports:/);
    }
  });

  it('publishes nginx on port 3000 with a health check, after every replica is healthy, with deploy/nginx.conf', () => {
    const nginx = services(config()).get('nginx')!;
    expect(nginx).toMatch(/published: "?3000"?\n\s+target: 80\n|- 3000:80\n/);
    expect(nginx).toMatch(/healthcheck:[\s\S]*\/health\/ready/);
    expect(nginx).toMatch(/deploy\/nginx\.conf:\/etc\/nginx\/nginx\.conf:ro/);
    for (const replica of REPLICAS) expect(nginx).toMatch(new RegExp(`${replica}:\\n\\s+condition: service_healthy`));
  });

  it("balances nginx's upstream over exactly the compose file's replicas, passing the Host the client used", () => {
    const conf = readFileSync(`${ROOT}/deploy/nginx.conf`, 'utf8');
    const upstream = /upstream latchkey \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    const servers = [...upstream.matchAll(/^\s*server ([\w.-]+):3000\b/gm)].map((m) => m[1]);
    expect(servers).toEqual(REPLICAS);
    expect(conf).toMatch(/proxy_pass http:\/\/latchkey;/);
    expect(conf).toMatch(/proxy_set_header Host \$http_host;/);
  });
});
