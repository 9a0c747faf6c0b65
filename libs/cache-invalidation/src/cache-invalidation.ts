import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

/**
 * Called with the key that changed, or with `undefined` for "anything in this topic may
 * have changed" (sent after a reconnect, when messages may have been missed). Handlers
 * must be idempotent: a message can arrive more than once.
 */
export type InvalidationHandler = (key: string | undefined) => void | Promise<void>;

export type InvalidationBackend = 'redis' | 'postgres' | 'in-process';

/** Topics are short lower-case names: `clients`, `signing-keys`. */
const TOPIC = /^[a-z][a-z0-9.-]{0,63}$/;
/** Keys are ids (a client id, a user id), never secrets; well under NOTIFY's 8000-byte payload. */
export const MAX_KEY_LENGTH = 1024;
/** A publish waits this long for the backend at most, then gives up (logged, never thrown). */
const PUBLISH_TIMEOUT_MS = 2_000;

/** What travels between processes: ids only. */
interface InvalidationMessage {
  v: 1;
  /** The publishing process's instance id, so it can skip its own echo. */
  o: string;
  t: string;
  k?: string;
}

/**
 * Cross-replica cache invalidation (DESIGN.md §6). `publish(topic, key?)` runs this
 * process's handlers for the topic at once, then tells every other Latchkey process on the
 * same backend, whose handlers run within milliseconds. `subscribe(topic, handler)` adds a
 * handler. Backends: Redis pub/sub (REDIS_URL), Postgres LISTEN/NOTIFY on a dedicated
 * connection (DATABASE_URL without Redis), or this process only (embedded database).
 *
 * Messages are at most once: a process that was disconnected runs every handler with
 * `undefined` when it is back, so that nothing it missed stays cached.
 */
export abstract class CacheInvalidation {
  abstract readonly backend: InvalidationBackend;
  protected readonly logger = new Logger(CacheInvalidation.name);
  /** This process's id in messages. */
  readonly instanceId = randomUUID();
  private readonly handlers = new Map<string, Set<InvalidationHandler>>();

  subscribe(topic: string, handler: InvalidationHandler): () => void {
    assertTopic(topic);
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /**
   * Runs this process's handlers for `topic`, then tells the other processes. Resolves
   * once the message is handed to the backend; a backend failure is logged, not thrown
   * (the change it announces has already happened; other replicas' caches expire soon).
   */
  async publish(topic: string, key?: string): Promise<void> {
    assertTopic(topic);
    if (key !== undefined && (typeof key !== 'string' || key.length > MAX_KEY_LENGTH)) {
      throw new Error(`an invalidation key is a string of at most ${MAX_KEY_LENGTH} characters`);
    }
    await this.deliver(topic, key);
    const message: InvalidationMessage = { v: 1, o: this.instanceId, t: topic, ...(key === undefined ? {} : { k: key }) };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.send(JSON.stringify(message)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from ${this.backend} within ${PUBLISH_TIMEOUT_MS} ms`)), PUBLISH_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      this.logger.warn(`could not publish the invalidation of ${topic} to other replicas: ${errorMessage(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Connects; resolves once messages from other processes are being received. */
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Hands a serialized message to the backend. */
  protected abstract send(payload: string): Promise<void>;

  /** A message from the backend: runs the handlers unless it is malformed or our own echo. */
  protected async receive(payload: string): Promise<void> {
    let message: Partial<InvalidationMessage>;
    try {
      message = JSON.parse(payload) as Partial<InvalidationMessage>;
    } catch {
      return;
    }
    if (message?.v !== 1 || typeof message.t !== 'string' || !TOPIC.test(message.t)) return;
    if (message.o === this.instanceId) return; // delivered locally when it was published
    const key = typeof message.k === 'string' && message.k.length <= MAX_KEY_LENGTH ? message.k : undefined;
    await this.deliver(message.t, key);
  }

  /** After a reconnect: whatever was published meanwhile is lost, so drop everything. */
  protected async deliverAll(): Promise<void> {
    await Promise.all([...this.handlers.keys()].map((topic) => this.deliver(topic, undefined)));
  }

  private async deliver(topic: string, key: string | undefined): Promise<void> {
    const set = this.handlers.get(topic);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        await handler(key);
      } catch (error) {
        this.logger.warn(`an invalidation handler for ${topic} failed: ${errorMessage(error)}`);
      }
    }
  }
}

function assertTopic(topic: string): void {
  if (typeof topic !== 'string' || !TOPIC.test(topic)) throw new Error(`invalid invalidation topic ${JSON.stringify(topic)}`);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Back-off for reconnects: 100 ms doubling up to 5 s, with jitter so replicas do not stampede. */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
  return Math.round(base / 2 + Math.random() * (base / 2));
}
