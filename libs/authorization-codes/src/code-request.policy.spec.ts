import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { CodeRequestPolicy, type CodeRequest } from './code-request.policy.js';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const PLAIN = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

describe('CodeRequestPolicy', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dataSource: DataSource;
  let policy: CodeRequestPolicy;
  let userId: string;
  let disabledUserId: string;
  let anonymousOfOther: string;

  beforeAll(async () => {
    db = await openTestDatabase('code_policy');
    dataSource = db.dataSource;
    policy = new CodeRequestPolicy(dataSource);
    await dataSource.query(`
      INSERT INTO clients (client_id, name, profile, type, secret_digest, redirect_uris, grant_types, scopes, require_pkce, allow_plain_pkce, disabled) VALUES
        ('spa', 'SPA', 'standard', 'public', NULL, '{https://spa.example/cb}', '{authorization_code,refresh_token}', '{openid,profile,email}', true, false, false),
        ('plainy', 'Plain', 'standard', 'public', NULL, '{https://plain.example/cb}', '{authorization_code}', '{}', true, true, false),
        ('backend', 'Backend', 'standard', 'confidential', '\\x00', '{https://backend.example/cb}', '{authorization_code}', '{}', false, false, false),
        ('strict', 'Strict', 'standard', 'confidential', '\\x00', '{https://strict.example/cb}', '{authorization_code}', '{}', true, false, false),
        ('machine', 'Machine', 'standard', 'confidential', '\\x00', '{https://machine.example/cb}', '{client_credentials}', '{}', false, false, false),
        ('off', 'Off', 'standard', 'public', NULL, '{https://off.example/cb}', '{authorization_code}', '{}', true, false, true)`);
    [{ id: userId }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('ada', 'Ada') RETURNING id`);
    [{ id: disabledUserId }] = await dataSource.query(`INSERT INTO users (username, name, disabled) VALUES ('bob', 'Bob', true) RETURNING id`);
    [{ id: anonymousOfOther }] = await dataSource.query(
      `INSERT INTO users (username, name, owner_client_id) VALUES ('anon-1', 'Anonymous', 'backend') RETURNING id`,
    );
  });
  afterAll(() => db?.close());

  const spa = (over: Partial<CodeRequest> = {}): CodeRequest => ({
    clientId: 'spa',
    userId,
    redirectUri: 'https://spa.example/cb',
    codeChallenge: CHALLENGE,
    codeChallengeMethod: 'S256',
    ...over,
  });
  const failure = async (request: CodeRequest) => {
    const result = await policy.check(request);
    return result.ok ? 'ok' : result.field;
  };

  it('accepts a good request, with the scope normalized and defaulting to the client scopes', async () => {
    const ok = await policy.check(spa({ scope: 'openid  profile openid' }));
    expect(ok).toMatchObject({ ok: true, scope: 'openid profile', codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' });
    expect(ok.ok && ok.client.clientId).toBe('spa');
    expect(ok.ok && ok.user.id).toBe(userId);
    expect(await policy.check(spa())).toMatchObject({ ok: true, scope: 'openid profile email' });
    expect(await policy.check(spa({ scope: '' }))).toMatchObject({ ok: true, scope: '' });
  });

  it('names clientId for an unknown, disabled or non-code client', async () => {
    expect(await failure(spa({ clientId: 'nope' }))).toBe('clientId');
    expect(await failure(spa({ clientId: 'off', redirectUri: 'https://off.example/cb' }))).toBe('clientId');
    expect(await failure({ clientId: 'machine', userId, redirectUri: 'https://machine.example/cb' })).toBe('clientId');
  });

  it('compares redirectUri byte for byte', async () => {
    for (const redirectUri of ['https://spa.example/cb/', 'https://SPA.example/cb', 'https://spa.example/cb?x=1', 'https://spa.example/c', '']) {
      expect(await failure(spa({ redirectUri }))).toBe('redirectUri');
    }
  });

  it('names userId for an unknown, malformed, disabled user, or another client’s anonymous profile', async () => {
    expect(await failure(spa({ userId: '00000000-0000-4000-8000-000000000000' }))).toBe('userId');
    expect(await failure(spa({ userId: 'ada' }))).toBe('userId');
    expect(await failure(spa({ userId: disabledUserId }))).toBe('userId');
    expect(await failure(spa({ userId: anonymousOfOther }))).toBe('userId');
    expect(await failure({ clientId: 'backend', userId: anonymousOfOther, redirectUri: 'https://backend.example/cb' })).toBe('ok');
  });

  it('requires PKCE for public clients and requirePkce clients, S256 unless plain is allowed', async () => {
    expect(await failure(spa({ codeChallenge: undefined, codeChallengeMethod: undefined }))).toBe('codeChallenge');
    expect(await failure({ clientId: 'strict', userId, redirectUri: 'https://strict.example/cb' })).toBe('codeChallenge');
    expect(await failure({ clientId: 'backend', userId, redirectUri: 'https://backend.example/cb' })).toBe('ok');
    // plain, explicit or by default (RFC 7636 §4.3), only where allowed
    expect(await failure(spa({ codeChallenge: PLAIN, codeChallengeMethod: 'plain' }))).toBe('codeChallengeMethod');
    expect(await failure(spa({ codeChallenge: CHALLENGE, codeChallengeMethod: undefined }))).toBe('codeChallengeMethod');
    const plainy = { clientId: 'plainy', userId, redirectUri: 'https://plain.example/cb' };
    expect(await policy.check({ ...plainy, codeChallenge: PLAIN })).toMatchObject({ ok: true, codeChallengeMethod: 'plain' });
    expect(await policy.check({ ...plainy, codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' })).toMatchObject({ ok: true });
    // malformed challenges, and a method without a challenge
    expect(await failure(spa({ codeChallenge: 'short' }))).toBe('codeChallenge');
    expect(await failure(spa({ codeChallenge: PLAIN.replace('-', '.') }))).toBe('codeChallenge');
    expect(await failure({ ...plainy, codeChallenge: 'a'.repeat(42), codeChallengeMethod: 'plain' })).toBe('codeChallenge');
    expect(await failure({ clientId: 'backend', userId, redirectUri: 'https://backend.example/cb', codeChallengeMethod: 'S256' })).toBe(
      'codeChallenge',
    );
  });

  it('keeps scope within the client scopes when it lists any', async () => {
    expect(await failure(spa({ scope: 'openid admin' }))).toBe('scope');
    expect(await failure(spa({ scope: 'openid "quoted"' }))).toBe('scope');
    expect(await policy.check({ clientId: 'backend', userId, redirectUri: 'https://backend.example/cb', scope: 'anything:goes' })).toMatchObject({
      ok: true,
      scope: 'anything:goes',
    });
  });
});
