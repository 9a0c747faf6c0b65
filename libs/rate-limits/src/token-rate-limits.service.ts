import { Injectable, Logger } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { RateLimitStore, type WindowCount } from './rate-limit.store.js';

/** The limits, per window. 0 turns a limit off. */
export class RateLimitSettings {
  /** Token requests per IP and endpoint, and per client id (RATE_LIMIT_PER_MINUTE). */
  requestsPerWindow: number;
  /** Failed client authentications per client id and per IP (AUTH_FAILURE_LIMIT_PER_MINUTE). */
  authFailuresPerWindow: number;
  windowMs: number;
}

/** Which limit refused a request, and in how many seconds to try again (Retry-After). */
export interface RateLimitRefusal {
  limit: 'ip' | 'client' | 'auth-failures';
  retryAfter: number;
}

export interface TokenRequestCaller {
  /** The endpoint family (the dialect's profile: standard, midnight, aws-signin, ...). */
  endpoint: string;
  /** The client id the request names (not yet authenticated). */
  clientId?: string;
  /** The caller's address, `request.ip`. */
  ip?: string;
}

/** IPv6 callers are counted per /64, the block one host usually owns (@nestjs/throttler's normalizeIp). */
const IPV6_PREFIX = 64;
/** Client ids are chosen by the caller: long ones are counted by their SHA-256. */
const MAX_KEY_PART = 200;
const STORE_WARNING_INTERVAL_MS = 30_000;

/**
 * The rate limits of the token endpoints (DESIGN.md §4, §5), counted in a RateLimitStore:
 * - every token request counts once for its caller's IP at its endpoint family and once
 *   for the client id it names; over `requestsPerWindow` either refuses it;
 * - every failed client authentication counts for the client id and for the IP; once
 *   either has `authFailuresPerWindow` failures in the window, further authentications
 *   are refused before any credential is checked, until the window ends.
 * If the store fails (Redis unreachable), requests are let through and a warning is logged
 * at most every 30 s: an outage of the counters must not become an outage of sign-in.
 */
@Injectable()
export class TokenRateLimits {
  private readonly logger = new Logger('RateLimits');
  private lastStoreWarning = 0;

  constructor(
    private readonly store: RateLimitStore,
    private readonly settings: RateLimitSettings,
  ) {}

  /** Counts one token request; a refusal when its IP or its client id is over the limit. */
  async admitRequest(caller: TokenRequestCaller): Promise<RateLimitRefusal | undefined> {
    const limit = this.settings.requestsPerWindow;
    if (limit <= 0) return undefined;
    const keys: string[] = [];
    const kinds: RateLimitRefusal['limit'][] = [];
    if (caller.ip) {
      keys.push(`req:ip:${keyPart(caller.endpoint)}:${ipKey(caller.ip)}`);
      kinds.push('ip');
    }
    if (caller.clientId) {
      keys.push(`req:client:${keyPart(caller.clientId)}`);
      kinds.push('client');
    }
    const counts = await this.guarded(() => this.store.hit(keys, this.settings.windowMs));
    return refusal(counts, kinds, (hits) => hits > limit);
  }

  /** Before credentials are checked: a refusal while the client id or the IP has too many recent failures. */
  async admitAuthentication(caller: Omit<TokenRequestCaller, 'endpoint'>): Promise<RateLimitRefusal | undefined> {
    const limit = this.settings.authFailuresPerWindow;
    if (limit <= 0) return undefined;
    const keys = failureKeys(caller);
    const counts = await this.guarded(() => this.store.peek(keys));
    return refusal(counts, keys.map(() => 'auth-failures' as const), (hits) => hits >= limit);
  }

  /** Counts a failed client authentication against the client id and the IP. */
  async recordAuthenticationFailure(caller: Omit<TokenRequestCaller, 'endpoint'>): Promise<void> {
    const limit = this.settings.authFailuresPerWindow;
    if (limit <= 0) return;
    const keys = failureKeys(caller);
    const counts = await this.guarded(() => this.store.hit(keys, this.settings.windowMs));
    counts?.forEach((count, i) => {
      if (count.hits !== limit) return;
      const who = keys[i]!.startsWith('fail:ip:') ? `IP ${caller.ip}` : `client ${JSON.stringify(caller.clientId)}`;
      this.logger.warn(`${limit} failed client authentications from ${who} within ${this.settings.windowMs / 1000} s: refusing it for ${retryAfter(count)} s`);
    });
  }

  private async guarded(count: () => Promise<WindowCount[]>): Promise<WindowCount[] | undefined> {
    try {
      return await count();
    } catch (error) {
      const now = Date.now();
      if (now - this.lastStoreWarning >= STORE_WARNING_INTERVAL_MS) {
        this.lastStoreWarning = now;
        this.logger.warn(`rate limits not applied: the ${this.store.backend} counters failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      return undefined;
    }
  }
}

function failureKeys(caller: Omit<TokenRequestCaller, 'endpoint'>): string[] {
  const keys: string[] = [];
  if (caller.clientId) keys.push(`fail:client:${keyPart(caller.clientId)}`);
  if (caller.ip) keys.push(`fail:ip:${ipKey(caller.ip)}`);
  return keys;
}

/** The refusal with the longest wait among the counters over the limit. */
function refusal(counts: WindowCount[] | undefined, kinds: RateLimitRefusal['limit'][], over: (hits: number) => boolean): RateLimitRefusal | undefined {
  let worst: RateLimitRefusal | undefined;
  counts?.forEach((count, i) => {
    if (!over(count.hits)) return;
    const wait = retryAfter(count);
    if (!worst || wait > worst.retryAfter) worst = { limit: kinds[i]!, retryAfter: wait };
  });
  return worst;
}

function retryAfter(count: WindowCount): number {
  return Math.max(1, Math.ceil(count.resetInMs / 1000));
}

function ipKey(ip: string): string {
  return keyPart(normalizeIp(ip, IPV6_PREFIX));
}

function keyPart(value: string): string {
  return value.length <= MAX_KEY_PART ? value : `sha256:${createHash('sha256').update(value).digest('hex')}`;
}
