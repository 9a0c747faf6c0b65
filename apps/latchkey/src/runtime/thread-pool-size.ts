import { availableParallelism } from 'node:os';

/**
 * How many threads libuv's pool gets when UV_THREADPOOL_SIZE is not set: the cores, at
 * least 2 and at most libuv's own default of 4. The pool is where jose's WebCrypto verifies
 * (DPoP proofs, introspection, userinfo) and argon2 hashes passwords; on a host with fewer
 * cores than pool threads, a burst of them preempts the event loop and Postgres. On this
 * project's 2-core benchmark machine, 2 threads instead of 4 measured +29% refresh, +10%
 * code exchange and +2% client_credentials over three alternating pairs of runs, when
 * tokens were still signed there too (they are now signed on the event loop, compact-jws.ts).
 * An explicit UV_THREADPOOL_SIZE always wins.
 */
export function threadPoolSize(cores: number, configured: string | undefined): string {
  if (configured !== undefined && configured !== '') return configured;
  return String(Math.min(4, Math.max(2, cores)));
}

/**
 * Sets UV_THREADPOOL_SIZE for this process (and the cluster workers it forks). libuv reads
 * it once, when the pool first gets work, so this must run before anything uses the pool:
 * main.ts imports this module first.
 */
export function sizeThreadPool(): void {
  process.env.UV_THREADPOOL_SIZE = threadPoolSize(availableParallelism(), process.env.UV_THREADPOOL_SIZE);
}
