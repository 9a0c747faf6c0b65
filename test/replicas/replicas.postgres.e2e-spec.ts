import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, OAuthFixtures } from '../support/oauth-fixtures.js';
import { runEntry, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { adminRequest, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app.js';
import { provisionTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Several Latchkey processes on one Postgres database (DESIGN.md §6): correctness that the
 * database enforces (single-use codes, revoked grants) and changes made through the admin
 * API on one replica reaching the in-process caches of the others within a second, through
 * Postgres LISTEN/NOTIFY and through Redis pub/sub. One replica runs as a cluster of two
 * workers (WORKERS=2).
 */

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
/** One issuer for all: a token from any replica must verify on every replica. */
const ISSUER = 'https://id.replicas.test';
const KEY_ENCRYPTION_KEY = randomBytes(32).toString('hex');
const STARTUP_MS = 150_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Replica {
  name: string;
  service: ServiceProcess;
  /** What the fixtures need of a TestApp. */
  t: TestApp;
}

interface TokenAnswer {
  status: number;
  body: any;
}

/** Polls `attempt` until it answers true; answers the milliseconds it took, or throws after `ms`. */
async function within(ms: number, what: string, attempt: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await attempt()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(25);
  }
}

/** The invalidation messages on the wire, to check that they carry ids only. */
type Wire = { messages: string[]; close(): Promise<void> };

async function listenOnPostgres(databaseUrl: string): Promise<Wire> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const messages: string[] = [];
  client.on('notification', (n) => messages.push(n.payload ?? ''));
  await client.query('LISTEN latchkey_cache_invalidation');
  return { messages, close: () => client.end() };
}

async function listenOnRedis(): Promise<Wire> {
  const redis = new Redis(REDIS_URL);
  const messages: string[] = [];
  redis.on('message', (_channel: string, message: string) => messages.push(message));
  await redis.subscribe('latchkey:cache-invalidation');
  return { messages, close: async () => void redis.disconnect() };
}

function replicaSuite(label: string, options: { redis: boolean }) {
  describe(label, () => {
    let db: TestDatabase;
    let replicas: Replica[];
    let wire: Wire;
    let f: OAuthFixtures;
    let userId: string;
    let web: { clientId: string; clientSecret?: string; redirectUri: string };

    beforeAll(async () => {
      db = await provisionTestDatabase(options.redis ? 'replicas_redis' : 'replicas_pg', 'postgres');
      const shared = {
        ...db.env,
        ISSUER,
        KEY_ENCRYPTION_KEY,
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        SEED_DEMO: 'false',
        LOG_LEVEL: 'info',
        RATE_LIMIT_PER_MINUTE: '0',
        AUTH_FAILURE_LIMIT_PER_MINUTE: '0',
        ...(options.redis ? { REDIS_URL } : {}),
      };
      // Three processes started together on one fresh database (migrations and the first
      // signing keys are made once, under advisory locks). Without Redis, the third is a
      // cluster of two workers, seeding the demo (once: only its first worker seeds).
      const extra = [{}, {}, options.redis ? {} : { WORKERS: '2', SEED_DEMO: 'true' }];
      const services = await Promise.allSettled(extra.map((env) => startServiceProcess({ ...shared, ...env }, STARTUP_MS)));
      const failed = services.find((s) => s.status === 'rejected');
      if (failed) {
        await Promise.all(services.map((s) => (s.status === 'fulfilled' ? s.value.stop('SIGKILL') : undefined)));
        throw (failed as PromiseRejectedResult).reason;
      }
      replicas = services.map((s, i) => {
        const service = (s as PromiseFulfilledResult<ServiceProcess>).value;
        return { name: `replica ${'ABC'[i]}`, service, t: { baseUrl: service.url } as TestApp };
      });
      wire = options.redis ? await listenOnRedis() : await listenOnPostgres(db.env.DATABASE_URL!);
      f = new OAuthFixtures(replicas[0]!.t);
      userId = (await f.user()).id;
      web = await f.client({ type: 'confidential', grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'] });
    }, STARTUP_MS + 30_000);

    afterAll(async () => {
      await wire?.close();
      for (const replica of replicas ?? []) await replica.service.stop('SIGKILL');
      await db?.drop();
    });

    // ---- helpers ---------------------------------------------------------------------

    async function post(replica: Replica, path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<TokenAnswer> {
      const res = await fetch(`${replica.t.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    }

    async function exchange(replica: Replica, client: typeof web, code: { code: string; verifier: string }) {
      return post(
        replica,
        '/oauth2/token',
        { grant_type: 'authorization_code', code: code.code, redirect_uri: client.redirectUri, code_verifier: code.verifier },
        { authorization: basic(client.clientId, client.clientSecret!) },
      );
    }

    async function tokensFrom(replica: Replica) {
      const res = await exchange(replica, web, await f.code(web, userId, { scope: 'openid profile offline_access' }));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { access_token: string; refresh_token: string; id_token: string };
    }

    const clientCredentials = (replica: Replica, client: { clientId: string }, secret: string) =>
      post(replica, '/oauth2/token', { grant_type: 'client_credentials', scope: 'openid' }, { authorization: basic(client.clientId, secret) });

    const jwks = async (replica: Replica): Promise<JSONWebKeySet> => (await fetch(`${replica.t.baseUrl}/oauth2/jwks`)).json() as Promise<JSONWebKeySet>;

    const sortedKids = (set: JSONWebKeySet) => set.keys.map((k) => k.kid!).sort();

    /** The invalidation messages about this key. */
    const messagesAbout = (key: string) => wire.messages.map((m) => JSON.parse(m)).filter((m) => m.k === key);

    // ---- scenarios -------------------------------------------------------------------

    it('redeems one code exactly once when the attempts are spread over all replicas', async () => {
      const code = await f.code(web, userId);
      const attempts = Array.from({ length: 12 }, (_, i) => exchange(replicas[i % 3]!, web, code));
      const answers = await Promise.all(attempts);
      const ok = answers.filter((a) => a.status === 200);
      expect(ok, JSON.stringify(answers.map((a) => a.status))).toHaveLength(1);
      expect(ok[0]!.body.access_token).toEqual(expect.any(String));
      for (const refused of answers.filter((a) => a.status !== 200)) {
        expect(refused.status).toBe(400);
        expect(refused.body.error).toBe('invalid_grant');
      }
    });

    it('refuses a refresh on one replica once the grant was revoked on another', async () => {
      const [a, b, c] = replicas as [Replica, Replica, Replica];
      const tokens = await tokensFrom(a);
      const refreshed = await post(c, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { authorization: basic(web.clientId, web.clientSecret!) });
      expect(refreshed.status).toBe(200);
      const grants = await adminRequest(b.t, 'GET', `/admin/grants?userId=${userId}&clientId=${encodeURIComponent(web.clientId)}`);
      expect(grants.status).toBe(200);
      const grant = grants.body.items.find((g: { revokedAt?: string | null }) => !g.revokedAt);
      expect((await adminRequest(b.t, 'DELETE', `/admin/grants/${grant.id}`)).status).toBe(204);
      for (const replica of [c, a]) {
        const refused = await post(replica, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token }, { authorization: basic(web.clientId, web.clientSecret!) });
        expect(refused.status, replica.name).toBe(400);
        expect(refused.body.error).toBe('invalid_grant');
      }
    });

    it('refuses a client disabled on one replica on every other within a second, and takes it back as fast', async () => {
      const [a, b, c] = replicas as [Replica, Replica, Replica];
      const client = await f.client({ type: 'confidential', grantTypes: ['client_credentials'], scopes: ['openid'], redirectUris: [] });
      // Every replica (and every worker of the clustered one) has the client cached now.
      for (const replica of replicas) {
        for (let i = 0; i < 4; i++) expect((await clientCredentials(replica, client, client.clientSecret!)).status, replica.name).toBe(200);
      }
      expect((await adminRequest(a.t, 'PATCH', `/admin/clients/${encodeURIComponent(client.clientId)}`, { disabled: true })).status).toBe(200);
      for (const replica of [b, c]) {
        // The client cache keeps entries 5 s: only the invalidation message makes this pass.
        await within(1000, `${replica.name} refuses the disabled client`, async () => (await clientCredentials(replica, client, client.clientSecret!)).status === 401);
      }
      for (const replica of replicas) {
        for (let i = 0; i < 4; i++) {
          const refused = await clientCredentials(replica, client, client.clientSecret!);
          expect(refused.status, replica.name).toBe(401);
          expect(refused.body.error).toBe('invalid_client');
        }
      }
      // Enabled again on B: usable on A and C within a second.
      expect((await adminRequest(b.t, 'PATCH', `/admin/clients/${encodeURIComponent(client.clientId)}`, { disabled: false })).status).toBe(200);
      for (const replica of [a, c]) {
        await within(1000, `${replica.name} accepts the enabled client`, async () => (await clientCredentials(replica, client, client.clientSecret!)).status === 200);
      }
      // A new secret made on C: the old one stops working on A and B within a second.
      const rotated = await adminRequest(c.t, 'POST', `/admin/clients/${encodeURIComponent(client.clientId)}/secret`, {});
      expect(rotated.status).toBe(200);
      for (const replica of [a, b]) {
        await within(1000, `${replica.name} refuses the old secret`, async () => (await clientCredentials(replica, client, client.clientSecret!)).status === 401);
        expect((await clientCredentials(replica, client, rotated.body.clientSecret)).status).toBe(200);
      }
      // What went over the wire: the topic and the client id, nothing else.
      const messages = messagesAbout(client.clientId);
      expect(messages.length).toBeGreaterThanOrEqual(3);
      for (const message of messages) {
        expect(Object.keys(message).sort()).toEqual(['k', 'o', 't', 'v']);
        expect(message).toMatchObject({ v: 1, t: 'clients', k: client.clientId });
      }
      expect(JSON.stringify(wire.messages)).not.toContain(rotated.body.clientSecret);
      expect(JSON.stringify(wire.messages)).not.toContain(client.clientSecret);
    });

    it('rotates keys on one replica: every replica publishes the new keys, signs with the new key, and verifies every token', async () => {
      const [a] = replicas as [Replica];
      const before = await Promise.all(replicas.map((replica) => tokensFrom(replica)));
      const oldKid = decodeProtectedHeader(before[0]!.access_token).kid;
      for (const tokens of before) expect(decodeProtectedHeader(tokens.access_token).kid).toBe(oldKid);

      const rotated = await adminRequest(a.t, 'POST', '/admin/keys/rotate', {});
      expect(rotated.status).toBe(200);
      const newKid: string = rotated.body.kid;
      expect(newKid).not.toBe(oldKid);
      const published = (await adminRequest(a.t, 'GET', '/admin/keys')).body.items.map((k: { kid: string }) => k.kid).sort();
      expect(published).toEqual(expect.arrayContaining([oldKid, newKid]));
      // The ring is cached for minutes: only the invalidation message makes this pass.
      for (const replica of replicas) {
        await within(1000, `${replica.name} publishes the rotated keys`, async () => {
          const sets = await Promise.all([jwks(replica), jwks(replica), jwks(replica)]);
          return sets.every((set) => JSON.stringify(sortedKids(set)) === JSON.stringify(published));
        });
      }
      const after = await Promise.all(replicas.map((replica) => tokensFrom(replica)));
      for (const tokens of after) {
        expect(decodeProtectedHeader(tokens.access_token).kid).toBe(newKid);
        expect(decodeProtectedHeader(tokens.id_token).kid).toBe(newKid);
      }

      const all = [...before, ...after];
      for (const replica of replicas) {
        const keySet = createLocalJWKSet(await jwks(replica));
        for (const tokens of all) {
          const { payload } = await jwtVerify(tokens.access_token, keySet, { issuer: ISSUER });
          expect(payload.sub).toBe(userId);
          await jwtVerify(tokens.id_token, keySet, { issuer: ISSUER, audience: web.clientId });
          const introspected = await post(replica, '/oauth2/introspect', { token: tokens.access_token }, { authorization: basic(web.clientId, web.clientSecret!) });
          expect(introspected.status).toBe(200);
          expect(introspected.body).toMatchObject({ active: true, sub: userId, iss: ISSUER });
          const userinfo = await fetch(`${replica.t.baseUrl}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
          expect(userinfo.status, replica.name).toBe(200);
          expect(((await userinfo.json()) as { sub: string }).sub).toBe(userId);
        }
      }
      // The keys message names no key at all.
      const keyMessages = wire.messages.map((m) => JSON.parse(m)).filter((m) => m.t === 'signing-keys');
      expect(keyMessages.length).toBeGreaterThanOrEqual(1);
      for (const message of keyMessages) expect(Object.keys(message).sort()).toEqual(['o', 't', 'v']);
    });

    it(`invalidates through ${options.redis ? 'Redis pub/sub' : 'Postgres LISTEN/NOTIFY'}`, () => {
      for (const replica of replicas) {
        expect(replica.service.output()).toContain(`"msg":"cache invalidation across processes: ${options.redis ? 'redis' : 'postgres'}"`);
      }
    });

    if (!options.redis) {
      it('runs a replica as two workers: one banner, a dead worker replaced, a clean stop', async () => {
        const clustered = replicas[2]!;
        const output = clustered.service.output();
        expect(output.match(/Latchkey listening on /g)).toHaveLength(1);
        expect(output).toContain('(Postgres at DATABASE_URL, 2 workers)');
        // The demo was seeded once, and its lines printed once, with the banner.
        expect(output.match(/Demo \(SEED_DEMO\)/g)).toHaveLength(1);
        const seeded = new pg.Client({ connectionString: db.env.DATABASE_URL });
        await seeded.connect();
        try {
          const [row] = (await seeded.query(`SELECT (SELECT count(*) FROM users WHERE username = 'demo')::int AS users, (SELECT count(*) FROM clients WHERE name LIKE 'Demo (%')::int AS clients`)).rows;
          expect(row).toEqual({ users: 1, clients: 5 });
        } finally {
          await seeded.end();
        }
        // Both workers logged their start (pino lines carry the pid), the primary migrated.
        const pids = new Set([...output.matchAll(/"pid":(\d+)/g)].map((m) => m[1]));
        expect(pids.size).toBeGreaterThanOrEqual(2);

        const workers = () => {
          try {
            return execFileSync('ps', ['-o', 'pid=', '--ppid', String(clustered.service.child.pid)], { encoding: 'utf8' })
              .split('\n')
              .map((s) => s.trim())
              .filter(Boolean);
          } catch {
            return []; // ps exits 1 when there is none
          }
        };
        const [victim] = workers();
        expect(workers()).toHaveLength(2);
        process.kill(Number(victim), 'SIGKILL');
        await within(30_000, 'the primary replaces the dead worker', async () => {
          const now = workers();
          return now.length === 2 && !now.includes(victim!);
        });
        expect(clustered.service.output()).toContain(`worker ${victim} died (signal SIGKILL); starting another in`);
        // Served throughout by the other worker, and by the new one once it is up.
        await within(30_000, 'the new worker serves', async () => {
          const pidsNow = new Set([...clustered.service.output().matchAll(/"pid":(\d+)/g)].map((m) => m[1]));
          return [...pidsNow].some((pid) => !pids.has(pid));
        });
        for (let i = 0; i < 6; i++) expect((await fetch(`${clustered.t.baseUrl}/health/ready`)).status).toBe(200);

        const code = await clustered.service.stop('SIGTERM');
        expect(code, clustered.service.output().slice(-2000)).toBe(0);
        expect(workers()).toEqual([]);
        expect(clustered.service.output()).not.toMatch(/stopped with|still running/);
      }, 90_000);
    }
  });
}

replicaSuite('three replicas on one Postgres, invalidating through LISTEN/NOTIFY (one of them two workers)', { redis: false });
replicaSuite('three replicas on one Postgres and one Redis, invalidating through Redis pub/sub', { redis: true });

describe('WORKERS on the embedded database', () => {
  it('refuses to start with WORKERS=2, in one line naming WORKERS', async () => {
    const db = await provisionTestDatabase('workers_embedded', 'embedded');
    try {
      const { exited, output } = runEntry('main.js', { ...db.env, WORKERS: '2' });
      expect(await exited).toBe(1);
      expect(output().trim().split('\n')).toEqual([
        'latchkey: invalid configuration: WORKERS must be 1 with the embedded database; set DATABASE_URL to run several workers (got "2")',
      ]);
    } finally {
      await db.drop();
    }
  });
});
