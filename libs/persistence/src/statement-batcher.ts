import type { Pool, QueryResultRow } from 'pg';
import type { PreparedStatement } from './prepared-statement.js';

/** How a StatementBatcher turns requests into one statement and its answer back into results. */
export interface BatchPlan<Input, Result> {
  /** Inputs with the same key share a statement (the same text); others run separately. */
  key(input: Input): string;
  /** The statement for inputs of one key, and its parameters (typically one array per column). */
  statement(inputs: readonly Input[]): { statement: PreparedStatement; values: unknown[] };
  /** Each input's result, in order, from the statement's rows. */
  results(inputs: readonly Input[], rows: readonly QueryResultRow[]): Result[];
}

/**
 * Group commit for independent autocommit statements: the requests made in one turn of the
 * event loop go to Postgres as ONE statement over all of them (typically `... FROM
 * unnest($1::type[], ...)`): one round trip, one commit, one plan execution instead of
 * dozens. Each caller's promise settles when that statement has committed, so nobody is
 * answered before their write is durable. Alone, a request waits no longer than a
 * setImmediate.
 *
 * Should a batch fail for something one of its rows may have caused (a data or integrity
 * error: one bad row fails all of it) or for a deadlock (which aborts all of it), each
 * input is run again on its own, so that every caller gets its own outcome. Any other
 * failure (the database gone or silent) is every caller's, at once.
 */
export class StatementBatcher<Input, Result> {
  private pending: { input: Input; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly pool: () => Pool,
    private readonly plan: BatchPlan<Input, Result>,
    private readonly maxBatch = 256,
  ) {}

  run(input: Input): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    const byKey = new Map<string, typeof pending>();
    for (const entry of pending) {
      const key = this.plan.key(entry.input);
      const group = byKey.get(key);
      if (group) group.push(entry);
      else byKey.set(key, [entry]);
    }
    for (const group of byKey.values()) {
      this.execute(group.map((g) => g.input)).then(
        (results) => group.forEach((g, i) => g.resolve(results[i]!)),
        (error) => {
          if (group.length === 1 || !mayBeOneRowsFault(error)) return group.forEach((g) => g.reject(error));
          for (const g of group) this.execute([g.input]).then((results) => g.resolve(results[0]!), g.reject);
        },
      );
    }
  }

  private async execute(inputs: readonly Input[]): Promise<Result[]> {
    const { statement, values } = this.plan.statement(inputs);
    const { rows } = await this.pool().query({ name: statement.name, text: statement.text, values });
    return this.plan.results(inputs, rows);
  }
}

/** BatchPlan.results for statements whose rows carry their input's position as `ord`; undefined where none came back. */
export function resultsByOrd<Row extends { ord: number }>(inputs: readonly unknown[], rows: readonly QueryResultRow[]): (Row | undefined)[] {
  const results: (Row | undefined)[] = new Array(inputs.length);
  for (const row of rows as Row[]) results[row.ord] = row;
  return results;
}

/** SQLSTATE classes 22 (data exception), 23 (integrity constraint) and 40 (transaction rollback). */
function mayBeOneRowsFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^(22|23|40)[0-9A-Z]{3}$/.test(code);
}

/** StatementBatcher for INSERTs of one row per request, which answer nothing. */
export class InsertBatcher<Row> extends StatementBatcher<Row, void> {
  /**
   * @param statement inserts the rows given as one array parameter per column
   * @param columns the statement's parameters for these rows (one array per column)
   */
  constructor(pool: () => Pool, statement: PreparedStatement, columns: (rows: readonly Row[]) => unknown[]) {
    super(pool, { key: () => '', statement: (rows) => ({ statement, values: columns(rows) }), results: (rows) => rows.map(() => undefined) });
  }

  add(row: Row): Promise<void> {
    return this.run(row);
  }
}
