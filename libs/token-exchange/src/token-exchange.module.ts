import { Module } from '@nestjs/common';
import { LatchkeyEnvironment } from '@latchkey/config';
import { AuthorizationCodesModule } from '@latchkey/authorization-codes';
import { ClientsModule } from '@latchkey/clients';
import { RateLimitsModule } from '@latchkey/rate-limits';
import { RefreshRotationModule } from '@latchkey/refresh-rotation';
import { TokensModule } from '@latchkey/tokens';
import { UsersModule } from '@latchkey/users';
import { AnonymousAuthorization } from './anonymous-authorization.service.js';
import { ClientAuthenticator } from './client-authenticator.js';
import { DpopProofVerifier } from './dpop/dpop-proof.verifier.js';
import { RedisReplayCache } from './dpop/redis-replay-cache.js';
import { InMemoryReplayCache, ReplayCache } from './dpop/replay-cache.js';
import { GRANT_HANDLERS, type GrantHandler } from './grant-handler.js';
import { AuthorizationCodeGrant } from './grants/authorization-code.grant.js';
import { ClientCredentialsGrant } from './grants/client-credentials.grant.js';
import { RefreshTokenGrant } from './grants/refresh-token.grant.js';
import { TokenExchangeService } from './token-exchange.service.js';
import { TokenIssuance } from './token-issuance.js';
import { TokenIntrospectionService } from './token-introspection.service.js';
import { TokenRevocationService } from './token-revocation.service.js';
import { UserinfoService } from './userinfo.service.js';

/** Every grant the token endpoint serves: a new grant is one class and one line here. */
const GRANT_HANDLER_TYPES = [AuthorizationCodeGrant, RefreshTokenGrant, ClientCredentialsGrant];

@Module({
  imports: [ClientsModule, UsersModule, AuthorizationCodesModule, RefreshRotationModule, TokensModule, RateLimitsModule],
  providers: [
    AnonymousAuthorization,
    {
      provide: ReplayCache,
      inject: [LatchkeyEnvironment],
      useFactory: (env: LatchkeyEnvironment) => (env.REDIS_URL ? new RedisReplayCache(env.REDIS_URL).start() : new InMemoryReplayCache()),
    },
    DpopProofVerifier,
    ClientAuthenticator,
    TokenIssuance,
    ...GRANT_HANDLER_TYPES,
    { provide: GRANT_HANDLERS, inject: GRANT_HANDLER_TYPES, useFactory: (...handlers: GrantHandler[]) => handlers },
    TokenExchangeService,
    TokenRevocationService,
    TokenIntrospectionService,
    UserinfoService,
  ],
  exports: [AnonymousAuthorization, TokenExchangeService, DpopProofVerifier, ClientAuthenticator, ReplayCache, TokenRevocationService, TokenIntrospectionService, UserinfoService],
})
export class TokenExchangeModule {}
