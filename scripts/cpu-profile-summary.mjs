// Summarises a V8 .cpuprofile (node --cpu-prof): where the samples went, by package or
// project folder (self time) and by function (self and inclusive time).
//
//   node scripts/cpu-profile-summary.mjs FILE.cpuprofile [--top 30] [--match text]
//
// --match keeps only the inclusive-time rows whose function or file contains the text.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, match: { type: 'string' } },
});
const top = Number(flags.top);
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Sample time per node: timeDeltas[i] belongs to samples[i].
const selfMicros = new Map();
profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);

const frameName = (n) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
function where(url) {
  if (!url) return '';
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  const d = url.match(/dist\/(.*)$/);
  return d ? d[1] : url.replace(/^file:\/\//, '');
}
function bucket(n) {
  const url = n.callFrame.url;
  if (!url) return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native)';
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  const d = url.match(/dist\/((?:apps|libs)\/[^/]+\/src\/[^/]+)/);
  if (d) return d[1];
  return url.startsWith('node:') ? url : url.replace(/^file:\/\/.*\//, '');
}

const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
};

const byBucket = new Map();
const bySelf = new Map();
const byInclusive = new Map();
for (const [id, us] of selfMicros) {
  const n = nodes.get(id);
  byBucket.set(bucket(n), (byBucket.get(bucket(n)) ?? 0) + us);
  bySelf.set(frameName(n), (bySelf.get(frameName(n)) ?? 0) + us);
  // Inclusive: count each distinct frame once per stack.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const name = frameName(nodes.get(cur));
    if (seen.has(name)) continue;
    seen.add(name);
    byInclusive.set(name, (byInclusive.get(name) ?? 0) + us);
  }
}
console.log(`${positionals[0]}: ${(total / 1e6).toFixed(2)} s of samples`);
print('self time by package / project folder', byBucket);
print('self time by function', bySelf);
const inclusive = flags.match
  ? new Map([...byInclusive].filter(([k]) => k.includes(flags.match)))
  : byInclusive;
print('inclusive time by function', inclusive);
