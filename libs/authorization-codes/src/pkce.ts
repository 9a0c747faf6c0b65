import { createHash, timingSafeEqual } from 'node:crypto';

/** PKCE methods (RFC 7636 §4.2). `plain` only where a client is configured for it. */
export const PKCE_METHODS = ['S256', 'plain'] as const;
export type PkceMethod = (typeof PKCE_METHODS)[number];

/** RFC 7636 §4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge is BASE64URL(SHA-256(verifier)) without padding: 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function isCodeVerifier(value: unknown): value is string {
  return typeof value === 'string' && VERIFIER.test(value);
}

/** Whether `challenge` is well formed for `method` (a plain challenge is a verifier). */
export function isCodeChallenge(challenge: string, method: PkceMethod): boolean {
  return method === 'S256' ? S256_CHALLENGE.test(challenge) : VERIFIER.test(challenge);
}

/** BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) (RFC 7636 §4.2). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** What the code was issued with. Both null when the authorization request used no PKCE. */
export interface PkceBinding {
  codeChallenge: string | null;
  codeChallengeMethod: PkceMethod | null;
}

export type PkceVerification =
  | { ok: true }
  | {
      ok: false;
      /**
       * - missing_verifier: the code has a challenge, the token request no code_verifier;
       * - unexpected_verifier: a code_verifier for a code issued without PKCE, refused
       *   so that PKCE cannot be downgraded (RFC 9700 §2.1.1);
       * - malformed_verifier: not 43-128 unreserved characters (RFC 7636 §4.1);
       * - mismatch: the verifier does not transform into the challenge.
       */
      reason: 'missing_verifier' | 'unexpected_verifier' | 'malformed_verifier' | 'mismatch';
    };

/**
 * RFC 7636 §4.6: the server transforms the verifier by the method the code was issued
 * with and compares it with the stored challenge, in constant time. `plain` is only
 * ever used for a code that was issued with `plain` (which the issuing side allows only
 * for clients configured so).
 */
export function verifyPkce(binding: PkceBinding, codeVerifier: string | null | undefined): PkceVerification {
  const presented = codeVerifier ?? undefined;
  if (binding.codeChallenge === null || binding.codeChallengeMethod === null) {
    return presented === undefined ? { ok: true } : { ok: false, reason: 'unexpected_verifier' };
  }
  if (presented === undefined || presented === '') return { ok: false, reason: 'missing_verifier' };
  if (!isCodeVerifier(presented)) return { ok: false, reason: 'malformed_verifier' };
  const derived = binding.codeChallengeMethod === 'S256' ? s256Challenge(presented) : presented;
  return constantTimeEqual(derived, binding.codeChallenge) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  // The length of a challenge is no secret (43 for S256); only the content is compared in constant time.
  return x.length === y.length && timingSafeEqual(x, y);
}
