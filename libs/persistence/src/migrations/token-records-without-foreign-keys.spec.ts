import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuedTokensService } from '../../../tokens/src/issued-tokens.service.js';
import { openTestDatabase } from '../../../../test/support/test-database.js';

// The token tables have no foreign keys (hot-path INSERTs lock nothing); these are the
// guarantees that replace them.
describe('token records without foreign keys', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dataSource: DataSource;
  let userId: string;

  beforeAll(async () => {
    db = await openTestDatabase('token_records_cascade');
    dataSource = db.dataSource;
    [{ id: userId }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('ada', 'Ada') RETURNING id`);
  });
  afterAll(() => db?.close());

  async function client(clientId: string) {
    await dataSource.query(`INSERT INTO clients (client_id, name, profile, type) VALUES ($1, $1, 'standard', 'public')`, [clientId]);
  }
  async function grantWithTokens(clientId: string): Promise<{ grantId: string; jti: string }> {
    const [{ id: grantId }] = await dataSource.query(`INSERT INTO grants (client_id, user_id, scope) VALUES ($1, $2, 'openid') RETURNING id`, [
      clientId,
      userId,
    ]);
    await dataSource.query(
      `INSERT INTO refresh_tokens (token_digest, grant_id, client_id, user_id, expires_at, family_expires_at)
       VALUES (sha256(gen_random_uuid()::text::bytea), $1, $2, $3, now() + interval '1 day', now() + interval '1 day')`,
      [grantId, clientId, userId],
    );
    const [{ id: jti }] = await dataSource.query(
      `INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, expires_at)
       VALUES (gen_random_uuid()::text, 'access_token', $1, $2, $3, now() + interval '1 hour') RETURNING id`,
      [grantId, clientId, userId],
    );
    return { grantId, jti };
  }
  async function grantlessRecord(clientId: string): Promise<string> {
    const [{ id }] = await dataSource.query(
      `INSERT INTO issued_tokens (id, kind, client_id, expires_at) VALUES (gen_random_uuid()::text, 'access_token', $1, now() + interval '1 hour') RETURNING id`,
      [clientId],
    );
    return id;
  }
  const count = async (sql: string, params: unknown[]) => (await dataSource.query(`SELECT count(*)::int AS n FROM ${sql}`, params))[0].n as number;

  it('deleting a client deletes its grants, their refresh tokens and access-token records, and its grantless records', async () => {
    await client('doomed');
    await client('kept');
    const doomed = await grantWithTokens('doomed');
    const doomedGrantless = await grantlessRecord('doomed');
    const kept = await grantWithTokens('kept');
    const keptGrantless = await grantlessRecord('kept');

    await dataSource.query(`DELETE FROM clients WHERE client_id = 'doomed'`);

    expect(await count(`grants WHERE id = $1`, [doomed.grantId])).toBe(0);
    expect(await count(`refresh_tokens WHERE grant_id = $1`, [doomed.grantId])).toBe(0);
    expect(await count(`issued_tokens WHERE id = ANY($1)`, [[doomed.jti, doomedGrantless]])).toBe(0);
    expect(await count(`refresh_tokens WHERE grant_id = $1`, [kept.grantId])).toBe(1);
    expect(await count(`issued_tokens WHERE id = ANY($1)`, [[kept.jti, keptGrantless]])).toBe(2);
  });

  it('deleting a user deletes their grants with their tokens', async () => {
    await client('app');
    const [{ id: bob }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('bob', 'Bob') RETURNING id`);
    const [{ id: grantId }] = await dataSource.query(`INSERT INTO grants (client_id, user_id) VALUES ('app', $1) RETURNING id`, [bob]);
    await dataSource.query(
      `INSERT INTO refresh_tokens (token_digest, grant_id, client_id, user_id, expires_at, family_expires_at)
       VALUES (sha256('bob'::bytea), $1, 'app', $2, now() + interval '1 day', now() + interval '1 day')`,
      [grantId, bob],
    );
    await dataSource.query(`DELETE FROM users WHERE id = $1`, [bob]);
    expect(await count(`refresh_tokens WHERE grant_id = $1`, [grantId])).toBe(0);
  });

  it('an access-token record whose grant is gone is inactive (an orphan left by a race with the deletion)', async () => {
    await client('racer');
    const { grantId, jti } = await grantWithTokens('racer');
    const issued = new IssuedTokensService(dataSource);
    expect((await issued.status(jti))?.active).toBe(true);
    // What a rotation committing after the grant's deletion leaves: a record of a missing grant.
    await dataSource.query(`DELETE FROM grants WHERE id = $1`, [grantId]);
    await dataSource.query(
      `INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, expires_at)
       VALUES ($1, 'access_token', $2, 'racer', $3, now() + interval '1 hour')`,
      [jti, grantId, userId],
    );
    const status = await issued.status(jti);
    expect(status?.active).toBe(false);
    expect(status?.grantRevokedAt).toBeInstanceOf(Date);
  });
});
