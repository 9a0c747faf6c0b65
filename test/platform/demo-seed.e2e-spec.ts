import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess } from '../support/service-process.js';
import { provisionTestDatabase, type TestDatabase } from '../support/test-database.js';

/** SEED_DEMO: a demo user and one client per dialect, and a way to try each printed at start. */
describe('the demo seed', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await provisionTestDatabase('demo');
  });
  afterAll(() => db?.drop());

  it('seeds an empty database once and prints a working line per dialect', async () => {
    const first = await startServiceProcess({ ...db.env, SEED_DEMO: 'true', LOG_LEVEL: 'warn', ADMIN_TOKEN: 'demo-admin-token-0123456789' });
    let password: string;
    try {
      const out = first.output();
      password = /password "([^"]+)"/.exec(out)![1]!;
      for (const dialect of ['standard', 'midnight', 'aws-signin', 'huawei', 'dressipi']) expect(out).toMatch(new RegExp(`^  ${dialect}: curl -s `, 'm'));
      expect(out).toContain(`${first.url}/oauth2/authorize?response_type=code&client_id=demo-standard`);

      // The standard line works as printed.
      const line = /^ {2}standard: curl -s (\S+) (.*)$/m.exec(out)!;
      const form = new URLSearchParams([...line[2]!.matchAll(/-d (\w+)=(\S+)/g)].map((m): [string, string] => [m[1]!, decodeURIComponent(m[2]!)]));
      const res = await fetch(line[1]!, { method: 'POST', body: form });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ token_type: 'Bearer', id_token: expect.any(String) });

      // One client per dialect, one user.
      const clients = await fetch(`${first.url}/admin/clients`, { headers: { authorization: 'Bearer demo-admin-token-0123456789' } });
      expect(((await clients.json()) as { items: Array<{ profile: string }> }).items.map((c) => c.profile).sort()).toEqual(
        ['aws-signin', 'dressipi', 'huawei', 'midnight', 'standard'],
      );
    } finally {
      expect(await first.stop()).toBe(0);
    }
    expect(statSync(join(db.env.DATA_DIR, 'demo-credentials.json')).mode & 0o777).toBe(0o600);

    const second = await startServiceProcess({ ...db.env, SEED_DEMO: 'true', LOG_LEVEL: 'info' });
    try {
      expect(second.output()).toContain(`password "${password}"`);
      expect(second.output()).not.toContain('seeded the demo user');
    } finally {
      await second.stop();
    }
  });

  it('stays quiet when SEED_DEMO=false', async () => {
    const off = await startServiceProcess({ ...db.env, SEED_DEMO: 'false', LOG_LEVEL: 'warn' });
    try {
      expect(off.output()).not.toContain('Demo (SEED_DEMO)');
    } finally {
      await off.stop();
    }
  });
});
