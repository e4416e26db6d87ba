import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** A statement PostgreSQL parses and plans once per connection, then only executes. */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

/**
 * Named after its text, so two different texts never share a name on a connection (node-postgres
 * refuses that) and a text built at run time (a query builder's UPDATE) maps to one statement per shape.
 */
export function prepared(text: string): PreparedStatement {
  return { name: `ptb_${createHash('sha256').update(text).digest('hex').slice(0, 20)}`, text };
}

/**
 * Runs a prepared statement on the DataSource's own pool. For the statements the refresh sweep sends
 * per renewal: the guard's CTEs spend longer being parsed and planned than run (bench/README.md), and
 * TypeORM's `query` always sends unnamed statements. Errors are pg's own, which `isDatabaseUnavailable`
 * reads like TypeORM's.
 */
export async function queryPrepared<T extends object>(
  dataSource: DataSource,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  // TypeORM types the PostgreSQL driver's pool as `any`; it is node-postgres's Pool.
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const result = await pool.query({ name: statement.name, text: statement.text, values });
  return result.rows as T[];
}
