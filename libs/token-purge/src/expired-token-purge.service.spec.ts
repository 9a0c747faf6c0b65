import pg from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LatchkeyEnvironment } from '@latchkey/config';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { ExpiredTokenPurge, PURGE_BATCH } from './expired-token-purge.service.js';

describe('ExpiredTokenPurge', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dataSource: DataSource;
  let purge: ExpiredTokenPurge;
  let grantId: string;
  let userId: string;

  beforeAll(async () => {
    db = await openTestDatabase('token_purge');
    dataSource = db.dataSource;
    purge = new ExpiredTokenPurge(dataSource);
    await dataSource.query(`INSERT INTO clients (client_id, name, profile, type) VALUES ('app', 'App', 'standard', 'public')`);
    [{ id: userId }] = await dataSource.query(`INSERT INTO users (username, name) VALUES ('ada', 'Ada') RETURNING id`);
    [{ id: grantId }] = await dataSource.query(`INSERT INTO grants (client_id, user_id, scope) VALUES ('app', $1, 'openid') RETURNING id`, [userId]);
  });
  afterAll(() => db?.close());
  beforeEach(() => dataSource.query('TRUNCATE authorization_codes, refresh_tokens, issued_tokens'));

  /** A code labelled by its redirect URI, expiring `expiresIn` from now (a Postgres interval). */
  const code = (label: string, expiresIn: string, consumed = false) =>
    dataSource.query(
      `INSERT INTO authorization_codes (code_digest, grant_id, client_id, user_id, redirect_uri, expires_at, consumed_at)
       VALUES (sha256(convert_to($1::text, 'UTF8')), $2, 'app', $3, $1, now() + $4::interval, CASE WHEN $5 THEN now() - interval '2 days' END)`,
      [label, grantId, userId, expiresIn, consumed],
    );
  /** A refresh token labelled by its scope. */
  const refreshToken = (label: string, expiresIn: string, familyExpiresIn: string, consumed = false) =>
    dataSource.query(
      `INSERT INTO refresh_tokens (token_digest, grant_id, client_id, user_id, scope, expires_at, family_expires_at, consumed_at)
       VALUES (sha256(convert_to($1::text, 'UTF8')), $2, 'app', $3, $1, now() + $4::interval, now() + $5::interval, CASE WHEN $6 THEN now() - interval '1 hour' END)`,
      [label, grantId, userId, expiresIn, familyExpiresIn, consumed],
    );
  const accessRecord = (label: string, expiresIn: string) =>
    dataSource.query(`INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, expires_at) VALUES ($1, 'access_token', $2, 'app', $3, now() + $4::interval)`, [
      label,
      grantId,
      userId,
      expiresIn,
    ]);
  const labels = async (sql: string) => ((await dataSource.query(sql)) as Array<{ label: string }>).map((r) => r.label).sort();

  it('deletes codes a day past expiry, refresh tokens of ended families and expired access-token records, and nothing else', async () => {
    await code('live', '5 minutes');
    await code('expired an hour ago', '-1 hour', true); // a replay now still revokes its grant
    await code('expired two days ago', '-2 days', true);
    await refreshToken('live', '1 day', '30 days');
    await refreshToken('rotated, own lifetime over, family alive', '-1 day', '30 days', true); // still reveals a replay
    await refreshToken('family ended', '-2 days', '-1 minute', true);
    await refreshToken('family ended, never used', '-1 minute', '-1 minute');
    await accessRecord('live', '10 minutes');
    await accessRecord('expired', '-1 second');

    expect(await purge.purge()).toEqual({ authorizationCodes: 1, refreshTokens: 2, issuedTokens: 1 });
    expect(await labels('SELECT redirect_uri AS label FROM authorization_codes')).toEqual(['expired an hour ago', 'live']);
    expect(await labels('SELECT scope AS label FROM refresh_tokens')).toEqual(['live', 'rotated, own lifetime over, family alive']);
    expect(await labels('SELECT id AS label FROM issued_tokens')).toEqual(['live']);
    expect(await dataSource.query('SELECT id FROM grants')).toEqual([{ id: grantId }]); // grants stay
    expect(await purge.purge()).toEqual({ authorizationCodes: 0, refreshTokens: 0, issuedTokens: 0 });
  });

  it('works through more rows than one batch', async () => {
    const expired = PURGE_BATCH * 2 + 17;
    await dataSource.query(
      `INSERT INTO issued_tokens (id, kind, grant_id, client_id, user_id, expires_at)
       SELECT 'old-' || n, 'access_token', $1, 'app', $2, now() - interval '1 hour' FROM generate_series(1, $3) AS n`,
      [grantId, userId, expired],
    );
    await accessRecord('live', '1 hour');
    expect(await purge.purge()).toEqual({ authorizationCodes: 0, refreshTokens: 0, issuedTokens: expired });
    expect(await labels('SELECT id AS label FROM issued_tokens')).toEqual(['live']);
  });

  it('skips the round while another process purges (holds the lock), and joins a purge already running here', async () => {
    await accessRecord('expired', '-1 minute');
    const other = new pg.Client({ connectionString: (dataSource.options as { url: string }).url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT pg_advisory_xact_lock(hashtext('latchkey.expired-token-purge'))`);
      expect(await purge.purge()).toBeUndefined();
      expect(await labels('SELECT id AS label FROM issued_tokens')).toEqual(['expired']);
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    const [first, second] = [purge.purge(), purge.purge()];
    expect(second).toBe(first);
    expect(await first).toEqual({ authorizationCodes: 0, refreshTokens: 0, issuedTokens: 1 });
  });

  it('tells its listeners what each purge deleted; a failing listener fails nothing', async () => {
    await accessRecord('expired', '-1 minute');
    const heard: unknown[] = [];
    const stops = [
      purge.onPurged(() => {
        throw new Error('listener down');
      }),
      purge.onPurged((purged) => heard.push(purged)),
    ];
    try {
      expect(await purge.purge()).toEqual({ authorizationCodes: 0, refreshTokens: 0, issuedTokens: 1 });
      expect(heard).toEqual([{ authorizationCodes: 0, refreshTokens: 0, issuedTokens: 1 }]);
    } finally {
      for (const stop of stops) stop();
    }
    await purge.purge();
    expect(heard).toHaveLength(1); // unsubscribed
  });

  it('runs on its own every PURGE_INTERVAL_SECONDS, and not at all with 0', async () => {
    await accessRecord('expired', '-1 minute');
    const off = new ExpiredTokenPurge(dataSource, { PURGE_INTERVAL_SECONDS: 0 } as LatchkeyEnvironment);
    off.onApplicationBootstrap();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await labels('SELECT id AS label FROM issued_tokens')).toEqual(['expired']);
    off.onModuleDestroy();

    const scheduled = new ExpiredTokenPurge(dataSource, { PURGE_INTERVAL_SECONDS: 1 } as LatchkeyEnvironment);
    scheduled.onApplicationBootstrap();
    try {
      await expect.poll(() => labels('SELECT id AS label FROM issued_tokens'), { timeout: 5000, interval: 100 }).toEqual([]);
    } finally {
      scheduled.onModuleDestroy();
    }
  });
});
