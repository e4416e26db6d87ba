import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Keyring, loadOrCreateDevKey } from './keyring.js';
import { SecretBox, SecretDecryptionError } from './secret-box.js';

const k1 = { kid: 'k1', key: randomBytes(32) };
const k2 = { kid: 'k2', key: randomBytes(32) };
const loc = { table: 'oauth_client_secrets', column: 'secret', rowId: 'row-1' };

describe(SecretBox.name, () => {
  it('round-trips a value and never stores the plaintext', () => {
    const box = new SecretBox(new Keyring([k1]));
    const sealed = box.seal('s3cr3t-value', loc);
    expect(sealed).not.toContain('s3cr3t');
    expect(sealed.startsWith('v1.k1.')).toBe(true);
    expect(box.open(sealed, loc)).toBe('s3cr3t-value');
  });

  it('uses a fresh nonce for every value', () => {
    const box = new SecretBox(new Keyring([k1]));
    expect(box.seal('same', loc)).not.toBe(box.seal('same', loc));
  });

  it('rejects any flipped bit of nonce, ciphertext or tag', () => {
    const box = new SecretBox(new Keyring([k1]));
    const sealed = box.seal('tamper-me', loc);
    const [v, kid, nonce, body] = sealed.split('.') as [string, string, string, string];
    for (const [part, bytes] of [
      ['nonce', Buffer.from(nonce, 'base64url')],
      ['body', Buffer.from(body, 'base64url')],
    ] as const) {
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const copy = Buffer.from(bytes);
        copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        const forged =
          part === 'nonce'
            ? [v, kid, copy.toString('base64url'), body].join('.')
            : [v, kid, nonce, copy.toString('base64url')].join('.');
        expect(() => box.open(forged, loc), `${part} bit ${bit}`).toThrow(SecretDecryptionError);
      }
    }
  });

  it('refuses a ciphertext copied to another row, column or table', () => {
    const box = new SecretBox(new Keyring([k1]));
    const sealed = box.seal('bound', loc);
    expect(() => box.open(sealed, { ...loc, rowId: 'row-2' })).toThrow(SecretDecryptionError);
    expect(() => box.open(sealed, { ...loc, column: 'other' })).toThrow(SecretDecryptionError);
    expect(() => box.open(sealed, { ...loc, table: 'credentials' })).toThrow(SecretDecryptionError);
  });

  it('decrypts with an older key after a new one is put first, and encrypts with the new one', () => {
    const old = new SecretBox(new Keyring([k1])).seal('old-secret', loc);
    const rotated = new SecretBox(new Keyring([k2, k1]));
    expect(rotated.open(old, loc)).toBe('old-secret');
    expect(SecretBox.kidOf(rotated.seal('new', loc))).toBe('k2');
  });

  it('says which key is missing when a value needs a key that is not configured', () => {
    const sealed = new SecretBox(new Keyring([k1])).seal('x', loc);
    expect(() => new SecretBox(new Keyring([k2])).open(sealed, loc)).toThrow(/key "k1" is not configured/);
  });

  it('rejects malformed values', () => {
    const box = new SecretBox(new Keyring([k1]));
    for (const bad of ['', 'plain', 'v2.k1.a.b', 'v1.k1.AAAA.AAAA', 'v1.k1.a.b.c']) {
      expect(() => box.open(bad, loc)).toThrow(SecretDecryptionError);
    }
  });
});

describe(loadOrCreateDevKey.name, () => {
  it('generates a key once and reuses it on the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'broker-key-'));
    const first = await loadOrCreateDevKey(dir);
    const second = await loadOrCreateDevKey(dir);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.spec.key.equals(first.spec.key)).toBe(true);
    expect((await readFile(join(dir, 'dev-encryption-key'), 'utf8')).startsWith('dev:')).toBe(true);
  });
});
