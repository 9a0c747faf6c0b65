import { OAUTH_ERROR_CODES, OAuthError, type InvalidGrantReason } from '@latchkey/token-exchange';
import { describe, expect, it } from 'vitest';
import { renderAwsSigninError } from './aws-signin-error.renderer.js';

const rendered = (error: OAuthError) => {
  const r = renderAwsSigninError(error);
  return { status: r.status, type: r.headers?.['x-amzn-ErrorType'], body: r.body.json, xml: r.body.xml };
};

describe('renderAwsSigninError', () => {
  it('renders every core error code with the x-amzn-ErrorType header and {error, message}', () => {
    for (const code of OAUTH_ERROR_CODES) {
      const r = rendered(new OAuthError(code, 'why'));
      expect(['ValidationException', 'AccessDeniedException', 'TooManyRequestsError', 'InternalServerException']).toContain(r.type);
      expect(Object.keys(r.body as object)).toEqual(['error', 'message']);
      expect(r.xml).toEqual({ root: r.type, content: r.body });
    }
  });

  it.each<[InvalidGrantReason | undefined, string]>([
    ['code_invalid', 'AUTHCODE_EXPIRED'],
    ['code_expired', 'AUTHCODE_EXPIRED'],
    ['code_reused', 'AUTHCODE_EXPIRED'],
    ['pkce_failed', 'AUTHCODE_EXPIRED'],
    ['redirect_uri_mismatch', 'AUTHCODE_EXPIRED'],
    ['token_invalid', 'TOKEN_EXPIRED'],
    ['token_expired', 'TOKEN_EXPIRED'],
    ['token_reused', 'TOKEN_EXPIRED'],
    ['token_revoked', 'TOKEN_EXPIRED'],
    ['credentials_changed', 'USER_CREDENTIALS_CHANGED'],
    ['client_mismatch', 'INSUFFICIENT_PERMISSIONS'],
    [undefined, 'TOKEN_EXPIRED'],
  ])('invalid_grant (%s) is AccessDeniedException 400 %s', (reason, code) => {
    expect(rendered(new OAuthError('invalid_grant', 'no', { reason }))).toMatchObject({ status: 400, type: 'AccessDeniedException', body: { error: code, message: 'no' } });
  });

  it('ValidationException 400 INVALID_REQUEST, keeping 406, 413 and 415', () => {
    expect(rendered(new OAuthError('invalid_request', 'bad'))).toMatchObject({ status: 400, type: 'ValidationException', body: { error: 'INVALID_REQUEST', message: 'bad' } });
    expect(rendered(new OAuthError('invalid_request', 'accept', { status: 406 })).status).toBe(406);
    expect(rendered(new OAuthError('invalid_request', 'media', { status: 415 })).status).toBe(415);
    expect(rendered(new OAuthError('invalid_request', 'big', { status: 413 })).status).toBe(413);
    // invalid_client is 401 in the core; AWS has no 401 here.
    expect(rendered(new OAuthError('invalid_client', 'x'))).toMatchObject({ status: 400, type: 'ValidationException', body: { error: 'INVALID_REQUEST' } });
    expect(rendered(new OAuthError('invalid_dpop_proof', 'proof'))).toMatchObject({ status: 400, type: 'ValidationException', body: { error: 'INVALID_REQUEST', message: 'proof' } });
  });

  it('INSUFFICIENT_PERMISSIONS for a client that may not do this', () => {
    expect(rendered(new OAuthError('unauthorized_client', 'nope'))).toMatchObject({ status: 400, type: 'AccessDeniedException', body: { error: 'INSUFFICIENT_PERMISSIONS', message: 'nope' } });
  });

  it('TooManyRequestsError 429 INVALID_REQUEST', () => {
    expect(rendered(new OAuthError('too_many_requests', 'Too many requests. Try again in 7 seconds.', { retryAfter: 7 }))).toEqual({
      status: 429,
      type: 'TooManyRequestsError',
      body: { error: 'INVALID_REQUEST', message: 'Too many requests. Try again in 7 seconds.' },
      xml: { root: 'TooManyRequestsError', content: { error: 'INVALID_REQUEST', message: 'Too many requests. Try again in 7 seconds.' } },
    });
  });

  it('InternalServerException 500 server_error, never the detail; 503 service_unavailable while the database is away', () => {
    const internal = rendered(OAuthError.from(new Error('SELECT secret FROM somewhere failed')));
    expect(internal).toMatchObject({ status: 500, type: 'InternalServerException', body: { error: 'server_error' } });
    expect(JSON.stringify(internal.body)).not.toContain('SELECT');
    expect(rendered(OAuthError.from(Object.assign(new Error('down'), { code: 'ECONNREFUSED' })))).toMatchObject({
      status: 503,
      type: 'InternalServerException',
      body: { error: 'service_unavailable' },
    });
  });

  it('marks errors no-store like the tokens', () => {
    expect(renderAwsSigninError(new OAuthError('invalid_grant', 'x')).headers).toMatchObject({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  });
});
