import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import type { CacheInvalidation } from './cache-invalidation.js';
import { InProcessCacheInvalidation } from './in-process.cache-invalidation.js';
import { POSTGRES_INVALIDATION_CHANNEL, PostgresCacheInvalidation } from './postgres.cache-invalidation.js';
import { RedisCacheInvalidation } from './redis.cache-invalidation.js';

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` passes or `ms` elapse; answers how long it took. */
async function within(ms: number, check: () => void): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      check();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > ms) throw error;
      await sleep(10);
    }
  }
}

/** Records what each handler saw: `topic:key` (`topic:*` for "everything"). */
function recorder(invalidation: CacheInvalidation, ...topics: string[]) {
  const seen: string[] = [];
  for (const topic of topics) invalidation.subscribe(topic, (key) => void seen.push(`${topic}:${key ?? '*'}`));
  return seen;
}

describe('InProcessCacheInvalidation', () => {
  it('runs the handlers of the topic, with the key, and nothing after unsubscribing', async () => {
    const invalidation = new InProcessCacheInvalidation();
    await invalidation.start();
    const seen = recorder(invalidation, 'clients', 'signing-keys');
    const stop = invalidation.subscribe('clients', () => {
      throw new Error('a broken handler');
    });
    await invalidation.publish('clients', 'web-app');
    await invalidation.publish('signing-keys');
    stop();
    await invalidation.publish('users', 'u1');
    expect(seen).toEqual(['clients:web-app', 'signing-keys:*']);
    await expect(invalidation.publish('Not A Topic')).rejects.toThrow('invalid invalidation topic');
    await expect(invalidation.publish('clients', 'x'.repeat(5000))).rejects.toThrow('at most 1024 characters');
    await invalidation.stop();
  });
});

describe('PostgresCacheInvalidation', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  const started: PostgresCacheInvalidation[] = [];

  async function replica(): Promise<PostgresCacheInvalidation> {
    const invalidation = new PostgresCacheInvalidation({
      databaseUrl: db.env.DATABASE_URL!,
      notify: (channel, payload) => pool.query('SELECT pg_notify($1, $2)', [channel, payload]),
    });
    await invalidation.start();
    started.push(invalidation);
    return invalidation;
  }

  beforeAll(async () => {
    db = await provisionTestDatabase('invalidation', 'postgres');
    pool = new pg.Pool({ connectionString: db.env.DATABASE_URL, max: 2 });
  });
  afterAll(async () => {
    await Promise.all(started.map((i) => i.stop()));
    await pool?.end();
    await db?.drop();
  });

  it('reaches the other process within milliseconds, carrying ids only, and runs the publisher once', async () => {
    const a = await replica();
    const b = await replica();
    const seenA = recorder(a, 'clients');
    const seenB = recorder(b, 'clients', 'signing-keys');
    // What goes over the wire, seen by a plain listener.
    const spy = new pg.Client({ connectionString: db.env.DATABASE_URL });
    await spy.connect();
    const payloads: string[] = [];
    spy.on('notification', (n) => payloads.push(n.payload!));
    await spy.query(`LISTEN ${POSTGRES_INVALIDATION_CHANNEL}`);
    try {
      await a.publish('clients', 'web-app');
      const took = await within(1000, () => expect(seenB).toEqual(['clients:web-app']));
      expect(took).toBeLessThan(1000);
      await a.publish('signing-keys');
      await within(1000, () => expect(seenB).toEqual(['clients:web-app', 'signing-keys:*']));
      await within(1000, () => expect(payloads).toHaveLength(2));
      expect(JSON.parse(payloads[0]!)).toEqual({ v: 1, o: a.instanceId, t: 'clients', k: 'web-app' });
      expect(JSON.parse(payloads[1]!)).toEqual({ v: 1, o: a.instanceId, t: 'signing-keys' });
      await sleep(100);
      expect(seenA).toEqual(['clients:web-app']); // at publish; its own echo is skipped
      // Malformed messages from anyone else are ignored.
      await pool.query('SELECT pg_notify($1, $2)', [POSTGRES_INVALIDATION_CHANNEL, 'not json']);
      await pool.query('SELECT pg_notify($1, $2)', [POSTGRES_INVALIDATION_CHANNEL, '{"v":1,"o":"x","t":"DROP TABLE"}']);
      await sleep(100);
      expect(seenB).toHaveLength(2);
    } finally {
      await spy.end();
    }
  });

  it('reconnects when its connection is killed, then drops everything, and hears again', async () => {
    const a = await replica();
    const b = await replica();
    const seenB = recorder(b, 'clients', 'signing-keys');
    const killed = await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'latchkey-invalidation' AND datname = current_database() AND pid <> pg_backend_pid()`,
    );
    expect(killed.rowCount).toBeGreaterThanOrEqual(2);
    await within(5000, () => expect(b.listening && a.listening).toBe(true));
    // Whatever was published while it was away is lost, so every topic is dropped.
    await within(5000, () => expect(seenB).toEqual(expect.arrayContaining(['clients:*', 'signing-keys:*'])));
    seenB.length = 0;
    await a.publish('clients', 'after-reconnect');
    await within(1000, () => expect(seenB).toEqual(['clients:after-reconnect']));
  });

  it('refuses to start when the database cannot be reached', async () => {
    const invalidation = new PostgresCacheInvalidation({
      databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
      notify: async () => undefined,
    });
    await expect(invalidation.start()).rejects.toThrow();
    await invalidation.stop();
  });
});

describe('RedisCacheInvalidation', () => {
  // A channel of this run's own: other suites may share the Redis server.
  const channel = `latchkey-test:${randomBytes(6).toString('hex')}`;
  let admin: Redis;
  const started: RedisCacheInvalidation[] = [];

  async function replica(): Promise<RedisCacheInvalidation> {
    const invalidation = new RedisCacheInvalidation(REDIS_URL, channel);
    await invalidation.start();
    started.push(invalidation);
    return invalidation;
  }

  beforeAll(() => {
    admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await Promise.all(started.map((i) => i.stop()));
    admin?.disconnect();
  });

  it('reaches the other process within milliseconds, carrying ids only, and runs the publisher once', async () => {
    const a = await replica();
    const b = await replica();
    const seenA = recorder(a, 'clients');
    const seenB = recorder(b, 'clients');
    const spy = admin.duplicate();
    const payloads: string[] = [];
    spy.on('message', (_channel: string, message: string) => payloads.push(message));
    await spy.subscribe(channel);
    try {
      await a.publish('clients', 'web-app');
      expect(await within(1000, () => expect(seenB).toEqual(['clients:web-app']))).toBeLessThan(1000);
      await within(1000, () => expect(payloads).toHaveLength(1));
      expect(JSON.parse(payloads[0]!)).toEqual({ v: 1, o: a.instanceId, t: 'clients', k: 'web-app' });
      await sleep(100);
      expect(seenA).toEqual(['clients:web-app']);
    } finally {
      spy.disconnect();
    }
  });

  it('subscribes again after its connection is killed, drops everything, and hears again', async () => {
    const a = await replica();
    const b = await replica();
    const seenB = recorder(b, 'clients');
    const list = (await admin.client('LIST')) as string;
    const id = list
      .split('\n')
      .find((line) => line.includes(`name=latchkey-invalidation-${b.instanceId.slice(0, 8)}-sub `))
      ?.match(/\bid=(\d+)/)?.[1];
    expect(id).toBeDefined();
    await admin.client('KILL', 'ID', id!);
    await within(5000, () => expect(seenB).toEqual(['clients:*']));
    seenB.length = 0;
    await a.publish('clients', 'after-reconnect');
    await within(1000, () => expect(seenB).toEqual(['clients:after-reconnect']));
  });

  it('refuses to start when Redis cannot be reached, naming REDIS_URL', async () => {
    const invalidation = new RedisCacheInvalidation('redis://127.0.0.1:1', channel);
    await expect(invalidation.start()).rejects.toThrow('cannot reach Redis at REDIS_URL');
    await invalidation.stop();
  });
});
