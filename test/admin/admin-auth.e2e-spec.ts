import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessTokenInput, IssuedTokensService, TokenSigner } from '@latchkey/tokens';
import { adminRequest, startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app.js';

/** The admin API's bearer authentication, end to end: ADMIN_TOKEN or an access token with scope admin. */
describe('admin bearer authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('admin-auth');
    await t.app.get(DataSource).query(
      `INSERT INTO clients (client_id, name, profile, type, grant_types, scopes)
       VALUES ('ops-robot', 'Ops robot', 'standard', 'public', '{client_credentials}', '{admin,read}')`,
    );
  });
  afterAll(() => t?.close());

  /** What the client_credentials grant will issue: subject = client, no user, no grant. */
  async function mint(scope: string, extra: Partial<AccessTokenInput> = {}) {
    const signer = t.app.get(TokenSigner);
    const plan = signer.planAccessToken({ clientId: 'ops-robot', subject: 'ops-robot', scope, expiresIn: 300, ...extra });
    await t.app.get(IssuedTokensService).recordAccessToken(plan);
    return { jti: plan.jti, token: (await signer.signAccessToken(plan)).token };
  }

  const expectProblem = (res: { status: number; headers: Headers; body: any }, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ type: 'about:blank', status, instance: '/admin/keys' });
  };

  it('answers 401 problem+json with a Bearer challenge without a token', async () => {
    const res = await adminRequest(t, 'GET', '/admin/keys', undefined, null);
    expectProblem(res, 401);
    expect(res.body.title).toBe('Unauthorized');
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="latchkey-admin"');
  });

  it('answers 401 to a token it does not know, and to another scheme', async () => {
    const res = await adminRequest(t, 'GET', '/admin/keys', undefined, 'definitely-not-the-admin-token');
    expectProblem(res, 401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    const basic = await fetch(`${t.baseUrl}/admin/keys`, { headers: { authorization: `Basic ${Buffer.from(`x:${TEST_ADMIN_TOKEN}`).toString('base64')}` } });
    expect(basic.status).toBe(401);
  });

  it('accepts ADMIN_TOKEN', async () => {
    const res = await adminRequest(t, 'GET', '/admin/keys');
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThan(0);
  });

  it('accepts an access token issued to a client with scope admin', async () => {
    const { token } = await mint('read admin');
    const res = await adminRequest(t, 'GET', '/admin/keys', undefined, token);
    expect(res.status).toBe(200);
    expect(res.body.items.map((k: { state: string }) => k.state)).toContain('active');
  });

  it('answers 403 to a valid access token without the admin scope', async () => {
    const { token } = await mint('read');
    const res = await adminRequest(t, 'GET', '/admin/keys', undefined, token);
    expectProblem(res, 403);
    expect(res.body.detail).toBe('the access token lacks the "admin" scope');
    expect(res.headers.get('www-authenticate')).toBeNull();
  });

  it('answers 401 once the access token is revoked', async () => {
    const { jti, token } = await mint('admin');
    expect((await adminRequest(t, 'GET', '/admin/keys', undefined, token)).status).toBe(200);
    expect(await t.app.get(IssuedTokensService).revoke(jti)).toBe(true);
    expectProblem(await adminRequest(t, 'GET', '/admin/keys', undefined, token), 401);
  });

  it('answers 401 to an expired token, a tampered one, and a DPoP-bound one presented as bearer', async () => {
    const expired = await mint('admin', { issuedAt: new Date(Date.now() - 600_000), expiresIn: 60 });
    expectProblem(await adminRequest(t, 'GET', '/admin/keys', undefined, expired.token), 401);

    const { token } = await mint('read');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const escalated = Buffer.from(JSON.stringify({ ...claims, scope: 'read admin' })).toString('base64url');
    expectProblem(await adminRequest(t, 'GET', '/admin/keys', undefined, `${header}.${escalated}.${signature}`), 401);

    const bound = await mint('admin', { dpopJkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' });
    expectProblem(await adminRequest(t, 'GET', '/admin/keys', undefined, bound.token), 401);
  });

  it('answers 401 to the tokens of a client that has been disabled', async () => {
    const { token } = await mint('admin');
    expect((await adminRequest(t, 'GET', '/admin/keys', undefined, token)).status).toBe(200);
    await t.app.get(DataSource).query(`UPDATE clients SET disabled = true WHERE client_id = 'ops-robot'`);
    expectProblem(await adminRequest(t, 'GET', '/admin/keys', undefined, token), 401);
    await t.app.get(DataSource).query(`UPDATE clients SET disabled = false WHERE client_id = 'ops-robot'`);
  });
});
