import { Module } from '@nestjs/common';
import { GrantsModule } from '@latchkey/grants';
import { ClientRegistry } from './client-registry.service.js';

@Module({ imports: [GrantsModule], providers: [ClientRegistry], exports: [ClientRegistry] })
export class ClientsModule {}
