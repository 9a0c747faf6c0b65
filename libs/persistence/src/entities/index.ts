import { AuthorizationCodeEntity } from './authorization-code.entity.js';
import { ClientEntity } from './client.entity.js';
import { GrantEntity } from './grant.entity.js';
import { IssuedTokenEntity } from './issued-token.entity.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { SigningKeyEntity } from './signing-key.entity.js';
import { UserEntity } from './user.entity.js';

export * from './authorization-code.entity.js';
export * from './client.entity.js';
export * from './grant.entity.js';
export * from './issued-token.entity.js';
export * from './refresh-token.entity.js';
export * from './signing-key.entity.js';
export * from './user.entity.js';

export const ENTITIES = [
  ClientEntity,
  UserEntity,
  GrantEntity,
  AuthorizationCodeEntity,
  RefreshTokenEntity,
  IssuedTokenEntity,
  SigningKeyEntity,
];
