import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';
import { QUERY_WATCHDOG_MS, WatchedClient } from './query-watchdog.js';

export interface DatabaseTarget {
  /** A postgres:// URL, or the embedded server's socket. */
  url?: string;
  socket?: { host: string; port: number; username: string; database: string };
}

/**
 * The one place DataSource options are made, for the service, the migrate command and
 * the tests. `synchronize` is never on: the schema comes from migrations.
 */
export function buildDataSourceOptions(target: DatabaseTarget, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    ...(target.url ? { url: target.url } : target.socket),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    // A database that does not answer fails fast, as 503 at the token endpoints: no
    // connection (or free pool slot) within 5 s, no answer to a query within 5 s (the
    // watchdog, on real Postgres; paused while migrations run), TCP keep-alive on.
    connectTimeoutMS: 5000,
    // PGlite serves one session; a larger pool would interleave transactions.
    poolSize: target.socket ? 1 : poolSize,
    extra: {
      application_name: 'latchkey',
      ...(target.url ? { Client: WatchedClient, watchdog: { timeoutMs: QUERY_WATCHDOG_MS }, keepAlive: true } : {}),
    },
  } as DataSourceOptions;
}
