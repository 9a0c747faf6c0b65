export * from './sigv4-signature.js';
