import { Module } from '@nestjs/common';
import { ClientsModule } from '@latchkey/clients';
import { ClientsController } from './clients.controller.js';

/** /admin/clients. */
@Module({ imports: [ClientsModule], controllers: [ClientsController] })
export class AdminClientsModule {}
