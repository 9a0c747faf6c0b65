import type { LatchkeyEnvironment } from '@latchkey/config';
import { Database } from '@latchkey/persistence';
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';

/** What a worker sends its primary once it listens. */
export const LISTENING_MESSAGE = 'latchkey:listening';
export interface ListeningMessage {
  type: typeof LISTENING_MESSAGE;
  banner: string;
}

/** A worker that lived this long before dying starts the back-off from the beginning. */
const HEALTHY_AFTER_MS = 30_000;
const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** Workers still running this long after SIGTERM are killed, and the primary exits 1. */
const STOP_TIMEOUT_MS = 30_000;

interface Slot {
  /** 0 for the worker that seeds the demo and whose banner is printed. */
  index: number;
  startedAt: number;
  listening: boolean;
  /** The banner it sent, kept for the first print. */
  banner?: string;
}

const say = (line: string) => process.stderr.write(`latchkey: ${line}\n`);

/**
 * The cluster primary (node:cluster). It serves nothing itself:
 * - applies migrations once (MIGRATE_ON_START), then forks `count` workers that start with
 *   MIGRATE_ON_START=false; only the first keeps SEED_DEMO, so the demo is seeded once;
 * - prints the first worker's banner once every worker listens (they share the port);
 * - a worker that fails before all have started stops the whole service (exit 1), as a
 *   single process would; one that dies later is replaced, after a back-off that doubles
 *   (0.5 s up to 30 s) while replacements keep dying young;
 * - SIGTERM or SIGINT is forwarded to every worker, which stops gracefully; the primary
 *   exits 0 once all have stopped cleanly (1 if one did not, or after 30 s).
 */
export async function superviseWorkers(env: LatchkeyEnvironment, count: number): Promise<void> {
  if (env.MIGRATE_ON_START) {
    const database = await Database.open({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, migrate: true });
    await database.close();
  }
  // Workers run main.js again, whatever started the primary (npm start, node main.js).
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./main.js', import.meta.url)) });

  const slots = new Map<Worker, Slot>();
  const pendingRestarts = new Set<NodeJS.Timeout>();
  let started = false;
  let stopping = false;
  let exitCode = 0;
  let youngDeaths = 0;

  const fork = (index: number, restart: boolean) => {
    const worker = cluster.fork({
      MIGRATE_ON_START: 'false',
      ...(index === 0 && !restart ? {} : { SEED_DEMO: 'false' }),
    });
    slots.set(worker, { index, startedAt: Date.now(), listening: false });
  };

  const finishIfDone = () => {
    if (stopping && slots.size === 0) process.exit(exitCode);
  };

  const stop = (code: number) => {
    exitCode = Math.max(exitCode, code);
    if (stopping) return;
    stopping = true;
    for (const timer of pendingRestarts) clearTimeout(timer);
    pendingRestarts.clear();
    for (const worker of slots.keys()) worker.process.kill('SIGTERM');
    setTimeout(() => {
      if (slots.size === 0) return;
      say(`${slots.size} worker(s) still running ${STOP_TIMEOUT_MS / 1000} s after SIGTERM; killing them`);
      for (const worker of slots.keys()) worker.process.kill('SIGKILL');
      exitCode = 1;
    }, STOP_TIMEOUT_MS).unref();
    finishIfDone();
  };

  cluster.on('message', (worker, message: Partial<ListeningMessage>) => {
    const slot = slots.get(worker);
    if (!slot || message?.type !== LISTENING_MESSAGE) return;
    slot.listening = true;
    slot.banner = message.banner;
    if (started || stopping || slots.size < count || ![...slots.values()].every((s) => s.listening)) return;
    started = true;
    const first = [...slots.values()].find((s) => s.index === 0) ?? slot;
    process.stdout.write(first.banner ?? '');
  });

  cluster.on('exit', (worker, code, signal) => {
    const slot = slots.get(worker);
    slots.delete(worker);
    if (!slot) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (stopping) {
      // Ended by the SIGTERM we sent (a worker still booting has no handler yet) or cleanly.
      if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT') {
        say(`worker ${worker.process.pid} stopped with ${how}`);
        exitCode = 1;
      }
      return finishIfDone();
    }
    if (!started) {
      say(`worker ${worker.process.pid} exited with ${how} while starting; stopping`);
      return stop(1);
    }
    youngDeaths = Date.now() - slot.startedAt >= HEALTHY_AFTER_MS ? 0 : youngDeaths + 1;
    const delay = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** Math.max(0, youngDeaths - 1));
    say(`worker ${worker.process.pid} died (${how}); starting another in ${delay} ms`);
    const timer = setTimeout(() => {
      pendingRestarts.delete(timer);
      if (!stopping) fork(slot.index, true);
    }, delay);
    pendingRestarts.add(timer);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(0));
  for (let index = 0; index < count; index++) fork(index, false);
}
