import { authenticateBearer } from './bearer.js';
import { jsonReply } from './replies.js';
import type { FakeState } from './state.js';
import type { IncomingCall, Reply } from './types.js';

/** §6: the cheap liveness probe (GET) and self-revocation (DELETE). */
export function currentAccessToken(state: FakeState, call: IncomingCall): Reply {
  const auth = authenticateBearer(state, call);
  if ('reply' in auth) return auth.reply;
  if (call.method === 'DELETE') {
    state.tokens.revoke(auth.token);
    return jsonReply(200, { ok: true });
  }
  const { clientId, expiresAt } = auth.grant;
  return jsonReply(200, {
    expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString(),
    // §6 / §15: docs say `client`, the SDK says `client_id`; sending both lets the broker read either.
    client: clientId,
    client_id: clientId,
    scopes: [],
    orgs: [],
  });
}

/** §11: a typical bearer-protected read, for checking how the broker's consumers see 401s. */
export function listDevices(state: FakeState, call: IncomingCall): Reply {
  const auth = authenticateBearer(state, call);
  if ('reply' in auth) return auth.reply;
  return jsonReply(200, [
    {
      id: 'e00fce681f2e3c4d5a6b7c8d',
      name: 'fake-boron',
      online: true,
      platform_id: 13,
      product_id: null,
      last_heard: new Date(state.now()).toISOString(),
    },
  ]);
}
