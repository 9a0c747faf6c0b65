export * from './secret-digester.js';
export * from './random-token.js';
export * from './key-encryption.js';
export * from './crypto.module.js';
