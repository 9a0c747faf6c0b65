import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LatchkeyEnvironment } from './environment.js';
import { loadServerSecrets, ServerSecrets } from './secrets.js';

/**
 * The environment is validated once, at start-up (`validateEnvironment`), into a typed
 * `LatchkeyEnvironment`; this module hands that object to @nestjs/config's ConfigService
 * and to every provider that injects `LatchkeyEnvironment`. Taking it as an argument
 * (instead of reading process.env at import time) lets tests boot apps with other settings.
 */
@Module({})
export class LatchkeyConfigModule {
  static forRoot(env: LatchkeyEnvironment): DynamicModule {
    return {
      module: LatchkeyConfigModule,
      global: true,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, ignoreEnvVars: true, load: [() => ({ ...env })] })],
      providers: [
        { provide: LatchkeyEnvironment, useValue: env },
        { provide: ServerSecrets, useFactory: () => loadServerSecrets(env) },
      ],
      exports: [LatchkeyEnvironment, ServerSecrets, ConfigModule],
    };
  }
}
