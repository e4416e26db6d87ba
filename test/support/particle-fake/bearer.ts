import { oauthError } from './replies.js';
import type { FakeState } from './state.js';
import type { AccessGrant } from './token-store.js';
import type { IncomingCall, Reply } from './types.js';

export type Authenticated = { token: string; grant: AccessGrant } | { reply: Reply };

/** §11 / §12: the framework's bearer checks and their exact answers. */
export function authenticateBearer(state: FakeState, call: IncomingCall): Authenticated {
  const header = call.headers.authorization;
  // §11: the query token is deprecated but still accepted; the broker should use the header.
  const queryToken = call.query.get('access_token');
  if (header !== undefined && queryToken !== null) {
    return {
      reply: oauthError(
        400,
        'invalid_request',
        'Only one method may be used to authenticate at a time (Auth header, GET or POST)',
      ),
    };
  }
  let token = queryToken ?? '';
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) return { reply: oauthError(400, 'invalid_request', 'Malformed auth header') };
    token = match[1];
  }
  if (!token) return { reply: oauthError(400, 'invalid_request', 'The access token was not found') };
  const grant = state.tokens.inspect(token);
  if (grant === 'invalid') {
    return { reply: oauthError(401, 'invalid_token', 'The access token provided is invalid.') };
  }
  if (grant === 'expired') {
    return { reply: oauthError(401, 'invalid_token', 'The access token provided has expired.') };
  }
  return { token, grant };
}
