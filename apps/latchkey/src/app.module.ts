import { Module } from '@nestjs/common';
import { LatchkeyConfigModule } from '@latchkey/config';
import { PersistenceModule } from '@latchkey/persistence';
import { HealthModule } from './health/health.module.js';
import { ObservabilityModule } from './observability/observability.module.js';

@Module({
  imports: [LatchkeyConfigModule, PersistenceModule, ObservabilityModule, HealthModule],
})
export class AppModule {}
