import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Keyring } from './keyring.js';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Where a sealed value lives; binding it into the AAD makes a copy to another row undecryptable. */
export interface SecretLocation {
  readonly table: string;
  readonly column: string;
  readonly rowId: string;
}

export class SecretDecryptionError extends Error {
  constructor(reason: string) {
    super(`Secret cannot be decrypted: ${reason}`);
    this.name = 'SecretDecryptionError';
  }
}

function aad(loc: SecretLocation): Buffer {
  // Length-prefixed so that ("a.b","c") and ("a","b.c") never produce the same bytes.
  return Buffer.from(JSON.stringify([VERSION, loc.table, loc.column, loc.rowId]), 'utf8');
}

/**
 * AES-256-GCM envelope for every secret at rest. Format: `v1.<kid>.<nonce b64url>.<ciphertext+tag b64url>`;
 * the key id is in clear so ops can count rows per key (`split_part(col, '.', 2)`).
 */
export class SecretBox {
  constructor(private readonly keyring: Keyring) {}

  seal(plaintext: string, loc: SecretLocation): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keyring.activeKey(), nonce);
    cipher.setAAD(aad(loc));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.keyring.activeKid, nonce.toString('base64url'), body.toString('base64url')].join(
      '.',
    );
  }

  open(sealed: string, loc: SecretLocation): string {
    const [version, kid, nonceText, bodyText, ...rest] = sealed.split('.');
    if (version !== VERSION || !kid || !nonceText || !bodyText || rest.length > 0) {
      throw new SecretDecryptionError('unknown format');
    }
    const key = this.keyring.key(kid);
    if (!key) throw new SecretDecryptionError(`key "${kid}" is not configured`);
    const nonce = Buffer.from(nonceText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) throw new SecretDecryptionError('truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(aad(loc));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      // GCM reports every mismatch (tampering, wrong row, wrong key) the same way, on purpose.
      throw new SecretDecryptionError('authentication failed');
    }
  }

  /** The key id a sealed value was written with, without decrypting it. */
  static kidOf(sealed: string): string | undefined {
    return sealed.split('.')[1];
  }
}
