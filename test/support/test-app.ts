import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { validateEnvironment } from '@latchkey/config';
import { createLatchkeyApp } from '../../apps/latchkey/src/app.factory.js';
import { createServer } from 'node:net';
import { provisionTestDatabase, type TestDatabase } from './test-database.js';

/** A port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  database: TestDatabase;
  close(): Promise<void>;
}

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/**
 * The whole service in this process on a free port, on a fresh database of the suite's
 * kind (Postgres or embedded), exactly as main.ts builds it.
 */
export async function startTestApp(label: string, env: Record<string, string> = {}): Promise<TestApp> {
  const database = await provisionTestDatabase(label);
  // The issuer must be the URL clients reach, so the port is chosen before the app is built.
  const port = await freePort();
  const config = validateEnvironment({
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    // No purge of expired rows behind a suite's back (suites that test it turn it on).
    PURGE_INTERVAL_SECONDS: '0',
    ...database.env,
    ...env,
  });
  const app = await createLatchkeyApp(config).catch(async (error) => {
    await database.drop();
    throw error;
  });
  await app.listen({ port, host: '127.0.0.1' });
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    database,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/** A JSON call to the admin API with the suite's ADMIN_TOKEN (or another bearer token). */
export async function adminRequest(
  t: TestApp,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TEST_ADMIN_TOKEN,
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${t.baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
