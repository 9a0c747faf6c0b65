import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { TEST_ADMIN_TOKEN } from '../support/test-app.js';
import { POSTGRES_URL, provisionTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  dpopKey,
  NO_RATE_LIMITS,
  ServiceDriver,
  shapeProblems,
  Tally,
  type Client,
  type DialectName,
  type DpopKey,
  type Received,
  type Reply,
} from './support/hardening.js';
import { TcpProxy } from './support/tcp-proxy.js';

const DIALECTS: DialectName[] = ['standard', 'midnight', 'huawei', 'dressipi', 'aws-signin'];

/** What each dialect answers while its database is away: 503 in its own shape, with Retry-After. */
function expectUnavailable(dialect: DialectName, reply: Reply): void {
  expect(reply.status, `${dialect}: ${reply.text}`).toBe(503);
  expect(shapeProblems(dialect, reply), dialect).toEqual([]);
  expect(reply.headers.get('retry-after'), dialect).toMatch(/^\d+$/);
  switch (dialect) {
    case 'standard':
    case 'huawei':
    case 'dressipi':
      expect(reply.body.error).toBe('temporarily_unavailable');
      break;
    case 'midnight':
      expect(reply.body.Message).toMatch(/temporarily unavailable/i);
      break;
    case 'aws-signin':
      expect(reply.headers.get('x-amzn-errortype')).toBe('InternalServerException');
      expect(reply.body.error).toBe('service_unavailable');
      break;
  }
}

/**
 * Database faults (DESIGN.md §5) without touching the shared Postgres: the service runs
 * against a TCP proxy that this suite cuts (connections reset, new ones refused: the
 * database is down) or blackholes (connections accepted, bytes dropped: the host is
 * unreachable), then restores. Every token endpoint answers 503 in its dialect's shape,
 * fast, readiness goes 503, and the same process recovers by itself.
 */
describe('database faults', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let service: ServiceProcess;
  let d: ServiceDriver;
  let clients: Record<DialectName, Client>;
  let user: { id: string };
  let dpop: DpopKey;
  const tally = new Tally('database faults');

  beforeAll(async () => {
    const postgres = new URL(POSTGRES_URL);
    proxy = await TcpProxy.start({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    db = await provisionTestDatabase('hardening-faults');
    const url = new URL(db.env.DATABASE_URL!);
    url.port = String(proxy.port);
    service = await startServiceProcess({
      ...db.env,
      DATABASE_URL: url.toString(),
      ...NO_RATE_LIMITS,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      NODE_ENV: 'test',
    });
    d = new ServiceDriver(service.url, tally);
    clients = await d.dialectClients();
    user = await d.user();
    dpop = await dpopKey();
  });
  afterAll(async () => {
    console.info(tally.summary());
    await service?.stop();
    await proxy?.close();
    await db?.drop();
  });

  /** One unredeemed code per dialect, made while the database is up. */
  const codes = async () =>
    Object.fromEntries(await Promise.all(DIALECTS.map(async (dialect) => [dialect, await d.code(clients[dialect], user.id)] as const))) as Record<
      DialectName,
      { code: string; verifier: string }
    >;
  const redeemAll = (pending: Awaited<ReturnType<typeof codes>>) =>
    Promise.all(DIALECTS.map(async (dialect) => [dialect, await d.redeem(dialect, clients[dialect], pending[dialect].code, pending[dialect].verifier, dpop)] as const));
  const ready = () => d.request('/health/ready');

  async function untilReady(timeoutMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      if ((await ready()).status === 200) return Date.now() - started;
      if (Date.now() - started > timeoutMs) throw new Error(`not ready ${timeoutMs} ms after the database came back`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  for (const fault of ['refuse', 'blackhole'] as const) {
    it(`${fault === 'refuse' ? 'database down (connections reset, refused)' : 'database unreachable (connections silent)'}: 503 in every dialect's shape, readiness 503, then recovery without a restart`, async () => {
      const pid = service.child.pid;
      // Before: tokens from every dialect, and codes to redeem during and after the fault.
      const before: Received[] = [];
      for (const dialect of DIALECTS) before.push(await d.signIn(dialect, clients[dialect], user.id, dpop));
      const pending = await codes();
      expect((await ready()).status).toBe(200);

      await proxy[fault]();
      tally.faults++;
      let slowest = 0;
      try {
        const started = performance.now();
        const answers = await redeemAll(pending);
        slowest = performance.now() - started;
        for (const [dialect, reply] of answers) expectUnavailable(dialect, reply);
        const readiness = await ready();
        expect(readiness.status).toBe(503);
        expect(readiness.body.status).toBe('error');
        expect((await d.request('/health/live')).status).toBe(200);
        const admin = await d.admin('GET', '/admin/clients');
        expect(admin.status).toBe(503);
        expect(admin.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        // A dead database answers fast: no request waits much longer than the connection timeout.
        expect(slowest).toBeLessThan(fault === 'refuse' ? 2_000 : 8_000);
      } finally {
        await proxy.restore();
      }
      const recovery = await untilReady(15_000);
      console.info(`[hardening] ${fault}: slowest 503 ${slowest.toFixed(0)} ms, ready again ${recovery} ms after the database came back`);

      // The same process: the codes the fault kept from being redeemed redeem now (a
      // failed transaction consumed nothing), and the tokens from before still work.
      expect(service.child.pid).toBe(pid);
      expect(service.child.exitCode).toBeNull();
      for (const [dialect, reply] of await redeemAll(pending)) expect(reply.status, `${dialect} after recovery: ${reply.text}`).toBe(200);
      for (const tokens of before) {
        const valid = await d.stillValid(tokens, clients.standard);
        expect(Object.values(valid).every(Boolean), `${tokens.dialect}: ${JSON.stringify(valid)}`).toBe(true);
      }
      expect(tally.serverErrors).toBe(0);
    }, 60_000);
  }
});
