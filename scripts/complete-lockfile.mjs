// The npm registry reachable here lacks @swc/core's binaries for other platforms, so
// `npm install` leaves them out of package-lock.json and `npm ci` then calls the lock out
// of sync. This adds their entries (version, os, cpu: enough for npm to skip them on
// Linux x64 without fetching). Run it after an install that rewrote the lock from scratch.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const core = lock.packages['node_modules/@swc/core'];
const platforms = {
  'darwin-arm64': ['darwin', 'arm64'],
  'darwin-x64': ['darwin', 'x64'],
  'linux-arm-gnueabihf': ['linux', 'arm'],
  'linux-arm64-gnu': ['linux', 'arm64', 'glibc'],
  'linux-arm64-musl': ['linux', 'arm64', 'musl'],
  'linux-ppc64-gnu': ['linux', 'ppc64', 'glibc'],
  'linux-s390x-gnu': ['linux', 's390x', 'glibc'],
  'linux-x64-gnu': ['linux', 'x64', 'glibc'],
  'linux-x64-musl': ['linux', 'x64', 'musl'],
  'win32-arm64-msvc': ['win32', 'arm64'],
  'win32-ia32-msvc': ['win32', 'ia32'],
  'win32-x64-msvc': ['win32', 'x64'],
};
let added = 0;
for (const [name, [os, cpu, libc]] of Object.entries(platforms)) {
  const key = `node_modules/@swc/core-${name}`;
  if (!core?.optionalDependencies?.[`@swc/core-${name}`] || lock.packages[key]) continue;
  lock.packages[key] = {
    version: core.version,
    cpu: [cpu],
    ...(libc ? { libc: [libc] } : {}),
    license: 'Apache-2.0 AND MIT',
    optional: true,
    os: [os],
    engines: { node: '>=10' },
  };
  added++;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lockfile: added ${added} entries`);
