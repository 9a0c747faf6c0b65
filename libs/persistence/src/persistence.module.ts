import { Global, Module } from '@nestjs/common';
import { LatchkeyEnvironment } from '@latchkey/config';
import { DataSource } from 'typeorm';
import { Database } from './database.js';

/** Provides the DataSource (Postgres at DATABASE_URL, or embedded PGlite under DATA_DIR). */
@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [LatchkeyEnvironment],
      useFactory: (env: LatchkeyEnvironment) =>
        Database.open({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, migrate: env.MIGRATE_ON_START, poolSize: env.DATABASE_POOL_SIZE }),
    },
    { provide: DataSource, inject: [Database], useFactory: (database: Database) => database.dataSource },
  ],
  exports: [Database, DataSource],
})
export class PersistenceModule {}
