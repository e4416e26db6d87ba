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
