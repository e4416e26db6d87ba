import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** $1 token hash, $2 now, $3 the idle cutoff (now - idle): a live session is used now; its key's hash. */
const TOUCH = `WITH used AS (UPDATE console_sessions SET last_used_at = $2
    WHERE token_hash = $1 AND expires_at > $2 AND last_used_at > $3 RETURNING api_key_hash)
  SELECT api_key_hash FROM used`;

/** $1 token hash: the session goes; its key's hash. */
const END = `WITH ended AS (DELETE FROM console_sessions WHERE token_hash = $1 RETURNING api_key_hash)
  SELECT api_key_hash FROM ended`;

// Each statement wraps its UPDATE/DELETE ... RETURNING in a SELECT: TypeORM answers a bare one with
// [rows, count], not rows.

/**
 * `console_sessions` (the OpsConsole migration): a browser's session, as the hash of its token and the
 * hash of the admin key it was opened with. Raw SQL with no entity: nothing else reads the table.
 */
@Injectable()
export class ConsoleSessionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * A new session, in one transaction with `also` (its audit row), after dropping sessions that have
   * ended (idle or past their lifetime) so the table holds only live ones plus those ended since.
   */
  async create(
    s: { tokenHash: Buffer; apiKeyHash: Buffer; now: Date; expiresAt: Date; idleCutoff: Date },
    also: (em: EntityManager) => Promise<void>,
  ): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await em.query('DELETE FROM console_sessions WHERE expires_at <= $1 OR last_used_at <= $2', [
        s.now.toISOString(),
        s.idleCutoff.toISOString(),
      ]);
      await em.query(
        `INSERT INTO console_sessions (token_hash, api_key_hash, created_at, last_used_at, expires_at)
         VALUES ($1, $2, $3, $3, $4)`,
        [s.tokenHash, s.apiKeyHash, s.now.toISOString(), s.expiresAt.toISOString()],
      );
      await also(em);
    });
  }

  /** The key hash of a live session, which is marked used now; undefined when it has ended or never was. */
  async touchLive(tokenHash: Buffer, now: Date, idleCutoff: Date): Promise<Buffer | undefined> {
    const rows = await this.dataSource.query<{ api_key_hash: Buffer }[]>(TOUCH, [
      tokenHash,
      now.toISOString(),
      idleCutoff.toISOString(),
    ]);
    return rows[0]?.api_key_hash;
  }

  /** The ended session's key hash; undefined when there was none. `also` commits with the deletion. */
  async deleteByToken(
    tokenHash: Buffer,
    also?: (em: EntityManager, apiKeyHash: Buffer) => Promise<void>,
  ): Promise<Buffer | undefined> {
    return this.dataSource.transaction(async (em) => {
      const rows = await em.query<{ api_key_hash: Buffer }[]>(END, [tokenHash]);
      const keyHash = rows[0]?.api_key_hash;
      if (keyHash) await also?.(em, keyHash);
      return keyHash;
    });
  }

  /** Every session opened with a key that no longer authenticates (deleted, expired, rotated away). */
  async deleteForApiKey(apiKeyHash: Buffer): Promise<void> {
    await this.dataSource.query('DELETE FROM console_sessions WHERE api_key_hash = $1', [apiKeyHash]);
  }
}
