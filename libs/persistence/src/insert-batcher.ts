import type { Pool } from 'pg';
import type { PreparedStatement } from './prepared-statement.js';

/**
 * Group commit for independent single-row INSERTs made outside a transaction: the rows
 * added in one turn of the event loop go to Postgres as ONE statement (`INSERT ... SELECT
 * FROM unnest($1::type[], ...)`: one round trip, one commit), and every caller's promise
 * settles when that statement has committed, so nobody is answered before their row is
 * durable. Under load the token endpoint's client_credentials records arrive dozens per
 * turn; alone, a row waits no longer than a setImmediate.
 *
 * Should the batch fail (one bad row fails them all), each row is tried on its own, so
 * that only the callers whose row fails see an error.
 */
export class InsertBatcher<Row> {
  private pending: { row: Row; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  /**
   * @param statement inserts the rows given as one array parameter per column
   * @param columns the statement's parameters for these rows (one array per column)
   */
  constructor(
    private readonly pool: () => Pool,
    private readonly statement: PreparedStatement,
    private readonly columns: (rows: readonly Row[]) => unknown[],
    private readonly maxRows = 500,
  ) {}

  add(row: Row): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (this.pending.length >= this.maxRows) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    void this.insert(batch.map((b) => b.row)).then(
      () => batch.forEach((b) => b.resolve()),
      (error) => {
        if (batch.length === 1) return batch[0]!.reject(error);
        for (const b of batch) this.insert([b.row]).then(b.resolve, b.reject);
      },
    );
  }

  private async insert(rows: readonly Row[]): Promise<void> {
    await this.pool().query({ name: this.statement.name, text: this.statement.text, values: this.columns(rows) });
  }
}
