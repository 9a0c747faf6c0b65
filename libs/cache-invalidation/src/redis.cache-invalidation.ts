import { Redis, type RedisOptions } from 'ioredis';
import { CacheInvalidation, errorMessage, reconnectDelay } from './cache-invalidation.js';

export const REDIS_INVALIDATION_CHANNEL = 'latchkey:cache-invalidation';
const START_TIMEOUT_MS = 5_000;

/**
 * Redis pub/sub: one connection subscribes, another publishes (a subscribed connection can
 * do nothing else). ioredis reconnects with back-off; each time the subscriber is back it
 * subscribes again and then runs every handler with `undefined`, since messages published
 * meanwhile are lost.
 */
export class RedisCacheInvalidation extends CacheInvalidation {
  readonly backend = 'redis' as const;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readyOnce = false;
  private down = false;

  constructor(
    url: string,
    private readonly channel = REDIS_INVALIDATION_CHANNEL,
  ) {
    super();
    const options = (role: string): RedisOptions => ({
      lazyConnect: true,
      // CLIENT LIST shows which process and which role a connection serves.
      connectionName: `latchkey-invalidation-${this.instanceId.slice(0, 8)}-${role}`,
      // We subscribe again ourselves on every 'ready', so we know when it has happened.
      autoResubscribe: false,
      maxRetriesPerRequest: 2,
      retryStrategy: (times) => reconnectDelay(times - 1),
    });
    this.publisher = new Redis(url, options('pub'));
    this.subscriber = new Redis(url, options('sub'));
  }

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) void this.receive(message);
    });
    this.subscriber.on('ready', () => void this.onSubscriberReady());
    for (const [name, connection] of [['subscriber', this.subscriber], ['publisher', this.publisher]] as const) {
      connection.on('error', (error: Error) => {
        if (this.readyOnce && !this.down) this.logger.warn(`cache invalidation: Redis ${name} connection: ${errorMessage(error)}; reconnecting`);
        if (connection === this.subscriber && this.readyOnce) this.down = true;
      });
      connection.on('end', () => undefined);
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          await Promise.all([this.subscriber.connect(), this.publisher.connect()]);
          await this.subscriber.subscribe(this.channel);
          this.readyOnce = true;
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      this.subscriber.disconnect();
      this.publisher.disconnect();
      throw new Error(`cannot reach Redis at REDIS_URL: ${errorMessage(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.subscriber, this.publisher].map((connection) => close(connection)));
  }

  protected async send(payload: string): Promise<void> {
    await this.publisher.publish(this.channel, payload);
  }

  /** After a reconnect: subscribe again, then drop everything that may have changed meanwhile. */
  private async onSubscriberReady(): Promise<void> {
    if (!this.readyOnce) return; // the first connection is handled by start()
    try {
      await this.subscriber.subscribe(this.channel);
    } catch (error) {
      this.logger.warn(`cache invalidation: cannot subscribe again: ${errorMessage(error)}`);
      return;
    }
    this.down = false;
    this.logger.log('cache invalidation: Redis subscriber back; dropping every cached entry in case a message was missed');
    await this.deliverAll();
  }
}

async function close(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
      return;
    } catch {
      // fall through
    }
  }
  connection.disconnect();
}
