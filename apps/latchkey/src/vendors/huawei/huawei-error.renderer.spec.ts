import { writeXml } from '@latchkey/negotiation';
import { OAUTH_ERROR_CODES, OAuthError } from '@latchkey/token-exchange';
import { describe, expect, it } from 'vitest';
import { renderHuaweiError } from './huawei-error.renderer.js';

describe('renderHuaweiError', () => {
  it('hides an unexpected failure behind 500 server_error', () => {
    const response = renderHuaweiError(OAuthError.from(new Error('relation "clients" does not exist')));
    expect(response.status).toBe(500);
    expect(response.body.json).toEqual({ error: 'server_error', error_description: 'The server encountered an unexpected condition.' });
    expect(writeXml(response.body.xml)).toBe(
      '<ErrorResponse><error>server_error</error><error_description>The server encountered an unexpected condition.</error_description></ErrorResponse>',
    );
  });

  it('renders every core error code as {error, error_description} with the code itself', () => {
    for (const code of OAUTH_ERROR_CODES) {
      const { status, body } = renderHuaweiError(new OAuthError(code, 'why'));
      expect(Object.keys(body.json as object)).toEqual(['error', 'error_description']);
      expect((body.json as { error: string }).error).toBe(code);
      expect(status).toBe(code === 'invalid_client' ? 401 : code === 'server_error' ? 500 : code === 'temporarily_unavailable' ? 503 : code === 'too_many_requests' ? 429 : 400);
    }
  });

  it('uses the vendor\'s text for an invalid, expired or used code only', () => {
    for (const reason of ['code_invalid', 'code_expired', 'code_reused'] as const) {
      expect(renderHuaweiError(new OAuthError('invalid_grant', 'x', { reason })).body.json).toEqual({ error: 'invalid_grant', error_description: 'Invalid authorization code' });
    }
    expect(renderHuaweiError(new OAuthError('invalid_grant', 'The refresh token has expired.', { reason: 'token_expired' })).body.json).toEqual({
      error: 'invalid_grant',
      error_description: 'The refresh token has expired.',
    });
  });
});
