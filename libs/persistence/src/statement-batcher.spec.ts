import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { InsertBatcher } from './statement-batcher.js';
import { preparedStatement } from './prepared-statement.js';

describe('InsertBatcher', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dataSource: DataSource;
  let batcher: InsertBatcher<{ id: string; note: string }>;

  beforeAll(async () => {
    db = await openTestDatabase('insert_batcher');
    dataSource = db.dataSource;
    await dataSource.query(`CREATE TABLE notes (id text PRIMARY KEY, note text NOT NULL CHECK (note <> 'bad'))`);
    batcher = new InsertBatcher(
      () => (dataSource.driver as unknown as { master: Pool }).master,
      preparedStatement(`INSERT INTO notes (id, note) SELECT * FROM unnest($1::text[], $2::text[])`),
      (rows) => [rows.map((r) => r.id), rows.map((r) => r.note)],
    );
  });
  afterAll(() => db?.close());

  const xmins = async (prefix: string) =>
    new Set((await dataSource.query(`SELECT xmin::text AS x FROM notes WHERE id LIKE $1`, [`${prefix}%`])).map((r: { x: string }) => r.x));

  it('commits rows added in the same turn as one statement, and resolves each caller after the commit', async () => {
    const adds = Array.from({ length: 40 }, (_, i) => batcher.add({ id: `same-${i}`, note: 'ok' }));
    await Promise.all(adds);
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM notes WHERE id LIKE 'same-%'`);
    expect(n).toBe(40);
    // One transaction id for all: one INSERT, one commit.
    expect((await xmins('same-')).size).toBe(1);
  });

  it('a bad row fails its own caller only; the rest of its batch is committed', async () => {
    const outcomes = await Promise.allSettled([
      batcher.add({ id: 'mixed-1', note: 'ok' }),
      batcher.add({ id: 'mixed-2', note: 'bad' }),
      batcher.add({ id: 'mixed-3', note: 'ok' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((outcomes[1] as PromiseRejectedResult).reason as { code?: string }).code).toBe('23514');
    const ids = (await dataSource.query(`SELECT id FROM notes WHERE id LIKE 'mixed-%' ORDER BY id`)).map((r: { id: string }) => r.id);
    expect(ids).toEqual(['mixed-1', 'mixed-3']);
  });

  it('a row added alone is committed on its own', async () => {
    await batcher.add({ id: 'alone', note: 'ok' });
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM notes WHERE id = 'alone'`);
    expect(n).toBe(1);
  });
});
