export * from './cache-invalidation.js';
export * from './in-process.cache-invalidation.js';
export * from './postgres.cache-invalidation.js';
export * from './redis.cache-invalidation.js';
export * from './cache-invalidation.module.js';
