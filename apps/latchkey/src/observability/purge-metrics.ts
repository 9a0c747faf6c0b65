import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ExpiredTokenPurge, PURGED_TABLES, type PurgedRows } from '@latchkey/token-purge';
import { Counter, Gauge } from 'prom-client';
import { HttpMetrics } from './http-metrics.js';

/**
 * What this process's purges of expired rows deleted, on /metrics: rows per table, and when
 * the last one completed (a purge that stops completing is worth an alert; with several
 * processes, the newest timestamp of all counts, since one purges at a time).
 */
@Injectable()
export class PurgeMetrics implements OnApplicationBootstrap, OnModuleDestroy {
  private stop: (() => void) | undefined;

  constructor(
    private readonly metrics: HttpMetrics,
    private readonly purge: ExpiredTokenPurge,
  ) {}

  onApplicationBootstrap(): void {
    const rows = new Counter({
      name: 'latchkey_purged_rows_total',
      help: 'Expired rows deleted by this process (ExpiredTokenPurge), by table',
      labelNames: ['table'] as const,
      registers: [this.metrics.registry],
    });
    const lastRun = new Gauge({
      name: 'latchkey_purge_last_completed_timestamp_seconds',
      help: 'When a purge of expired rows by this process last completed (Unix time)',
      registers: [this.metrics.registry],
    });
    for (const table of Object.values(PURGED_TABLES)) rows.inc({ table }, 0); // every series from the start
    this.stop = this.purge.onPurged((purged) => {
      for (const [key, table] of Object.entries(PURGED_TABLES) as Array<[keyof PurgedRows, string]>) rows.inc({ table }, purged[key]);
      lastRun.set(Date.now() / 1000);
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}
