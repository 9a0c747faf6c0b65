// Seeds Latchkey for ../shared/bench (drive.mjs) and for scripts/bench.mjs: a confidential
// client, refresh-token chains and PKCE codes, bulk-inserted as the service stores them (HMAC
// digests, one grant per authorization), plus filler refresh tokens so the table is not tiny.
// usage: node seed.mjs --rt 65 --codes 60000 [--filler 50000] --out DIR   (env PGURL)
//   -> DIR/refresh_tokens.json, DIR/codes.json, DIR/client.json (the anchors' target contract)
//
// With --scenarios (names from ../scenarios.mjs: introspection and the dialect scenarios), also
// one client per profile used (midnight, aws-signin, huawei, dressipi) and, per scenario, its
// own codes (--scenario-codes, default --codes) or refresh-token chains (--scenario-rt, default
// --rt) in DIR/scenarios/<name>.json: {scenario, client: {client_id, client_secret?, api_key?,
// domain?}, codes?: [{code, code_verifier, redirect_uri}], refresh_tokens?: [...], dpop_key?}.
// Scenarios with DPoP proofs share one P-256 key whose private JWK is written to
// DIR/dpop-key.json (dpop_key names that file); aws-signin refresh tokens are bound to it
// (dpop_jkt). introspection gets --introspect-tokens refresh tokens of the standard client (the
// driver turns them into access tokens).
// Codes expire after --code-ttl seconds (default 3600: a whole run's scenarios are seeded up
// front; the service itself issues codes for at most 600 s, which costs the redemption nothing).
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PROFILE_CLIENTS, scenarioByName } from '../scenarios.mjs';
import { BENCH_KEY_ENCRYPTION_KEY, DIST, REDIRECT_URI, SCOPE } from './env.mjs';

const { buildIfNeeded } = await import('../../scripts/build.mjs');
buildIfNeeded();
await import('reflect-metadata');
const { Database } = await import(new URL('libs/persistence/src/index.js', DIST).href);
const { ServerSecrets, decodeKeyEncryptionKey } = await import(new URL('libs/config/src/index.js', DIST).href);
const { SecretDigester } = await import(new URL('libs/crypto/src/index.js', DIST).href);

const { values: a } = parseArgs({
  options: {
    rt: { type: 'string', default: '65' },
    codes: { type: 'string', default: '0' },
    out: { type: 'string', default: '.' },
    filler: { type: 'string', default: '50000' },
    scenarios: { type: 'string', default: '' },
    'scenario-codes': { type: 'string' },
    'scenario-rt': { type: 'string' },
    'introspect-tokens': { type: 'string', default: '64' },
    'code-ttl': { type: 'string', default: '3600' },
  },
});
const CODE_TTL = Number(a['code-ttl']);
const BATCH = 5000;
const digester = new SecretDigester(ServerSecrets.fromKeyEncryptionKey(decodeKeyEncryptionKey(BENCH_KEY_ENCRYPTION_KEY)));
const rand = () => randomBytes(32).toString('base64url');
const database = await Database.open({ databaseUrl: process.env.PGURL, dataDir: '/tmp/latchkey-bench', migrate: true });
const q = (sql, params) => database.dataSource.query(sql, params);
const started = performance.now();

await q('TRUNCATE clients, users, grants, authorization_codes, refresh_tokens, issued_tokens CASCADE');

/** A client row as the registry writes it (digests of its secret and API key). */
async function insertClient({ clientId, name, profile, type, secret, apiKey, redirectUris, grantTypes, scopes, domain = null, accessTokenTtl = 3600 }) {
  await q(
    `INSERT INTO clients (client_id, name, profile, type, secret_digest, api_key_digest, redirect_uris, grant_types, scopes,
       require_pkce, domain, access_token_ttl)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, $10, $11)`,
    [clientId, name, profile, type, secret ? digester.digest(secret) : null, apiKey ? digester.digest(apiKey) : null, redirectUris, grantTypes, scopes, domain, accessTokenTtl],
  );
}

const clientId = 'bench';
const clientSecret = rand();
await insertClient({
  clientId,
  name: 'Benchmark',
  profile: 'standard',
  type: 'confidential',
  secret: clientSecret,
  redirectUris: [REDIRECT_URI],
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  scopes: [...SCOPE.split(' '), 'openid'], // openid: the codes of aws-signin's paired baseline (scenarios.mjs)
});
const users = Array.from({ length: 1000 }, () => randomUUID());
await q(`INSERT INTO users (id, username, name) SELECT u, 'user-' || n, 'Bench User ' || n FROM unnest($1::uuid[]) WITH ORDINALITY AS t(u, n)`, [users]);

/** `count` grants of `client` for users round-robin: one per authorization, as the service makes them. */
async function grants(count, client = clientId, scope = SCOPE) {
  const ids = Array.from({ length: count }, () => randomUUID());
  for (let i = 0; i < ids.length; i += BATCH) {
    const b = ids.slice(i, i + BATCH);
    await q(
      `INSERT INTO grants (id, client_id, user_id, scope, auth_time) SELECT g, $2, ($3::uuid[])[1 + (n % 1000)::int], $4, now() FROM unnest($1::uuid[]) WITH ORDINALITY AS t(g, n)`,
      [b, client, users, scope],
    );
  }
  return ids;
}

/** `count` live refresh tokens, each the head of its own family (grant), optionally DPoP-bound. */
async function refreshTokens(count, client = clientId, scope = SCOPE, dpopJkt = null) {
  const tokens = Array.from({ length: count }, rand);
  const ids = await grants(count, client, scope);
  for (let i = 0; i < tokens.length; i += BATCH) {
    await q(
      `INSERT INTO refresh_tokens (token_digest, grant_id, client_id, user_id, scope, dpop_jkt, expires_at, family_expires_at)
       SELECT d, g.id, $3, g.user_id, $4, $5, now() + interval '30 days', now() + interval '90 days'
       FROM unnest($1::bytea[], $2::uuid[]) AS t(d, gid) JOIN grants g ON g.id = t.gid`,
      [tokens.slice(i, i + BATCH).map((t) => digester.digest(t)), ids.slice(i, i + BATCH), client, scope, dpopJkt],
    );
  }
  return tokens;
}

/** `count` unused codes with PKCE S256, each with its own grant: [{code, code_verifier, redirect_uri}]. */
async function codes(count, client = clientId, scope = SCOPE, redirectUri = REDIRECT_URI) {
  const list = Array.from({ length: count }, () => {
    const verifier = rand();
    return { code: rand(), code_verifier: verifier, redirect_uri: redirectUri, challenge: createHash('sha256').update(verifier).digest('base64url') };
  });
  const ids = await grants(count, client, scope);
  for (let i = 0; i < list.length; i += BATCH) {
    const b = list.slice(i, i + BATCH);
    await q(
      `INSERT INTO authorization_codes (code_digest, grant_id, client_id, user_id, redirect_uri, scope, code_challenge, code_challenge_method, auth_time, expires_at)
       SELECT d, g.id, $4, g.user_id, $5, $6, c, 'S256', now(), now() + make_interval(secs => $7::integer)
       FROM unnest($1::bytea[], $2::text[], $3::uuid[]) AS t(d, c, gid) JOIN grants g ON g.id = t.gid`,
      [b.map((c) => digester.digest(c.code)), b.map((c) => c.challenge), ids.slice(i, i + BATCH), client, redirectUri, scope, CODE_TTL],
    );
  }
  return list.map(({ challenge, ...c }) => c);
}

const standardRefreshTokens = await refreshTokens(Number(a.rt));
const standardCodes = await codes(Number(a.codes));

// The scenarios' own clients, codes and chains.
const selected = a.scenarios.split(/[\s,]+/).filter(Boolean).map((name) => {
  const s = scenarioByName(name);
  if (!s || s.driver !== 'dialects') throw new Error(`seed: "${name}" is not a scenario of bench/drive-dialects.mjs`);
  return s;
});
if (selected.length) {
  mkdirSync(`${a.out}/scenarios`, { recursive: true });
  const nCodes = Number(a['scenario-codes'] ?? a.codes);
  const nRt = Number(a['scenario-rt'] ?? a.rt);
  const clients = {};
  let dpop;
  for (const profile of new Set(selected.map((s) => s.profile))) {
    if (profile === 'standard') continue;
    const c = PROFILE_CLIENTS[profile];
    const credentials = { client_id: c.clientId, ...(c.type === 'confidential' && { client_secret: rand() }), ...(c.apiKey && { api_key: rand() }), ...(c.domain && { domain: c.domain }) };
    await insertClient({
      clientId: c.clientId,
      name: `Benchmark ${profile}`,
      profile,
      type: c.type,
      secret: credentials.client_secret,
      apiKey: credentials.api_key,
      redirectUris: [c.redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: c.scope.split(' '),
      domain: c.domain ?? null,
      accessTokenTtl: profile === 'dressipi' ? 86400 : 3600, // the admin API's profile default
    });
    clients[profile] = credentials;
  }
  if (selected.some((s) => s.dpop)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' });
    // RFC 7638 thumbprint: the required members in lexicographic order, no white space.
    const jkt = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
    writeFileSync(`${a.out}/dpop-key.json`, JSON.stringify({ ...jwk, alg: 'ES256' }));
    dpop = { jkt, file: 'dpop-key.json' };
  }
  for (const s of selected) {
    const c = PROFILE_CLIENTS[s.profile];
    let body;
    if (s.grant === 'introspection') {
      body = { client: { client_id: clientId, client_secret: clientSecret }, refresh_tokens: await refreshTokens(Number(a['introspect-tokens'])) };
    } else if (s.grant === 'authorization_code' && s.profile === 'standard') {
      body = { client: { client_id: clientId, client_secret: clientSecret }, codes: await codes(nCodes, clientId, s.openid ? `openid ${SCOPE}` : SCOPE) };
    } else if (s.grant === 'authorization_code') {
      body = { client: clients[s.profile], codes: await codes(nCodes, c.clientId, c.scope, c.redirectUri) };
    } else if (s.profile === 'standard') {
      // The confidential standard client: its refresh tokens are not bound to the DPoP key
      // (RFC 9449 §5: client authentication already constrains them), its access tokens are.
      body = { client: { client_id: clientId, client_secret: clientSecret }, refresh_tokens: await refreshTokens(nRt) };
    } else {
      const bound = s.profile === 'aws-signin' ? dpop.jkt : null;
      body = { client: clients[s.profile], refresh_tokens: await refreshTokens(nRt, c.clientId, c.scope, bound) };
    }
    const file = `${a.out}/scenarios/${s.name}.json`;
    writeFileSync(file, JSON.stringify({ scenario: s.name, ...body, ...(s.dpop && { dpop_key: dpop.file, dpop_jkt: dpop.jkt }) }));
  }
}

const fillerGrants = await grants(Number(a.filler));
for (let i = 0; i < fillerGrants.length; i += BATCH) {
  const b = fillerGrants.slice(i, i + BATCH);
  await q(
    `INSERT INTO refresh_tokens (token_digest, grant_id, client_id, user_id, scope, expires_at, family_expires_at)
     SELECT sha256(g::text::bytea), g, $2, NULL, $3, now() + interval '30 days', now() + interval '90 days' FROM unnest($1::uuid[]) AS t(g)`,
    [b, clientId, SCOPE],
  );
}
await q('VACUUM ANALYZE');
await database.close();

mkdirSync(a.out, { recursive: true });
writeFileSync(`${a.out}/refresh_tokens.json`, JSON.stringify(standardRefreshTokens));
writeFileSync(`${a.out}/codes.json`, JSON.stringify(standardCodes));
writeFileSync(`${a.out}/client.json`, JSON.stringify({ client_id: clientId, client_secret: clientSecret }));
const extra = selected.length ? `, ${selected.length} scenario sets` : '';
console.log(
  `seeded latchkey: ${standardRefreshTokens.length} refresh tokens, ${standardCodes.length} codes, ${fillerGrants.length} filler${extra} ` +
    `in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${a.out}`,
);
