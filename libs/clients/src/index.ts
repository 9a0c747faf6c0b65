export * from './client-rules.js';
export * from './client.dto.js';
export * from './client-registry.service.js';
export * from './clients.module.js';
