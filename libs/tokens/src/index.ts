export * from './access-token-verifier.js';
