import { type DynamicModule, Module } from '@nestjs/common';
import { LatchkeyConfigModule, type LatchkeyEnvironment } from '@latchkey/config';
import { PersistenceModule } from '@latchkey/persistence';
import { HealthModule } from './health/health.module.js';
import { ObservabilityModule } from './observability/observability.module.js';

@Module({})
export class AppModule {
  static forRoot(env: LatchkeyEnvironment): DynamicModule {
    return {
      module: AppModule,
      imports: [LatchkeyConfigModule.forRoot(env), PersistenceModule, ObservabilityModule, HealthModule],
    };
  }
}
