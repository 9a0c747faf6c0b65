import { Injectable } from '@nestjs/common';
import { ServerSecrets } from '@latchkey/config';
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Digests of high-entropy server-generated values (codes, refresh tokens, client
 * secrets, API keys): HMAC-SHA-256 with the server pepper. Fast enough for every request,
 * useless to whoever steals the database without the pepper. Never used for passwords.
 */
@Injectable()
export class SecretDigester {
  constructor(private readonly secrets: ServerSecrets) {}

  digest(value: string): Buffer {
    return createHmac('sha256', this.secrets.digestPepper).update(value, 'utf8').digest();
  }

  /** Constant-time comparison of a presented value with a stored digest. */
  matches(value: string, digest: Buffer | null | undefined): boolean {
    if (!digest || digest.length !== 32) return false;
    return timingSafeEqual(this.digest(value), digest);
  }
}
