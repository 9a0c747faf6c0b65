import { Module } from '@nestjs/common';
import { TokenExchangeModule } from '@latchkey/token-exchange';
import { DressipiController } from './dressipi.controller.js';
import { DressipiDialect } from './dressipi.service.js';

/** The dressipi dialect: POST /oauth/token and GET /oauth/authorize (DESIGN.md §4). */
@Module({
  imports: [TokenExchangeModule],
  controllers: [DressipiController],
  providers: [DressipiDialect],
})
export class DressipiModule {}
