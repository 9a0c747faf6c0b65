import { OAuthError } from '../oauth-error.js';

/** A required request parameter, or invalid_request naming it. */
export function requireParameter(value: string | undefined, name: string): string {
  if (value === undefined || value === '') {
    throw new OAuthError('invalid_request', `The ${name} parameter is required.`, { field: name });
  }
  return value;
}

/** RFC 6749 §3.3: the requested scope, which must lie within what is allowed. */
export function narrowScope(requested: string | undefined, allowed: string): string {
  if (requested === undefined || requested.trim() === '') return allowed;
  const allowedSet = new Set(allowed.split(' ').filter(Boolean));
  const asked = [...new Set(requested.split(' ').filter(Boolean))];
  const beyond = asked.filter((s) => !allowedSet.has(s));
  if (beyond.length) {
    throw new OAuthError('invalid_scope', `The scope ${beyond.map((s) => `"${s}"`).join(', ')} is not allowed.`, { field: 'scope' });
  }
  return asked.join(' ');
}
