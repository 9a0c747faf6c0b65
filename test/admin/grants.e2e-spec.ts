import { AuthorizationCodeService } from '@latchkey/authorization-codes';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, startTestApp, type TestApp } from '../support/test-app.js';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const GRANT_FIELDS = ['clientId', 'createdAt', 'id', 'revokedAt', 'scope', 'userId'];

describe('admin: grants', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let adaId: string;
  let bobId: string;
  /** Grant ids, in the order they were created. */
  const created: { id: string; clientId: string; userId: string; code: string }[] = [];

  const failedFields = (body: { errors?: { field: string }[] }) => [...new Set((body.errors ?? []).map((e) => e.field))];

  /** A grant made the way a trusted front end makes one: POST /admin/authorization-codes. */
  async function grantFor(clientId: string, userId: string, scope: string) {
    const res = await adminRequest(t, 'POST', '/admin/authorization-codes', {
      clientId,
      userId,
      redirectUri: `https://${clientId}.example/cb`,
      scope,
      codeChallenge: CHALLENGE,
      codeChallengeMethod: 'S256',
    });
    expect(res.status).toBe(201);
    const [{ grant_id: id }] = await dataSource.query(`SELECT grant_id FROM authorization_codes ORDER BY created_at DESC LIMIT 1`);
    created.push({ id, clientId, userId, code: res.body.code });
    return id as string;
  }

  async function addTokens(grantId: string, clientId: string, userId: string) {
    await dataSource.query(
      `INSERT INTO refresh_tokens (token_digest, grant_id, client_id, user_id, expires_at, family_expires_at)
       VALUES ($1, $2, $3, $4, now() + interval '1 day', now() + interval '1 day'),
              ($5, $2, $3, $4, now() + interval '1 day', now() + interval '1 day')`,
      [randomBytes(32), grantId, clientId, userId, randomBytes(32)],
    );
    await dataSource.query(
      `INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, expires_at)
       VALUES ($1, 'access_token', $2, $3, $4, now() + interval '1 hour')`,
      [randomBytes(16).toString('hex'), grantId, clientId, userId],
    );
  }

  const liveTokens = async (grantId: string) =>
    (
      await dataSource.query(
        `SELECT (SELECT count(*) FROM refresh_tokens WHERE grant_id = $1 AND revoked_at IS NULL)::int AS refresh,
                (SELECT count(*) FROM issued_tokens WHERE grant_id = $1 AND revoked_at IS NULL)::int AS access`,
        [grantId],
      )
    )[0];

  beforeAll(async () => {
    t = await startTestApp('admin-grants');
    dataSource = t.app.get(DataSource);
    await dataSource.query(`
      INSERT INTO clients (client_id, name, profile, type, redirect_uris, grant_types, scopes) VALUES
        ('web', 'Web', 'standard', 'public', '{https://web.example/cb}', '{authorization_code}', '{openid,profile}'),
        ('mobile', 'Mobile', 'standard', 'public', '{https://mobile.example/cb}', '{authorization_code}', '{openid}')`);
    [{ id: adaId }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('ada', 'Ada') RETURNING id`);
    [{ id: bobId }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('bob', 'Bob') RETURNING id`);
    await grantFor('web', adaId, 'openid profile');
    await grantFor('mobile', adaId, 'openid');
    await grantFor('web', bobId, 'openid');
  });
  afterAll(() => t?.close());

  it.each([
    ['without a token', null],
    ['with a wrong token', 'not-the-admin-token-0123456789'],
  ])('answers 401 problem+json %s, on every route', async (_label, token) => {
    for (const [method, path] of [
      ['GET', '/admin/grants'],
      ['DELETE', `/admin/grants/${created[0]!.id}`],
    ] as const) {
      const res = await adminRequest(t, method, path, undefined, token);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
    expect((await dataSource.query(`SELECT count(*)::int AS n FROM grants WHERE revoked_at IS NOT NULL`))[0].n).toBe(0);
  });

  describe('GET /admin/grants', () => {
    it('lists every grant, newest first: {items: [{id, clientId, userId, scope, createdAt, revokedAt}], total, limit, offset}', async () => {
      const res = await adminRequest(t, 'GET', '/admin/grants');
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['items', 'limit', 'offset', 'total']);
      expect(res.body).toMatchObject({ total: 3, limit: 50, offset: 0 });
      expect(res.body.items.map((g: { id: string }) => g.id)).toEqual(created.map((g) => g.id).reverse());
      for (const item of res.body.items) expect(Object.keys(item).sort()).toEqual(GRANT_FIELDS);
      expect(res.body.items[2]).toEqual({
        id: created[0]!.id,
        clientId: 'web',
        userId: adaId,
        scope: 'openid profile',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        revokedAt: null,
      });
    });

    it('filters by userId, by clientId, or both', async () => {
      const ids = async (query: string) => {
        const res = await adminRequest(t, 'GET', `/admin/grants?${query}`);
        expect(res.status).toBe(200);
        expect(res.body.total).toBe(res.body.items.length);
        return res.body.items.map((g: { id: string }) => g.id).sort();
      };
      const of = (f: (g: (typeof created)[number]) => boolean) => created.filter(f).map((g) => g.id).sort();
      expect(await ids(`userId=${adaId}`)).toEqual(of((g) => g.userId === adaId));
      expect(await ids('clientId=web')).toEqual(of((g) => g.clientId === 'web'));
      expect(await ids(`userId=${bobId}&clientId=web`)).toEqual(of((g) => g.userId === bobId && g.clientId === 'web'));
      expect(await ids(`userId=${bobId}&clientId=mobile`)).toEqual([]);
      expect(await ids('clientId=nobody')).toEqual([]);
    });

    it('pages with limit and offset', async () => {
      const res = await adminRequest(t, 'GET', '/admin/grants?limit=1&offset=1');
      expect(res.body).toMatchObject({ total: 3, limit: 1, offset: 1 });
      expect(res.body.items.map((g: { id: string }) => g.id)).toEqual([created[1]!.id]);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['offset=-1', 'offset'],
      ['limit=ten', 'limit'],
      ['userId=ada', 'userId'],
      ['grantId=x', 'grantId'],
    ])('answers 400 problem+json naming the field for ?%s', async (query, field) => {
      const res = await adminRequest(t, 'GET', `/admin/grants?${query}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(failedFields(res.body)).toEqual([field]);
    });
  });

  describe('DELETE /admin/grants/{id}', () => {
    it('revokes the grant with all its refresh and access tokens: 204, and touches no other grant', async () => {
      const [target, other] = [created[0]!, created[1]!];
      await addTokens(target.id, target.clientId, target.userId);
      await addTokens(other.id, other.clientId, other.userId);
      expect(await liveTokens(target.id)).toEqual({ refresh: 2, access: 1 });

      const res = await adminRequest(t, 'DELETE', `/admin/grants/${target.id}`);
      expect(res.status).toBe(204);
      expect(res.body).toBeUndefined();
      expect(await liveTokens(target.id)).toEqual({ refresh: 0, access: 0 });
      expect(await liveTokens(other.id)).toEqual({ refresh: 2, access: 1 });

      const list = await adminRequest(t, 'GET', `/admin/grants?userId=${adaId}&clientId=web`);
      expect(list.body.items[0].id).toBe(target.id);
      expect(new Date(list.body.items[0].revokedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
      const others = await adminRequest(t, 'GET', `/admin/grants?clientId=mobile`);
      expect(others.body.items[0].revokedAt).toBeNull();
    });

    it('leaves the code of a revoked grant unredeemable', async () => {
      const target = created[2]!;
      expect((await adminRequest(t, 'DELETE', `/admin/grants/${target.id}`)).status).toBe(204);
      expect(await t.app.get(AuthorizationCodeService).redeem(target.code)).toEqual({ status: 'revoked', grantId: target.id });
    });

    it('is idempotent: revoking a revoked grant is 204 again', async () => {
      expect((await adminRequest(t, 'DELETE', `/admin/grants/${created[0]!.id}`)).status).toBe(204);
    });

    it.each([
      ['an unknown id', '00000000-0000-4000-8000-000000000000'],
      ['an id that is no uuid', 'not-a-grant'],
    ])('answers 404 problem+json for %s', async (_label, id) => {
      const res = await adminRequest(t, 'DELETE', `/admin/grants/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: 404, title: 'Not Found', instance: `/admin/grants/${id}` });
    });
  });

  it('is in the OpenAPI document under its tag', async () => {
    const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    expect(doc.paths['/admin/grants']?.get?.tags).toEqual(['admin: grants']);
    expect(doc.paths['/admin/grants/{id}']?.delete?.tags).toEqual(['admin: grants']);
  });
});
