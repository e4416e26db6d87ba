import { jsonReply, oauthError } from './replies.js';
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

/** §16: the permissions of API-user tokens; a token whose scope names none of them is unrestricted. */
const DEVICE_CLOUD_SCOPES = [
  'devices.function:call',
  'devices.variable:get',
  'devices:ping',
  'devices:get',
  'devices:list',
  'devices:update',
  'devices:release',
  'events:get',
  'events:send',
  'sims.status:get',
] as const;

export type DeviceCloudScope = (typeof DEVICE_CLOUD_SCOPES)[number];

function isDeviceCloudScope(entry: string): entry is DeviceCloudScope {
  return (DEVICE_CLOUD_SCOPES as readonly string[]).includes(entry);
}

/** A valid bearer token that also carries `scope` where scopes apply (§16: 403 otherwise). */
export function authorizeBearer(
  state: FakeState,
  call: IncomingCall,
  scope: DeviceCloudScope,
): Authenticated {
  const auth = authenticateBearer(state, call);
  if ('reply' in auth) return auth;
  const granted = (auth.grant.scope ?? '').split(/\s+/).filter(isDeviceCloudScope);
  if (granted.length === 0 || granted.includes(scope)) return auth;
  // The body of Particle's 403 for a missing scope is UNCONFIRMED.
  return {
    reply: jsonReply(403, {
      ok: false,
      error: 'Forbidden',
      error_description: `The access token lacks the ${scope} scope`,
    }),
  };
}
