import pg from 'pg';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { freePort } from '../common/free-port.js';
import { databaseUnavailable, isDatabaseUnavailable } from './database-errors.js';

function pgError(code: string, message = 'from the server'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isDatabaseUnavailable', () => {
  it('recognises a refused connection as node-postgres reports it', async () => {
    const client = new pg.Client({ connectionString: `postgres://u@127.0.0.1:${await freePort()}/db` });
    const err = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it('recognises a server shutting down, starting up or out of slots, also inside TypeORM errors', () => {
    for (const code of ['57P01', '57P02', '57P03', '08006', '08001', '53300']) {
      expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], pgError(code))), code).toBe(true);
    }
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: pgError('ECONNRESET') }))).toBe(true);
  });

  it('leaves real query errors and anything else alone (they stay 500s or their own mapping)', () => {
    for (const code of ['23505', '40001', '42P01', '55P03']) {
      expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], pgError(code))), code).toBe(false);
    }
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });

  it('answers a retryable 503 that names the database', () => {
    const e = databaseUnavailable();
    expect(e).toMatchObject({ status: 503, code: 'upstream_unavailable', title: 'Database unavailable' });
    expect(e.retryAfterSeconds).toBeGreaterThan(0);
  });
});
