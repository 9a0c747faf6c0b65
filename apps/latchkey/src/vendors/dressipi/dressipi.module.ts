import { Module } from '@nestjs/common';
import { AuthorizationCodesModule } from '@latchkey/authorization-codes';
import { TokenExchangeModule } from '@latchkey/token-exchange';
import { UsersModule } from '@latchkey/users';
import { DressipiController } from './dressipi.controller.js';
import { DressipiDialect } from './dressipi.service.js';

/** The dressipi dialect: POST /oauth/token and GET /oauth/authorize (DESIGN.md §4). */
@Module({
  imports: [TokenExchangeModule, UsersModule, AuthorizationCodesModule],
  controllers: [DressipiController],
  providers: [DressipiDialect],
})
export class DressipiModule {}
