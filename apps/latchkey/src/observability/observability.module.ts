import { Global, Module } from '@nestjs/common';
import { TokenPurgeModule } from '@latchkey/token-purge';
import { HttpMetrics } from './http-metrics.js';
import { PurgeMetrics } from './purge-metrics.js';

@Global()
@Module({ imports: [TokenPurgeModule], providers: [HttpMetrics, PurgeMetrics], exports: [HttpMetrics] })
export class ObservabilityModule {}
