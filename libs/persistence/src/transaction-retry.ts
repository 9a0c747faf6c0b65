import type { DataSource, EntityManager } from 'typeorm';

/**
 * 40P01 deadlock_detected and 40001 serialization_failure: Postgres aborted the whole
 * transaction, which left nothing behind, so running it again is safe and is what
 * Postgres's documentation asks of the application.
 */
const CONFLICT_CODES = new Set(['40P01', '40001']);

/** How often a transaction is tried before its conflict is let through. */
export const TRANSACTION_ATTEMPTS = 5;

export function isTransactionConflict(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | undefined;
  const code = e?.code ?? e?.driverError?.code;
  return code !== undefined && CONFLICT_CODES.has(code);
}

/**
 * Runs `work` (one transaction, or one autocommit statement) again when Postgres aborted
 * it for a deadlock or a serialization failure, after a short random pause. Rare but
 * real: a reuse revocation locks the presented refresh token and then its grant, while an
 * admin, user, client or RFC 7009 revocation locks the grant and then its tokens, and
 * Postgres breaks the cycle by aborting one of them. `work` must have no effect outside
 * the transaction (every caller here only queries).
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = TRANSACTION_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransactionConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

/** `dataSource.transaction(work)`, tried again after a deadlock or serialization failure. */
export function transactionWithRetry<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return retryOnConflict(() => dataSource.transaction(work));
}
