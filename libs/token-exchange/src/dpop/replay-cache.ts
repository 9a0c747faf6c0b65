/**
 * Remembers DPoP proof ids (jti) for as long as a proof could still be accepted, so each
 * proof is used once. In-process by default; a Redis-backed cache shares it across
 * replicas (REDIS_URL).
 */
export abstract class ReplayCache {
  /** True the first time a key is seen within `ttlSeconds`, false on a replay. */
  abstract firstUse(key: string, ttlSeconds: number): Promise<boolean>;
}

export class InMemoryReplayCache extends ReplayCache {
  private readonly seen = new Map<string, number>();
  private nextSweep = 0;

  constructor(private readonly maxEntries = 1_000_000) {
    super();
  }

  async firstUse(key: string, ttlSeconds: number): Promise<boolean> {
    const now = Date.now();
    if (now >= this.nextSweep || this.seen.size >= this.maxEntries) this.sweep(now);
    const expiry = this.seen.get(key);
    if (expiry !== undefined && expiry > now) return false;
    this.seen.set(key, now + ttlSeconds * 1000);
    return true;
  }

  private sweep(now: number) {
    for (const [key, expiry] of this.seen) if (expiry <= now) this.seen.delete(key);
    this.nextSweep = now + 10_000;
  }
}
