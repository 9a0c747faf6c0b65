import { ServerSecrets, validateEnvironment } from '@latchkey/config';
import { ClientRegistry } from '@latchkey/clients';
import { generateOpaqueToken, KeyEncryption, SecretDigester } from '@latchkey/crypto';
import { GrantsService } from '@latchkey/grants';
import { RefreshTokenService } from '@latchkey/refresh-rotation';
import { IssuedTokensService, JwtAccessTokenVerifier, Sigv4CredentialsService, Sigv4RequestVerifier, SigningKeysService, TokenSigner, type AccessTokenInput } from '@latchkey/tokens';
import { PasswordHasher, UsersService } from '@latchkey/users';
import { randomBytes } from 'node:crypto';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { ClientAuthenticator } from './client-authenticator.js';
import { DpopProofVerifier } from './dpop/dpop-proof.verifier.js';
import { InMemoryReplayCache } from './dpop/replay-cache.js';

/**
 * For the specs of the revocation, introspection and userinfo services: a migrated
 * database with the real collaborators (no mocks), two confidential clients (`app`,
 * `other`) and a public one (`spa`), two users, and `issue()`, which records and signs
 * tokens the way the token endpoint does.
 */
export const FIXTURE_ISSUER = 'https://id.example.test';

export async function openTokenFixture(label: string) {
  const db = await openTestDatabase(label);
  const dataSource = db.dataSource;
  const env = validateEnvironment({ ISSUER: FIXTURE_ISSUER });
  const secrets = ServerSecrets.fromKeyEncryptionKey(randomBytes(32));
  const digester = new SecretDigester(secrets);
  const grants = new GrantsService(dataSource);
  const keys = new SigningKeysService(dataSource, new KeyEncryption(secrets));
  await keys.onApplicationBootstrap();
  const signer = new TokenSigner(env, keys);
  const issuedTokens = new IssuedTokensService(dataSource);
  const accessTokens = new JwtAccessTokenVerifier(env, keys, issuedTokens);
  const refreshTokens = new RefreshTokenService(dataSource, digester, grants);
  const authenticator = new ClientAuthenticator(new ClientRegistry(dataSource, digester, grants));
  const users = new UsersService(dataSource, new PasswordHasher(), grants);
  const dpop = new DpopProofVerifier(new InMemoryReplayCache());
  const sigv4 = new Sigv4CredentialsService(dataSource, new KeyEncryption(secrets), issuedTokens, secrets);
  const sigv4Requests = new Sigv4RequestVerifier(sigv4);

  const secret = { app: generateOpaqueToken(), other: generateOpaqueToken() };
  await dataSource.query(
    `INSERT INTO clients (client_id, name, profile, type, secret_digest, grant_types, scopes) VALUES
       ('app', 'App', 'standard', 'confidential', $1, '{authorization_code,refresh_token,client_credentials}', '{openid,profile,email}'),
       ('other', 'Other', 'standard', 'confidential', $2, '{authorization_code,refresh_token}', '{openid}'),
       ('spa', 'SPA', 'standard', 'public', NULL, '{authorization_code,refresh_token}', '{openid}')`,
    [digester.digest(secret.app), digester.digest(secret.other)],
  );
  const [{ id: adaId }] = await dataSource.query(`INSERT INTO users (username, name, email) VALUES ('ada', 'Ada Lovelace', 'ada@example.com') RETURNING id`);
  const [{ id: bobId }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('bob', 'Bob') RETURNING id`);

  /** A grant with one access token and (unless clientCredentials) its first refresh token. */
  async function issue(
    over: { clientId?: string; userId?: string | null; scope?: string; dpopJkt?: string; refreshJkt?: string; access?: Partial<AccessTokenInput> } = {},
  ) {
    const clientId = over.clientId ?? 'app';
    const userId = over.userId === undefined ? adaId : over.userId;
    const scope = over.scope ?? 'openid profile email';
    const grant = userId ? await grants.create({ clientId, userId, scope }) : null;
    const plan = signer.planAccessToken({
      clientId,
      subject: userId ?? clientId,
      userId,
      grantId: grant?.id ?? null,
      scope,
      expiresIn: 600,
      dpopJkt: over.dpopJkt,
      ...over.access,
    });
    await issuedTokens.recordAccessToken(plan);
    const accessToken = (await signer.signAccessToken(plan)).token;
    const refresh = grant
      ? await refreshTokens.issue({ grantId: grant.id, clientId, userId, scope, dpopJkt: over.refreshJkt, ttlSeconds: 3600, familyTtlSeconds: 86_400 })
      : undefined;
    return { plan, accessToken, refreshToken: refresh?.token, refreshExpiresAt: refresh?.expiresAt, grantId: grant?.id ?? null };
  }

  const clients = {
    app: { method: 'client_secret_basic' as const, clientId: 'app', secret: secret.app },
    other: { method: 'client_secret_post' as const, clientId: 'other', secret: secret.other },
    spa: { method: 'none' as const, clientId: 'spa' },
  };

  return { db, dataSource, env, grants, signer, accessTokens, issuedTokens, refreshTokens, authenticator, users, dpop, sigv4, sigv4Requests, adaId: adaId as string, bobId: bobId as string, clients, issue };
}

export type TokenFixture = Awaited<ReturnType<typeof openTokenFixture>>;
