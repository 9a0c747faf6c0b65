import { describe, expect, it } from 'vitest';
import { OAuthError } from './oauth-error.js';
import { hintedFirst, lookupOrder, requireToken } from './presented-token.js';

describe('presented tokens', () => {
  const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
  const opaque = 'tGzv3JOkF0XG5Qx2TlKWIAtGzv3JOkF0XG5Qx2TlKWI';

  it('looks up only the kind a token can be, whatever the hint says', () => {
    expect(lookupOrder(jwt)).toEqual(['access_token']);
    expect(lookupOrder(jwt, 'refresh_token')).toEqual(['access_token']);
    expect(lookupOrder(opaque)).toEqual(['refresh_token']);
    expect(lookupOrder(opaque, 'access_token')).toEqual(['refresh_token']);
  });

  it('puts the hinted kind first and ignores unknown hints', () => {
    expect(hintedFirst('refresh_token')).toEqual(['refresh_token', 'access_token']);
    expect(hintedFirst('access_token')).toEqual(['access_token', 'refresh_token']);
    expect(hintedFirst('id_token')).toEqual(['access_token', 'refresh_token']);
    expect(hintedFirst()).toEqual(['access_token', 'refresh_token']);
  });

  it('skips anything that is neither shape, or too long to be ours', () => {
    expect(lookupOrder('has spaces')).toEqual([]);
    expect(lookupOrder('a.b')).toEqual([]);
    expect(lookupOrder('a+b/c=')).toEqual([]);
    expect(lookupOrder('x'.repeat(8193))).toEqual([]);
  });

  it('requires the token parameter (invalid_request naming the field)', () => {
    expect(requireToken('abc')).toBe('abc');
    for (const missing of [undefined, '']) {
      const error = (() => {
        try {
          requireToken(missing);
        } catch (e) {
          return e;
        }
      })() as OAuthError;
      expect(error).toBeInstanceOf(OAuthError);
      expect(error).toMatchObject({ code: 'invalid_request', status: 400, field: 'token' });
    }
  });
});
