import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AdminBearerStrategy } from './auth/admin-bearer.strategy.js';
import { AdminGuard } from './auth/admin.guard.js';
import { AuthorizationCodesAdminModule } from './authorization-codes/authorization-codes-admin.module.js';
import { GrantsAdminModule } from './grants/grants-admin.module.js';
import { AdminClientsModule } from './clients/admin-clients.module.js';
import { AdminUsersModule } from './users/admin-users.module.js';
import { KeysModule } from './keys/keys.module.js';
import { PurgeAdminModule } from './purge/purge-admin.module.js';

/**
 * The admin REST API (DESIGN.md §4). Each resource is a feature module of its own,
 * imported here; controllers delegate to the services in libs/.
 */
@Module({
  imports: [
    PassportModule,
    // admin feature modules
    AuthorizationCodesAdminModule,
    GrantsAdminModule,
    AdminUsersModule,
    AdminClientsModule,
    KeysModule,
    PurgeAdminModule,
  ],
  providers: [AdminBearerStrategy, AdminGuard],
})
export class AdminModule {}
