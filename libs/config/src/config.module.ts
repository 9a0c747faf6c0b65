import { Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ENVIRONMENT_VARIABLES, LatchkeyEnvironment, validateEnvironment } from './environment.js';
import { loadServerSecrets, ServerSecrets } from './secrets.js';

/**
 * Wraps @nestjs/config: the environment is validated once into a typed
 * `LatchkeyEnvironment`, which is what every other module injects.
 */
@Global()
@Module({
  imports: [ConfigModule.forRoot({ ignoreEnvFile: true, cache: true, validate: validateEnvironment })],
  providers: [
    {
      provide: LatchkeyEnvironment,
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        validateEnvironment(Object.fromEntries([...ENVIRONMENT_VARIABLES].map((k) => [k, config.get(k)]))),
    },
    { provide: ServerSecrets, inject: [LatchkeyEnvironment], useFactory: loadServerSecrets },
  ],
  exports: [LatchkeyEnvironment, ServerSecrets],
})
export class LatchkeyConfigModule {}
