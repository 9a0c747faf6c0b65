export * from './access-token-verifier.js';
export * from './token-lifetimes.js';
export * from './signing-keys.service.js';
export * from './token-signer.service.js';
export * from './issued-tokens.service.js';
export * from './jwt-access-token-verifier.js';
export * from './tokens.module.js';
