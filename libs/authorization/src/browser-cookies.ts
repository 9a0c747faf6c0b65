/** The browser cookies of the authorization endpoint. */
export const SESSION_COOKIE = 'latchkey_session';
export const INTERACTION_COOKIE = 'latchkey_interaction';
/** The interaction cookie is only ever needed by the login form's POST. */
export const INTERACTION_COOKIE_PATH = '/oauth2/authorize';

/** The cookies of a Cookie header (RFC 6265 §5.4); the first of a repeated name wins. */
export function parseCookieHeader(header: string | string[] | undefined): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null);
  const text = Array.isArray(header) ? header.join('; ') : (header ?? '');
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name && !(name in cookies)) cookies[name] = value;
  }
  return cookies;
}

export interface CookieOptions {
  path: string;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  secure: boolean;
}

/**
 * A Set-Cookie value: always HttpOnly and SameSite=Lax (sent on the top-level navigation
 * from the client's site to /oauth2/authorize, never on cross-site subrequests or POSTs),
 * Secure when the issuer is https. Values are base64url or JWS, which need no quoting.
 */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (!/^[A-Za-z0-9_.~-]*$/.test(value)) throw new Error(`cookie ${name}: value is not token-safe`);
  const parts = [`${name}=${value}`, `Path=${options.path}`, `Max-Age=${options.maxAge}`, 'HttpOnly', 'SameSite=Lax'];
  if (options.maxAge === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
