import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * A statement Postgres parses and plans once per connection (a named prepared statement of
 * the extended protocol) instead of on every execution. The token endpoint's statements are
 * chains of CTEs whose parse and plan cost Postgres more than running them: measured on
 * the refresh benchmark, naming the rotation statement cut Postgres's CPU per request by
 * about half. The name is derived from the text, so two texts never share a name and a
 * text built at run time (a CTE chain with or without a companion) gets its own.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

const statements = new Map<string, PreparedStatement>();

export function preparedStatement(text: string): PreparedStatement {
  let statement = statements.get(text);
  if (!statement) {
    statement = { name: `lk_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`, text };
    statements.set(text, statement);
  }
  return statement;
}

/**
 * Runs a prepared statement on the connection of the manager's transaction, or, outside
 * one, as its own autocommit statement on a pooled connection (straight on pg's pool: no
 * TypeORM query runner to build and release). Returns the rows. Errors are pg's own
 * (`code` is the SQLSTATE), which every caller here reads alongside TypeORM's wrapped ones.
 */
/** pg's pool behind a DataSource: the hot path queries it straight, without a TypeORM query runner. */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/** Whether `manager` belongs to a transaction (a connection held until COMMIT or ROLLBACK). */
export function inTransaction(manager: EntityManager): boolean {
  return manager.queryRunner !== undefined && !manager.queryRunner.isReleased;
}

export async function queryPrepared<T extends QueryResultRow = Record<string, any>>(
  manager: EntityManager,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  const connection: Pool | PoolClient = inTransaction(manager)
    ? ((await manager.queryRunner!.connect()) as PoolClient)
    : poolOf(manager.connection);
  const result = await connection.query<T>({ name: statement.name, text: statement.text, values });
  return result.rows;
}
