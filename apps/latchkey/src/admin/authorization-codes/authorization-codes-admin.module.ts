import { Module } from '@nestjs/common';
import { AuthorizationCodesModule } from '@latchkey/authorization-codes';
import { AuthorizationCodesController } from './authorization-codes.controller.js';

/** POST /admin/authorization-codes. */
@Module({ imports: [AuthorizationCodesModule], controllers: [AuthorizationCodesController] })
export class AuthorizationCodesAdminModule {}
