export * from './password-hasher.js';
export * from './user.dto.js';
export * from './users.service.js';
export * from './users.module.js';
