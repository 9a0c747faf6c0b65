import { ClientRegistry } from '@latchkey/clients';
import { GrantsService } from '@latchkey/grants';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, startTestApp, type TestApp } from '../support/test-app.js';

const ARN = 'arn:aws:signin:::devtools/same-device';
const ARN_PATH = '/admin/clients/arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device';
const CLIENT_FIELDS = [
  'accessTokenTtl',
  'allowPlainPkce',
  'clientId',
  'createdAt',
  'disabled',
  'domain',
  'grantTypes',
  'issueRefreshToken',
  'name',
  'profile',
  'redirectUris',
  'refreshFamilyTtl',
  'refreshGraceSeconds',
  'refreshTokenTtl',
  'requirePkce',
  'scopes',
  'type',
  'updatedAt',
].sort();

const web = {
  clientId: 'web-app',
  name: 'Web app',
  profile: 'standard',
  type: 'confidential',
  redirectUris: ['https://app.example.com/callback'],
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  scopes: ['openid', 'profile'],
};

describe('admin: clients', () => {
  let t: TestApp;
  /** Every answer of this suite, to check afterwards which ones carried a credential. */
  const answers: { route: string; text: string }[] = [];
  /** Each credential handed out, with the route of the one answer that may show it. */
  const credentials: { value: string; shownBy: string }[] = [];

  async function call(method: string, path: string, body?: unknown, token?: string | null) {
    const res = await adminRequest(t, method, path, body, token);
    answers.push({ route: `${method} ${path} #${answers.length}`, text: JSON.stringify(res.body ?? '') });
    return res;
  }
  function remember(value: unknown) {
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    credentials.push({ value: value as string, shownBy: answers.at(-1)!.route });
  }
  const problemFields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field);

  beforeAll(async () => {
    t = await startTestApp('admin-clients');
  });
  afterAll(() => t?.close());

  describe('authentication', () => {
    it.each([
      ['without a token', null],
      ['with a wrong token', 'not-the-admin-token-0123456789'],
    ])('answers 401 problem+json %s, on every route', async (_label, token) => {
      for (const [method, path, body] of [
        ['GET', '/admin/clients'],
        ['POST', '/admin/clients', web],
        ['GET', ARN_PATH],
        ['PATCH', ARN_PATH, { name: 'x' }],
        ['DELETE', ARN_PATH],
        ['POST', `${ARN_PATH}/secret`, {}],
        ['POST', `${ARN_PATH}/api-key`, {}],
      ] as const) {
        const res = await call(method, path, body, token);
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
        expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
      }
      expect((await call('GET', '/admin/clients')).body.total).toBe(0); // nothing was created
    });
  });

  describe('POST /admin/clients', () => {
    it('registers a confidential client: 201, the client, and its secret shown once', async () => {
      const res = await call('POST', '/admin/clients', web);
      expect(res.status).toBe(201);
      remember(res.body.clientSecret);
      expect(Object.keys(res.body).sort()).toEqual([...CLIENT_FIELDS, 'clientSecret'].sort());
      expect(res.body).toMatchObject({
        clientId: 'web-app',
        name: 'Web app',
        profile: 'standard',
        type: 'confidential',
        redirectUris: ['https://app.example.com/callback'],
        grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
        scopes: ['openid', 'profile'],
        accessTokenTtl: 3600,
        refreshTokenTtl: 2592000,
        refreshFamilyTtl: 7776000,
        refreshGraceSeconds: 0,
        issueRefreshToken: true,
        requirePkce: false,
        allowPlainPkce: false,
        domain: null,
        disabled: false,
      });
      expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
      expect(await t.app.get(ClientRegistry).authenticateSecret('web-app', res.body.clientSecret)).not.toBeNull();
    });

    it('registers a dressipi client with an API key, and a public client without a secret', async () => {
      const dressipi = await call('POST', '/admin/clients', {
        clientId: 'dressipi-web',
        name: 'Dressipi',
        profile: 'dressipi',
        type: 'public',
        redirectUris: ['urn:ietf:wg:oauth:2.0:oob:auto'],
        grantTypes: ['authorization_code', 'refresh_token'],
        refreshGraceSeconds: 10,
        accessTokenTtl: 900,
      });
      expect(dressipi.status).toBe(201);
      remember(dressipi.body.apiKey);
      expect(dressipi.body).not.toHaveProperty('clientSecret');
      expect(dressipi.body).toMatchObject({ requirePkce: true, refreshGraceSeconds: 10, accessTokenTtl: 900 });

      const spa = await call('POST', '/admin/clients', {
        name: 'SPA',
        profile: 'standard',
        type: 'public',
        redirectUris: ['https://spa.example.com/'],
        grantTypes: ['authorization_code'],
        accessTokenTtl: 86400,
        refreshTokenTtl: 86400,
        refreshFamilyTtl: 604800,
        allowPlainPkce: true,
      });
      expect(spa.status).toBe(201);
      expect(spa.body.clientId).toMatch(/^[A-Za-z0-9_-]{22}$/); // generated
      expect(Object.keys(spa.body).sort()).toEqual(CLIENT_FIELDS);
      expect(spa.body).toMatchObject({ accessTokenTtl: 86400, refreshTokenTtl: 86400, refreshFamilyTtl: 604800, allowPlainPkce: true, requirePkce: true });
      expect((await call('GET', `/admin/clients/${spa.body.clientId}`)).body).toMatchObject({ refreshFamilyTtl: 604800, allowPlainPkce: true });
      const [row] = await t.app.get(DataSource).query(`SELECT refresh_family_ttl, allow_plain_pkce FROM clients WHERE client_id = $1`, [spa.body.clientId]);
      expect(row).toEqual({ refresh_family_ttl: 604800, allow_plain_pkce: true });
    });

    it('registers the aws-signin client under its ARN, and a midnight client with its domain', async () => {
      const aws = await call('POST', '/admin/clients', { clientId: ARN, name: 'AWS CLI', profile: 'aws-signin', type: 'public', redirectUris: ['http://127.0.0.1/oauth/callback'], grantTypes: ['authorization_code', 'refresh_token'] });
      expect(aws.status).toBe(201);
      expect(aws.body.clientId).toBe(ARN);

      const midnight = await call('POST', '/admin/clients', { clientId: 'midnight-pool', name: 'Midnight', profile: 'midnight', type: 'public', redirectUris: ['https://shop.example/cb'], grantTypes: ['authorization_code', 'refresh_token'], domain: 'shop.example' });
      expect(midnight.status).toBe(201);
      expect(midnight.body.domain).toBe('shop.example');
    });

    it('answers 400 problem+json naming each failed field', async () => {
      const cases: [unknown, string[]][] = [
        [{ ...web, clientId: undefined, profile: 'aws-signin', type: 'public', grantTypes: ['authorization_code', 'refresh_token'] }, ['clientId']],
        [{ ...web, clientId: 'arn:aws:signin:::devtools/elsewhere', profile: 'aws-signin', type: 'public', grantTypes: ['authorization_code', 'refresh_token'] }, ['clientId']],
        [{ ...web, clientId: 'mid', profile: 'midnight' }, ['domain']],
        [{ ...web, clientId: 'pub', type: 'public', grantTypes: ['authorization_code'], requirePkce: false }, ['requirePkce']],
        [{ ...web, clientId: 'pub', type: 'public' }, ['grantTypes']],
        [{ ...web, clientId: 'x', redirectUris: ['https://app.example.com/cb#fragment'] }, ['redirectUris']],
        [{ ...web, clientId: 'x', redirectUris: [] }, ['redirectUris']],
        [{ ...web, clientId: 'x', grantTypes: ['password'] }, ['grantTypes']],
        [{ ...web, clientId: 'x', profile: 'okta' }, ['profile']],
        [{ ...web, clientId: 'x', type: 'secret' }, ['type']],
        [{ ...web, clientId: 'x', name: undefined }, ['name']],
        [{ ...web, clientId: 'x', accessTokenTtl: 0 }, ['accessTokenTtl']],
        [{ ...web, clientId: 'x', accessTokenTtl: '60' }, ['accessTokenTtl']],
        [{ ...web, clientId: 'x', accessTokenTtl: 86401 }, ['accessTokenTtl']],
        [{ ...web, clientId: 'x', refreshFamilyTtl: 0 }, ['refreshFamilyTtl']],
        [{ ...web, clientId: 'x', refreshFamilyTtl: 31536001 }, ['refreshFamilyTtl']],
        [{ ...web, clientId: 'x', refreshFamilyTtl: '7776000' }, ['refreshFamilyTtl']],
        [{ ...web, clientId: 'x', refreshTokenTtl: 86400, refreshFamilyTtl: 3600 }, ['refreshFamilyTtl']],
        [{ ...web, clientId: 'x', refreshTokenTtl: 8000000 }, ['refreshFamilyTtl']],
        [{ ...web, clientId: 'x', allowPlainPkce: 'yes' }, ['allowPlainPkce']],
        [{ ...web, clientId: 'x', scopes: ['bad scope'] }, ['scopes']],
        [{ ...web, clientId: 'x', clientSecret: 'chosen-by-me' }, ['clientSecret']],
      ];
      for (const [body, fields] of cases) {
        const res = await call('POST', '/admin/clients', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body).toMatchObject({ status: 400, type: 'urn:latchkey:problem:validation' });
        expect([...new Set(problemFields(res.body))], JSON.stringify(body)).toEqual(fields);
        for (const error of res.body.errors) expect(error.message).toEqual(expect.any(String));
      }
      const tooLong = await call('POST', '/admin/clients', { ...web, clientId: 'x', accessTokenTtl: 86401 });
      expect(tooLong.body.errors).toEqual([{ field: 'accessTokenTtl', message: 'accessTokenTtl must be an integer from 1 to 86400 (seconds): no access or ID token lives longer than 24 h' }]);
      expect((await call('GET', '/admin/clients/x')).status).toBe(404); // nothing half-made
    });

    it('answers 409 for a clientId that exists', async () => {
      for (const body of [web, { clientId: ARN, name: 'Again', profile: 'aws-signin', type: 'public', redirectUris: ['http://127.0.0.1/cb'], grantTypes: ['authorization_code', 'refresh_token'] }]) {
        const res = await call('POST', '/admin/clients', body);
        expect(res.status).toBe(409);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body).toMatchObject({ status: 409, title: 'Conflict' });
      }
      expect((await call('GET', '/admin/clients/web-app')).body.name).toBe('Web app');
    });
  });

  describe('reading and listing', () => {
    it('reads a client by URL-encoded ARN, without any credential', async () => {
      const res = await call('GET', ARN_PATH);
      expect(res.status).toBe(200);
      expect(res.body.clientId).toBe(ARN);
      expect(Object.keys(res.body).sort()).toEqual(CLIENT_FIELDS);
      // Lower-case escapes decode the same way.
      expect((await call('GET', '/admin/clients/arn%3aaws%3asignin%3a%3a%3adevtools%2fsame-device')).body.clientId).toBe(ARN);
      // An unencoded slash is another path, not this client.
      expect((await call('GET', `/admin/clients/${ARN}`)).status).toBe(404);
    });

    it('answers 404 problem+json for an unknown client', async () => {
      const res = await call('GET', '/admin/clients/nope');
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: 404, detail: expect.stringContaining('nope') });
      expect((await call('GET', '/admin/clients/arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fcross-device')).status).toBe(404);
    });

    it('lists with limit and offset: {items, total, limit, offset}', async () => {
      const all = await call('GET', '/admin/clients');
      expect(all.status).toBe(200);
      expect(Object.keys(all.body).sort()).toEqual(['items', 'limit', 'offset', 'total']);
      expect(all.body).toMatchObject({ total: 5, limit: 50, offset: 0 });
      expect(all.body.items.map((c: { clientId: string }) => c.clientId)).toEqual(['web-app', 'dressipi-web', expect.any(String), ARN, 'midnight-pool']);
      for (const item of all.body.items) expect(Object.keys(item).sort()).toEqual(CLIENT_FIELDS);

      const page = await call('GET', '/admin/clients?limit=2&offset=1');
      expect(page.body).toMatchObject({ total: 5, limit: 2, offset: 1 });
      expect(page.body.items.map((c: { clientId: string }) => c.clientId)).toEqual(all.body.items.slice(1, 3).map((c: { clientId: string }) => c.clientId));
      expect((await call('GET', '/admin/clients?offset=5')).body.items).toEqual([]);

      for (const [query, field] of [['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=ten', 'limit'], ['offset=-1', 'offset']]) {
        const bad = await call('GET', `/admin/clients?${query}`);
        expect(bad.status).toBe(400);
        expect(problemFields(bad.body)).toContain(field);
      }
    });
  });

  describe('PATCH /admin/clients/{clientId}', () => {
    it('changes settings and answers the client', async () => {
      const res = await call('PATCH', ARN_PATH, { name: 'AWS CLI v2', scopes: ['openid'], refreshGraceSeconds: 30, redirectUris: ['http://127.0.0.1/oauth/callback', 'http://[::1]/oauth/callback'] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ clientId: ARN, name: 'AWS CLI v2', scopes: ['openid'], refreshGraceSeconds: 30, profile: 'aws-signin' });
      expect(res.body.redirectUris).toHaveLength(2);
      expect(Object.keys(res.body).sort()).toEqual(CLIENT_FIELDS);
      expect((await call('GET', ARN_PATH)).body.name).toBe('AWS CLI v2');
    });

    it('changes refreshFamilyTtl and allowPlainPkce, and shows them on every answer', async () => {
      const res = await call('PATCH', '/admin/clients/web-app', { refreshFamilyTtl: 2592000, allowPlainPkce: true });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ clientId: 'web-app', refreshTokenTtl: 2592000, refreshFamilyTtl: 2592000, allowPlainPkce: true, requirePkce: false });
      expect((await call('GET', '/admin/clients/web-app')).body).toMatchObject({ refreshFamilyTtl: 2592000, allowPlainPkce: true });
      expect((await t.app.get(ClientRegistry).findById('web-app'))?.allowPlainPkce).toBe(true);
      const back = await call('PATCH', '/admin/clients/web-app', { refreshFamilyTtl: 7776000, allowPlainPkce: false });
      expect(back.body).toMatchObject({ refreshFamilyTtl: 7776000, allowPlainPkce: false });
      const listed = (await call('GET', '/admin/clients')).body.items.find((c: { clientId: string }) => c.clientId === 'web-app');
      expect(listed).toMatchObject({ refreshFamilyTtl: 7776000, allowPlainPkce: false });
    });

    it('disables a client so that it cannot authenticate, and enables it again', async () => {
      const secret = credentials[0]!.value;
      const registry = t.app.get(ClientRegistry);
      expect((await call('PATCH', '/admin/clients/web-app', { disabled: true })).body.disabled).toBe(true);
      expect(await registry.authenticateSecret('web-app', secret)).toBeNull();
      expect((await call('PATCH', '/admin/clients/web-app', { disabled: false })).body.disabled).toBe(false);
      expect(await registry.authenticateSecret('web-app', secret)).not.toBeNull();
    });

    it('refuses invalid changes with 400 naming the field, and unknown clients with 404', async () => {
      for (const [path, body, field] of [
        ['/admin/clients/web-app', { clientId: 'renamed' }, 'clientId'],
        ['/admin/clients/web-app', { type: 'public' }, 'type'],
        ['/admin/clients/web-app', { grantTypes: [] }, 'grantTypes'],
        ['/admin/clients/web-app', { redirectUris: ['not a uri'] }, 'redirectUris'],
        ['/admin/clients/web-app', { accessTokenTtl: -5 }, 'accessTokenTtl'],
        ['/admin/clients/web-app', { accessTokenTtl: 86401 }, 'accessTokenTtl'],
        ['/admin/clients/web-app', { refreshFamilyTtl: 0 }, 'refreshFamilyTtl'],
        ['/admin/clients/web-app', { refreshFamilyTtl: 1.5 }, 'refreshFamilyTtl'],
        ['/admin/clients/web-app', { refreshTokenTtl: 86400, refreshFamilyTtl: 3600 }, 'refreshFamilyTtl'],
        ['/admin/clients/web-app', { allowPlainPkce: 'no' }, 'allowPlainPkce'],
        ['/admin/clients/web-app', { disabled: 'yes' }, 'disabled'],
      ] as const) {
        const res = await call('PATCH', path, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(problemFields(res.body)).toContain(field);
      }
      // Rules that depend on the stored client, raised by libs/clients: `errors` names the field too.
      const midnight = await call('PATCH', '/admin/clients/midnight-pool', { domain: null });
      expect(midnight.status).toBe(400);
      expect(midnight.headers.get('content-type')).toContain('application/problem+json');
      expect(midnight.body).toMatchObject({ status: 400, type: 'urn:latchkey:problem:validation', detail: expect.stringContaining('domain') });
      expect(midnight.body.errors).toEqual([{ field: 'domain', message: expect.stringContaining('midnight client needs a domain') }]);
      const pkce = await call('PATCH', ARN_PATH, { requirePkce: false });
      expect(pkce.status).toBe(400);
      expect(pkce.body.detail).toContain('requirePkce');
      expect(problemFields(pkce.body)).toEqual(['requirePkce']);
      // The stored refreshFamilyTtl (7776000) is shorter than this refresh-token lifetime.
      const family = await call('PATCH', '/admin/clients/web-app', { refreshTokenTtl: 8000000 });
      expect(family.status).toBe(400);
      expect(family.body.errors).toEqual([{ field: 'refreshFamilyTtl', message: expect.stringContaining('must be at least refreshTokenTtl (8000000)') }]);
      expect((await call('GET', '/admin/clients/web-app')).body).toMatchObject({ refreshTokenTtl: 2592000, refreshFamilyTtl: 7776000, accessTokenTtl: 3600 });
      expect((await call('PATCH', '/admin/clients/nope', { name: 'x' })).status).toBe(404);
      expect((await call('GET', '/admin/clients/midnight-pool')).body.domain).toBe('shop.example');
    });
  });

  describe('credential rotation', () => {
    it('rotates a secret: 200 {clientId, clientSecret}; without grace the old one stops at once', async () => {
      const registry = t.app.get(ClientRegistry);
      const old = credentials[0]!.value;
      const res = await call('POST', '/admin/clients/web-app/secret', {});
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['clientId', 'clientSecret']);
      expect(res.body.clientId).toBe('web-app');
      remember(res.body.clientSecret);
      expect(res.body.clientSecret).not.toBe(old);
      expect(await registry.authenticateSecret('web-app', old)).toBeNull();
      expect(await registry.authenticateSecret('web-app', res.body.clientSecret)).not.toBeNull();
    });

    it('rotates with graceSeconds: the previous secret keeps working', async () => {
      const registry = t.app.get(ClientRegistry);
      const previous = credentials.at(-1)!.value;
      const res = await call('POST', '/admin/clients/web-app/secret', { graceSeconds: 3600 });
      expect(res.status).toBe(200);
      remember(res.body.clientSecret);
      expect(await registry.authenticateSecret('web-app', previous)).not.toBeNull();
      expect(await registry.authenticateSecret('web-app', res.body.clientSecret)).not.toBeNull();
    });

    it('rotates an API key: 200 {clientId, apiKey}, also for an ARN-named or encoded path', async () => {
      const registry = t.app.get(ClientRegistry);
      const old = credentials[1]!.value;
      const res = await call('POST', '/admin/clients/dressipi-web/api-key', { graceSeconds: 60 });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['apiKey', 'clientId']);
      expect(res.body.clientId).toBe('dressipi-web');
      remember(res.body.apiKey);
      expect(await registry.authenticateApiKey('dressipi-web', old)).not.toBeNull();
      expect(await registry.authenticateApiKey('dressipi-web', res.body.apiKey)).not.toBeNull();
      // No body at all means graceSeconds 0.
      const again = await call('POST', '/admin/clients/dressipi-web/api-key');
      expect(again.status).toBe(200);
      remember(again.body.apiKey);
      expect(await registry.authenticateApiKey('dressipi-web', res.body.apiKey)).toBeNull();
    });

    it('refuses rotations with 400, 404', async () => {
      const grace = await call('POST', '/admin/clients/web-app/secret', { graceSeconds: -1 });
      expect(grace.status).toBe(400);
      expect(problemFields(grace.body)).toEqual(['graceSeconds']);
      expect(problemFields((await call('POST', '/admin/clients/web-app/secret', { graceSeconds: 1.5 })).body)).toEqual(['graceSeconds']);
      expect(problemFields((await call('POST', '/admin/clients/web-app/secret', { graceSeconds: 60, extra: 1 })).body)).toEqual(['extra']);
      const publicSecret = await call('POST', `${ARN_PATH}/secret`, {});
      expect(publicSecret.status).toBe(400);
      expect(publicSecret.body.detail).toContain('public client');
      expect((await call('POST', '/admin/clients/web-app/api-key', {})).status).toBe(400);
      expect((await call('POST', '/admin/clients/nope/secret', {})).status).toBe(404);
      expect((await call('POST', '/admin/clients/nope/api-key', {})).status).toBe(404);
    });
  });

  describe('DELETE /admin/clients/{clientId}', () => {
    it('deletes (204), revoking its grants first, then answers 404', async () => {
      const dataSource = t.app.get(DataSource);
      const [{ id: userId }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('holder', 'Holder') RETURNING id`);
      const grant = await t.app.get(GrantsService).create({ clientId: ARN, userId, scope: 'openid' });
      const res = await call('DELETE', ARN_PATH);
      expect(res.status).toBe(204);
      expect(res.body).toBeUndefined();
      expect(await dataSource.query(`SELECT 1 FROM grants WHERE id = $1`, [grant.id])).toEqual([]);
      expect((await call('GET', ARN_PATH)).status).toBe(404);
      expect((await call('DELETE', ARN_PATH)).status).toBe(404);
      expect((await call('GET', '/admin/clients')).body.total).toBe(4);
    });
  });

  describe('credentials at rest and in answers', () => {
    it('shows each secret and API key in exactly one answer: the one that created it', () => {
      expect(credentials.length).toBe(6);
      for (const { value, shownBy } of credentials) {
        expect(answers.filter((a) => a.text.includes(value)).map((a) => a.route)).toEqual([shownBy]);
      }
      for (const answer of answers) expect(answer.text).not.toMatch(/digest/i);
    });

    it('stores no plaintext secret or API key in the clients table', async () => {
      const rows = await t.app.get(DataSource).query(`SELECT * FROM clients`);
      expect(rows.length).toBe(4);
      const text = JSON.stringify(rows, (_key, value) =>
        value && value.type === 'Buffer' && Array.isArray(value.data)
          ? ['hex', 'base64', 'base64url', 'latin1'].map((encoding) => Buffer.from(value.data).toString(encoding as BufferEncoding)).join(' ')
          : value,
      );
      for (const { value } of credentials) expect(text).not.toContain(value);
      const webRow = rows.find((r: { client_id: string }) => r.client_id === 'web-app');
      expect(webRow.secret_digest).toHaveLength(32);
      expect(webRow.previous_secret_digest).toHaveLength(32);
    });

    it('documents the routes in the OpenAPI document', async () => {
      const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
      for (const path of ['/admin/clients', '/admin/clients/{clientId}', '/admin/clients/{clientId}/secret', '/admin/clients/{clientId}/api-key']) {
        expect(Object.keys(doc.paths)).toContain(path);
        for (const operation of Object.values(doc.paths[path]!)) expect(operation.tags).toEqual(['admin: clients']);
      }
    });
  });
});
