export * from './expired-token-purge.service.js';
export * from './token-purge.module.js';
