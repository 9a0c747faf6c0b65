import { Module } from '@nestjs/common';
import { AuthorizationModule } from '@latchkey/authorization';
import { TokenExchangeModule } from '@latchkey/token-exchange';
import { HuaweiAuthorizeController } from './huawei-authorize.controller.js';
import { HuaweiTokenController } from './huawei.controller.js';

/** The huawei dialect: POST /api/v1/oauth2/token and GET /api/v1/oauth2/authorize. */
@Module({ imports: [TokenExchangeModule, AuthorizationModule], controllers: [HuaweiTokenController, HuaweiAuthorizeController] })
export class HuaweiModule {}
