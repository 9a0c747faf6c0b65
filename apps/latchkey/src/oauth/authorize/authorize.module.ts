import { Module } from '@nestjs/common';
import { AuthorizationModule } from '@latchkey/authorization';
import { AuthorizeController } from './authorize.controller.js';

/** GET/POST /oauth2/authorize and the sign-in page. */
@Module({ imports: [AuthorizationModule], controllers: [AuthorizeController] })
export class AuthorizeModule {}
