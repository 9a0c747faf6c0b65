import { isEmbeddedDatabase, type LatchkeyEnvironment, resolveIssuer } from '@latchkey/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { createLatchkeyApp } from './app.factory.js';
import { LISTENING_MESSAGE, type ListeningMessage } from './cluster-supervisor.js';
import { DemoSeed } from './demo/demo-seed.js';

/**
 * Serves HTTP in this process: builds the app, seeds the demo (SEED_DEMO), listens, and
 * prints the banner; or, as a cluster worker (one of `workers`), hands the banner to the
 * primary, which prints it once.
 */
export async function serve(env: LatchkeyEnvironment, workers: number): Promise<void> {
  let app: NestFastifyApplication | undefined;
  let stopping = false;
  // Graceful stop: stop accepting, let in-flight requests finish, then close the pool
  // (Nest runs the shutdown hooks after the HTTP server has closed), then exit 0. A second
  // signal (a terminal's Ctrl-C reaches a worker and its primary, which forwards it) is ignored.
  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (!app) return; // still starting: stops as soon as it has started
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`latchkey: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // A worker whose primary is gone cannot accept connections any more.
  if (cluster.isWorker) process.on('disconnect', stop);

  app = await createLatchkeyApp(env);
  if (stopping) {
    stopping = false;
    return stop();
  }
  const demo = await app.get(DemoSeed).seed();
  await app.listen({ port: env.PORT, host: env.HOST });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const base = `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${port}`;
  const database = isEmbeddedDatabase(env) ? `embedded database in ${resolve(env.DATA_DIR, 'pglite')}` : 'Postgres at DATABASE_URL';
  const processes = workers > 1 ? `, ${workers} workers` : '';
  // The demo's lines come with the banner, in one write.
  const demoLines = demo ? `${await app.get(DemoSeed).instructions(base, demo)}\n` : '';
  const banner =
    demoLines +
    `Latchkey listening on ${base} (${database}${processes}), issuer ${resolveIssuer(env, port)}\n` +
    `Swagger UI: ${base}/docs   OpenAPI: ${base}/docs-json   readiness: ${base}/health/ready\n`;
  if (!cluster.isWorker) process.stdout.write(banner);
  else if (process.connected) process.send!({ type: LISTENING_MESSAGE, banner } satisfies ListeningMessage);
}
