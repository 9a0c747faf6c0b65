import { writeXml } from '@latchkey/negotiation';
import { OAUTH_ERROR_CODES, OAuthError } from '@latchkey/token-exchange';
import { describe, expect, it } from 'vitest';
import { renderMidnightError } from './midnight-error.renderer.js';

describe('renderMidnightError', () => {
  it('hides an unexpected failure behind ASP.NET\'s 500 {"Message":"An error has occurred."}', () => {
    const response = renderMidnightError(OAuthError.from(new Error('relation "clients" does not exist')));
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body.json)).toBe('{"Message":"An error has occurred."}');
    expect(writeXml(response.body.xml)).toBe('<Error><Message>An error has occurred.</Message></Error>');
  });

  it('names core parameters by the model\'s field names in ModelState', () => {
    const response = renderMidnightError(new OAuthError('invalid_request', 'The code_verifier parameter is required.', { field: 'code_verifier' }));
    expect(response.body.json).toEqual({ Message: 'The request is invalid.', ModelState: { 'model.CodeVerifier': ['The code_verifier parameter is required.'] } });
  });

  it('renders every core error code, with a 4xx as 400 unless it is about the HTTP exchange itself', () => {
    for (const code of OAUTH_ERROR_CODES) {
      const { status, body } = renderMidnightError(new OAuthError(code, 'why'));
      expect(body.json).toHaveProperty('Message');
      if (code === 'server_error') expect(status).toBe(500);
      else if (code === 'temporarily_unavailable') expect(status).toBe(503);
      else if (code === 'too_many_requests') expect(status).toBe(429);
      else expect(status).toBe(400);
    }
    expect(renderMidnightError(new OAuthError('invalid_request', 'x', { status: 406 })).status).toBe(406);
  });
});
