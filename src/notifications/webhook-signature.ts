import { createHmac, randomBytes } from 'node:crypto';
import type { SecretLocation } from '../crypto/secret-box.js';

const PREFIX = 'whsec_';

/** A new endpoint secret as the Standard Webhooks libraries read it: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** Every secret is sealed bound to its own `webhook_secrets` row. */
export const webhookSecretLocation = (rowId: string): SecretLocation => ({
  table: 'webhook_secrets',
  column: 'secret_sealed',
  rowId,
});

/**
 * The `webhook-signature` header (Standard Webhooks v1): one `v1,<base64 HMAC-SHA256>` over
 * `id.timestamp.body` per secret, space-separated, so a receiver holding either the old or the new
 * secret verifies a delivery during a rotation's grace.
 */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string) {
  return secrets
    .map((s) => {
      const key = Buffer.from(s.startsWith(PREFIX) ? s.slice(PREFIX.length) : s, 'base64');
      return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
    })
    .join(' ');
}
