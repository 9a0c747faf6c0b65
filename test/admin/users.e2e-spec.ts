import { GrantsService } from '@latchkey/grants';
import { UsersService } from '@latchkey/users';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, startTestApp, type TestApp } from '../support/test-app.js';

const USER_FIELDS = ['createdAt', 'disabled', 'email', 'id', 'name', 'updatedAt', 'username'];
const PASSWORDS = ['correct horse battery staple', 'tr0ub4dor&3 is weak', 'a brand new passphrase', 'grace hopper 1906'];

describe('admin: users', () => {
  let t: TestApp;
  const answers: string[] = [];
  let adaId: string;
  let graceId: string;

  async function call(method: string, path: string, body?: unknown, token?: string | null) {
    const res = await adminRequest(t, method, path, body, token);
    answers.push(JSON.stringify(res.body ?? ''));
    return res;
  }
  const problemFields = (body: { errors?: { field: string }[] }) => [...new Set((body.errors ?? []).map((e) => e.field))];

  beforeAll(async () => {
    t = await startTestApp('admin-users');
  });
  afterAll(() => t?.close());

  it.each([
    ['without a token', null],
    ['with a wrong token', 'not-the-admin-token-0123456789'],
  ])('answers 401 problem+json %s, on every route', async (_label, token) => {
    const id = '00000000-0000-0000-0000-000000000000';
    for (const [method, path, body] of [
      ['GET', '/admin/users'],
      ['POST', '/admin/users', { username: 'mallory', password: PASSWORDS[0], name: 'Mallory' }],
      ['GET', `/admin/users/${id}`],
      ['PATCH', `/admin/users/${id}`, { name: 'x' }],
      ['DELETE', `/admin/users/${id}`],
    ] as const) {
      const res = await call(method, path, body, token);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized', detail: expect.any(String) });
    }
    expect((await call('GET', '/admin/users')).body.total).toBe(0);
  });

  describe('POST /admin/users', () => {
    it('creates a user: 201 {id, username, name, email, createdAt}', async () => {
      const res = await call('POST', '/admin/users', { username: 'Ada', password: PASSWORDS[0], name: 'Ada Lovelace', email: 'ada@example.com' });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'username']);
      expect(res.body).toMatchObject({ username: 'Ada', name: 'Ada Lovelace', email: 'ada@example.com' });
      expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
      adaId = res.body.id;

      const grace = await call('POST', '/admin/users', { username: 'grace', password: PASSWORDS[3], name: 'Grace Hopper' });
      expect(grace.status).toBe(201);
      expect(grace.body.email).toBeNull();
      graceId = grace.body.id;
    });

    it('answers 409 for a username taken in any case', async () => {
      for (const username of ['Ada', 'ada', 'ADA']) {
        const res = await call('POST', '/admin/users', { username, password: PASSWORDS[1], name: 'Impostor' });
        expect(res.status).toBe(409);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body).toMatchObject({ status: 409, title: 'Conflict' });
      }
      expect(await t.app.get(UsersService).verifyLogin('ada', PASSWORDS[1]!)).toBeNull();
    });

    it('answers 400 naming each failed field', async () => {
      const ok = { username: 'bob', password: PASSWORDS[1], name: 'Bob' };
      const cases: [unknown, string[]][] = [
        [{ ...ok, password: undefined }, ['password']],
        [{ ...ok, password: 'short' }, ['password']],
        [{ ...ok, password: 12345678 }, ['password']],
        [{ ...ok, username: undefined }, ['username']],
        [{ ...ok, username: 'bob smith' }, ['username']],
        [{ ...ok, username: '' }, ['username']],
        [{ ...ok, name: undefined }, ['name']],
        [{ ...ok, email: 'not-an-email' }, ['email']],
        [{ ...ok, disabled: true }, ['disabled']],
        [{ ...ok, passwordHash: '$argon2id$...' }, ['passwordHash']],
        [{}, ['username', 'password', 'name']],
      ];
      for (const [body, fields] of cases) {
        const res = await call('POST', '/admin/users', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.type).toBe('urn:latchkey:problem:validation');
        expect(problemFields(res.body), JSON.stringify(body)).toEqual(fields);
      }
      expect((await call('GET', '/admin/users')).body.total).toBe(2);
    });
  });

  describe('reading and listing', () => {
    it('reads a user, without any password material', async () => {
      const res = await call('GET', `/admin/users/${adaId}`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(USER_FIELDS);
      expect(res.body).toMatchObject({ id: adaId, username: 'Ada', name: 'Ada Lovelace', email: 'ada@example.com', disabled: false });
    });

    it('answers 404 for an unknown or malformed id', async () => {
      for (const id of ['00000000-0000-0000-0000-000000000000', 'not-a-uuid']) {
        const res = await call('GET', `/admin/users/${id}`);
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.status).toBe(404);
      }
    });

    it('lists with limit and offset: {items, total, limit, offset}', async () => {
      for (let i = 0; i < 3; i++) {
        expect((await call('POST', '/admin/users', { username: `user${i}`, password: PASSWORDS[1], name: `User ${i}` })).status).toBe(201);
      }
      const all = await call('GET', '/admin/users');
      expect(all.status).toBe(200);
      expect(Object.keys(all.body).sort()).toEqual(['items', 'limit', 'offset', 'total']);
      expect(all.body).toMatchObject({ total: 5, limit: 50, offset: 0 });
      expect(all.body.items.map((u: { username: string }) => u.username)).toEqual(['Ada', 'grace', 'user0', 'user1', 'user2']);
      for (const item of all.body.items) expect(Object.keys(item).sort()).toEqual(USER_FIELDS);
      const page = await call('GET', '/admin/users?limit=2&offset=3');
      expect(page.body).toMatchObject({ total: 5, limit: 2, offset: 3 });
      expect(page.body.items.map((u: { username: string }) => u.username)).toEqual(['user1', 'user2']);
      const bad = await call('GET', '/admin/users?limit=0&offset=x');
      expect(bad.status).toBe(400);
      expect(problemFields(bad.body)).toEqual(['limit', 'offset']);
    });
  });

  describe('PATCH /admin/users/{id}', () => {
    it('changes name and email, and clears the email with null', async () => {
      const res = await call('PATCH', `/admin/users/${adaId}`, { name: 'Ada King', email: 'ada@example.org' });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(USER_FIELDS);
      expect(res.body).toMatchObject({ id: adaId, username: 'Ada', name: 'Ada King', email: 'ada@example.org' });
      expect((await call('PATCH', `/admin/users/${adaId}`, { email: null })).body.email).toBeNull();
      expect((await call('GET', `/admin/users/${adaId}`)).body).toMatchObject({ name: 'Ada King', email: null });
    });

    it('changes the password: the old one stops working, the credentials are marked changed', async () => {
      const users = t.app.get(UsersService);
      const dataSource = t.app.get(DataSource);
      const changedAt = async () => (await dataSource.query(`SELECT credentials_changed_at FROM users WHERE id = $1`, [adaId]))[0].credentials_changed_at as Date;
      expect((await users.verifyLogin('ada', PASSWORDS[0]!))?.id).toBe(adaId);
      const before = await changedAt();
      const res = await call('PATCH', `/admin/users/${adaId}`, { password: PASSWORDS[2] });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(USER_FIELDS);
      expect((await changedAt()).getTime()).toBeGreaterThan(before.getTime());
      expect(await users.verifyLogin('ada', PASSWORDS[0]!)).toBeNull();
      expect((await users.verifyLogin('ADA', PASSWORDS[2]!))?.id).toBe(adaId);
    });

    it('refuses invalid changes with 400 naming the field, and unknown users with 404', async () => {
      for (const [body, field] of [
        [{ password: 'short' }, 'password'],
        [{ email: 'nope' }, 'email'],
        [{ name: '' }, 'name'],
        [{ disabled: 'no' }, 'disabled'],
        [{ username: 'renamed' }, 'username'],
      ] as const) {
        const res = await call('PATCH', `/admin/users/${adaId}`, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(problemFields(res.body)).toEqual([field]);
      }
      expect((await call('PATCH', '/admin/users/00000000-0000-0000-0000-000000000000', { name: 'x' })).status).toBe(404);
      expect((await call('PATCH', '/admin/users/not-a-uuid', { name: 'x' })).status).toBe(404);
    });
  });

  describe('DELETE /admin/users/{id}', () => {
    it('disables the user (204), revokes their grants, and keeps the record', async () => {
      const dataSource = t.app.get(DataSource);
      await dataSource.query(`INSERT INTO clients (client_id, name, profile, type) VALUES ('app', 'App', 'standard', 'public')`);
      const grants = t.app.get(GrantsService);
      const mine = await grants.create({ clientId: 'app', userId: graceId, scope: 'openid' });
      const others = await grants.create({ clientId: 'app', userId: adaId, scope: 'openid' });
      expect(await t.app.get(UsersService).verifyLogin('grace', PASSWORDS[3]!)).not.toBeNull();

      const res = await call('DELETE', `/admin/users/${graceId}`);
      expect(res.status).toBe(204);
      expect(res.body).toBeUndefined();
      expect((await call('GET', `/admin/users/${graceId}`)).body).toMatchObject({ id: graceId, disabled: true });
      expect((await grants.get(mine.id))?.revokedAt).toBeInstanceOf(Date);
      expect((await grants.get(others.id))?.revokedAt).toBeNull();
      expect(await t.app.get(UsersService).verifyLogin('grace', PASSWORDS[3]!)).toBeNull();
      expect((await call('DELETE', `/admin/users/${graceId}`)).status).toBe(204); // idempotent
    });

    it('answers 404 for an unknown user', async () => {
      expect((await call('DELETE', '/admin/users/00000000-0000-0000-0000-000000000000')).status).toBe(404);
      expect((await call('DELETE', '/admin/users/not-a-uuid')).status).toBe(404);
    });
  });

  describe('passwords at rest and in answers', () => {
    it('never shows a password or its hash in any answer', () => {
      expect(answers.length).toBeGreaterThan(30);
      for (const text of answers) {
        for (const password of PASSWORDS) expect(text).not.toContain(password);
        expect(text).not.toMatch(/\$argon2|"(password|passwordHash|password_hash)":/);
      }
    });

    it('stores argon2id hashes only: no plaintext password in the users table', async () => {
      const rows = await t.app.get(DataSource).query(`SELECT * FROM users`);
      expect(rows).toHaveLength(5);
      const text = JSON.stringify(rows);
      for (const password of PASSWORDS) expect(text).not.toContain(password);
      for (const row of rows) expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it('documents the routes in the OpenAPI document', async () => {
      const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
      for (const path of ['/admin/users', '/admin/users/{id}']) {
        expect(Object.keys(doc.paths)).toContain(path);
        for (const operation of Object.values(doc.paths[path]!)) expect(operation.tags).toEqual(['admin: users']);
      }
    });
  });
});
