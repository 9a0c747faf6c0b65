import { Injectable } from '@nestjs/common';
import { LatchkeyEnvironment, resolveIssuer, ServerSecrets } from '@latchkey/config';
import { generateOpaqueToken } from '@latchkey/crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PendingAuthorization } from './authorization-request.js';
import { purposeKey } from './purpose-key.js';

/** How long a login form stays usable: the interaction value expires after 10 minutes. */
export const INTERACTION_LIFETIME_SECONDS = 600;
const TYP = 'latchkey-interaction+jwt';
const HKDF_INFO = 'latchkey login interaction v1';

export type OpenedInteraction =
  | { ok: true; request: PendingAuthorization }
  /**
   * - missing: no interaction value was posted;
   * - invalid: not one of ours, or altered (bad signature, wrong type);
   * - expired: older than INTERACTION_LIFETIME_SECONDS;
   * - other_browser: the browser did not present the cookie the form was issued with.
   */
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'other_browser' };

/**
 * The pending authorization request as ONE signed, short-lived value carried through the
 * login form (a hidden input): a compact JWS (HS256, typ latchkey-interaction+jwt) with
 * the validated request, an expiry of 10 minutes, and `bnd`, the SHA-256 of a random
 * value held in the browser's interaction cookie. Nothing posted beside it is trusted,
 * and a form posted from another browser (login CSRF: a victim made to sign in as the
 * attacker) is refused because that browser does not hold the cookie.
 */
@Injectable()
export class InteractionTokens {
  private readonly key: Uint8Array;
  private readonly issuer: string;

  constructor(secrets: ServerSecrets, env: LatchkeyEnvironment) {
    this.key = purposeKey(secrets, HKDF_INFO);
    this.issuer = resolveIssuer(env);
  }

  /** A new random value for the browser's interaction cookie. */
  newBrowserBinding(): string {
    return generateOpaqueToken();
  }

  async seal(request: PendingAuthorization, browserBinding: string, now: Date = new Date()): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    return new SignJWT({ req: request, bnd: bindingDigest(browserBinding) })
      .setProtectedHeader({ alg: 'HS256', typ: TYP })
      .setIssuer(this.issuer)
      .setAudience(`${this.issuer}/oauth2/authorize`)
      .setIssuedAt(iat)
      .setExpirationTime(iat + INTERACTION_LIFETIME_SECONDS)
      .sign(this.key);
  }

  async open(value: unknown, browserBinding: string | undefined, now: Date = new Date()): Promise<OpenedInteraction> {
    if (typeof value !== 'string' || value === '') return { ok: false, reason: 'missing' };
    if (value.length > 16_384) return { ok: false, reason: 'invalid' };
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(value, this.key, {
        algorithms: ['HS256'],
        typ: TYP,
        issuer: this.issuer,
        audience: `${this.issuer}/oauth2/authorize`,
        currentDate: now,
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (error) {
      return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
    if (typeof payload.bnd !== 'string' || typeof payload.req !== 'object' || payload.req === null) return { ok: false, reason: 'invalid' };
    if (typeof browserBinding !== 'string' || !sameDigest(bindingDigest(browserBinding), payload.bnd)) {
      return { ok: false, reason: 'other_browser' };
    }
    return { ok: true, request: payload.req as PendingAuthorization };
  }
}

function bindingDigest(binding: string): string {
  return createHash('sha256').update(binding, 'utf8').digest('base64url');
}

function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
