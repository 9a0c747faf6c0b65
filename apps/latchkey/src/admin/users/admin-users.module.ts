import { Module } from '@nestjs/common';
import { UsersModule } from '@latchkey/users';
import { UsersController } from './users.controller.js';

/** /admin/users. */
@Module({ imports: [UsersModule], controllers: [UsersController] })
export class AdminUsersModule {}
