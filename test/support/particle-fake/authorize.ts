import { oauthError } from './replies.js';
import type { FakeState } from './state.js';
import type { IncomingCall, Reply } from './types.js';

/** Whoever "logs in" at Particle during a fake consent: the first user added, or a stand-in. */
const STAND_IN_USER = 'oauth-user@example.com';

/** §4: the consent step of the authorization-code flow, answered without a browser. */
export function authorize(state: FakeState, call: IncomingCall): Reply {
  const query = call.query;
  const client = state.clients.get(query.get('client_id') ?? '');
  if (!client) return oauthError(400, 'invalid_client', 'Invalid client_id parameter');
  // §4: only `web` clients have a registered redirect and may use this flow.
  if (client.type !== 'web' || !client.redirectUri) {
    return oauthError(
      400,
      'unauthorized_client',
      'The client is not allowed to use the authorization code flow',
    );
  }
  if (query.get('response_type') !== 'code') {
    return oauthError(400, 'unsupported_response_type', 'Only response_type=code is supported');
  }
  // §4: the framework insists on the exact registered redirect_uri, so the fake does too.
  if (query.get('redirect_uri') !== client.redirectUri) {
    return oauthError(400, 'invalid_request', 'redirect_uri does not match');
  }
  const target = new URL(client.redirectUri);
  if (state.authorizeDecision() === 'deny') {
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('error_description', 'The user denied access to your application');
  } else {
    const username = state.users.keys().next().value ?? STAND_IN_USER;
    target.searchParams.set('code', state.tokens.createCode(client.id, username));
  }
  // §4: state is echoed only when it was sent.
  const oauthState = query.get('state');
  if (oauthState !== null) target.searchParams.set('state', oauthState);
  return { status: 302, headers: { Location: target.toString() } };
}
