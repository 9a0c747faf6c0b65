import { ServerSecrets, validateEnvironment } from '@latchkey/config';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PendingAuthorization } from './authorization-request.js';
import { INTERACTION_LIFETIME_SECONDS, InteractionTokens } from './interaction-token.service.js';
import { SessionTokens } from './session-token.service.js';

const env = validateEnvironment({ ISSUER: 'https://id.example.com', NODE_ENV: 'test' });
const secrets = ServerSecrets.fromKeyEncryptionKey(randomBytes(32));
const tokens = new InteractionTokens(secrets, env);

const request: PendingAuthorization = {
  clientId: 'spa',
  redirectUri: 'https://spa.example/cb',
  scope: 'openid profile',
  state: 'xyz',
  nonce: 'n-0S6',
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  codeChallengeMethod: 'S256',
  dpopJkt: null,
  prompt: ['login'],
  maxAge: 300,
  loginHint: 'ada',
};

/** Replaces the payload of a compact JWS, keeping its header and signature. */
function withPayload(jws: string, change: (claims: Record<string, any>) => void): string {
  const [header, payload, signature] = jws.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  change(claims);
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

describe('InteractionTokens', () => {
  it('round-trips the validated request for the browser that holds the binding', async () => {
    const binding = tokens.newBrowserBinding();
    expect(binding).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const value = await tokens.seal(request, binding);
    expect(value.split('.')).toHaveLength(3);
    expect(decodeProtectedHeader(value)).toEqual({ alg: 'HS256', typ: 'latchkey-interaction+jwt' });
    expect(await tokens.open(value, binding)).toEqual({ ok: true, request });
    // The binding travels only as a digest.
    expect(Buffer.from(value.split('.')[1]!, 'base64url').toString()).not.toContain(binding);
  });

  it('refuses a value whose request was altered, or whose signature was', async () => {
    const binding = tokens.newBrowserBinding();
    const value = await tokens.seal(request, binding);
    const redirected = withPayload(value, (c) => (c.req.redirectUri = 'https://evil.example/cb'));
    const noPkce = withPayload(value, (c) => (c.req.codeChallenge = null));
    const signature = value.slice(0, -2) + (value.endsWith('AA') ? 'BB' : 'AA');
    for (const bad of [redirected, noPkce, signature, 'garbage', `${value}.x`]) {
      expect(await tokens.open(bad, binding)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(await tokens.open(undefined, binding)).toEqual({ ok: false, reason: 'missing' });
    expect(await tokens.open('', binding)).toEqual({ ok: false, reason: 'missing' });
  });

  it('expires after 10 minutes', async () => {
    const binding = tokens.newBrowserBinding();
    const issuedAt = new Date('2026-01-01T10:00:00Z');
    const value = await tokens.seal(request, binding, issuedAt);
    const at = (seconds: number) => new Date(issuedAt.getTime() + seconds * 1000);
    expect((await tokens.open(value, binding, at(INTERACTION_LIFETIME_SECONDS - 1))).ok).toBe(true);
    expect(await tokens.open(value, binding, at(INTERACTION_LIFETIME_SECONDS))).toEqual({ ok: false, reason: 'expired' });
    expect(await tokens.open(value, binding, at(3600))).toEqual({ ok: false, reason: 'expired' });
    // A forged later expiry breaks the signature.
    const extended = withPayload(value, (c) => (c.exp += 3600));
    expect(await tokens.open(extended, binding, at(INTERACTION_LIFETIME_SECONDS + 1))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a value posted by a browser without the matching cookie (login CSRF)', async () => {
    const value = await tokens.seal(request, tokens.newBrowserBinding());
    expect(await tokens.open(value, undefined)).toEqual({ ok: false, reason: 'other_browser' });
    expect(await tokens.open(value, tokens.newBrowserBinding())).toEqual({ ok: false, reason: 'other_browser' });
  });

  it('accepts nothing signed with another key or for another purpose', async () => {
    const binding = tokens.newBrowserBinding();
    // Another server (another KEY_ENCRYPTION_KEY), or another issuer.
    const otherServer = new InteractionTokens(ServerSecrets.fromKeyEncryptionKey(randomBytes(32)), env);
    expect(await tokens.open(await otherServer.seal(request, binding), binding)).toEqual({ ok: false, reason: 'invalid' });
    const otherIssuer = new InteractionTokens(secrets, validateEnvironment({ ISSUER: 'https://other.example.com', NODE_ENV: 'test' }));
    expect(await tokens.open(await otherIssuer.seal(request, binding), binding)).toEqual({ ok: false, reason: 'invalid' });
    // A session cookie of the same server is no interaction (its own key and typ).
    const session = await new SessionTokens(secrets, env).seal('8a7c3b9e-0000-4000-8000-000000000001', new Date());
    expect(await tokens.open(session, binding)).toEqual({ ok: false, reason: 'invalid' });
    // The raw key-encryption key does not sign interactions either (HKDF with its own info).
    const withKek = await new SignJWT({ req: request, bnd: 'x' })
      .setProtectedHeader({ alg: 'HS256', typ: 'latchkey-interaction+jwt' })
      .setIssuer('https://id.example.com')
      .setAudience('https://id.example.com/oauth2/authorize')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secrets.keyEncryptionKey);
    expect(await tokens.open(withKek, binding)).toEqual({ ok: false, reason: 'invalid' });
    // alg none is never accepted.
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'latchkey-interaction+jwt' })).toString('base64url')}.${withKek.split('.')[1]}.`;
    expect(await tokens.open(none, binding)).toEqual({ ok: false, reason: 'invalid' });
  });
});
