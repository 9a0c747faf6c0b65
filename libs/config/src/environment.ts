import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { availableParallelism } from 'node:os';

/** Every variable of DESIGN.md §4, typed. Nothing else in Latchkey reads `process.env`. */
const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const toInteger = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

export class LatchkeyEnvironment {
  @IsIn(['development', 'production', 'test'], { message: 'must be development, production or test' })
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInteger)
  @IsInt({ message: 'must be an integer port number' })
  @Min(0, { message: 'must be between 0 and 65535' })
  @Max(65535, { message: 'must be between 0 and 65535' })
  PORT = 3000;

  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  HOST = '127.0.0.1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  DATA_DIR = './.data';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  ISSUER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(16, { message: 'must be at least 16 characters' })
  ADMIN_TOKEN?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=?|[A-Za-z0-9_-]{43})$/, {
    message: 'must be 32 bytes, as 64 hex digits or base64',
  })
  KEY_ENCRYPTION_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @Transform(toBoolean)
  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  SEED_DEMO?: boolean;

  @Transform(toInteger)
  @IsInt({ message: 'must be a whole number (0 = no limit)' })
  @Min(0, { message: 'must be 0 or more' })
  RATE_LIMIT_PER_MINUTE = 600;

  @Transform(toInteger)
  @IsInt({ message: 'must be a whole number (0 = no limit)' })
  @Min(0, { message: 'must be 0 or more' })
  AUTH_FAILURE_LIMIT_PER_MINUTE = 30;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL = 'info';

  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  MIGRATE_ON_START = true;

  /** Worker processes (node:cluster). Unset: see `resolveWorkers`. */
  @Transform((params) => toInteger({ value: emptyToUndefined(params) }))
  @IsOptional()
  @IsInt({ message: 'must be a whole number of worker processes' })
  @Min(1, { message: 'must be between 1 and 256' })
  @Max(256, { message: 'must be between 1 and 256' })
  WORKERS?: number;

  /** Connections in each process's Postgres pool (the embedded database always uses one). */
  @Transform(toInteger)
  @IsInt({ message: 'must be a whole number of connections' })
  @Min(1, { message: 'must be between 1 and 200' })
  @Max(200, { message: 'must be between 1 and 200' })
  DATABASE_POOL_SIZE = 10;

  /**
   * How often each process deletes expired codes, refresh-token families and access-token
   * records (ExpiredTokenPurge; one process at a time); 0 turns it off.
   */
  @Transform(toInteger)
  @IsInt({ message: 'must be a whole number of seconds (0 = off)' })
  @Min(0, { message: 'must be 0 or more' })
  PURGE_INTERVAL_SECONDS = 3600;

  /**
   * Which proxies to believe about the caller's address (X-Forwarded-For), for rate limits
   * and logs: unset or false trusts none (the TCP peer is the caller), true trusts every
   * hop (only when nothing but the proxy can reach the service), or a comma-separated list
   * of proxy addresses or CIDR ranges.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(true|false|[0-9a-fA-F:.\/]+(\s*,\s*[0-9a-fA-F:.\/]+)*)$/, {
    message: 'must be true, false, or a comma-separated list of addresses or CIDR ranges',
  })
  TRUST_PROXY?: string;
}

/** Fastify's trustProxy option from TRUST_PROXY. */
export function trustProxySetting(env: LatchkeyEnvironment): boolean | string[] {
  if (!env.TRUST_PROXY || env.TRUST_PROXY === 'false') return false;
  if (env.TRUST_PROXY === 'true') return true;
  return env.TRUST_PROXY.split(',').map((s) => s.trim());
}

export class ConfigValidationError extends Error {
  constructor(readonly variable: string, detail: string, value: unknown) {
    super(`${variable} ${detail} (got ${JSON.stringify(value)})`);
    this.name = 'ConfigValidationError';
  }
}

/** The names of every variable Latchkey reads. */
export const ENVIRONMENT_VARIABLES: ReadonlySet<string> = new Set(Object.keys(new LatchkeyEnvironment()).concat([
  'DATABASE_URL', 'ISSUER', 'ADMIN_TOKEN', 'KEY_ENCRYPTION_KEY', 'REDIS_URL', 'SEED_DEMO', 'WORKERS', 'TRUST_PROXY',
]));

/**
 * Validates and types the environment. Throws ConfigValidationError naming the first
 * variable that is wrong, so start-up can fail with one clear line.
 */
export function validateEnvironment(env: Record<string, unknown>): LatchkeyEnvironment {
  const relevant: Record<string, unknown> = {};
  for (const key of ENVIRONMENT_VARIABLES) if (env[key] !== undefined) relevant[key] = env[key];
  const parsed = plainToInstance(LatchkeyEnvironment, relevant, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) throw toConfigError(errors[0]!, relevant);
  if (parsed.NODE_ENV === 'production' && !parsed.KEY_ENCRYPTION_KEY) {
    throw new ConfigValidationError('KEY_ENCRYPTION_KEY', 'is required when NODE_ENV=production', undefined);
  }
  if (parsed.WORKERS !== undefined && parsed.WORKERS > 1 && isEmbeddedDatabase(parsed)) {
    // PGlite lives inside one process: several workers cannot share it.
    throw new ConfigValidationError('WORKERS', 'must be 1 with the embedded database; set DATABASE_URL to run several workers', relevant.WORKERS);
  }
  return parsed;
}

function toConfigError(error: ValidationError, raw: Record<string, unknown>): ConfigValidationError {
  const detail = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
  // class-validator prefixes default messages with the property name; keep one name only.
  const clean = detail.startsWith(`${error.property} `) ? detail.slice(error.property.length + 1) : detail;
  return new ConfigValidationError(error.property, clean, raw[error.property]);
}

/** The resolved settings that depend on more than one variable. */
export function resolveIssuer(env: LatchkeyEnvironment, listeningPort?: number): string {
  const base = env.ISSUER ?? `http://localhost:${listeningPort ?? env.PORT}`;
  return base.replace(/\/+$/, '');
}

export function isEmbeddedDatabase(env: LatchkeyEnvironment): boolean {
  return !env.DATABASE_URL;
}

/**
 * How many worker processes serve HTTP: WORKERS when set; otherwise one per core
 * (os.availableParallelism()) in production on Postgres, and one (no cluster) in
 * development, in tests and on the embedded database, which lives inside one process.
 */
export function resolveWorkers(env: LatchkeyEnvironment, cores = availableParallelism()): number {
  if (env.WORKERS !== undefined) return env.WORKERS;
  return env.NODE_ENV === 'production' && !isEmbeddedDatabase(env) ? Math.max(1, cores) : 1;
}

export function shouldSeedDemo(env: LatchkeyEnvironment): boolean {
  return env.SEED_DEMO ?? isEmbeddedDatabase(env);
}
