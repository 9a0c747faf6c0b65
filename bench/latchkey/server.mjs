// Starts Latchkey for ../shared/bench: PGURL, PORT and PG_POOL from the driver's environment.
import { BENCH_KEY_ENCRYPTION_KEY, DIST } from './env.mjs';

Object.assign(process.env, {
  DATABASE_URL: process.env.PGURL,
  HOST: '127.0.0.1',
  NODE_ENV: 'production',
  KEY_ENCRYPTION_KEY: BENCH_KEY_ENCRYPTION_KEY,
  ISSUER: `http://127.0.0.1:${process.env.PORT}`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  SEED_DEMO: 'false',
  RATE_LIMIT_PER_MINUTE: '0',
  AUTH_FAILURE_LIMIT_PER_MINUTE: '0',
  WORKERS: process.env.WORKERS ?? '1',
  // The anchors get PG_POOL connections: the same for Latchkey, so the comparison is fair.
  DATABASE_POOL_SIZE: process.env.PG_POOL ?? '16',
});
await import(new URL('apps/latchkey/src/main.js', DIST).href);
// MEMLOG=1: process.memoryUsage() every 2 s in the server log (.bench/data/<stamp>/latchkey.server.log), in MB.
if (process.env.MEMLOG) {
  const mb = (bytes) => Math.round(bytes / 1048576);
  setInterval(() => {
    const m = process.memoryUsage();
    process.stderr.write(`memory: rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}\n`);
  }, 2000).unref();
}
