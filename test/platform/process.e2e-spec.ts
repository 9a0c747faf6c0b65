import { Database, MIGRATIONS } from '@latchkey/persistence';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_TABLES, TABLES_QUERY } from '../support/schema.js';
import { runEntry, startServiceProcess } from '../support/service-process.js';
import { provisionTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The service as an operator runs it: a separate process, configured by the environment. */
describe('the service process', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await provisionTestDatabase('process');
  });
  afterAll(() => db?.drop());

  const openDirectly = () =>
    Database.open({ databaseUrl: db.env.DATABASE_URL, dataDir: db.env.DATA_DIR, migrate: false });

  it('migrate creates every table and exits 0', async () => {
    const { exited, output } = runEntry('migrate.js', { ...db.env, LOG_LEVEL: 'warn' });
    expect(await exited, output()).toBe(0);
    expect(output()).toContain('migrations up to date');
    const database = await openDirectly();
    try {
      const tables = (await database.dataSource.query(TABLES_QUERY)).map((r: { table_name: string }) => r.table_name);
      expect(tables).toEqual(expect.arrayContaining(SCHEMA_TABLES));
      await database.dataSource.query(
        `INSERT INTO users (username, name) VALUES ('kept-across-restarts', 'Kept Across Restarts')`,
      );
    } finally {
      await database.close();
    }
  });

  it('starts, serves readiness and Swagger UI, and stops cleanly on SIGTERM', async () => {
    const service = await startServiceProcess({ ...db.env, LOG_LEVEL: 'warn', SEED_DEMO: 'false' });
    try {
      expect(service.output()).toContain(`Swagger UI: ${service.url}/docs`);
      expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
      expect((await fetch(`${service.url}/docs`)).status).toBe(200);
    } finally {
      expect(await service.stop('SIGTERM'), service.output()).toBe(0);
    }
    // The embedded database's lock is released on a clean stop.
    expect(existsSync(join(db.env.DATA_DIR, 'pglite.lock'))).toBe(false);
  });

  it('keeps data across restarts and does not migrate twice', async () => {
    const service = await startServiceProcess({ ...db.env, LOG_LEVEL: 'info', SEED_DEMO: 'false' });
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    expect(await service.stop()).toBe(0);
    expect(service.output()).not.toContain('applied migrations');
    const database = await openDirectly();
    try {
      const rows = await database.dataSource.query(`SELECT name FROM users WHERE username = 'kept-across-restarts'`);
      expect(rows).toEqual([{ name: 'Kept Across Restarts' }]);
      expect(await database.dataSource.query('SELECT count(*)::int AS n FROM migrations')).toEqual([{ n: MIGRATIONS.length }]);
    } finally {
      await database.close();
    }
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://root@localhost/db' }, 'DATABASE_URL'],
    [{ RATE_LIMIT_PER_MINUTE: '-5' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ KEY_ENCRYPTION_KEY: 'too-short' }, 'KEY_ENCRYPTION_KEY'],
    [{ NODE_ENV: 'production' }, 'KEY_ENCRYPTION_KEY'],
    [{ ISSUER: 'not a url' }, 'ISSUER'],
  ])('refuses to start with %j, in one line naming %s', async (bad, variable) => {
    const { exited, output } = runEntry('main.js', { ...db.env, ...bad });
    expect(await exited).toBe(1);
    const lines = output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^latchkey: invalid configuration: ${variable} `));
  });
});
