import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ServerSecrets } from '@latchkey/config';
import { KeyEncryption } from '@latchkey/crypto';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { IssuedTokensService } from './issued-tokens.service.js';
import { ACCESS_KEY_ID, SIGV4_MAX_LIFETIME_SECONDS, Sigv4CredentialsService, type Sigv4CredentialsPlan } from './sigv4-credentials.service.js';
import { Sigv4RequestVerifier } from './sigv4-request.verifier.js';

describe('Sigv4CredentialsService and Sigv4RequestVerifier', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let secrets: ServerSecrets;
  let service: Sigv4CredentialsService;
  let verifier: Sigv4RequestVerifier;
  let userId: string;
  let grantId: string;

  beforeAll(async () => {
    db = await openTestDatabase('sigv4_credentials');
    secrets = ServerSecrets.fromKeyEncryptionKey(randomBytes(32));
    service = new Sigv4CredentialsService(db.dataSource, new KeyEncryption(secrets), new IssuedTokensService(db.dataSource), secrets);
    verifier = new Sigv4RequestVerifier(service);
    await db.dataSource.query(
      `INSERT INTO clients (client_id, name, profile, type) VALUES ('arn:aws:signin:::devtools/same-device', 'CLI', 'aws-signin', 'public')`,
    );
    [{ id: userId }] = await db.dataSource.query(`INSERT INTO users (username, name) VALUES ('ada', 'Ada') RETURNING id`);
    [{ id: grantId }] = await db.dataSource.query(
      `INSERT INTO grants (client_id, user_id, scope) VALUES ('arn:aws:signin:::devtools/same-device', $1, 'openid') RETURNING id`,
      [userId],
    );
  });
  afterAll(() => db?.close());

  async function issue(expiresIn = 900): Promise<Sigv4CredentialsPlan> {
    const plan = service.plan({ clientId: 'arn:aws:signin:::devtools/same-device', userId, grantId, scope: 'openid', expiresIn });
    await service.record(plan);
    return plan;
  }

  async function signedRequest(plan: Pick<Sigv4CredentialsPlan, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>, signingDate = new Date()) {
    const signer = new SignatureV4({ credentials: plan, region: 'eu-central-1', service: 'execute-api', sha256: Sha256 });
    const out = await signer.sign(
      { method: 'GET', protocol: 'https:', hostname: 'id.example.test', path: '/oauth2/userinfo', query: {}, headers: { host: 'id.example.test' } },
      { signingDate },
    );
    return { method: 'GET', url: '/oauth2/userinfo', headers: Object.fromEntries(Object.entries(out.headers).map(([k, v]) => [k.toLowerCase(), v])) };
  }

  it('plans AWS-shaped credentials with at most 900 seconds of life', () => {
    const plan = service.plan({ clientId: 'c', userId, grantId, scope: 'openid', expiresIn: 3600 });
    expect(plan.accessKeyId).toMatch(ACCESS_KEY_ID);
    expect(plan.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(plan.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(plan.expiresIn).toBe(SIGV4_MAX_LIFETIME_SECONDS);
    expect(plan.expiresAt.getTime() - plan.issuedAt.getTime()).toBe(900_000);
    expect(service.plan({ clientId: 'c', userId, grantId, scope: '', expiresIn: 60 }).expiresIn).toBe(60);
    const other = service.plan({ clientId: 'c', userId, grantId, scope: '', expiresIn: 60 });
    expect(other.accessKeyId).not.toBe(plan.accessKeyId);
    expect(other.secretAccessKey).not.toBe(plan.secretAccessKey);
  });

  it('stores the record with the secret encrypted and bound to the key id', async () => {
    const plan = await issue();
    const [row] = await db.dataSource.query(`SELECT kind, grant_id, client_id, user_id, scope, expires_at, secret_encrypted FROM issued_tokens WHERE id = $1`, [
      plan.accessKeyId,
    ]);
    expect(row).toMatchObject({ kind: 'sigv4_credentials', grant_id: grantId, client_id: 'arn:aws:signin:::devtools/same-device', user_id: userId, scope: 'openid' });
    expect(new Date(row.expires_at).getTime()).toBe(plan.expiresAt.getTime());
    expect(Buffer.from(row.secret_encrypted).includes(Buffer.from(plan.secretAccessKey))).toBe(false);
    const encryption = new KeyEncryption(secrets);
    expect(encryption.decrypt(row.secret_encrypted, `sigv4-secret:${plan.accessKeyId}`).toString()).toBe(plan.secretAccessKey);
    expect(() => encryption.decrypt(row.secret_encrypted, 'sigv4-secret:ASIAAAAAAAAAAAAAAAAA')).toThrow();

    const resolved = await service.resolve(plan.accessKeyId);
    expect(resolved?.secretAccessKey).toBe(plan.secretAccessKey);
    expect(resolved?.record).toMatchObject({ kind: 'sigv4_credentials', active: true, userId, grantId, secretEncrypted: null });
    expect(await service.resolve('ASIA0000000000000000')).toBeNull();
  });

  it('resolves session tokens to their key id, and nothing else', async () => {
    const plan = service.plan({ clientId: 'c', userId, grantId, scope: '', expiresIn: 60 });
    expect(service.accessKeyIdOf(plan.sessionToken)).toBe(plan.accessKeyId);
    const forged = Buffer.from(plan.sessionToken, 'base64');
    forged[5] = forged[5]! ^ 1;
    expect(service.accessKeyIdOf(forged.toString('base64'))).toBeNull();
    const otherServer = ServerSecrets.fromKeyEncryptionKey(randomBytes(32));
    const foreign = new Sigv4CredentialsService(db.dataSource, new KeyEncryption(otherServer), new IssuedTokensService(db.dataSource), otherServer);
    expect(service.accessKeyIdOf(foreign.sessionTokenFor(plan.accessKeyId))).toBeNull();
    expect(service.accessKeyIdOf(undefined)).toBeNull();
    expect(service.accessKeyIdOf('not a token')).toBeNull();
  });

  it('accepts a request signed by the SDK signer with live credentials', async () => {
    const plan = await issue();
    const result = await verifier.verify(await signedRequest(plan));
    expect(result).toMatchObject({ ok: true, record: { id: plan.accessKeyId, userId, scope: 'openid' } });
  });

  it('refuses a wrong secret, a foreign session token, a stale date, unknown keys and tampering', async () => {
    const plan = await issue();
    const other = await issue();
    const reason = async (request: Awaited<ReturnType<typeof signedRequest>>, now?: Date) => {
      const result = await verifier.verify(request, now);
      return result.ok ? 'ok' : result.reason;
    };
    expect(await reason(await signedRequest({ ...plan, secretAccessKey: other.secretAccessKey }))).toBe('signature');
    expect(await reason(await signedRequest({ ...plan, sessionToken: other.sessionToken }))).toBe('session_token');
    const good = await signedRequest(plan);
    expect(await reason({ ...good, url: '/oauth2/userinfo?x=1' })).toBe('signature');
    expect(await reason(good, new Date(Date.now() + 16 * 60_000))).toBe('date');
    expect(await reason(await signedRequest(plan, new Date(Date.now() - 16 * 60_000)))).toBe('date');
    expect(await reason(await signedRequest(plan, new Date(Date.now() - 14 * 60_000)))).toBe('ok');
    expect(await reason({ ...good, headers: { ...good.headers, authorization: 'AWS4-HMAC-SHA256 nonsense' } })).toBe('malformed');
    const unknown = service.plan({ clientId: 'c', userId, grantId, scope: '', expiresIn: 60 });
    expect(await reason(await signedRequest(unknown))).toBe('unknown_key');
  });

  it('refuses revoked and expired credentials', async () => {
    const revoked = await issue();
    await db.dataSource.query(`UPDATE issued_tokens SET revoked_at = now() WHERE id = $1`, [revoked.accessKeyId]);
    expect(await verifier.verify(await signedRequest(revoked))).toEqual({ ok: false, reason: 'inactive' });
    const expired = await issue(1);
    await db.dataSource.query(`UPDATE issued_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.accessKeyId]);
    expect(await verifier.verify(await signedRequest(expired))).toEqual({ ok: false, reason: 'inactive' });
  });
});
