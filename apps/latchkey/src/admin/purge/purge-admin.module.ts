import { Module } from '@nestjs/common';
import { TokenPurgeModule } from '@latchkey/token-purge';
import { PurgeController } from './purge.controller.js';

/** POST /admin/purge. */
@Module({ imports: [TokenPurgeModule], controllers: [PurgeController] })
export class PurgeAdminModule {}
