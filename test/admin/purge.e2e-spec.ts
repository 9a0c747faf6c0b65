import * as oauth from 'oauth4webapi';
import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthFixtures } from '../support/oauth-fixtures.js';
import { adminRequest, startTestApp, type TestApp } from '../support/test-app.js';

/** POST /admin/purge and the purge every process runs on its own (ExpiredTokenPurge). */
describe('admin: purge of expired tokens', () => {
  let t: TestApp;
  let f: OAuthFixtures;
  let as: oauth.AuthorizationServer;
  let dataSource: DataSource;
  let userId: string;
  const insecure = { [oauth.allowInsecureRequests]: true };

  beforeAll(async () => {
    t = await startTestApp('admin-purge');
    f = new OAuthFixtures(t);
    as = await f.authorizationServer();
    dataSource = t.app.get(DataSource);
    userId = (await f.user()).id;
  });
  afterAll(() => t?.close());

  /** Tokens for a public client by code exchange (PKCE), as oauth4webapi requests them. */
  async function tokensFor(client: { clientId: string; redirectUri: string }) {
    const { code, verifier } = await f.code(client, userId, { scope: 'openid offline_access' });
    const params = oauth.validateAuthResponse(as, { client_id: client.clientId }, new URLSearchParams({ code, iss: as.issuer }), oauth.skipStateCheck);
    const response = await oauth.authorizationCodeGrantRequest(as, { client_id: client.clientId }, oauth.None(), params, client.redirectUri, verifier, insecure);
    return oauth.processAuthorizationCodeResponse(as, { client_id: client.clientId }, response);
  }
  const refresh = (clientId: string, refreshToken: string) =>
    f.post('/oauth2/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });

  it('needs the admin token', async () => {
    expect((await adminRequest(t, 'POST', '/admin/purge', undefined, null)).status).toBe(401);
  });

  it('deletes ended refresh-token families and expired access-token records; live tokens keep working', async () => {
    const client = await f.client();
    const ended = await tokensFor(client);
    const live = await tokensFor(client);
    // Time passes for the first authorization only: its family's lifetime and its access token are over.
    const endedJti = decodeJwt(ended.access_token).jti as string;
    const [{ grant_id: endedGrant }] = await dataSource.query(`SELECT grant_id FROM issued_tokens WHERE id = $1`, [endedJti]);
    await dataSource.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 hour', family_expires_at = now() - interval '1 minute' WHERE grant_id = $1`, [endedGrant]);
    await dataSource.query(`UPDATE issued_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [endedJti]);

    const purged = await adminRequest(t, 'POST', '/admin/purge');
    expect(purged.status).toBe(200);
    expect(purged.body).toEqual({ authorizationCodes: 0, refreshTokens: 1, issuedTokens: 1 });
    expect(await dataSource.query(`SELECT 1 FROM refresh_tokens WHERE grant_id = $1`, [endedGrant])).toEqual([]);
    expect(await dataSource.query(`SELECT id FROM grants WHERE id = $1`, [endedGrant])).toHaveLength(1); // the grant stays

    expect((await refresh(client.clientId, ended.refresh_token!)).body).toMatchObject({ error: 'invalid_grant' });
    const rotated = await refresh(client.clientId, live.refresh_token!);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await adminRequest(t, 'POST', '/admin/purge')).body).toEqual({ authorizationCodes: 0, refreshTokens: 0, issuedTokens: 0 });

    // What this process deleted, for Prometheus.
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toContain('latchkey_purged_rows_total{table="authorization_codes"} 0');
    expect(metrics).toContain('latchkey_purged_rows_total{table="refresh_tokens"} 1');
    expect(metrics).toContain('latchkey_purged_rows_total{table="issued_tokens"} 1');
    const completed = Number(/^latchkey_purge_last_completed_timestamp_seconds (\S+)$/m.exec(metrics)?.[1]);
    expect(Math.abs(completed - Date.now() / 1000)).toBeLessThan(30);
  });

  it('keeps a rotated token while its family lives, so that its replay still revokes the family', async () => {
    const client = await f.client();
    const first = await tokensFor(client);
    const second = await refresh(client.clientId, first.refresh_token!);
    expect(second.status).toBe(200);
    // The rotated token's own lifetime is over; its family's is not.
    await dataSource.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 minute' WHERE consumed_at IS NOT NULL AND client_id = $1`, [client.clientId]);
    expect((await adminRequest(t, 'POST', '/admin/purge')).body).toMatchObject({ refreshTokens: 0 });

    expect((await refresh(client.clientId, first.refresh_token!)).body).toMatchObject({ error: 'invalid_grant' }); // the replay
    expect((await refresh(client.clientId, second.body.refresh_token)).body).toMatchObject({ error: 'invalid_grant' }); // family revoked
  });

  it('runs on its own every PURGE_INTERVAL_SECONDS', async () => {
    const scheduled = await startTestApp('admin-purge-scheduled', { PURGE_INTERVAL_SECONDS: '1' });
    try {
      const db = scheduled.app.get(DataSource);
      await db.query(`INSERT INTO clients (client_id, name, profile, type) VALUES ('svc', 'Service', 'standard', 'public')`);
      await db.query(`INSERT INTO issued_tokens (id, kind, client_id, expires_at) VALUES ('expired', 'access_token', 'svc', now() - interval '1 minute')`);
      await expect.poll(async () => (await db.query(`SELECT id FROM issued_tokens`)).length, { timeout: 10_000, interval: 200 }).toBe(0);
    } finally {
      await scheduled.close();
    }
  });
});
