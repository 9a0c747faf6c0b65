import type { RateLimitRefusal } from '@latchkey/rate-limits';
import { OAuthError } from './oauth-error.js';

/** A rate-limit refusal as the core's error: 429 with Retry-After, rendered by each dialect. */
export function rateLimitError(refusal: RateLimitRefusal): OAuthError {
  const wait = `Try again in ${refusal.retryAfter} second${refusal.retryAfter === 1 ? '' : 's'}.`;
  const description =
    refusal.limit === 'auth-failures' ? `Too many failed client authentications. ${wait}` : `Too many requests. ${wait}`;
  return new OAuthError('too_many_requests', description, { retryAfter: refusal.retryAfter, debug: `rate limit: ${refusal.limit}` });
}
