import { ServerSecrets, validateEnvironment } from '@latchkey/config';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InteractionTokens } from './interaction-token.service.js';
import { SESSION_LIFETIME_SECONDS, SessionTokens } from './session-token.service.js';

const env = validateEnvironment({ ISSUER: 'https://id.example.com', NODE_ENV: 'test' });
const secrets = ServerSecrets.fromKeyEncryptionKey(randomBytes(32));
const sessions = new SessionTokens(secrets, env);
const USER = '8a7c3b9e-0000-4000-8000-000000000001';

describe('SessionTokens', () => {
  it('holds the user id, auth_time and an expiry 8 hours later', async () => {
    const authTime = new Date('2026-01-01T10:00:00Z');
    const value = await sessions.seal(USER, authTime);
    expect(decodeProtectedHeader(value)).toEqual({ alg: 'HS256', typ: 'latchkey-session+jwt' });
    expect(decodeJwt(value)).toEqual({
      iss: 'https://id.example.com',
      sub: USER,
      auth_time: authTime.getTime() / 1000,
      iat: authTime.getTime() / 1000,
      exp: authTime.getTime() / 1000 + SESSION_LIFETIME_SECONDS,
    });
    expect(await sessions.open(value, new Date(authTime.getTime() + 60_000))).toEqual({
      userId: USER,
      authTime,
      expiresAt: new Date(authTime.getTime() + SESSION_LIFETIME_SECONDS * 1000),
    });
  });

  it('expires after 8 hours', async () => {
    const authTime = new Date('2026-01-01T10:00:00Z');
    const value = await sessions.seal(USER, authTime);
    expect(await sessions.open(value, new Date(authTime.getTime() + (SESSION_LIFETIME_SECONDS - 1) * 1000))).not.toBeNull();
    expect(await sessions.open(value, new Date(authTime.getTime() + SESSION_LIFETIME_SECONDS * 1000))).toBeNull();
  });

  it('refuses altered values, other keys and other purposes', async () => {
    const value = await sessions.seal(USER, new Date());
    const [header, payload, signature] = value.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = (change: Record<string, unknown>) =>
      [header, Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url'), signature].join('.');
    expect(await sessions.open(forged({ sub: '8a7c3b9e-0000-4000-8000-000000000002' }))).toBeNull();
    expect(await sessions.open(forged({ auth_time: claims.auth_time + 3600 }))).toBeNull();
    expect(await sessions.open(forged({ exp: claims.exp + 86_400 }))).toBeNull();
    expect(await sessions.open(undefined)).toBeNull();
    expect(await sessions.open('not-a-jws')).toBeNull();
    expect(await sessions.open(await new SessionTokens(ServerSecrets.fromKeyEncryptionKey(randomBytes(32)), env).seal(USER, new Date()))).toBeNull();
    // An interaction value is not a session.
    const interactions = new InteractionTokens(secrets, env);
    const interaction = await interactions.seal(
      { clientId: 'c', redirectUri: 'https://a/cb', scope: null, state: null, nonce: null, codeChallenge: null, codeChallengeMethod: null, dpopJkt: null, prompt: [], maxAge: null, loginHint: null },
      interactions.newBrowserBinding(),
    );
    expect(await sessions.open(interaction)).toBeNull();
  });
});
