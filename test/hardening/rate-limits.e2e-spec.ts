import { randomInt } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, OAuthFixtures } from '../support/oauth-fixtures.js';
import { adminRequest, startTestApp, type TestApp } from '../support/test-app.js';

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

/**
 * A request sent from a chosen loopback address: all of 127.0.0.0/8 reaches this host, so
 * one suite can be many callers, each with an IP (request.ip) of its own.
 */
function send(baseUrl: string, path: string, init: { from: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: init.headers, localAddress: init.from },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A loopback address no other test of this run uses (counters in a shared Redis are keyed by it). */
const usedAddresses = new Set<string>();
function freshIp(): string {
  for (;;) {
    const ip = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    if (!usedAddresses.has(ip)) {
      usedAddresses.add(ip);
      return ip;
    }
  }
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
/** A well-formed code redemption that fails on the code: 400 invalid_grant, after the client is authenticated. */
const badCode = (clientId: string) =>
  new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code: 'not-a-code', redirect_uri: 'https://app.example.com/callback', code_verifier: 'v'.repeat(43) }).toString();
const clientCredentials = new URLSearchParams({ grant_type: 'client_credentials' }).toString();

/** Retry-After: whole seconds, at most the one-minute window. */
function expectRetryAfter(reply: Reply): number {
  const value = reply.headers['retry-after'];
  expect(value).toMatch(/^\d+$/);
  const seconds = Number(value);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
  return seconds;
}

/** The standard endpoint's 429: RFC 6749's shape, temporarily_unavailable (RFC 6749 has no code of its own for it). */
function expectStandard429(reply: Reply, kind: 'requests' | 'failures') {
  expect(reply.status).toBe(429);
  const seconds = expectRetryAfter(reply);
  expect(reply.headers['cache-control']).toBe('no-store');
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  const what = kind === 'requests' ? 'Too many requests.' : 'Too many failed client authentications.';
  expect(reply.body).toEqual({ error: 'temporarily_unavailable', error_description: `${what} Try again in ${seconds} second${seconds === 1 ? '' : 's'}.` });
}

describe('rate limits on the token endpoints (RATE_LIMIT_PER_MINUTE=5, AUTH_FAILURE_LIMIT_PER_MINUTE=3, in-process)', () => {
  let t: TestApp;
  let f: OAuthFixtures;
  const token = (from: string, body: string, headers: Record<string, string> = {}) => send(t.baseUrl, '/oauth2/token', { from, body, headers: { ...FORM, ...headers } });

  beforeAll(async () => {
    t = await startTestApp('rate-limits', { RATE_LIMIT_PER_MINUTE: '5', AUTH_FAILURE_LIMIT_PER_MINUTE: '3' });
    f = new OAuthFixtures(t);
  });
  afterAll(() => t?.close());

  const confidential = () => f.client({ type: 'confidential', grantTypes: ['client_credentials'], scopes: ['api'] });

  it('answers the 6th request from one IP within the minute with 429 and Retry-After, whichever client it names', async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, () => f.client()));
    const ip = freshIp();
    for (const client of clients.slice(0, 5)) {
      const reply = await token(ip, badCode(client.clientId));
      expect(reply.status).toBe(400);
      expect(reply.body.error).toBe('invalid_grant');
    }
    expectStandard429(await token(ip, badCode(clients[5]!.clientId)), 'requests');
    // The same request from another address is served: the limit was the address's.
    const elsewhere = await token(freshIp(), badCode(clients[5]!.clientId));
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error).toBe('invalid_grant');
  });

  it('limits a confidential client to 5 requests a minute whatever addresses it calls from, and no other client with it', async () => {
    const [busy, other] = [await confidential(), await confidential()];
    for (let i = 0; i < 5; i++) {
      expect((await token(freshIp(), clientCredentials, { authorization: basic(busy.clientId, busy.clientSecret!) })).status).toBe(200);
    }
    const ip = freshIp();
    expectStandard429(await token(ip, clientCredentials, { authorization: basic(busy.clientId, busy.clientSecret!) }), 'requests');
    expect((await token(ip, clientCredentials, { authorization: basic(other.clientId, other.clientSecret!) })).status).toBe(200);
  });

  it('limits a public client per IP only: its id is shared by all its users and proves nothing', async () => {
    const shared = await f.client();
    for (let i = 0; i < 12; i++) expect((await token(freshIp(), badCode(shared.clientId))).status).toBe(400);
  });

  it('after 3 failed authentications of a client refuses the 4th attempt with 429, and the right secret after it from any address', async () => {
    const client = await confidential();
    const ip = freshIp();
    for (let i = 0; i < 3; i++) {
      const reply = await token(ip, clientCredentials, { authorization: basic(client.clientId, `wrong-${i}`) });
      expect(reply.status).toBe(401);
      expect(reply.body.error).toBe('invalid_client');
    }
    expectStandard429(await token(ip, clientCredentials, { authorization: basic(client.clientId, 'wrong-3') }), 'failures');
    // The right secret, from another address (the 5th request of the client: under its request limit).
    expectStandard429(await token(freshIp(), clientCredentials, { authorization: basic(client.clientId, client.clientSecret!) }), 'failures');
    // Nor can the secret be tried at introspection meanwhile: the lockout is the client id's.
    const introspect = await send(t.baseUrl, '/oauth2/introspect', {
      from: freshIp(),
      headers: { ...FORM, authorization: basic(client.clientId, client.clientSecret!) },
      body: new URLSearchParams({ token: 'anything' }).toString(),
    });
    expect(introspect.status).toBe(429);
    expect(introspect.body.error).toBe('temporarily_unavailable');
    expectRetryAfter(introspect);
  });

  it('after 3 failed authentications from one IP refuses that IP for every client, and only that IP', async () => {
    const client = await confidential();
    const ip = freshIp();
    for (let i = 0; i < 3; i++) {
      const reply = await token(ip, clientCredentials, { authorization: basic(f.unique('nobody'), 'guess') });
      expect(reply.status).toBe(401);
    }
    expectStandard429(await token(ip, clientCredentials, { authorization: basic(client.clientId, client.clientSecret!) }), 'failures');
    const elsewhere = await token(freshIp(), clientCredentials, { authorization: basic(client.clientId, client.clientSecret!) });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.access_token).toBeTruthy();
  });

  it('documents the 429 in the OpenAPI document of /oauth2/token', async () => {
    const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as any;
    const answer = doc.paths['/oauth2/token'].post.responses['429'];
    expect(answer.headers['Retry-After']).toBeDefined();
    expect(answer.content['application/json'].schema.example.error).toBe('temporarily_unavailable');
  });

  describe('in each vendor dialect\'s error shape', () => {
    /** Four attempts by a client id that is not registered: three refusals, then the 429 (its failures are over 3). */
    async function fourth(path: string, headers: Record<string, string>, body: string): Promise<Reply> {
      const ip = freshIp();
      for (let i = 0; i < 3; i++) {
        const reply = await send(t.baseUrl, path, { from: ip, headers, body });
        expect(reply.status, reply.text).not.toBe(429);
        expect(reply.status).toBeGreaterThanOrEqual(400);
      }
      const reply = await send(t.baseUrl, path, { from: ip, headers, body });
      expect(reply.status, reply.text).toBe(429);
      expectRetryAfter(reply);
      expect(reply.headers['cache-control']).toBe('no-store');
      return reply;
    }

    it('midnight: 429 {"Message": ...}', async () => {
      const model = { Domain: 'contoso', AuthorizationCode: 'code', CodeVerifier: 'v'.repeat(43), RedirectUri: 'https://app.example.com/callback', UserPoolWebClientId: f.unique('midnight') };
      const reply = await fourth('/v1/Token/OAuth2/AuthorizationCode', { 'content-type': 'application/json' }, JSON.stringify(model));
      expect(reply.body).toEqual({ Message: expect.stringMatching(/^Too many failed client authentications\. Try again in \d+ seconds?\.$/) });
    });

    it('dressipi: 429 {error: "temporarily_unavailable", error_description}', async () => {
      const params = { grant_type: 'authorization_code', code: 'code', client_id: f.unique('dressipi'), code_verifier: 'v'.repeat(43), redirect_uri: 'urn:ietf:wg:oauth:2.0:oob:auto' };
      const reply = await fourth('/oauth/token', { 'content-type': 'application/json', 'x-api-key': 'not-the-key' }, JSON.stringify(params));
      expect(reply.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/^Too many failed client authentications\./) });
    });

    it('huawei: 429 {error, error_description}', async () => {
      const params = { grant_type: 'authorization_code', code: 'code', client_id: f.unique('huawei'), client_secret: 'guess', redirect_uri: 'https://app.example.com/callback' };
      const reply = await fourth('/api/v1/oauth2/token', FORM, new URLSearchParams(params).toString());
      expect(reply.body).toEqual({ error: 'too_many_requests', error_description: expect.stringMatching(/^Too many failed client authentications\./) });
    });

    it('aws-signin: 429 TooManyRequestsError {error: "INVALID_REQUEST", message}', async () => {
      // aws-signin's client ids are the vendor's two ARNs; this app has no aws-signin client, so each attempt fails.
      const body = { clientId: 'arn:aws:signin:::devtools/same-device', grantType: 'authorization_code', code: 'code', codeVerifier: 'v'.repeat(43), redirectUri: 'http://127.0.0.1:9/oauth/callback' };
      const reply = await fourth('/v1/token', { 'content-type': 'application/json' }, JSON.stringify(body));
      expect(reply.headers['x-amzn-errortype']).toBe('TooManyRequestsError');
      expect(reply.body).toEqual({ error: 'INVALID_REQUEST', message: expect.stringMatching(/^Too many failed client authentications\. Try again in \d+ seconds?\.$/) });
    });
  });
});

describe('RATE_LIMIT_PER_MINUTE=0 and AUTH_FAILURE_LIMIT_PER_MINUTE=0: no limits', () => {
  let t: TestApp;
  let f: OAuthFixtures;

  beforeAll(async () => {
    t = await startTestApp('rate-limits-off', { RATE_LIMIT_PER_MINUTE: '0', AUTH_FAILURE_LIMIT_PER_MINUTE: '0' });
    f = new OAuthFixtures(t);
  });
  afterAll(() => t?.close());

  it('serves 30 requests of one client from one IP, and the right secret after 10 wrong ones', async () => {
    const ip = freshIp();
    const client = await f.client();
    const statuses = [];
    for (let i = 0; i < 30; i++) statuses.push((await send(t.baseUrl, '/oauth2/token', { from: ip, headers: FORM, body: badCode(client.clientId) })).status);
    expect(new Set(statuses)).toEqual(new Set([400]));
    const secretive = await f.client({ type: 'confidential', grantTypes: ['client_credentials'], scopes: ['api'] });
    for (let i = 0; i < 10; i++) {
      const reply = await send(t.baseUrl, '/oauth2/token', { from: ip, headers: { ...FORM, authorization: basic(secretive.clientId, 'wrong') }, body: clientCredentials });
      expect(reply.status).toBe(401);
    }
    const right = await send(t.baseUrl, '/oauth2/token', { from: ip, headers: { ...FORM, authorization: basic(secretive.clientId, secretive.clientSecret!) }, body: clientCredentials });
    expect(right.status).toBe(200);
  });
});

describe('REDIS_URL: two instances share their counters', () => {
  let one: TestApp;
  let two: TestApp;
  const env = { REDIS_URL, RATE_LIMIT_PER_MINUTE: '5', AUTH_FAILURE_LIMIT_PER_MINUTE: '3' };

  beforeAll(async () => {
    one = await startTestApp('rate-limits-redis-1', env);
    two = await startTestApp('rate-limits-redis-2', env);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });

  /** The same public client in both instances (each has a database of its own). */
  async function publicClientInBoth(): Promise<string> {
    const clientId = `shared-${randomInt(1e9)}-${Date.now()}`;
    for (const t of [one, two]) {
      const res = await adminRequest(t, 'POST', '/admin/clients', {
        clientId,
        name: 'Shared',
        profile: 'standard',
        type: 'public',
        redirectUris: ['https://app.example.com/callback'],
        grantTypes: ['authorization_code'],
      });
      expect(res.status).toBe(201);
    }
    return clientId;
  }

  /** The same confidential client id in both instances, with each instance's own secret. */
  async function confidentialClientInBoth(): Promise<{ clientId: string; secrets: [string, string] }> {
    const clientId = `shared-confidential-${randomInt(1e9)}-${Date.now()}`;
    const secrets: string[] = [];
    for (const t of [one, two]) {
      const res = await adminRequest(t, 'POST', '/admin/clients', {
        clientId,
        name: 'Shared service',
        profile: 'standard',
        type: 'confidential',
        redirectUris: [],
        grantTypes: ['client_credentials'],
        scopes: ['api'],
      });
      expect(res.status).toBe(201);
      secrets.push(res.body.clientSecret);
    }
    return { clientId, secrets: secrets as [string, string] };
  }

  it('counts one IP across both: 3 requests to one and 2 to the other, then the 6th is refused by either', async () => {
    const [a, b] = [await publicClientInBoth(), await publicClientInBoth()];
    const ip = freshIp();
    for (const [t, clientId] of [[one, a], [one, a], [one, a], [two, b], [two, b]] as const) {
      expect((await send(t.baseUrl, '/oauth2/token', { from: ip, headers: FORM, body: badCode(clientId) })).status).toBe(400);
    }
    expectStandard429(await send(two.baseUrl, '/oauth2/token', { from: ip, headers: FORM, body: badCode(b) }), 'requests');
    expectStandard429(await send(one.baseUrl, '/oauth2/token', { from: ip, headers: FORM, body: badCode(b) }), 'requests');
  });

  it('counts one confidential client across both, from any addresses', async () => {
    const { clientId, secrets } = await confidentialClientInBoth();
    const at = (i: 0 | 1) => ({ from: freshIp(), headers: { ...FORM, authorization: basic(clientId, secrets[i]) }, body: clientCredentials });
    for (const i of [0, 1, 0, 1, 0] as const) {
      expect((await send([one, two][i]!.baseUrl, '/oauth2/token', at(i))).status).toBe(200);
    }
    expectStandard429(await send(two.baseUrl, '/oauth2/token', at(1)), 'requests');
  });

  it('counts failed authentications across both: 3 at one instance lock the client id out at the other', async () => {
    const clientId = `locked-${randomInt(1e9)}-${Date.now()}`;
    for (let i = 0; i < 3; i++) {
      const reply = await send(one.baseUrl, '/oauth2/token', { from: freshIp(), headers: { ...FORM, authorization: basic(clientId, 'guess') }, body: clientCredentials });
      expect(reply.status).toBe(401);
    }
    expectStandard429(await send(two.baseUrl, '/oauth2/token', { from: freshIp(), headers: { ...FORM, authorization: basic(clientId, 'guess') }, body: clientCredentials }), 'failures');
  });
});
