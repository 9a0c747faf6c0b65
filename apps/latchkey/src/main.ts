import 'reflect-metadata';
import { ConfigValidationError, isEmbeddedDatabase, resolveIssuer, validateEnvironment } from '@latchkey/config';
import { resolve } from 'node:path';
import { createLatchkeyApp } from './app.factory.js';
import { DemoSeed } from './demo/demo-seed.js';

async function main() {
  let env;
  try {
    env = validateEnvironment(process.env);
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    // One line, naming the variable, before anything else starts.
    process.stderr.write(`latchkey: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }

  const app = await createLatchkeyApp(env);
  const demo = await app.get(DemoSeed).seed();
  // Graceful stop: stop accepting, let in-flight requests finish, then close the pool
  // (Nest runs the shutdown hooks after the HTTP server has closed), then exit 0.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`latchkey: error while stopping: ${String(error)}\n`);
          process.exit(1);
        },
      );
    });
  }
  await app.listen({ port: env.PORT, host: env.HOST });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const base = `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${port}`;
  const database = isEmbeddedDatabase(env) ? `embedded database in ${resolve(env.DATA_DIR, 'pglite')}` : 'Postgres at DATABASE_URL';
  // The demo's lines come with the banner, in one write.
  const demoLines = demo ? `${await app.get(DemoSeed).instructions(base, demo)}\n` : '';
  process.stdout.write(
    demoLines +
      `Latchkey listening on ${base} (${database}), issuer ${resolveIssuer(env, port)}\n` +
      `Swagger UI: ${base}/docs   OpenAPI: ${base}/docs-json   readiness: ${base}/health/ready\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`latchkey: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
