import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ClientEntity } from '@latchkey/persistence';
import { ACCESS_KEY_ID } from '@latchkey/tokens';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenIntrospectionService } from './token-introspection.service.js';
import { accessTokenFormat, TokenIssuance } from './token-issuance.js';
import { SIGV4_TOKEN_TYPE, type TokenResult } from './token-result.js';
import { FIXTURE_ISSUER, openTokenFixture, type TokenFixture } from './token-services.fixture.js';
import { UserinfoService } from './userinfo.service.js';

const AWS_CLIENT = 'arn:aws:signin:::devtools/same-device';

/** The sigv4 access-token format: issuance by client profile, userinfo by SigV4 signature, introspection by key id. */
describe('SigV4 credentials as access tokens', () => {
  let f: TokenFixture;
  let issuance: TokenIssuance;
  let userinfo: UserinfoService;
  let introspection: TokenIntrospectionService;

  beforeAll(async () => {
    f = await openTokenFixture('sigv4_access');
    issuance = new TokenIssuance(f.signer, f.issuedTokens, f.users, f.sigv4);
    userinfo = new UserinfoService(f.env, f.accessTokens, f.dpop, f.users, f.sigv4Requests);
    introspection = new TokenIntrospectionService(f.env, f.authenticator, f.accessTokens, f.refreshTokens, f.users, f.sigv4, f.issuedTokens);
    await f.dataSource.query(
      `INSERT INTO clients (client_id, name, profile, type, grant_types, scopes, access_token_ttl) VALUES
         ($1, 'AWS CLI', 'aws-signin', 'public', '{authorization_code,refresh_token}', '{openid,profile}', 3600),
         ('arn:aws:signin:::devtools/cross-device', 'AWS CLI', 'aws-signin', 'public', '{authorization_code,refresh_token}', '{openid}', 300)`,
      [AWS_CLIENT],
    );
  });
  afterAll(() => f?.db.close());

  const client = async (clientId: string) => (await f.dataSource.query(`SELECT client_id AS "clientId", profile, access_token_ttl AS "accessTokenTtl" FROM clients WHERE client_id = $1`, [clientId]))[0] as ClientEntity;

  async function issue(clientId = AWS_CLIENT, scope = 'openid profile'): Promise<TokenResult & { grantId: string }> {
    const grant = await f.grants.create({ clientId, userId: f.adaId, scope });
    const plan = await f.dataSource.transaction((m) =>
      client(clientId).then((c) => issuance.recordAccessToken({ client: c, subject: f.adaId, userId: f.adaId, grantId: grant.id, scope, dpopJkt: 'jkt-ignored' }, m)),
    );
    const result = await issuance.complete({ plan, idToken: {} });
    return { ...result, grantId: grant.id };
  }

  async function signed(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }, path = '/oauth2/userinfo') {
    const signer = new SignatureV4({ credentials, region: 'us-west-2', service: 'signin', sha256: Sha256 });
    const out = await signer.sign({ method: 'GET', protocol: 'https:', hostname: 'id.example.test', path, query: {}, headers: { host: 'id.example.test' } });
    const headers = Object.fromEntries(Object.entries(out.headers).map(([k, v]) => [k.toLowerCase(), v]));
    return { method: 'GET' as const, urls: [`${FIXTURE_ISSUER}/oauth2/userinfo`], target: '/oauth2/userinfo', headers, authorization: headers.authorization };
  }

  it('chooses the format by client profile: sigv4 for aws-signin only', () => {
    expect(accessTokenFormat({ profile: 'aws-signin' })).toBe('sigv4');
    for (const profile of ['standard', 'midnight', 'huawei', 'dressipi'] as const) expect(accessTokenFormat({ profile })).toBe('jwt');
  });

  it('issues credentials, recorded in the transaction, for at most 900 s, never DPoP-bound; the ID token has no at_hash', async () => {
    const result = await issue();
    expect(result.credentials).toMatchObject({ tokenType: SIGV4_TOKEN_TYPE, accessKeyId: expect.stringMatching(ACCESS_KEY_ID) });
    expect(result.credentials!.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(f.sigv4.accessKeyIdOf(result.credentials!.sessionToken)).toBe(result.credentials!.accessKeyId);
    expect(result).toMatchObject({ accessToken: result.credentials!.accessKeyId, expiresIn: 900, tokenType: 'Bearer', scope: 'openid profile', clientId: AWS_CLIENT });
    const [row] = await f.dataSource.query(`SELECT kind, grant_id, client_id, user_id, scope, dpop_jkt, expires_at - created_at AS lifetime FROM issued_tokens WHERE id = $1`, [
      result.accessToken,
    ]);
    expect(row).toMatchObject({ kind: 'sigv4_credentials', grant_id: result.grantId, client_id: AWS_CLIENT, user_id: f.adaId, scope: 'openid profile', dpop_jkt: null });
    expect(row.lifetime).toMatchObject({ minutes: 15 });
    const idToken = decodeJwt(result.idToken!);
    expect(idToken).toMatchObject({ sub: f.adaId, aud: AWS_CLIENT, name: 'Ada Lovelace' });
    expect(idToken.at_hash).toBeUndefined();

    expect((await issue('arn:aws:signin:::devtools/cross-device', 'openid')).expiresIn).toBe(300);
  });

  it('still issues JWTs to other profiles', async () => {
    const result = await issue('app', 'openid');
    expect(result.credentials).toBeUndefined();
    expect(decodeJwt(result.accessToken)).toMatchObject({ client_id: 'app', sub: f.adaId });
  });

  it('answers userinfo for a request signed with the credentials, and refuses a tampered or foreign one', async () => {
    const { credentials } = await issue();
    const request = await signed(credentials!);
    expect(await userinfo.userinfo(request)).toEqual({ sub: f.adaId, name: 'Ada Lovelace' });

    await expect(userinfo.userinfo({ ...request, target: '/oauth2/userinfo?x=1' })).rejects.toMatchObject({ code: 'invalid_token', status: 401 });
    await expect(userinfo.userinfo({ ...request, headers: { ...request.headers, 'x-amz-date': '20200101T000000Z' } })).rejects.toMatchObject({ code: 'invalid_token' });
    const other = await issue();
    await expect(userinfo.userinfo(await signed({ ...credentials!, secretAccessKey: other.credentials!.secretAccessKey }))).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(userinfo.userinfo({ ...request, method: 'POST', bodyToken: 'x' })).rejects.toMatchObject({ code: 'invalid_request' });
    // The key id is no bearer token.
    await expect(userinfo.userinfo({ method: 'GET', urls: [], authorization: `Bearer ${credentials!.accessKeyId}` })).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('refuses credentials whose grant was revoked', async () => {
    const { credentials, grantId } = await issue();
    await f.grants.revoke(grantId);
    await expect(userinfo.userinfo(await signed(credentials!))).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('introspects the access key id (and the session token) for confidential clients', async () => {
    const { credentials, grantId } = await issue();
    const expected = {
      active: true,
      scope: 'openid profile',
      client_id: AWS_CLIENT,
      username: 'ada',
      token_type: SIGV4_TOKEN_TYPE,
      token_use: 'access_token',
      exp: Math.floor(credentials!.expiresAt.getTime() / 1000),
      iat: Math.floor(credentials!.expiresAt.getTime() / 1000) - 900,
      sub: f.adaId,
      iss: FIXTURE_ISSUER,
      jti: credentials!.accessKeyId,
    };
    expect(await introspection.introspect({ client: f.clients.app, token: credentials!.accessKeyId })).toEqual(expected);
    expect(await introspection.introspect({ client: f.clients.other, token: credentials!.sessionToken })).toEqual(expected);
    await expect(introspection.introspect({ client: { method: 'none', clientId: AWS_CLIENT }, token: credentials!.accessKeyId })).rejects.toMatchObject({
      code: 'invalid_client',
    });
    expect(await introspection.introspect({ client: f.clients.app, token: 'ASIA0000000000000000' })).toEqual({ active: false });
    await f.grants.revoke(grantId);
    expect(await introspection.introspect({ client: f.clients.app, token: credentials!.accessKeyId })).toEqual({ active: false });
  });
});
