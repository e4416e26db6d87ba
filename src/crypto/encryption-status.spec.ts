import { describe, expect, it } from 'vitest';
import { missingKeysMessage, summarizeEncryption } from './encryption-status.js';
import type { KidCount } from './sealed-values.repository.js';

const count = (column: string, kid: string, rows: number): KidCount => ({
  table: 'credentials',
  column,
  kid,
  rows,
});

describe(summarizeEncryption.name, () => {
  it('adds up every column per key, lists configured keys first with 0 rows, then keys found only in data', () => {
    const counts = [count('a', 'k1', 3), count('b', 'k1', 2), count('a', 'k2', 5), count('b', 'old', 1)];
    expect(summarizeEncryption(counts, ['k2', 'k1', 'k0'], 'k2', false)).toEqual({
      active_kid: 'k2',
      keys: [
        { kid: 'k2', rows: 5 },
        { kid: 'k1', rows: 5 },
        { kid: 'k0', rows: 0 },
        { kid: 'old', rows: 1 },
      ],
      reencryption: { state: 'idle', done: 5, total: 11 },
    });
  });

  it('says running while a pass runs here, done when everything is under the active key', () => {
    const counts = [count('a', 'k2', 4)];
    expect(summarizeEncryption(counts, ['k2', 'k1'], 'k2', true).reencryption.state).toBe('running');
    expect(summarizeEncryption(counts, ['k2', 'k1'], 'k2', false).reencryption).toEqual({
      state: 'done',
      done: 4,
      total: 4,
    });
    expect(summarizeEncryption([], ['k1'], 'k1', false).reencryption).toEqual({
      state: 'done',
      done: 0,
      total: 0,
    });
  });
});

describe(missingKeysMessage.name, () => {
  it('is undefined when the keyring has every key the data uses', () => {
    expect(missingKeysMessage([count('a', 'k1', 3), count('b', 'k2', 1)], ['k2', 'k1'])).toBeUndefined();
  });

  it('names each missing key with the values that need it, summed over columns', () => {
    const counts = [count('a', 'k1', 1230), count('b', 'k1', 4), count('a', 'k0', 1), count('a', 'k2', 9)];
    expect(missingKeysMessage(counts, ['k2'])).toBe(
      'BROKER_ENCRYPTION_KEYS lacks key(s) still needed: k0 (1 value), k1 (1234 values). ' +
        'Put them back (after the active key) until GET /v1/admin/encryption shows 0 rows for them.',
    );
  });
});
