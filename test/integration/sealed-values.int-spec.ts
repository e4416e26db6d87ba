import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/crypto/keyring.js';
import { SealedColumn, sealedLocation } from '../../src/crypto/sealed-columns.js';
import { SealedValuesRepository } from '../../src/crypto/sealed-values.repository.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { dataSourceOptions } from '../../src/database/data-source.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const k1 = { kid: 'k1', key: randomBytes(32) };
const k2 = { kid: 'k2', key: randomBytes(32) };
const access: SealedColumn = { table: 'credentials', column: 'access_token_sealed' };
const ROWS = 5;

describe(SealedValuesRepository.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let repository: SealedValuesRepository;
  const oldBox = new SecretBox(new Keyring([k1]));
  const newBox = new SecretBox(new Keyring([k2, k1]));
  const ids = Array.from({ length: ROWS }, () => randomUUID()).sort();
  const reseal = (row: { id: string; sealed: string }) => {
    const loc = sealedLocation(access, row.id);
    return newBox.seal(newBox.open(row.sealed, loc), loc);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(db.url, 4)).initialize();
    repository = new SealedValuesRepository(dataSource);
    await db.query(`INSERT INTO tenants (id, name) VALUES ('t', 't')`);
    for (const id of ids) {
      await db.query(
        `INSERT INTO credentials (id, tenant_id, kind, version, access_token_sealed) VALUES ($1, 't', 'token', 7, $2)`,
        [id, oldBox.seal(`token-${id}`, sealedLocation(access, id))],
      );
    }
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('counts values per key id and column, leaves a row another transaction holds, and rewrites it later', async () => {
    expect(await repository.countByKid()).toEqual([
      { table: 'credentials', column: 'access_token_sealed', kid: 'k1', rows: ROWS },
    ]);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    const held = ids[1] as string;
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM credentials WHERE id = $1 FOR UPDATE', [held]);
      const first = await repository.rewriteBatch(access, ['k1'], undefined, 100, reseal);
      expect(first).toMatchObject({ claimed: ROWS - 1, rewritten: ROWS - 1, failed: 0 });
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    const byKid = await repository.countByKid();
    expect(byKid.map((c) => [c.kid, c.rows]).sort()).toEqual([
      ['k1', 1],
      ['k2', ROWS - 1],
    ]);
    const second = await repository.rewriteBatch(access, ['k1'], undefined, 100, reseal);
    expect(second).toMatchObject({ claimed: 1, rewritten: 1, lastId: held });
    const rows = await db.query<{ id: string; version: number; a: string }>(
      `SELECT id::text, version, access_token_sealed AS a FROM credentials ORDER BY id`,
    );
    expect(rows.map((r) => r.version)).toEqual(Array(ROWS).fill(7));
    for (const r of rows) expect(newBox.open(r.a, sealedLocation(access, r.id))).toBe(`token-${r.id}`);
    expect(rows.every((r) => SecretBox.kidOf(r.a) === 'k2')).toBe(true);
  });

  it('pages in id order after the cursor and leaves values it cannot re-seal as they are', async () => {
    await db.query(`UPDATE credentials SET access_token_sealed = $2 WHERE id = $1`, [
      ids[0],
      oldBox.seal('x', sealedLocation(access, ids[0] as string)),
    ]);
    await db.query(`UPDATE credentials SET access_token_sealed = $2 WHERE id = $1`, [
      ids[3],
      oldBox.seal('copied from elsewhere', sealedLocation(access, 'another-row')),
    ]);
    const page = await repository.rewriteBatch(access, ['k1'], ids[0], 100, (row) => {
      try {
        return reseal(row);
      } catch {
        return undefined; // bound to another row: cannot be opened here
      }
    });
    expect(page).toMatchObject({ claimed: 1, rewritten: 0, failed: 1, lastId: ids[3] });
    const [left] = await db.query<{ kid: string }>(
      `SELECT split_part(access_token_sealed, '.', 2) AS kid FROM credentials WHERE id = $1`,
      [ids[0]],
    );
    expect(left?.kid).toBe('k1');
  });
});
