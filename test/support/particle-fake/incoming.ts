import type { IncomingMessage } from 'node:http';

import type { SecretKind } from '../leak-check/records.js';
import { basicCredentials, mediaType, parseForm, presentedClientCredentials } from './replies.js';
import { TOKEN_PATH } from './router.js';
import type { IncomingCall, RecordedRequest, TokenCallFilter } from './types.js';

/** Request fields that carry credentials, so leak checks also know what the broker sent (§2.2). */
const SECRET_FIELDS: Record<string, SecretKind> = {
  password: 'password',
  otp: 'otp',
  client_secret: 'client_secret',
  refresh_token: 'refresh_token',
  mfa_token: 'mfa_token',
  code: 'authorization_code',
  access_token: 'access_token',
};

/** The call as the routes see it, and its record, whose status the server fills in once answered. */
export function parseCall(
  req: IncomingMessage,
  body: string,
  at: number,
): { call: IncomingCall; record: RecordedRequest } {
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const form = mediaType(req.headers) === 'application/x-www-form-urlencoded' ? parseForm(body) : undefined;
  const method = req.method ?? 'GET';
  const call: IncomingCall = {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    body,
    ...(form ? { form } : {}),
  };
  const record: RecordedRequest = {
    method,
    path: url.pathname,
    query: url.search.replace(/^\?/, ''),
    headers: { ...req.headers },
    body,
    ...(form ? { form } : {}),
    at,
    status: 0,
  };
  return { call, record };
}

/** The bearer token of the header, else of the deprecated query (§11). */
export function presentedBearer(call: IncomingCall): string | undefined {
  const header = /^Bearer\s+(\S+)$/i.exec(call.headers.authorization ?? '')?.[1];
  return header ?? call.query.get('access_token') ?? undefined;
}

/** Every secret the call carries, by kind, wherever the broker put it. */
export function presentedSecrets(call: IncomingCall): Array<[SecretKind, string | undefined]> {
  return [
    ...Object.entries(SECRET_FIELDS).map(([field, kind]): [SecretKind, string | undefined] => [
      kind,
      call.form?.[field],
    ]),
    ['access_token', call.query.get('access_token') ?? undefined],
    ['client_secret', basicCredentials(call.headers.authorization)?.secret],
    ['access_token', /^Bearer\s+(\S+)$/i.exec(call.headers.authorization ?? '')?.[1]],
  ];
}

export function isTokenCall(request: { method: string; path: string }): boolean {
  return request.method === 'POST' && request.path === TOKEN_PATH;
}

/** Token calls matching the filter; `ok` means answered 200, so MFA challenges are not ok. */
export function matchesTokenFilter(request: RecordedRequest, filter: TokenCallFilter): boolean {
  const { clientId } = presentedClientCredentials(request.headers, request.form);
  return (
    (filter.grantType === undefined || request.form?.grant_type === filter.grantType) &&
    (filter.clientId === undefined || clientId === filter.clientId) &&
    (filter.ok === undefined || (request.status === 200) === filter.ok)
  );
}

/** Whether the call presented exactly this client id and secret, by Basic or by form fields. */
export function presentsClientSecret(request: RecordedRequest, clientId: string, secret: string): boolean {
  const presented = presentedClientCredentials(request.headers, request.form);
  return presented.clientId === clientId && presented.secret === secret;
}
