export * from './pkce.js';
export * from './code-request.policy.js';
export * from './authorization-code.service.js';
export * from './authorization-codes.module.js';
