import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import { ServerSecrets } from '@latchkey/config';
import { SecretDigester } from '@latchkey/crypto';
import { GrantsService } from '@latchkey/grants';
import { MAX_TOKEN_LIFETIME_SECONDS } from '@latchkey/tokens';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { ClientRegistry } from './client-registry.service.js';
import { isRedirectUriAllowed, LIMITS } from './client-rules.js';
import type { RegisterClientInput } from './client.dto.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The 400's field errors, or a failure when the promise did not reject with a 400. */
async function fieldErrors(promise: Promise<unknown>): Promise<{ field: string; message: string }[]> {
  const error = await promise.then(
    () => expect.unreachable('expected a 400'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BadRequestException);
  return ((error as BadRequestException).getResponse() as { errors: { field: string; message: string }[] }).errors;
}

describe('ClientRegistry', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dataSource: DataSource;
  let digester: SecretDigester;
  let registry: ClientRegistry;

  const web: RegisterClientInput = {
    name: 'Web',
    profile: 'standard',
    type: 'confidential',
    redirectUris: ['https://app.example.com/callback'],
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  };

  beforeAll(async () => {
    db = await openTestDatabase('clients');
    dataSource = db.dataSource;
    digester = new SecretDigester(ServerSecrets.fromKeyEncryptionKey(randomBytes(32)));
    registry = new ClientRegistry(dataSource, digester, new GrantsService(dataSource));
  });
  afterAll(() => db?.close());

  /** The stored row with every column as text (bytea as hex), for "is the plaintext here?" checks. */
  async function storedRowText(clientId: string): Promise<string> {
    const [row] = await dataSource.query(`SELECT * FROM clients WHERE client_id = $1`, [clientId]);
    return JSON.stringify(row, (_key, value) => {
      if (value && value.type === 'Buffer' && Array.isArray(value.data)) {
        const bytes = Buffer.from(value.data);
        return `${bytes.toString('hex')} ${bytes.toString('latin1')} ${bytes.toString('base64')} ${bytes.toString('base64url')}`;
      }
      return value;
    });
  }

  describe('registration', () => {
    it('gives a confidential client a 256-bit secret, once, and stores only its HMAC digest', async () => {
      const created = await registry.register({ ...web, clientId: 'web-app' });
      expect(created.clientId).toBe('web-app');
      expect(created.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(created.clientSecret!, 'base64url')).toHaveLength(32);
      expect(created).not.toHaveProperty('apiKey');
      expect(created).toMatchObject({
        profile: 'standard',
        type: 'confidential',
        accessTokenTtl: 3600,
        refreshTokenTtl: 2592000,
        refreshFamilyTtl: 7776000,
        refreshGraceSeconds: 0,
        issueRefreshToken: true,
        requirePkce: false,
        allowPlainPkce: false,
        domain: null,
        disabled: false,
        scopes: [],
      });
      expect(created.createdAt).toBeInstanceOf(Date);

      const [row] = await dataSource.query(`SELECT secret_digest, api_key_digest FROM clients WHERE client_id = 'web-app'`);
      expect(Buffer.compare(row.secret_digest, digester.digest(created.clientSecret!))).toBe(0);
      expect(row.api_key_digest).toBeNull();
      expect(await storedRowText('web-app')).not.toContain(created.clientSecret!);

      const read = await registry.read('web-app');
      expect(read).not.toHaveProperty('clientSecret');
      expect(JSON.stringify(read)).not.toMatch(/secret|digest/i);
    });

    it('gives every dressipi client an API key, and a public client no secret', async () => {
      const anonymous = await registry.register({ name: 'Dressipi web', profile: 'dressipi', type: 'public', redirectUris: ['urn:ietf:wg:oauth:2.0:oob:auto'], grantTypes: ['authorization_code'] });
      expect(anonymous.apiKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(anonymous).not.toHaveProperty('clientSecret');
      expect(anonymous.requirePkce).toBe(true);
      // The vendor's documented expires_in is the default of a dressipi client; other profiles keep 3600.
      expect(anonymous.accessTokenTtl).toBe(86_400);
      expect((await registry.register({ ...web, clientId: 'dressipi-short', profile: 'dressipi', accessTokenTtl: 900 })).accessTokenTtl).toBe(900);
      const [row] = await dataSource.query(`SELECT secret_digest, api_key_digest FROM clients WHERE client_id = $1`, [anonymous.clientId]);
      expect(row.secret_digest).toBeNull();
      expect(Buffer.compare(row.api_key_digest, digester.digest(anonymous.apiKey!))).toBe(0);
      expect(await storedRowText(anonymous.clientId)).not.toContain(anonymous.apiKey!);

      const both = await registry.register({ ...web, profile: 'dressipi' });
      expect(both.apiKey).toBeDefined();
      expect(both.clientSecret).toBeDefined();
      expect(both.apiKey).not.toBe(both.clientSecret);
      const text = await storedRowText(both.clientId);
      expect(text).not.toContain(both.apiKey!);
      expect(text).not.toContain(both.clientSecret!);
    });

    it('generates a random client id when none is given', async () => {
      const a = await registry.register(web);
      const b = await registry.register(web);
      expect(a.clientId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(b.clientId).not.toBe(a.clientId);
    });

    it('requires an ARN client id of the two known shapes for aws-signin', async () => {
      const aws: RegisterClientInput = { name: 'AWS CLI', profile: 'aws-signin', type: 'public', redirectUris: ['http://127.0.0.1/oauth/callback'], grantTypes: ['authorization_code', 'refresh_token'] };
      expect(await fieldErrors(registry.register(aws))).toEqual([expect.objectContaining({ field: 'clientId' })]);
      for (const clientId of ['arn:aws:signin:::devtools/other', 'arn:aws:signin:::devtools/same-device/', 'ARN:aws:signin:::devtools/same-device', 'web-app']) {
        expect((await fieldErrors(registry.register({ ...aws, clientId })))[0]!.field).toBe('clientId');
      }
      const created = await registry.register({ ...aws, clientId: 'arn:aws:signin:::devtools/same-device' });
      expect(created.clientId).toBe('arn:aws:signin:::devtools/same-device');
      expect((await registry.read('arn:aws:signin:::devtools/same-device')).profile).toBe('aws-signin');
      // Other profiles may not take ids that no URL could carry.
      expect((await fieldErrors(registry.register({ ...web, clientId: '..' })))[0]!.field).toBe('clientId');
      expect((await fieldErrors(registry.register({ ...web, clientId: 'x'.repeat(101) })))[0]!.field).toBe('clientId');
    });

    it('refuses a duplicate client id with 409, leaving the first one intact', async () => {
      await expect(registry.register({ ...web, clientId: 'web-app' })).rejects.toBeInstanceOf(ConflictException);
      await expect(registry.register({ ...web, clientId: 'arn:aws:signin:::devtools/same-device', profile: 'aws-signin', type: 'public', grantTypes: ['authorization_code', 'refresh_token'] })).rejects.toBeInstanceOf(ConflictException);
      expect((await registry.read('web-app')).name).toBe('Web');
    });

    it('requires refresh tokens of aws-signin clients (the vendor always answers one)', async () => {
      const aws = { name: 'CLI', profile: 'aws-signin' as const, type: 'public' as const, clientId: 'arn:aws:signin:::devtools/cross-device', redirectUris: ['http://127.0.0.1/oauth/callback'] };
      expect(await fieldErrors(registry.register({ ...aws, grantTypes: ['authorization_code'] }))).toEqual([{ field: 'grantTypes', message: expect.stringContaining('refresh_token') }]);
      expect(await fieldErrors(registry.register({ ...aws, grantTypes: ['authorization_code', 'refresh_token'], issueRefreshToken: false }))).toEqual([
        { field: 'grantTypes', message: expect.stringContaining('issueRefreshToken') },
      ]);
    });

    it('enforces the rules that tie settings together', async () => {
      expect((await fieldErrors(registry.register({ ...web, profile: 'midnight' })))[0]).toMatchObject({ field: 'domain' });
      expect((await registry.register({ ...web, profile: 'midnight', domain: 'shop.example' })).domain).toBe('shop.example');
      expect((await fieldErrors(registry.register({ ...web, type: 'public', grantTypes: ['authorization_code'], requirePkce: false })))[0]).toMatchObject({ field: 'requirePkce' });
      expect((await fieldErrors(registry.register({ ...web, type: 'public' })))[0]).toMatchObject({ field: 'grantTypes' });
      expect((await fieldErrors(registry.register({ ...web, redirectUris: [] })))[0]).toMatchObject({ field: 'redirectUris' });
      expect((await fieldErrors(registry.register({ ...web, redirectUris: ['https://app.example.com/cb#frag'] })))[0]).toMatchObject({ field: 'redirectUris' });
      expect((await fieldErrors(registry.register({ ...web, redirectUris: ['/relative'] })))[0]).toMatchObject({ field: 'redirectUris' });
      expect((await fieldErrors(registry.register({ ...web, grantTypes: ['password'] })))[0]).toMatchObject({ field: 'grantTypes' });
      expect((await fieldErrors(registry.register({ ...web, scopes: ['has space'] })))[0]).toMatchObject({ field: 'scopes' });
      expect((await fieldErrors(registry.register({ ...web, accessTokenTtl: 0 })))[0]).toMatchObject({ field: 'accessTokenTtl' });
      // A client that only uses client_credentials needs no redirect URI.
      expect((await registry.register({ ...web, redirectUris: [], grantTypes: ['client_credentials'] })).redirectUris).toEqual([]);
    });

    it('caps accessTokenTtl at the 24 h that libs/tokens signs at most', async () => {
      expect(LIMITS.accessTokenTtl.max).toBe(MAX_TOKEN_LIFETIME_SECONDS);
      expect(MAX_TOKEN_LIFETIME_SECONDS).toBe(86_400);
      expect((await registry.register({ ...web, accessTokenTtl: 86_400 })).accessTokenTtl).toBe(86_400);
      const errors = await fieldErrors(registry.register({ ...web, accessTokenTtl: 86_401 }));
      expect(errors).toEqual([{ field: 'accessTokenTtl', message: 'accessTokenTtl must be an integer from 1 to 86400 (seconds): no access or ID token lives longer than 24 h' }]);
      expect((await fieldErrors(registry.update('web-app', { accessTokenTtl: 86_401 })))[0]).toMatchObject({ field: 'accessTokenTtl' });
    });

    it('stores refreshFamilyTtl and allowPlainPkce, and keeps a family at least as long as its tokens', async () => {
      // allowPlainPkce is accepted for a confidential client without requirePkce: its PKCE is optional, and plain is allowed when it sends one.
      const created = await registry.register({ ...web, refreshTokenTtl: 86_400, refreshFamilyTtl: 604_800, allowPlainPkce: true });
      expect(created).toMatchObject({ refreshTokenTtl: 86_400, refreshFamilyTtl: 604_800, requirePkce: false, allowPlainPkce: true });
      const [row] = await dataSource.query(`SELECT refresh_family_ttl, allow_plain_pkce FROM clients WHERE client_id = $1`, [created.clientId]);
      expect(row).toEqual({ refresh_family_ttl: 604_800, allow_plain_pkce: true });
      expect(await registry.read(created.clientId)).toMatchObject({ refreshFamilyTtl: 604_800, allowPlainPkce: true });
      expect((await registry.findById(created.clientId))?.allowPlainPkce).toBe(true);

      const updated = await registry.update(created.clientId, { refreshFamilyTtl: 86_400, allowPlainPkce: false });
      expect(updated).toMatchObject({ refreshFamilyTtl: 86_400, allowPlainPkce: false });
      expect((await registry.findById(created.clientId))?.allowPlainPkce).toBe(false);
      expect(await registry.update(created.clientId, { name: 'Web' })).toMatchObject({ refreshFamilyTtl: 86_400, allowPlainPkce: false });

      // Equal is fine; shorter than a single token is not, whichever side changes.
      expect(await fieldErrors(registry.update(created.clientId, { refreshFamilyTtl: 86_399 }))).toEqual([
        { field: 'refreshFamilyTtl', message: 'refreshFamilyTtl (86399) must be at least refreshTokenTtl (86400): a refresh token cannot outlive its family' },
      ]);
      expect((await fieldErrors(registry.update(created.clientId, { refreshTokenTtl: 86_401 })))[0]).toMatchObject({ field: 'refreshFamilyTtl' });
      expect((await fieldErrors(registry.register({ ...web, refreshTokenTtl: 8_000_000 })))[0]).toMatchObject({ field: 'refreshFamilyTtl' });
      for (const refreshFamilyTtl of [0, -1, 1.5, LIMITS.refreshFamilyTtl.max + 1]) {
        expect(await fieldErrors(registry.register({ ...web, refreshFamilyTtl }))).toEqual([expect.objectContaining({ field: 'refreshFamilyTtl' })]);
      }
      expect((await registry.read(created.clientId)).refreshTokenTtl).toBe(86_400);
    });
  });

  describe('client authentication', () => {
    it('accepts the secret and nothing else, in constant time against the digest', async () => {
      const { clientId, clientSecret } = await registry.register(web);
      expect((await registry.authenticateSecret(clientId, clientSecret!))?.clientId).toBe(clientId);
      expect(await registry.authenticateSecret(clientId, clientSecret!.slice(0, -1))).toBeNull();
      expect(await registry.authenticateSecret(clientId, `${clientSecret!}x`)).toBeNull();
      expect(await registry.authenticateSecret(clientId, clientSecret!.toUpperCase())).toBeNull();
      expect(await registry.authenticateSecret(clientId, '')).toBeNull();
      expect(await registry.authenticateSecret('no-such-client', clientSecret!)).toBeNull();
      expect(await registry.authenticateSecret('web-app', clientSecret!)).toBeNull();
      // A secret authenticates only as a secret, never as an API key.
      expect(await registry.authenticateApiKey(clientId, clientSecret!)).toBeNull();
    });

    it('never authenticates a public client by secret, nor a disabled client at all', async () => {
      const pub = await registry.register({ ...web, type: 'public', grantTypes: ['authorization_code'] });
      expect(await registry.authenticateSecret(pub.clientId, '')).toBeNull();

      const { clientId, clientSecret, apiKey } = await registry.register({ ...web, profile: 'dressipi' });
      expect(await registry.authenticateSecret(clientId, clientSecret!)).not.toBeNull(); // now cached
      await registry.update(clientId, { disabled: true });
      expect(await registry.authenticateSecret(clientId, clientSecret!)).toBeNull();
      expect(await registry.authenticateApiKey(clientId, apiKey!)).toBeNull();
      await registry.update(clientId, { disabled: false });
      expect(await registry.authenticateSecret(clientId, clientSecret!)).not.toBeNull();
      expect((await registry.authenticateApiKey(clientId, apiKey!))?.clientId).toBe(clientId);
    });

    it('rotates a secret: without grace the old one fails at once', async () => {
      const { clientId, clientSecret: old } = await registry.register(web);
      expect(await registry.authenticateSecret(clientId, old!)).not.toBeNull();
      const rotated = await registry.rotateSecret(clientId);
      expect(rotated).toEqual({ clientId, clientSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
      expect(rotated.clientSecret).not.toBe(old);
      expect(await registry.authenticateSecret(clientId, old!)).toBeNull();
      expect(await registry.authenticateSecret(clientId, rotated.clientSecret)).not.toBeNull();
      const [row] = await dataSource.query(`SELECT previous_secret_digest, previous_secret_expires_at FROM clients WHERE client_id = $1`, [clientId]);
      expect(row).toEqual({ previous_secret_digest: null, previous_secret_expires_at: null });
      expect(await storedRowText(clientId)).not.toContain(rotated.clientSecret);
    });

    it('rotates a secret with grace: the old one works until the grace period ends', async () => {
      const { clientId, clientSecret: old } = await registry.register(web);
      const { clientSecret: next } = await registry.rotateSecret(clientId, 1);
      expect(await registry.authenticateSecret(clientId, old!)).not.toBeNull();
      expect(await registry.authenticateSecret(clientId, next)).not.toBeNull();
      const [row] = await dataSource.query(`SELECT previous_secret_digest, previous_secret_expires_at FROM clients WHERE client_id = $1`, [clientId]);
      expect(Buffer.compare(row.previous_secret_digest, digester.digest(old!))).toBe(0);
      expect(row.previous_secret_expires_at.getTime()).toBeGreaterThan(Date.now());
      await sleep(1100);
      expect(await registry.authenticateSecret(clientId, old!)).toBeNull();
      expect(await registry.authenticateSecret(clientId, next)).not.toBeNull();
      // Rotating again replaces the previous value: only the latest two can ever work.
      const { clientSecret: third } = await registry.rotateSecret(clientId, 60);
      expect(await registry.authenticateSecret(clientId, next)).not.toBeNull();
      expect(await registry.authenticateSecret(clientId, third)).not.toBeNull();
      expect(await registry.authenticateSecret(clientId, old!)).toBeNull();
    });

    it('rotates an API key the same way', async () => {
      const { clientId, apiKey: old } = await registry.register({ ...web, profile: 'dressipi', type: 'public', grantTypes: ['authorization_code'] });
      const { apiKey: next } = await registry.rotateApiKey(clientId, 1);
      expect(next).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await registry.authenticateApiKey(clientId, old!)).not.toBeNull();
      expect(await registry.authenticateApiKey(clientId, next)).not.toBeNull();
      await sleep(1100);
      expect(await registry.authenticateApiKey(clientId, old!)).toBeNull();
      const { apiKey: last } = await registry.rotateApiKey(clientId, 0);
      expect(await registry.authenticateApiKey(clientId, next)).toBeNull();
      expect(await registry.authenticateApiKey(clientId, last)).not.toBeNull();
      const text = await storedRowText(clientId);
      for (const value of [old!, next, last]) expect(text).not.toContain(value);
    });

    it('refuses rotations that make no sense', async () => {
      const pub = await registry.register({ ...web, type: 'public', grantTypes: ['authorization_code'] });
      await expect(registry.rotateSecret(pub.clientId)).rejects.toBeInstanceOf(BadRequestException);
      await expect(registry.rotateApiKey('web-app')).rejects.toBeInstanceOf(BadRequestException);
      await expect(registry.rotateSecret('web-app', -1)).rejects.toBeInstanceOf(BadRequestException);
      await expect(registry.rotateSecret('no-such-client')).rejects.toBeInstanceOf(NotFoundException);
      await expect(registry.rotateApiKey('no-such-client')).rejects.toBeInstanceOf(NotFoundException);
    });
  });

  describe('redirect URIs', () => {
    it('match only byte for byte', () => {
      const client = { redirectUris: ['https://app.example.com/callback', 'http://127.0.0.1:8080/cb?x=1'] };
      expect(isRedirectUriAllowed(client, 'https://app.example.com/callback')).toBe(true);
      expect(registry.isRedirectUriAllowed(client, 'http://127.0.0.1:8080/cb?x=1')).toBe(true);
      // RFC 8252 §7.3: a loopback IP redirect URI matches on any port, the rest exactly.
      expect(isRedirectUriAllowed(client, 'http://127.0.0.1:51234/cb?x=1')).toBe(true);
      expect(isRedirectUriAllowed(client, 'http://127.0.0.1/cb?x=1')).toBe(true);
      expect(isRedirectUriAllowed({ redirectUris: ['http://[::1]/oauth/callback'] }, 'http://[::1]:40000/oauth/callback')).toBe(true);
      for (const uri of [
        'https://app.example.com/callback/',
        'https://APP.example.com/callback',
        'https://app.example.com/Callback',
        'https://app.example.com/callback?x=1',
        'https://app.example.com/callback#',
        'https://app.example.com:443/callback',
        'https://app.example.com/%63allback',
        'http://127.0.0.1:8080/cb',
        'http://127.0.0.1:9090/cb',
        'http://localhost:8080/cb?x=1',
        'http://127.0.0.2:8080/cb?x=1',
        'https://127.0.0.1:8080/cb?x=1',
        'https://app.example.com/callback ',
        '',
        undefined,
      ]) {
        expect(isRedirectUriAllowed(client, uri)).toBe(false);
      }
    });
  });

  describe('reading, changing and deleting', () => {
    it('updates settings, keeps the rules, and shows the change at once', async () => {
      const updated = await registry.update('web-app', { name: 'Web 2', scopes: ['openid', 'admin'], accessTokenTtl: 600, refreshGraceSeconds: 5 });
      expect(updated).toMatchObject({ clientId: 'web-app', name: 'Web 2', scopes: ['openid', 'admin'], accessTokenTtl: 600, refreshGraceSeconds: 5 });
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(updated.createdAt.getTime());
      expect((await registry.findById('web-app'))?.scopes).toEqual(['openid', 'admin']);
      expect((await fieldErrors(registry.update('web-app', { redirectUris: [] })))[0]).toMatchObject({ field: 'redirectUris' });
      const midnight = await registry.register({ ...web, profile: 'midnight', domain: 'shop.example' });
      expect((await fieldErrors(registry.update(midnight.clientId, { domain: null })))[0]).toMatchObject({ field: 'domain' });
      const pub = await registry.register({ ...web, type: 'public', grantTypes: ['authorization_code'] });
      expect((await fieldErrors(registry.update(pub.clientId, { requirePkce: false })))[0]).toMatchObject({ field: 'requirePkce' });
      await expect(registry.update('no-such-client', { name: 'x' })).rejects.toBeInstanceOf(NotFoundException);
      await expect(registry.read('no-such-client')).rejects.toBeInstanceOf(NotFoundException);
    });

    it('lists clients oldest first, paginated', async () => {
      const all = await registry.list({ limit: 200, offset: 0 });
      expect(all.total).toBe(all.items.length);
      expect(all.items[0]!.clientId).toBe('web-app');
      const page = await registry.list({ limit: 2, offset: 1 });
      expect(page).toMatchObject({ total: all.total, limit: 2, offset: 1 });
      expect(page.items.map((c) => c.clientId)).toEqual(all.items.slice(1, 3).map((c) => c.clientId));
      expect(JSON.stringify(all)).not.toMatch(/secret|digest|apiKey/i);
    });

    it('deletes a client after revoking its grants, and forgets it', async () => {
      const { clientId, clientSecret } = await registry.register(web);
      const [{ id: userId }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('grant-holder', 'G') RETURNING id`);
      const grant = await new GrantsService(dataSource).create({ clientId, userId, scope: 'openid' });
      expect(await registry.authenticateSecret(clientId, clientSecret!)).not.toBeNull(); // cached
      await registry.delete(clientId);
      expect(await dataSource.query(`SELECT id FROM grants WHERE id = $1`, [grant.id])).toEqual([]);
      expect(await registry.authenticateSecret(clientId, clientSecret!)).toBeNull();
      expect(await registry.findById(clientId)).toBeNull();
      await expect(registry.read(clientId)).rejects.toBeInstanceOf(NotFoundException);
      await expect(registry.delete(clientId)).rejects.toBeInstanceOf(NotFoundException);
    });

    it('tells the change listeners the id of every client it changes, and serves a stale copy until invalidate()', async () => {
      const changed: string[] = [];
      const stop = registry.onChange((clientId) => {
        changed.push(clientId);
      });
      const other = new ClientRegistry(dataSource, digester, new GrantsService(dataSource)); // another replica
      try {
        const { clientId } = await registry.register(web);
        expect((await other.findById(clientId))?.disabled).toBe(false); // now cached there
        await registry.update(clientId, { disabled: true });
        await registry.rotateSecret(clientId);
        expect((await other.findById(clientId))?.disabled).toBe(false); // stale: nobody told it
        other.invalidate(clientId);
        expect((await other.findById(clientId))?.disabled).toBe(true);
        await registry.delete(clientId);
        expect(changed).toEqual([clientId, clientId, clientId, clientId]);
      } finally {
        stop();
      }
      await registry.update('web-app', { name: 'Web 3' });
      expect(changed).toHaveLength(4); // unsubscribed
    });
  });
});
