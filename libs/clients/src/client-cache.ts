import type { ClientEntity } from '@latchkey/persistence';

/**
 * A small in-process cache of clients by id: bounded in size, and each entry lives a few
 * seconds at most, so that a change made on another replica shows here soon even without
 * an invalidation message.
 */
export class ClientCache {
  private readonly entries = new Map<string, { client: ClientEntity; until: number }>();
  /** Bumped by every invalidation: a read that began before one must not fill the cache. */
  private generationCount = 0;

  constructor(
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 1_000,
  ) {}

  get(clientId: string): ClientEntity | undefined {
    const entry = this.entries.get(clientId);
    if (!entry) return undefined;
    if (entry.until <= Date.now()) {
      this.entries.delete(clientId);
      return undefined;
    }
    return entry.client;
  }

  /** Take this before reading the database; pass it to `set`. */
  get generation(): number {
    return this.generationCount;
  }

  set(client: ClientEntity, readAtGeneration: number): void {
    if (readAtGeneration !== this.generationCount) return;
    if (this.entries.size >= this.maxEntries) {
      // Evict the oldest insertion (Map keeps insertion order).
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(client.clientId);
    this.entries.set(client.clientId, { client, until: Date.now() + this.ttlMs });
  }

  invalidate(clientId: string): void {
    this.generationCount++;
    this.entries.delete(clientId);
  }

  clear(): void {
    this.generationCount++;
    this.entries.clear();
  }
}
