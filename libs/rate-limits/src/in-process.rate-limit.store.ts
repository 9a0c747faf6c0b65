import { RateLimitStore, type WindowCount } from './rate-limit.store.js';

const SWEEP_INTERVAL_MS = 60_000;
/** Beyond this many live keys the oldest windows are dropped, so a flood of made-up client ids cannot exhaust memory. */
const DEFAULT_MAX_KEYS = 100_000;

interface Window {
  hits: number;
  endsAt: number;
}

/**
 * The counters of this process only (no REDIS_URL): one Map entry per key. Expired windows
 * are swept once a minute; above `maxKeys` live keys the oldest windows are dropped first.
 */
export class InProcessRateLimitStore extends RateLimitStore {
  readonly backend = 'in-process' as const;
  private readonly windows = new Map<string, Window>();
  private readonly maxKeys: number;
  private sweeper?: NodeJS.Timeout;

  constructor(options: { maxKeys?: number } = {}) {
    super();
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    this.sweeper = setInterval(() => this.sweep(Date.now()), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Live keys (for specs and metrics). */
  get size(): number {
    return this.windows.size;
  }

  async hit(keys: readonly string[], windowMs: number): Promise<WindowCount[]> {
    const now = Date.now();
    return keys.map((key) => {
      const window = this.windows.get(key);
      if (window && window.endsAt > now) {
        window.hits += 1;
        return { hits: window.hits, resetInMs: window.endsAt - now };
      }
      if (window) this.windows.delete(key); // re-inserted below, as the newest
      else if (this.windows.size >= this.maxKeys) this.makeRoom(now);
      this.windows.set(key, { hits: 1, endsAt: now + windowMs });
      return { hits: 1, resetInMs: windowMs };
    });
  }

  async peek(keys: readonly string[]): Promise<WindowCount[]> {
    const now = Date.now();
    return keys.map((key) => {
      const window = this.windows.get(key);
      return window && window.endsAt > now ? { hits: window.hits, resetInMs: window.endsAt - now } : { hits: 0, resetInMs: 0 };
    });
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.windows.clear();
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }

  /** Drops expired windows, then (still full) the oldest tenth. Map iteration is insertion order. */
  private makeRoom(now: number): void {
    this.sweep(now);
    if (this.windows.size < this.maxKeys) return;
    let excess = this.windows.size - this.maxKeys + Math.max(1, Math.floor(this.maxKeys / 10));
    for (const key of this.windows.keys()) {
      if (excess-- <= 0) break;
      this.windows.delete(key);
    }
  }
}
