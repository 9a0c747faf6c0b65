import { Module } from '@nestjs/common';
import { GrantsModule } from '@latchkey/grants';
import { GrantsController } from './grants.controller.js';

/** GET /admin/grants, DELETE /admin/grants/{id}. */
@Module({ imports: [GrantsModule], controllers: [GrantsController] })
export class GrantsAdminModule {}
