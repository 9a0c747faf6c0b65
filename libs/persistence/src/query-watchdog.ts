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
 * query fails at once ("Connection terminated", which the token endpoints answer as 503
 * temporarily_unavailable) and the pool discards the connection and opens a new one when
 * the database answers again.
 */
export class WatchedClient extends pg.Client {
  private readonly watchdog: QueryWatchdog | undefined;

  constructor(config: pg.ClientConfig & { watchdog?: QueryWatchdog }) {
    super(config);
    this.watchdog = config.watchdog;
  }

  // The overloads of pg's query() are passed through untouched: promise form (TypeORM,
  // pool clients) and callback form (pg.Pool.query, used by the hot path and batches).
  override query(...args: unknown[]): any {
    const timeoutMs = this.watchdog?.timeoutMs ?? 0;
    const run = (a: unknown[]) => (pg.Client.prototype.query as (...a: unknown[]) => unknown).apply(this, a);
    if (!(timeoutMs > 0)) return run(args);
    const timer = setTimeout(() => {
      const stream = (this as unknown as { connection?: { stream?: { destroy(error?: Error): void } } }).connection?.stream;
      stream?.destroy(Object.assign(new Error(`no answer from the database within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    timer.unref();
    const done = () => clearTimeout(timer);
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (...outcome: unknown[]) => {
        done();
        return callback(...outcome);
      };
      return run(args);
    }
    const result = run(args);
    if (result instanceof Promise) result.then(done, done);
    else done(); // a Submittable (cursor, stream): not watched
    return result;
  }
}

/** The watchdog of a DataSource built by buildDataSourceOptions (none for the embedded database). */
export function queryWatchdogOf(dataSource: DataSource): QueryWatchdog | undefined {
  return (dataSource.options.extra as { watchdog?: QueryWatchdog } | undefined)?.watchdog;
}
