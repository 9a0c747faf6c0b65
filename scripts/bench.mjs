// `npm run bench [-- --compare]`: Latchkey's token endpoints under load, scenario by scenario,
// optionally side by side with the anchors of ../shared/bench (node-oidc-provider and the
// node:http + pg "limit" server), with one driver and the same settings for all.
//
// For each target: a fresh Postgres database, the target's seed, its server on 127.0.0.1, the
// anchors' rotation check, then one driver process per scenario (../shared/bench/drive.mjs for
// refresh_token, authorization_code and client_credentials; bench/drive-dialects.mjs for
// introspection and the dialects), C connections, WARMUP s of warm-up, D s measured. With
// --compare the order is: Latchkey's refresh_token, authorization_code and client_credentials
// (#1), the two anchors in the same three, Latchkey's three again (#2, a second database and
// server), then Latchkey's other scenarios on that server; Latchkey's figure in the
// comparison is the mean of #1 and #2, so that a steady drift of the machine's speed during
// the anchors' minutes favours neither side.
//
//   npm run bench                                   # every scenario, C=32, D=10 s, warm-up 3 s, one worker
//   npm run bench -- --compare                      # + node-oidc-provider and the limit server (their 3 modes)
//   C=4 D=2 WARMUP=1 SCENARIOS="refresh_token aws" npm run bench
//   npm run bench -- --c 64 --d 20 --scenarios midnight,huawei_code --workers 2 --keep
//   npm run bench -- --scenarios huawei --no-paired  # without the paired baselines
//
// settings (flag or environment): --c C, --d D, --warmup WARMUP, --scenarios SCENARIOS (names or
// prefixes from bench/scenarios.mjs), --workers WORKERS (Latchkey's, default 1), --codes N_CODES
// (codes seeded per code scenario, default 80000), PG_POOL (anchors' pool, default 16), PORT (default:
// a free port), DATABASE_URL (the Postgres server to use; default postgres://postgres@127.0.0.1:5432),
// --keep (keep the databases and seed files), --no-paired or PAIRED=0 (no paired baselines: each
// dialect scenario is otherwise interleaved with the same grant on /oauth2/token, see
// bench/scenarios.mjs), --slice SLICE (a pair's slice, default 0.5 s; each side gets D s of a 2D s
// window, see bench/drive-dialects.mjs). Results: a table on stdout and .bench/results/<stamp>.json;
// server logs and every driver line in .bench/data/<stamp>/. Exit status 1 when any request failed,
// a scenario measured nothing, or a rotation check failed.
import { execFileSync, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildIfNeeded } from './build.mjs';
import { SERVICE_NODE_FLAGS } from './service-node-flags.mjs';
import { SCENARIOS, pairedBaseline, selectScenarios } from '../bench/scenarios.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: flags } = parseArgs({
  allowNegative: true, // --no-paired
  options: {
    compare: { type: 'boolean', default: false },
    c: { type: 'string' },
    d: { type: 'string' },
    warmup: { type: 'string' },
    scenarios: { type: 'string' },
    workers: { type: 'string' },
    codes: { type: 'string' },
    keep: { type: 'boolean', default: false },
    paired: { type: 'boolean' },
    slice: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport ')[0].replace(/^\/\/ ?/gm, ''));
  console.log(`scenarios: ${SCENARIOS.map((s) => s.name).join(' ')}`);
  process.exit(0);
}

const env = process.env;
const positive = (name, value, fallback) => {
  const n = Number(value ?? fallback);
  if (!(n > 0)) throw new Error(`bench: ${name} must be a positive number (got ${JSON.stringify(value)})`);
  return n;
};
const C = positive('C', flags.c ?? env.C, 32);
const D = positive('D', flags.d ?? env.D, 10);
const WARMUP = Number(flags.warmup ?? env.WARMUP ?? 3);
const WORKERS = String(positive('WORKERS', flags.workers ?? env.WORKERS, 1));
const N_CODES = positive('N_CODES', flags.codes ?? env.N_CODES, 80000);
const PG_POOL = String(env.PG_POOL ?? 16);
const selected = selectScenarios(flags.scenarios ?? env.SCENARIOS);
const compare = flags.compare;
// Each dialect scenario interleaved with its paired baseline (scenarios.mjs), unless --no-paired or PAIRED=0.
const paired = flags.paired ?? env.PAIRED !== '0';
// A pair's slice length (s): the driver alternates baseline and dialect every SLICE seconds.
const SLICE = positive('SLICE', flags.slice ?? env.SLICE, 0.5);
const withPairs = paired ? (scenarios) => scenarios.flatMap((s) => [pairedBaseline(s), s].filter(Boolean)) : (scenarios) => scenarios;

const STAMP = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const ANCHORS_SRC = resolve(ROOT, env.ANCHORS_SRC ?? '../shared/bench');
const ANCHORS = join(ROOT, '.bench/anchors');
const DATA = join(ROOT, '.bench/data', STAMP); // server logs, results.jsonl
const SEEDS = join('/tmp/latchkey-bench', STAMP); // seeds (large; removed at the end unless --keep)
const RESULTS = join(ROOT, '.bench/results');
mkdirSync(DATA, { recursive: true });
mkdirSync(RESULTS, { recursive: true });
const node = process.execPath;
const log = (line) => console.log(line);

// ---- cleanup: our own children and databases only -------------------------------------------

const children = new Set();
const databases = [];
let admin;
async function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  if (admin && !flags.keep) {
    for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => {});
  }
  await admin?.end().catch(() => {});
  admin = undefined;
  if (!flags.keep) rmSync(SEEDS, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`\nbench: ${signal}, stopping`);
    cleanup().finally(() => process.exit(130));
  });
}

// ---- the anchors' copy (../shared is read-only) ------------------------------------------------

function copyTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const [src, dst] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) copyTree(src, dst);
    else {
      if (existsSync(dst)) {
        if (readFileSync(dst).equals(readFileSync(src))) continue;
        unlinkSync(dst);
      }
      cpSync(src, dst);
      chmodSync(dst, entry.name.endsWith('.sh') ? 0o755 : 0o644);
    }
  }
}

function prepareAnchors(dirs) {
  if (!existsSync(join(ANCHORS_SRC, 'drive.mjs'))) throw new Error(`bench: no anchors at ${ANCHORS_SRC} (set ANCHORS_SRC)`);
  copyTree(ANCHORS_SRC, ANCHORS);
  for (const dir of dirs) {
    const cwd = join(ANCHORS, dir);
    const lock = join(cwd, 'package-lock.json');
    const marker = join(cwd, 'node_modules/.package-lock.json');
    if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) continue;
    log(`bench: npm ci in .bench/anchors/${dir}`);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, stdio: 'inherit' });
  }
}

// ---- Postgres ----------------------------------------------------------------------------------

const server = new URL(env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const urlOf = (db) => Object.assign(new URL(server.href), { pathname: `/${db}` }).href;

async function freshDatabase(suffix) {
  const name = `latchkey_bench_${STAMP.toLowerCase()}_${suffix}`.replace(/[^a-z0-9_]/g, '_');
  await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
  await admin.query(`CREATE DATABASE "${name}"`);
  databases.push(name);
  return { name, url: urlOf(name) };
}

async function withDatabase(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// ---- processes ----------------------------------------------------------------------------------

function run(args, { cwd = ROOT, env: extra = {}, logFile } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node, args, { cwd, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { if (logFile) appendFileSync(logFile, d); else process.stderr.write(d); });
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${args.join(' ')} exited ${code}${out ? `: ${out.trim().slice(-500)}` : ''}`));
    });
  });
}

function freePort() {
  if (env.PORT) return Promise.resolve(Number(env.PORT));
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
    s.on('error', fail);
  });
}

async function startServer(target, port, extraEnv) {
  const logFile = join(DATA, `${target.name}.server.log`);
  const child = spawn(node, [...(target.nodeFlags ?? []), target.server], { cwd: target.cwd, env: { ...env, ...extraEnv, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.stdout.on('data', (d) => appendFileSync(logFile, d));
  child.stderr.on('data', (d) => appendFileSync(logFile, d));
  const exited = new Promise((ok) => child.on('exit', (code, signal) => { children.delete(child); ok({ code, signal }); }));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${target.name} exited during start (${child.exitCode}); see ${logFile}`);
    const res = await fetch(`http://127.0.0.1:${port}${target.readyPath}`).catch(() => undefined);
    if (res && (target.readyPath === '/' || res.ok)) break;
    await sleep(200);
  }
  if (Date.now() >= deadline) throw new Error(`${target.name} did not become ready in 90 s; see ${logFile}`);
  return {
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the server's memory and (with several workers) CPU, sampled beside the driver --------------

const readProc = (path) => { try { return readFileSync(path, 'utf8'); } catch { return undefined; } };
const procTicks = (stat) => { const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); return Number(f[11]) + Number(f[12]); };
const TICKS_PER_SECOND = 100;

/** The server's pid and its children's (cluster workers), read once after start. */
function processTree(pid) {
  const tree = [String(pid)];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const st = readProc(`/proc/${p}/stat`);
    if (st && st.slice(st.lastIndexOf(')') + 2).split(' ')[1] === String(pid)) tree.push(p);
  }
  return tree;
}

function sampler(pids) {
  const samples = [];
  let peakRss = 0, peakProcessRss = 0;
  const take = () => {
    let rss = 0, ticks = 0;
    for (const p of pids) {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readProc(`/proc/${p}/status`) ?? '')?.[1] ?? 0);
      rss += kb;
      peakProcessRss = Math.max(peakProcessRss, kb);
      const st = readProc(`/proc/${p}/stat`);
      if (st) ticks += procTicks(st);
    }
    peakRss = Math.max(peakRss, rss);
    samples.push({ t: performance.now(), ticks });
  };
  take();
  const timer = setInterval(take, 250);
  return {
    stop() { clearInterval(timer); take(); },
    rssMb: () => Math.round(peakRss / 1024),
    processRssMb: () => Math.round(peakProcessRss / 1024),
    /** Cores used by the whole tree over [from, to] (ms, performance.now()), from the nearest samples. */
    cores(from, to) {
      const at = (t) => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
      const [a, b] = [at(from), at(to)];
      return b.t > a.t ? +((b.ticks - a.ticks) / TICKS_PER_SECOND / ((b.t - a.t) / 1000)).toFixed(2) : null;
    },
  };
}

// ---- one target: seed, start, rotation check, scenarios ------------------------------------------

async function bench(target, scenarios) {
  if (target.name === 'latchkey') scenarios = withPairs(scenarios);
  log(`\n== ${target.name}: ${scenarios.map((s) => s.name).join(' ')}`);
  const db = await freshDatabase(target.name);
  const seedDir = join(SEEDS, target.name);
  const needsCodes = scenarios.some((s) => s.mode === 'authorization_code');
  const dialectScenarios = scenarios.filter((s) => s.driver === 'dialects').map((s) => s.name);
  const seedArgs = ['--rt', String(2 * C + 1), '--codes', String(needsCodes ? N_CODES : 0), '--out', seedDir];
  if (dialectScenarios.length) {
    seedArgs.push('--scenarios', dialectScenarios.join(','), '--scenario-codes', String(N_CODES), '--scenario-rt', String(2 * C), '--introspect-tokens', String(2 * C));
  }
  const seedEnv = { PGURL: db.url, PG_POOL, CLIENT_ID: 'bench', CLIENT_SECRET: 'bench-secret-0123456789abcdef' };
  const seedStarted = performance.now();
  const seedOut = await run([target.seed, ...seedArgs], { cwd: target.cwd, env: seedEnv, logFile: join(DATA, `${target.name}.seed.log`) });
  log(seedOut.trim().split('\n').at(-1) + ` [${((performance.now() - seedStarted) / 1000).toFixed(1)} s]`);
  const rts = JSON.parse(readFileSync(join(seedDir, 'refresh_tokens.json'), 'utf8'));
  writeFileSync(join(seedDir, 'bench_rt.json'), JSON.stringify(rts.slice(0, -1))); // 2C chains for the load
  writeFileSync(join(seedDir, 'check_rt.json'), JSON.stringify(rts.slice(-1))); // one for the rotation check
  const client = existsSync(join(seedDir, 'client.json'))
    ? JSON.parse(readFileSync(join(seedDir, 'client.json'), 'utf8'))
    : { client_id: seedEnv.CLIENT_ID, client_secret: seedEnv.CLIENT_SECRET };
  await withDatabase(db.url, (c) => c.query('CHECKPOINT')).catch(() => {}); // needs superuser or pg_checkpoint; best effort

  const port = await freePort();
  const srv = await startServer(target, port, { PGURL: db.url, PG_POOL, CLIENT_ID: seedEnv.CLIENT_ID, CLIENT_SECRET: seedEnv.CLIENT_SECRET, ...target.env });
  let pids = processTree(srv.pid);
  // Ready as soon as one worker answers: wait for the others to be forked too (node:cluster primary + WORKERS).
  const expected = target.env.WORKERS > 1 ? Number(target.env.WORKERS) + 1 : 1;
  for (let i = 0; pids.length < expected && i < 150; i++, pids = processTree(srv.pid)) await sleep(200);
  const results = [];
  let rotation;
  try {
    const tokenUrl = `http://127.0.0.1:${port}${target.tokenPath}`;
    // `--name=value`: a generated secret may start with "-", which parseArgs would take for an option.
    const common = [`--client-id=${client.client_id}`, `--client-secret=${client.client_secret}`, '--label', target.name, '--pid', String(srv.pid)];
    rotation = JSON.parse(await run([join(ANCHORS, 'drive.mjs'), '--url', tokenUrl, '--mode', 'rotation_check', '--tokens', join(seedDir, 'check_rt.json'), ...common], { cwd: ANCHORS }));
    appendFileSync(join(DATA, 'results.jsonl'), `${JSON.stringify(rotation)}\n`);
    log(`rotation check: pass=${rotation.pass} first=${rotation.first} replay=${rotation.replay} successor_after_replay=${rotation.successor_after_replay}`);

    // A paired baseline and its dialect scenario run as one interleaved driver run (bench/drive-dialects.mjs --pair).
    const steps = [];
    for (const s of scenarios) {
      if (steps.at(-1)?.[0].pairs === s.name) steps.at(-1).push(s);
      else steps.push([s]);
    }
    for (const step of steps) {
      const s = step.at(-1);
      // Every scenario of every target starts from the same database state. VACUUM ANALYZE:
      // each scenario leaves tens of thousands of consumed or updated rows behind, and where
      // autovacuum is off (as on the machine of the README's figures) or slower than the
      // run, every later scenario would work on more bloated tables than the first ones.
      // CHECKPOINT: otherwise a timed or WAL-size checkpoint (5 min, 1 GB by default) lands
      // inside whichever scenario is running then, and its fsyncs slow that one's commits.
      await withDatabase(db.url, async (c) => {
        await c.query('VACUUM ANALYZE');
        await c.query('CHECKPOINT');
      }).catch((error) => log(`  (before ${s.name}: ${error.message})`));
      const load = ['--c', String(C), '--d', String(D), '--warmup', String(WARMUP)];
      const input = (name) => join(seedDir, 'scenarios', `${name}.json`);
      const pair = step.length === 2 ? ['--pair', step[0].name, '--pair-input', input(step[0].name), '--slice', String(SLICE)] : [];
      const args = s.driver === 'drive'
        ? [join(ANCHORS, 'drive.mjs'), '--url', tokenUrl, '--mode', s.mode, '--tokens', join(seedDir, 'bench_rt.json'), '--codes', join(seedDir, 'codes.json'), '--scope', 'api:read', ...common, ...load]
        : [join(ROOT, 'bench/drive-dialects.mjs'), '--url', `http://127.0.0.1:${port}`, '--scenario', s.name, '--input', input(s.name), ...pair,
          '--label', target.name, '--pid', pids.join(','), '--anchors', ANCHORS, ...load];
      const watch = sampler(pids);
      let lines;
      try {
        const out = await run(args, { cwd: s.driver === 'drive' ? ANCHORS : ROOT, logFile: join(DATA, 'drivers.log') });
        const endedAt = performance.now();
        watch.stop();
        // One JSON line per scenario of the step, last; an interleaved pair's CPU and RSS are the pair's.
        lines = out.trim().split('\n').slice(-step.length).map((line) => JSON.parse(line));
        const span = Math.max(...lines.map((r) => r.duration_s ?? 0)) * step.length;
        for (const r of lines) {
          r.server_rss_mb = watch.rssMb();
          r.server_process_rss_mb = watch.processRssMb();
          if (pids.length > 1 && span > 0) r.cpu_cores.server_tree = watch.cores(endedAt - span * 1000, endedAt);
        }
      } catch (error) {
        watch.stop();
        lines = step.map((x) => ({ mode: x.name, label: target.name, rps: 0, ok: 0, errors: 1, driver_failed: String(error.message).slice(0, 500) }));
      }
      step.forEach((x, i) => {
        const r = lines.find((line) => line.mode === x.name) ?? lines[i];
        r.scenario = x.name;
        appendFileSync(join(DATA, 'results.jsonl'), `${JSON.stringify(r)}\n`);
        results.push(r);
        log(`  ${x.name.padEnd(22)} ${String(r.rps).padStart(6)} req/s  p50 ${r.p50_ms ?? '-'} ms  p99 ${r.p99_ms ?? '-'} ms  errors ${r.errors}${r.warmup_errors ? ` (+${r.warmup_errors} in warm-up)` : ''}`);
      });
    }
  } finally {
    await srv.stop();
  }
  return { target: target.name, database: db.name, ...(target.env.WORKERS && { workers: Number(target.env.WORKERS) }), rotation_check: rotation, results };
}

// ---- judging and printing -------------------------------------------------------------------------

/** Why a result is not a clean measurement (errors anywhere, nothing measured); empty when clean. */
function problems(r) {
  const p = [];
  if (r.driver_failed) p.push(`driver failed: ${r.driver_failed}`);
  if (r.setup_failed) p.push(`setup failed: ${r.first_error_body}`);
  if (r.errors) p.push(`${r.errors} errors`);
  if (r.warmup_errors) p.push(`${r.warmup_errors} errors in warm-up`);
  if (!r.driver_failed && !r.setup_failed && !r.ok) p.push(r.exhausted ? 'nothing measured: the codes ran out in warm-up (raise N_CODES)' : 'nothing measured');
  if (r.vus_stopped) p.push(`${r.vus_stopped} virtual users ran out of refresh tokens`);
  return p;
}
const warnings = (r) => (r.exhausted && r.ok && r.duration_s < D ? [`codes ran out after ${r.duration_s} s of ${D} s (raise N_CODES)`] : []);

function table(rows, columns) {
  const cells = [columns.map((c) => c[0]), ...rows.map((row) => columns.map((c) => String(c[1](row) ?? '-')))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n');
}

// ---- main ---------------------------------------------------------------------------------------

let exitCode = 0;
try {
  const anchorScenarios = selected.filter((s) => s.anchor);
  if (compare && anchorScenarios.length === 0) throw new Error('bench: --compare needs at least one of refresh_token, authorization_code, client_credentials in SCENARIOS');
  const anchorDirs = compare ? ['.', 'oidc-provider', 'limit'] : ['.'];
  prepareAnchors(anchorDirs);
  if (buildIfNeeded()) log('bench: built dist/');
  admin = new pg.Client({ connectionString: urlOf('postgres') });
  await admin.connect();

  const pgVersion = (await admin.query('SHOW server_version')).rows[0].server_version;
  const oidcVersion = compare ? JSON.parse(readFileSync(join(ANCHORS, 'oidc-provider/node_modules/oidc-provider/package.json'), 'utf8')).version : null;
  const header = {
    date: STAMP,
    node: process.version,
    cpu: `${cpus()[0]?.model.trim()} x ${cpus().length}`,
    postgres: pgVersion,
    ...(oidcVersion && { 'oidc-provider': oidcVersion }),
    settings: { C, D, warmup_s: WARMUP, workers: Number(WORKERS), n_codes: N_CODES, pg_pool_anchors: Number(PG_POOL), compare, paired, ...(paired && { slice_s: SLICE }) },
  };
  log(`date: ${header.date}\nnode: ${header.node}   cpu: ${header.cpu}\npostgres: ${header.postgres}${oidcVersion ? `   oidc-provider: ${oidcVersion}` : ''}`);
  log(`driver: C=${C} D=${D}s warm-up=${WARMUP}s   Latchkey WORKERS=${WORKERS}   codes per code scenario=${N_CODES}`);

  const latchkeyTarget = {
    name: 'latchkey', cwd: ROOT, seed: join(ROOT, 'bench/latchkey/seed.mjs'), server: join(ROOT, 'bench/latchkey/server.mjs'),
    tokenPath: readFileSync(join(ROOT, 'bench/latchkey/token-path'), 'utf8').trim(), readyPath: '/health/ready', env: { WORKERS },
    nodeFlags: SERVICE_NODE_FLAGS, // as npm start and the image run it
  };
  const runs = [];
  if (!compare) {
    runs.push(await bench(latchkeyTarget, selected));
  } else {
    // A B A: Latchkey's scenarios of the anchors' names, the two anchors, the same scenarios
    // of Latchkey again (a fresh database and server), then Latchkey's other scenarios
    // (introspection, the dialects with their paired baselines: about ten minutes). This
    // machine's throughput drifts by tens of per cent within minutes: the compared
    // measurements lie close together, and Latchkey's figure is the mean of one taken before
    // the anchors and one after, so that a steady drift favours neither side.
    runs.push(await bench(latchkeyTarget, anchorScenarios));
    for (const name of ['oidc-provider', 'limit']) {
      const cwd = join(ANCHORS, name);
      const run = await bench({ name, cwd, seed: join(cwd, 'seed.mjs'), server: join(cwd, 'server.mjs'), tokenPath: '/token', readyPath: '/', env: {} }, anchorScenarios);
      runs.push(run);
    }
    runs.push(await bench(latchkeyTarget, [...anchorScenarios, ...selected.filter((s) => !s.anchor)]));
    // Which of the two a shared scenario's row is: #1 before the anchors, #2 after.
    for (const [i, run] of runs.filter((r) => r.target === 'latchkey').entries()) {
      for (const r of run.results) if (anchorScenarios.some((s) => s.name === r.scenario)) r.round = i + 1;
    }
  }

  // The table. Latchkey's scenarios, from one run or (with --compare) two.
  const latchkeyRuns = runs.filter((run) => run.target === 'latchkey');
  const latchkey = { target: 'latchkey', results: latchkeyRuns.flatMap((run) => run.results) };
  const byName = (run, name) => run?.results.find((r) => r.scenario === name);
  // The row of a scenario in the same Latchkey run as `r` (the dialects' /oauth2/token figures), else in any.
  const sameRun = (r, name) => byName(latchkeyRuns.find((run) => run.results.includes(r)), name) ?? byName(latchkey, name);
  const multi = Number(WORKERS) > 1;
  // A dialect's rate over /oauth2/token's (vs_std) and over its paired baseline's (vs_paired), in the JSON too.
  for (const r of latchkey.results) {
    const s = SCENARIOS.find((x) => x.name === r.scenario);
    const std = s?.baseline && sameRun(r, s.baseline);
    const pairedBase = sameRun(r, pairedBaseline(s)?.name);
    if (r.rps && std?.rps) r.vs_std = +(r.rps / std.rps).toFixed(2);
    if (r.rps && pairedBase?.rps) r.vs_paired = +(r.rps / pairedBase.rps).toFixed(2);
  }
  // A row's name: its scenario, and with --compare #1 or #2 for Latchkey's shared ones.
  const rowName = (r) => `${r.scenario}${r.round ? ` #${r.round}` : ''}`;
  const rows = runs.flatMap((run) => run.results.map((r) => ({ ...r, target: run.target })));
  const flagged = [];
  for (const run of runs) {
    if (run.rotation_check && !run.rotation_check.pass) flagged.push(`${run.target} rotation check failed: ${JSON.stringify(run.rotation_check)}`);
    for (const r of run.results) {
      for (const p of problems(r)) flagged.push(`${run.target} ${rowName(r)}: ${p}${r.first_error_body ? ` (first: ${String(r.first_error_body).slice(0, 200)})` : ''}`);
    }
  }
  const notes = runs.flatMap((run) => run.results.flatMap((r) => warnings(r).map((w) => `${run.target} ${rowName(r)}: ${w}`)));
  log('');
  log(table(rows, [
    ['scenario', rowName],
    ...(compare ? [['target', (r) => r.target]] : []),
    ['req/s', (r) => r.rps],
    ['p50 ms', (r) => r.p50_ms],
    ['p99 ms', (r) => r.p99_ms],
    ['ok', (r) => r.ok],
    ['errors', (r) => (r.errors || r.warmup_errors ? `${r.errors ?? 0}${r.warmup_errors ? `+${r.warmup_errors}w` : ''}` : 0)],
    [multi ? 'RSS MB (all)' : 'RSS MB', (r) => r.server_rss_mb],
    ...(multi ? [['RSS MB (max 1)', (r) => r.server_process_rss_mb]] : []),
    ['cpu server', (r) => r.cpu_cores?.server_tree ?? r.cpu_cores?.server],
    ['cpu pg', (r) => r.cpu_cores?.postgres],
    ['cpu driver', (r) => r.cpu_cores?.driver],
    ['vs std', (r) => r.vs_std?.toFixed(2)],
    ...(paired ? [['vs paired', (r) => r.vs_paired?.toFixed(2)]] : []),
  ]));
  log(`(req/s, p50, p99: ok requests in the ${D} s window after ${WARMUP} s of warm-up; errors: failed requests in the window, +Nw in warm-up;`);
  log(` RSS: the server's peak resident memory during the scenario${multi ? ', all processes and the largest one' : ''}; cpu in cores over the window (the host has ${cpus().length});`);
  log(' vs std: a dialect\'s req/s over /oauth2/token\'s for the same grant (refresh_token or authorization_code) in this run;');
  if (paired) log(` vs paired: over its paired baseline std_for_<scenario>, the same grant and extra work on /oauth2/token, interleaved with it in ${SLICE} s slices, ${D} s each.)`);
  else log(' no paired baselines (--no-paired).)');

  let comparison;
  if (compare) {
    const [oidc, limit] = ['oidc-provider', 'limit'].map((name) => runs.find((run) => run.target === name));
    // Latchkey's figures: the mean of #1 (before the anchors) and #2 (after them).
    const mean = (a, b) => (a != null && b != null ? +((a + b) / 2).toFixed(2) : null);
    comparison = anchorScenarios.map((s) => {
      const [before, after] = latchkeyRuns.map((run) => byName(run, s.name));
      const l = { rps: mean(before?.rps, after?.rps), p99_ms: mean(before?.p99_ms, after?.p99_ms) };
      const [o, m] = [byName(oidc, s.name), byName(limit, s.name)];
      return {
        scenario: s.name,
        latchkey_rps: l.rps && Math.round(l.rps), latchkey_rps_before: before?.rps, latchkey_rps_after: after?.rps,
        oidc_provider_rps: o?.rps, limit_rps: m?.rps,
        vs_oidc_provider: l?.rps && o?.rps ? +(l.rps / o.rps).toFixed(2) : null,
        vs_limit: l?.rps && m?.rps ? +(l.rps / m.rps).toFixed(2) : null,
        latchkey_p99_ms: l?.p99_ms, limit_p99_ms: m?.p99_ms,
        p99_vs_limit: l?.p99_ms && m?.p99_ms ? +(l.p99_ms / m.p99_ms).toFixed(2) : null,
      };
    });
    log('');
    log(table(comparison, [
      ['scenario', (r) => r.scenario],
      ['latchkey req/s', (r) => r.latchkey_rps],
      ['#1, #2', (r) => `${r.latchkey_rps_before ?? '-'}, ${r.latchkey_rps_after ?? '-'}`],
      ['oidc-provider', (r) => r.oidc_provider_rps],
      ['x oidc-provider', (r) => r.vs_oidc_provider],
      ['limit', (r) => r.limit_rps],
      ['x limit', (r) => r.vs_limit],
      ['p99 latchkey', (r) => r.latchkey_p99_ms],
      ['p99 limit', (r) => r.limit_p99_ms],
      ['p99 x limit', (r) => r.p99_vs_limit],
    ]));
    log('(latchkey: the mean of #1, measured before the anchors, and #2, after them; x: Latchkey\'s req/s over the anchor\'s, same driver');
    log(' and settings; p99 x limit: Latchkey\'s p99 (the mean of #1 and #2) over the limit server\'s.)');
  }

  for (const n of notes) log(`note: ${n}`);
  const file = join(RESULTS, `${STAMP}.json`);
  writeFileSync(file, `${JSON.stringify({ ...header, ok: flagged.length === 0, problems: flagged, notes, runs, ...(comparison && { comparison }) }, null, 2)}\n`);
  log('');
  if (flagged.length) {
    exitCode = 1;
    log(`RESULT: ERRORS (${flagged.length}):`);
    for (const f of flagged) log(`  - ${f}`);
  } else {
    log('RESULT: no errors');
  }
  log(`results: ${file}\nlogs: ${DATA}`);
} catch (error) {
  exitCode = 1;
  console.error(`bench: ${error.stack ?? error}`);
} finally {
  await cleanup();
}
process.exit(exitCode);
