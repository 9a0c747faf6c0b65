import { createLocalJWKSet, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuedTokensService, SigningKeysService, TokenSigner } from '@latchkey/tokens';
import { adminRequest, startTestApp, type TestApp } from '../support/test-app.js';

describe('admin: signing keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('admin-keys');
  });
  afterAll(() => t?.close());

  it('lists one active and one next key at start, public parts only', async () => {
    const res = await adminRequest(t, 'GET', '/admin/keys');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['items']);
    expect(res.body.items.map((k: { state: string }) => k.state)).toEqual(['active', 'next']);
    for (const key of res.body.items) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'createdAt', 'kid', 'publicJwk', 'state']);
      expect(key.alg).toBe('ES256');
      expect(new Date(key.createdAt).toISOString()).toBe(key.createdAt);
      expect(key.publicJwk).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: key.kid, alg: 'ES256', use: 'sig' });
    }
    expect(JSON.stringify(res.body)).not.toContain('"d"');
  });

  it('rotates: next becomes active (200), the old active is retired, a new next is published', async () => {
    const before = (await adminRequest(t, 'GET', '/admin/keys')).body.items as Array<{ kid: string; state: string }>;
    const oldActive = before.find((k) => k.state === 'active')!.kid;
    const oldNext = before.find((k) => k.state === 'next')!.kid;

    const rotated = await adminRequest(t, 'POST', '/admin/keys/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ kid: oldNext, alg: 'ES256', state: 'active' });
    expect(rotated.body.publicJwk.kid).toBe(oldNext);

    const after = (await adminRequest(t, 'GET', '/admin/keys')).body.items as Array<{ kid: string; state: string }>;
    expect(after.map((k) => [k.kid === oldNext ? 'old-next' : k.kid === oldActive ? 'old-active' : 'new', k.state])).toEqual([
      ['old-next', 'active'],
      ['new', 'next'],
      ['old-active', 'retired'],
    ]);
    const jwks = await t.app.get(SigningKeysService).jwks();
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual(after.map((k) => k.kid).sort());
  });

  it('signs with the new key after a rotation, and still verifies what the old key signed', async () => {
    const signer = t.app.get(TokenSigner);
    await t.app.get(DataSource).query(`INSERT INTO clients (client_id, name, profile, type) VALUES ('svc', 'Service', 'standard', 'public')`);
    const issue = async () => {
      const plan = signer.planAccessToken({ clientId: 'svc', subject: 'svc', scope: 'admin', expiresIn: 300 });
      await t.app.get(IssuedTokensService).recordAccessToken(plan);
      return (await signer.signAccessToken(plan)).token;
    };
    const before = await issue();
    const rotated = await adminRequest(t, 'POST', '/admin/keys/rotate', {});
    const after = await issue();
    const jwks = createLocalJWKSet(await t.app.get(SigningKeysService).jwks());
    expect((await jwtVerify(after, jwks)).protectedHeader.kid).toBe(rotated.body.kid);
    expect((await jwtVerify(before, jwks)).protectedHeader.kid).not.toBe(rotated.body.kid);
    expect((await adminRequest(t, 'GET', '/admin/keys', undefined, before)).status).toBe(200);
    expect((await adminRequest(t, 'GET', '/admin/keys', undefined, after)).status).toBe(200);
  });

  it('takes the algorithm of the next key, and refuses an unknown one', async () => {
    const rotated = await adminRequest(t, 'POST', '/admin/keys/rotate', { alg: 'RS256' });
    expect(rotated.status).toBe(200);
    expect(rotated.body.alg).toBe('ES256');
    const keys = (await adminRequest(t, 'GET', '/admin/keys')).body.items as Array<{ state: string; alg: string; publicJwk: Record<string, unknown> }>;
    const next = keys.find((k) => k.state === 'next')!;
    expect(next.alg).toBe('RS256');
    expect(Object.keys(next.publicJwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);

    const promoted = await adminRequest(t, 'POST', '/admin/keys/rotate');
    expect(promoted.body).toMatchObject({ alg: 'RS256', state: 'active' });
    const plan = t.app.get(TokenSigner).planAccessToken({ clientId: 'svc', subject: 'svc', expiresIn: 60 });
    const signed = await t.app.get(TokenSigner).signAccessToken(plan);
    expect(signed.kid).toBe(promoted.body.kid);
    const jwks = createLocalJWKSet(await t.app.get(SigningKeysService).jwks());
    expect((await jwtVerify(signed.token, jwks)).protectedHeader.alg).toBe('RS256');

    const bad = await adminRequest(t, 'POST', '/admin/keys/rotate', { alg: 'HS256' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.errors).toEqual([{ field: 'alg', message: expect.any(String) }]);
    const unknownField = await adminRequest(t, 'POST', '/admin/keys/rotate', { kid: 'mine' });
    expect(unknownField.status).toBe(400);
  });

  it('answers 401 without a valid token and 403 without the admin scope', async () => {
    for (const [method, path] of [['GET', '/admin/keys'], ['POST', '/admin/keys/rotate']] as const) {
      const none = await adminRequest(t, method, path, undefined, null);
      expect(none.status).toBe(401);
      expect(none.headers.get('content-type')).toContain('application/problem+json');
      expect((await adminRequest(t, method, path, undefined, 'not-a-token')).status).toBe(401);
    }
    const signer = t.app.get(TokenSigner);
    const plan = signer.planAccessToken({ clientId: 'svc', subject: 'svc', scope: 'read', expiresIn: 60 });
    await t.app.get(IssuedTokensService).recordAccessToken(plan);
    const token = (await signer.signAccessToken(plan)).token;
    const before = (await adminRequest(t, 'GET', '/admin/keys')).body.items;
    expect((await adminRequest(t, 'GET', '/admin/keys', undefined, token)).status).toBe(403);
    expect((await adminRequest(t, 'POST', '/admin/keys/rotate', undefined, token)).status).toBe(403);
    expect((await adminRequest(t, 'GET', '/admin/keys')).body.items).toEqual(before);
  });

  it('documents both operations in the OpenAPI document under "admin: keys"', async () => {
    const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as { paths: Record<string, any> };
    expect(doc.paths['/admin/keys'].get.tags).toEqual(['admin: keys']);
    expect(doc.paths['/admin/keys/rotate'].post.tags).toEqual(['admin: keys']);
    expect(Object.keys(doc.paths['/admin/keys/rotate'].post.responses)).toContain('200');
  });
});
