import pg from 'pg';
import type { DataSource } from 'typeorm';

/** How long a query may go without an answer before its connection is taken for dead. */
export const QUERY_WATCHDOG_MS = 5_000;

/** Shared by reference with every client of a pool, so that it can be paused (migrations). */
export interface QueryWatchdog {
  timeoutMs: number;
}

/**
 * The pg client of Latchkey's Postgres pool. A connection whose peer vanished without a
 * reset (the database host unreachable, a silent network partition) leaves a query waiting
 * forever: TCP notices only after many minutes, and pg's own query_timeout answers the
 * caller but keeps the dead connection in the pool for the next one. This client gives a
 * query `watchdog.timeoutMs` to be answered; past that it destroys the socket, so that the
 * query (and any queued behind it) fails at once ("Connection terminated", which the token
 * endpoints answer as 503 temporarily_unavailable) and the pool discards the connection
 * and opens a new one when the database answers again.
 *
 * A sweep four times a second looks at the query each client is running, instead of a
 * timer or a wrapper per query: the hot path pays nothing. (A timer per query measured
 * about 55 MB more peak RSS under load, and lower throughput.)
 */
export class WatchedClient extends pg.Client {
  private readonly watchdog: QueryWatchdog | undefined;
  /** The running query the sweep saw last, and since when. */
  private watchedQuery: unknown = null;
  private watchedSince = 0;

  constructor(config: pg.ClientConfig & { watchdog?: QueryWatchdog }) {
    super(config);
    this.watchdog = config.watchdog;
    if (this.watchdog) {
      watched.add(this);
      this.once('end', () => watched.delete(this));
      startSweeping();
    }
  }

  /** Destroys the socket when one query has been running past the timeout. */
  check(now: number): void {
    const timeoutMs = this.watchdog?.timeoutMs ?? 0;
    // pg's running query (`activeQuery` is its deprecated public name).
    const running = (this as unknown as { _activeQuery?: unknown })._activeQuery ?? null;
    if (timeoutMs <= 0 || running === null || running !== this.watchedQuery) {
      this.watchedQuery = running;
      this.watchedSince = now;
      return;
    }
    if (now - this.watchedSince < timeoutMs) return;
    const stream = (this as unknown as { connection?: { stream?: { destroy(error?: Error): void } } }).connection?.stream;
    stream?.destroy(Object.assign(new Error(`no answer from the database within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
  }
}

const watched = new Set<WatchedClient>();
let sweeper: NodeJS.Timeout | undefined;

function startSweeping(): void {
  if (sweeper) return;
  sweeper = setInterval(() => {
    const now = performance.now();
    for (const client of watched) client.check(now);
  }, 250);
  sweeper.unref();
}

/** The watchdog of a DataSource built by buildDataSourceOptions (none for the embedded database). */
export function queryWatchdogOf(dataSource: DataSource): QueryWatchdog | undefined {
  return (dataSource.options.extra as { watchdog?: QueryWatchdog } | undefined)?.watchdog;
}
