import { describe, expect, it } from 'vitest';
import { ConfigValidationError, resolveIssuer, resolveWorkers, shouldSeedDemo, validateEnvironment } from './environment.js';

describe('validateEnvironment', () => {
  it('applies the documented defaults', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATA_DIR: './.data',
      RATE_LIMIT_PER_MINUTE: 600,
      AUTH_FAILURE_LIMIT_PER_MINUTE: 30,
      PURGE_INTERVAL_SECONDS: 3600,
      NODE_ENV: 'development',
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(resolveIssuer(env)).toBe('http://localhost:3000');
    expect(shouldSeedDemo(env)).toBe(true);
  });

  it('types the values it reads', () => {
    const env = validateEnvironment({
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/latchkey',
      SEED_DEMO: 'false',
      RATE_LIMIT_PER_MINUTE: '0',
      ISSUER: 'https://id.example.com/',
      KEY_ENCRYPTION_KEY: 'a'.repeat(64),
    });
    expect(env.PORT).toBe(8080);
    expect(env.RATE_LIMIT_PER_MINUTE).toBe(0);
    expect(validateEnvironment({ PURGE_INTERVAL_SECONDS: '0' }).PURGE_INTERVAL_SECONDS).toBe(0);
    expect(env.SEED_DEMO).toBe(false);
    expect(resolveIssuer(env)).toBe('https://id.example.com');
    expect(shouldSeedDemo(validateEnvironment({ DATABASE_URL: 'postgres://x/y' }))).toBe(false);
  });

  it('treats an empty optional variable as unset', () => {
    expect(validateEnvironment({ DATABASE_URL: '', REDIS_URL: ' ' }).DATABASE_URL).toBeUndefined();
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', '3.5'],
    ['SEED_DEMO', 'maybe'],
    ['REDIS_URL', 'http://cache:6379'],
    ['LOG_LEVEL', 'loud'],
    ['AUTH_FAILURE_LIMIT_PER_MINUTE', 'many'],
    ['ADMIN_TOKEN', 'short'],
    ['WORKERS', '0'],
    ['WORKERS', 'two'],
    ['WORKERS', '1000'],
    ['PURGE_INTERVAL_SECONDS', '-1'],
    ['PURGE_INTERVAL_SECONDS', 'hourly'],
  ])('names %s when it is %j', (variable, value) => {
    expect(() => validateEnvironment({ [variable]: value })).toThrow(ConfigValidationError);
    try {
      validateEnvironment({ [variable]: value });
    } catch (error) {
      expect((error as ConfigValidationError).variable).toBe(variable);
      expect((error as Error).message).toContain(JSON.stringify(value));
    }
  });

  it('ignores variables it does not own', () => {
    expect(() => validateEnvironment({ PATH: '/bin', HOME: '/root' })).not.toThrow();
  });

  describe('WORKERS', () => {
    const postgres = { DATABASE_URL: 'postgres://db/latchkey', KEY_ENCRYPTION_KEY: 'a'.repeat(64) };

    it('defaults to one per core in production on Postgres, and to one otherwise', () => {
      expect(resolveWorkers(validateEnvironment({ ...postgres, NODE_ENV: 'production' }), 4)).toBe(4);
      expect(resolveWorkers(validateEnvironment({ ...postgres, NODE_ENV: 'development' }), 4)).toBe(1);
      expect(resolveWorkers(validateEnvironment({ ...postgres }), 4)).toBe(1);
      // The embedded database lives in one process, so production on it runs one.
      expect(resolveWorkers(validateEnvironment({ NODE_ENV: 'production', KEY_ENCRYPTION_KEY: 'a'.repeat(64) }), 4)).toBe(1);
    });

    it('is forced by WORKERS=N', () => {
      expect(resolveWorkers(validateEnvironment({ ...postgres, WORKERS: '3' }), 8)).toBe(3);
      expect(resolveWorkers(validateEnvironment({ ...postgres, NODE_ENV: 'production', WORKERS: '1' }), 8)).toBe(1);
      expect(resolveWorkers(validateEnvironment({ ...postgres, WORKERS: ' ' }), 8)).toBe(1);
      expect(resolveWorkers(validateEnvironment({ WORKERS: '1' }), 8)).toBe(1);
    });

    it('refuses several workers on the embedded database, in one line naming WORKERS', () => {
      expect(() => validateEnvironment({ WORKERS: '2' })).toThrow(
        'WORKERS must be 1 with the embedded database; set DATABASE_URL to run several workers (got "2")',
      );
    });
  });
});

describe('TRUST_PROXY and DATABASE_POOL_SIZE', () => {
  it('trusts no proxy by default, every hop with true, or the listed ones', async () => {
    const { trustProxySetting } = await import('./environment.js');
    expect(trustProxySetting(validateEnvironment({}))).toBe(false);
    expect(trustProxySetting(validateEnvironment({ TRUST_PROXY: 'false' }))).toBe(false);
    expect(trustProxySetting(validateEnvironment({ TRUST_PROXY: 'true' }))).toBe(true);
    expect(trustProxySetting(validateEnvironment({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }))).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(() => validateEnvironment({ TRUST_PROXY: 'nginx please' })).toThrow(/TRUST_PROXY/);
  });

  it('sizes the pool, 10 by default', () => {
    expect(validateEnvironment({}).DATABASE_POOL_SIZE).toBe(10);
    expect(validateEnvironment({ DATABASE_POOL_SIZE: '32' }).DATABASE_POOL_SIZE).toBe(32);
    expect(() => validateEnvironment({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
  });
});
