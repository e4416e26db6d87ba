import { isIP } from 'node:net';
import { ApiError } from '../common/api-error.js';

/** Plain http is only for a loopback receiver unless WEBHOOK_ALLOW_HTTP says otherwise. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * An endpoint URL the broker will POST to, or a 400 saying why not: https (http per `allowHttp`), no
 * user name or password in it (they would be shown in every listing and log), no fragment.
 */
export function checkWebhookUrl(raw: string, allowHttp: 'loopback' | 'on' | 'off'): string {
  const refuse = (why: string) =>
    ApiError.validation(`url ${why}`, [{ field: 'url', messages: [`url ${why}`] }]);
  if (!URL.canParse(raw)) throw refuse('must be an absolute URL');
  const url = new URL(raw);
  if (url.username || url.password) throw refuse('must not carry credentials (user:password@)');
  if (url.hash) throw refuse('must not have a fragment');
  if (url.protocol === 'https:') return url.toString();
  if (url.protocol !== 'http:') throw refuse('must be https');
  if (allowHttp === 'on' || (allowHttp === 'loopback' && isLoopback(url.hostname))) return url.toString();
  throw refuse(
    allowHttp === 'off'
      ? 'must be https (WEBHOOK_ALLOW_HTTP=off)'
      : 'must be https; plain http only to a loopback address (WEBHOOK_ALLOW_HTTP=loopback)',
  );
}
