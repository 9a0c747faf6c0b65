import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { runMigrations } from './migrate.js';

export interface DatabaseSettings {
  databaseUrl?: string;
  dataDir: string;
  migrate: boolean;
  /** Postgres pool size (DATABASE_POOL_SIZE); the embedded database always uses one. */
  poolSize?: number;
}

/**
 * Owns the DataSource and, in embedded mode, the PGlite server behind it, so that both
 * start in order and stop in reverse order.
 */
export class Database implements OnApplicationShutdown {
  private static readonly logger = new Logger('Database');

  private constructor(
    readonly dataSource: DataSource,
    private readonly embedded: EmbeddedPostgres | undefined,
  ) {}

  get mode(): 'postgres' | 'embedded' {
    return this.embedded ? 'embedded' : 'postgres';
  }

  static async open(settings: DatabaseSettings): Promise<Database> {
    const embedded = settings.databaseUrl ? undefined : await EmbeddedPostgres.start(settings.dataDir);
    try {
      const dataSource = new DataSource(
        buildDataSourceOptions(settings.databaseUrl ? { url: settings.databaseUrl } : { socket: embedded!.connection }, settings.poolSize),
      );
      await dataSource.initialize();
      const database = new Database(dataSource, embedded);
      if (settings.migrate) {
        const applied = await runMigrations(dataSource);
        if (applied.length) Database.logger.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
      }
      return database;
    } catch (error) {
      await embedded?.stop();
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
