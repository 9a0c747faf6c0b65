import pg from 'pg';
import { CacheInvalidation, errorMessage, reconnectDelay } from './cache-invalidation.js';

export const POSTGRES_INVALIDATION_CHANNEL = 'latchkey_cache_invalidation';
const HEARTBEAT_MS = 10_000;
const HEARTBEAT_TIMEOUT_MS = 5_000;

export interface PostgresInvalidationOptions {
  databaseUrl: string;
  /** Sends `SELECT pg_notify(channel, payload)`: through the application's pool, which is up whenever the database is. */
  notify: (channel: string, payload: string) => Promise<unknown>;
  channel?: string;
}

/**
 * Postgres LISTEN/NOTIFY. Listening needs a session of its own, so it holds one dedicated
 * connection outside the TypeORM pool; when that connection drops (or stops answering the
 * heartbeat) it reconnects with back-off, listens again, and then runs every handler with
 * `undefined`, since notifications sent meanwhile are lost. NOTIFY is per database: every
 * Latchkey process on the same database hears every other.
 */
export class PostgresCacheInvalidation extends CacheInvalidation {
  readonly backend = 'postgres' as const;
  private readonly channel: string;
  private client: pg.Client | undefined;
  private stopping = false;
  private attempt = 0;
  private connectedOnce = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PostgresInvalidationOptions) {
    super();
    this.channel = options.channel ?? POSTGRES_INVALIDATION_CHANNEL;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.channel)) throw new Error(`invalid LISTEN channel ${JSON.stringify(this.channel)}`);
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async start(): Promise<void> {
    this.stopping = false;
    await this.connect();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) await endQuietly(client);
  }

  protected async send(payload: string): Promise<void> {
    await this.options.notify(this.channel, payload);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: 'latchkey-invalidation',
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    client.on('notification', (notification) => {
      if (notification.channel === this.channel && notification.payload) void this.receive(notification.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      void endQuietly(client);
      throw error;
    }
    if (this.stopping) {
      await endQuietly(client);
      return;
    }
    this.client = client;
    this.attempt = 0;
    if (this.connectedOnce) {
      this.logger.log('cache invalidation: LISTEN connection back; dropping every cached entry in case a message was missed');
      await this.deliverAll();
    }
    this.connectedOnce = true;
  }

  private lost(client: pg.Client, error?: Error): void {
    if (client !== this.client) return; // an old connection, or one still connecting
    this.client = undefined;
    void endQuietly(client);
    if (this.stopping) return;
    this.logger.warn(`cache invalidation: lost the LISTEN connection (${error ? errorMessage(error) : 'closed'}); reconnecting`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer) return;
    const delay = reconnectDelay(this.attempt++);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((error: unknown) => {
        if (this.attempt <= 1 || this.attempt % 10 === 0) {
          this.logger.warn(`cache invalidation: cannot reconnect the LISTEN connection yet: ${errorMessage(error)}`);
        }
        this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }

  /** A connection that stopped answering (a dead peer sends no FIN) is replaced. */
  private async heartbeat(): Promise<void> {
    const client = this.client;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${HEARTBEAT_TIMEOUT_MS} ms`)), HEARTBEAT_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      this.lost(client, error instanceof Error ? error : new Error(String(error)));
    } finally {
      clearTimeout(timer);
    }
  }
}

async function endQuietly(client: pg.Client): Promise<void> {
  client.removeAllListeners('notification');
  client.on('error', () => undefined);
  await Promise.race([client.end().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
}
