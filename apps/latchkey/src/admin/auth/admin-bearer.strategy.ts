import { Injectable, Optional } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { LatchkeyEnvironment } from '@latchkey/config';
import { AccessTokenVerifier } from '@latchkey/tokens';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Strategy } from 'passport-http-bearer';
import type { AdminPrincipal } from './admin-principal.js';

export const ADMIN_BEARER_STRATEGY = 'admin-bearer';

/**
 * `Authorization: Bearer <token>` where the token is ADMIN_TOKEN, or an access token
 * this server issued (client_credentials). The scope check is the guard's, so that a
 * valid token without `admin` gets 403 rather than 401.
 */
@Injectable()
export class AdminBearerStrategy extends PassportStrategy(Strategy, ADMIN_BEARER_STRATEGY) {
  private readonly adminTokenDigest: Buffer | undefined;

  constructor(
    env: LatchkeyEnvironment,
    @Optional() private readonly accessTokens?: AccessTokenVerifier,
  ) {
    super();
    this.adminTokenDigest = env.ADMIN_TOKEN ? sha256(env.ADMIN_TOKEN) : undefined;
  }

  async validate(token: string): Promise<AdminPrincipal | false> {
    // Compare digests so that neither the length nor the content leaks through timing.
    if (this.adminTokenDigest && timingSafeEqual(sha256(token), this.adminTokenDigest)) {
      return { kind: 'admin-token', scopes: ['admin'] };
    }
    const verified = await this.accessTokens?.verify(token);
    if (!verified) return false;
    return { kind: 'access-token', clientId: verified.clientId, subject: verified.subject, scopes: verified.scopes };
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
