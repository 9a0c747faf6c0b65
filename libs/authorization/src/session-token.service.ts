import { Injectable } from '@nestjs/common';
import { LatchkeyEnvironment, resolveIssuer, ServerSecrets } from '@latchkey/config';
import { jwtVerify, SignJWT } from 'jose';
import { purposeKey } from './purpose-key.js';

/** A sign-in lets the browser skip the login form for 8 hours. */
export const SESSION_LIFETIME_SECONDS = 8 * 3600;
const TYP = 'latchkey-session+jwt';
const HKDF_INFO = 'latchkey browser session v1';

export interface BrowserSession {
  userId: string;
  /** When the user entered their password (OIDC auth_time), to the second. */
  authTime: Date;
  expiresAt: Date;
}

/**
 * The session cookie's value: a stateless compact JWS (HS256 with its own HKDF-derived
 * key, typ latchkey-session+jwt) holding the user id (`sub`), `auth_time` and an expiry
 * 8 hours after sign-in. It proves only that this browser signed in; the user is looked
 * up again on every use, so a disabled user, or one whose password changed since,
 * is not let through.
 */
@Injectable()
export class SessionTokens {
  private readonly key: Uint8Array;
  private readonly issuer: string;

  constructor(secrets: ServerSecrets, env: LatchkeyEnvironment) {
    this.key = purposeKey(secrets, HKDF_INFO);
    this.issuer = resolveIssuer(env);
  }

  async seal(userId: string, authTime: Date): Promise<string> {
    const authSeconds = Math.floor(authTime.getTime() / 1000);
    return new SignJWT({ auth_time: authSeconds })
      .setProtectedHeader({ alg: 'HS256', typ: TYP })
      .setIssuer(this.issuer)
      .setSubject(userId)
      .setIssuedAt(authSeconds)
      .setExpirationTime(authSeconds + SESSION_LIFETIME_SECONDS)
      .sign(this.key);
  }

  /** The session in the cookie, or null when there is none, it expired, or it is not ours. */
  async open(value: string | undefined, now: Date = new Date()): Promise<BrowserSession | null> {
    if (typeof value !== 'string' || value === '' || value.length > 4096) return null;
    try {
      const { payload } = await jwtVerify(value, this.key, {
        algorithms: ['HS256'],
        typ: TYP,
        issuer: this.issuer,
        currentDate: now,
        requiredClaims: ['sub', 'exp', 'auth_time'],
      });
      if (typeof payload.auth_time !== 'number' || typeof payload.sub !== 'string') return null;
      return { userId: payload.sub, authTime: new Date(payload.auth_time * 1000), expiresAt: new Date(payload.exp! * 1000) };
    } catch {
      return null;
    }
  }
}
