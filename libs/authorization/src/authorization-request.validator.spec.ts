import { ClientRegistry } from '@latchkey/clients';
import { ServerSecrets } from '@latchkey/config';
import { SecretDigester } from '@latchkey/crypto';
import { GrantsService } from '@latchkey/grants';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { AuthorizationRequestValidator } from './authorization-request.validator.js';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const PLAIN = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';

describe('AuthorizationRequestValidator', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let validator: AuthorizationRequestValidator;

  beforeAll(async () => {
    db = await openTestDatabase('authz_request');
    const registry = new ClientRegistry(db.dataSource, new SecretDigester(ServerSecrets.fromKeyEncryptionKey(randomBytes(32))), new GrantsService(db.dataSource));
    validator = new AuthorizationRequestValidator(registry);
    await db.dataSource.query(`
      INSERT INTO clients (client_id, name, profile, type, secret_digest, redirect_uris, grant_types, scopes, require_pkce, allow_plain_pkce, disabled) VALUES
        ('spa', 'SPA', 'standard', 'public', NULL, '{https://spa.example/cb}', '{authorization_code,refresh_token}', '{openid,profile,email}', true, false, false),
        ('plainy', 'Plain', 'standard', 'public', NULL, '{https://plain.example/cb}', '{authorization_code}', '{}', true, true, false),
        ('backend', 'Backend', 'standard', 'confidential', '\\x00', '{https://backend.example/cb,https://backend.example/cb2}', '{authorization_code}', '{}', false, false, false),
        ('strict', 'Strict', 'standard', 'confidential', '\\x00', '{https://strict.example/cb}', '{authorization_code}', '{}', true, false, false),
        ('machine', 'Machine', 'standard', 'confidential', '\\x00', '{https://machine.example/cb}', '{client_credentials}', '{}', false, false, false),
        ('off', 'Off', 'standard', 'public', NULL, '{https://off.example/cb}', '{authorization_code}', '{}', true, false, true)`);
  });
  afterAll(() => db?.close());

  const spa = (over: Record<string, string | string[] | undefined> = {}) => ({
    response_type: 'code',
    client_id: 'spa',
    redirect_uri: 'https://spa.example/cb',
    scope: 'openid profile',
    state: 'xyz',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...over,
  });
  /** What the verdict tells the user or client: 'ok', 'page', or the redirected error code. */
  const verdict = async (params: Record<string, unknown>) => {
    const check = await validator.validate(params);
    return check.ok ? 'ok' : check.respond === 'page' ? 'page' : check.error;
  };

  it('accepts a good request and carries everything the code and the form need', async () => {
    const check = await validator.validate(
      spa({ scope: 'openid  profile openid', nonce: 'n-1', prompt: 'login consent', max_age: '300', login_hint: 'ada', dpop_jkt: JKT, ui_locales: 'fr', whatever: 'x' }),
    );
    expect(check).toMatchObject({
      ok: true,
      request: {
        clientId: 'spa',
        redirectUri: 'https://spa.example/cb',
        scope: 'openid profile',
        state: 'xyz',
        nonce: 'n-1',
        codeChallenge: CHALLENGE,
        codeChallengeMethod: 'S256',
        dpopJkt: JKT,
        prompt: ['login', 'consent'],
        maxAge: 300,
        loginHint: 'ada',
      },
    });
    expect(check.ok && check.client.name).toBe('SPA');
    // No scope: null (the client's registered scopes at issue time); empty values count as absent.
    expect(await validator.validate(spa({ scope: undefined, state: '', nonce: '' }))).toMatchObject({ ok: true, request: { scope: null, state: null, nonce: null } });
  });

  it('shows a page, never a redirect, when the client or the redirect URI cannot be trusted', async () => {
    const pages: Record<string, unknown>[] = [
      spa({ client_id: undefined }),
      spa({ client_id: 'nope' }),
      spa({ client_id: 'off', redirect_uri: 'https://off.example/cb' }),
      spa({ client_id: ['spa', 'spa'] }),
      spa({ redirect_uri: 'https://evil.example/cb' }),
      spa({ redirect_uri: 'https://spa.example/cb/' }),
      spa({ redirect_uri: 'HTTPS://spa.example/cb' }),
      spa({ redirect_uri: ['https://spa.example/cb', 'https://evil.example/cb'] }),
      // OpenID Connect requires redirect_uri; a client with two URIs cannot default.
      spa({ redirect_uri: undefined }),
      { response_type: 'code', client_id: 'backend', scope: 'x' },
      // Even with other errors in the request, the page comes first.
      spa({ client_id: 'nope', response_type: 'token' }),
      spa({ redirect_uri: 'https://evil.example/cb', response_type: 'token' }),
    ];
    for (const params of pages) expect(await verdict(params), JSON.stringify(params)).toBe('page');
  });

  it('defaults redirect_uri to the one registered URI of a client for a non-openid request', async () => {
    expect(await validator.validate(spa({ redirect_uri: undefined, scope: 'profile' }))).toMatchObject({ ok: true, request: { redirectUri: 'https://spa.example/cb' } });
  });

  it('sends every other error to the redirect URI with the state', async () => {
    const check = await validator.validate(spa({ response_type: 'token' }));
    expect(check).toEqual({
      ok: false,
      respond: 'redirect',
      redirectUri: 'https://spa.example/cb',
      state: 'xyz',
      error: 'unsupported_response_type',
      description: 'Only response_type=code is supported.',
    });
    const cases: [Record<string, unknown>, string][] = [
      [spa({ response_type: undefined }), 'invalid_request'],
      [spa({ response_type: 'code id_token' }), 'unsupported_response_type'],
      [spa({ response_mode: 'form_post' }), 'invalid_request'],
      [{ ...spa(), client_id: 'machine', redirect_uri: 'https://machine.example/cb' }, 'unauthorized_client'],
      [spa({ scope: 'openid admin' }), 'invalid_scope'],
      [spa({ scope: 'openid "quoted"' }), 'invalid_scope'],
      [spa({ prompt: 'none login' }), 'invalid_request'],
      [spa({ prompt: 'bogus' }), 'invalid_request'],
      [spa({ max_age: 'soon' }), 'invalid_request'],
      [spa({ max_age: '-5' }), 'invalid_request'],
      [spa({ nonce: 'n'.repeat(513) }), 'invalid_request'],
      [spa({ login_hint: 'h'.repeat(257) }), 'invalid_request'],
      [spa({ dpop_jkt: 'short' }), 'invalid_request'],
      [spa({ scope: ['openid', 'profile'] }), 'invalid_request'],
      [spa({ request: 'eyJhbGciOiJub25lIn0.e30.' }), 'request_not_supported'],
      [spa({ request_uri: 'urn:example:1' }), 'request_uri_not_supported'],
    ];
    for (const [params, error] of cases) expect(await verdict(params), JSON.stringify(params)).toBe(error);
    // A repeated state is not echoed.
    expect(await validator.validate(spa({ state: ['a', 'b'] }))).toMatchObject({ ok: false, error: 'invalid_request', state: null });
  });

  describe('PKCE', () => {
    it('requires S256 of public clients and of clients with requirePkce', async () => {
      expect(await verdict(spa({ code_challenge: undefined, code_challenge_method: undefined }))).toBe('invalid_request');
      expect(await verdict(spa({ code_challenge_method: undefined }))).toBe('invalid_request'); // absent = plain
      expect(await verdict(spa({ code_challenge: PLAIN, code_challenge_method: 'plain' }))).toBe('invalid_request');
      expect(await verdict(spa({ code_challenge_method: 'S512' }))).toBe('invalid_request');
      expect(await verdict(spa({ code_challenge: 'short' }))).toBe('invalid_request');
      expect(await verdict(spa({ code_challenge: undefined }))).toBe('invalid_request'); // a method alone
      const strict = { response_type: 'code', client_id: 'strict', redirect_uri: 'https://strict.example/cb' };
      expect(await verdict(strict)).toBe('invalid_request');
      expect(await verdict({ ...strict, code_challenge: CHALLENGE, code_challenge_method: 'S256' })).toBe('ok');
    });

    it('lets a confidential client without requirePkce go without, and plain only where allowed', async () => {
      const backend = { response_type: 'code', client_id: 'backend', redirect_uri: 'https://backend.example/cb2' };
      expect(await validator.validate(backend)).toMatchObject({ ok: true, request: { codeChallenge: null, codeChallengeMethod: null } });
      const plainy = { response_type: 'code', client_id: 'plainy', redirect_uri: 'https://plain.example/cb', code_challenge: PLAIN };
      expect(await validator.validate(plainy)).toMatchObject({ ok: true, request: { codeChallenge: PLAIN, codeChallengeMethod: 'plain' } });
      expect(await validator.validate({ ...plainy, code_challenge_method: 'plain' })).toMatchObject({ ok: true, request: { codeChallengeMethod: 'plain' } });
    });
  });
});
