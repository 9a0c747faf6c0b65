import type { DataSource, Migration } from 'typeorm';
import { queryWatchdogOf } from './query-watchdog.js';

// Any constant shared by all Latchkey processes: replicas that start together wait for
// one another instead of racing through the same migrations.
const MIGRATION_LOCK_ID = 0x4c61_7463; // "Latc"

/** Runs pending migrations, one process at a time. */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  // Waiting for another replica's migrations, or one long DDL statement, is no dead
  // connection: the query watchdog is paused meanwhile.
  const watchdog = queryWatchdogOf(dataSource);
  const watching = watchdog?.timeoutMs ?? 0;
  if (watchdog) watchdog.timeoutMs = 0;
  try {
    return await runLocked(dataSource);
  } finally {
    if (watchdog) watchdog.timeoutMs = watching;
  }
}

async function runLocked(dataSource: DataSource): Promise<Migration[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  // The embedded database has a single connection and a single process: no lock needed
  // (and holding one connection here would starve the migration itself).
  const poolSize = (dataSource.options as { poolSize?: number }).poolSize ?? 10;
  const useLock = poolSize > 1;
  try {
    if (useLock) await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    else await lock.release();
    return await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    if (useLock) {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
      await lock.release();
    }
  }
}
