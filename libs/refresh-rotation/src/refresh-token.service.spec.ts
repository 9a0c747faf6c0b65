import { ServerSecrets } from '@latchkey/config';
import { generateOpaqueToken, SecretDigester } from '@latchkey/crypto';
import { GrantsService } from '@latchkey/grants';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { RefreshTokenService, type RefreshRotation, type RotateOptions } from './refresh-token.service.js';
import { IssuedTokensService } from '../../tokens/src/issued-tokens.service.js';
import type { ChainedRowInsert } from '@latchkey/persistence';

describe('RefreshTokenService', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dataSource: DataSource;
  let digester: SecretDigester;
  let grants: GrantsService;
  let refresh: RefreshTokenService;
  let userId: string;

  beforeAll(async () => {
    db = await openTestDatabase('refresh');
    dataSource = db.dataSource;
    digester = new SecretDigester(ServerSecrets.fromKeyEncryptionKey(randomBytes(32)));
    grants = new GrantsService(dataSource);
    refresh = new RefreshTokenService(dataSource, digester, grants);
    await dataSource.query(
      `INSERT INTO clients (client_id, name, profile, type) VALUES ('app', 'App', 'standard', 'public'), ('other', 'Other', 'standard', 'public')`,
    );
    [{ id: userId }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('ada', 'Ada') RETURNING id`);
  });
  afterAll(() => db?.close());

  const noGrace: RotateOptions = { clientId: 'app', ttlSeconds: 3600, graceSeconds: 0 };
  const withGrace: RotateOptions = { ...noGrace, graceSeconds: 30 };

  /** A grant with its first refresh token and one access token. */
  async function family(over: { ttlSeconds?: number; familyTtlSeconds?: number; dpopJkt?: string } = {}) {
    const grant = await grants.create({ clientId: 'app', userId, scope: 'openid offline_access', authTime: new Date('2026-11-01T10:00:00Z') });
    const first = await refresh.issue({
      grantId: grant.id,
      clientId: 'app',
      userId,
      scope: 'openid offline_access',
      dpopJkt: over.dpopJkt,
      ttlSeconds: over.ttlSeconds ?? 3600,
      familyTtlSeconds: over.familyTtlSeconds ?? 86_400,
    });
    await dataSource.query(
      `INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, expires_at)
       VALUES (gen_random_uuid()::text, 'access_token', $1, 'app', $2, now() + interval '1 hour')`,
      [grant.id, userId],
    );
    return { grantId: grant.id, token: first.token, first };
  }

  const row = async (token: string) =>
    (await dataSource.query(`SELECT * FROM refresh_tokens WHERE token_digest = $1`, [digester.digest(token)]))[0];
  const grantRevoked = async (grantId: string) => (await grants.get(grantId))!.revokedAt !== null;
  const liveTokens = async (grantId: string) =>
    (await dataSource.query(
      `SELECT (SELECT count(*) FROM refresh_tokens WHERE grant_id = $1 AND revoked_at IS NULL)::int
            + (SELECT count(*) FROM issued_tokens WHERE grant_id = $1 AND revoked_at IS NULL)::int AS n`,
      [grantId],
    ))[0].n as number;
  const rotate = (token: string, options: RotateOptions = noGrace) => dataSource.transaction((m) => refresh.rotate(token, options, m));
  const successor = (result: RefreshRotation) => {
    if (result.status !== 'rotated') throw new Error(`expected rotated, got ${result.status}`);
    return result.refresh;
  };

  it('issues a 256-bit token stored only as its digest, never beyond the family end', async () => {
    const { token, grantId, first } = await family({ ttlSeconds: 1000, familyTtlSeconds: 100 });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await row(token);
    expect(stored).toMatchObject({ grant_id: grantId, client_id: 'app', user_id: userId, parent_digest: null, consumed_at: null });
    expect(stored.expires_at.getTime()).toBe(stored.family_expires_at.getTime());
    expect(first.familyExpiresAt.getTime() - Date.now()).toBeLessThanOrEqual(101_000);
    const dump: { t: string }[] = await dataSource.query(`SELECT row_to_json(r)::text AS t FROM refresh_tokens r`);
    expect(dump.some((r) => r.t.includes(token))).toBe(false);
  });

  it('rotates into a chain of successors sharing the family end', async () => {
    const { token: t1, grantId } = await family();
    const r2 = successor(await rotate(t1));
    expect(r2).toMatchObject({ grantId, clientId: 'app', userId, scope: 'openid offline_access', dpopJkt: null, grace: false });
    expect(r2.authTime).toEqual(new Date('2026-11-01T10:00:00Z'));
    const r3 = successor(await rotate(r2.token));
    expect(new Set([t1, r2.token, r3.token]).size).toBe(3);

    const [row1, row2, row3] = [await row(t1), await row(r2.token), await row(r3.token)];
    expect(row2.parent_digest).toEqual(digester.digest(t1));
    expect(row3.parent_digest).toEqual(digester.digest(r2.token));
    expect(row1.consumed_at).toBeInstanceOf(Date);
    expect(row2.consumed_at).toBeInstanceOf(Date);
    expect(row3.consumed_at).toBeNull();
    expect(row3.family_expires_at.getTime()).toBe(row1.family_expires_at.getTime());
    expect(r3.familyExpiresAt.getTime()).toBe(row1.family_expires_at.getTime());
    expect(await grantRevoked(grantId)).toBe(false);
  });

  it('revokes the whole family when a rotated token comes back', async () => {
    const { token: t1, grantId } = await family();
    const r2 = successor(await rotate(t1));
    const r3 = successor(await rotate(r2.token));
    expect(await rotate(t1)).toEqual({ status: 'reused', grantId });
    expect(await grantRevoked(grantId)).toBe(true);
    expect(await liveTokens(grantId)).toBe(0);
    // The newest token, stolen or not, is dead too.
    expect(await rotate(r3.token)).toEqual({ status: 'revoked' });
  });

  it('lets exactly one of 20 concurrent rotations win without a grace window; the rest is reuse', async () => {
    const { token, grantId } = await family();
    const results = await Promise.all(Array.from({ length: 20 }, () => rotate(token)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 'rotated')).toHaveLength(1);
    // Losers that look after another loser revoked the family see it revoked.
    expect(statuses.every((s) => s === 'rotated' || s === 'reused' || s === 'revoked')).toBe(true);
    expect(statuses).toContain('reused');
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM refresh_tokens WHERE parent_digest = $1`, [digester.digest(token)]);
    expect(n).toBe(1);
    expect(await grantRevoked(grantId)).toBe(true);
    expect(await liveTokens(grantId)).toBe(0);
  });

  describe('the grace window', () => {
    it('lets the same client refresh a just-rotated token once more: two live branches, no family kill', async () => {
      const { token: t1, grantId } = await family();
      const tab1 = successor(await rotate(t1, withGrace));
      const tab2 = successor(await rotate(t1, withGrace));
      expect(tab1.grace).toBe(false);
      expect(tab2.grace).toBe(true);
      expect(tab2.token).not.toBe(tab1.token);
      expect((await row(tab2.token)).parent_digest).toEqual(digester.digest(t1));
      expect((await row(t1)).grace_used_at).toBeInstanceOf(Date);
      expect(await grantRevoked(grantId)).toBe(false);
      // Both branches rotate on.
      successor(await rotate(tab1.token, withGrace));
      successor(await rotate(tab2.token, withGrace));
      expect(await grantRevoked(grantId)).toBe(false);
      // The grace was used once: a third presentation is reuse.
      expect(await rotate(t1, withGrace)).toEqual({ status: 'reused', grantId });
      expect(await liveTokens(grantId)).toBe(0);
    });

    it('serves two racing tabs; of more late comers only one gets the grace', async () => {
      const racing = await family();
      const pair = await Promise.all([rotate(racing.token, withGrace), rotate(racing.token, withGrace)]);
      expect(pair.map((r) => successor(r).grace).sort()).toEqual([false, true]);
      expect(await grantRevoked(racing.grantId)).toBe(false);

      const crowd = await family();
      successor(await rotate(crowd.token, withGrace));
      const late = await Promise.all(Array.from({ length: 5 }, () => rotate(crowd.token, withGrace)));
      expect(late.filter((r) => r.status === 'rotated')).toHaveLength(1);
      expect(late.filter((r) => r.status === 'rotated' && r.refresh.grace)).toHaveLength(1);
      expect(late.map((r) => r.status)).toContain('reused');
      expect(await grantRevoked(crowd.grantId)).toBe(true);
    });

    it('is for the same client only, and kills nothing when another client tries', async () => {
      const { token: t1, grantId } = await family();
      successor(await rotate(t1, withGrace));
      expect(await rotate(t1, { ...withGrace, clientId: 'other' })).toEqual({ status: 'client_mismatch' });
      expect(await grantRevoked(grantId)).toBe(false);
      expect((await row(t1)).grace_used_at).toBeNull();
      expect(successor(await rotate(t1, withGrace)).grace).toBe(true);
    });

    it('closes after graceSeconds: a late presentation is reuse', async () => {
      const { token: t1, grantId } = await family();
      successor(await rotate(t1, withGrace));
      await dataSource.query(`UPDATE refresh_tokens SET consumed_at = now() - interval '31 seconds' WHERE token_digest = $1`, [
        digester.digest(t1),
      ]);
      expect(await rotate(t1, withGrace)).toEqual({ status: 'reused', grantId });
      expect(await grantRevoked(grantId)).toBe(true);
    });

    it('is off at 0 seconds', async () => {
      const { token: t1, grantId } = await family();
      successor(await rotate(t1, noGrace));
      expect(await rotate(t1, noGrace)).toEqual({ status: 'reused', grantId });
    });
  });

  it('ends a family at its absolute lifetime however often it rotated', async () => {
    const { token: t1, grantId } = await family({ ttlSeconds: 3600, familyTtlSeconds: 120 });
    const r2 = successor(await rotate(t1, { ...noGrace, ttlSeconds: 3600 }));
    expect(r2.expiresAt.getTime()).toBe(r2.familyExpiresAt.getTime()); // capped by the family end
    await dataSource.query(`UPDATE refresh_tokens SET family_expires_at = now() - interval '1 second' WHERE grant_id = $1`, [grantId]);
    expect(await rotate(r2.token)).toEqual({ status: 'family_expired' });
    expect((await row(r2.token)).consumed_at).toBeNull();
    expect(await grantRevoked(grantId)).toBe(false);
  });

  it('reports an expired token without consuming it', async () => {
    const { token } = await family();
    await dataSource.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_digest = $1`, [digester.digest(token)]);
    expect(await rotate(token)).toEqual({ status: 'expired' });
    expect((await row(token)).consumed_at).toBeNull();
  });

  it("refuses another client's token without consuming it or revoking anything", async () => {
    const { token, grantId } = await family();
    expect(await rotate(token, { ...noGrace, clientId: 'other' })).toEqual({ status: 'client_mismatch' });
    expect((await row(token)).consumed_at).toBeNull();
    // Even a consumed one: another client cannot kill the family.
    const r2 = successor(await rotate(token));
    expect(await rotate(token, { ...noGrace, clientId: 'other' })).toEqual({ status: 'client_mismatch' });
    expect(await grantRevoked(grantId)).toBe(false);
    successor(await rotate(r2.token));
  });

  it('accepts a DPoP-bound token only with a proof of its key, and binds the successor', async () => {
    const { token, grantId } = await family({ dpopJkt: 'jkt-A' });
    expect(await rotate(token)).toEqual({ status: 'dpop_mismatch' });
    expect(await rotate(token, { ...noGrace, dpopJkt: 'jkt-B' })).toEqual({ status: 'dpop_mismatch' });
    expect((await row(token)).consumed_at).toBeNull();
    const r2 = successor(await rotate(token, { ...noGrace, dpopJkt: 'jkt-A' }));
    expect(r2.dpopJkt).toBe('jkt-A');
    expect((await row(r2.token)).dpop_jkt).toBe('jkt-A');
    // A consumed bound token without its key cannot kill the family either.
    expect(await rotate(token, { ...noGrace, dpopJkt: 'jkt-B' })).toEqual({ status: 'dpop_mismatch' });
    expect(await grantRevoked(grantId)).toBe(false);
  });

  it('reports revoked and unknown tokens', async () => {
    const { token, grantId } = await family();
    expect(await refresh.revokeFamily(grantId)).toBe(true);
    expect(await rotate(token)).toEqual({ status: 'revoked' });
    expect(await rotate(generateOpaqueToken())).toEqual({ status: 'unknown' });
    expect(await rotate('')).toEqual({ status: 'unknown' });
  });

  it('refuses a token whose grant alone was revoked', async () => {
    const { token, grantId } = await family();
    await dataSource.query(`UPDATE grants SET revoked_at = now() WHERE id = $1`, [grantId]);
    expect(await rotate(token)).toEqual({ status: 'revoked' });
    expect((await row(token)).consumed_at).toBeNull();
  });

  it('inspects and revokes by token, for introspection and RFC 7009', async () => {
    const { token, grantId } = await family();
    expect(await refresh.inspect(token)).toMatchObject({ active: true, grantId, clientId: 'app', userId, scope: 'openid offline_access' });
    expect(await refresh.inspect(generateOpaqueToken())).toBeNull();
    expect(await refresh.revokeByToken(token, 'other')).toBe(false);
    expect(await grantRevoked(grantId)).toBe(false);
    expect(await refresh.revokeByToken(token, 'app')).toBe(true);
    expect(await refresh.inspect(token)).toMatchObject({ active: false });
    expect(await liveTokens(grantId)).toBe(0);
  });

  it('revokes all families of a user or of a client', async () => {
    const a = await family();
    const b = await family();
    expect(await refresh.revokeByClient('other')).toBe(0);
    expect(await refresh.revokeByUser(userId)).toBeGreaterThanOrEqual(2);
    expect(await liveTokens(a.grantId)).toBe(0);
    expect(await liveTokens(b.grantId)).toBe(0);
    const c = await family();
    expect(await refresh.revokeByClient('app')).toBe(1);
    expect(await rotate(c.token)).toEqual({ status: 'revoked' });
  });

  it('refuses (credentials_changed) the tokens of a user who changed their password after the grant, or was disabled, without consuming them', async () => {
    const [{ id: bob }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('bob-' || gen_random_uuid(), 'Bob') RETURNING id`);
    const start = async () => {
      const grant = await grants.create({ clientId: 'app', userId: bob, scope: 'openid' });
      return (await refresh.issue({ grantId: grant.id, clientId: 'app', userId: bob, scope: 'openid', ttlSeconds: 3600, familyTtlSeconds: 86_400 })).token;
    };
    const before = await start();
    const stillGood = successor(await rotate(before)).token;

    await dataSource.query(`UPDATE users SET credentials_changed_at = now() WHERE id = $1`, [bob]);
    expect(await rotate(stillGood)).toEqual({ status: 'credentials_changed' });
    expect((await row(stillGood)).consumed_at).toBeNull();
    // A consumed token of that grant is not reuse either: nothing is revoked on its account.
    expect(await rotate(before)).toEqual({ status: 'credentials_changed' });

    // A grant made after the change is fine...
    const after = await start();
    const next = successor(await rotate(after)).token;
    // ...until the user is disabled (which also revokes their grants: the answer says why).
    await dataSource.query(`UPDATE users SET disabled = true WHERE id = $1`, [bob]);
    await grants.revokeByUser(bob);
    expect(await rotate(next)).toEqual({ status: 'credentials_changed' });
  });

  describe('outside a transaction (group commit)', () => {
    const record = (id: string): ChainedRowInsert => IssuedTokensService.rowInsertFrom({
      id,
      kind: 'access_token',
      dpopJkt: null,
      secretEncrypted: null,
      issuedAt: new Date(),
      expiresAt: new Date(Date.now() + 3_600_000),
    });

    it('rotates concurrent presentations of different tokens in one statement, each with its own successor and record', async () => {
      const families = await Promise.all(Array.from({ length: 12 }, () => family()));
      const results = await Promise.all(families.map((f, i) => refresh.rotate(f.token, noGrace, undefined, record(`batch-${i}`))));
      const successors = results.map(successor);
      successors.forEach((s, i) => expect(s.grantId).toBe(families[i]!.grantId));
      // One transaction id for every successor and record: one statement, one commit.
      const xids = await dataSource.query(
        `SELECT xmin::text AS x FROM refresh_tokens WHERE token_digest = ANY($1)
         UNION SELECT xmin::text FROM issued_tokens WHERE id LIKE 'batch-%'`,
        [successors.map((s) => digester.digest(s.token))],
      );
      expect(xids).toHaveLength(1);
      const records = await dataSource.query(`SELECT id, grant_id FROM issued_tokens WHERE id LIKE 'batch-%' ORDER BY id`);
      expect(records).toHaveLength(12);
      for (const r of records) expect(r.grant_id).toBe(families[Number(r.id.slice(6))]!.grantId);
      // Each successor rotates on.
      for (const s of successors) expect((await refresh.rotate(s.token, noGrace)).status).toBe('rotated');
    });

    it('one token presented twice in the same turn: one rotation, the other is reuse and revokes the family', async () => {
      const { token, grantId } = await family();
      const [a, b] = await Promise.all([refresh.rotate(token, noGrace, undefined, record('twice-a')), refresh.rotate(token, noGrace, undefined, record('twice-b'))]);
      expect([a.status, b.status].sort()).toEqual(['reused', 'rotated']);
      expect(await grantRevoked(grantId)).toBe(true);
      const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM issued_tokens WHERE id LIKE 'twice-%'`);
      expect(n).toBe(1);
    });

    it('with a grace window, the second presentation in the same turn gets the grace successor', async () => {
      const { token, grantId } = await family();
      const results = await Promise.all([refresh.rotate(token, withGrace), refresh.rotate(token, withGrace)]);
      expect(results.map((r) => successor(r).grace).sort()).toEqual([false, true]);
      expect(await grantRevoked(grantId)).toBe(false);
    });
  });
});
