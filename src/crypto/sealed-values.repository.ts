import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SealedColumn, SEALED_COLUMNS } from './sealed-columns.js';

export interface KidCount {
  readonly table: string;
  readonly column: string;
  readonly kid: string;
  readonly rows: number;
}

export interface SealedRow {
  readonly id: string;
  readonly sealed: string;
}

export interface BatchOutcome {
  /** Rows claimed (locked) in this batch; fewer than the limit means nothing is left past the cursor. */
  readonly claimed: number;
  readonly rewritten: number;
  /** Values that could not be re-sealed (left as they are). */
  readonly failed: number;
  /** The last claimed id: the next batch starts after it. */
  readonly lastId: string | undefined;
}

/** Re-seals one value; returns undefined when it cannot (the row is then left untouched). */
export type Reseal = (row: SealedRow) => string | undefined;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function quoted(c: SealedColumn): { table: string; column: string } {
  // Names come from SEALED_COLUMNS, never from input; checked anyway since they are spliced into SQL.
  if (!IDENTIFIER.test(c.table) || !IDENTIFIER.test(c.column)) {
    throw new Error(`not a plain identifier: ${c.table}.${c.column}`);
  }
  return { table: `"${c.table}"`, column: `"${c.column}"` };
}

/** PostgreSQL's undefined_table / undefined_column: the schema is older than this code (not migrated). */
export function isSchemaMissing(err: unknown): boolean {
  // TypeORM's QueryFailedError carries the driver's fields, `code` (the SQLSTATE) among them.
  const code = (err as { code?: unknown } | null)?.code;
  return code === '42P01' || code === '42703';
}

/** The only code that reads sealed columns as a whole: counts per key id, and key-rotation rewrites. */
@Injectable()
export class SealedValuesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** How many values each key id protects, per column (one statement, so one consistent snapshot). */
  async countByKid(columns: readonly SealedColumn[] = SEALED_COLUMNS): Promise<KidCount[]> {
    const parts = columns.map((c, i) => {
      const q = quoted(c);
      return `SELECT ${i} AS col, split_part(${q.column}, '.', 2) AS kid, count(*)::int AS rows
                FROM ${q.table} WHERE ${q.column} IS NOT NULL GROUP BY 2`;
    });
    const rows: { col: number; kid: string; rows: number }[] = await this.dataSource.query(
      parts.join('\nUNION ALL\n'),
    );
    return rows.map((r) => {
      const c = columns[r.col] as SealedColumn;
      return { table: c.table, column: c.column, kid: r.kid, rows: r.rows };
    });
  }

  /**
   * In one transaction: claims up to `limit` rows of `c` whose value is under one of `fromKids`, in id
   * order after `afterId`, skipping rows another transaction holds (a renewal, or another replica's
   * batch); re-seals each; writes back only where the value is still the one read. Other columns,
   * `version` included, stay as they are: the secret itself did not change.
   */
  async rewriteBatch(
    c: SealedColumn,
    fromKids: readonly string[],
    afterId: string | undefined,
    limit: number,
    reseal: Reseal,
  ): Promise<BatchOutcome> {
    const q = quoted(c);
    return this.dataSource.transaction(async (em) => {
      const claimed: SealedRow[] = await em.query(
        `SELECT id::text AS id, ${q.column} AS sealed FROM ${q.table}
          WHERE ${q.column} IS NOT NULL AND split_part(${q.column}, '.', 2) = ANY($1::text[])
            AND ($2::uuid IS NULL OR id > $2::uuid)
          ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [fromKids, afterId ?? null, limit],
      );
      const ids: string[] = [];
      const olds: string[] = [];
      const news: string[] = [];
      for (const row of claimed) {
        const next = reseal(row);
        if (next === undefined) continue;
        ids.push(row.id);
        olds.push(row.sealed);
        news.push(next);
      }
      let rewritten = 0;
      if (ids.length > 0) {
        // For an UPDATE, TypeORM's postgres driver answers [rows, rowCount].
        const [, affected] = await em.query<[unknown, number]>(
          `UPDATE ${q.table} AS t SET ${q.column} = v.sealed
             FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, old, sealed)
            WHERE t.id = v.id AND t.${q.column} = v.old`,
          [ids, olds, news],
        );
        rewritten = affected;
      }
      return {
        claimed: claimed.length,
        rewritten,
        failed: claimed.length - ids.length,
        lastId: claimed.at(-1)?.id,
      };
    });
  }
}
