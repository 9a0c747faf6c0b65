import swc from 'unplugin-swc';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * `npm test` runs two projects:
 * - postgres: every suite (unit specs beside the code, e2e suites under test/) against the
 *   Postgres server at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 *   each suite in a fresh database of its own;
 * - embedded: the end-to-end suites again on the embedded PGlite database.
 */
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: [{ find: /^@latchkey\/([a-z-]+)$/, replacement: `${root}libs/$1/src/index.ts` }],
  },
  test: {
    globalSetup: ['./test/support/global-setup.ts'],
    reporters: ['default', './test/support/totals-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts', 'test/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
          env: { LATCHKEY_TEST_DB: 'postgres' },
        },
      },
      {
        extends: true,
        test: {
          name: 'embedded',
          include: ['test/**/*.e2e-spec.ts'],
          // Suites that are about Postgres itself (faults, replicas) have no embedded twin.
          exclude: ['test/**/*.postgres.e2e-spec.ts'],
          env: { LATCHKEY_TEST_DB: 'embedded' },
        },
      },
    ],
  },
});
