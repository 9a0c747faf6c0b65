import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CacheInvalidation } from '@latchkey/cache-invalidation';
import { ClientRegistry } from '@latchkey/clients';
import { SigningKeysService } from '@latchkey/tokens';

/** The topics other replicas hear about; messages carry ids only. */
export const INVALIDATION_TOPICS = { clients: 'clients', signingKeys: 'signing-keys' } as const;

/**
 * Ties the in-process caches to the cross-replica channel (DESIGN.md §6): a change made
 * here (admin API) is published, and a change published by any replica drops the cached
 * copy here. A replica's own message only repeats an invalidation it already did.
 * Users are not cached in process, so user changes need no message.
 */
@Injectable()
export class ReplicaCacheSync implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly stops: Array<() => void> = [];

  constructor(
    private readonly invalidation: CacheInvalidation,
    private readonly clients: ClientRegistry,
    private readonly keys: SigningKeysService,
  ) {}

  onApplicationBootstrap(): void {
    const { clients, signingKeys } = INVALIDATION_TOPICS;
    this.stops.push(
      this.invalidation.subscribe(clients, (clientId) => this.clients.invalidate(clientId)),
      this.invalidation.subscribe(signingKeys, () => this.keys.invalidate()),
      this.clients.onChange((clientId) => this.invalidation.publish(clients, clientId)),
      this.keys.onChange(() => this.invalidation.publish(signingKeys)),
    );
  }

  onModuleDestroy(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}
