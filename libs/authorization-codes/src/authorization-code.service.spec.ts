import { BadRequestException } from '@nestjs/common';
import { ServerSecrets } from '@latchkey/config';
import { generateOpaqueToken, SecretDigester } from '@latchkey/crypto';
import { GrantsService } from '@latchkey/grants';
import type { ChainedRowInsert } from '@latchkey/persistence';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { AuthorizationCodeService, type CodeProof, type NewAuthorizationCode } from './authorization-code.service.js';
import { CodeRequestPolicy } from './code-request.policy.js';
import { verifyPkce } from './pkce.js';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

describe('AuthorizationCodeService', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dataSource: DataSource;
  let digester: SecretDigester;
  let grants: GrantsService;
  let codes: AuthorizationCodeService;
  let userId: string;

  beforeAll(async () => {
    db = await openTestDatabase('auth_codes');
    dataSource = db.dataSource;
    digester = new SecretDigester(ServerSecrets.fromKeyEncryptionKey(randomBytes(32)));
    grants = new GrantsService(dataSource);
    codes = new AuthorizationCodeService(dataSource, digester, grants, new CodeRequestPolicy(dataSource));
    await dataSource.query(
      `INSERT INTO clients (client_id, name, profile, type, redirect_uris, grant_types)
       VALUES ('app', 'App', 'standard', 'public', '{https://app.example/cb}', '{authorization_code}'),
              ('other', 'Other', 'standard', 'public', '{https://other.example/cb}', '{authorization_code}')`,
    );
    [{ id: userId }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('ada', 'Ada') RETURNING id`);
  });
  afterAll(() => db?.close());

  const request = (over: Partial<NewAuthorizationCode> = {}): NewAuthorizationCode => ({
    clientId: 'app',
    userId,
    redirectUri: 'https://app.example/cb',
    scope: 'openid profile',
    codeChallenge: CHALLENGE,
    codeChallengeMethod: 'S256',
    nonce: 'n-0S6_WzA2Mj',
    ...over,
  });
  const row = async (code: string) =>
    (await dataSource.query(`SELECT * FROM authorization_codes WHERE code_digest = $1`, [digester.digest(code)]))[0];

  it('issues a 256-bit code with its grant, storing only the code digest', async () => {
    const authTime = new Date(Date.now() - 5000);
    const issued = await codes.issue(request({ authTime, dpopJkt: 'jkt-1' }));
    expect(issued.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.expiresIn).toBe(60);
    expect(issued.expiresAt.getTime() - Date.now()).toBeGreaterThan(55_000);
    expect(issued.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(61_000);

    const stored = await row(issued.code);
    expect(stored).toMatchObject({ grant_id: issued.grantId, client_id: 'app', user_id: userId, scope: 'openid profile', dpop_jkt: 'jkt-1' });
    expect(stored.consumed_at).toBeNull();
    const dump: { t: string }[] = await dataSource.query(`SELECT row_to_json(c)::text AS t FROM authorization_codes c`);
    expect(dump.some((r) => r.t.includes(issued.code))).toBe(false);
    expect(dump.some((r) => r.t.includes(Buffer.from(issued.code, 'base64url').toString('hex')))).toBe(false);

    const grant = await grants.get(issued.grantId);
    expect(grant).toMatchObject({ clientId: 'app', userId, scope: 'openid profile', revokedAt: null });
    expect(grant!.authTime!.getTime()).toBe(authTime.getTime());
  });

  it('takes expiresIn up to 600 seconds and refuses more, or nonsense', async () => {
    const long = await codes.issue(request({ expiresIn: 600 }));
    expect(long.expiresIn).toBe(600);
    expect(long.expiresAt.getTime() - Date.now()).toBeGreaterThan(590_000);
    for (const expiresIn of [601, 0, -1, 1.5]) {
      await expect(codes.issue(request({ expiresIn }))).rejects.toBeInstanceOf(BadRequestException);
    }
    await expect(codes.issue(request({ codeChallengeMethod: null }))).rejects.toBeInstanceOf(BadRequestException);
  });

  it('redeems once with everything the code was bound to; a second redemption is reuse', async () => {
    const issued = await codes.issue(request());
    const first = await dataSource.transaction((m) => codes.redeem(issued.code, m, { clientId: 'app' }));
    expect(first.status).toBe('redeemed');
    if (first.status !== 'redeemed') return;
    expect(first.code).toMatchObject({
      grantId: issued.grantId,
      clientId: 'app',
      userId,
      redirectUri: 'https://app.example/cb',
      scope: 'openid profile',
      codeChallenge: CHALLENGE,
      codeChallengeMethod: 'S256',
      nonce: 'n-0S6_WzA2Mj',
      dpopJkt: null,
    });
    expect(first.code.expiresAt.getTime()).toBe(issued.expiresAt.getTime());
    expect(verifyPkce(first.code, VERIFIER)).toEqual({ ok: true });
    expect((await row(issued.code)).consumed_at).toBeInstanceOf(Date);

    expect(await codes.redeem(issued.code)).toEqual({ status: 'reused', grantId: issued.grantId, clientId: 'app' });
  });

  it('revokes everything issued from a replayed code, by its grant', async () => {
    const issued = await codes.issue(request());
    await dataSource.transaction(async (m) => {
      expect((await codes.redeem(issued.code, m)).status).toBe('redeemed');
      await m.query(
        `INSERT INTO refresh_tokens (token_digest, grant_id, client_id, user_id, expires_at, family_expires_at)
         VALUES ($1, $2, 'app', $3, now() + interval '1 day', now() + interval '1 day')`,
        [randomBytes(32), issued.grantId, userId],
      );
      await m.query(
        `INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, expires_at)
         VALUES (gen_random_uuid()::text, 'access_token', $1, 'app', $2, now() + interval '1 hour')`,
        [issued.grantId, userId],
      );
    });
    const replay = await dataSource.transaction(async (m) => {
      const result = await codes.redeem(issued.code, m);
      if (result.status === 'reused') await codes.revokeIssuedFrom(result.grantId, m);
      return result;
    });
    expect(replay.status).toBe('reused');
    expect((await grants.get(issued.grantId))!.revokedAt).toBeInstanceOf(Date);
    const [live] = await dataSource.query(
      `SELECT (SELECT count(*) FROM refresh_tokens WHERE grant_id = $1 AND revoked_at IS NULL)::int AS refresh,
              (SELECT count(*) FROM issued_tokens WHERE grant_id = $1 AND revoked_at IS NULL)::int AS access`,
      [issued.grantId],
    );
    expect(live).toEqual({ refresh: 0, access: 0 });
  });

  it('lets exactly one of 50 concurrent redemptions win; the others see reuse', async () => {
    const issued = await codes.issue(request());
    const results = await Promise.all(
      Array.from({ length: 50 }, () => dataSource.transaction((m) => codes.redeem(issued.code, m, { clientId: 'app' }))),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 'redeemed')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'reused')).toHaveLength(49);
  });

  it('un-consumes the code when the redeeming transaction rolls back', async () => {
    const issued = await codes.issue(request());
    await expect(
      dataSource.transaction(async (m) => {
        expect((await codes.redeem(issued.code, m)).status).toBe('redeemed');
        throw new Error('token signing failed');
      }),
    ).rejects.toThrow('token signing failed');
    expect((await codes.redeem(issued.code)).status).toBe('redeemed');
  });

  it('reports an expired code, without consuming it', async () => {
    const issued = await codes.issue(request());
    await dataSource.query(`UPDATE authorization_codes SET expires_at = now() - interval '1 second' WHERE code_digest = $1`, [
      digester.digest(issued.code),
    ]);
    expect(await codes.redeem(issued.code)).toEqual({ status: 'expired' });
    expect((await row(issued.code)).consumed_at).toBeNull();
  });

  it('reports an unknown code', async () => {
    expect(await codes.redeem(generateOpaqueToken())).toEqual({ status: 'unknown' });
    expect(await codes.redeem('')).toEqual({ status: 'unknown' });
    expect(await codes.redeem('x'.repeat(10_000))).toEqual({ status: 'unknown' });
  });

  it("leaves a code alone when another client presents it", async () => {
    const issued = await codes.issue(request());
    expect(await codes.redeem(issued.code, undefined, { clientId: 'other' })).toEqual({ status: 'client_mismatch' });
    expect((await row(issued.code)).consumed_at).toBeNull();
    expect((await codes.redeem(issued.code, undefined, { clientId: 'app' })).status).toBe('redeemed');
  });

  it('refuses a code whose grant was revoked before redemption', async () => {
    const issued = await codes.issue(request());
    await grants.revoke(issued.grantId);
    expect(await codes.redeem(issued.code)).toEqual({ status: 'revoked', grantId: issued.grantId });
  });

  describe('with the proof checked inside the consuming statement', () => {
    const proof = (over: Partial<CodeProof> = {}): CodeProof => ({
      redirectUri: 'https://app.example/cb',
      codeVerifier: VERIFIER,
      dpopJkt: null,
      ...over,
    });
    // A chained insert of the kind the token endpoint uses: proves it ran, in the same statement.
    const marker = (label: string): ChainedRowInsert => ({
      types: ['text'],
      values: [label],
      sql: (source, v) => `INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, scope, expires_at)
            SELECT ${v}0, 'access_token', grant_id, client_id, user_id, scope, now() + interval '1 hour' FROM ${source} RETURNING 1`,
    });
    const recorded = async (label: string) => (await dataSource.query(`SELECT grant_id, scope FROM issued_tokens WHERE id = $1`, [label]))[0];

    it('refuses each unproven request without consuming the code, then redeems with the right proof and runs the chained inserts', async () => {
      const issued = await codes.issue(request({ dpopJkt: 'jkt-a' }));
      const attempts: Partial<CodeProof>[] = [
        { redirectUri: null },
        { redirectUri: 'https://app.example/other' },
        { codeVerifier: null },
        { codeVerifier: '' },
        { codeVerifier: 'x'.repeat(42) },
        { codeVerifier: VERIFIER.replace(/.$/, 'A') },
        { codeVerifier: CHALLENGE }, // the challenge itself is no verifier
        { dpopJkt: null },
        { dpopJkt: 'jkt-b' },
      ];
      for (const [i, over] of attempts.entries()) {
        const outcome = await codes.redeem(issued.code, undefined, { clientId: 'app', proof: proof({ dpopJkt: 'jkt-a', ...over }), chained: [marker(`refused-${i}`)] });
        expect(outcome.status, JSON.stringify(over)).toBe('unproven');
        expect(await recorded(`refused-${i}`)).toBeUndefined();
      }
      expect((await row(issued.code)).consumed_at).toBeNull();

      const won = await codes.redeem(issued.code, undefined, { clientId: 'app', proof: proof({ dpopJkt: 'jkt-a' }), chained: [marker('won')] });
      expect(won.status).toBe('redeemed');
      expect(await recorded('won')).toEqual({ grant_id: issued.grantId, scope: 'openid profile' });
      expect(await codes.redeem(issued.code, undefined, { clientId: 'app', proof: proof({ dpopJkt: 'jkt-a' }) })).toEqual({
        status: 'reused',
        grantId: issued.grantId,
        clientId: 'app',
      });
    });

    it('takes no verifier for a code issued without PKCE, and the exact verifier for a plain challenge', async () => {
      const none = await codes.issue(request({ codeChallenge: null, codeChallengeMethod: null }));
      expect((await codes.redeem(none.code, undefined, { clientId: 'app', proof: proof() })).status).toBe('unproven');
      expect((await codes.redeem(none.code, undefined, { clientId: 'app', proof: proof({ codeVerifier: null }) })).status).toBe('redeemed');

      const plain = await codes.issue(request({ codeChallenge: VERIFIER, codeChallengeMethod: 'plain' }));
      expect((await codes.redeem(plain.code, undefined, { clientId: 'app', proof: proof({ codeVerifier: CHALLENGE }) })).status).toBe('unproven');
      expect((await codes.redeem(plain.code, undefined, { clientId: 'app', proof: proof() })).status).toBe('redeemed');
    });

    it('redeems concurrent presentations of different codes in one statement (group commit), each with its own record', async () => {
      const issued = await Promise.all(Array.from({ length: 10 }, () => codes.issue(request())));
      const outcomes = await Promise.all(issued.map((c, i) => codes.redeem(c.code, undefined, { clientId: 'app', proof: proof(), chained: [marker(`group-${i}`)] })));
      expect(outcomes.map((o) => o.status)).toEqual(issued.map(() => 'redeemed'));
      const records = await dataSource.query(`SELECT id, grant_id, xmin::text AS x FROM issued_tokens WHERE id LIKE 'group-%'`);
      expect(records).toHaveLength(10);
      for (const r of records) expect(r.grant_id).toBe(issued[Number(r.id.slice(6))]!.grantId);
      expect(new Set(records.map((r: { x: string }) => r.x)).size).toBe(1);
    });

    it('lets exactly one of 50 concurrent proven redemptions win, and its chained insert alone runs', async () => {
      const issued = await codes.issue(request());
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => codes.redeem(issued.code, undefined, { clientId: 'app', proof: proof(), chained: [marker(`race-${i}`)] })),
      );
      expect(outcomes.filter((o) => o.status === 'redeemed')).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'reused')).toHaveLength(49);
      const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM issued_tokens WHERE id LIKE 'race-%'`);
      expect(n).toBe(1);
    });
  });
});
