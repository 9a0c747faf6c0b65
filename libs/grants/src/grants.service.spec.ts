import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { GrantsService } from './grants.service.js';

describe('GrantsService', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dataSource: DataSource;
  let grants: GrantsService;
  let userId: string;

  beforeAll(async () => {
    db = await openTestDatabase('grants');
    dataSource = db.dataSource;
    grants = new GrantsService(dataSource);
    await dataSource.query(`INSERT INTO clients (client_id, name, profile, type) VALUES ('app', 'App', 'standard', 'public'), ('other', 'Other', 'standard', 'public')`);
    [{ id: userId }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('ada', 'Ada') RETURNING id`);
  });
  afterAll(() => db?.close());

  async function grantWithTokens(clientId: string) {
    const grant = await grants.create({ clientId, userId, scope: 'openid' });
    await dataSource.query(
      `INSERT INTO refresh_tokens (token_digest, grant_id, client_id, user_id, expires_at, family_expires_at)
       VALUES (sha256(gen_random_uuid()::text::bytea), $1, $2, $3, now() + interval '1 day', now() + interval '1 day')`,
      [grant.id, clientId, userId],
    );
    await dataSource.query(
      `INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, expires_at) VALUES (gen_random_uuid()::text, 'access_token', $1, $2, $3, now() + interval '1 hour')`,
      [grant.id, clientId, userId],
    );
    return grant;
  }

  const liveTokens = async (grantId: string) =>
    (await dataSource.query(
      `SELECT (SELECT count(*) FROM refresh_tokens WHERE grant_id = $1 AND revoked_at IS NULL)::int
            + (SELECT count(*) FROM issued_tokens WHERE grant_id = $1 AND revoked_at IS NULL)::int AS n`,
      [grantId],
    ))[0].n;

  it('revokes a grant together with its refresh and access tokens', async () => {
    const grant = await grantWithTokens('app');
    expect(await liveTokens(grant.id)).toBe(2);
    expect(await grants.revoke(grant.id)).toBe(true);
    expect((await grants.get(grant.id))?.revokedAt).toBeInstanceOf(Date);
    expect(await liveTokens(grant.id)).toBe(0);
    expect(await grants.revoke(grant.id)).toBe(true); // idempotent
    expect(await grants.revoke('00000000-0000-0000-0000-000000000000')).toBe(false);
    expect(await grants.revoke('not-a-uuid')).toBe(false);
  });

  it('revokes by user and by client, touching nothing else', async () => {
    const a = await grantWithTokens('app');
    const b = await grantWithTokens('other');
    expect(await grants.revokeByClient('other')).toBe(1);
    expect(await liveTokens(b.id)).toBe(0);
    expect(await liveTokens(a.id)).toBe(2);
    expect(await grants.revokeByUser(userId)).toBe(1);
    expect(await liveTokens(a.id)).toBe(0);
  });

  it('lists by user and client, newest first, paginated', async () => {
    const page = await grants.list({ clientId: 'app', limit: 1, offset: 0 });
    expect(page.total).toBe(2);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]!.clientId).toBe('app');
    expect((await grants.list({ userId: 'nope', limit: 10, offset: 0 })).total).toBe(0);
  });
});
