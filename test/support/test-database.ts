import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The Postgres server the suites run against; each suite gets a fresh database on it. */
export const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** An initialised, empty PGlite cluster made by global-setup, copied for each embedded suite. */
export const PGLITE_TEMPLATE_DIR = join(
  tmpdir(),
  `latchkey-pglite-template-${
    (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> })
      .dependencies['@electric-sql/pglite']
  }`,
);

export type TestDatabaseKind = 'postgres' | 'embedded';

export function testDatabaseKind(): TestDatabaseKind {
  return process.env.LATCHKEY_TEST_DB === 'embedded' ? 'embedded' : 'postgres';
}

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** Environment variables that point the service at this database. */
  env: { DATABASE_URL?: string; DATA_DIR: string };
  drop(): Promise<void>;
}

/**
 * A database of the suite's own: a new Postgres database on the test server, or an
 * empty DATA_DIR for the embedded one. Both get a fresh DATA_DIR for generated secrets.
 */
export async function provisionTestDatabase(label: string, kind = testDatabaseKind()): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), `latchkey-${label}-`));
  if (kind === 'embedded') {
    if (existsSync(PGLITE_TEMPLATE_DIR)) cpSync(PGLITE_TEMPLATE_DIR, join(dataDir, 'pglite'), { recursive: true });
    return { kind, env: { DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `lk_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    env: { DATABASE_URL: url.toString(), DATA_DIR: dataDir },
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(sql: string) {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A migrated database for a lib's spec, without the HTTP app: the DataSource plus a
 * `close()` that drops everything. Lib specs run in the postgres project.
 */
export async function openTestDatabase(label: string) {
  const { Database } = await import('@latchkey/persistence');
  const target = await provisionTestDatabase(label);
  const database = await Database.open({ databaseUrl: target.env.DATABASE_URL, dataDir: target.env.DATA_DIR, migrate: true });
  return {
    dataSource: database.dataSource,
    dataDir: target.env.DATA_DIR,
    close: async () => {
      await database.close();
      await target.drop();
    },
  };
}
