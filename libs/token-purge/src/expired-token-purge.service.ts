import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LatchkeyEnvironment } from '@latchkey/config';
import { DataSource, type EntityManager } from 'typeorm';

/** Rows deleted by one purge, per table. */
export interface PurgedRows {
  authorizationCodes: number;
  refreshTokens: number;
  issuedTokens: number;
}

/** Rows deleted per statement: short transactions, short row locks, WAL in small steps. */
export const PURGE_BATCH = 5000;

/**
 * A code is kept for a day after it expired: presenting a redeemed code again revokes its
 * grant (RFC 6749 §4.1.2), and that should still hold for a replay a little late.
 */
export const CODE_REPLAY_WINDOW = '1 day';

/** The table each count of PurgedRows is of (also the metrics' `table` label). */
export const PURGED_TABLES: Readonly<Record<keyof PurgedRows, string>> = {
  authorizationCodes: 'authorization_codes',
  refreshTokens: 'refresh_tokens',
  issuedTokens: 'issued_tokens',
};

/** One replica purges at a time (pg_try_advisory_xact_lock); the others skip the round. */
const PURGE_LOCK = 'latchkey.expired-token-purge';

/**
 * What each table may lose, oldest first:
 * - authorization_codes: a day after they expired (CODE_REPLAY_WINDOW);
 * - refresh_tokens: once their family's absolute lifetime is over. Not earlier: a rotated
 *   token whose own lifetime is over is still what reveals a replay of it, which revokes
 *   the family while the family lives. (expires_at never passes family_expires_at, so
 *   the first condition only lets the BRIN index on expires_at narrow the scan.)
 * - issued_tokens (access-token records, SigV4 credentials): once expired; their tokens
 *   are refused by their own expiry after that.
 */
const DELETIONS: ReadonlyArray<{ counts: keyof PurgedRows; where: string }> = [
  { counts: 'authorizationCodes', where: `expires_at < now() - interval '${CODE_REPLAY_WINDOW}'` },
  { counts: 'refreshTokens', where: 'expires_at < now() AND family_expires_at < now()' },
  { counts: 'issuedTokens', where: 'expires_at < now()' },
];

/** Deletes at most $1 rows of DELETIONS' kind and counts them. */
const deleteBatchSql = ({ counts, where }: (typeof DELETIONS)[number], table = PURGED_TABLES[counts]) =>
  `WITH deleted AS (
     DELETE FROM ${table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${table} WHERE ${where} LIMIT $1)) RETURNING 1
   ) SELECT count(*)::int AS n FROM deleted`;

/**
 * Deletes what can no longer be used (DELETIONS): without it the token tables only grow,
 * and so do their indexes and every scan of them. Runs in every process every
 * PURGE_INTERVAL_SECONDS (the first time 30 to 60 s after start, at random, so that
 * replicas started together do not all try at once); 0 turns it off. POST /admin/purge runs
 * it at once. Grants are kept: they are the users' authorizations, listed and revoked
 * through the admin API, and deleted only there.
 */
@Injectable()
export class ExpiredTokenPurge implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ExpiredTokenPurge');
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<PurgedRows | undefined> | undefined;
  private readonly listeners = new Set<(purged: PurgedRows) => void>();

  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(LatchkeyEnvironment) private readonly env?: LatchkeyEnvironment,
  ) {}

  onApplicationBootstrap(): void {
    const intervalMs = (this.env?.PURGE_INTERVAL_SECONDS ?? 0) * 1000;
    if (intervalMs <= 0) return;
    const first = Math.min(intervalMs, 30_000 + Math.random() * 30_000);
    const tick = (delay: number) => {
      this.timer = setTimeout(() => {
        void this.purgeInBackground().finally(() => {
          if (!this.stopped) tick(intervalMs);
        });
      }, delay);
      this.timer.unref();
    };
    tick(first);
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Tells `listener` what each completed purge of this process deleted (metrics). Returns the unsubscribe. */
  onPurged(listener: (purged: PurgedRows) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Purges now, batch by batch. Answers the rows deleted, or undefined when another
   * process held the purge lock from the start (it is purging). A call while this process
   * purges joins it.
   */
  purge(): Promise<PurgedRows | undefined> {
    this.running ??= this.purgeAll()
      .then((purged) => {
        if (purged) this.tell(purged);
        return purged;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** A failing listener is logged, never thrown: the rows are deleted either way. */
  private tell(purged: PurgedRows): void {
    for (const listener of this.listeners) {
      try {
        listener(purged);
      } catch (error) {
        this.logger.warn(`a purge listener failed: ${(error as Error).message}`);
      }
    }
  }

  private async purgeInBackground(): Promise<void> {
    try {
      const purged = await this.purge();
      if (purged && purged.authorizationCodes + purged.refreshTokens + purged.issuedTokens > 0) {
        this.logger.log(`purged ${purged.authorizationCodes} codes, ${purged.refreshTokens} refresh tokens, ${purged.issuedTokens} access-token records`);
      }
    } catch (error) {
      // The next round tries again; a failed round deleted nothing it did not commit.
      this.logger.warn(`purge failed: ${(error as Error).message}`);
    }
  }

  /** Every kind in turn, batch by batch; another process taking the lock between two batches ends the round here. */
  private async purgeAll(): Promise<PurgedRows | undefined> {
    const purged: PurgedRows = { authorizationCodes: 0, refreshTokens: 0, issuedTokens: 0 };
    let batches = 0;
    for (const deletion of DELETIONS) {
      for (;;) {
        const deleted = await this.dataSource.transaction((manager) => deleteBatch(manager, deleteBatchSql(deletion)));
        if (deleted === undefined) return batches > 0 ? purged : undefined;
        batches++;
        purged[deletion.counts] += deleted;
        if (deleted < PURGE_BATCH) break;
        await new Promise((resolve) => setImmediate(resolve)); // let the token endpoint's work in between
      }
    }
    return purged;
  }
}

/** One batch in its own transaction; undefined when another process holds the purge lock. */
async function deleteBatch(manager: EntityManager, sql: string): Promise<number | undefined> {
  const [{ held }] = await manager.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS held`, [PURGE_LOCK]);
  if (!held) return undefined;
  const [{ n }] = await manager.query(sql, [PURGE_BATCH]);
  return n as number;
}
