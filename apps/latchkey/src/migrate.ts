import 'reflect-metadata';
import { ConfigValidationError, validateEnvironment } from '@latchkey/config';
import { Database } from '@latchkey/persistence';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits. */
async function migrate() {
  const env = validateEnvironment(process.env);
  const database = await Database.open({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, migrate: true });
  const pending = await database.dataSource.showMigrations();
  await database.close();
  process.stdout.write(`latchkey: migrations up to date (${database.mode} database)${pending ? ', but some are still pending' : ''}\n`);
}

migrate().catch((error: unknown) => {
  const message = error instanceof ConfigValidationError ? `invalid configuration: ${error.message}` : error instanceof Error ? error.message : String(error);
  process.stderr.write(`latchkey: migrate failed: ${message}\n`);
  process.exit(1);
});
