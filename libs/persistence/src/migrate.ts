import type { DataSource, Migration } from 'typeorm';

// Any constant shared by all Latchkey processes: replicas that start together wait for
// one another instead of racing through the same migrations.
const MIGRATION_LOCK_ID = 0x4c61_7463; // "Latc"

/** Runs pending migrations, one process at a time. */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
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
