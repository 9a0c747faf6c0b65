#!/usr/bin/env node
// Load driver for the dialect and introspection scenarios of scripts/bench.mjs, in the spirit of
// ../shared/bench/drive.mjs (the anchors' driver): undici Pool, keep-alive, C connections, one
// request in flight per connection, the same counting and the same JSON line. Prints one JSON line.
//
//   node bench/drive-dialects.mjs --url http://127.0.0.1:3101 --scenario aws_refresh_json \
//     --input SEED/scenarios/aws_refresh_json.json [--c 32] [--d 10] [--warmup 3] [--pid PID[,PID...]] [--label X]
//
// Scenarios (bench/scenarios.mjs), inputs written by bench/latchkey/seed.mjs:
//   <dialect>_code_<format>     one seeded code per request (PKCE verifier, the dialect's redirect URI);
//                               ends early when the list runs out (exhausted: true, duration_s shortened).
//   <dialect>_refresh_<format>  one rotation chain per virtual user (VU), each VU sending the refresh token
//                               of its previous answer; a broken chain restarts from the next unused token
//                               (chains_restarted) or stops its VU when none is left (vus_stopped).
//   introspection               before the clock starts, each seeded refresh token is refreshed once at
//                               /oauth2/token for a user's access token; then POST /oauth2/introspect of
//                               those access tokens, round robin.
// aws-signin and dpop_* requests carry a DPoP proof each (ES256, its own jti), signed with the seed's key
// (aws-signin's refresh tokens are bound to it; node:crypto, the header precomputed); dpop_* answers
// count as ok only with token_type DPoP. A real client signs its proofs on its own machine; here the
// driver shares the server's two cores, so it signs them before the clock starts (one per code, or
// 4,000 per second of warm-up + window for refreshes; all used well within the server's 60 s iat
// window) and signs more during the run only if they run out: dpop_presigned and dpop_signed_in_run
// in the JSON line say how many of each. Runs longer than 40 s sign as they go.
//
// Counting (as drive.mjs): a request is ok when it is 2xx, in the format asked for (Accept: JSON or XML),
// with every expected field non-empty (the dialect's token fields; a refresh token where one is due;
// active: true for introspection). rps, p50_ms, p99_ms use ok requests completed inside the measured
// window (after warm-up); errors = every other request completed in the window (transport errors,
// timeouts, non-2xx, bad 2xx); non2xx the subset with an HTTP status outside 2xx. Warm-up results are
// reported separately. cpu_cores: CPU used during the window, in cores (driver, server --pid (summed
// over a comma-separated list), all postgres processes, host, host steal).
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OOB_REDIRECT_URI, scenarioByName } from './scenarios.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: o } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    scenario: { type: 'string' },
    input: { type: 'string' },
    c: { type: 'string', default: '32' },
    d: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    pid: { type: 'string' },
    label: { type: 'string' },
    // undici comes from the anchors' copy (.bench/anchors, `npm ci` there): the same client as drive.mjs.
    anchors: { type: 'string', default: resolve(ROOT, '.bench/anchors') },
  },
});
const { Pool } = createRequire(resolve(o.anchors, 'package.json'))('undici');
const scenario = scenarioByName(o.scenario);
if (!scenario || scenario.driver !== 'dialects') throw new Error(`drive-dialects: unknown scenario ${o.scenario}`);
const input = JSON.parse(readFileSync(o.input, 'utf8'));
const C = Number(o.c), D = Number(o.d), W = Number(o.warmup);
const origin = new URL(o.url).origin;
const pool = new Pool(origin, { connections: C, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });

// ---- request shapes --------------------------------------------------------------------------

const XML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const xmlText = (v) => String(v).replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
const toXml = (root, fields, attributes = '') =>
  `<${root}${attributes}>${Object.entries(fields).map(([k, v]) => `<${k}>${xmlText(v)}</${k}>`).join('')}</${root}>`;
const MEDIA = { json: 'application/json', xml: 'application/xml', form: 'application/x-www-form-urlencoded' };
const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/**
 * Per dialect: path, XML root, the request fields of a code or a refresh, extra headers, and the
 * answer's required fields (dotted paths into JSON; in XML the last segment names the element).
 */
const DIALECTS = {
  standard: {
    path: '/oauth2/token',
    headers: (client) => ({ authorization: basic(client.client_id, client.client_secret) }),
    refresh: (_client, rt) => ({ grant_type: 'refresh_token', refresh_token: rt }),
    code: (_client, c) => ({ grant_type: 'authorization_code', code: c.code, code_verifier: c.code_verifier, redirect_uri: c.redirect_uri }),
    required: ['access_token', 'refresh_token', 'token_type', 'expires_in'],
    refreshField: 'refresh_token',
    dpopTokenType: 'DPoP', // RFC 9449 §5: a DPoP-bound access token is answered as token_type DPoP
  },
  midnight: {
    path: '/v1/Token/OAuth2/AuthorizationCode',
    xmlRoot: 'OAuth2AuthTokenRequestModel',
    xmlAttributes: ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"',
    code: (client, c) => ({ Domain: client.domain, AuthorizationCode: c.code, CodeVerifier: c.code_verifier, RedirectUri: c.redirect_uri, UserPoolWebClientId: client.client_id }),
    required: ['access_token', 'refresh_token', 'token_type', 'expires_in'],
  },
  'aws-signin': {
    path: '/v1/token',
    xmlRoot: 'CreateOAuth2TokenRequest',
    code: (client, c) => ({ clientId: client.client_id, grantType: 'authorization_code', code: c.code, codeVerifier: c.code_verifier, redirectUri: c.redirect_uri }),
    refresh: (client, rt) => ({ clientId: client.client_id, grantType: 'refresh_token', refreshToken: rt }),
    required: ['accessToken.accessKeyId', 'accessToken.secretAccessKey', 'accessToken.sessionToken', 'expiresIn', 'refreshToken', 'tokenType'],
    requiredForCode: ['idToken'], // scope openid: AWS answers an ID token on code exchange (never on refresh)
    refreshField: 'refreshToken',
  },
  huawei: {
    path: '/api/v1/oauth2/token',
    xmlRoot: 'TokenRequest',
    code: (client, c) => ({ grant_type: 'authorization_code', code: c.code, client_id: client.client_id, client_secret: client.client_secret, redirect_uri: c.redirect_uri, code_verifier: c.code_verifier }),
    refresh: (client, rt) => ({ grant_type: 'refresh_token', refresh_token: rt, client_id: client.client_id, client_secret: client.client_secret }),
    required: ['access_token', 'token_type', 'expires_in', 'scope', 'refresh_token'],
    refreshField: 'refresh_token',
  },
  dressipi: {
    path: '/oauth/token',
    xmlRoot: 'token_request',
    headers: (client) => ({ 'x-api-key': client.api_key }),
    code: (client, c) => ({ redirect_uri: OOB_REDIRECT_URI, grant_type: 'authorization_code', code: c.code, client_id: client.client_id, code_verifier: c.code_verifier }),
    refresh: (client, rt) => ({ redirect_uri: OOB_REDIRECT_URI, grant_type: 'refresh_token', refresh_token: rt, client_id: client.client_id }),
    required: ['access_token', 'refresh_token', 'expires_in', 'token_type'],
    refreshField: 'refresh_token',
  },
};

// DPoP (aws-signin, dpop_*): the seed's key; header precomputed, payload and signature per proof.
let dpopProof;
const dpopCounts = { dpop_presigned: 0, dpop_signed_in_run: 0 };
const PRESIGN_PER_SECOND = 4000;
if (input.dpop_key) {
  const jwk = JSON.parse(readFileSync(resolve(dirname(o.input), '..', input.dpop_key), 'utf8'));
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } })).toString('base64url');
  const htu = `${origin}${DIALECTS[scenario.profile].path}`;
  const signProof = () => {
    const payload = Buffer.from(JSON.stringify({ jti: randomBytes(16).toString('base64url'), htm: 'POST', htu, iat: Math.floor(Date.now() / 1000) })).toString('base64url');
    const signingInput = `${header}.${payload}`;
    return `${signingInput}.${sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
  const wanted = scenario.grant === 'authorization_code' ? input.codes.length : Math.ceil(PRESIGN_PER_SECOND * (W + D));
  const presigned = W + D <= 40 ? Array.from({ length: wanted }, signProof) : [];
  dpopCounts.dpop_presigned = presigned.length;
  let next = 0;
  dpopProof = () => {
    if (next < presigned.length) {
      const proof = presigned[next];
      presigned[next++] = undefined; // each proof is sent once
      return proof;
    }
    dpopCounts.dpop_signed_in_run++;
    return signProof();
  };
}

/** A field of a 2xx answer: JSON by its dotted path, XML by the element named by the path's last segment. */
function fieldOf(answer, path) {
  if (answer.json) return path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), answer.json);
  const name = path.slice(path.lastIndexOf('.') + 1);
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(answer.text);
  return m ? m[1] : undefined;
}
const present = (v) => (typeof v === 'string' && v.length > 0) || typeof v === 'number';

async function send(path, headers, body, format) {
  const t = performance.now();
  let status = 0, text, type = '';
  try {
    const res = await pool.request({ path, method: 'POST', headers: typeof headers === 'function' ? headers() : headers, body });
    status = res.statusCode;
    type = String(res.headers['content-type'] ?? '');
    text = await res.body.text();
  } catch (e) {
    text = `${e.code ?? e.name}: ${e.message}`;
  }
  const answer = { status, text, ms: performance.now() - t };
  if (status >= 200 && status < 300) {
    if (format === 'xml') answer.xml = /^(application|text)\/xml/.test(type);
    else if (type.startsWith('application/json')) try { answer.json = JSON.parse(text); } catch { /* counted as error */ }
  }
  return answer;
}

// ---- the scenario as requests ------------------------------------------------------------------

/** { next(vu) -> request or undefined when the VU is done, check(answer) -> ok, after(vu, answer, ok) } */
async function plan() {
  if (scenario.grant === 'introspection') {
    const { client_id: id, client_secret: secret } = input.client;
    const auth = basic(id, secret);
    const accessTokens = [];
    let setupError;
    for (const rt of input.refresh_tokens) {
      const r = await send('/oauth2/token', { authorization: auth, 'content-type': MEDIA.form }, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: rt }).toString(), 'json');
      if (typeof r.json?.access_token === 'string') accessTokens.push(r.json.access_token);
      else setupError ??= `${r.status} ${r.text.slice(0, 500)}`;
    }
    if (!accessTokens.length) throw Object.assign(new Error('no access token to introspect'), { setupError });
    let i = 0;
    const headers = { authorization: auth, 'content-type': MEDIA.form, accept: MEDIA.json };
    return {
      setupError,
      next: () => ({ path: '/oauth2/introspect', headers, body: `token=${encodeURIComponent(accessTokens[i++ % accessTokens.length])}`, format: 'json' }),
      check: (a) => a.json?.active === true && typeof a.json.client_id === 'string',
    };
  }

  const dialect = DIALECTS[scenario.profile];
  const { client } = input;
  const format = scenario.format;
  const encode = (fields) =>
    format === 'json' ? JSON.stringify(fields) : format === 'xml' ? toXml(dialect.xmlRoot, fields, dialect.xmlAttributes ?? '') : new URLSearchParams(fields).toString();
  const fixed = { 'content-type': MEDIA[format], accept: format === 'xml' ? MEDIA.xml : MEDIA.json, ...dialect.headers?.(client) };
  const headers = dpopProof ? () => ({ ...fixed, dpop: dpopProof() }) : fixed;
  const required = scenario.grant === 'authorization_code' ? [...dialect.required, ...(dialect.requiredForCode ?? []), ...(scenario.openid ? ['id_token'] : [])] : dialect.required;
  const boundAsAsked = (a) => !(scenario.dpop && dialect.dpopTokenType) || fieldOf(a, 'token_type') === dialect.dpopTokenType;
  const check = (a) => (a.json || a.xml) && required.every((f) => present(fieldOf(a, f))) && boundAsAsked(a);

  if (scenario.grant === 'authorization_code') {
    const codes = input.codes;
    return {
      next: () => {
        const c = codes[stats.nextCode++];
        if (!c) { stats.exhausted = true; return undefined; }
        return { path: dialect.path, headers, body: encode(dialect.code(client, c)), format };
      },
      check,
    };
  }
  const tokens = input.refresh_tokens;
  return {
    next: (vu) => {
      if (vu.rt === undefined) vu.rt = tokens[stats.nextToken++];
      if (vu.rt === undefined) { stats.vusStopped++; return undefined; }
      return { path: dialect.path, headers, body: encode(dialect.refresh(client, vu.rt)), format };
    },
    check,
    after: (vu, a, ok) => {
      if (ok) vu.rt = String(fieldOf(a, dialect.refreshField));
      else if ((vu.rt = tokens[stats.nextToken++]) !== undefined) stats.chainsRestarted++;
    },
  };
}

// ---- load, counting and CPU (as drive.mjs) --------------------------------------------------------

const stats = { nextCode: 0, nextToken: 0, exhausted: false, chainsRestarted: 0, vusStopped: 0 };
const s = { ok: 0, errors: 0, non2xx: 0, warmup_ok: 0, warmup_errors: 0 };
const lat = [];
let firstError;

let p;
try {
  p = await plan();
} catch (e) {
  console.log(JSON.stringify({ rps: 0, p50_ms: null, p99_ms: null, ok: 0, errors: 1, non2xx: 0, first_error_body: e.setupError ?? String(e.message), label: o.label, mode: scenario.name, setup_failed: true }));
  await pool.close();
  process.exit(0);
}

const t0 = performance.now(), mStart = t0 + W * 1000, mEnd = mStart + D * 1000;

function record(r, ok) {
  const now = performance.now();
  if (now > mEnd) return; // completed after the window
  if (!ok) firstError ??= `${r.status} ${r.text.slice(0, 500)}`;
  if (now < mStart) { s[ok ? 'warmup_ok' : 'warmup_errors']++; return; }
  if (ok) { s.ok++; lat.push(r.ms); return; }
  s.errors++;
  if (r.status && (r.status < 200 || r.status > 299)) s.non2xx++;
}

async function vu() {
  const state = {};
  while (performance.now() < mEnd) {
    const req = p.next(state);
    if (!req) return;
    const r = await send(req.path, req.headers, req.body, req.format);
    const ok = r.status >= 200 && r.status < 300 && !!p.check(r);
    record(r, ok);
    p.after?.(state, r, ok);
  }
}

const ticks = (stat) => { const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); return Number(f[11]) + Number(f[12]); };
const read = (path) => { try { return readFileSync(path, 'utf8'); } catch { return undefined; } };
const serverPids = (o.pid ?? '').split(',').filter(Boolean);
function cpuSample() {
  const postgres = new Map();
  for (const pid of readdirSync('/proc')) {
    const st = /^\d+$/.test(pid) && read(`/proc/${pid}/stat`);
    if (st && st.includes('(postgres)')) postgres.set(pid, ticks(st));
  }
  const server = serverPids.length ? serverPids.reduce((sum, pid) => { const st = read(`/proc/${pid}/stat`); return sum + (st ? ticks(st) : NaN); }, 0) : NaN;
  const [user, nice, system, , , irq, softirq, steal] = read('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const u = process.cpuUsage();
  return { t: performance.now(), driver: (u.user + u.system) / 1e4, server, postgres, host: user + nice + system + irq + softirq, steal };
}
const delta = (k) => (k !== 'postgres' ? cpu1[k] - cpu0[k]
  : [...cpu1.postgres].reduce((sum, [pid, v]) => sum + v - (cpu0.postgres.get(pid) ?? 0), 0));
let cpu0, cpu1;
const timers = [setTimeout(() => { cpu0 = cpuSample(); }, mStart - t0), setTimeout(() => { cpu1 = cpuSample(); }, mEnd - t0)];

await Promise.all(Array.from({ length: C }, vu));
const done = performance.now();
timers.forEach(clearTimeout);
if (cpu0 && !cpu1) cpu1 = cpuSample();
await pool.close();

const duration = Math.max(0, Math.min(done, mEnd) - mStart) / 1000;
lat.sort((x, y) => x - y);
const pct = (q) => (lat.length ? +lat[Math.min(lat.length - 1, Math.ceil(q * lat.length) - 1)].toFixed(2) : null);
const cores = (k) => (cpu0 && cpu1 ? +(delta(k) / 100 / ((cpu1.t - cpu0.t) / 1000)).toFixed(2) : null);
const refresh = scenario.grant === 'refresh_token';
const code = scenario.grant === 'authorization_code';
console.log(JSON.stringify({
  rps: duration ? Math.round(s.ok / duration) : 0,
  p50_ms: pct(0.5),
  p99_ms: pct(0.99),
  ok: s.ok,
  errors: s.errors,
  non2xx: s.non2xx,
  first_error_body: firstError ?? null,
  label: o.label, mode: scenario.name, url: `${origin}${scenario.grant === 'introspection' ? '/oauth2/introspect' : DIALECTS[scenario.profile].path}`,
  c: C, d: D, warmup_s: W, duration_s: +duration.toFixed(2),
  warmup_ok: s.warmup_ok, warmup_errors: s.warmup_errors,
  ...(p.setupError && { setup_error: p.setupError }),
  ...(refresh && { chains_restarted: stats.chainsRestarted, vus_stopped: stats.vusStopped }),
  ...(code && { exhausted: stats.exhausted, codes_used: Math.min(stats.nextCode, input.codes.length) }),
  ...(input.dpop_key && dpopCounts),
  cpu_cores: Object.fromEntries(['driver', 'server', 'postgres', 'host', 'steal'].map((k) => [k, cores(k)])),
}));
