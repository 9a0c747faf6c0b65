/**
 * A data-modifying statement to run as a CTE of another statement, reading the columns it
 * needs from the CTE named `source` (the row a rotation or a code redemption produced).
 * The token endpoint records its tokens this way, so that a grant is one statement and
 * one round trip, atomic without BEGIN/COMMIT. `firstParam` is the number of its first $n
 * placeholder; `sql` must select FROM `source`, so it inserts nothing when `source` is empty.
 */
export type ChainedInsert = (source: string, firstParam: number) => { sql: string; params: unknown[] };

/**
 * The CTEs (`, name AS (...)`, one per insert) and their parameters, numbered from
 * `firstParam`, for appending to a WITH clause.
 */
export function chainInserts(inserts: readonly ChainedInsert[], source: string, firstParam: number): { ctes: string; params: unknown[] } {
  let ctes = '';
  const params: unknown[] = [];
  inserts.forEach((insert, i) => {
    const { sql, params: own } = insert(source, firstParam + params.length);
    ctes += `, chained_${i} AS (${sql})`;
    params.push(...own);
  });
  return { ctes, params };
}

/**
 * An insert chained to a statement that may serve many requests at once (a batched
 * refresh rotation): the request's own values travel as extra columns `v0, v1, ...` of the
 * source row instead of as parameters, so that the requests of one shape share one
 * statement text. `sql` must give the same text for every insert of the same `types`.
 */
export interface ChainedRowInsert {
  /** The Postgres type of each value (`text`, `bytea`, `timestamptz`, ...). */
  readonly types: readonly string[];
  readonly values: readonly unknown[];
  /** The INSERT, selecting FROM `source` and reading the values as `v0, v1, ...`. */
  readonly sql: (source: string) => string;
}
