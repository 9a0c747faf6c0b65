// First: libuv's pool must be sized before anything uses it.
import './runtime/size-thread-pool.js';
import 'reflect-metadata';
import { ConfigValidationError, resolveWorkers, validateEnvironment } from '@latchkey/config';
import cluster from 'node:cluster';
import { superviseWorkers } from './cluster-supervisor.js';
import { serve } from './serve.js';

/**
 * One process serving HTTP (`serve`), or, with more than one worker (WORKERS, or one per
 * core in production), a primary that migrates once and supervises the workers, each of
 * which runs this file again and serves.
 */
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
  const workers = resolveWorkers(env);
  if (workers > 1 && cluster.isPrimary) await superviseWorkers(env, workers);
  else await serve(env, cluster.isWorker ? workers : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`latchkey: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
