import { Module } from '@nestjs/common';
import { AuthorizationModule } from '@latchkey/authorization';
import { TokenExchangeModule } from '@latchkey/token-exchange';
import { AwsSigninAuthorizeController } from './aws-signin-authorize.controller.js';
import { AwsSigninController } from './aws-signin.controller.js';

/** The aws-signin dialect: POST /v1/token and GET /v1/authorize. */
@Module({ imports: [TokenExchangeModule, AuthorizationModule], controllers: [AwsSigninController, AwsSigninAuthorizeController] })
export class AwsSigninModule {}
