// `npm start`: builds if the sources changed, then runs the service (or, with
// --migrate-only, applies migrations and exits).
import { buildIfNeeded } from './build.mjs';

buildIfNeeded();
const entry = process.argv.includes('--migrate-only') ? 'migrate.js' : 'main.js';
await import(new URL(`../dist/apps/latchkey/src/${entry}`, import.meta.url).href);
