export * from './oauth-error.js';
export * from './dpop/replay-cache.js';
export * from './dpop/dpop-proof.verifier.js';
export * from './server-metadata.js';
