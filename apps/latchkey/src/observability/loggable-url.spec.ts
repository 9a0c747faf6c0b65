import { describe, expect, it } from 'vitest';
import { loggableUrl } from './loggable-url.js';

describe('loggableUrl', () => {
  it('keeps a URL without credentials as it is', () => {
    expect(loggableUrl('/oauth2/token')).toBe('/oauth2/token');
    expect(loggableUrl('/oauth2/authorize?client_id=app&scope=openid%20profile&code_challenge=abc&state=xyz')).toBe(
      '/oauth2/authorize?client_id=app&scope=openid%20profile&code_challenge=abc&state=xyz',
    );
  });

  it('replaces the value of every credential parameter, in any spelling, however often it comes', () => {
    expect(loggableUrl('/oauth/token?client_id=d&refresh_token=tGzv3JOkF0XG&refresh_token=again')).toBe('/oauth/token?client_id=d&refresh_token=REDACTED');
    expect(loggableUrl('/x?code=SplxlOBeZQQYbYS6WxSbIA&codeVerifier=v&refreshToken=r&Client_Secret=s&X-Amz-Signature=f00')).toBe(
      '/x?code=REDACTED&codeVerifier=REDACTED&refreshToken=REDACTED&Client_Secret=REDACTED&X-Amz-Signature=REDACTED',
    );
  });
});
