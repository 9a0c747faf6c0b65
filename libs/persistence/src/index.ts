export * from './entities/index.js';
export * from './migrations/index.js';
export * from './data-source-options.js';
export * from './embedded-postgres.js';
export * from './migrate.js';
export * from './database.js';
export * from './persistence.module.js';
export * from './transaction-retry.js';
