import { type DynamicModule, Module } from '@nestjs/common';
import { LatchkeyConfigModule, type LatchkeyEnvironment } from '@latchkey/config';
import { CryptoModule } from '@latchkey/crypto';
import { PersistenceModule } from '@latchkey/persistence';
import { TokenPurgeModule } from '@latchkey/token-purge';
import { AdminModule } from './admin/admin.module.js';
import { DemoModule } from './demo/demo.module.js';
import { HealthModule } from './health/health.module.js';
import { OAuthModule } from './oauth/oauth.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { ReplicasModule } from './replicas/replicas.module.js';
import { AwsSigninModule } from './vendors/aws-signin/aws-signin.module.js';
import { DressipiModule } from './vendors/dressipi/dressipi.module.js';
import { HuaweiModule } from './vendors/huawei/huawei.module.js';
import { MidnightModule } from './vendors/midnight/midnight.module.js';

@Module({})
export class AppModule {
  static forRoot(env: LatchkeyEnvironment): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LatchkeyConfigModule.forRoot(env),
        PersistenceModule,
        CryptoModule,
        ObservabilityModule,
        HealthModule,
        OAuthModule,
        AdminModule,
        DemoModule,
        ReplicasModule,
        TokenPurgeModule,
        DressipiModule,
        MidnightModule,
        HuaweiModule,
        AwsSigninModule,
      ],
    };
  }
}
