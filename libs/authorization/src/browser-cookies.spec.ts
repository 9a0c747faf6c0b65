import { describe, expect, it } from 'vitest';
import { parseCookieHeader, serializeCookie } from './browser-cookies.js';

describe('browser cookies', () => {
  it('reads a Cookie header, first value of a name winning', () => {
    expect(parseCookieHeader('a=1; latchkey_session=x.y.z;b="q"; a=2; junk')).toEqual({ a: '1', latchkey_session: 'x.y.z', b: 'q' });
    expect(parseCookieHeader(undefined)).toEqual({});
  });

  it('writes HttpOnly, SameSite=Lax cookies, Secure on request, and deletions', () => {
    expect(serializeCookie('s', 'a.b-c_d', { path: '/', maxAge: 60, secure: false })).toBe('s=a.b-c_d; Path=/; Max-Age=60; HttpOnly; SameSite=Lax');
    expect(serializeCookie('s', 'v', { path: '/x', maxAge: 60, secure: true })).toBe('s=v; Path=/x; Max-Age=60; HttpOnly; SameSite=Lax; Secure');
    expect(serializeCookie('s', '', { path: '/', maxAge: 0, secure: false })).toMatch(/^s=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970/);
    expect(() => serializeCookie('s', 'a;b', { path: '/', maxAge: 1, secure: false })).toThrow();
  });
});
