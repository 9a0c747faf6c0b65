export * from './rate-limit.store.js';
export * from './in-process.rate-limit.store.js';
export * from './redis.rate-limit.store.js';
export * from './token-rate-limits.service.js';
export * from './rate-limits.module.js';
