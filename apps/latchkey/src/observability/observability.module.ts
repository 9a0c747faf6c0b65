import { Global, Module } from '@nestjs/common';
import { HttpMetrics } from './http-metrics.js';

@Global()
@Module({ providers: [HttpMetrics], exports: [HttpMetrics] })
export class ObservabilityModule {}
