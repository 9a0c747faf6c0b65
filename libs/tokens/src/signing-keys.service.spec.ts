import { ServerSecrets } from '@latchkey/config';
import { KeyEncryption } from '@latchkey/crypto';
import { compactVerify, createLocalJWKSet, importJWK, type JWK, SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { SigningKeysService } from './signing-keys.service.js';
import { RETIRED_KEY_RETENTION_SECONDS } from './token-lifetimes.js';

interface KeyRow {
  kid: string;
  alg: string;
  state: string;
  public_jwk: JWK;
  private_jwk_encrypted: Buffer;
  activated_at: Date | null;
  retired_at: Date | null;
}

describe('SigningKeysService', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let replicaDataSource: DataSource;
  const keyEncryption = new KeyEncryption(ServerSecrets.fromKeyEncryptionKey(randomBytes(32)));
  let keys: SigningKeysService;
  let replica: SigningKeysService;

  const rows = async (): Promise<KeyRow[]> =>
    db.dataSource.query(`SELECT * FROM signing_keys ORDER BY created_at, kid`);

  beforeAll(async () => {
    db = await openTestDatabase('signing_keys');
    // A second pool on the same database: another replica of the service.
    replicaDataSource = await new DataSource(db.dataSource.options).initialize();
  });
  afterAll(async () => {
    await replicaDataSource?.destroy();
    await db?.close();
  });

  it('creates one active and one next key once, however many replicas start together', async () => {
    const services = [db.dataSource, replicaDataSource, db.dataSource, replicaDataSource].map(
      (ds) => new SigningKeysService(ds, keyEncryption),
    );
    await Promise.all(services.map((s) => s.onApplicationBootstrap()));
    const stored = await rows();
    expect(stored.map((r) => r.state).sort()).toEqual(['active', 'next']);
    expect(stored.every((r) => r.alg === 'ES256')).toBe(true);
    const activeKids = await Promise.all(services.map(async (s) => (await s.activeKey()).kid));
    expect(new Set(activeKids)).toEqual(new Set([stored.find((r) => r.state === 'active')!.kid]));
    [keys, replica] = [services[0]!, services[1]!];

    // A later start finds them and creates nothing.
    await new SigningKeysService(db.dataSource, keyEncryption).onApplicationBootstrap();
    expect(await rows()).toHaveLength(2);
  });

  it('stores the private JWK only encrypted, bound to its kid, and the kid is the RFC 7638 thumbprint', async () => {
    for (const row of await rows()) {
      expect(row.public_jwk).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: row.kid, alg: 'ES256', use: 'sig' });
      expect(row.public_jwk).not.toHaveProperty('d');

      const privateJwk = JSON.parse(keyEncryption.decrypt(row.private_jwk_encrypted, row.kid).toString('utf8')) as JWK;
      expect(privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', x: row.public_jwk.x, y: row.public_jwk.y, d: expect.any(String) });
      const d = privateJwk.d!;
      expect(row.private_jwk_encrypted.includes(Buffer.from(d, 'ascii'))).toBe(false);
      expect(row.private_jwk_encrypted.includes(Buffer.from(d, 'base64url'))).toBe(false);
      expect(JSON.stringify(row.public_jwk)).not.toContain(d);
      expect(() => keyEncryption.decrypt(row.private_jwk_encrypted, 'another-kid')).toThrow();

      // The decrypted private key signs what the stored public key verifies.
      const jws = await new SignJWT({ ok: true }).setProtectedHeader({ alg: 'ES256' }).sign(await importJWK(privateJwk, 'ES256'));
      await expect(compactVerify(jws, await importJWK(row.public_jwk, 'ES256'))).resolves.toBeDefined();

      const { calculateJwkThumbprint } = await import('jose');
      expect(row.kid).toBe(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: row.public_jwk.x, y: row.public_jwk.y }));
    }
  });

  it('publishes next and active keys in the JWKS, with kid, alg and use', async () => {
    const jwks = await keys.jwks();
    const stored = await rows();
    expect(jwks.keys.map((k) => k.kid)).toEqual([stored.find((r) => r.state === 'active')!.kid, stored.find((r) => r.state === 'next')!.kid]);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ alg: 'ES256', use: 'sig', kty: 'EC' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('rotates: next → active, active → retired, a new next; the retired key stays published', async () => {
    const before = await rows();
    const oldActive = before.find((r) => r.state === 'active')!;
    const oldNext = before.find((r) => r.state === 'next')!;

    const rotated = await keys.rotate();
    expect(rotated).toMatchObject({ kid: oldNext.kid, alg: 'ES256', state: 'active' });
    expect((await keys.activeKey()).kid).toBe(oldNext.kid);

    const after = await rows();
    expect(after).toHaveLength(3);
    const byKid = new Map(after.map((r) => [r.kid, r]));
    expect(byKid.get(oldActive.kid)).toMatchObject({ state: 'retired', retired_at: expect.any(Date) });
    expect(byKid.get(oldNext.kid)).toMatchObject({ state: 'active', activated_at: expect.any(Date) });
    const newNext = after.find((r) => r.state === 'next')!;
    expect([oldActive.kid, oldNext.kid]).not.toContain(newNext.kid);

    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([oldNext.kid, newNext.kid, oldActive.kid]);
    expect((await keys.list()).map((k) => [k.kid, k.state])).toEqual([
      [oldNext.kid, 'active'],
      [newNext.kid, 'next'],
      [oldActive.kid, 'retired'],
    ]);
    expect(await keys.verificationKey(oldActive.kid)).toMatchObject({ state: 'retired', alg: 'ES256' });
  });

  it('lets another replica pick up a rotation through invalidate(), or by an unknown kid', async () => {
    const onReplicaBefore = (await replica.activeKey()).kid;
    let notified = 0;
    const unsubscribe = keys.onChange(() => void notified++);
    const rotated = await keys.rotate();
    unsubscribe();
    expect(notified).toBe(1);
    expect(rotated.kid).not.toBe(onReplicaBefore);

    // The replica still signs with the key it had (still published, so tokens stay valid)...
    expect((await replica.activeKey()).kid).toBe(onReplicaBefore);
    // ...finds the new kid when a token names it (the ring is re-read at most once a second)...
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await replica.verificationKey(rotated.kid)).toMatchObject({ kid: rotated.kid, state: 'active' });
    // ...and signs with it once told.
    await replica.invalidate();
    expect((await replica.activeKey()).kid).toBe(rotated.kid);
    expect(await replica.verificationKey('no-such-kid')).toBeUndefined();
  });

  it('generates the next key in the algorithm asked for, and activates it at the following rotation', async () => {
    const rotated = await keys.rotate('RS256');
    expect(rotated.alg).toBe('ES256');
    const next = (await keys.list()).find((k) => k.state === 'next')!;
    expect(next.alg).toBe('RS256');
    expect(Object.keys(next.publicJwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);

    const promoted = await keys.rotate();
    expect(promoted).toMatchObject({ kid: next.kid, alg: 'RS256' });
    expect((await keys.activeKey()).alg).toBe('RS256');
    // A plain rotation keeps the algorithm in use.
    expect((await keys.list()).find((k) => k.state === 'next')!.alg).toBe('RS256');
    const jws = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: promoted.kid }).sign((await keys.activeKey()).signingKey);
    await expect(compactVerify(jws, createLocalJWKSet(await keys.jwks()))).resolves.toBeDefined();
  });

  it('unpublishes a retired key once every token it signed has expired, and prunes it at the next rotation', async () => {
    const retired = (await rows()).filter((r) => r.state === 'retired');
    expect(retired.length).toBeGreaterThanOrEqual(2);
    const [old, recent] = retired;
    await db.dataSource.query(`UPDATE signing_keys SET retired_at = now() - $2::int * interval '1 second' WHERE kid = $1`, [
      old!.kid,
      RETIRED_KEY_RETENTION_SECONDS + 1,
    ]);
    await db.dataSource.query(`UPDATE signing_keys SET retired_at = now() - $2::int * interval '1 second' WHERE kid = $1`, [
      recent!.kid,
      RETIRED_KEY_RETENTION_SECONDS - 60,
    ]);
    await keys.invalidate();
    const published = (await keys.jwks()).keys.map((k) => k.kid);
    expect(published).not.toContain(old!.kid);
    expect(published).toContain(recent!.kid);
    expect(await keys.verificationKey(old!.kid)).toBeUndefined();
    expect((await keys.list()).map((k) => k.kid)).not.toContain(old!.kid);

    await keys.rotate();
    const kids = (await rows()).map((r) => r.kid);
    expect(kids).not.toContain(old!.kid);
    expect(kids).toContain(recent!.kid);
  });

  it('recreates an active key from next if the active one has gone', async () => {
    const next = (await rows()).find((r) => r.state === 'next')!;
    await db.dataSource.query(`DELETE FROM signing_keys WHERE state = 'active'`);
    const fresh = new SigningKeysService(db.dataSource, keyEncryption);
    await fresh.onApplicationBootstrap();
    expect((await fresh.activeKey()).kid).toBe(next.kid);
    const states = (await rows()).map((r) => r.state);
    expect(states.filter((s) => s === 'active')).toHaveLength(1);
    expect(states.filter((s) => s === 'next')).toHaveLength(1);
  });

  it('refuses to start under another KEY_ENCRYPTION_KEY, naming it and the key, and changes nothing', async () => {
    const before = await rows();
    const active = before.find((r) => r.state === 'active')!;
    const otherKey = new KeyEncryption(ServerSecrets.fromKeyEncryptionKey(randomBytes(32)));
    const stranger = new SigningKeysService(db.dataSource, otherKey);
    const error = await stranger.onApplicationBootstrap().then(
      () => expect.unreachable('expected start-up to fail'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toBe(
      `cannot decrypt signing key ${active.kid}: KEY_ENCRYPTION_KEY is not the key it was encrypted with ` +
        '(set KEY_ENCRYPTION_KEY, or DATA_DIR, to the one this database was used with)',
    );
    expect((error.cause as Error).message).toMatch(/unable to authenticate data/);
    await expect(stranger.activeKey()).rejects.toThrow(/KEY_ENCRYPTION_KEY/);
    // No key was created, replaced or rotated away.
    expect(await rows()).toEqual(before);
    // The right key still works.
    expect((await new SigningKeysService(db.dataSource, keyEncryption).activeKey()).kid).toBe(active.kid);
  });
});
