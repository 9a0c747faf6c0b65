import { Module } from '@nestjs/common';
import { TokenExchangeModule } from '@latchkey/token-exchange';
import { MidnightController } from './midnight.controller.js';

/** The midnight dialect: POST /v1/Token/OAuth2/AuthorizationCode. */
@Module({ imports: [TokenExchangeModule], controllers: [MidnightController] })
export class MidnightModule {}
