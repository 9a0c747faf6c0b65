export * from './grants.service.js';
export * from './grants.module.js';
