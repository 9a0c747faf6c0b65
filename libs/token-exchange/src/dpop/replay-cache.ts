import { createHash } from 'node:crypto';

/**
 * Remembers DPoP proof ids (jti) for as long as a proof could still be accepted, so each
 * proof is used once. In-process by default; a Redis-backed cache shares it across
 * replicas (REDIS_URL).
 */
export abstract class ReplayCache {
  /** True the first time a key is seen within `ttlSeconds`, false on a replay. */
  abstract firstUse(key: string, ttlSeconds: number): Promise<boolean>;
}

/**
 * The in-process cache. It holds every proof id while its proof could still be accepted
 * (about 60 s for a fresh DPoP proof): at 2,000 proofs a second that is about 120,000
 * entries, so each is kept small, a 128-bit digest of the key (16 one-byte characters)
 * mapped to its expiry in whole seconds since the process started (a small integer,
 * stored unboxed). The full keys took about 100 MB of RSS in the aws-signin benchmark;
 * these take about a third of that.
 */
export class InMemoryReplayCache extends ReplayCache {
  private readonly seen = new Map<string, number>();
  private readonly startedAt = Date.now();
  private nextSweep = 0;

  constructor(private readonly maxEntries = 1_000_000) {
    super();
  }

  async firstUse(key: string, ttlSeconds: number): Promise<boolean> {
    const now = Math.floor((Date.now() - this.startedAt) / 1000);
    if (now >= this.nextSweep || this.seen.size >= this.maxEntries) this.sweep(now);
    const id = createHash('sha256').update(key).digest().toString('latin1', 0, 16);
    const expiry = this.seen.get(id);
    if (expiry !== undefined && expiry > now) return false;
    // Rounded up, so an entry never expires before its ttl.
    this.seen.set(id, now + Math.ceil(ttlSeconds) + 1);
    return true;
  }

  private sweep(now: number) {
    for (const [id, expiry] of this.seen) if (expiry <= now) this.seen.delete(id);
    this.nextSweep = now + 10;
  }
}
