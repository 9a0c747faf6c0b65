export * from './refresh-token.service.js';
export * from './refresh-rotation.module.js';
