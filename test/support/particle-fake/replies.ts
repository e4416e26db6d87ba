import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

import type { Reply } from './types.js';

export function jsonReply(status: number, json: unknown, headers?: Record<string, string>): Reply {
  return { status, json, ...(headers ? { headers } : {}) };
}

/** particle-cloud.md §2.5: OAuth errors always carry `error` and `error_description`. */
export function oauthError(
  status: number,
  error: string,
  description: string,
  extra: Record<string, unknown> = {},
): Reply {
  return { status, error, json: { error, error_description: description, ...extra } };
}

/** §2.5: the framework adds a Basic challenge to every invalid_client answer. */
export function invalidClient(description: string): Reply {
  return {
    ...oauthError(400, 'invalid_client', description),
    headers: { 'WWW-Authenticate': 'Basic realm="Service"' },
  };
}

/** §2.4: historically 40 hex characters; the broker must not rely on that, realistic values catch leaks. */
export function randomHex(): string {
  return randomBytes(20).toString('hex');
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  // A client that gave up (or close()) may have destroyed the socket while the reply was delayed.
  if (res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (reply.json !== undefined) {
    payload = JSON.stringify(reply.json);
    headers['Content-Type'] = 'application/json; charset=utf-8';
  } else if (reply.text !== undefined) {
    payload = reply.text;
    headers['Content-Type'] ??= 'text/plain; charset=utf-8';
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function mediaType(headers: IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function parseForm(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text));
}

export function basicCredentials(
  header: string | undefined,
): { clientId: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { clientId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** §2.1: Basic is checked first, then the `client_id` / `client_secret` body fields. */
export function presentedClientCredentials(
  headers: IncomingHttpHeaders,
  form: Record<string, string> | undefined,
): { clientId?: string; secret?: string } {
  return (
    basicCredentials(headers.authorization) ?? { clientId: form?.client_id, secret: form?.client_secret }
  );
}
