export * from './authorization-request.js';
export * from './authorization-request.validator.js';
export * from './browser-cookies.js';
export * from './interaction-token.service.js';
export * from './session-token.service.js';
export * from './authorization-flow.service.js';
export * from './authorization.module.js';
