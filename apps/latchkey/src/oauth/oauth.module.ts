import { Module } from '@nestjs/common';
import { TokenExchangeModule } from '@latchkey/token-exchange';
import { TokensModule } from '@latchkey/tokens';
import { AuthorizeModule } from './authorize/authorize.module.js';
import { DiscoveryController } from './discovery.controller.js';
import { IntrospectionController } from './introspection.controller.js';
import { RevocationController } from './revocation.controller.js';
import { TokenController } from './token.controller.js';
import { UserinfoController } from './userinfo.controller.js';

/** The standard OAuth 2.0 / OpenID Connect endpoints (DESIGN.md §4). */
@Module({
  imports: [TokensModule, TokenExchangeModule, AuthorizeModule],
  controllers: [DiscoveryController, TokenController, RevocationController, IntrospectionController, UserinfoController],
})
export class OAuthModule {}
