import { Module } from '@nestjs/common';
import { TokensModule } from '@latchkey/tokens';
import { KeysController } from './keys.controller.js';

/** GET /admin/keys, POST /admin/keys/rotate. */
@Module({ imports: [TokensModule], controllers: [KeysController] })
export class KeysModule {}
