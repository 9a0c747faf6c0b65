import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginThroughForm } from '../support/login-form.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { TEST_ADMIN_TOKEN } from '../support/test-app.js';
import { provisionTestDatabase, type TestDatabase } from '../support/test-database.js';
import { basicAuth, dpopKey, NO_RATE_LIMITS, pkce, ServiceDriver, Tally, type Client, type DialectName, type DpopKey, type Received } from './support/hardening.js';

/** The ways a secret could be written down: as it is, URL- or JSON-encoded, as base64 or hex, or as the bytes it encodes. */
function renderings(secret: string): string[] {
  const utf8 = Buffer.from(secret, 'utf8');
  const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), utf8.toString('base64'), utf8.toString('base64url'), utf8.toString('hex')];
  if (/^[A-Za-z0-9_-]{16,}$/.test(secret)) {
    const bytes = Buffer.from(secret, 'base64url');
    forms.push(bytes.toString('hex'), bytes.toString('base64'));
  }
  return [...new Set(forms.filter((f) => f.length >= 12))];
}

/** Every text, bytea, json and array column of every table, rendered as text (bytea as hex, base64 and its bytes read as text). */
async function databaseText(sql: pg.Client): Promise<Record<string, string>> {
  const columns = await sql.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
     WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'character', 'bytea', 'json', 'jsonb', 'ARRAY')
     ORDER BY table_name, ordinal_position`,
  );
  const byTable = new Map<string, string[]>();
  for (const c of columns.rows) {
    const column = `"${c.column_name}"`;
    byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c.data_type === 'bytea' ? column : `${column}::text`]);
  }
  const render = (value: unknown): string =>
    Buffer.isBuffer(value) ? [value.toString('hex'), value.toString('base64'), value.toString('base64url'), value.toString('latin1')].join('\u0001') : String(value ?? '');
  const text: Record<string, string> = {};
  for (const [table, expressions] of byTable) {
    const rows = await sql.query(`SELECT ${expressions.map((e, i) => `${e} AS c${i}`).join(', ')} FROM "${table}"`);
    text[table] = rows.rows.map((row) => Object.values(row).map(render).join('\u0001')).join('\n');
  }
  return text;
}

/**
 * Secrets at rest and in logs (DESIGN.md §3): a full run through every endpoint and every
 * dialect against a service process logging at debug, then every table of its database
 * (every text, bytea, json and array column) and everything it logged are searched for
 * every code, refresh token, access token, client secret, API key, SigV4 secret, session
 * token, PKCE verifier and password used: none appears, in any encoding.
 */
describe('secrets at rest and in the logs', () => {
  let db: TestDatabase;
  let service: ServiceProcess;
  let d: ServiceDriver;
  let sql: pg.Client;
  let clients: Record<DialectName, Client>;
  let dpop: DpopKey;
  const tally = new Tally('secrets');
  /** Every secret that crossed the wire, by what it is. */
  const secrets = new Map<string, string>();
  const keep = (what: string, value: string | undefined) => {
    if (value) secrets.set(value, what);
  };

  beforeAll(async () => {
    db = await provisionTestDatabase('hardening-secrets');
    service = await startServiceProcess({ ...db.env, ...NO_RATE_LIMITS, ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOG_LEVEL: 'debug', SEED_DEMO: 'false', NODE_ENV: 'test' });
    d = new ServiceDriver(service.url, tally);
    sql = new pg.Client({ connectionString: db.env.DATABASE_URL });
    await sql.connect();
    dpop = await dpopKey();
  });
  afterAll(async () => {
    console.info(tally.summary());
    await sql?.end();
    await service?.stop();
    await db?.drop();
  });

  const keepReceived = (what: string, received: Received) => {
    keep(`${what} access token`, received.accessToken.includes('.') ? received.accessToken : undefined);
    keep(`${what} access token signature`, received.accessToken.split('.')[2]);
    keep(`${what} refresh token`, received.refreshToken);
    keep(`${what} SigV4 secret access key`, received.credentials?.secretAccessKey);
    keep(`${what} SigV4 session token`, received.credentials?.sessionToken);
  };

  it('runs every endpoint of every dialect, with secrets of every kind', async () => {
    keep('ADMIN_TOKEN', TEST_ADMIN_TOKEN);
    // Users and their passwords (one changed), clients and their credentials (rotated).
    const firstPassword = `pw-${randomBytes(12).toString('hex')}`;
    const password = `pw-${randomBytes(12).toString('hex')}`;
    keep('password', firstPassword);
    keep('changed password', password);
    const user = await d.user(firstPassword);
    expect((await d.admin('PATCH', `/admin/users/${user.id}`, { password })).status).toBe(200);
    clients = await d.dialectClients();
    for (const [dialect, client] of Object.entries(clients)) {
      keep(`${dialect} client secret`, client.clientSecret);
      keep(`${dialect} API key`, client.apiKey);
    }
    const rotated = await d.admin('POST', `/admin/clients/${encodeURIComponent(clients.standard.clientId)}/secret`, { graceSeconds: 300 });
    expect(rotated.status).toBe(200);
    keep('rotated client secret', rotated.body.clientSecret);
    clients.standard = { ...clients.standard, clientSecret: rotated.body.clientSecret };
    const rekeyed = await d.admin('POST', `/admin/clients/${encodeURIComponent(clients.dressipi.clientId)}/api-key`, { graceSeconds: 300 });
    expect(rekeyed.status).toBe(200);
    keep('rotated API key', rekeyed.body.apiKey);
    clients.dressipi = { ...clients.dressipi, apiKey: rekeyed.body.apiKey };

    // standard: the sign-in page (a wrong password first), the code, the token endpoint, a
    // refresh, userinfo, introspection, revocation, client_credentials.
    const { verifier, challenge } = pkce();
    keep('PKCE verifier', verifier);
    const authorize = `${service.url}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: clients.standard.clientId,
      redirect_uri: clients.standard.redirectUri,
      scope: 'openid profile email offline_access',
      state: 'state-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })}`;
    const wrong = `pw-wrong-${randomBytes(12).toString('hex')}`;
    keep('mistyped password', wrong);
    await expect(loginThroughForm(authorize, { username: user.username, password: wrong })).rejects.toThrow(/did not redirect/);
    const landed = await loginThroughForm(authorize, { username: user.username, password });
    const code = landed.searchParams.get('code')!;
    keep('code from the sign-in page', code);
    const exchanged = await d.redeem('standard', clients.standard, code, verifier);
    expect(exchanged.status, exchanged.text).toBe(200);
    const standard = d.received('standard', clients.standard, exchanged.body);
    keepReceived('standard', standard);
    keep('ID token signature', String(exchanged.body.id_token).split('.')[2]);
    const refreshed = await d.refresh('standard', clients.standard, standard.refreshToken!);
    expect(refreshed.status).toBe(200);
    keepReceived('standard refreshed', d.received('standard', clients.standard, refreshed.body));
    expect((await d.request('/oauth2/userinfo', { headers: { authorization: `Bearer ${refreshed.body.access_token}` } })).status).toBe(200);
    expect((await d.introspect(refreshed.body.refresh_token, clients.standard)).active).toBe(true);
    const revoked = await d.request('/oauth2/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(clients.standard.clientId, clients.standard.clientSecret!) },
      body: new URLSearchParams({ token: refreshed.body.refresh_token }).toString(),
    });
    expect(revoked.status).toBe(200);
    const service2service = await d.standardToken(clients.standard, { grant_type: 'client_credentials', scope: 'openid' });
    expect(service2service.status, service2service.text).toBe(200);
    keepReceived('client_credentials', d.received('standard', clients.standard, service2service.body));

    // The vendor dialects: a code and its exchange, and a refresh where the dialect has one.
    for (const dialect of ['midnight', 'huawei', 'dressipi', 'aws-signin'] as const) {
      const client = clients[dialect];
      let received: Received;
      if (dialect === 'dressipi') {
        received = await d.signIn(dialect, client, user.id);
      } else {
        const issued = await d.code(client, user.id);
        keep(`${dialect} code`, issued.code);
        keep(`${dialect} PKCE verifier`, issued.verifier);
        const reply = await d.redeem(dialect, client, issued.code, issued.verifier, dpop);
        expect(reply.status, `${dialect}: ${reply.text}`).toBe(200);
        received = d.received(dialect, client, reply.body);
      }
      keepReceived(dialect, received);
      if (dialect === 'midnight') continue;
      const again = await d.refresh(dialect, client, received.refreshToken!, dpop);
      expect(again.status, `${dialect} refresh: ${again.text}`).toBe(200);
      keepReceived(`${dialect} refreshed`, d.received(dialect, client, again.body));
      if (dialect === 'aws-signin') {
        // The SigV4 credentials at work: a signed userinfo request.
        const credentials = again.body.accessToken;
        const url = new URL(`${service.url}/oauth2/userinfo`);
        const signer = new SignatureV4({ credentials, region: 'eu-west-1', service: 'execute-api', sha256: Sha256 });
        const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host } });
        const headers = { ...(signed.headers as Record<string, string>) };
        delete headers.host;
        expect((await d.request('/oauth2/userinfo', { headers })).status).toBe(200);
      }
    }
    // dressipi also reads its parameters from the query string: a refresh sent that way.
    const dressipi = await d.signIn('dressipi', clients.dressipi, user.id);
    keepReceived('dressipi by query string', dressipi);
    const byQuery = await d.request(
      `/oauth/token?${new URLSearchParams({ grant_type: 'refresh_token', refresh_token: dressipi.refreshToken!, client_id: clients.dressipi.clientId })}`,
      { method: 'POST', headers: { 'x-api-key': clients.dressipi.apiKey!, 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uri: 'urn:ietf:wg:oauth:2.0:oob:auto' }) },
    );
    expect(byQuery.status, byQuery.text).toBe(200);
    keepReceived('dressipi refreshed by query string', d.received('dressipi', clients.dressipi, byQuery.body));

    // Refusals, whose requests carry secrets too and whose errors are logged (debug).
    const mistyped = `secret-${randomBytes(16).toString('hex')}`;
    keep('mistyped client secret', mistyped);
    expect((await d.standardToken({ ...clients.standard, clientSecret: mistyped }, { grant_type: 'client_credentials' })).status).toBe(401);
    const stolen = `rt-${randomBytes(24).toString('base64url')}`;
    keep('unknown refresh token', stolen);
    expect((await d.refresh('huawei', clients.huawei, stolen)).status).toBe(400);
    const huawei = await d.signIn('huawei', clients.huawei, user.id);
    keepReceived('huawei, reused', huawei);
    expect((await d.refresh('huawei', clients.huawei, huawei.refreshToken!)).status).toBe(200);
    expect((await d.refresh('huawei', clients.huawei, huawei.refreshToken!)).body.error).toBe('invalid_grant'); // reuse: family revoked
    const publicIntrospection = await d.request('/oauth2/introspect', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clients.midnight.clientId, token: huawei.accessToken }).toString(),
    });
    expect(publicIntrospection.status).toBe(401);
    expect(secrets.size).toBeGreaterThan(30);
  }, 60_000);

  it('stores none of them: every text, bytea, json and array column of every table searched', async () => {
    const tables = await databaseText(sql);
    // The search sees what is stored: client ids (text) and 32-byte digests (bytea, as hex).
    expect(tables.clients).toContain(clients.huawei.clientId);
    expect(tables.refresh_tokens).toMatch(/[0-9a-f]{64}/);
    expect(Object.keys(tables)).toEqual(expect.arrayContaining(['clients', 'users', 'grants', 'authorization_codes', 'refresh_tokens', 'issued_tokens', 'signing_keys']));
    const found: string[] = [];
    for (const [secret, what] of secrets) {
      if (what === 'ADMIN_TOKEN') continue; // configuration, never sent to the database
      for (const form of renderings(secret)) {
        for (const [table, text] of Object.entries(tables)) if (text.includes(form)) found.push(`${what} in ${table} (as ${form === secret ? 'itself' : form.slice(0, 12)})`);
      }
      tally.tokensChecked++;
    }
    expect(found).toEqual([]);
    // The digests are there instead (HMAC-SHA-256: 32 bytes), and password hashes are argon2id.
    const digests = await sql.query(`SELECT length(token_digest) AS n FROM refresh_tokens UNION SELECT length(code_digest) FROM authorization_codes`);
    expect(digests.rows.map((r) => r.n)).toEqual([32]);
    const hashes = await sql.query(`SELECT password_hash FROM users WHERE password_hash IS NOT NULL`);
    for (const row of hashes.rows) expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('logs none of them, at debug level, nor anything that reads like a credential', async () => {
    expect(await service.stop('SIGTERM')).toBe(0);
    const log = service.output();
    expect(log).toMatch(/"level":20/); // debug lines were written (refusals' details)
    expect(log).toContain(clients.standard.clientId); // and the access log names what was asked
    expect(log.split('\n').length).toBeGreaterThan(tally.requests);
    const found: string[] = [];
    for (const [secret, what] of secrets) {
      for (const form of renderings(secret)) if (log.includes(form)) found.push(`${what} (as ${form === secret ? 'itself' : form.slice(0, 12)})`);
    }
    expect(found).toEqual([]);
    expect(log).not.toMatch(/authorization":\s*"(?:Basic|Bearer|DPoP|AWS4)/i);
    expect(log).not.toMatch(/"(?:password|client_secret|refresh_token|code_verifier|apiKey|x-api-key)"\s*:\s*"[^"]/i);
  });
});
