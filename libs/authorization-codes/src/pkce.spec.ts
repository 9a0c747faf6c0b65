import { describe, expect, it } from 'vitest';
import { isCodeChallenge, isCodeVerifier, s256Challenge, verifyPkce } from './pkce.js';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 Appendix B', () => {
    expect(s256Challenge(VERIFIER)).toBe(CHALLENGE);
  });

  it('accepts the right S256 verifier and refuses a wrong, missing or malformed one', () => {
    const binding = { codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' as const };
    expect(verifyPkce(binding, VERIFIER)).toEqual({ ok: true });
    expect(verifyPkce(binding, VERIFIER.slice(0, -1) + 'l')).toEqual({ ok: false, reason: 'mismatch' });
    // The challenge itself is not a verifier of itself under S256.
    expect(verifyPkce(binding, CHALLENGE)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyPkce(binding, undefined)).toEqual({ ok: false, reason: 'missing_verifier' });
    expect(verifyPkce(binding, null)).toEqual({ ok: false, reason: 'missing_verifier' });
    expect(verifyPkce(binding, '')).toEqual({ ok: false, reason: 'missing_verifier' });
    expect(verifyPkce(binding, VERIFIER.slice(0, 42))).toEqual({ ok: false, reason: 'malformed_verifier' });
    expect(verifyPkce(binding, 'a'.repeat(129))).toEqual({ ok: false, reason: 'malformed_verifier' });
    expect(verifyPkce(binding, VERIFIER.slice(0, -1) + '+')).toEqual({ ok: false, reason: 'malformed_verifier' });
  });

  it('compares plain verifiers only for codes issued with plain', () => {
    const plain = { codeChallenge: VERIFIER, codeChallengeMethod: 'plain' as const };
    expect(verifyPkce(plain, VERIFIER)).toEqual({ ok: true });
    expect(verifyPkce(plain, VERIFIER + 'x')).toEqual({ ok: false, reason: 'mismatch' });
    // An S256 code never accepts the challenge presented as a plain verifier.
    expect(verifyPkce({ codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' }, CHALLENGE).ok).toBe(false);
  });

  it('refuses a verifier for a code issued without PKCE (no downgrade), and needs none', () => {
    const none = { codeChallenge: null, codeChallengeMethod: null };
    expect(verifyPkce(none, undefined)).toEqual({ ok: true });
    expect(verifyPkce(none, VERIFIER)).toEqual({ ok: false, reason: 'unexpected_verifier' });
  });

  it('knows the syntax of verifiers and challenges', () => {
    expect(isCodeVerifier('A-._~' + 'a'.repeat(38))).toBe(true);
    expect(isCodeVerifier('a'.repeat(128))).toBe(true);
    expect(isCodeVerifier('a b' + 'a'.repeat(41))).toBe(false);
    expect(isCodeChallenge(CHALLENGE, 'S256')).toBe(true);
    expect(isCodeChallenge(CHALLENGE + 'A', 'S256')).toBe(false);
    expect(isCodeChallenge(CHALLENGE.slice(0, 42) + '.', 'S256')).toBe(false);
    expect(isCodeChallenge('a'.repeat(100), 'plain')).toBe(true);
    expect(isCodeChallenge('a'.repeat(42), 'plain')).toBe(false);
  });
});
