#!/usr/bin/env node
// Load driver for the dialect and introspection scenarios of scripts/bench.mjs, in the spirit of
// ../shared/bench/drive.mjs (the anchors' driver): undici Pool, keep-alive, C connections, one
// request in flight per connection, the same counting and the same JSON line per scenario.
//
//   node bench/drive-dialects.mjs --url http://127.0.0.1:3101 --scenario aws_refresh_json \
//     --input SEED/scenarios/aws_refresh_json.json [--c 32] [--d 10] [--warmup 3] [--pid PID[,PID...]] [--label X] \
//     [--pair std_for_aws_refresh_json --pair-input SEED/scenarios/std_for_aws_refresh_json.json [--slice 0.5]]
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
// Interleaved pair (--pair): a dialect scenario and its paired baseline (std_for_<scenario>) share one
// run: the C VUs send one scenario's requests, then the other's, in slices of --slice seconds in the
// order A B B A (so that a steady drift of the machine's speed favours neither), through warm-up and
// window. Each scenario gets D seconds of the 2D-second window; its rate is its ok requests over its
// own share of the window, and it prints its own JSON line (the pair's first, then the scenario's).
// Each keeps its own chains, codes and proofs across slices. A VU whose request is in flight when
// the slice turns finishes it first: each turn hands about C requests (a few ms) to the other
// scenario's slice, the same number both ways.
//
// Counting (as drive.mjs): a request is ok when it is 2xx, in the format asked for (Accept: JSON or XML),
// with every expected field non-empty (the dialect's token fields; a refresh token where one is due;
// active: true for introspection). rps, p50_ms, p99_ms use ok requests completed inside the measured
// window (after warm-up); errors = every other request completed in the window (transport errors,
// timeouts, non-2xx, bad 2xx); non2xx the subset with an HTTP status outside 2xx. Warm-up results are
// reported separately. cpu_cores: CPU used during the window, in cores (driver, server --pid (summed
// over a comma-separated list), all postgres processes, host, host steal); for a pair, the whole 2D s.
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OOB_REDIRECT_URI, scenarioByName } from './scenarios.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: o } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    scenario: { type: 'string' },
    input: { type: 'string' },
    pair: { type: 'string' },
    'pair-input': { type: 'string' },
    slice: { type: 'string', default: '0.5' },
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
const C = Number(o.c), D = Number(o.d), W = Number(o.warmup), SLICE_MS = Number(o.slice) * 1000;
if (o.pair && !(SLICE_MS > 0)) throw new Error('drive-dialects: --slice must be a positive number of seconds');
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

// ---- one scenario: its input, its DPoP proofs, its requests and its counts ------------------------

/** A function that returns a fresh DPoP proof for `path` from the input's key, or undefined without one. */
function dpopProofs(scenario, input, inputPath, path, counts) {
  if (!input.dpop_key) return undefined;
  const jwk = JSON.parse(readFileSync(resolve(dirname(inputPath), '..', input.dpop_key), 'utf8'));
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } })).toString('base64url');
  const htu = `${origin}${path}`;
  const signProof = () => {
    const payload = Buffer.from(JSON.stringify({ jti: randomBytes(16).toString('base64url'), htm: 'POST', htu, iat: Math.floor(Date.now() / 1000) })).toString('base64url');
    const signingInput = `${header}.${payload}`;
    return `${signingInput}.${sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
  const wanted = scenario.grant === 'authorization_code' ? input.codes.length : Math.ceil(PRESIGN_PER_SECOND * (W + D));
  const presigned = W + D <= 40 ? Array.from({ length: wanted }, signProof) : [];
  counts.dpop_presigned = presigned.length;
  counts.dpop_signed_in_run = 0;
  let next = 0;
  return () => {
    if (next < presigned.length) {
      const proof = presigned[next];
      presigned[next++] = undefined; // each proof is sent once
      return proof;
    }
    counts.dpop_signed_in_run++;
    return signProof();
  };
}
const PRESIGN_PER_SECOND = 4000;

/** A field of a 2xx answer: JSON by its dotted path, XML by the element named by the path's last segment. */
function fieldOf(answer, path) {
  if (answer.json) return path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), answer.json);
  const m = elementPattern(path).exec(answer.text);
  return m ? m[1] : undefined;
}
// One compiled pattern per field: the driver shares the server's cores, so it keeps its own work small.
const elementPatterns = new Map();
function elementPattern(path) {
  let pattern = elementPatterns.get(path);
  if (!pattern) {
    const name = path.slice(path.lastIndexOf('.') + 1);
    elementPatterns.set(path, (pattern = new RegExp(`<${name}>([^<]*)</${name}>`)));
  }
  return pattern;
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

/**
 * A scenario as requests and counts: { scenario, input, next(vu) -> request or undefined when
 * it has no more, check(answer) -> ok, after(vu, answer, ok), stats, counts, latencies }.
 */
async function workload(name, inputPath) {
  const scenario = scenarioByName(name);
  if (!scenario || scenario.driver !== 'dialects') throw new Error(`drive-dialects: unknown scenario ${name}`);
  const input = JSON.parse(readFileSync(inputPath, 'utf8'));
  const w = {
    scenario, input,
    stats: { nextCode: 0, nextToken: 0, exhausted: false, exhaustedAt: Infinity, chainsRestarted: 0, vusStopped: 0 },
    counts: { ok: 0, errors: 0, non2xx: 0, warmup_ok: 0, warmup_errors: 0 },
    dpopCounts: {},
    latencies: [],
    firstError: undefined,
    setupError: undefined,
  };

  if (scenario.grant === 'introspection') {
    const { client_id: id, client_secret: secret } = input.client;
    const auth = basic(id, secret);
    const accessTokens = [];
    for (const rt of input.refresh_tokens) {
      const r = await send('/oauth2/token', { authorization: auth, 'content-type': MEDIA.form }, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: rt }).toString(), 'json');
      if (typeof r.json?.access_token === 'string') accessTokens.push(r.json.access_token);
      else w.setupError ??= `${r.status} ${r.text.slice(0, 500)}`;
    }
    if (!accessTokens.length) throw Object.assign(new Error('no access token to introspect'), { setupError: w.setupError, scenario: name });
    let i = 0;
    const headers = { authorization: auth, 'content-type': MEDIA.form, accept: MEDIA.json };
    w.path = '/oauth2/introspect';
    w.next = () => ({ path: w.path, headers, body: `token=${encodeURIComponent(accessTokens[i++ % accessTokens.length])}`, format: 'json' });
    w.check = (a) => a.json?.active === true && typeof a.json.client_id === 'string';
    return w;
  }

  const dialect = DIALECTS[scenario.profile];
  const { client } = input;
  const format = scenario.format;
  w.path = dialect.path;
  const dpopProof = dpopProofs(scenario, input, inputPath, dialect.path, w.dpopCounts);
  const encode = (fields) =>
    format === 'json' ? JSON.stringify(fields) : format === 'xml' ? toXml(dialect.xmlRoot, fields, dialect.xmlAttributes ?? '') : new URLSearchParams(fields).toString();
  const fixed = { 'content-type': MEDIA[format], accept: format === 'xml' ? MEDIA.xml : MEDIA.json, ...dialect.headers?.(client) };
  const headers = dpopProof ? () => ({ ...fixed, dpop: dpopProof() }) : fixed;
  const required = scenario.grant === 'authorization_code' ? [...dialect.required, ...(dialect.requiredForCode ?? []), ...(scenario.openid ? ['id_token'] : [])] : dialect.required;
  const boundAsAsked = (a) => !(scenario.dpop && dialect.dpopTokenType) || fieldOf(a, 'token_type') === dialect.dpopTokenType;
  w.check = (a) => (a.json || a.xml) && required.every((f) => present(fieldOf(a, f))) && boundAsAsked(a);
  const { stats } = w;

  if (scenario.grant === 'authorization_code') {
    w.next = () => {
      const c = input.codes[stats.nextCode++];
      if (!c) {
        if (!stats.exhausted) Object.assign(stats, { exhausted: true, exhaustedAt: performance.now() });
        return undefined;
      }
      return { path: dialect.path, headers, body: encode(dialect.code(client, c)), format };
    };
    return w;
  }
  const tokens = input.refresh_tokens;
  w.next = (vu) => {
    if (vu.rt === undefined) vu.rt = tokens[stats.nextToken++];
    if (vu.rt === undefined) { if (!vu.stopped) { vu.stopped = true; stats.vusStopped++; } return undefined; }
    return { path: dialect.path, headers, body: encode(dialect.refresh(client, vu.rt)), format };
  };
  w.after = (vu, a, ok) => {
    if (ok) vu.rt = String(fieldOf(a, dialect.refreshField));
    else if ((vu.rt = tokens[stats.nextToken++]) !== undefined) stats.chainsRestarted++;
  };
  return w;
}

// ---- load: one scenario, or a pair in alternating slices -------------------------------------------

let workloads;
try {
  // The pair first: as a separate run it would have run right before the scenario.
  workloads = o.pair ? [await workload(o.pair, o['pair-input']), await workload(o.scenario, o.input)] : [await workload(o.scenario, o.input)];
} catch (e) {
  for (const name of [o.pair, o.scenario].filter(Boolean)) {
    console.log(JSON.stringify({ rps: 0, p50_ms: null, p99_ms: null, ok: 0, errors: 1, non2xx: 0, first_error_body: e.setupError ?? String(e.message), label: o.label, mode: name, setup_failed: true }));
  }
  await pool.close();
  process.exit(0);
}

const t0 = performance.now(), mStart = t0 + W * 1000, mEnd = mStart + workloads.length * D * 1000;
// Slices are counted from the window's start (warm-up slices count backwards from it), A B B A.
const ORDER = [0, 1, 1, 0];
const sliceAt = (t) => Math.floor((t - mStart) / SLICE_MS);
const workloadOfSlice = (k) => workloads[ORDER[((k % 4) + 4) % 4]];
const workloadAt = (t) => (workloads.length === 1 ? workloads[0] : workloadOfSlice(sliceAt(t)));
/** The part of [from, to) in which `w` had the VUs (ms). */
function activeMs(w, from, to) {
  if (workloads.length === 1) return Math.max(0, to - from);
  let ms = 0;
  for (let k = sliceAt(from); from < to; k++) {
    const end = Math.min(to, mStart + (k + 1) * SLICE_MS);
    if (workloadOfSlice(k) === w) ms += end - from;
    from = end;
  }
  return ms;
}

function record(w, r, ok) {
  const now = performance.now();
  if (now > mEnd) return; // completed after the window
  if (!ok) w.firstError ??= `${r.status} ${r.text.slice(0, 500)}`;
  if (now < mStart) { w.counts[ok ? 'warmup_ok' : 'warmup_errors']++; return; }
  if (ok) { w.counts.ok++; w.latencies.push(r.ms); return; }
  w.counts.errors++;
  if (r.status && (r.status < 200 || r.status > 299)) w.counts.non2xx++;
}

async function vu() {
  const states = new Map(workloads.map((w) => [w, {}])); // per scenario: this VU's chain
  for (let now = performance.now(); now < mEnd; now = performance.now()) {
    const w = workloadAt(now);
    const state = states.get(w);
    const req = w.next(state);
    if (!req) {
      if (workloads.length === 1) return;
      await sleep(Math.max(1, mStart + (sliceAt(now) + 1) * SLICE_MS - now)); // the other one's turn comes
      continue;
    }
    const r = await send(req.path, req.headers, req.body, req.format);
    const ok = r.status >= 200 && r.status < 300 && !!w.check(r);
    record(w, r, ok);
    w.after?.(state, r, ok);
  }
}

// ---- CPU (as drive.mjs) ------------------------------------------------------------------------------

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

const cores = (k) => (cpu0 && cpu1 ? +(delta(k) / 100 / ((cpu1.t - cpu0.t) / 1000)).toFixed(2) : null);
const cpuCores = Object.fromEntries(['driver', 'server', 'postgres', 'host', 'steal'].map((k) => [k, cores(k)]));
for (const w of workloads) {
  const { scenario, input, stats, counts, latencies: lat } = w;
  // Its share of the window, up to the moment it ran out of codes (if it did).
  const duration = activeMs(w, mStart, Math.min(mEnd, workloads.length === 1 ? done : stats.exhaustedAt)) / 1000;
  lat.sort((x, y) => x - y);
  const pct = (q) => (lat.length ? +lat[Math.min(lat.length - 1, Math.ceil(q * lat.length) - 1)].toFixed(2) : null);
  const refresh = scenario.grant === 'refresh_token';
  const code = scenario.grant === 'authorization_code';
  const other = workloads.find((x) => x !== w);
  console.log(JSON.stringify({
    rps: duration ? Math.round(counts.ok / duration) : 0,
    p50_ms: pct(0.5),
    p99_ms: pct(0.99),
    ok: counts.ok,
    errors: counts.errors,
    non2xx: counts.non2xx,
    first_error_body: w.firstError ?? null,
    label: o.label, mode: scenario.name, url: `${origin}${w.path}`,
    c: C, d: D, warmup_s: W, duration_s: +duration.toFixed(2),
    ...(other && { interleaved_with: other.scenario.name, slice_s: SLICE_MS / 1000 }),
    warmup_ok: counts.warmup_ok, warmup_errors: counts.warmup_errors,
    ...(w.setupError && { setup_error: w.setupError }),
    ...(refresh && { chains_restarted: stats.chainsRestarted, vus_stopped: stats.vusStopped }),
    ...(code && { exhausted: stats.exhausted, codes_used: Math.min(stats.nextCode, input.codes.length) }),
    ...(input.dpop_key && w.dpopCounts),
    cpu_cores: cpuCores,
  }));
}
