import { Module } from '@nestjs/common';
import { AuthorizationCodesModule } from '@latchkey/authorization-codes';
import { ClientsModule } from '@latchkey/clients';
import { RateLimitsModule } from '@latchkey/rate-limits';
import { UsersModule } from '@latchkey/users';
import { AuthorizationFlow } from './authorization-flow.service.js';
import { AuthorizationRequestValidator } from './authorization-request.validator.js';
import { InteractionTokens } from './interaction-token.service.js';
import { SessionTokens } from './session-token.service.js';

/** The authorization endpoint's logic: request checks, the login interaction, the browser session. */
@Module({
  imports: [ClientsModule, UsersModule, AuthorizationCodesModule, RateLimitsModule],
  providers: [AuthorizationRequestValidator, InteractionTokens, SessionTokens, AuthorizationFlow],
  exports: [AuthorizationRequestValidator, InteractionTokens, SessionTokens, AuthorizationFlow],
})
export class AuthorizationModule {}
