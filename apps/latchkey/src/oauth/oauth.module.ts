import { Module } from '@nestjs/common';
import { TokensModule } from '@latchkey/tokens';
import { DiscoveryController } from './discovery.controller.js';

/** The standard OAuth 2.0 / OpenID Connect endpoints (DESIGN.md §4). */
@Module({
  imports: [TokensModule],
  controllers: [DiscoveryController],
})
export class OAuthModule {}
