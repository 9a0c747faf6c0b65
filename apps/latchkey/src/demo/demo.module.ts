import { Module } from '@nestjs/common';
import { AuthorizationCodesModule } from '@latchkey/authorization-codes';
import { ClientsModule } from '@latchkey/clients';
import { UsersModule } from '@latchkey/users';
import { DemoSeed } from './demo-seed.js';

@Module({ imports: [ClientsModule, UsersModule, AuthorizationCodesModule], providers: [DemoSeed], exports: [DemoSeed] })
export class DemoModule {}
