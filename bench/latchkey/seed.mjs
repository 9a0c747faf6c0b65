// Seeds Latchkey for ../shared/bench (drive.mjs): a confidential client, refresh-token
// chains and PKCE codes, bulk-inserted as the service stores them (HMAC digests, one grant
// per authorization), plus filler refresh tokens so the table is not tiny.
// usage: node seed.mjs --rt 65 --codes 60000 [--filler 50000] --out DIR   (env PGURL)
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BENCH_KEY_ENCRYPTION_KEY, DIST, REDIRECT_URI, SCOPE } from './env.mjs';

const { buildIfNeeded } = await import('../../scripts/build.mjs');
buildIfNeeded();
await import('reflect-metadata');
const { Database } = await import(new URL('libs/persistence/src/index.js', DIST).href);
const { ServerSecrets, decodeKeyEncryptionKey } = await import(new URL('libs/config/src/index.js', DIST).href);
const { SecretDigester } = await import(new URL('libs/crypto/src/index.js', DIST).href);

const { values: a } = parseArgs({
  options: { rt: { type: 'string', default: '65' }, codes: { type: 'string', default: '0' }, out: { type: 'string', default: '.' }, filler: { type: 'string', default: '50000' } },
});
const digester = new SecretDigester(ServerSecrets.fromKeyEncryptionKey(decodeKeyEncryptionKey(BENCH_KEY_ENCRYPTION_KEY)));
const rand = () => randomBytes(32).toString('base64url');
const database = await Database.open({ databaseUrl: process.env.PGURL, dataDir: '/tmp/latchkey-bench', migrate: true });
const q = (sql, params) => database.dataSource.query(sql, params);

await q('TRUNCATE clients, users, grants, authorization_codes, refresh_tokens, issued_tokens CASCADE');
const clientId = 'bench';
const clientSecret = rand();
await q(
  `INSERT INTO clients (client_id, name, profile, type, secret_digest, redirect_uris, grant_types, scopes, require_pkce)
   VALUES ($1, 'Benchmark', 'standard', 'confidential', $2, $3, $4, $5, true)`,
  [clientId, digester.digest(clientSecret), [REDIRECT_URI], ['authorization_code', 'refresh_token', 'client_credentials'], SCOPE.split(' ')],
);
const users = Array.from({ length: 1000 }, () => randomUUID());
await q(`INSERT INTO users (id, username, name) SELECT u, 'user-' || n, 'Bench User ' || n FROM unnest($1::uuid[]) WITH ORDINALITY AS t(u, n)`, [users]);

async function grants(count) {
  const ids = Array.from({ length: count }, () => randomUUID());
  for (let i = 0; i < ids.length; i += 5000) {
    const b = ids.slice(i, i + 5000);
    await q(`INSERT INTO grants (id, client_id, user_id, scope, auth_time) SELECT g, $2, ($3::uuid[])[1 + (n % 1000)::int], $4, now() FROM unnest($1::uuid[]) WITH ORDINALITY AS t(g, n)`, [b, clientId, users, SCOPE]);
  }
  return ids;
}

const refreshTokens = Array.from({ length: Number(a.rt) }, rand);
const rtGrants = await grants(refreshTokens.length);
await q(
  `INSERT INTO refresh_tokens (token_digest, grant_id, client_id, user_id, scope, expires_at, family_expires_at)
   SELECT d, g.id, $3, g.user_id, $4, now() + interval '30 days', now() + interval '90 days'
   FROM unnest($1::bytea[], $2::uuid[]) AS t(d, gid) JOIN grants g ON g.id = t.gid`,
  [refreshTokens.map((t) => digester.digest(t)), rtGrants, clientId, SCOPE],
);

const codes = Array.from({ length: Number(a.codes) }, () => {
  const verifier = rand();
  return { code: rand(), code_verifier: verifier, redirect_uri: REDIRECT_URI, challenge: createHash('sha256').update(verifier).digest('base64url') };
});
const codeGrants = await grants(codes.length);
for (let i = 0; i < codes.length; i += 5000) {
  const b = codes.slice(i, i + 5000);
  await q(
    `INSERT INTO authorization_codes (code_digest, grant_id, client_id, user_id, redirect_uri, scope, code_challenge, code_challenge_method, auth_time, expires_at)
     SELECT d, g.id, $4, g.user_id, $5, $6, c, 'S256', now(), now() + interval '600 seconds'
     FROM unnest($1::bytea[], $2::text[], $3::uuid[]) AS t(d, c, gid) JOIN grants g ON g.id = t.gid`,
    [b.map((c) => digester.digest(c.code)), b.map((c) => c.challenge), codeGrants.slice(i, i + 5000), clientId, REDIRECT_URI, SCOPE],
  );
}

const fillerGrants = await grants(Number(a.filler));
for (let i = 0; i < fillerGrants.length; i += 5000) {
  const b = fillerGrants.slice(i, i + 5000);
  await q(
    `INSERT INTO refresh_tokens (token_digest, grant_id, client_id, user_id, scope, expires_at, family_expires_at)
     SELECT sha256(g::text::bytea), g, $2, NULL, $3, now() + interval '30 days', now() + interval '90 days' FROM unnest($1::uuid[]) AS t(g)`,
    [b, clientId, SCOPE],
  );
}
await q('VACUUM ANALYZE');
await database.close();

mkdirSync(a.out, { recursive: true });
writeFileSync(`${a.out}/refresh_tokens.json`, JSON.stringify(refreshTokens));
writeFileSync(`${a.out}/codes.json`, JSON.stringify(codes.map(({ challenge, ...c }) => c)));
writeFileSync(`${a.out}/client.json`, JSON.stringify({ client_id: clientId, client_secret: clientSecret }));
console.log(`seeded latchkey: ${refreshTokens.length} refresh tokens, ${codes.length} codes, ${fillerGrants.length} filler -> ${a.out}`);
