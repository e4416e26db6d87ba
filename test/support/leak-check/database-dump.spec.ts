import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../database.js';
import { dumpDatabase, dumpThroughSql } from './database-dump.js';
import { SQL_DUMP_HEADER } from './records.js';

describe(dumpDatabase.name, () => {
  let db: TestDatabase;
  let dir: string;
  const marker = 'dump-marker-7f3a9c2e41';

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'dump-spec-'));
    await db.query(`CREATE SCHEMA extra`);
    await db.query(`CREATE TABLE extra.notes (body text)`);
    await db.query(`INSERT INTO extra.notes VALUES ($1)`, [marker]);
    await db.query(`INSERT INTO tenants (id, name) VALUES ('dump-spec', $1)`, [`${marker}-tenant`]);
  });
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the rows of every schema, with pg_dump when it can read the server, else through SQL', async () => {
    const file = join(dir, 'auto.sql');
    const method = await dumpDatabase(db.url, file);
    const text = await readFile(file, 'utf8');
    expect(text.startsWith(SQL_DUMP_HEADER)).toBe(method === 'sql');
    expect(text).toContain(marker);
    expect(text).toContain(`${marker}-tenant`);
  });

  it('falls back to SQL that reads every table of every schema', async () => {
    const file = join(dir, 'sql.sql');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await dumpThroughSql(client, file).finally(() => client.end());
    const text = await readFile(file, 'utf8');
    expect(text).toContain(`-- extra.notes\n{"body":"${marker}"}`);
    expect(text).toContain('-- public.tenants\n');
    expect(text).toContain(`${marker}-tenant`);
  });
});
