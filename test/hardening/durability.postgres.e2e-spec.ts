import pg from 'pg';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { freePort, TEST_ADMIN_TOKEN } from '../support/test-app.js';
import { provisionTestDatabase, type TestDatabase } from '../support/test-database.js';
import { NO_RATE_LIMITS, ServiceDriver, Tally, type Client, type DialectName, type Reply } from './support/hardening.js';

/** One client's sign-in and its refreshes: everything it received, and whether a request was cut off. */
interface Chain {
  dialect: DialectName;
  client: Client;
  accessTokens: string[];
  refreshToken?: string;
  /** The last request got no answer: the process died under it. */
  cutOff: boolean;
}

/** Families left half-written: what must be empty after any crash (no grace window in this suite). */
const HALF_WRITTEN = {
  'a consumed refresh token without exactly one successor': `
    SELECT p.grant_id FROM refresh_tokens p
    WHERE p.consumed_at IS NOT NULL AND (SELECT count(*) FROM refresh_tokens c WHERE c.parent_digest = p.token_digest) <> 1`,
  'a successor whose parent is not consumed': `
    SELECT c.grant_id FROM refresh_tokens c
    WHERE c.parent_digest IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM refresh_tokens p WHERE p.token_digest = c.parent_digest AND p.consumed_at IS NOT NULL)`,
  'a live family without exactly one live refresh token': `
    SELECT r.grant_id FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id
    WHERE g.revoked_at IS NULL GROUP BY r.grant_id HAVING count(*) FILTER (WHERE r.consumed_at IS NULL) <> 1`,
  'a consumed code without its access token or first refresh token': `
    SELECT c.grant_id FROM authorization_codes c
    WHERE c.consumed_at IS NOT NULL
      AND (NOT EXISTS (SELECT 1 FROM issued_tokens t WHERE t.grant_id = c.grant_id)
           OR NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.grant_id = c.grant_id AND r.parent_digest IS NULL))`,
  'a refresh token without the access token issued with it': `
    SELECT r.grant_id FROM refresh_tokens r
    WHERE (SELECT count(*) FROM issued_tokens t WHERE t.grant_id = r.grant_id) < (SELECT count(*) FROM refresh_tokens s WHERE s.grant_id = r.grant_id)`,
  'a revoked grant (no reuse happened here)': `SELECT id FROM grants WHERE revoked_at IS NOT NULL`,
};

/**
 * Durability: code exchanges and refreshes under load while the service process is
 * killed with SIGKILL, then restarted on the same database. Every token a client received
 * is still good, and no family is left half-written (checked in SQL). Then a graceful
 * SIGTERM: requests in flight finish with 200.
 */
describe('durability of the service process', () => {
  let db: TestDatabase;
  let sql: pg.Client;
  let env: Record<string, string>;
  let service: ServiceProcess;
  let d: ServiceDriver;
  let clients: Client[];
  let huaweiClients: Client[];
  let user: { id: string };
  const tally = new Tally('durability');

  beforeAll(async () => {
    db = await provisionTestDatabase('hardening-durability');
    const port = await freePort();
    // The issuer and the port stay the same across restarts, as in production.
    env = {
      ...db.env,
      PORT: String(port),
      ISSUER: `http://127.0.0.1:${port}`,
      ...NO_RATE_LIMITS,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      NODE_ENV: 'test',
    } as Record<string, string>;
    service = await startServiceProcess(env);
    d = new ServiceDriver(service.url, tally);
    sql = new pg.Client({ connectionString: db.env.DATABASE_URL });
    await sql.connect();
    user = await d.user();
    clients = await Promise.all(Array.from({ length: 3 }, () => d.client({ grantTypes: ['authorization_code', 'refresh_token'] })));
    huaweiClients = await Promise.all(
      Array.from({ length: 3 }, () => d.client({ profile: 'huawei', grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'email'] })),
    );
  });
  afterAll(async () => {
    console.info(tally.summary());
    await sql?.end();
    await service?.stop();
    await db?.drop();
  });

  /** Sign in, then refresh, again and again, until `stop()` says so or a request gets no answer. */
  async function worker(dialect: DialectName, client: Client, stop: () => boolean, chains: Chain[]): Promise<void> {
    while (!stop()) {
      const chain: Chain = { dialect, client, accessTokens: [], cutOff: false };
      let pending: { code: string; verifier: string };
      try {
        pending = await d.code(client, user.id);
      } catch {
        return; // the admin call died with the process: no chain started
      }
      chains.push(chain);
      let reply: Reply;
      try {
        reply = await d.redeem(dialect, client, pending.code, pending.verifier);
      } catch {
        chain.cutOff = true;
        return;
      }
      expect(reply.status, reply.text).toBe(200);
      chain.accessTokens.push(reply.body.access_token);
      chain.refreshToken = reply.body.refresh_token;
      for (let n = 0; n < 6 && !stop(); n++) {
        try {
          reply = await d.refresh(dialect, client, chain.refreshToken!);
        } catch {
          chain.cutOff = true;
          return;
        }
        expect(reply.status, reply.text).toBe(200);
        chain.accessTokens.push(reply.body.access_token);
        chain.refreshToken = reply.body.refresh_token;
      }
    }
  }

  const grantOf = async (accessToken: string): Promise<string> =>
    (await sql.query(`SELECT grant_id FROM issued_tokens WHERE id = $1`, [decodeJwt(accessToken).jti])).rows[0].grant_id;

  for (const round of [1, 2]) {
    it(`round ${round}: SIGKILL under load, restart on the same database: every token received is still good, no half-written family`, async () => {
      const chains: Chain[] = [];
      let killed = false;
      const workers = [
        ...clients.flatMap((client) => [worker('standard', client, () => killed, chains), worker('standard', client, () => killed, chains)]),
        ...huaweiClients.flatMap((client) => [worker('huawei', client, () => killed, chains), worker('huawei', client, () => killed, chains)]),
      ];
      // Let the load run, then kill the process in the middle of it.
      await new Promise((resolve) => setTimeout(resolve, 1200 + round * 400));
      const answeredBefore = tally.statuses.get(200) ?? 0;
      expect(await service.stop('SIGKILL')).toBeNull();
      killed = true;
      tally.faults++;
      await Promise.all(workers);
      expect(answeredBefore).toBeGreaterThan(20);

      service = await startServiceProcess(env);
      d = new ServiceDriver(service.url, tally);

      // No family half-written, whatever the kill interrupted.
      for (const [what, query] of Object.entries(HALF_WRITTEN)) {
        expect((await sql.query(query)).rows, what).toEqual([]);
      }
      // Every access token received is still active; so is every chain's last refresh token,
      // unless the kill cut off its refresh: then the family has exactly one live token,
      // the one the client holds or the successor the process committed before it died.
      let cutOff = 0;
      for (const chain of chains) {
        for (const token of chain.accessTokens) expect((await d.introspect(token, chain.client)).active, `${chain.dialect} access token`).toBe(true);
        if (!chain.refreshToken) continue;
        const state = await d.introspect(chain.refreshToken, chain.client);
        if (!chain.cutOff) expect(state.active, `${chain.dialect} refresh token`).toBe(true);
        else {
          cutOff++;
          const grantId = await grantOf(chain.accessTokens[0]!);
          const live = await sql.query(`SELECT count(*)::int AS n FROM refresh_tokens WHERE grant_id = $1 AND consumed_at IS NULL AND revoked_at IS NULL`, [grantId]);
          expect(live.rows[0].n).toBe(1);
        }
      }
      // And the clients carry on where they were.
      for (const chain of chains.filter((c) => c.refreshToken && !c.cutOff)) {
        const next = await d.refresh(chain.dialect, chain.client, chain.refreshToken!);
        expect(next.status, next.text).toBe(200);
      }
      console.info(
        `[hardening] durability round ${round}: ${chains.length} chains, ${chains.reduce((n, c) => n + c.accessTokens.length, 0)} access tokens checked after the kill, ${cutOff} refreshes cut off by it`,
      );
      expect(tally.serverErrors).toBe(0);
    }, 60_000);
  }

  it('SIGTERM: requests in flight finish with 200, then the process exits 0', async () => {
    const client = clients[0]!;
    const families = await Promise.all(Array.from({ length: 16 }, () => d.signIn('standard', client, user.id)));
    // Hold the families' refresh tokens locked, so that the refreshes are surely in flight
    // (waiting for the lock in the database, or for their turn in the service) when SIGTERM
    // arrives. Concurrent rotations share statements (group commit), so a few waiting
    // sessions may carry all sixteen.
    const holder = new pg.Client({ connectionString: db.env.DATABASE_URL });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT token_digest FROM refresh_tokens WHERE client_id = $1 FOR UPDATE`, [client.clientId]);
    const inFlight = families.map((family) => d.refresh('standard', client, family.refreshToken!));
    for (let waited = 0; ; waited += 50) {
      const waiting = await sql.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (waiting.rows[0].n >= 1) break;
      if (waited > 10_000) throw new Error('the refreshes never reached the database');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // the rest of the sixteen arrive
    const exited = service.stop('SIGTERM');
    tally.faults++;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(service.child.exitCode).toBeNull(); // still finishing what it has
    await holder.query('COMMIT');
    await holder.end();
    const replies = await Promise.all(inFlight);
    expect(replies.map((r) => r.status)).toEqual(families.map(() => 200));
    expect(await exited).toBe(0);
    // What they got is good after a restart.
    service = await startServiceProcess(env);
    d = new ServiceDriver(service.url, tally);
    for (const reply of replies) expect((await d.introspect(reply.body.refresh_token, client)).active).toBe(true);
  }, 60_000);
});
