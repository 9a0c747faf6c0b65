import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_TABLES, TABLES_QUERY } from '../support/schema.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('the service platform', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('platform');
  });
  afterAll(() => t?.close());

  it('is live and ready, with the database up', async () => {
    expect(await (await fetch(`${t.baseUrl}/health/live`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('creates every table of the data model through migrations, never synchronize', async () => {
    const dataSource = t.app.get(DataSource);
    expect(dataSource.options.synchronize).toBe(false);
    const tables = (await dataSource.query(TABLES_QUERY)).map((r: { table_name: string }) => r.table_name);
    expect(tables).toEqual(expect.arrayContaining([...SCHEMA_TABLES, 'migrations']));
    const applied = await dataSource.query('SELECT name FROM migrations');
    expect(applied.map((r: { name: string }) => r.name)).toContain('InitialSchema1763769600000');
    expect(await dataSource.showMigrations()).toBe(false);
  });

  it('serves Swagger UI at /docs and a titled, versioned OpenAPI document at /docs-json', async () => {
    const ui = await fetch(`${t.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('text/html');
    expect(await ui.text()).toContain('swagger-ui');
    const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('Latchkey');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready', '/metrics']));
  });

  it('counts requests and latency by route and status in Prometheus text', async () => {
    await fetch(`${t.baseUrl}/health/live`);
    await fetch(`${t.baseUrl}/no-such-route`);
    const res = await fetch(`${t.baseUrl}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/health\/live",status_code="200"\} [1-9]/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="unmatched",status_code="404"\} [1-9]/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/health\/live",status_code="200"\}/);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('gives every response a request id, keeping a sane one from the caller', async () => {
    const own = await fetch(`${t.baseUrl}/health/live`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(own.headers.get('x-request-id')).toBe('trace-abc.123');
    const hostile = await fetch(`${t.baseUrl}/health/live`, { headers: { 'x-request-id': 'a b<script>' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
