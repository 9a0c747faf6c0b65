/**
 * An insert chained to the token endpoint's statement (a rotation or a code redemption),
 * which may serve many requests at once (group commit): it reads the row the statement
 * produced from the CTE `source`, and the request's own values travel as extra columns
 * of that row (`${prefix}0`, `${prefix}1`, ...) instead of as parameters, so that the
 * requests of one shape share one statement text. A grant is then one statement and one
 * round trip, atomic without BEGIN/COMMIT.
 */
export interface ChainedRowInsert {
  /** The Postgres type of each value (`text`, `bytea`, `timestamptz`, ...). */
  readonly types: readonly string[];
  readonly values: readonly unknown[];
  /**
   * The INSERT, selecting FROM `source` and reading its values as `${prefix}0, ...`. It
   * must give the same text for every insert of the same `types`.
   */
  readonly sql: (source: string, prefix: string) => string;
}

/** The statement shape a set of chained inserts gives: equal keys, equal statement texts. */
export function chainedShape(inserts: readonly ChainedRowInsert[]): string {
  return inserts.map((insert, n) => `${insert.types.join(',')}:${insert.sql('source', `c${n}_`)}`).join('|');
}

/**
 * For a statement over `unnest(...)` input rows: the extra input columns (`, $9::text[]`
 * ... and `, c0_0` ...) that carry each chained insert's values, the parameters for
 * `rows` (one array per column), and the CTEs (`, chained_0 AS (...)`) reading `source`.
 * `inserts(row)` gives a row's inserts, of one shape for all rows.
 */
export function chainRowInserts<Row>(
  rows: readonly Row[],
  inserts: (row: Row) => readonly ChainedRowInsert[],
  source: string,
  firstParam: number,
): { arrays: string; columns: string; sourceColumns: string; params: unknown[]; ctes: string } {
  const shape = inserts(rows[0]!);
  let arrays = '';
  let columns = '';
  let sourceColumns = '';
  let ctes = '';
  const params: unknown[] = [];
  shape.forEach((insert, n) => {
    insert.types.forEach((type, k) => {
      arrays += `, $${firstParam + params.length}::${type}[]`;
      columns += `, c${n}_${k}`;
      sourceColumns += `, i.c${n}_${k}`;
      params.push(rows.map((row) => inserts(row)[n]!.values[k]));
    });
    ctes += `, chained_${n} AS (${insert.sql(source, `c${n}_`)})`;
  });
  return { arrays, columns, sourceColumns, params, ctes };
}
