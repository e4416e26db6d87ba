import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Recognisable in logs, secret scanners and config files. */
export const API_KEY_PREFIX = 'ptb_';
const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

export function generateApiKey(): { key: string; hash: Buffer; prefix: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, SHOWN_PREFIX_LENGTH) };
}

/** 256 random bits need no slow KDF: SHA-256 is preimage-resistant and keeps every lookup cheap. */
export function hashApiKey(key: string): Buffer {
  return hash('sha256', key, 'buffer');
}

/** The same digest as base64, the form the per-replica key cache uses (one call, no Buffer: hot path). */
export function hashApiKeyBase64(key: string): string {
  return hash('sha256', key, 'base64');
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
