import { Module } from '@nestjs/common';
import { GrantsModule } from '@latchkey/grants';
import { PasswordHasher } from './password-hasher.js';
import { UsersService } from './users.service.js';

@Module({ imports: [GrantsModule], providers: [UsersService, PasswordHasher], exports: [UsersService, PasswordHasher] })
export class UsersModule {}
