import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { SQL_DUMP_HEADER } from './records.js';

const run = promisify(execFile);

export type DumpMethod = 'pg_dump' | 'sql';

/** pg_dump's major version, or undefined when there is none (the embedded server ships without one). */
let pgDumpMajor: Promise<number | undefined> | undefined;

function findPgDump(): Promise<number | undefined> {
  pgDumpMajor ??= run('pg_dump', ['--version']).then(
    ({ stdout }) => Number(/\b(\d+)(?:\.\d+)?\b/.exec(stdout)?.[1]) || undefined,
    () => undefined,
  );
  return pgDumpMajor;
}

/**
 * Writes every row of the database `url` to `file`: with pg_dump when it can read this server (its major
 * version must be at least the server's), else through SQL. Both write each row's values as text, which is
 * what the leak check searches.
 */
export async function dumpDatabase(url: string, file: string): Promise<DumpMethod> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const version = await client.query<{ v: number }>(
      `SELECT current_setting('server_version_num')::int AS v`,
    );
    const serverMajor = Math.floor((version.rows[0]?.v ?? Infinity) / 10_000);
    const dumpMajor = await findPgDump();
    if (dumpMajor !== undefined && dumpMajor >= serverMajor) {
      // A failed pg_dump (say, a permission it lacks) still leaves the SQL path, so the check never goes blind.
      const dumped = await run('pg_dump', [
        '--data-only',
        '--no-password',
        '--file',
        file,
        '--dbname',
        url,
      ]).then(
        () => true,
        () => false,
      );
      if (dumped) return 'pg_dump';
    }
    await dumpThroughSql(client, file);
    return 'sql';
  } finally {
    await client.end();
  }
}

/** Every table of every user schema, one `row_to_json` line per row. */
export async function dumpThroughSql(client: pg.Client, file: string): Promise<void> {
  const tables = await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
      ORDER BY 1`,
  );
  const out = createWriteStream(file);
  try {
    out.write(`${SQL_DUMP_HEADER}\n`);
    for (const { name } of tables.rows) {
      const rows = await client.query<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM ${name} t`);
      out.write(`-- ${name}\n`);
      for (const { r } of rows.rows) out.write(`${r}\n`);
    }
  } finally {
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
}
