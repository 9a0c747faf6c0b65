import { Module } from '@nestjs/common';
import { CacheInvalidationModule } from '@latchkey/cache-invalidation';
import { ClientsModule } from '@latchkey/clients';
import { ReplicaCacheSync } from './replica-cache-sync.service.js';

/** Keeps the caches of every Latchkey process (workers and replicas) in step. SigningKeysService comes from the global TokensModule. */
@Module({ imports: [CacheInvalidationModule, ClientsModule], providers: [ReplicaCacheSync] })
export class ReplicasModule {}
