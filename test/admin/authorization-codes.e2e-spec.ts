import { AuthorizationCodeService, verifyPkce } from '@latchkey/authorization-codes';
import { SecretDigester } from '@latchkey/crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, startTestApp, type TestApp } from '../support/test-app.js';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('admin: authorization codes', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let adaId: string;
  let bobId: string;

  beforeAll(async () => {
    t = await startTestApp('admin-codes');
    dataSource = t.app.get(DataSource);
    await dataSource.query(`
      INSERT INTO clients (client_id, name, profile, type, secret_digest, redirect_uris, grant_types, scopes, require_pkce, allow_plain_pkce, disabled) VALUES
        ('spa', 'SPA', 'standard', 'public', NULL, '{https://spa.example/cb}', '{authorization_code,refresh_token}', '{openid,profile}', true, false, false),
        ('legacy', 'Legacy', 'standard', 'public', NULL, '{https://legacy.example/cb}', '{authorization_code}', '{}', true, true, false),
        ('backend', 'Backend', 'huawei', 'confidential', '\\x00', '{https://backend.example/cb}', '{authorization_code}', '{}', false, false, false),
        ('gone', 'Gone', 'standard', 'public', NULL, '{https://gone.example/cb}', '{authorization_code}', '{}', true, false, true)`);
    [{ id: adaId }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('ada', 'Ada') RETURNING id`);
    [{ id: bobId }] = await dataSource.query(`INSERT INTO users (username, name, disabled) VALUES ('bob', 'Bob', true) RETURNING id`);
  });
  afterAll(() => t?.close());

  const good = (over: Record<string, unknown> = {}) => ({
    clientId: 'spa',
    userId: adaId,
    redirectUri: 'https://spa.example/cb',
    scope: 'openid profile',
    codeChallenge: CHALLENGE,
    codeChallengeMethod: 'S256',
    nonce: 'n-0S6_WzA2Mj',
    ...over,
  });
  const post = (body: unknown, token?: string | null) => adminRequest(t, 'POST', '/admin/authorization-codes', body, token);
  const failedFields = (body: { errors?: { field: string }[] }) => [...new Set((body.errors ?? []).map((e) => e.field))];

  it.each([
    ['without a token', null],
    ['with a wrong token', 'not-the-admin-token-0123456789'],
  ])('answers 401 problem+json %s', async (_label, token) => {
    const res = await post(good(), token);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM authorization_codes`);
    expect(n).toBe(0);
  });

  it('issues a code: 201 {code, expiresIn}, no-store, stored only as its digest, with its grant', async () => {
    const res = await post(good());
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['code', 'expiresIn']);
    expect(res.body.expiresIn).toBe(60);
    expect(res.body.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const code: string = res.body.code;

    const digest = t.app.get(SecretDigester).digest(code);
    const rows = await dataSource.query(`SELECT * FROM authorization_codes WHERE code_digest = $1`, [digest]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      client_id: 'spa',
      user_id: adaId,
      redirect_uri: 'https://spa.example/cb',
      scope: 'openid profile',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      nonce: 'n-0S6_WzA2Mj',
      consumed_at: null,
    });
    const lifetime = new Date(rows[0].expires_at).getTime() - new Date(rows[0].created_at).getTime();
    expect(lifetime).toBe(60_000);
    const dump: { t: string }[] = await dataSource.query(`SELECT row_to_json(c)::text AS t FROM authorization_codes c`);
    expect(dump.some((r) => r.t.includes(code))).toBe(false);

    const [grant] = await dataSource.query(`SELECT * FROM grants WHERE id = $1`, [rows[0].grant_id]);
    expect(grant).toMatchObject({ client_id: 'spa', user_id: adaId, scope: 'openid profile', revoked_at: null });
    expect(grant.auth_time).not.toBeNull();

    // The code is the real thing: single use, bound to the PKCE challenge.
    const codes = t.app.get(AuthorizationCodeService);
    const redeemed = await codes.redeem(code, undefined, { clientId: 'spa' });
    expect(redeemed.status).toBe('redeemed');
    expect(redeemed.status === 'redeemed' && verifyPkce(redeemed.code, VERIFIER)).toEqual({ ok: true });
    expect((await codes.redeem(code)).status).toBe('reused');
  });

  it('takes expiresIn up to 600 seconds, and the client scopes when scope is omitted', async () => {
    const res = await post(good({ expiresIn: 600, scope: undefined }));
    expect(res.status).toBe(201);
    expect(res.body.expiresIn).toBe(600);
    const [row] = await dataSource.query(`SELECT scope, expires_at - created_at = interval '600 seconds' AS ten_minutes FROM authorization_codes WHERE code_digest = $1`, [
      t.app.get(SecretDigester).digest(res.body.code),
    ]);
    expect(row).toEqual({ scope: 'openid profile', ten_minutes: true });
  });

  it('allows plain PKCE only for a client configured for it, and no PKCE for a confidential client that does not require it', async () => {
    const legacy = { clientId: 'legacy', redirectUri: 'https://legacy.example/cb', scope: undefined };
    expect((await post(good({ ...legacy, codeChallenge: VERIFIER, codeChallengeMethod: 'plain' }))).status).toBe(201);
    const backend = await post({ clientId: 'backend', userId: adaId, redirectUri: 'https://backend.example/cb' });
    expect(backend.status).toBe(201);
  });

  it.each([
    ['no clientId', { clientId: undefined }, 'clientId'],
    ['no userId', { userId: undefined }, 'userId'],
    ['no redirectUri', { redirectUri: undefined }, 'redirectUri'],
    ['a userId that is no uuid', { userId: 'ada' }, 'userId'],
    ['expiresIn over 600', { expiresIn: 601 }, 'expiresIn'],
    ['expiresIn 0', { expiresIn: 0 }, 'expiresIn'],
    ['expiresIn as a string', { expiresIn: '60' }, 'expiresIn'],
    ['an unknown PKCE method', { codeChallengeMethod: 'S512' }, 'codeChallengeMethod'],
    ['an unknown field', { state: 'xyz' }, 'state'],
    ['an unknown client', { clientId: 'nope' }, 'clientId'],
    ['a disabled client', { clientId: 'gone', redirectUri: 'https://gone.example/cb', scope: undefined }, 'clientId'],
    ['a redirectUri that differs by a slash', { redirectUri: 'https://spa.example/cb/' }, 'redirectUri'],
    ['a redirectUri that differs in case', { redirectUri: 'https://SPA.example/cb' }, 'redirectUri'],
    ['an unknown user', { userId: '00000000-0000-4000-8000-000000000000' }, 'userId'],
    ['a public client without codeChallenge', { codeChallenge: undefined, codeChallengeMethod: undefined }, 'codeChallenge'],
    ['plain for a client that does not allow it', { codeChallenge: VERIFIER, codeChallengeMethod: 'plain' }, 'codeChallengeMethod'],
    ['a challenge without a method (plain by RFC 7636)', { codeChallengeMethod: undefined }, 'codeChallengeMethod'],
    ['a malformed S256 challenge', { codeChallenge: 'abc' }, 'codeChallenge'],
    ['a scope outside the client scopes', { scope: 'openid admin' }, 'scope'],
  ])('answers 400 problem+json naming the field for %s', async (_label, over, field) => {
    const before = (await dataSource.query(`SELECT count(*)::int AS n FROM grants`))[0].n;
    const res = await post(good(over));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 400, title: 'Bad Request', instance: '/admin/authorization-codes' });
    expect(failedFields(res.body)).toEqual([field]);
    expect(res.body.detail).toContain(field);
    expect((await dataSource.query(`SELECT count(*)::int AS n FROM grants`))[0].n).toBe(before);
  });

  it('answers 400 naming userId for a disabled user', async () => {
    const res = await post(good({ userId: bobId }));
    expect(res.status).toBe(400);
    expect(failedFields(res.body)).toEqual(['userId']);
  });

  it('is in the OpenAPI document under its tag', async () => {
    const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    expect(doc.paths['/admin/authorization-codes']?.post?.tags).toEqual(['admin: authorization codes']);
  });
});
